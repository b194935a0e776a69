//! Windows event logs: EVTX and the text exports. (Being written.)
use super::Format;
pub fn sniff(_head: &str) -> Option<Format> {
    None
}
