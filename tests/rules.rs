//! Every rule's inline examples: the ones marked `match = true` must match, the others must not.

use sfbdiag::engine::RuleSet;
use sfbdiag::engine::examples::run_all;

#[test]
fn every_rule_example_behaves_as_documented() {
    let rules = RuleSet::embedded().expect("built-in rules load");
    let results = run_all(&rules);
    assert!(
        results.len() >= 2 * rules.rules.len(),
        "each rule has at least two examples"
    );
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| {
            format!(
                "{}:{}: rule {} {} match",
                r.file,
                r.line,
                r.rule,
                if r.should_match {
                    "did not"
                } else {
                    "should not"
                }
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "rule examples failed:\n{}",
        failed.join("\n")
    );
}

#[test]
fn every_cause_of_the_catalogue_has_a_rule_file() {
    let rules = RuleSet::embedded().expect("built-in rules load");
    for id in [
        "server-trust-prompt",
        "wrong-credentials",
        "password-reset-needed",
        "not-licensed",
        "client-version-incompatible",
        "personal-certificate-cache",
        "corrupted-credentials",
        "dns-propagation-pending",
        "dns-records-missing",
        "clock-skew",
        "signin-assistant-blocked",
        "adfs-self-signed-cert",
        "user-not-sip-enabled",
    ] {
        let c = rules
            .cause(id)
            .unwrap_or_else(|| panic!("no rule file for {id}"));
        assert!(!c.resolution.is_empty());
    }
}

#[test]
fn a_broken_rule_file_is_named_with_its_line() {
    let bad = "cause = \"clock-skew\"\ntitle = \"t\"\nsummary = \"s\"\nresolution = [\"r\"]\n\n[[rule]]\nid = \"x-rule\"\nevidence = \"e\"\nkind = \"sip\"\nweight = 0.5\nwhen = [\"status in\"]\n";
    let err =
        RuleSet::from_sources(&[("rules/clock-skew.toml".into(), bad.into())], "test").unwrap_err();
    let shown: Vec<String> = err.iter().map(|e| e.to_string()).collect();
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with("rules/clock-skew.toml:11:")),
        "got {shown:?}"
    );
    let bad_toml = "cause = \"clock-skew\"\ntitle = \n";
    let err = RuleSet::from_sources(&[("rules/clock-skew.toml".into(), bad_toml.into())], "test")
        .unwrap_err();
    assert_eq!(err[0].line, 2, "{}", err[0]);
    let unknown_field = bad.replace("status in", "nosuchfield = 1");
    let err = RuleSet::from_sources(&[("rules/clock-skew.toml".into(), unknown_field)], "test")
        .unwrap_err();
    assert!(
        err.iter()
            .any(|e| e.message.contains("no field `nosuchfield`")),
        "{err:?}"
    );
}

#[test]
fn clears_at_most_belongs_to_a_clearing_rule() {
    let rule = |extra: &str| {
        format!(
            "cause = \"clock-skew\"\ntitle = \"t\"\nsummary = \"s\"\nresolution = [\"r\"]\n\n[[rule]]\nid = \"x-rule\"\nevidence = \"e\"\nkind = \"event\"\nweight = 0.5\n{extra}when = [\"event_id = 4768\"]\n  [[rule.example]]\n  match = true\n  text = \"Event ID: 4768\"\n  [[rule.example]]\n  match = false\n  text = \"Event ID: 4769\"\n"
        )
    };
    let err = RuleSet::from_sources(
        &[("rules/clock-skew.toml".into(), rule("clears_at_most = 2\n"))],
        "test",
    )
    .unwrap_err();
    assert!(
        err.iter()
            .any(|e| e.line == 7 && e.message.contains("clears_at_most")),
        "{err:?}"
    );
    let set = RuleSet::from_sources(
        &[(
            "rules/clock-skew.toml".into(),
            rule("clears = true\nclears_at_most = 2\n"),
        )],
        "test",
    );
    if let Err(e) = set {
        assert!(
            !e.iter().any(|e| e.message.contains("clears_at_most")),
            "{e:?}"
        );
    }
}

/// The binary carries the rules as read at build time; reading `rules/` at run time (what
/// `--rules rules` does, with every regex checked) must give the same rule set.
#[test]
fn embedded_rules_are_the_rules_directory() {
    let embedded = RuleSet::embedded().expect("built-in rules load");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let read = RuleSet::from_dir(&dir).expect("rules/ loads with every regex checked");
    assert_eq!(embedded.causes.len(), read.causes.len());
    for (a, b) in embedded.causes.iter().zip(&read.causes) {
        assert_eq!(a.id, b.id);
        assert_eq!(
            (&a.title, &a.summary, &a.resolution, &a.yields_to),
            (&b.title, &b.summary, &b.resolution, &b.yields_to)
        );
    }
    assert_eq!(embedded.rules.len(), read.rules.len());
    for (a, b) in embedded.rules.iter().zip(&read.rules) {
        assert_eq!(
            (&a.id, a.line, &a.kind, a.weight, a.corroborating, a.clears),
            (&b.id, b.line, &b.kind, b.weight, b.corroborating, b.clears)
        );
        assert_eq!(
            a.file.trim_start_matches("rules/"),
            b.file.rsplit('/').next().unwrap()
        );
        let conds = |r: &sfbdiag::engine::Rule| {
            r.conds
                .iter()
                .map(|c| format!("{} {:?} {:?}", c.field, c.op, c.values))
                .collect::<Vec<_>>()
        };
        assert_eq!(conds(a), conds(b), "rule {}", a.id);
        let ex = |r: &sfbdiag::engine::Rule| {
            r.examples
                .iter()
                .map(|e| (e.should_match, e.line, e.text.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ex(a), ex(b), "rule {}", a.id);
    }
}
