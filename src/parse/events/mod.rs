//! Windows event logs: EVTX and the text exports. (Placeholder until the event parsers land.)
use super::{Format, ParseCtx};
use crate::input::decode::LineReader;

pub struct EventFilter;
impl EventFilter {
    pub fn all() -> Self {
        EventFilter
    }
}
#[derive(Default)]
pub struct EventOptions {
    pub day_first: Option<bool>,
}
pub fn sniff(_head: &str) -> Option<Format> {
    None
}
pub fn parse_text(
    _f: Format,
    _head: &str,
    _l: &mut LineReader<'_>,
    _c: &mut ParseCtx<'_>,
    _filter: &EventFilter,
    _o: &EventOptions,
) -> u64 {
    0
}
pub fn parse_evtx<R: std::io::Read + std::io::Seek>(
    _r: R,
    _c: &mut ParseCtx<'_>,
    _filter: &EventFilter,
) -> u64 {
    0
}
