//! `docs/causes.md` is generated from the rule files; this test fails when it is stale.
//! `SFBDIAG_BLESS=1 cargo test --test docs` rewrites it.

use std::path::Path;

use sfbdiag::engine::RuleSet;
use sfbdiag::engine::docs::causes_markdown;

#[test]
fn causes_md_is_generated_from_the_rules() {
    let rules = RuleSet::embedded().expect("built-in rules load");
    let want = causes_markdown(&rules);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/causes.md");
    if std::env::var_os("SFBDIAG_BLESS").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::create_dir_all(path.parent().expect("docs dir")).expect("create docs/");
        std::fs::write(&path, &want).expect("write docs/causes.md");
        eprintln!("rewrote {}", path.display());
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let line = have
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map(|i| i + 1)
            .unwrap_or_else(|| have.lines().count().min(want.lines().count()) + 1);
        panic!(
            "docs/causes.md is out of date with rules/*.toml (first difference at line {line}).\n\
             Regenerate it with:\n\n    SFBDIAG_BLESS=1 cargo test --test docs\n\nand commit the result."
        );
    }
}

#[test]
fn every_cause_is_documented() {
    let rules = RuleSet::embedded().expect("built-in rules load");
    let md = causes_markdown(&rules);
    for c in &rules.causes {
        assert!(md.contains(&format!("\n## {}\n", c.id)), "{} missing", c.id);
    }
    for r in &rules.rules {
        assert!(md.contains(&format!("| `{}` |", r.id)), "{} missing", r.id);
    }
}
