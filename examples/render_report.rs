//! Render a case in any report format, until (or besides) `sfbdiag analyze --format …`:
//!
//! ```text
//! cargo run --example render_report -- html [--redact] PATH... > report.html
//! ```

use std::process::ExitCode;

use sfbdiag::engine::RuleSet;
use sfbdiag::report::{html, markdown, text};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let redact = args.iter().any(|a| a == "--redact");
    args.retain(|a| a != "--redact");
    let Some((format, paths)) = args.split_first() else {
        eprintln!("usage: render_report markdown|html|text|json [--redact] PATH...");
        return ExitCode::from(2);
    };
    let rules = match RuleSet::embedded() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("the built-in rules did not load: {e:?}");
            return ExitCode::from(2);
        }
    };
    let paths: Vec<std::path::PathBuf> = paths.iter().map(Into::into).collect();
    let mut report = sfbdiag::analyze_paths(&paths, &rules, &Default::default());
    if redact {
        report = sfbdiag::redact::redact_report(&report);
    }
    let out = match format.as_str() {
        "markdown" | "md" => markdown::render(&report),
        "html" => html::render(&report),
        "text" => text::render(&report, text::Style { color: false }, false),
        "json" => report.to_json(),
        other => {
            eprintln!("unknown format `{other}`");
            return ExitCode::from(2);
        }
    };
    print!("{out}");
    ExitCode::SUCCESS
}
