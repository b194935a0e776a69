//! Running every rule's inline examples: each is analysed as a one-file case, and the rule
//! must (or must not) be among what matched.

use crate::analyze::{AnalyzeOptions, Case};
use crate::engine::RuleSet;
use crate::input::{Content, Leaf, Visitor};

/// The outcome of one example.
#[derive(Clone, Debug)]
pub struct ExampleResult {
    pub rule: String,
    pub file: String,
    pub line: usize,
    pub should_match: bool,
    pub matched: bool,
    pub note: Option<String>,
}

impl ExampleResult {
    pub fn passed(&self) -> bool {
        self.should_match == self.matched
    }
}

/// Does `rule_index` match anything (records or facts) in `text`?
pub fn rule_matches_text(rules: &RuleSet, rule_index: usize, text: &str) -> bool {
    let opts = AnalyzeOptions::default();
    let mut case = Case::new(rules, &opts);
    for (name, part) in split_files(text) {
        case.leaf(Leaf {
            path: std::sync::Arc::from(name.as_str()),
            head: part.as_bytes().to_vec(),
            content: Content::Stream(Box::new(std::io::empty())),
            size: Some(part.len() as u64),
            errors: Vec::new(),
            binary_format: None,
        });
    }
    let hits = case.finish_hits();
    hits.per_rule[rule_index].count > 0
}

/// An example may hold several files, each introduced by a line `--- file: NAME ---`
/// (a SIP log and a registry export, say), for facts that need more than one source.
fn split_files(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut name = "example".to_string();
    let mut cur = String::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if let Some(n) = t
            .strip_prefix("--- file:")
            .and_then(|r| r.strip_suffix("---"))
        {
            if !cur.trim().is_empty() {
                out.push((name.clone(), std::mem::take(&mut cur)));
            }
            cur.clear();
            name = n.trim().to_string();
            continue;
        }
        cur.push_str(line);
    }
    if !cur.trim().is_empty() || out.is_empty() {
        out.push((name, cur));
    }
    out
}

/// Run every example of every rule.
pub fn run_all(rules: &RuleSet) -> Vec<ExampleResult> {
    let mut out = Vec::new();
    for (ri, r) in rules.rules.iter().enumerate() {
        for e in r.examples.iter() {
            out.push(ExampleResult {
                rule: r.id.to_string(),
                file: r.file.to_string(),
                line: e.line,
                should_match: e.should_match,
                matched: rule_matches_text(rules, ri, &e.text),
                note: e.note.as_deref().map(str::to_string),
            });
        }
    }
    out
}
