//! Files, directories, zip archives, decoding and limits.
pub mod decode;
