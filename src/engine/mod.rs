//! The rule engine. Rules are data: one TOML file per cause in `rules/`, embedded in the
//! binary and replaceable with `--rules DIR`. They are compiled once into a [`RuleSet`] and
//! matched against every record and every derived fact.

pub mod cond;
pub mod cond_syntax;
pub mod dfa;
pub mod docs;
pub mod examples;
pub mod fields;
pub mod regex_tier;
pub mod schema;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;

use crate::model::{FieldVal, SourceLoc, Subject, Ts};
pub use cond::Cond;

/// A rule file that could not be loaded, with the file and line at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// A documented cause, as its rule file describes it.
#[derive(Clone, Debug, Serialize)]
pub struct CauseDef {
    pub id: Text,
    pub title: Text,
    pub summary: Text,
    pub user_sees: Vec<Text>,
    pub resolution: Vec<Text>,
    pub references: Vec<Text>,
    /// Causes that explain this one's evidence better when they are present.
    pub yields_to: Vec<Text>,
    /// A prompt rather than a failure: a later successful sign-in does not lower it.
    pub not_a_failure: bool,
    /// While the condition holds, no sign-in can succeed: a sign-in that worked between its
    /// evidence shows the evidence is about something else.
    pub stops_every_signin: bool,
    pub file: Text,
}

/// Text of a cause or rule: borrowed from the binary for the embedded rules, so a process
/// builds none of it at start; owned when read from a `--rules` directory.
pub type Text = Cow<'static, str>;

#[derive(Clone, Debug)]
pub struct Example {
    pub should_match: bool,
    pub text: Cow<'static, str>,
    pub note: Option<Cow<'static, str>>,
    pub line: usize,
}

/// One signature of a cause.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: Text,
    pub cause: usize,
    pub evidence: Text,
    pub kind: Text,
    pub weight: f64,
    pub conds: Vec<Cond>,
    /// Counts only when another, non-corroborating rule of the same cause matched.
    pub corroborating: bool,
    /// Shows the cause's condition was put right (an account unlocked, the clock synchronised):
    /// it adds no evidence, and when it comes after all of the cause's evidence the cause keeps
    /// `1 - weight` of its score.
    pub clears: bool,
    /// A clearing rule that names accounts clears an account only when the cause's evidence
    /// about it is no more than this many events: one or two failures and then a success is a
    /// mistyped password put right; failures that kept coming are the problem, whatever
    /// succeeded later.
    pub clears_at_most: Option<u32>,
    /// Part of the binary for the embedded rules: only `rules test` reads them.
    pub examples: Cow<'static, [Example]>,
    pub file: Text,
    pub line: usize,
    /// The conditions in the order they are evaluated: cheap comparisons first, so a record that
    /// fails on its provider or status never reaches a regex.
    eval_order: Vec<usize>,
}

impl Rule {
    /// Literals one of which must occur in the record's text for the rule to match.
    fn literals(&self) -> Option<Vec<String>> {
        text_literals(&self.conds)
    }
}

/// The event IDs a rule's conditions allow, when an `event_id` condition settles it: each
/// `=`/`in` condition whose values are all plain decimal IDs narrows the set (a value such as
/// `04771` is left to the condition itself, which compares text).
fn allowed_event_ids(r: &Rule) -> Option<Vec<u32>> {
    let mut allowed: Option<Vec<u32>> = None;
    for c in r.conds.iter().filter(|c| c.field == "event_id") {
        if !matches!(c.op, cond::Op::Eq | cond::Op::In) {
            continue;
        }
        let ids: Option<Vec<u32>> = c
            .values
            .iter()
            .map(|v| v.parse::<u32>().ok().filter(|n| n.to_string() == *v))
            .collect();
        let Some(ids) = ids else { continue };
        allowed = Some(match allowed {
            None => ids,
            Some(a) => a.into_iter().filter(|i| ids.contains(i)).collect(),
        });
    }
    allowed
}

/// The compiled rules.
#[derive(Debug)]
pub struct RuleSet {
    pub causes: Vec<CauseDef>,
    pub rules: Vec<Rule>,
    /// Rules by kind; a handful of kinds, so a list beats hashing the kind of every record.
    by_kind: KindIndex,
    /// For each rule, the event IDs its `event_id = N` / `event_id in [...]` conditions allow
    /// (`None`: any). A Windows event skips the rules for other IDs unread.
    event_ids: Vec<Option<Vec<u32>>>,
    /// Prefilter over the literals of the rules on free text, built on first use: a case of
    /// event logs alone never needs it.
    prefilter: std::sync::OnceLock<Option<Prefilter>>,
    /// Where the rules came from (`embedded` or a directory).
    pub origin: String,
}

#[derive(Debug)]
struct Prefilter {
    /// Cheap to build, half the scan speed of the DFA: what a small case uses.
    nfa: AhoCorasick,
    /// Built once this thread has scanned [`DFA_AFTER`] bytes: a long log pays for it many times
    /// over, a small case never builds it.
    dfa: std::sync::OnceLock<Option<AhoCorasick>>,
    patterns: Vec<String>,
    /// For each pattern, the rules it unlocks.
    pattern_rules: Vec<Vec<usize>>,
    /// Rules of these kinds that have no literal and must always be evaluated.
    always: HashMap<String, Vec<usize>>,
}

mod embedded {
    use super::cond::{Op, PreCond};
    use super::dfa::Table;
    use super::regex_tier::PreRegex;
    use super::{CauseDef, Cond, Example, Rule};
    use std::borrow::Cow;
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// The build script's DFA for `pattern`, when an embedded rule has that pattern.
fn embedded_dfa(pattern: &str) -> Option<&'static dfa::Table> {
    embedded::CONDS
        .iter()
        .filter_map(|c| c.regex.as_ref())
        .find(|r| r.pattern == pattern)
        .and_then(|r| r.dfa)
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

impl RuleSet {
    /// The rules built into the binary. The build script read `rules/` and wrote the causes and
    /// rules out as Rust values (conditions parsed, regexes compiled to DFAs), failing the build
    /// on a file or condition that does not read; what only the engine checks (ids, fields,
    /// examples, `yields_to`) the test suite checks, by loading `rules/` as a directory and
    /// comparing. So a process only builds the strings the report needs.
    pub fn embedded() -> Result<RuleSet, Vec<RuleError>> {
        let (causes, rules) = embedded::rule_set();
        Ok(RuleSet::assemble(causes, rules, "embedded"))
    }

    /// Every `*.toml` file in `dir`.
    pub fn from_dir(dir: &Path) -> Result<RuleSet, Vec<RuleError>> {
        let rd = std::fs::read_dir(dir).map_err(|e| {
            vec![RuleError {
                file: dir.display().to_string(),
                line: 0,
                message: format!("cannot read the rules directory: {e}"),
            }]
        })?;
        let mut names: Vec<_> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        names.sort();
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for p in names {
            match std::fs::read_to_string(&p) {
                Ok(t) => files.push((p.display().to_string(), t)),
                Err(e) => errors.push(RuleError {
                    file: p.display().to_string(),
                    line: 0,
                    message: format!("cannot read: {e}"),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if files.is_empty() {
            return Err(vec![RuleError {
                file: dir.display().to_string(),
                line: 0,
                message: "no *.toml rule files in this directory".into(),
            }]);
        }
        RuleSet::from_sources(&files, &dir.display().to_string())
    }

    /// Compile rule files given as (file name, contents). Every problem is reported, each with
    /// its file and line.
    pub fn from_sources(
        files: &[(String, String)],
        origin: &str,
    ) -> Result<RuleSet, Vec<RuleError>> {
        if files.is_empty() {
            return Err(vec![RuleError {
                file: origin.to_string(),
                line: 0,
                message: "no rule files".into(),
            }]);
        }
        let mut errors = Vec::new();
        let mut raws = Vec::new();
        for (file, text) in files {
            match schema::read_cause(text) {
                Ok(c) => raws.push((file.clone(), c)),
                Err((line, message)) => errors.push(RuleError {
                    file: file.clone(),
                    line,
                    message,
                }),
            }
        }
        match RuleSet::from_raw(raws, origin) {
            Ok(set) if errors.is_empty() => Ok(set),
            Ok(_) => Err(errors),
            Err(mut more) => {
                errors.append(&mut more);
                Err(errors)
            }
        }
    }

    /// Compile read rule files, checking everything (every regex is parsed now).
    fn from_raw(
        files: Vec<(String, schema::RawCause)>,
        origin: &str,
    ) -> Result<RuleSet, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut causes: Vec<CauseDef> = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        let mut yields: Vec<(usize, String, String, usize)> = Vec::new();
        for (file, cf) in files {
            let err = |line: usize, message: String| RuleError {
                file: file.clone(),
                line,
                message,
            };
            let cid = cf.id;
            let cline = cf.id_line;
            if !valid_id(&cid) {
                errors.push(err(
                    cline,
                    format!("cause id `{cid}` must be lower-case words joined by `-`"),
                ));
                continue;
            }
            if causes.iter().any(|c| c.id == cid) {
                errors.push(err(
                    cline,
                    format!("cause `{cid}` is already defined in another file"),
                ));
                continue;
            }
            let stem = Path::new(&file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("");
            if stem != cid {
                errors.push(err(
                    cline,
                    format!("the file for cause `{cid}` must be named `{cid}.toml`"),
                ));
            }
            if cf.resolution.is_empty() {
                errors.push(err(
                    cline,
                    "a cause needs at least one resolution step".into(),
                ));
            }
            let ci = causes.len();
            for (y, line) in &cf.yields_to {
                yields.push((ci, y.clone(), file.clone(), *line));
            }
            let texts = |v: Vec<String>| v.into_iter().map(Text::from).collect::<Vec<Text>>();
            causes.push(CauseDef {
                id: cid.clone().into(),
                title: cf.title.into(),
                summary: cf.summary.into(),
                user_sees: texts(cf.user_sees),
                resolution: texts(cf.resolution),
                references: texts(cf.references),
                yields_to: cf.yields_to.into_iter().map(|(y, _)| y.into()).collect(),
                not_a_failure: cf.not_a_failure,
                stops_every_signin: cf.stops_every_signin,
                file: file.clone().into(),
            });
            for rf in cf.rules {
                let rid = rf.id;
                let rline = rf.id_line;
                if !valid_id(&rid) {
                    errors.push(err(
                        rline,
                        format!("rule id `{rid}` must be lower-case words joined by `-`"),
                    ));
                }
                if rules.iter().any(|r| r.id == rid) || causes.iter().any(|c| c.id == rid) {
                    errors.push(err(rline, format!("rule id `{rid}` is not unique")));
                }
                let kind = rf.kind;
                if rf.clears && rf.corroborating {
                    errors.push(err(
                        rf.id_line,
                        "a rule that clears a cause cannot also corroborate it".into(),
                    ));
                }
                if rf.clears_at_most.is_some() && !rf.clears {
                    errors.push(err(
                        rf.id_line,
                        "`clears_at_most` needs `clears = true`".into(),
                    ));
                }
                let w = rf.weight;
                if !(w > 0.0 && w <= 1.0) {
                    errors.push(err(rf.weight_line, format!("weight {w} is outside (0, 1]")));
                }
                if rf.when.is_empty() {
                    errors.push(err(
                        rline,
                        "a rule needs at least one `when` condition".into(),
                    ));
                }
                let mut conds = Vec::new();
                for (c, l) in &rf.when {
                    match Cond::parse(c) {
                        Ok(cond) => {
                            if !fields::field_known(&kind, &cond.field) {
                                errors.push(err(
                                    *l,
                                    format!("kind `{kind}` has no field `{}`", cond.field),
                                ));
                            }
                            conds.push(cond);
                        }
                        Err(m) => errors.push(err(*l, m)),
                    }
                }
                if rf.examples.iter().all(|e| !e.should_match)
                    || rf.examples.iter().all(|e| e.should_match)
                {
                    errors.push(err(
                        rline,
                        format!("rule `{rid}` needs at least one example that must match and one that must not"),
                    ));
                }
                let examples: Vec<Example> = rf
                    .examples
                    .into_iter()
                    .map(|e| Example {
                        should_match: e.should_match,
                        line: e.line,
                        text: Cow::Owned(e.text),
                        note: e.note.map(Cow::Owned),
                    })
                    .collect();
                let mut eval_order: Vec<usize> = (0..conds.len()).collect();
                eval_order.sort_by_key(|&i| conds[i].cost());
                rules.push(Rule {
                    eval_order,
                    id: rid.into(),
                    cause: ci,
                    evidence: rf.evidence.into(),
                    kind: kind.into(),
                    weight: w,
                    conds,
                    corroborating: rf.corroborating,
                    clears: rf.clears,
                    clears_at_most: rf.clears_at_most,
                    examples: Cow::Owned(examples),
                    file: file.clone().into(),
                    line: rline,
                });
            }
        }
        for (_, y, file, line) in &yields {
            if !causes.iter().any(|c| c.id == *y) {
                errors.push(RuleError {
                    file: file.clone(),
                    line: *line,
                    message: format!("yields_to names `{y}`, which no rule file defines"),
                });
            }
        }
        for (ci, c) in causes.iter().enumerate() {
            if !rules.iter().any(|r| r.cause == ci) {
                errors.push(RuleError {
                    file: c.file.to_string(),
                    line: 1,
                    message: format!("cause `{}` has no rules", c.id),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(RuleSet::assemble(causes, rules, origin))
    }

    /// The rule set of checked causes and rules.
    fn assemble(causes: Vec<CauseDef>, rules: Vec<Rule>, origin: &str) -> RuleSet {
        let mut by_kind = KindIndex::default();
        for (i, r) in rules.iter().enumerate() {
            match by_kind.0.iter_mut().find(|(k, _)| *k == r.kind.as_ref()) {
                Some((_, v)) => v.push(i),
                None => by_kind.0.push((r.kind.to_string(), vec![i])),
            }
        }
        let event_ids = rules.iter().map(allowed_event_ids).collect();
        RuleSet {
            causes,
            rules,
            by_kind,
            event_ids,
            prefilter: std::sync::OnceLock::new(),
            origin: origin.to_string(),
        }
    }

    /// The event IDs rule `ri` can match, when its `event_id` conditions settle them.
    pub fn allowed_event_ids(&self, ri: usize) -> Option<&[u32]> {
        self.event_ids.get(ri)?.as_deref()
    }

    pub fn cause(&self, id: &str) -> Option<&CauseDef> {
        self.causes.iter().find(|c| c.id == id)
    }
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Could any `line` rule match a line with this text? False only when no rule without a
    /// literal exists and the text holds none of the literals.
    pub fn line_may_match(&self, text: &str) -> bool {
        match self.prefilter() {
            None => self.by_kind.contains_key("line"),
            Some(pf) => pf.always.contains_key("line") || pf.ac(text.len()).is_match(text),
        }
    }

    fn prefilter(&self) -> Option<&Prefilter> {
        self.prefilter
            .get_or_init(|| build_prefilter(&self.rules))
            .as_ref()
    }

    /// Every literal of the free-text prefilter (lower case), for comparisons with grep tools.
    pub fn literals(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .rules
            .iter()
            .filter(|r| r.kind == "line")
            .filter_map(|r| r.literals())
            .flatten()
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Does this kind have rules at all? Lets callers skip work.
    pub fn has_kind(&self, kind: &str) -> bool {
        self.by_kind.contains_key(kind)
    }

    /// Match one subject against the rules of its kind, recording hits.
    pub fn match_subject(&self, s: &dyn Subject, hits: &mut Hits) {
        let kind = s.kind();
        let Some(candidates) = self.by_kind.get(kind) else {
            return;
        };
        let mut fields = FieldCache::default();
        let mut text_cache = TextCache::default();
        // Free text: only rules whose literal occurs in the text are evaluated.
        if let Some(text) = prefilter_text(s)
            && let Some(pf) = self.prefilter()
        {
            let always = pf.always.get(kind);
            // One scan finds every literal: a separate "any match?" scan first read the text
            // twice for each line that has one, and the parsers only hand on such lines.
            let ac = pf.ac(text.len());
            let mut todo: Vec<usize> = always.cloned().unwrap_or_default();
            for m in ac.find_overlapping_iter(text.as_ref()) {
                for &r in &pf.pattern_rules[m.pattern().as_usize()] {
                    if self.rules[r].kind == kind && !todo.contains(&r) {
                        todo.push(r);
                    }
                }
            }
            for r in todo {
                self.eval_rule(r, s, hits, &mut fields, &mut text_cache);
            }
            return;
        }
        for &r in candidates {
            self.eval_rule(r, s, hits, &mut fields, &mut text_cache);
        }
    }

    fn eval_rule<'r, 's>(
        &'r self,
        ri: usize,
        s: &'s dyn Subject,
        hits: &mut Hits,
        fields: &mut FieldCache<'r, 's>,
        text: &mut TextCache<'s>,
    ) {
        if let (Some(id), Some(ids)) = (s.event_id(), &self.event_ids[ri])
            && !ids.contains(&id)
        {
            return;
        }
        let rule = &self.rules[ri];
        let mut anchor: Option<(FieldVal<'s>, bool)> = None;
        for c in rule.eval_order.iter().map(|&i| &rule.conds[i]) {
            let is_text = c.field == "text";
            let field_at = (!is_text).then(|| fields.get(s, &c.field));
            // An event's or a SIP message's text is built from its fields: once per subject,
            // not once per rule that reads it.
            let verdict = match field_at {
                Some(i) => c.eval(&fields.fields[i].1),
                None => {
                    let lines = text.lines.get_or_insert_with(|| {
                        let mut v = Vec::new();
                        s.text_lines(&mut v);
                        v
                    });
                    if lines.len() >= cond::Joined::MIN_VALUES {
                        let joined = text.joined.get_or_insert_with(|| cond::Joined::new(lines));
                        c.eval_joined(lines, joined)
                    } else {
                        c.eval(lines)
                    }
                }
            };
            let vals: &[FieldVal<'s>] = match field_at {
                None => text.lines.as_deref().unwrap_or(&[]),
                Some(i) => &fields.fields[i].1,
            };
            match verdict {
                None => return,
                Some(Some(i)) => {
                    let v = vals[i].clone();
                    let better = match &anchor {
                        None => true,
                        Some((a, a_text)) => {
                            (is_text && !a_text)
                                || (a.line.is_none() && v.line.is_some() && !a_text)
                        }
                    };
                    if better {
                        anchor = Some((v, is_text));
                    }
                }
                Some(None) => {}
            }
        }
        let max_accounts = if self.rules[ri].clears {
            MAX_CLEARING_ACCOUNTS
        } else {
            MAX_ACCOUNTS
        };
        hits.record(ri, s, anchor.map(|(v, _)| v), max_accounts);
    }
}

/// Rule indices by kind.
#[derive(Clone, Debug, Default)]
struct KindIndex(Vec<(String, Vec<usize>)>);

impl KindIndex {
    fn get(&self, kind: &str) -> Option<&Vec<usize>> {
        self.0.iter().find(|(k, _)| k == kind).map(|(_, v)| v)
    }
    fn contains_key(&self, kind: &str) -> bool {
        self.get(kind).is_some()
    }
}

/// A subject's field values, read once for all the rules that test the field (the SIP rules all
/// start from the message's diagnostics codes, which means a walk over its headers).
#[derive(Default)]
struct FieldCache<'r, 's> {
    fields: Vec<(&'r str, Vec<FieldVal<'s>>)>,
}

impl<'r, 's> FieldCache<'r, 's> {
    fn get(&mut self, s: &'s dyn Subject, field: &'r str) -> usize {
        match self.fields.iter().position(|(f, _)| *f == field) {
            Some(i) => i,
            None => {
                let mut v = Vec::new();
                s.field_values(field, &mut v);
                self.fields.push((field, v));
                self.fields.len() - 1
            }
        }
    }
}

/// A subject's text lines, built once for all the rules that read them.
#[derive(Default)]
struct TextCache<'s> {
    lines: Option<Vec<FieldVal<'s>>>,
    joined: Option<cond::Joined>,
}

/// The text a prefilter scans for a subject of a free-text kind.
fn prefilter_text<'a>(s: &'a dyn Subject) -> Option<std::borrow::Cow<'a, str>> {
    if s.kind() != "line" {
        return None;
    }
    let mut v = Vec::new();
    s.text_lines(&mut v);
    match v.len() {
        1 => v.pop().map(|f| f.value),
        _ => None,
    }
}

/// Literals a rule requires in its `text`, from its `contains` or regex conditions on `text`:
/// of several such conditions, the one whose shortest literal is longest (the most selective).
fn text_literals(conds: &[Cond]) -> Option<Vec<String>> {
    conds
        .iter()
        .filter(|c| c.field == "text")
        .filter_map(|c| c.required_literals())
        .max_by_key(|l| l.iter().map(|s| s.len()).min().unwrap_or(0))
}

/// The first [`PATTERN_PREFIX`] bytes of a literal (at a character boundary).
fn prefix(l: &str) -> String {
    let mut end = l.len().min(PATTERN_PREFIX);
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    l[..end].to_string()
}

fn build_prefilter(rules: &[Rule]) -> Option<Prefilter> {
    let mut patterns: Vec<String> = Vec::new();
    let mut pattern_rules: Vec<Vec<usize>> = Vec::new();
    let mut always: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rules.iter().enumerate() {
        if r.kind != "line" {
            continue;
        }
        match r.literals() {
            Some(lits) => {
                for l in lits {
                    let l = prefix(&l);
                    match patterns.iter().position(|p| *p == l) {
                        Some(p) => pattern_rules[p].push(i),
                        None => {
                            patterns.push(l.clone());
                            pattern_rules.push(vec![i]);
                        }
                    }
                }
            }
            None => always.entry(r.kind.to_string()).or_default().push(i),
        }
    }
    // Lines the facts stage reads even when no rule names them: Online host names, the
    // client's SRV answers, and the deletion of cached sign-in data.
    for l in crate::facts::LINE_INTEREST {
        let l = prefix(l);
        if !patterns.contains(&l) {
            patterns.push(l.to_string());
            pattern_rules.push(Vec::new());
        }
    }
    if patterns.is_empty() {
        return None;
    }
    let nfa = automaton(&patterns, aho_corasick::AhoCorasickKind::ContiguousNFA)?;
    Some(Prefilter {
        nfa,
        dfa: std::sync::OnceLock::new(),
        patterns,
        pattern_rules,
        always,
    })
}

/// Bytes of text a thread scans with the NFA before the DFA is built. The DFA costs a few
/// hundred microseconds to build and saves about a millisecond per MB scanned.
const DFA_AFTER: u64 = 256 << 10;

/// Prefilter literals are cut to this many bytes: a prefix of a required literal is required
/// too, and short patterns make an automaton several times cheaper to build.
const PATTERN_PREFIX: usize = 10;

fn automaton(patterns: &[String], kind: aho_corasick::AhoCorasickKind) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .kind(Some(kind))
        .match_kind(MatchKind::Standard)
        .build(patterns)
        .ok()
}

impl Prefilter {
    /// The automaton to scan `len` more bytes with.
    fn ac(&self, len: usize) -> &AhoCorasick {
        thread_local! {
            static SCANNED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
        }
        if let Some(Some(dfa)) = self.dfa.get() {
            return dfa;
        }
        let total = SCANNED.with(|c| {
            let t = c.get() + len as u64;
            c.set(t);
            t
        });
        if total < DFA_AFTER {
            return &self.nfa;
        }
        self.dfa
            .get_or_init(|| automaton(&self.patterns, aho_corasick::AhoCorasickKind::DFA))
            .as_ref()
            .unwrap_or(&self.nfa)
    }
}

/// One piece of evidence: the line that matched a rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    pub rule: String,
    pub source: String,
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    pub timestamp: Option<Ts>,
    pub text: String,
}

/// How many hits of one rule are kept as evidence lines.
const SAMPLES_PER_RULE: usize = 5;
/// A new session starts after this long without a hit, or in another file. The client retries a
/// failed sign-in on its own for a while, so failures half an hour apart can still be the one
/// session in which nobody restarted the client or deleted its cached sign-in data.
pub const SESSION_GAP_SECS: i64 = 60 * 60;

/// What one rule matched in a case.
#[derive(Clone, Debug, Default)]
pub struct RuleHits {
    pub count: u64,
    pub samples: Vec<Evidence>,
    pub first_ts: Option<Ts>,
    pub last_ts: Option<Ts>,
    /// Hits with no timestamp (nslookup output, registry exports).
    pub untimed: u64,
    /// (file, last time, epoch) of each cluster of hits: sessions in which the signature appeared.
    pub sessions: Vec<(Arc<str>, Option<Ts>, u32)>,
    /// The accounts the matching logon events were about (distinct, capped, as [`account_key`]
    /// writes them): one user's sign-in fails for one account.
    pub accounts: Vec<String>,
    /// The latest matching event of each of `accounts`, index for index.
    pub account_last: Vec<Option<Ts>>,
    /// How many matching events each of `accounts` had, index for index.
    pub account_count: Vec<u32>,
    /// Where each of `accounts` is: a clearing rule on a domain controller's log keeps thousands.
    account_index: HashMap<String, usize>,
}

impl RuleHits {
    /// The latest time of a matching event about `account`, when it is one of `accounts`.
    pub fn account_last_seen(&self, account: &str) -> Option<Option<Ts>> {
        self.account_index
            .get(account)
            .map(|&i| self.account_last[i])
    }

    /// Count one matching event about `account` at `ts`, keeping at most `max` accounts.
    fn add_account(&mut self, account: String, ts: Option<Ts>, n: u32, max: usize) {
        match self.account_index.get(&account) {
            Some(&i) => {
                self.account_last[i] = later(self.account_last[i], ts);
                self.account_count[i] += n;
            }
            None if self.accounts.len() < max => {
                self.account_index
                    .insert(account.clone(), self.accounts.len());
                self.accounts.push(account);
                self.account_last.push(ts);
                self.account_count.push(n);
            }
            None => {}
        }
    }
}

/// An account as one user: lower case, without the domain (`CONTOSO\jdoe`) or realm
/// (`jdoe@CONTOSO.COM`) a logon audit may write it with.
pub fn account_key(a: &str) -> String {
    let a = a.trim();
    let a = a.rsplit_once('\\').map_or(a, |(_, u)| u);
    let a = a.split_once('@').map_or(a, |(u, _)| u);
    a.to_ascii_lowercase()
}

/// The later of two times, by wall clock; either when the other is unknown.
pub(crate) fn later(a: Option<Ts>, b: Option<Ts>) -> Option<Ts> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.naive() > x.naive() { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// Distinct accounts kept per rule: enough to tell one user from a domain's background.
const MAX_ACCOUNTS: usize = 32;
/// Distinct accounts kept for a clearing rule: a domain controller's successes are everyone's,
/// and the one that clears is the user's, wherever it falls among them.
const MAX_CLEARING_ACCOUNTS: usize = 4096;

/// Hits per rule for one case.
#[derive(Clone, Debug)]
pub struct Hits {
    pub per_rule: Vec<RuleHits>,
    /// Bumped when the log shows the cached sign-in data being deleted: what comes after is
    /// another session even within minutes.
    pub epoch: u32,
}

impl Hits {
    pub fn new(rules: &RuleSet) -> Hits {
        Hits {
            per_rule: vec![RuleHits::default(); rules.rules.len()],
            epoch: 0,
        }
    }

    fn record(
        &mut self,
        ri: usize,
        s: &dyn Subject,
        anchor: Option<FieldVal<'_>>,
        max_accounts: usize,
    ) {
        let h = &mut self.per_rule[ri];
        h.count += 1;
        let ts = s.ts();
        match ts {
            Some(t) => {
                h.first_ts = Some(h.first_ts.map_or(t, |f| f.min(t)));
                h.last_ts = Some(h.last_ts.map_or(t, |l| l.max(t)));
            }
            None => h.untimed += 1,
        }
        if s.kind() == "event" {
            let mut acc = Vec::new();
            s.field_values("account", &mut acc);
            if let Some(a) = acc.first().map(|a| account_key(&a.value))
                && !a.is_empty()
            {
                h.add_account(a, ts, 1, max_accounts);
            }
        }
        let src = s.source();
        let epoch = self.epoch;
        let h = &mut self.per_rule[ri];
        let same_session = h.sessions.last().is_some_and(|(p, last, e)| {
            **p == *src.path
                && *e == epoch
                && match (last, ts) {
                    (Some(a), Some(b)) => {
                        (b.naive() - a.naive()).num_seconds().abs() <= SESSION_GAP_SECS
                    }
                    _ => true,
                }
        });
        if same_session {
            if let Some(last) = h.sessions.last_mut() {
                last.1 = ts.or(last.1);
            }
        } else if h.sessions.len() < 64 {
            h.sessions.push((src.path.clone(), ts, epoch));
        }
        if h.samples.len() < SAMPLES_PER_RULE {
            let (line, text) = match anchor {
                // Show the whole source line the deciding value stands on (the header line, not
                // just the code in it).
                Some(a) if a.line.is_some() => {
                    let mut lines = Vec::new();
                    s.text_lines(&mut lines);
                    let full = lines
                        .into_iter()
                        .find(|l| l.line == a.line && l.value.contains(a.value.as_ref()))
                        .map(|l| l.value.into_owned());
                    (a.line, full.unwrap_or_else(|| a.value.into_owned()))
                }
                // An event from EVTX or XML has no line numbers: show the value that decided
                // beside the event's headline, or the evidence would hide the code that matched.
                Some(a) if s.kind() == "event" => {
                    let head = s.headline();
                    let text = if head.contains(a.value.as_ref()) {
                        head
                    } else {
                        let v: Vec<&str> = a.value.split_whitespace().collect();
                        format!("{head} [{}]", v.join(" "))
                    };
                    (src.line, text)
                }
                // A SIP message read out of an event has no lines of its own either: its start
                // line and the header that decided, as the event wrote them.
                Some(a) if s.kind() == "sip" => {
                    let mut lines = Vec::new();
                    s.text_lines(&mut lines);
                    let start = lines
                        .first()
                        .map(|l| l.value.to_string())
                        .unwrap_or_default();
                    let deciding = lines
                        .iter()
                        .skip(1)
                        .find(|l| l.value.contains(a.value.as_ref()))
                        .map(|l| l.value.to_string());
                    let text = match deciding {
                        Some(d) if !start.contains(&d) => format!("{start} | {d}"),
                        _ => s.headline(),
                    };
                    (src.line, text)
                }
                _ => (src.line, s.headline()),
            };
            let ev = Evidence {
                rule: String::new(),
                source: src.path.to_string(),
                line,
                record: src.record,
                timestamp: ts,
                text: truncate(&text, 400),
            };
            if !h
                .samples
                .iter()
                .any(|e| e.source == ev.source && e.line == ev.line && e.text == ev.text)
            {
                h.samples.push(ev);
            }
        }
    }

    /// Fold another file's hits into these (files of one case analysed apart).
    pub fn merge(&mut self, other: Hits) {
        for (a, b) in self.per_rule.iter_mut().zip(other.per_rule) {
            a.count += b.count;
            a.untimed += b.untimed;
            a.first_ts = match (a.first_ts, b.first_ts) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
            a.last_ts = match (a.last_ts, b.last_ts) {
                (Some(x), Some(y)) => Some(x.max(y)),
                (x, y) => x.or(y),
            };
            for s in b.samples {
                if a.samples.len() < SAMPLES_PER_RULE {
                    a.samples.push(s);
                }
            }
            for s in b.sessions {
                if a.sessions.len() < 64 && !a.sessions.contains(&s) {
                    a.sessions.push(s);
                }
            }
            let cap = a.accounts.len().max(b.accounts.len()).max(MAX_ACCOUNTS);
            for ((x, t), n) in b
                .accounts
                .into_iter()
                .zip(b.account_last)
                .zip(b.account_count)
            {
                a.add_account(x, t, n, cap);
            }
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    format!("{}…", &s[..i])
}

/// Source of a fact that stands for the case as a whole.
pub fn case_source(name: &str) -> SourceLoc {
    SourceLoc {
        path: Arc::from(name),
        line: None,
        record: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build script's rule set is the one the engine builds, with every check, from the
    /// rule files: same causes, rules, conditions, examples and evaluation order.
    #[test]
    fn embedded_rules_are_the_rule_files() {
        let embedded = RuleSet::embedded().expect("embedded rules");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let read = RuleSet::from_dir(&dir).expect("the rule files pass every check");
        assert_eq!(embedded.causes.len(), read.causes.len());
        assert_eq!(embedded.rules.len(), read.rules.len());
        let rel = |f: &str| f.rsplit('/').next().unwrap_or(f).to_string();
        for (a, b) in embedded.causes.iter().zip(&read.causes) {
            let b = CauseDef {
                file: format!("rules/{}", rel(&b.file)).into(),
                ..b.clone()
            };
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        for (a, b) in embedded.rules.iter().zip(&read.rules) {
            let b = Rule {
                file: format!("rules/{}", rel(&b.file)).into(),
                ..b.clone()
            };
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        assert_eq!(embedded.literals(), read.literals());
    }

    #[test]
    fn every_free_text_rule_has_a_selective_literal() {
        let rules = RuleSet::embedded().expect("rules load");
        for r in rules.rules.iter().filter(|r| r.kind == "line") {
            let lits = r
                .literals()
                .unwrap_or_else(|| panic!("rule {} has no literal for the prefilter", r.id));
            assert!(
                lits.iter().all(|l| l.len() >= 4),
                "rule {} has a short literal: {lits:?}",
                r.id
            );
        }
    }
}
