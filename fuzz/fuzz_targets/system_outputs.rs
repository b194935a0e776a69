//! Command outputs (nslookup, ipconfig, registry exports, w32tm, systeminfo, certutil, ...):
//! the input is given a first line that makes it sniff as one of them.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sfbdiag::engine::RuleSet;

const PREFIXES: [&str; 8] = [
    "Server:  dc01.contoso.local\r\nAddress:  10.0.0.1\r\n\r\n",
    "\r\nWindows IP Configuration\r\n\r\n",
    "Windows Registry Editor Version 5.00\r\n\r\n",
    "Leap Indicator: 0(no warning)\r\nStratum: 3 (secondary reference - syncd by (S)NTP)\r\n",
    "Host Name:                 PC1\r\nOS Name:                   Microsoft Windows 10 Pro\r\n",
    "================ Certificate 0 ================\r\nSerial Number: 1a\r\n",
    "\r\nCurrent WinHTTP proxy settings:\r\n\r\n",
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
    let r = sfbdiag::analyze_bytes("output.txt", &bytes, rules(), &Default::default());
    let _ = r.to_json();
});
