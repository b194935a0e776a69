//! The Markdown and HTML reports: the verdict comes first, evidence is shown, everything read
//! from a log is inert, the no-diagnosis case says so; and redaction leaves no original
//! address, SIP URI or e-mail in any rendering.

use sfbdiag::Report;
use sfbdiag::engine::RuleSet;
use sfbdiag::report::{html, markdown, text};

const CASE: &str = include_str!("data/report-case.UccApilog");

/// Log text written to be dangerous in Markdown and HTML.
const HOSTILE: &str = "<img src=x onerror=alert(1)> `z` | *y*";

fn analyze(name: &str, text: &str) -> Report {
    let rules = RuleSet::embedded().expect("built-in rules load");
    sfbdiag::analyze_bytes(name, text.as_bytes(), &rules, &Default::default())
}

/// The fixture case with the hostile text also in an ms-diagnostics reason (so it reaches the
/// timeline table) and in the input's name (so it reaches headings and the inputs table).
fn hostile_report() -> Report {
    let text = CASE.replace(
        "Significant time skew detected during authentication",
        &format!("Significant time skew {HOSTILE}"),
    );
    analyze(&format!("case {HOSTILE}.UccApilog"), &text)
}

const SUCCESS: &str = "\
11/24/2026|09:30:10.001 1A2C:0F10 INFO  :: Data Sent - 10.20.30.40:443 (From Local Address: 10.1.2.3:50112) 700 bytes:
11/24/2026|09:30:10.001 1A2C:0F10 INFO  :: REGISTER sip:contoso.com SIP/2.0
From: <sip:bob@contoso.com>;tag=1
To: <sip:bob@contoso.com>
Call-ID: 77aa
CSeq: 1 REGISTER
User-Agent: UCCAPI/16.0.4849.1000 OC/16.0.4849.1000 (Skype for Business)
Content-Length: 0
11/24/2026|09:30:10.001 1A2C:0F10 INFO  :: End of Data Sent - 10.20.30.40:443
11/24/2026|09:30:10.300 1A2C:0F10 INFO  :: Data Received - 10.20.30.40:443 (To Local Address: 10.1.2.3:50112) 500 bytes:
11/24/2026|09:30:10.300 1A2C:0F10 INFO  :: SIP/2.0 200 OK
From: <sip:bob@contoso.com>;tag=1
To: <sip:bob@contoso.com>;tag=2
Call-ID: 77aa
CSeq: 1 REGISTER
Content-Length: 0
11/24/2026|09:30:10.300 1A2C:0F10 INFO  :: End of Data Received - 10.20.30.40:443
";

/// Markdown lines with whether each is inside a fenced code block (CommonMark rules: a fence
/// closes only with at least as many backticks as opened it, on a line of its own).
fn fenced_lines(md: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    for line in md.lines() {
        let t = line.trim_start();
        let ticks = t.chars().take_while(|&c| c == '`').count();
        match open {
            None if ticks >= 3 => {
                open = Some(ticks);
                out.push((true, line));
            }
            Some(n) if ticks >= n && t[ticks..].trim().is_empty() => {
                open = None;
                out.push((true, line));
            }
            Some(_) => out.push((true, line)),
            None => out.push((false, line)),
        }
    }
    assert!(open.is_none(), "a code block is left open");
    out
}

#[test]
fn markdown_verdict_first_and_evidence() {
    let r = analyze("report-case.UccApilog", CASE);
    let md = markdown::render(&r);
    let first = md.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("**Verdict:** `clock-skew` (high"),
        "verdict first: {first}"
    );
    assert!(first.contains("17 min 40 s ahead"), "{first}");
    assert!(md.contains("### 1. `clock-skew`"));
    assert!(md.contains("### 2. `password-reset-needed`"));
    assert!(
        md.contains(
            "report-case.UccApilog:24 [2026-11-24T09:30:12.500] (clock-skew-kerberos-skew)"
        )
    );
    assert!(md.contains("1. Check the date, time and time zone"));
    assert!(md.contains("**References:** KB 816042"));
    assert!(md.contains("## Sign-in attempts"));
    assert!(md.contains("| report-case.UccApilog | uccapi | utf-8 | 9 | 0 |"));
}

#[test]
fn markdown_makes_log_text_inert() {
    let md = markdown::render(&hostile_report());
    let lines = fenced_lines(&md);
    for (fenced, line) in &lines {
        if *fenced {
            continue;
        }
        assert!(!line.contains('<'), "raw `<` outside a code block: {line}");
        assert!(!line.contains("*y*"), "unescaped emphasis: {line}");
        assert!(!line.contains(" `z`"), "unescaped code span: {line}");
    }
    // The IDCRL line ends in ``` and must stay inside its block.
    let script = lines
        .iter()
        .find(|(_, l)| l.contains("<script>document.title"))
        .expect("the script line is shown as evidence");
    assert!(script.0, "the ``` in the log closed the code block");
    // Headings and the inputs table carry the hostile name escaped, `|` included.
    let escaped = "&lt;img src=x onerror=alert(1)&gt; \\`z\\` \\| \\*y\\*";
    assert!(md.contains(&format!("# sfbdiag report: case {escaped}.UccApilog")));
    let row = lines
        .iter()
        .find(|(f, l)| !f && l.starts_with("| case "))
        .expect("inputs row");
    let unescaped_pipes = row.1.len() - row.1.replace('|', "").len() - row.1.matches("\\|").count();
    assert_eq!(unescaped_pipes, 6, "five cells: {}", row.1);
    // The reason reaches the timeline table escaped.
    assert!(
        lines
            .iter()
            .any(|(f, l)| !f && l.starts_with("| 1 |") && l.contains(escaped)),
        "{md}"
    );
}

#[test]
fn html_makes_log_text_inert() {
    let page = html::render(&hostile_report());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains(r#"<meta charset="utf-8">"#));
    assert!(page.contains("default-src 'none'; style-src 'unsafe-inline'"));
    for raw in ["<img", "<script", "onerror=alert(1)>", "title='pwned'"] {
        assert!(!page.contains(raw), "raw `{raw}` in the HTML");
    }
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; `z` | *y*"));
    assert!(page.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
    // No external resources of any kind.
    for r in ["src=\"", "href=\"http", "@import", "url("] {
        assert!(!page.contains(r), "external reference `{r}`");
    }
}

#[test]
fn html_verdict_first_evidence_timeline_inputs() {
    let r = analyze("report-case.UccApilog", CASE);
    let page = html::render(&r);
    let pos = |s: &str| page.find(s).unwrap_or_else(|| panic!("missing {s}"));
    assert!(pos("id=\"verdict\"") < pos("id=\"timeline\""));
    assert!(pos("id=\"timeline\"") < pos("id=\"causes\""));
    assert!(pos("id=\"causes\"") < pos("id=\"inputs\""));
    assert!(page.contains("The computer&#39;s clock is out of step with the server"));
    assert!(page.contains("Client clock 17 min 40 s ahead of the server"));
    assert!(page.contains("rule clock-skew-kerberos-skew"));
    assert!(page.contains("report-case.UccApilog:24"));
    // Two attempts in the timeline, with their final response and diagnostics code.
    assert_eq!(page.matches("<tr><td class=\"num\">").count(), 2);
    assert!(page.contains("2026-11-24T09:35:02.010"));
    assert!(page.contains("SIP/2.0 401 Unauthorized (ms-diagnostics 1013"));
    assert!(page.contains("<td class=\"mono\">pool01.contoso.com</td>"));
}

#[test]
fn no_diagnosis_says_so_and_lists_inputs() {
    let r = analyze("bob-signin.UccApilog", SUCCESS);
    assert!(r.diagnoses.is_empty());
    assert_eq!(r.signin.last_outcome, "succeeded");
    let md = markdown::render(&r);
    assert_eq!(
        md.lines().next(),
        Some("**Verdict:** No known cause found; sign-in succeeded.")
    );
    assert!(md.contains("## What was examined"));
    assert!(md.contains("| bob-signin.UccApilog | uccapi |"));
    let page = html::render(&r);
    assert!(page.contains("No known cause found; sign-in succeeded"));
    assert!(page.contains("<td class=\"mono\">bob-signin.UccApilog</td>"));
    assert!(page.contains("v-ok"));

    let empty = analyze("notes.txt", "nothing to see here\n");
    let md = markdown::render(&empty);
    assert!(
        md.starts_with("**Verdict:** No known cause found; the logs show no sign-in attempt."),
        "{md}"
    );
    assert!(md.contains("| notes.txt |"));
}

/// Snapshots of the shape of both renderings (the tool version is masked).
#[test]
fn snapshots() {
    let r = analyze("report-case.UccApilog", CASE);
    let version = env!("CARGO_PKG_VERSION");
    let md = markdown::render(&r).replace(version, "X.Y.Z");
    insta::assert_snapshot!("markdown", md);
    let page = html::render(&r).replace(version, "X.Y.Z");
    // The style sheet is long and not what the snapshot is about.
    let body = page
        .split_once("</style>")
        .map(|(_, b)| b.to_string())
        .unwrap_or(page);
    insta::assert_snapshot!("html_body", body);
}

// ---- redaction ----

const SECRETS: &[&str] = &[
    "alice",
    "contoso",
    "pool01",
    "10.1.2.3",
    "198.51.100.23",
    "fe80::1c2d",
    "WS-ALICE01",
];

fn redaction_case() -> Report {
    let extra = "\
11/24/2026|09:30:12.700 1A2C:0F10 ERROR :: Kerberos ticket for alice@contoso.com (CONTOSO\\alice) from 198.51.100.23 via [fe80::1c2d:3e4f:5a6b:7c8d] to sip/pool01.contoso.com failed: KRB_AP_ERR_SKEW on WS-ALICE01.corp.contoso.com
";
    analyze(
        "alice@contoso.com-10.1.2.3.UccApilog",
        &format!("{CASE}{extra}"),
    )
}

#[test]
fn redaction_leaves_no_original_in_any_format() {
    let r = redaction_case();
    // The original carries them (otherwise the test proves nothing).
    let before = r.to_json().to_lowercase();
    for s in SECRETS {
        assert!(before.contains(&s.to_lowercase()), "fixture lacks {s}");
    }
    let red = sfbdiag::redact::redact_report(&r);
    let renderings = [
        ("json", red.to_json()),
        (
            "text",
            text::render(&red, text::Style { color: false }, true),
        ),
        ("markdown", markdown::render(&red)),
        ("html", html::render(&red)),
    ];
    for (name, out) in &renderings {
        let low = out.to_lowercase();
        for s in SECRETS {
            assert!(
                !low.contains(&s.to_lowercase()),
                "{name} still contains {s}:\n{out}"
            );
        }
    }
    // What matters for the diagnosis is intact.
    let json = &renderings[0].1;
    for keep in [
        "clock-skew",
        "clock-skew-kerberos-skew",
        "password-reset-needed",
        "0x80048831",
        "KRB_AP_ERR_SKEW",
        "ms-diagnostics 1013",
        "Significant time skew detected during authentication",
        "SIP/2.0 401 Unauthorized",
    ] {
        assert!(json.contains(keep), "redaction removed {keep}");
    }
    assert_eq!(red.diagnoses.len(), r.diagnoses.len());
}

#[test]
fn redaction_is_consistent_across_the_report() {
    let red = sfbdiag::redact::redact_report(&redaction_case());
    assert_eq!(
        red.signin.sip_uri.as_deref(),
        Some("sip:user1@domain1.example")
    );
    let registrar = red.signin.registrar.clone().expect("registrar");
    assert_eq!(registrar, "host1.domain1.example");
    for a in &red.signin.timeline {
        assert_eq!(a.server.as_deref(), Some(registrar.as_str()));
    }
    assert_eq!(red.case, "user1@domain1.example-192.0.2.1.UccApilog");
    assert_eq!(red.inputs[0].path, red.case);
    let ev = red
        .diagnoses
        .iter()
        .flat_map(|d| &d.evidence)
        .find(|e| e.text.contains("Kerberos ticket for"))
        .expect("the Kerberos line is evidence");
    assert_eq!(ev.source, red.case);
    assert!(
        ev.text.contains("user1@domain1.example (DOMAIN1\\user1)"),
        "{}",
        ev.text
    );
    assert!(
        ev.text.contains("to sip/host1.domain1.example"),
        "{}",
        ev.text
    );
    assert!(ev.text.contains("[2001:db8::1]"), "{}", ev.text);
    assert!(ev.text.contains("from 192.0.2.2 "), "{}", ev.text);
}
