//! EVTX bytes (given the file magic) through the whole case.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sfbdiag::engine::RuleSet;

fn rules() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(|| RuleSet::embedded().expect("embedded rules"))
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Vec::with_capacity(data.len() + 8);
    if !data.starts_with(b"ElfFile\0") {
        bytes.extend_from_slice(b"ElfFile\0");
    }
    bytes.extend_from_slice(data);
    let r = sfbdiag::analyze_bytes("fuzz.evtx", &bytes, rules(), &Default::default());
    let _ = r.to_json();
});
