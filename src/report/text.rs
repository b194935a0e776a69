//! The terminal report: the answer first, then its proof, then what to do.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Report;

/// ANSI styling, only when asked for (a terminal, and no `NO_COLOR`).
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn conf(&self, c: &str) -> String {
        let code = match c {
            "high" => "1;31",
            "medium" => "1;33",
            _ => "36",
        };
        self.paint(code, c)
    }
}

/// Strip control characters from log text before it reaches a terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect()
}

pub fn render(r: &Report, style: Style, verbose: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} {}", style.bold("sfbdiag"), clean(&r.case));
    let s = &r.signin;
    let mut line = format!("Sign-in: {}", style.bold(&s.last_outcome));
    if s.attempts > 0 {
        let _ = write!(
            line,
            " ({} attempt{}",
            s.attempts,
            if s.attempts == 1 { "" } else { "s" }
        );
        if let Some(t) = &s.last_attempt_at {
            let _ = write!(line, ", last at {t}");
        }
        line.push(')');
    }
    if let Some(u) = &s.sip_uri {
        let _ = write!(line, " as {}", clean(u));
    }
    let _ = writeln!(o, "{line}");
    let mut ctx = Vec::new();
    if let Some(v) = &s.client_version {
        ctx.push(format!("client {}", clean(v)));
    }
    if s.tenant != "unknown" {
        ctx.push(format!(
            "{} deployment",
            if s.tenant == "online" {
                "Skype for Business Online"
            } else {
                "on-premises"
            }
        ));
    }
    if let Some(reg) = &s.registrar {
        ctx.push(format!("registrar {}", clean(reg)));
    }
    if !ctx.is_empty() {
        let _ = writeln!(o, "         {}", ctx.join("; "));
    }
    if let Some(t) = &s.succeeded_at {
        let _ = writeln!(o, "         last successful sign-in at {t}");
    }
    let _ = writeln!(o);

    if r.diagnoses.is_empty() {
        let _ = writeln!(
            o,
            "{}",
            style.bold("No known cause of a sign-in failure was found.")
        );
        if s.last_outcome == "succeeded" {
            let _ = writeln!(
                o,
                "The user signed in successfully; nothing in the case points to a problem."
            );
        }
    }
    for d in &r.diagnoses {
        let _ = writeln!(
            o,
            "{}. {} — {} ({:.2})",
            d.rank,
            style.bold(&d.cause),
            style.conf(&d.confidence),
            d.score
        );
        let _ = writeln!(o, "   {}", d.title);
        let _ = writeln!(o, "   {}", wrap(&d.summary, 96, "   "));
        let _ = writeln!(
            o,
            "   {} {}",
            style.dim("Why:"),
            wrap(&clean(&d.why), 96, "        ")
        );
        if !d.evidence.is_empty() {
            let _ = writeln!(o, "   {}", style.dim("Evidence:"));
            let shown = if verbose {
                d.evidence.len()
            } else {
                d.evidence.len().min(6)
            };
            for e in &d.evidence[..shown] {
                let loc = match (e.line, e.record) {
                    (Some(l), _) => format!("{}:{}", e.source, l),
                    (None, Some(rec)) => format!("{} record {}", e.source, rec),
                    _ => e.source.clone(),
                };
                let ts = e.timestamp.map(|t| format!(" [{t}]")).unwrap_or_default();
                let _ = writeln!(o, "     {}{}", style.dim(&clean(&loc)), style.dim(&ts));
                let _ = writeln!(o, "       {}", clean(&e.text));
            }
            if shown < d.evidence.len() {
                let _ = writeln!(o, "     … {} more (--verbose)", d.evidence.len() - shown);
            }
        }
        let _ = writeln!(o, "   {}", style.dim("What to do:"));
        for (i, step) in d.resolution.iter().enumerate() {
            let _ = writeln!(o, "     {}. {}", i + 1, wrap(step, 92, "        "));
        }
        if !d.references.is_empty() {
            let _ = writeln!(
                o,
                "   {} {}",
                style.dim("References:"),
                d.references.join(", ")
            );
        }
        let _ = writeln!(o);
    }

    // What was examined.
    let mut by_format: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for i in &r.inputs {
        let e = by_format.entry(i.format.name()).or_default();
        e.0 += 1;
        e.1 += i.records;
    }
    let formats: Vec<String> = by_format
        .iter()
        .map(|(f, (n, recs))| format!("{n} {f} ({recs} records)"))
        .collect();
    let _ = writeln!(
        o,
        "{} {} input{}: {}",
        style.dim("Examined"),
        r.inputs.len(),
        if r.inputs.len() == 1 { "" } else { "s" },
        formats.join(", ")
    );
    if verbose {
        for i in &r.inputs {
            let _ = writeln!(
                o,
                "  {} [{}{}] {} bytes, {} records",
                clean(&i.path),
                i.format.name(),
                i.encoding
                    .as_deref()
                    .map(|e| format!(", {e}"))
                    .unwrap_or_default(),
                i.bytes,
                i.records
            );
        }
    }
    let bad: Vec<_> = r.inputs_with_errors().collect();
    if !bad.is_empty() {
        let _ = writeln!(o, "{}", style.dim("Could not read everything:"));
        for i in bad {
            for e in &i.errors {
                let _ = writeln!(o, "  {}: {}", clean(&i.path), clean(e));
            }
        }
    }
    for w in &r.warnings {
        let _ = writeln!(o, "{} {}", style.dim("Note:"), clean(w));
    }
    o
}

fn wrap(s: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in s.split_whitespace() {
        if col > 0 && col + word.len() + 1 > width {
            out.push('\n');
            out.push_str(indent);
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.len();
    }
    out
}
