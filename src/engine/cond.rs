//! The condition language of rule files: `field op value`, one condition per string.
//!
//! ```text
//! method = REGISTER                 equal (case-insensitive) to any value of the field
//! status in [401, 403]              any value is one of the list
//! final_diag not in [1013, 17002]   no value is one of the list (true when the field is absent)
//! text ~ "time skew"                any value matches the regex (case-insensitive)
//! text !~ "gssapi-data"             no value matches
//! text contains ["0x80048821", "80048821"]   any value contains one of the literals
//! credentialed >= 1                 numeric comparison (>=, <=, >, <, !=)
//! header:User-Agent exists          the field has a value; `absent` is the opposite
//! is_response                       the field is "true"
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use memchr::memmem::Finder;

use super::regex_tier::{PreRegex, RuleRegex};
use crate::model::FieldVal;

pub use super::cond_syntax::Op;

/// A list of strings that is either part of the binary (the embedded rules, read at build
/// time) or read at run time (`--rules DIR`), so the embedded rules cost no allocation.
#[derive(Clone)]
pub enum Strs {
    Static(&'static [&'static str]),
    Owned(Vec<String>),
}

impl Strs {
    pub fn len(&self) -> usize {
        match self {
            Strs::Static(s) => s.len(),
            Strs::Owned(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, i: usize) -> Option<&str> {
        match self {
            Strs::Static(s) => s.get(i).copied(),
            Strs::Owned(v) => v.get(i).map(String::as_str),
        }
    }
    pub fn first(&self) -> Option<&str> {
        self.get(0)
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

/// A substring searcher for each of some words, built the first time they are searched for:
/// a searcher costs more to build than one search of an event's text.
#[derive(Clone, Debug, Default)]
pub struct Finders(OnceLock<Box<[Finder<'static>]>>);

impl Finders {
    pub fn get(&self, words: &Strs) -> &[Finder<'static>] {
        self.0.get_or_init(|| {
            words
                .iter()
                .map(|w| Finder::new(w.as_bytes()).into_owned())
                .collect()
        })
    }
}

impl fmt::Debug for Strs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A condition read by the build script: what [`Cond::parse_checked`] makes of `src`, as
/// static data.
#[derive(Debug)]
pub struct PreCond {
    pub src: &'static str,
    pub field: &'static str,
    pub op: Op,
    pub values: &'static [&'static str],
    pub lower: &'static [&'static str],
    pub num: Option<f64>,
    pub regex: Option<PreRegex>,
}

#[derive(Clone, Debug)]
pub struct Cond {
    pub field: Cow<'static, str>,
    pub op: Op,
    pub values: Strs,
    /// Lower-cased values, for case-insensitive comparison.
    lower: Strs,
    /// Searchers for `lower` in a [`Joined`] text.
    lower_finders: Finders,
    /// The regex of a `~`/`!~` condition, compiled on first use, so a short analysis does not
    /// pay for rules it never reaches.
    regex: Option<RuleRegex>,
    num: Option<f64>,
}

impl Cond {
    /// Parse one condition. The error says what is wrong in words.
    pub fn parse(src: &str) -> Result<Cond, String> {
        Cond::parse_checked(src, true)
    }

    /// Parse a condition; with `check_regex` a regex is checked now, otherwise only when it is
    /// first compiled (rules that were checked when the binary was built).
    pub fn parse_checked(src: &str, check_regex: bool) -> Result<Cond, String> {
        let (field, op, values) = match super::cond_syntax::parse(src) {
            Some(c) => c,
            None => {
                return Err(format!(
                    "cannot read condition `{src}`: expected `field OP value` with OP one of = != in, not in, ~, !~, contains, >=, <=, >, <, exists, absent"
                ));
            }
        };
        let regex = match op {
            Op::Re | Op::NotRe => {
                let pat = values.first().ok_or("a regex condition needs a pattern")?;
                let re = RuleRegex::new(pat);
                if check_regex {
                    re.check()
                        .map_err(|e| format!("bad regex in `{src}`: {e}"))?;
                }
                Some(re)
            }
            _ => None,
        };
        let num = match op {
            Op::Ge | Op::Le | Op::Gt | Op::Lt => Some(
                values
                    .first()
                    .and_then(|v| v.parse::<f64>().ok())
                    .ok_or_else(|| {
                        format!("`{src}` compares with a number, but the value is not one")
                    })?,
            ),
            _ => None,
        };
        if values.is_empty() && !matches!(op, Op::Exists | Op::Absent | Op::True) {
            return Err(format!("`{src}` has no value to compare with"));
        }
        let lower = values.iter().map(|v| v.to_lowercase()).collect();
        Ok(Cond {
            field: Cow::Owned(field),
            op,
            values: Strs::Owned(values),
            lower: Strs::Owned(lower),
            lower_finders: Finders::default(),
            regex,
            num,
        })
    }

    /// The condition the build script read (see [`PreCond`]).
    pub fn from_pre(pre: &'static PreCond) -> Cond {
        Cond {
            field: Cow::Borrowed(pre.field),
            op: pre.op,
            values: Strs::Static(pre.values),
            lower: Strs::Static(pre.lower),
            lower_finders: Finders::default(),
            regex: pre.regex.as_ref().map(RuleRegex::from_pre),
            num: pre.num,
        }
    }

    /// Literals that every line matching this condition must contain (lower case), used to
    /// skip records cheaply. `None` when the condition has no such literal.
    pub fn required_literals(&self) -> Option<Vec<String>> {
        match self.op {
            Op::Contains => Some(self.lower.to_vec()),
            Op::Re => self
                .regex
                .as_ref()
                .and_then(|r| r.literals())
                .map(|l| l.to_vec()),
            _ => None,
        }
    }

    /// [`Cond::required_literals`] without copying them.
    pub fn required_literal_words(&self) -> Option<impl Iterator<Item = &str> + '_> {
        match self.op {
            Op::Contains => Some(self.lower.iter()),
            Op::Re => self
                .regex
                .as_ref()
                .and_then(|r| r.literals())
                .map(Strs::iter),
            _ => None,
        }
    }

    /// Relative cost of evaluating this condition: comparisons, then substring searches, then
    /// regexes.
    pub fn cost(&self) -> u8 {
        match self.op {
            Op::Re | Op::NotRe => 2,
            Op::Contains | Op::NotContains => 1,
            _ => 0,
        }
    }

    /// [`Cond::eval`] on many values at once, with their [`Joined`] text: substring searches and
    /// the literal gate of a regex run once over all values. Same answers.
    pub fn eval_joined(&self, vals: &[FieldVal<'_>], joined: &Joined) -> Option<Option<usize>> {
        let words = match (&self.op, &self.regex) {
            (Op::Contains | Op::NotContains, _) => Some(self.lower_finders.get(&self.lower)),
            (Op::Re | Op::NotRe, Some(re)) => re.plain_finders(),
            _ => None,
        };
        if let Some(words) = words
            && let Some(first) = joined.first_with_any(words, 0)
        {
            return match self.op {
                Op::Contains | Op::Re => first.map(Some),
                _ => first.is_none().then_some(None),
            };
        }
        if self.op == Op::Re
            && let Some(re) = &self.regex
            && let Some(lits) = re.literal_finders()
            && let Some(mut next) = joined.first_with_any(lits, 0)
        {
            // A value without a literal cannot match: the regex only runs on those with one.
            while let Some(at) = next {
                if re.is_match_holding_literal(&vals[at].value) == Some(true) {
                    return Some(Some(at));
                }
                next = joined.first_with_any(lits, at + 1).flatten();
            }
            return None;
        }
        self.eval(vals)
    }

    /// Evaluate against the field's values; returns the index of the value that decided a
    /// positive match (for evidence lines).
    pub fn eval(&self, vals: &[FieldVal<'_>]) -> Option<Option<usize>> {
        let any = |f: &dyn Fn(&str) -> bool| vals.iter().position(|v| f(&v.value));
        match self.op {
            Op::True => any(&|v| v.eq_ignore_ascii_case("true")).map(Some),
            Op::Exists => (!vals.is_empty()).then_some(None),
            Op::Absent => vals.is_empty().then_some(None),
            Op::Eq => any(&|v| self.lower.iter().any(|l| eq_ci(v, l))).map(Some),
            Op::In => any(&|v| self.lower.iter().any(|l| eq_ci(v, l))).map(Some),
            Op::Ne | Op::NotIn => (!vals
                .iter()
                .any(|v| self.lower.iter().any(|l| eq_ci(&v.value, l))))
            .then_some(None),
            Op::Re => {
                let re = self.regex.as_ref()?;
                any(&|v| re.is_match(v) == Some(true)).map(Some)
            }
            Op::NotRe => {
                let re = self.regex.as_ref()?;
                let mut hit = false;
                for v in vals {
                    hit |= re.is_match(&v.value)?;
                }
                (!hit).then_some(None)
            }
            Op::Contains => any(&|v| self.lower.iter().any(|l| contains_ci(v, l))).map(Some),
            Op::NotContains => (!vals
                .iter()
                .any(|v| self.lower.iter().any(|l| contains_ci(&v.value, l))))
            .then_some(None),
            Op::Ge | Op::Le | Op::Gt | Op::Lt => {
                let n = self.num?;
                any(&|v| {
                    v.trim().parse::<f64>().is_ok_and(|x| match self.op {
                        Op::Ge => x >= n,
                        Op::Le => x <= n,
                        Op::Gt => x > n,
                        _ => x < n,
                    })
                })
                .map(Some)
            }
        }
    }
}

/// Many values searched as one: their text lower-cased (ASCII) and joined by `\n`, so looking
/// for a word in all of an event's lines is one SIMD substring search, not one per line.
pub struct Joined {
    lower: String,
    /// Where each value starts in `lower`.
    starts: Vec<usize>,
}

impl Joined {
    /// Worth building for this many values and more.
    pub const MIN_VALUES: usize = 4;

    pub fn new(vals: &[FieldVal<'_>]) -> Joined {
        let mut lower = String::with_capacity(vals.iter().map(|v| v.value.len() + 1).sum());
        let mut starts = Vec::with_capacity(vals.len());
        for v in vals {
            starts.push(lower.len());
            lower.push_str(&v.value);
            lower.push('\n');
        }
        lower.make_ascii_lowercase();
        Joined { lower, starts }
    }

    /// The first value from value `from` on containing one of the words (lower case) of
    /// `finders`, as [`contains_ci`] on each value would find it. `None` when a word holds a
    /// line break, which could match across two values here.
    pub fn first_with_any(&self, finders: &[Finder<'_>], from: usize) -> Option<Option<usize>> {
        let Some(&start) = self.starts.get(from) else {
            return Some(None);
        };
        let text = &self.lower.as_bytes()[start..];
        let mut best: Option<usize> = None;
        for f in finders {
            let w = f.needle();
            if w.contains(&b'\n') {
                return None;
            }
            let end = best.map_or(text.len(), |b| (b + w.len()).min(text.len()));
            if let Some(p) = f.find(&text[..end])
                && best.is_none_or(|b| p < b)
            {
                best = Some(p);
            }
        }
        Some(best.and_then(|p| {
            self.starts
                .partition_point(|&s| s <= start + p)
                .checked_sub(1)
        }))
    }
}

fn eq_ci(v: &str, lower: &str) -> bool {
    v.trim().eq_ignore_ascii_case(lower) || (!v.is_ascii() && v.trim().to_lowercase() == lower)
}

/// ASCII case-insensitive substring search; `needle` is lower case.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    if n.len() > h.len() {
        return false;
    }
    let first = n[0];
    let upper = first.to_ascii_uppercase();
    let mut i = 0;
    while i + n.len() <= h.len() {
        match memchr::memchr2(first, upper, &h[i..=h.len() - n.len()]) {
            None => return false,
            Some(p) => {
                let s = i + p;
                if h[s..s + n.len()].eq_ignore_ascii_case(n) {
                    return true;
                }
                i = s + 1;
            }
        }
    }
    false
}

pub use super::cond_syntax::regex_literals;

#[cfg(test)]
mod tests {
    use super::*;

    fn fv(v: &str) -> FieldVal<'_> {
        FieldVal::new(v)
    }

    #[test]
    fn parses_and_evaluates() {
        let c = Cond::parse("status in [401, 403]").unwrap();
        assert!(c.eval(&[fv("403")]).is_some());
        assert!(c.eval(&[fv("200")]).is_none());
        let c = Cond::parse("final_diag not in [1013, 17002]").unwrap();
        assert!(c.eval(&[]).is_some());
        assert!(c.eval(&[fv("1013")]).is_none());
        let c = Cond::parse(r#"text ~ "time\s+skew""#).unwrap();
        assert!(c.eval(&[fv("Significant TIME skew detected")]).is_some());
        let c = Cond::parse("credentialed >= 1").unwrap();
        assert!(c.eval(&[fv("2")]).is_some());
        assert!(c.eval(&[fv("0")]).is_none());
        let c = Cond::parse("header:User-Agent exists").unwrap();
        assert_eq!(c.field, "header:User-Agent");
        assert!(c.eval(&[]).is_none());
        let c = Cond::parse("is_response").unwrap();
        assert!(c.eval(&[fv("true")]).is_some());
        let c = Cond::parse(r#"text contains ["0x80048821", 'bad member']"#).unwrap();
        assert!(c.eval(&[fv("hr=0X80048821")]).is_some());
        assert_eq!(c.required_literals().unwrap(), ["0x80048821", "bad member"]);
        let c = Cond::parse("method = REGISTER").unwrap();
        assert!(c.eval(&[fv("register")]).is_some());
    }

    #[test]
    fn rejects_bad_conditions() {
        assert!(Cond::parse("status in").is_err());
        assert!(Cond::parse("text ~ \"(unclosed\"").is_err());
        assert!(Cond::parse("count >= many").is_err());
        assert!(Cond::parse("= x").is_err());
    }

    #[test]
    fn regex_literal_extraction() {
        assert_eq!(
            regex_literals(r"ms-diagnostics:\s*1013").unwrap(),
            ["ms-diagnostics:"]
        );
        assert_eq!(
            regex_literals(r"(?i)foo bar|bazzz+").unwrap(),
            ["foo bar", "bazz"]
        );
        assert!(regex_literals(r"\d+").is_none());
        assert_eq!(regex_literals(r"0x8004882[1d]").unwrap(), ["0x8004882"]);
        assert_eq!(
            regex_literals(r"\b(0x)?(80090325|800b0109)\b|SEC_E_UNTRUSTED_ROOT").unwrap(),
            ["80090325", "800b0109", "sec_e_untrusted_root"]
        );
        assert!(regex_literals(r"\bsts\b").is_none());
        assert_eq!(
            regex_literals(r"can't find .*: Non-existent domain").unwrap(),
            [": non-existent domain"]
        );
    }

    #[test]
    fn contains_ci_works() {
        assert!(contains_ci("Hello World", "world"));
        assert!(!contains_ci("Hello", "world"));
        assert!(contains_ci("xxxAbC", "abc"));
    }

    /// Searching all values at once answers as searching each value does, for every operator
    /// that has a joined form, whatever value decides it.
    #[test]
    fn joined_search_agrees_with_value_by_value() {
        let lines = [
            "Subject: CN=adfs.contoso.com",
            "Result: 800B0109",
            "Status: 0x18",
            "TicketOptions: 0x40810010",
            "Message: KRB_AP_ERR_SKEW seen",
            "ÉCHEC: Status:0x12",
        ];
        let conds = [
            r#"text contains ["800b0109", "nothing"]"#,
            r#"text not contains ["adfs"]"#,
            r#"text not contains ["absent"]"#,
            r#"text ~ "adfs|sts|federation""#,
            r#"text !~ "kdc|kerberos""#,
            r#"text ~ "(Failure ?Code|Status|Result ?Code):?\s*0x18\b""#,
            r#"text ~ "(Failure ?Code|Status|Result ?Code):?\s*0x12\b""#,
            r#"text ~ "\b0xc000006a\b|KRB_AP_ERR_SKEW""#,
            r#"text ~ "status""#,
            r#"text contains [""]"#,
        ];
        for n in 0..=lines.len() {
            for start in 0..lines.len() {
                let vals: Vec<FieldVal<'_>> = lines
                    .iter()
                    .cycle()
                    .skip(start)
                    .take(n)
                    .map(|l| fv(l))
                    .collect();
                let joined = Joined::new(&vals);
                for c in &conds {
                    let c = Cond::parse(c).unwrap();
                    assert_eq!(
                        c.eval_joined(&vals, &joined),
                        c.eval(&vals),
                        "{c:?} on {n} values from {start}"
                    );
                }
            }
        }
    }
}
