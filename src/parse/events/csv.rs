//! placeholder
use super::EventFilter;
use crate::input::decode::LineReader;
use crate::parse::ParseCtx;
pub(crate) fn sniff(_h: &str) -> bool { false }
pub(crate) fn parse(_h: &str, _l: &mut LineReader<'_>, _c: &mut ParseCtx<'_>, _f: &EventFilter, _d: bool) -> u64 { 0 }
