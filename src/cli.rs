//! Command-line interface. Options are declared once here with clap's derive API; help,
//! completions and the man page come from these declarations.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use sfbdiag::AnalyzeOptions;
use sfbdiag::engine::RuleSet;
use sfbdiag::report::text::{Style, render};

#[derive(Parser)]
#[command(
    name = "sfbdiag",
    version,
    about = "Diagnose Skype for Business / Lync sign-in failures from client logs, event logs and support bundles"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum AnalyzeFormat {
    Text,
    Json,
    Markdown,
    Html,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum BatchFormat {
    Jsonl,
    Csv,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse files, directories and zip archives together as one case.
    Analyze {
        /// Inputs: UCCAPI logs, event-log exports, command outputs, directories, zips.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: AnalyzeFormat,
        /// Write the report here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Use the rule files in this directory instead of the built-in rules.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// The client's UTC offset (e.g. +01:00, -08:00) for its local log times.
        #[arg(long, allow_hyphen_values = true, value_parser = parse_tz)]
        tz: Option<i32>,
        /// Show only the best N causes.
        #[arg(long)]
        top: Option<usize>,
        /// Show every evidence line and every input.
        #[arg(long, short)]
        verbose: bool,
        /// Read ambiguous dates in event-log exports as day/month.
        #[arg(long)]
        day_first: bool,
        /// Replace user names, SIP URIs, e-mail addresses, host names and IP addresses with
        /// consistent pseudonyms, so the report can leave the company.
        #[arg(long)]
        redact: bool,
    },
    /// Analyse many cases in parallel: every entry of DIR (or every path listed in @LIST) is one case.
    Batch {
        /// A directory whose entries are cases, or @FILE listing one case path per line.
        cases: String,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: BatchFormat,
        /// Write results here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Cases analysed at once (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Write results in case order instead of as they finish.
        #[arg(long)]
        sorted: bool,
        /// Analyse only shard K of N (e.g. 3/8), chosen by a stable hash of each case's name.
        #[arg(long, value_parser = sfbdiag::batch::parse_shard)]
        shard: Option<(u32, u32)>,
        /// Write the summary across cases (JSON) to this file; it still goes to stderr as text.
        #[arg(long)]
        summary: Option<PathBuf>,
        /// Pseudonymise personal data in every result (consistently across the batch).
        #[arg(long)]
        redact: bool,
        #[arg(long, allow_hyphen_values = true, value_parser = parse_tz)]
        tz: Option<i32>,
    },
    /// List, validate or test the rules.
    Rules {
        #[command(subcommand)]
        action: RulesAction,
        /// Use the rule files in this directory instead of the built-in rules.
        #[arg(long, global = true)]
        rules: Option<PathBuf>,
    },
    /// Explain a cause or a rule: what it means, the evidence it looks for, how to fix it.
    Explain {
        /// A cause ID (e.g. clock-skew) or a rule ID.
        id: String,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    Man,
}

#[derive(Subcommand)]
enum RulesAction {
    /// Causes and their rules.
    List,
    /// Validate the rule files; problems are named with file and line.
    Check,
    /// Run every rule's inline examples.
    Test,
    /// Print the literals of the free-text prefilter, one per line (for `rg -F -f`).
    Literals,
}

/// `+01:00`, `-8`, `UTC+05:30`, `Z` → minutes east of UTC.
fn parse_tz(s: &str) -> Result<i32, String> {
    let t = s.trim();
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("GMT"))
        .unwrap_or(t);
    if t.is_empty() || t == "Z" {
        return Ok(0);
    }
    let (sign, rest) = match t.as_bytes()[0] {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => (1, t),
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => (&rest[..2], &rest[2..]),
        None => (rest, "0"),
    };
    let h: i32 = h
        .parse()
        .map_err(|_| format!("`{s}` is not a UTC offset like +01:00"))?;
    let m: i32 = m
        .parse()
        .map_err(|_| format!("`{s}` is not a UTC offset like +01:00"))?;
    if h > 14 || m >= 60 {
        return Err(format!("`{s}` is not a real UTC offset"));
    }
    Ok(sign * (h * 60 + m))
}

fn load_rules(dir: &Option<PathBuf>) -> Result<RuleSet> {
    let r = match dir {
        Some(d) => RuleSet::from_dir(d),
        None => RuleSet::embedded(),
    };
    r.map_err(|errs| {
        let msg: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        anyhow::anyhow!("the rules did not load:\n{}", msg.join("\n"))
    })
}

fn write_out(output: &Option<PathBuf>, text: &str) -> Result<()> {
    match output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut so = std::io::stdout().lock();
            so.write_all(text.as_bytes())?;
            so.flush()?;
            Ok(())
        }
    }
}

fn color_wanted(output: &Option<PathBuf>) -> bool {
    output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Exit 2 for usage errors and unreadable cases, as the contract says.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sfbdiag: {e:#}");
            2
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Analyze {
            paths,
            format,
            output,
            rules,
            tz,
            top,
            verbose,
            day_first,
            redact,
        } => {
            let rules = load_rules(&rules)?;
            let opts = AnalyzeOptions {
                tz_offset_minutes: tz,
                top,
                day_first: day_first.then_some(true),
                ..Default::default()
            };
            let mut report = sfbdiag::analyze_paths(&paths, &rules, &opts);
            if redact {
                report = sfbdiag::redact::redact_report(&report);
            }
            let readable = report
                .inputs
                .iter()
                .any(|i| i.records > 0 || i.errors.is_empty() && i.bytes > 0);
            let text = match format {
                AnalyzeFormat::Json => report.to_json() + "\n",
                AnalyzeFormat::Text => render(
                    &report,
                    Style {
                        color: color_wanted(&output),
                    },
                    verbose,
                ),
                AnalyzeFormat::Markdown => sfbdiag::report::markdown::render(&report),
                AnalyzeFormat::Html => sfbdiag::report::html::render(&report),
            };
            write_out(&output, &text)?;
            // The process ends here: freeing the rules and the report item by item would cost
            // about 0.2M instructions, as much as reading a small event log, for nothing.
            std::mem::forget(text);
            std::mem::forget(report);
            std::mem::forget(rules);
            if !readable {
                eprintln!("sfbdiag: no input could be read");
                return Ok(2);
            }
            Ok(0)
        }
        Command::Batch {
            cases,
            format,
            output,
            jobs,
            rules,
            sorted,
            shard,
            summary,
            redact,
            tz,
        } => batch(
            cases, format, output, jobs, rules, sorted, shard, summary, redact, tz,
        ),
        Command::Rules { action, rules } => {
            let set = load_rules(&rules)?;
            match action {
                RulesAction::List => {
                    let mut o = String::new();
                    for (ci, c) in set.causes.iter().enumerate() {
                        o.push_str(&format!("{}  {}\n", c.id, c.title));
                        for r in set.rules.iter().filter(|r| r.cause == ci) {
                            o.push_str(&format!(
                                "    {:<44} {:<16} w={:.2}{}\n",
                                r.id,
                                r.kind,
                                r.weight,
                                if r.corroborating {
                                    " (corroborating)"
                                } else {
                                    ""
                                }
                            ));
                        }
                    }
                    write_out(&None, &o)?;
                }
                RulesAction::Literals => {
                    let mut o = set.literals().join("\n");
                    o.push('\n');
                    write_out(&None, &o)?;
                }
                RulesAction::Check => {
                    println!(
                        "{} causes, {} rules: OK ({})",
                        set.causes.len(),
                        set.rules.len(),
                        set.origin
                    );
                }
                RulesAction::Test => {
                    let results = sfbdiag::engine::examples::run_all(&set);
                    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
                    for f in &failed {
                        println!(
                            "FAIL {}:{}: rule {} {} match this example{}",
                            f.file,
                            f.line,
                            f.rule,
                            if f.should_match {
                                "did not"
                            } else {
                                "should not"
                            },
                            f.note
                                .as_deref()
                                .map(|n| format!(" ({n})"))
                                .unwrap_or_default()
                        );
                    }
                    println!(
                        "{} passed, {} failed",
                        results.len() - failed.len(),
                        failed.len()
                    );
                    if !failed.is_empty() {
                        return Ok(1);
                    }
                }
            }
            Ok(0)
        }
        Command::Explain { id, rules } => {
            let set = load_rules(&rules)?;
            let text = explain(&set, &id)?;
            write_out(&None, &text)?;
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "sfbdiag", &mut std::io::stdout());
            Ok(0)
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            let mut buf = Vec::new();
            man.render(&mut buf)?;
            std::io::stdout().write_all(&buf)?;
            Ok(0)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn batch(
    spec: String,
    format: BatchFormat,
    output: Option<PathBuf>,
    jobs: Option<usize>,
    rules: Option<PathBuf>,
    sorted: bool,
    shard: Option<(u32, u32)>,
    summary_path: Option<PathBuf>,
    redact: bool,
    tz: Option<i32>,
) -> Result<u8> {
    use sfbdiag::batch;
    let rules = load_rules(&rules)?;
    let mut cases =
        batch::list_cases(&spec).with_context(|| format!("cannot list the cases in {spec}"))?;
    if let Some((k, n)) = shard {
        cases = batch::shard(cases, k, n);
    }
    let jobs = jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let opts = AnalyzeOptions {
        tz_offset_minutes: tz,
        ..Default::default()
    };
    let sink: Box<dyn Write> = match &output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let csv = format == BatchFormat::Csv;
    let mut out = sink;
    if csv {
        out.write_all(&batch::csv_line(batch::CSV_HEADER))?;
    }
    let progress = std::io::stderr().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new(cases.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} cases {elapsed_precise} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let start = std::time::Instant::now();
    let mut summary = batch::Summary::default();
    let mut held: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut write_err: Option<std::io::Error> = None;
    let mut redactor = sfbdiag::redact::Redactor::new();
    batch::run(&cases, &rules, &opts, jobs, |mut r| {
        summary.add(&r);
        if redact {
            r.report = redactor.redact_report(&r.report);
        }
        let bytes = if csv {
            batch::csv_line(batch::csv_row(&r.report))
        } else {
            let mut l = r.report.to_json_line().into_bytes();
            l.push(b'\n');
            l
        };
        if sorted {
            held.push((r.index, bytes));
        } else if write_err.is_none() {
            if let Err(e) = out.write_all(&bytes).and_then(|_| out.flush()) {
                write_err = Some(e);
            }
        }
        if let Some(pb) = &progress {
            pb.inc(1);
        }
    })?;
    if let Some(e) = write_err {
        bail!("cannot write results: {e}");
    }
    held.sort_by_key(|(i, _)| *i);
    for (_, b) in held {
        out.write_all(&b)?;
    }
    out.flush()?;
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    summary.elapsed_seconds = start.elapsed().as_secs_f64();
    eprint!("{}", summary.render_text());
    if let Some(p) = summary_path {
        std::fs::write(&p, serde_json::to_string_pretty(&summary)?)
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(0)
}

fn explain(set: &RuleSet, id: &str) -> Result<String> {
    let (cause, only_rule) = if let Some(c) = set.cause(id) {
        (c, None)
    } else if let Some(r) = set.rule(id) {
        (&set.causes[r.cause], Some(r.id.as_ref()))
    } else {
        bail!("no cause or rule is called `{id}`; see `sfbdiag rules list`");
    };
    let mut o = String::new();
    o.push_str(&format!(
        "{} — {}\n\n{}\n",
        cause.id,
        cause.title,
        cause.summary.trim()
    ));
    if !cause.user_sees.is_empty() {
        o.push_str("\nWhat the user sees:\n");
        for u in &cause.user_sees {
            o.push_str(&format!("  \"{u}\"\n"));
        }
    }
    o.push_str("\nEvidence sfbdiag looks for:\n");
    for (ci, c) in set.causes.iter().enumerate() {
        if c.id != cause.id {
            continue;
        }
        for r in set.rules.iter().filter(|r| r.cause == ci) {
            if only_rule.is_some_and(|id| id != r.id) {
                continue;
            }
            o.push_str(&format!(
                "  - {} [{}, weight {:.2}]: {}\n",
                r.id,
                r.kind,
                r.weight,
                r.evidence.trim()
            ));
            if only_rule.is_some() {
                for c in &r.conds {
                    o.push_str(&format!(
                        "      when {} {:?} {:?}\n",
                        c.field, c.op, c.values
                    ));
                }
            }
        }
    }
    o.push_str("\nHow to fix it:\n");
    for (i, s) in cause.resolution.iter().enumerate() {
        o.push_str(&format!("  {}. {}\n", i + 1, s));
    }
    if !cause.references.is_empty() {
        o.push_str(&format!("\nReferences: {}\n", cause.references.join(", ")));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::parse_tz;

    #[test]
    fn tz_offsets() {
        assert_eq!(parse_tz("+01:00"), Ok(60));
        assert_eq!(parse_tz("-08:00"), Ok(-480));
        assert_eq!(parse_tz("UTC+05:30"), Ok(330));
        assert_eq!(parse_tz("-0330"), Ok(-210));
        assert_eq!(parse_tz("Z"), Ok(0));
        assert!(parse_tz("+25:00").is_err());
        assert!(parse_tz("abc").is_err());
    }
}
