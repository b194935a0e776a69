//! The result of an analysis and its renderings. Every format is a view of [`Report`].

pub mod html;
pub mod markdown;
pub mod text;

use serde::Serialize;

use crate::engine::Evidence;
use crate::facts::{Signin, SkewMeasure};
use crate::parse::Format;

pub const SCHEMA: &str = "sfbdiag.diagnosis/1";

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// What was read from one input.
#[derive(Clone, Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub format: Format,
    pub encoding: Option<String>,
    pub bytes: u64,
    pub records: u64,
    pub errors: Vec<String>,
}

/// One rule of a diagnosis and how often it matched.
#[derive(Clone, Debug, Serialize)]
pub struct RuleMatch {
    pub rule: String,
    pub evidence: String,
    pub weight: f64,
    pub hits: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    pub cause: String,
    pub rank: usize,
    pub score: f64,
    pub confidence: String,
    pub title: String,
    pub summary: String,
    pub resolution: Vec<String>,
    pub references: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// Why this cause: the signatures that matched and what changed the score.
    pub why: String,
    /// All evidence came before a successful sign-in.
    pub recovered: bool,
    pub rules: Vec<RuleMatch>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: Tool,
    pub case: String,
    pub inputs: Vec<InputReport>,
    pub signin: Signin,
    pub diagnoses: Vec<Diagnosis>,
    pub warnings: Vec<String>,
    /// Measured client/server clock difference, when the case allows it.
    pub clock_skew: Option<SkewMeasure>,
    /// Where the rules came from (`embedded` or a directory).
    pub rules: String,
}

impl Report {
    pub fn new(
        case: &str,
        inputs: Vec<InputReport>,
        signin: Signin,
        diagnoses: Vec<Diagnosis>,
        warnings: Vec<String>,
        clock_skew: Option<SkewMeasure>,
        rules: String,
    ) -> Report {
        Report {
            schema: SCHEMA,
            tool: Tool {
                name: "sfbdiag",
                version: env!("CARGO_PKG_VERSION"),
            },
            case: case.to_string(),
            inputs,
            signin,
            diagnoses,
            warnings,
            clock_skew,
            rules,
        }
    }

    /// Inputs with at least one problem.
    pub fn inputs_with_errors(&self) -> impl Iterator<Item = &InputReport> {
        self.inputs.iter().filter(|i| !i.errors.is_empty())
    }

    pub fn total_records(&self) -> u64 {
        self.inputs.iter().map(|i| i.records).sum()
    }

    pub fn to_json(&self) -> String {
        // A report of a few causes runs to some kilobytes: room for that up front, rather than
        // doubling from nothing and copying at each step.
        let mut buf = Vec::with_capacity(16 << 10);
        let mut ser = serde_json::Serializer::pretty(&mut buf);
        match serde::Serialize::serialize(self, &mut ser) {
            // serde_json writes only UTF-8.
            Ok(()) => String::from_utf8(buf).unwrap_or_default(),
            Err(e) => format!("{{\"error\":\"{e}\"}}"),
        }
    }

    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
