//! Windows command outputs found in support bundles. (Placeholder until the parsers land.)
use super::{Format, ParseCtx};
use crate::input::decode::LineReader;
pub fn sniff(_head: &str) -> Option<Format> {
    None
}
pub fn parse(_f: Format, _l: &mut LineReader<'_>, _c: &mut ParseCtx<'_>) -> u64 {
    0
}
pub fn parse_utc_offset(_tz: &str) -> Option<i32> {
    None
}
