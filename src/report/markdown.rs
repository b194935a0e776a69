//! The Markdown report: ready to paste into a ticket. The verdict is the first line; then the
//! ranked causes with their evidence, what to do, and what was examined.
//!
//! Everything that came from a log is made inert: text outside code blocks is escaped (and kept
//! on one line), evidence goes in fenced code blocks whose fence is longer than any run of
//! backticks inside them, and table cells escape `|`.

use std::fmt::Write;

use super::{Diagnosis, Report};
use crate::engine::Evidence;
use crate::facts::describe_skew;

/// Evidence lines shown per cause.
const EVIDENCE_SHOWN: usize = 6;

/// Render the report as CommonMark (GitHub-flavoured tables).
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", verdict_line(r));
    let _ = writeln!(o);
    let _ = writeln!(o, "# sfbdiag report: {}", esc(&r.case));
    let _ = writeln!(o);
    signin_block(&mut o, r);

    if !r.diagnoses.is_empty() {
        let _ = writeln!(o, "## Causes");
        let _ = writeln!(o);
        for d in &r.diagnoses {
            diagnosis(&mut o, d);
        }
    }

    timeline(&mut o, r);
    examined(&mut o, r);

    let bad: Vec<_> = r.inputs_with_errors().collect();
    if !bad.is_empty() {
        let _ = writeln!(o, "## What could not be read");
        let _ = writeln!(o);
        for i in bad {
            for e in &i.errors {
                let _ = writeln!(o, "- {}: {}", esc(&i.path), esc(e));
            }
        }
        let _ = writeln!(o);
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(o, "## Warnings");
        let _ = writeln!(o);
        for w in &r.warnings {
            let _ = writeln!(o, "- {}", esc(w));
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(
        o,
        "---\n_{} {} · rules: {} · schema {}_",
        r.tool.name,
        r.tool.version,
        esc(&r.rules),
        r.schema
    );
    o
}

/// The one-line answer: the best cause and why, or that none was found and how the sign-in
/// ended. Plain words, escaped, no line breaks.
pub fn verdict_line(r: &Report) -> String {
    match r.diagnoses.first() {
        Some(d) => {
            let mut s = format!(
                "**Verdict:** `{}` ({}, score {:.2}) — {}",
                d.cause,
                d.confidence,
                d.score,
                esc(d.title.trim().trim_end_matches('.'))
            );
            if d.cause == "clock-skew"
                && let Some(m) = &r.clock_skew
            {
                let _ = write!(
                    s,
                    "; client clock {} the server{}",
                    describe_skew(m.skew_seconds),
                    if m.estimated { " (estimated)" } else { "" }
                );
            }
            if d.recovered {
                s.push_str("; the user signed in successfully afterwards, so it may be over");
            }
            if r.diagnoses.len() > 1 {
                let _ = write!(
                    s,
                    " (+{} other possible cause{})",
                    r.diagnoses.len() - 1,
                    if r.diagnoses.len() == 2 { "" } else { "s" }
                );
            }
            s.push('.');
            s
        }
        None => {
            let outcome = match r.signin.last_outcome.as_str() {
                "succeeded" => "sign-in succeeded".to_string(),
                "failed" => "the sign-in failed, but the evidence matches no known cause".into(),
                _ => "the logs show no sign-in attempt".into(),
            };
            format!("**Verdict:** No known cause found; {outcome}.")
        }
    }
}

fn signin_block(o: &mut String, r: &Report) {
    let s = &r.signin;
    let mut line = format!("- **Sign-in:** {}", esc(&s.last_outcome));
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
    let _ = writeln!(o, "{line}");
    if let Some(u) = &s.sip_uri {
        let _ = writeln!(o, "- **User:** {}", esc(u));
    }
    if let Some(v) = &s.client_version {
        let _ = writeln!(o, "- **Client:** {}", esc(v));
    }
    if s.tenant != "unknown" && !s.tenant.is_empty() {
        let _ = writeln!(o, "- **Deployment:** {}", deployment(&s.tenant));
    }
    if let Some(reg) = &s.registrar {
        let _ = writeln!(o, "- **Registrar:** {}", esc(reg));
    }
    if let Some(t) = &s.succeeded_at {
        let _ = writeln!(o, "- **Last successful sign-in:** {t}");
    }
    if let Some(m) = &r.clock_skew {
        let _ = writeln!(
            o,
            "- **Clock:** client {} the server ({} s, {}{})",
            describe_skew(m.skew_seconds),
            m.skew_seconds,
            esc(&m.method),
            if m.estimated { ", estimated" } else { "" }
        );
    }
    let _ = writeln!(o);
}

pub(crate) fn deployment(tenant: &str) -> &'static str {
    match tenant {
        "online" => "Skype for Business Online",
        "on-premises" => "on-premises",
        "hybrid" => "hybrid",
        _ => "unknown",
    }
}

fn diagnosis(o: &mut String, d: &Diagnosis) {
    let _ = writeln!(
        o,
        "### {}. `{}` — {} confidence (score {:.2})",
        d.rank, d.cause, d.confidence, d.score
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "**{}**", esc(d.title.trim()));
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", esc(&d.summary));
    let _ = writeln!(o);
    if !d.why.is_empty() {
        let _ = writeln!(o, "_Why:_ {}", esc(&d.why));
        let _ = writeln!(o);
    }
    if !d.evidence.is_empty() {
        let _ = writeln!(o, "**Evidence**");
        let _ = writeln!(o);
        for e in d.evidence.iter().take(EVIDENCE_SHOWN) {
            evidence_block(o, e);
        }
        if d.evidence.len() > EVIDENCE_SHOWN {
            let _ = writeln!(
                o,
                "… and {} more evidence line{} (see the JSON report).",
                d.evidence.len() - EVIDENCE_SHOWN,
                if d.evidence.len() - EVIDENCE_SHOWN == 1 {
                    ""
                } else {
                    "s"
                }
            );
            let _ = writeln!(o);
        }
    }
    if !d.resolution.is_empty() {
        let _ = writeln!(o, "**What to do**");
        let _ = writeln!(o);
        for (i, step) in d.resolution.iter().enumerate() {
            let _ = writeln!(o, "{}. {}", i + 1, esc(step));
        }
        let _ = writeln!(o);
    }
    if !d.references.is_empty() {
        let refs: Vec<String> = d.references.iter().map(|s| esc(s)).collect();
        let _ = writeln!(o, "**References:** {}", refs.join(", "));
        let _ = writeln!(o);
    }
}

/// `source:line [timestamp] (rule)` and the text, in a fence no line can close.
fn evidence_block(o: &mut String, e: &Evidence) {
    let loc = location(e);
    let ts = e.timestamp.map(|t| format!(" [{t}]")).unwrap_or_default();
    let head = format!("{}{} ({})", clean(&loc), ts, e.rule);
    let body = clean_block(&e.text);
    let fence = fence_for(&format!("{head}\n{body}"));
    let _ = writeln!(o, "{fence}text\n{head}\n{body}\n{fence}");
    let _ = writeln!(o);
}

pub(crate) fn location(e: &Evidence) -> String {
    match (e.line, e.record) {
        (Some(l), _) => format!("{}:{}", e.source, l),
        (None, Some(rec)) => format!("{} record {}", e.source, rec),
        _ => e.source.clone(),
    }
}

fn timeline(o: &mut String, r: &Report) {
    let t = &r.signin.timeline;
    if t.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Sign-in attempts");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| # | Time | Outcome | Final response | Server | ms-diagnostics |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|");
    for (i, a) in t.iter().enumerate() {
        let diags: Vec<String> = a.diagnostics.iter().map(|d| d.to_string()).collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            i + 1,
            a.at.map(|t| t.to_string()).unwrap_or_else(|| "—".into()),
            esc(&a.outcome),
            a.final_line
                .as_deref()
                .map(esc)
                .unwrap_or_else(|| "—".into()),
            a.server.as_deref().map(esc).unwrap_or_else(|| "—".into()),
            if diags.is_empty() {
                "—".into()
            } else {
                diags.join(", ")
            }
        );
    }
    let _ = writeln!(o);
}

fn examined(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## What was examined");
    let _ = writeln!(o);
    if r.inputs.is_empty() {
        let _ = writeln!(o, "No input could be read.");
        let _ = writeln!(o);
        return;
    }
    let _ = writeln!(
        o,
        "{} input{}, {} record{}.",
        r.inputs.len(),
        if r.inputs.len() == 1 { "" } else { "s" },
        r.total_records(),
        if r.total_records() == 1 { "" } else { "s" }
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "| Input | Format | Encoding | Records | Problems |");
    let _ = writeln!(o, "|---|---|---|---:|---:|");
    for i in &r.inputs {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            esc(&i.path),
            i.format.name(),
            i.encoding.as_deref().map(esc).unwrap_or_else(|| "—".into()),
            i.records,
            i.errors.len()
        );
    }
    let _ = writeln!(o);
}

/// Escape text for use outside code blocks: characters with Markdown meaning are
/// backslash-escaped, `<`, `>` and `&` become entities, line breaks become spaces and control
/// characters are dropped, so a log line can neither format nor inject markup. A leading `#`,
/// `+`, `-`, `=` or `1.` is escaped too, so the text never starts a heading or a list.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev_space = false;
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => {
                if !prev_space {
                    out.push(' ');
                }
                prev_space = true;
                continue;
            }
            c if c.is_control() => continue,
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
        prev_space = c == ' ';
    }
    let trimmed = out.trim_start();
    let lead = trimmed.chars().next();
    let mut res = match lead {
        Some('+' | '-' | '=') => format!("\\{trimmed}"),
        _ => {
            // "1. foo" / "1) foo" would start an ordered list.
            let digits = trimmed.chars().take_while(|c| c.is_ascii_digit()).count();
            if digits > 0 && matches!(trimmed[digits..].chars().next(), Some('.' | ')')) {
                format!("{}\\{}", &trimmed[..digits], &trimmed[digits..])
            } else {
                trimmed.to_string()
            }
        }
    };
    while res.ends_with(' ') {
        res.pop();
    }
    res
}

/// Control characters (other than tab) become `?`, for text that stays on its own line.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect()
}

/// Text for a code block: line breaks kept, other control characters replaced.
fn clean_block(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' && c != '\n' {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// A backtick fence longer than the longest backtick run in `content` (at least three).
pub fn fence_for(content: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<img src=x onerror=alert(1)> `x` | *y* _z_"),
            "&lt;img src=x onerror=alert(1)&gt; \\`x\\` \\| \\*y\\* \\_z\\_"
        );
        assert_eq!(esc("# title\nnext"), "\\# title next");
        assert_eq!(esc("- item"), "\\- item");
        assert_eq!(esc("12. item"), "12\\. item");
        assert_eq!(esc("a & b"), "a &amp; b");
    }

    #[test]
    fn fences_outgrow_content() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("a ``` b"), "````");
        assert_eq!(fence_for("`````"), "``````");
    }
}
