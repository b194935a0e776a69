//! The HTML report in a real browser: headless Chromium loads a report whose evidence carries
//! a script, and the rendered DOM shows the verdict, the timeline and the script as text, and
//! the script never ran. Skipped (with a message) when Chromium is not installed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sfbdiag::engine::RuleSet;
use sfbdiag::report::html;

const CASE: &str = include_str!("data/report-case.UccApilog");

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Run the browser with a time limit; returns its stdout.
fn dump_dom(browser: &Path, profile: &Path, page: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(_) => break,
            None if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                panic!("chromium did not finish within 90 s");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let out = child.wait_with_output().expect("chromium output");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn script_in_evidence_does_not_run() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: chromium not installed (apt-get install chromium)");
        return;
    };
    let rules = RuleSet::embedded().expect("built-in rules load");
    let report = sfbdiag::analyze_bytes(
        "report-case.UccApilog",
        CASE.as_bytes(),
        &rules,
        &Default::default(),
    );
    // The IDCRL line with the script is evidence of a cause.
    assert!(
        report
            .diagnoses
            .iter()
            .flat_map(|d| &d.evidence)
            .any(|e| e.text.contains("<script>document.title='pwned'</script>")),
        "the fixture's script line should be evidence"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    std::fs::write(&page, html::render(&report)).expect("write the report");
    let dom = dump_dom(&browser, &dir.path().join("profile"), &page);

    assert!(
        dom.contains("<title>sfbdiag: report-case.UccApilog</title>"),
        "the title changed (a script ran?):\n{dom}"
    );
    assert!(!dom.contains("pwned</title>"));
    assert!(dom.contains("id=\"verdict\""), "no verdict in:\n{dom}");
    assert!(dom.contains("The computer's clock is out of step with the server"));
    assert!(dom.contains("id=\"timeline\""));
    assert!(dom.contains("2026-11-24T09:35:02.010"));
    assert!(dom.contains("SIP/2.0 401 Unauthorized (ms-diagnostics 1013"));
    // The script and the image tag are text in the DOM, not elements.
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!dom.contains("<script"), "a script element was created");
    assert!(!dom.contains("<img"), "an img element was created");
}
