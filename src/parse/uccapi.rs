//! Lync/SfB client logs. (Being written.)
use super::Format;
pub fn sniff(_head: &str) -> Option<Format> {
    None
}
