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
    case.leaf(Leaf {
        path: std::sync::Arc::from("example"),
        head: text.as_bytes().to_vec(),
        content: Content::Stream(Box::new(std::io::empty())),
        size: Some(text.len() as u64),
        errors: Vec::new(),
        binary_format: None,
    });
    let hits = case.finish_hits();
    hits.per_rule[rule_index].count > 0
}

/// Run every example of every rule.
pub fn run_all(rules: &RuleSet) -> Vec<ExampleResult> {
    let mut out = Vec::new();
    for (ri, r) in rules.rules.iter().enumerate() {
        for e in &r.examples {
            out.push(ExampleResult {
                rule: r.id.clone(),
                file: r.file.clone(),
                line: e.line,
                should_match: e.should_match,
                matched: rule_matches_text(rules, ri, &e.text),
                note: e.note.clone(),
            });
        }
    }
    out
}
