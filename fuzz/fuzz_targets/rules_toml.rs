//! A rules file: parse, compile and check its examples; errors are fine, panics are not.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sfbdiag::engine::RuleSet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let _ = RuleSet::from_sources(&[("fuzz.toml".to_string(), text)], "fuzz");
});
