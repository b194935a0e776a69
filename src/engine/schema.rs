//! What a rule file holds, read from TOML into plain values with line numbers.
//!
//! This module is also compiled into `build.rs`: the embedded rules are read there once, at build
//! time, and the binary carries them as Rust values (see `RuleSet::embedded`). A process then
//! starts without parsing TOML, and a broken embedded rule file fails the build instead of a
//! run. Keep it free of crate imports for that reason.

use serde::Deserialize;

/// One rule file: a cause and its rules.
#[derive(Clone, Debug, PartialEq)]
pub struct RawCause {
    pub id: String,
    pub id_line: usize,
    pub title: String,
    pub summary: String,
    pub user_sees: Vec<String>,
    pub resolution: Vec<String>,
    pub references: Vec<String>,
    pub yields_to: Vec<(String, usize)>,
    pub not_a_failure: bool,
    pub stops_every_signin: bool,
    pub rules: Vec<RawRule>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RawRule {
    pub id: String,
    pub id_line: usize,
    pub evidence: String,
    pub kind: String,
    pub weight: f64,
    pub weight_line: usize,
    pub when: Vec<(String, usize)>,
    pub corroborating: bool,
    pub clears: bool,
    pub clears_at_most: Option<u32>,
    pub examples: Vec<RawExample>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RawExample {
    pub should_match: bool,
    pub line: usize,
    pub text: String,
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CauseFile {
    cause: toml::Spanned<String>,
    title: String,
    summary: String,
    #[serde(default)]
    user_sees: Vec<String>,
    resolution: Vec<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    yields_to: Vec<toml::Spanned<String>>,
    #[serde(default)]
    not_a_failure: bool,
    #[serde(default)]
    stops_every_signin: bool,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: toml::Spanned<String>,
    evidence: String,
    kind: toml::Spanned<String>,
    weight: toml::Spanned<f64>,
    when: Vec<toml::Spanned<String>>,
    #[serde(default)]
    corroborating: bool,
    #[serde(default)]
    clears: bool,
    #[serde(default)]
    clears_at_most: Option<u32>,
    #[serde(default, rename = "example")]
    examples: Vec<ExampleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleFile {
    #[serde(rename = "match")]
    should_match: toml::Spanned<bool>,
    text: String,
    #[serde(default)]
    note: Option<String>,
}

/// Line numbers of byte offsets in one file, from an index of line starts built once.
struct Lines(Vec<usize>);

impl Lines {
    fn new(src: &str) -> Lines {
        Lines(
            src.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }
    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// Each string with the line it starts on.
fn with_lines(lines: &Lines, v: Vec<toml::Spanned<String>>) -> Vec<(String, usize)> {
    v.into_iter()
        .map(|s| {
            let line = lines.of(s.span().start);
            (s.into_inner(), line)
        })
        .collect()
}

/// Read one rule file. A TOML or shape error comes back as (line, message).
pub fn read_cause(text: &str) -> Result<RawCause, (usize, String)> {
    let lines = Lines::new(text);
    let cf: CauseFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| lines.of(s.start)).unwrap_or(0);
        (line, e.message().trim().to_string())
    })?;
    Ok(RawCause {
        id_line: lines.of(cf.cause.span().start),
        id: cf.cause.into_inner(),
        title: cf.title,
        summary: cf.summary,
        user_sees: cf.user_sees,
        resolution: cf.resolution,
        references: cf.references,
        yields_to: with_lines(&lines, cf.yields_to),
        not_a_failure: cf.not_a_failure,
        stops_every_signin: cf.stops_every_signin,
        rules: cf
            .rules
            .into_iter()
            .map(|r| RawRule {
                id_line: lines.of(r.id.span().start),
                id: r.id.into_inner(),
                evidence: r.evidence,
                kind: r.kind.into_inner(),
                weight_line: lines.of(r.weight.span().start),
                weight: r.weight.into_inner(),
                when: with_lines(&lines, r.when),
                corroborating: r.corroborating,
                clears: r.clears,
                clears_at_most: r.clears_at_most,
                examples: r
                    .examples
                    .into_iter()
                    .map(|e| RawExample {
                        line: lines.of(e.should_match.span().start),
                        should_match: e.should_match.into_inner(),
                        text: e.text,
                        note: e.note,
                    })
                    .collect(),
            })
            .collect(),
    })
}
