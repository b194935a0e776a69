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
