//! sfbdiag: diagnose Skype for Business / Lync sign-in failures.
#![forbid(unsafe_code)]
pub mod input;
pub mod model;
pub mod parse;
