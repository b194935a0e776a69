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

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Text searched with the lightweight engine before switching to the fast one. Compiling the
/// fast engine costs about what the lite one spends reading this much.
pub const HOT_AFTER_BYTES: u32 = 2 * 1024;
/// Up to this many literals, the gate is a few substring searches; beyond, one automaton.
const GATE_SEARCHES: usize = 4;
/// Compiled program size cap, so a hostile `--rules` pattern cannot take the memory.
const SIZE_LIMIT: usize = 1 << 22;

pub struct RuleRegex {
    pattern: String,
    /// A pattern that is only literal words joined by `|` (`security-auditing`,
    /// `kerberos|kdc`) is a substring search, lower case: no regex is built for it.
    plain: Option<Vec<String>>,
    /// Literals one of which any match contains (lower case): a value without any is settled
    /// without running the regex.
    literals: OnceLock<Option<Vec<String>>>,
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
        RuleRegex {
            pattern: pattern.to_string(),
            plain: plain_words(pattern),
            literals: OnceLock::new(),
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
    pub fn plain_words(&self) -> Option<&[String]> {
        self.plain.as_deref()
    }

    /// The literals of [`RuleRegex::literals`], for the line prefilter.
    pub fn literals(&self) -> Option<&[String]> {
        self.literals
            .get_or_init(|| {
                self.pattern
                    .is_ascii()
                    .then(|| super::cond::regex_literals(&self.pattern))
                    .flatten()
            })
            .as_deref()
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
                .build(lits)
                .ok()
        });
        gate.as_ref().is_none_or(|g| g.is_match(hay))
    }

    /// Does the pattern match somewhere in `hay`? `None` when it does not compile.
    pub fn is_match(&self, hay: &str) -> Option<bool> {
        if let Some(words) = &self.plain {
            return Some(words.iter().any(|w| super::cond::contains_ci(hay, w)));
        }
        if !self.gate_passes(hay) {
            // Still say when the pattern cannot compile, as the regex itself would.
            return self
                .lite()
                .map(|_| false)
                .or_else(|| self.fast().map(|_| false));
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

/// `a|b|c` where every alternative is non-empty ASCII without regex syntax.
fn plain_words(pattern: &str) -> Option<Vec<String>> {
    const META: &[u8] = b"\\.+*?()[]{}^$";
    let plain = pattern
        .split('|')
        .all(|w| !w.is_empty() && w.is_ascii() && !w.bytes().any(|b| META.contains(&b)));
    plain.then(|| pattern.split('|').map(|w| w.to_ascii_lowercase()).collect())
}

impl Clone for RuleRegex {
    fn clone(&self) -> RuleRegex {
        RuleRegex::new(&self.pattern)
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
