//! Rule regexes, compiled in two steps.
//!
//! A full regex engine spends a couple of hundred microseconds compiling each rule pattern —
//! more than the whole analysis of a small event log. Most patterns in a case run a handful of
//! times, so a pattern is first compiled with `regex-lite` (a few microseconds, slower search);
//! once it has searched [`HOT_AFTER_BYTES`] of text it is compiled again with `regex-automata`
//! (lazy DFA) for the long logs where it runs on every candidate line. The switch goes by bytes,
//! not calls: the lite engine's cost grows with the text it reads, and an event's short fields
//! would otherwise pay the full compile after a few dozen calls.
//!
//! Both steps give the same answers for ASCII patterns: case-insensitive, with ASCII `\w`, `\s`,
//! `\d` and `\b`. A pattern with non-ASCII characters (a rule for a localized message) uses the
//! `regex` crate with Unicode case folding from the start, since `regex-lite` cannot fold them.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use super::cond::{Finders, Strs};
use super::dfa::Table;

/// Text searched with the lightweight engine before switching to the fast one. Compiling the
/// fast engine costs about what the lite one spends reading this much.
pub const HOT_AFTER_BYTES: u32 = 2 * 1024;
/// Up to this many literals, the gate is a few substring searches; beyond, one automaton.
const GATE_SEARCHES: usize = 4;
/// Compiled program size cap, so a hostile `--rules` pattern cannot take the memory.
const SIZE_LIMIT: usize = 1 << 22;

/// A rule regex read by the build script: the pattern with what [`RuleRegex::new`] would
/// derive from it, and its DFA when one was built.
#[derive(Debug)]
pub struct PreRegex {
    pub pattern: &'static str,
    pub plain: Option<&'static [&'static str]>,
    pub literals: Option<&'static [&'static str]>,
    pub dfa: Option<&'static Table>,
}

pub struct RuleRegex {
    pattern: Cow<'static, str>,
    /// A pattern that is only literal words joined by `|` (`security-auditing`,
    /// `kerberos|kdc`) is a substring search, lower case: no regex is built for it.
    plain: Option<Strs>,
    /// Literals one of which any match contains (lower case): a value without any is settled
    /// without running the regex.
    literals: OnceLock<Option<Strs>>,
    /// Searchers for `plain` and `literals` in a joined text.
    plain_finders: Finders,
    literal_finders: Finders,
    /// The DFA the build script made of the pattern: no engine to compile, and the cheapest
    /// search. Its answers are the other engines' (see `src/engine/dfa.rs`).
    dfa: Option<&'static Table>,
    /// One automaton over the literals, so a value is scanned once, not once per literal;
    /// built only when there are more than [`GATE_SEARCHES`] of them.
    gate: OnceLock<Option<aho_corasick::AhoCorasick>>,
    lite: OnceLock<Option<regex_lite::Regex>>,
    fast: OnceLock<Option<Fast>>,
    /// Bytes searched by the lite engine so far.
    scanned: AtomicU32,
}

enum Fast {
    Ascii(regex_automata::meta::Regex),
    Unicode(regex::Regex),
}

impl RuleRegex {
    pub fn new(pattern: &str) -> RuleRegex {
        // Rules from a directory reuse the build script's DFA for a pattern the embedded
        // rules have too.
        let dfa = super::embedded_dfa(pattern);
        RuleRegex {
            pattern: Cow::Owned(pattern.to_string()),
            plain: super::cond_syntax::plain_words(pattern).map(Strs::Owned),
            literals: OnceLock::new(),
            plain_finders: Finders::default(),
            literal_finders: Finders::default(),
            dfa,
            gate: OnceLock::new(),
            lite: OnceLock::new(),
            fast: OnceLock::new(),
            scanned: AtomicU32::new(0),
        }
    }

    /// The regex the build script read (see [`PreRegex`]).
    pub fn from_pre(pre: &'static PreRegex) -> RuleRegex {
        RuleRegex {
            pattern: Cow::Borrowed(pre.pattern),
            plain: pre.plain.map(Strs::Static),
            literals: OnceLock::from(pre.literals.map(Strs::Static)),
            plain_finders: Finders::default(),
            literal_finders: Finders::default(),
            dfa: pre.dfa,
            gate: OnceLock::new(),
            lite: OnceLock::new(),
            fast: OnceLock::new(),
            scanned: AtomicU32::new(0),
        }
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The words of a pattern that is only literal words joined by `|` (lower case): it matches
    /// exactly the text that contains one of them.
    pub fn plain_words(&self) -> Option<&Strs> {
        self.plain.as_ref()
    }

    /// Searchers for [`RuleRegex::plain_words`].
    pub fn plain_finders(&self) -> Option<&[memchr::memmem::Finder<'static>]> {
        self.plain.as_ref().map(|w| self.plain_finders.get(w))
    }

    /// Searchers for [`RuleRegex::literals`].
    pub fn literal_finders(&self) -> Option<&[memchr::memmem::Finder<'static>]> {
        self.literals().map(|l| self.literal_finders.get(l))
    }

    /// The literals of [`RuleRegex::literals`], for the line prefilter.
    pub fn literals(&self) -> Option<&Strs> {
        self.literals
            .get_or_init(|| {
                self.pattern
                    .is_ascii()
                    .then(|| super::cond::regex_literals(&self.pattern))
                    .flatten()
                    .map(Strs::Owned)
            })
            .as_ref()
    }

    /// Could `hay` hold a match, judging by the literals? True when there are none.
    fn gate_passes(&self, hay: &str) -> bool {
        let Some(lits) = self.literals() else {
            return true;
        };
        if lits.len() <= GATE_SEARCHES {
            return lits.iter().any(|l| super::cond::contains_ci(hay, l));
        }
        let gate = self.gate.get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(lits.iter())
                .ok()
        });
        gate.as_ref().is_none_or(|g| g.is_match(hay))
    }

    /// [`RuleRegex::is_match`] for a `hay` known to hold one of the literals: the gate would
    /// only find it again.
    pub fn is_match_holding_literal(&self, hay: &str) -> Option<bool> {
        match self.dfa {
            Some(t) if self.plain.is_none() => Some(t.is_match(hay.as_bytes())),
            _ => self.is_match(hay),
        }
    }

    /// Does the pattern match somewhere in `hay`? `None` when it does not compile.
    pub fn is_match(&self, hay: &str) -> Option<bool> {
        if let Some(words) = &self.plain {
            return Some(words.iter().any(|w| super::cond::contains_ci(hay, w)));
        }
        if !self.gate_passes(hay) {
            if self.dfa.is_some() {
                return Some(false);
            }
            // Still say when the pattern cannot compile, as the regex itself would.
            return self
                .lite()
                .map(|_| false)
                .or_else(|| self.fast().map(|_| false));
        }
        if let Some(t) = self.dfa {
            return Some(t.is_match(hay.as_bytes()));
        }
        if self.pattern.is_ascii() && self.scanned.load(Ordering::Relaxed) < HOT_AFTER_BYTES {
            let n = u32::try_from(hay.len()).unwrap_or(u32::MAX);
            self.scanned
                .fetch_add(n.min(HOT_AFTER_BYTES), Ordering::Relaxed);
            if let Some(re) = self.lite() {
                return Some(re.is_match(hay));
            }
        }
        Some(match self.fast()? {
            Fast::Ascii(re) => re.is_match(hay.as_bytes()),
            Fast::Unicode(re) => re.is_match(hay),
        })
    }

    fn lite(&self) -> Option<&regex_lite::Regex> {
        self.lite
            .get_or_init(|| {
                regex_lite::RegexBuilder::new(&self.pattern)
                    .case_insensitive(true)
                    .size_limit(SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    fn fast(&self) -> Option<&Fast> {
        self.fast
            .get_or_init(|| {
                if self.pattern.is_ascii() {
                    let syntax = regex_automata::util::syntax::Config::new()
                        .case_insensitive(true)
                        .unicode(false)
                        .utf8(false);
                    let config = regex_automata::meta::Config::new()
                        .nfa_size_limit(Some(SIZE_LIMIT))
                        .onepass(false)
                        .backtrack(false)
                        .auto_prefilter(false);
                    regex_automata::meta::Builder::new()
                        .syntax(syntax)
                        .configure(config)
                        .build(&self.pattern)
                        .ok()
                        .map(Fast::Ascii)
                } else {
                    regex::RegexBuilder::new(&self.pattern)
                        .case_insensitive(true)
                        .size_limit(SIZE_LIMIT)
                        .build()
                        .ok()
                        .map(Fast::Unicode)
                }
            })
            .as_ref()
    }

    /// Compile now, for rules loaded from a directory: the error, if any, as the engine that
    /// would run the pattern reports it.
    pub fn check(&self) -> Result<(), String> {
        if self.pattern.is_ascii() {
            let syntax = regex_automata::util::syntax::Config::new()
                .case_insensitive(true)
                .unicode(false)
                .utf8(false);
            regex_automata::util::syntax::parse_with(&self.pattern, &syntax)
                .map(|_| ())
                .map_err(|e| e.to_string())
        } else {
            regex::RegexBuilder::new(&self.pattern)
                .case_insensitive(true)
                .size_limit(SIZE_LIMIT)
                .build()
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }
}

impl Clone for RuleRegex {
    fn clone(&self) -> RuleRegex {
        RuleRegex {
            pattern: self.pattern.clone(),
            plain: self.plain.clone(),
            literals: self.literals.clone(),
            plain_finders: Finders::default(),
            literal_finders: Finders::default(),
            dfa: self.dfa,
            gate: OnceLock::new(),
            lite: OnceLock::new(),
            fast: OnceLock::new(),
            scanned: AtomicU32::new(0),
        }
    }
}

impl fmt::Debug for RuleRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RuleRegex").field(&self.pattern).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both engines answer alike on the same inputs, before and after the switch.
    #[test]
    fn both_steps_agree() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            (
                r"ms-diagnostics:\s*1013",
                &[
                    ("MS-Diagnostics:  1013;reason", true),
                    ("ms-diagnostics: 1012", false),
                ],
            ),
            (
                r"\b(0x)?(80090325|800b0109)\b|SEC_E_UNTRUSTED_ROOT",
                &[
                    ("hr=0x800B0109 x", true),
                    ("sec_e_untrusted_root", true),
                    ("x800b01099", false),
                ],
            ),
            (
                r"can't find .*: Non-existent domain",
                &[
                    ("*** dns can't find sipdir.x.com: Non-existent domain", true),
                    ("can't find", false),
                ],
            ),
            (
                r"fail.{0,5}here",
                &[("FAIL…here", true), ("fail123456here", false)],
            ),
        ];
        for (pat, inputs) in cases {
            let re = RuleRegex::new(pat);
            // Each round feeds the lite engine at least one byte.
            for round in 0..(HOT_AFTER_BYTES as usize + 2) {
                for (hay, want) in *inputs {
                    assert_eq!(
                        re.is_match(hay),
                        Some(*want),
                        "{pat} on {hay:?}, round {round}"
                    );
                }
            }
            assert!(re.fast.get().is_some(), "{pat} switched to the fast engine");
        }
    }

    /// Text lines to try patterns on: every file under `dir` that reads as UTF-8, and the
    /// rendering of every EVTX record there, line by line.
    fn corpus_lines(dir: &std::path::Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for p in rd.filter_map(|e| e.ok()).map(|e| e.path()) {
            if p.is_dir() {
                corpus_lines(&p, out);
            } else if p.extension().is_some_and(|e| e == "evtx") {
                if let Ok(parser) = evtx::EvtxParser::from_path(&p) {
                    let mut parser = parser.with_configuration(
                        evtx::ParserSettings::new()
                            .num_threads(1)
                            .validate_checksums(false),
                    );
                    for r in parser.records().filter_map(|r| r.ok()) {
                        out.extend(r.data.lines().map(str::to_string));
                    }
                }
            } else if let Ok(t) = std::fs::read_to_string(&p) {
                out.extend(t.lines().map(str::to_string));
            }
        }
    }

    /// The build script's DFAs answer as both run-time engines do, for every embedded pattern
    /// that has one, on the fixtures, the real samples, the rules' own examples, and variants of
    /// each line (case changed, cut short, non-ASCII text around the words).
    #[test]
    fn build_time_dfas_agree_with_the_engines() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut lines = Vec::new();
        corpus_lines(&root.join("fixtures"), &mut lines);
        corpus_lines(&root.join("../shared/samples/real"), &mut lines);
        let rules = crate::engine::RuleSet::embedded().expect("rules");
        for r in &rules.rules {
            for e in r.examples.iter() {
                lines.extend(e.text.lines().map(str::to_string));
            }
        }
        // Long lines add time, not cases.
        for l in &mut lines {
            let mut end = l.len().min(300);
            while !l.is_char_boundary(end) {
                end -= 1;
            }
            l.truncate(end);
        }
        lines.sort();
        lines.dedup();
        assert!(lines.len() > 5000, "corpus lines: {}", lines.len());
        let mut pres: Vec<&PreRegex> = crate::engine::embedded::CONDS
            .iter()
            .filter_map(|c| c.regex.as_ref())
            .filter(|r| r.dfa.is_some())
            .collect();
        pres.dedup_by_key(|r| r.pattern);
        assert!(pres.len() > 20, "patterns with a DFA: {}", pres.len());
        let mut matched = 0;
        for pre in pres {
            let re = RuleRegex::from_pre(pre);
            let (Some(dfa), Some(lite), Some(Fast::Ascii(fast))) = (re.dfa, re.lite(), re.fast())
            else {
                panic!("{} compiles with every engine", pre.pattern);
            };
            let mut hays: Vec<String> = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                hays.push(l.clone());
                if i % 3 != 0 {
                    continue;
                }
                hays.push(l.to_uppercase());
                hays.push(format!("é{}ü", l.replace(' ', "\u{a0}")));
                let half: String = l.chars().take(l.chars().count() / 2).collect();
                hays.push(half.replace(|c: char| !c.is_ascii(), ""));
            }
            for l in pre
                .literals
                .into_iter()
                .flatten()
                .chain(pre.plain.into_iter().flatten())
            {
                hays.push(format!("x{l}"));
                hays.push(format!("{l}y é"));
                hays.push(format!("ü{}", l.to_uppercase()));
            }
            for h in &hays {
                let want = fast.is_match(h.as_bytes());
                assert_eq!(lite.is_match(h), want, "lite: {} on {h:?}", pre.pattern);
                assert_eq!(
                    dfa.is_match(h.as_bytes()),
                    want,
                    "dfa: {} on {h:?}",
                    pre.pattern
                );
                matched += usize::from(want);
            }
        }
        assert!(matched > 1000, "lines some pattern matches: {matched}");
    }

    #[test]
    fn literal_alternations_are_substring_searches() {
        let re = RuleRegex::new("security-auditing|Kerberos");
        assert!(re.plain.is_some());
        assert_eq!(
            re.is_match("Microsoft-Windows-Security-Auditing"),
            Some(true)
        );
        assert_eq!(re.is_match("KERBEROS-Key-Distribution-Center"), Some(true));
        assert_eq!(re.is_match("Schannel"), Some(false));
        for p in ["a.b", r"\bx", "x|", "(a|b)", "a+"] {
            assert!(RuleRegex::new(p).plain.is_none(), "{p}");
        }
    }

    #[test]
    fn non_ascii_patterns_fold_unicode_case() {
        let re = RuleRegex::new("échec de l'authentification");
        assert_eq!(re.is_match("ÉCHEC DE L'AUTHENTIFICATION"), Some(true));
        assert!(RuleRegex::new("(unclosed").check().is_err());
        assert!(RuleRegex::new("(unclosed").is_match("x").is_none());
    }
}
