//! A zip archive through the walker: written to a temporary file and analysed by path (the
//! file-backed route, with salvage by reopening), and from memory. Small limits keep
//! iterations fast.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sfbdiag::AnalyzeOptions;
use sfbdiag::engine::RuleSet;
use sfbdiag::input::Limits;

fn rules() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(|| RuleSet::embedded().expect("embedded rules"))
}

fn opts() -> AnalyzeOptions {
    AnalyzeOptions {
        limits: Limits {
            max_member_bytes: 4 << 20,
            max_case_bytes: 16 << 20,
            max_in_memory: 4 << 20,
            ..Limits::default()
        },
        ..Default::default()
    }
}

fuzz_target!(|data: &[u8]| {
    // Make sure the bytes are taken for a zip.
    let mut bytes = Vec::with_capacity(data.len() + 4);
    if !data.starts_with(b"PK") {
        bytes.extend_from_slice(b"PK\x03\x04");
    }
    bytes.extend_from_slice(data);
    let r = sfbdiag::analyze_bytes("fuzz.zip", &bytes, rules(), &opts());
    let _ = r.to_json();
    let dir = std::env::temp_dir().join(format!("sfbdiag-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join("case.zip");
    if std::fs::write(&p, &bytes).is_ok() {
        let r = sfbdiag::analyze_paths(&[p], rules(), &opts());
        let _ = r.to_json();
    }
});
