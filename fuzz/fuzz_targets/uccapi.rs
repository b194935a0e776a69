//! Bytes → LineReader (encoding sniffing, line splitting, caps) → the UCCAPI / SIP trace parser.
#![no_main]
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use sfbdiag::input::decode::{LineLimits, LineReader};
use sfbdiag::model::Record;
use sfbdiag::parse::{ParseCtx, uccapi};

fuzz_target!(|data: &[u8]| {
    // Split the input between the sniffed head and the streamed rest, as the walker does.
    let split = data
        .first()
        .map(|b| *b as usize * 16)
        .unwrap_or(0)
        .min(data.len());
    let (head, rest) = data.split_at(split);
    let mut lines = LineReader::new(head.to_vec(), Box::new(rest), LineLimits { max_line: 4096 });
    let path: Arc<str> = Arc::from("fuzz.UccApilog");
    let mut errors = Vec::new();
    let mut n = 0u64;
    let mut sink = |_r: Record| n += 1;
    let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
    uccapi::parse(&mut lines, &mut ctx);
    let _ = lines.take_issues();
});
