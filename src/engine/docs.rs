//! `docs/causes.md`, generated from the rule files so the documentation cannot drift from the
//! rules. `tests/docs.rs` fails when the committed file differs; `SFBDIAG_BLESS=1 cargo test
//! --test docs` rewrites it.

use std::fmt::Write;

use super::RuleSet;
use crate::report::markdown::esc;

/// The catalogue of causes as Markdown: for each cause its title, what the user sees, the
/// summary, the evidence it looks for, what to do and the references.
pub fn causes_markdown(rules: &RuleSet) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Causes of Skype for Business sign-in failures");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "<!-- Generated from rules/*.toml by `SFBDIAG_BLESS=1 cargo test --test docs`. Do not edit by hand. -->"
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Every cause sfbdiag can name, as its rule file describes it. The ID is what reports and \
         `sfbdiag explain ID` use. A cause's score combines the weights of its matching rules \
         (`1 − Π(1 − weight)`); a *corroborating* rule only counts when another rule of the \
         same cause matched; a *clearing* rule shows the condition put right, and when it comes \
         after all of the evidence the cause keeps `1 − weight` of its score. See [writing-rules.md](writing-rules.md) for the rule format."
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "| Cause | Title | Rules |");
    let _ = writeln!(o, "|---|---|---:|");
    for (ci, c) in rules.causes.iter().enumerate() {
        let _ = writeln!(
            o,
            "| [`{id}`](#{id}) | {} | {} |",
            esc(c.title.trim()),
            rules.rules.iter().filter(|r| r.cause == ci).count(),
            id = c.id
        );
    }
    let _ = writeln!(o);
    for (ci, c) in rules.causes.iter().enumerate() {
        let _ = writeln!(o, "## {}", c.id);
        let _ = writeln!(o);
        let _ = writeln!(o, "**{}**", esc(c.title.trim()));
        let _ = writeln!(o);
        if !c.user_sees.is_empty() {
            let _ = writeln!(o, "**What the user sees:**");
            let _ = writeln!(o);
            for s in &c.user_sees {
                let _ = writeln!(o, "- “{}”", esc(s.trim()));
            }
            let _ = writeln!(o);
        }
        let _ = writeln!(o, "{}", esc(c.summary.trim()));
        let _ = writeln!(o);
        let mut notes = Vec::new();
        if c.not_a_failure {
            notes.push(
                "This is a prompt rather than a failure: a later successful sign-in does not lower it."
                    .to_string(),
            );
        }
        if c.stops_every_signin {
            notes.push(
                "While this condition holds no sign-in succeeds: evidence on both sides of a sign-in that worked is about something else, and counts for little."
                    .to_string(),
            );
        }
        if !c.yields_to.is_empty() {
            let ys: Vec<String> = c
                .yields_to
                .iter()
                .map(|y| format!("[`{y}`](#{y})"))
                .collect();
            notes.push(format!(
                "Yields to {}: when that cause fits the same evidence at least as well, this one's score is halved.",
                ys.join(", ")
            ));
        }
        for n in notes {
            let _ = writeln!(o, "> {n}");
            let _ = writeln!(o);
        }
        let _ = writeln!(o, "**Evidence it looks for:**");
        let _ = writeln!(o);
        let _ = writeln!(o, "| Rule | Kind | Weight | Evidence |");
        let _ = writeln!(o, "|---|---|---:|---|");
        for r in rules.rules.iter().filter(|r| r.cause == ci) {
            let _ = writeln!(
                o,
                "| `{}` | {} | {:.2}{} | {} |",
                r.id,
                esc(&r.kind),
                r.weight,
                if r.corroborating {
                    " (corroborating)"
                } else if r.clears {
                    " (clears)"
                } else {
                    ""
                },
                esc(r.evidence.trim())
            );
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "**What to do:**");
        let _ = writeln!(o);
        for (i, step) in c.resolution.iter().enumerate() {
            let _ = writeln!(o, "{}. {}", i + 1, esc(step.trim()));
        }
        let _ = writeln!(o);
        if !c.references.is_empty() {
            let refs: Vec<String> = c.references.iter().map(|r| esc(r)).collect();
            let _ = writeln!(o, "**References:** {}", refs.join(", "));
            let _ = writeln!(o);
        }
        let file = c.file.rsplit('/').next().unwrap_or(&c.file);
        let _ = writeln!(o, "_Rule file: `rules/{file}`_");
        let _ = writeln!(o);
    }
    o
}
