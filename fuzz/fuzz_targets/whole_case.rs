//! Any bytes as one input of a case: detection, every parser, facts, rules, report.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sfbdiag::engine::RuleSet;

fn rules() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(|| RuleSet::embedded().expect("embedded rules"))
}

fuzz_target!(|data: &[u8]| {
    let r = sfbdiag::analyze_bytes("input", data, rules(), &Default::default());
    let _ = r.to_json();
});
