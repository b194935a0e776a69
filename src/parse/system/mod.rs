//! Windows command outputs found in support bundles. (Being written.)
use super::Format;
pub fn sniff(_head: &str) -> Option<Format> {
    None
}
