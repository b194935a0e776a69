//! sfbdiag: diagnose Skype for Business / Lync sign-in failures from what a support engineer
//! receives — client UCCAPI logs, Windows event-log exports, MOSDAL-style bundles.
//!
//! The data path: [`input`] (files, directories, archives, decoding, limits) → [`parse`] (one
//! module per format, typed records with their source) → [`facts`] (what several records show
//! together) → [`engine`] (rules from `rules/`, compiled once) → [`diagnose`] (score and rank)
//! → [`report`] (renderings).
//!
//! ```no_run
//! let rules = sfbdiag::engine::RuleSet::embedded().expect("built-in rules load");
//! let report = sfbdiag::analyze_paths(&["ticket-1234.zip".into()], &rules, &Default::default());
//! for d in &report.diagnoses {
//!     println!("{} {}", d.cause, d.confidence);
//! }
//! ```
#![forbid(unsafe_code)]

pub mod analyze;
pub mod batch;
pub mod diagnose;
pub mod engine;
pub mod facts;
pub mod input;
pub mod model;
pub mod parse;
pub mod redact;
pub mod report;

pub use analyze::{AnalyzeOptions, analyze_bytes, analyze_paths};
pub use report::Report;
