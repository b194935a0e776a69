//! The HTML report: one self-contained file to attach to a ticket or open in a browser.
//!
//! Inline CSS only, no script, no external resources, and a Content-Security-Policy that forbids
//! them anyway. Everything from a log is escaped (`& < > " '`), so a log line is always text.

use std::fmt::Write;

use super::markdown::{deployment, location};
use super::{Diagnosis, Report};
use crate::facts::{Attempt, describe_skew, fmt_offset};

/// Escape text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{--ink:#1d2733;--muted:#5b6777;--line:#d9dee5;--bg:#f4f6f9;--card:#fff;
--high:#b42318;--high-bg:#fef3f2;--med:#b54708;--med-bg:#fffaeb;--low:#175cd3;--low-bg:#eff8ff;
--ok:#067647;--ok-bg:#ecfdf3;--mono:ui-monospace,"SFMono-Regular","Cascadia Mono",Consolas,"DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 "Segoe UI",system-ui,-apple-system,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 32px 48px}
header.top{display:flex;justify-content:space-between;align-items:baseline;gap:16px;border-bottom:1px solid var(--line);padding-bottom:10px;margin-bottom:18px}
header.top h1{font-size:20px;margin:0;font-weight:600;overflow-wrap:anywhere}
header.top h1 small{display:block;font-size:12px;font-weight:500;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
header.top .meta{color:var(--muted);font-size:12px;text-align:right;white-space:nowrap}
h2{font-size:17px;margin:30px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:16px;margin:0}
.verdict{border-radius:10px;padding:16px 20px;margin:0 0 18px;border:1px solid;border-left-width:8px}
.verdict .label{font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.08em}
.verdict .main{font-size:21px;font-weight:600;margin:2px 0 4px}
.verdict .detail{color:var(--ink)}
.v-high{background:var(--high-bg);border-color:var(--high)} .v-high .label{color:var(--high)}
.v-medium{background:var(--med-bg);border-color:var(--med)} .v-medium .label{color:var(--med)}
.v-low{background:var(--low-bg);border-color:var(--low)} .v-low .label{color:var(--low)}
.v-ok{background:var(--ok-bg);border-color:var(--ok)} .v-ok .label{color:var(--ok)}
.v-none{background:#f2f4f7;border-color:#667085} .v-none .label{color:#475467}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
dl.facts dt{color:var(--muted);font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;border:1px solid;vertical-align:middle;white-space:nowrap}
.b-high{color:var(--high);background:var(--high-bg);border-color:var(--high)}
.b-medium{color:var(--med);background:var(--med-bg);border-color:var(--med)}
.b-low{color:var(--low);background:var(--low-bg);border-color:var(--low)}
.b-ok{color:var(--ok);background:var(--ok-bg);border-color:var(--ok)}
.b-fail{color:var(--high);background:var(--high-bg);border-color:var(--high)}
.b-other{color:#475467;background:#f2f4f7;border-color:#98a2b3}
.cause{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:0 0 16px;break-inside:avoid-page}
.cause header{display:flex;align-items:center;gap:10px;flex-wrap:wrap;margin-bottom:6px}
.cause .rank{font-weight:700;color:var(--muted);font-size:15px}
.cause .id{font-family:var(--mono);font-size:15px;font-weight:600}
.cause .score{color:var(--muted);font-size:13px}
.cause .title{font-size:16px;font-weight:600;margin:4px 0 6px}
.cause p{margin:6px 0}
.cause .why{color:var(--muted);font-size:14px}
.cause h4{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:14px 0 6px}
.cause ol{margin:4px 0;padding-left:24px}
.cause ol li{margin:2px 0}
.ev{border:1px solid var(--line);border-radius:6px;margin:6px 0;overflow:hidden;break-inside:avoid}
.ev .where{display:flex;gap:14px;flex-wrap:wrap;background:#f8f9fb;border-bottom:1px solid var(--line);padding:4px 10px;font-size:12px;color:var(--muted)}
.ev .where .src{font-family:var(--mono);color:var(--ink);overflow-wrap:anywhere}
.ev .where .rule{font-family:var(--mono)}
.ev pre{margin:0;padding:8px 10px;font:13px/1.45 var(--mono);white-space:pre-wrap;overflow-wrap:anywhere;background:#fff}
.more{color:var(--muted);font-size:13px;margin:4px 0}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);font-size:13.5px}
th,td{text-align:left;vertical-align:top;padding:6px 10px;border-bottom:1px solid var(--line)}
th{background:#eef1f5;font-weight:600;font-size:12.5px;text-transform:uppercase;letter-spacing:.04em;color:#344054}
tr{break-inside:avoid}
td.num,th.num{text-align:right;white-space:nowrap}
td.mono,.mono{font-family:var(--mono);font-size:12.5px;overflow-wrap:break-word}
td .sub{display:block;color:var(--muted);font-size:12px;white-space:nowrap}
td.time{white-space:nowrap;font-family:var(--mono);font-size:12.5px}
td .err{color:var(--high);font-size:12.5px;margin-top:2px}
ul.notes{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 16px 10px 34px;margin:0}
ul.notes li{margin:3px 0;overflow-wrap:anywhere}
footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{body{background:#fff;font-size:12px}main{max-width:none;padding:0}
.cause,dl.facts,table,ul.notes{border-color:#bbb}h2{break-after:avoid}}
"#;

/// Render the whole report as one HTML document.
pub fn render(r: &Report) -> String {
    let mut o = String::with_capacity(16 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n\
         <title>sfbdiag: {}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
        r.tool.name,
        r.tool.version,
        esc(&r.case),
        CSS
    );
    let _ = writeln!(
        o,
        "<header class=\"top\"><h1><small>Skype for Business sign-in diagnosis</small>{}</h1>\
         <div class=\"meta\">{} {}<br>rules: {}</div></header>",
        esc(&r.case),
        r.tool.name,
        r.tool.version,
        esc(&r.rules)
    );
    verdict(&mut o, r);
    facts(&mut o, r);
    timeline(&mut o, r);

    if !r.diagnoses.is_empty() {
        let _ = writeln!(o, "<h2 id=\"causes\">Causes, best first</h2>");
        for d in &r.diagnoses {
            cause(&mut o, d);
        }
    }
    inputs(&mut o, r);
    if !r.warnings.is_empty() {
        let _ = writeln!(o, "<h2 id=\"warnings\">Warnings</h2>\n<ul class=\"notes\">");
        for w in &r.warnings {
            let _ = writeln!(o, "<li>{}</li>", esc(w));
        }
        let _ = writeln!(o, "</ul>");
    }
    let _ = write!(
        o,
        "<footer>Generated by {} {} · schema {} · rules: {}</footer>\n</main>\n</body>\n</html>\n",
        r.tool.name,
        r.tool.version,
        r.schema,
        esc(&r.rules)
    );
    o
}

fn verdict(o: &mut String, r: &Report) {
    match r.diagnoses.first() {
        Some(d) => {
            let class = if d.recovered {
                "low"
            } else {
                conf_class(&d.confidence)
            };
            let _ = write!(
                o,
                "<section class=\"verdict v-{class}\" id=\"verdict\"><div class=\"label\">Verdict · {} confidence</div>\
                 <div class=\"main\"><span class=\"mono\">{}</span> — {}</div><div class=\"detail\">",
                esc(&d.confidence),
                esc(&d.cause),
                esc(d.title.trim())
            );
            let mut parts = Vec::new();
            if d.cause == "clock-skew"
                && let Some(m) = &r.clock_skew
            {
                parts.push(format!(
                    "Client clock {} the server{}.",
                    describe_skew(m.skew_seconds),
                    if m.estimated { " (estimated)" } else { "" }
                ));
            }
            if d.recovered {
                parts.push(
                    "The user signed in successfully after this evidence; the problem may be over."
                        .to_string(),
                );
            }
            parts.push(format!(
                "Sign-in {}{}. Score {:.2}{}.",
                esc(&r.signin.last_outcome),
                attempts_words(r.signin.attempts),
                d.score,
                match r.diagnoses.len() {
                    1 => String::new(),
                    2 => "; 1 other possible cause below".into(),
                    n => format!("; {} other possible causes below", n - 1),
                }
            ));
            let _ = writeln!(o, "{}</div></section>", parts.join(" "));
        }
        None => {
            let (class, main, detail) = match r.signin.last_outcome.as_str() {
                "succeeded" => (
                    "ok",
                    "No known cause found; sign-in succeeded",
                    "The user signed in successfully; nothing in the case points to a problem.",
                ),
                "failed" => (
                    "none",
                    "No known cause found; the sign-in failed",
                    "The evidence matches none of the known causes. See the attempts and inputs below.",
                ),
                _ => (
                    "none",
                    "No known cause found",
                    "The case shows no sign-in attempt. Check that the client logs cover the failure.",
                ),
            };
            let _ = writeln!(
                o,
                "<section class=\"verdict v-{class}\" id=\"verdict\"><div class=\"label\">Verdict</div>\
                 <div class=\"main\">{main}</div><div class=\"detail\">{detail}</div></section>"
            );
        }
    }
}

fn attempts_words(n: u32) -> String {
    match n {
        0 => String::new(),
        1 => " after 1 attempt".into(),
        n => format!(" after {n} attempts"),
    }
}

fn conf_class(c: &str) -> &'static str {
    match c {
        "high" => "high",
        "medium" => "medium",
        _ => "low",
    }
}

fn facts(o: &mut String, r: &Report) {
    let s = &r.signin;
    let _ = writeln!(o, "<dl class=\"facts\">");
    let outcome = format!(
        "{}{}{}",
        outcome_badge(&s.last_outcome),
        attempts_words(s.attempts),
        s.last_attempt_at
            .map(|t| format!(", last at <span class=\"mono\">{t}</span>"))
            .unwrap_or_default()
    );
    let _ = writeln!(o, "<dt>Sign-in</dt><dd>{outcome}</dd>");
    if let Some(u) = &s.sip_uri {
        let _ = writeln!(o, "<dt>User</dt><dd class=\"mono\">{}</dd>", esc(u));
    }
    if let Some(v) = &s.client_version {
        let _ = writeln!(o, "<dt>Client</dt><dd>{}</dd>", esc(v));
    }
    if !s.tenant.is_empty() && s.tenant != "unknown" {
        let _ = writeln!(o, "<dt>Deployment</dt><dd>{}</dd>", deployment(&s.tenant));
    }
    if let Some(reg) = &s.registrar {
        let _ = writeln!(o, "<dt>Registrar</dt><dd class=\"mono\">{}</dd>", esc(reg));
    }
    if let Some(t) = &s.succeeded_at {
        let _ = writeln!(
            o,
            "<dt>Last success</dt><dd class=\"mono\">{}</dd>",
            esc(&t.to_string())
        );
    }
    if let Some(m) = &r.clock_skew {
        let mut d = format!(
            "client {} the server ({:+} s; {}, {} sample{}",
            describe_skew(m.skew_seconds),
            m.skew_seconds,
            esc(&m.method),
            m.samples,
            if m.samples == 1 { "" } else { "s" }
        );
        if let Some(off) = m.utc_offset_minutes {
            let _ = write!(d, "; local time {}", fmt_offset(off));
        }
        d.push(')');
        if m.estimated {
            d.push_str(" <span class=\"badge b-other\">estimate</span>");
        }
        let _ = writeln!(o, "<dt>Clock skew</dt><dd>{d}</dd>");
    }
    let _ = writeln!(
        o,
        "<dt>Examined</dt><dd>{} input{}, {} record{}{}</dd>",
        r.inputs.len(),
        if r.inputs.len() == 1 { "" } else { "s" },
        r.total_records(),
        if r.total_records() == 1 { "" } else { "s" },
        match r.inputs_with_errors().count() {
            0 => String::new(),
            n => format!(" · <a href=\"#inputs\">{n} with problems</a>"),
        }
    );
    let _ = writeln!(o, "</dl>");
}

fn outcome_badge(outcome: &str) -> String {
    let class = match outcome {
        "succeeded" => "b-ok",
        "failed" | "rejected" => "b-fail",
        "challenged" => "b-medium",
        _ => "b-other",
    };
    format!("<span class=\"badge {class}\">{}</span>", esc(outcome))
}

fn cause(o: &mut String, d: &Diagnosis) {
    let _ = writeln!(
        o,
        "<section class=\"cause\" id=\"cause-{id}\"><header><span class=\"rank\">#{rank}</span>\
         <span class=\"id\">{id}</span><span class=\"badge b-{cls}\">{conf}</span>\
         <span class=\"score\">score {score:.2}</span>{rec}</header>",
        id = esc(&d.cause),
        rank = d.rank,
        cls = conf_class(&d.confidence),
        conf = esc(&d.confidence),
        score = d.score,
        rec = if d.recovered {
            "<span class=\"badge b-ok\">signed in later</span>"
        } else {
            ""
        }
    );
    let _ = writeln!(o, "<div class=\"title\">{}</div>", esc(d.title.trim()));
    let _ = writeln!(o, "<p>{}</p>", esc(&one_line(&d.summary)));
    if !d.why.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"why\"><strong>Why:</strong> {}</p>",
            esc(&d.why)
        );
    }
    if !d.evidence.is_empty() {
        let _ = writeln!(o, "<h4>Evidence</h4>");
        for e in &d.evidence {
            let _ = write!(
                o,
                "<div class=\"ev\"><div class=\"where\"><span class=\"src\">{}</span>",
                esc(&location(e))
            );
            if let Some(t) = &e.timestamp {
                let _ = write!(o, "<span class=\"ts\">{}</span>", esc(&t.to_string()));
            }
            let _ = writeln!(
                o,
                "<span class=\"rule\">rule {}</span></div><pre>{}</pre></div>",
                esc(&e.rule),
                esc(&e.text)
            );
        }
        let total: u64 = d.rules.iter().map(|m| m.hits).sum();
        if total > d.evidence.len() as u64 {
            let _ = writeln!(
                o,
                "<p class=\"more\">{} matching lines in all; the strongest are shown.</p>",
                total
            );
        }
    }
    if !d.resolution.is_empty() {
        let _ = writeln!(o, "<h4>What to do</h4>\n<ol>");
        for step in &d.resolution {
            let _ = writeln!(o, "<li>{}</li>", esc(step));
        }
        let _ = writeln!(o, "</ol>");
    }
    if !d.references.is_empty() {
        let refs: Vec<String> = d.references.iter().map(|s| esc(s)).collect();
        let _ = writeln!(
            o,
            "<p class=\"refs\"><strong>References:</strong> {}</p>",
            refs.join(", ")
        );
    }
    let _ = writeln!(o, "</section>");
}

/// Rule summaries are wrapped in their files; a paragraph reads better on one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn timeline(o: &mut String, r: &Report) {
    let t = &r.signin.timeline;
    let _ = writeln!(o, "<h2 id=\"timeline\">Sign-in attempts</h2>");
    if t.is_empty() {
        let _ = writeln!(
            o,
            "<p>No REGISTER traffic was found: the client did not get as far as contacting a registrar in these logs.</p>"
        );
        return;
    }
    let _ = writeln!(
        o,
        "<table class=\"timeline\"><thead><tr><th class=\"num\">#</th><th>Time</th><th>Outcome</th>\
         <th>Final response</th><th>Server / registrar</th><th>ms-diagnostics</th>\
         <th class=\"num\">Requests</th><th>Auth</th></tr></thead><tbody>"
    );
    for (i, a) in t.iter().enumerate() {
        attempt_row(o, i + 1, a);
    }
    let _ = writeln!(o, "</tbody></table>");
}

fn attempt_row(o: &mut String, n: usize, a: &Attempt) {
    let time =
        a.at.map(|t| esc(&t.to_string()))
            .unwrap_or_else(|| "—".into());
    let fin = match (&a.final_line, a.final_status) {
        (Some(l), _) => esc(l),
        (None, Some(s)) => s.to_string(),
        _ => "—".into(),
    };
    let server = a.server.as_deref().map(esc).unwrap_or_else(|| "—".into());
    let diags = if a.diagnostics.is_empty() {
        "—".to_string()
    } else {
        a.diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let auth = if a.schemes.is_empty() {
        "—".to_string()
    } else {
        esc(&a.schemes.join(", "))
    };
    let _ = writeln!(
        o,
        "<tr><td class=\"num\">{n}</td><td class=\"time\">{time}</td><td>{}</td>\
         <td class=\"mono\">{fin}</td><td class=\"mono\">{server}</td><td class=\"mono\">{diags}</td>\
         <td class=\"num\">{}<span class=\"sub\">{} with credentials</span><span class=\"sub\">{} challenge{}</span></td><td>{auth}</td></tr>",
        outcome_badge(&a.outcome),
        a.requests,
        a.credentialed,
        a.challenges,
        if a.challenges == 1 { "" } else { "s" }
    );
}

fn inputs(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<h2 id=\"inputs\">What was examined</h2>");
    if r.inputs.is_empty() {
        let _ = writeln!(o, "<p>No input could be read.</p>");
        return;
    }
    let _ = writeln!(
        o,
        "<table class=\"inputs\"><thead><tr><th>Input</th><th>Format</th><th>Encoding</th>\
         <th class=\"num\">Bytes</th><th class=\"num\">Records</th></tr></thead><tbody>"
    );
    for i in &r.inputs {
        let _ = write!(o, "<tr><td class=\"mono\">{}", esc(&i.path));
        for e in &i.errors {
            let _ = write!(o, "<div class=\"err\">could not read: {}</div>", esc(e));
        }
        let _ = writeln!(
            o,
            "</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(i.format.name()),
            i.encoding.as_deref().map(esc).unwrap_or_else(|| "—".into()),
            i.bytes,
            i.records
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five() {
        assert_eq!(
            esc(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
