//! Event exports (XML, CSV/TSV, wevtutil text, Format-List): the input is given one of the
//! headers that make it sniff as that format, then the whole case runs.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sfbdiag::engine::RuleSet;

const PREFIXES: [&str; 5] = [
    "<Events>\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>",
    "Level,Date and Time,Source,Event ID,Task Category\r\n",
    "\"ProviderName\",\"Id\",\"TimeCreated\",\"LevelDisplayName\",\"Message\"\r\n",
    "Event[0]:\r\n  Log Name: System\r\n  Source: Microsoft-Windows-Time-Service\r\n",
    "",
];

fn rules() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(|| RuleSet::embedded().expect("embedded rules"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = PREFIXES[sel as usize % PREFIXES.len()].as_bytes().to_vec();
    bytes.extend_from_slice(rest);
    let r = sfbdiag::analyze_bytes("events.txt", &bytes, rules(), &Default::default());
    let _ = r.to_json();
});
