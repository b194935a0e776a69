//! SIP messages: start lines, headers, ms-diagnostics. (Being written.)
use crate::model::MsDiag;
pub fn is_diag_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("ms-diagnostics")
        || name.eq_ignore_ascii_case("ms-diagnostics-public")
        || name.eq_ignore_ascii_case("x-ms-diagnostics")
}
pub fn parse_ms_diag(_v: &str) -> Option<MsDiag> {
    None
}
pub fn sniff_bare(_head: &str) -> bool {
    false
}
