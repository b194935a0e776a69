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

use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{is_not, tag, tag_no_case, take_while1},
    character::complete::{char, multispace0, space0, space1},
    combinator::{all_consuming, map, opt, value},
    multi::separated_list0,
    sequence::{delimited, preceded},
};

use super::regex_tier::RuleRegex;
use crate::model::FieldVal;

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Re,
    NotRe,
    Contains,
    NotContains,
    Ge,
    Le,
    Gt,
    Lt,
    Exists,
    Absent,
    True,
}

#[derive(Clone, Debug)]
pub struct Cond {
    pub field: String,
    pub op: Op,
    pub values: Vec<String>,
    /// Lower-cased values, for case-insensitive comparison.
    lower: Vec<String>,
    /// The regex of a `~`/`!~` condition, compiled on first use, so a short analysis does not
    /// pay for rules it never reaches.
    regex: Option<RuleRegex>,
    num: Option<f64>,
}

fn ident(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || "_-:.".contains(c))(i)
}

/// A quoted value. Inside double quotes only `\"` is an escape, so regexes are written as
/// they are (`"time\s+skew"`); single quotes take everything up to the next `'`.
fn quoted(i: &str) -> IResult<&str, String> {
    if let Some(rest) = i.strip_prefix('"') {
        let b = rest.as_bytes();
        let mut out = String::new();
        let mut j = 0;
        let mut start = 0;
        while j < b.len() {
            if b[j] == b'\\' && b.get(j + 1) == Some(&b'"') {
                out.push_str(&rest[start..j]);
                out.push('"');
                j += 2;
                start = j;
                continue;
            }
            if b[j] == b'"' {
                out.push_str(&rest[start..j]);
                return Ok((&rest[j + 1..], out));
            }
            j += 1;
        }
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Char,
        )));
    }
    delimited(
        char('\''),
        map(opt(is_not("'")), |o: Option<&str>| {
            o.unwrap_or("").to_string()
        }),
        char('\''),
    )
    .parse(i)
}

fn bare(i: &str) -> IResult<&str, String> {
    map(
        take_while1(|c: char| !c.is_whitespace() && c != ',' && c != ']' && c != '['),
        str::to_string,
    )
    .parse(i)
}

fn scalar(i: &str) -> IResult<&str, String> {
    alt((quoted, bare)).parse(i)
}

fn list(i: &str) -> IResult<&str, Vec<String>> {
    delimited(
        (char('['), multispace0),
        separated_list0((multispace0, char(','), multispace0), scalar),
        (multispace0, opt(char(',')), multispace0, char(']')),
    )
    .parse(i)
}

fn values(i: &str) -> IResult<&str, Vec<String>> {
    alt((list, map(scalar, |s| vec![s]))).parse(i)
}

fn op(i: &str) -> IResult<&str, Op> {
    alt((
        value(Op::NotIn, (tag_no_case("not"), space1, tag_no_case("in"))),
        value(
            Op::NotContains,
            (tag_no_case("not"), space1, tag_no_case("contains")),
        ),
        value(Op::In, tag_no_case("in")),
        value(Op::Contains, tag_no_case("contains")),
        value(Op::NotRe, tag("!~")),
        value(Op::Re, tag("~")),
        value(Op::Ge, tag(">=")),
        value(Op::Le, tag("<=")),
        value(Op::Ne, tag("!=")),
        value(Op::Gt, tag(">")),
        value(Op::Lt, tag("<")),
        value(Op::Eq, tag("=")),
    ))
    .parse(i)
}

fn cond(i: &str) -> IResult<&str, (String, Op, Vec<String>)> {
    let (i, _) = space0(i)?;
    let (i, field) = ident(i)?;
    let (i, _) = space0(i)?;
    if i.trim().is_empty() {
        return Ok(("", (field.to_string(), Op::True, vec![])));
    }
    if let Ok((r, _)) = all_consuming((
        tag_no_case::<&str, &str, nom::error::Error<&str>>("exists"),
        space0,
    ))
    .parse(i)
    {
        return Ok((r, (field.to_string(), Op::Exists, vec![])));
    }
    if let Ok((r, _)) = all_consuming((
        tag_no_case::<&str, &str, nom::error::Error<&str>>("absent"),
        space0,
    ))
    .parse(i)
    {
        return Ok((r, (field.to_string(), Op::Absent, vec![])));
    }
    let (i, o) = op(i)?;
    let (i, vals) = preceded(space0, values).parse(i)?;
    let (i, _) = space0(i)?;
    Ok((i, (field.to_string(), o, vals)))
}

impl Cond {
    /// Parse one condition. The error says what is wrong in words.
    pub fn parse(src: &str) -> Result<Cond, String> {
        Cond::parse_checked(src, true)
    }

    /// Parse a condition; with `check_regex` a regex is checked now, otherwise only when it is
    /// first compiled (rules that were checked when the binary was built).
    pub fn parse_checked(src: &str, check_regex: bool) -> Result<Cond, String> {
        let (field, op, values) = match all_consuming(cond).parse(src) {
            Ok((_, c)) => c,
            Err(_) => {
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
            field,
            op,
            values,
            lower,
            regex,
            num,
        })
    }

    /// Literals that every line matching this condition must contain (lower case), used to
    /// skip records cheaply. `None` when the condition has no such literal.
    pub fn required_literals(&self) -> Option<Vec<String>> {
        match self.op {
            Op::Contains => Some(self.lower.clone()),
            Op::Re => self
                .regex
                .as_ref()
                .and_then(|r| r.literals())
                .map(|l| l.to_vec()),
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
            (Op::Contains | Op::NotContains, _) => Some(self.lower.as_slice()),
            (Op::Re | Op::NotRe, Some(re)) => re.plain_words(),
            _ => None,
        };
        if let Some(words) = words
            && let Some(first) = joined.first_with_any(words)
        {
            return match self.op {
                Op::Contains | Op::Re => first.map(Some),
                _ => first.is_none().then_some(None),
            };
        }
        if self.op == Op::Re
            && let Some(re) = &self.regex
            && let Some(lits) = re.literals()
            && let Some(first) = joined.first_with_any(lits)
        {
            // No value before the first one holding a literal can match.
            let from = first?;
            return vals[from..]
                .iter()
                .position(|v| re.is_match(&v.value) == Some(true))
                .map(|i| Some(from + i));
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

    /// The first value containing one of `words` (lower case), as [`contains_ci`] on each
    /// value would find it. `None` when a word holds a line break, which could match across two
    /// values here.
    pub fn first_with_any(&self, words: &[String]) -> Option<Option<usize>> {
        let mut best: Option<usize> = None;
        for w in words {
            if w.contains('\n') {
                return None;
            }
            let end = best.map_or(self.lower.len(), |b| (b + w.len()).min(self.lower.len()));
            if let Some(p) = memchr::memmem::find(&self.lower.as_bytes()[..end], w.as_bytes())
                && best.is_none_or(|b| p < b)
            {
                best = Some(p);
            }
        }
        Some(best.and_then(|p| self.starts.partition_point(|&s| s <= p).checked_sub(1)))
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

/// A conservative set of literals one of which must occur in any match of `pattern`: the
/// top-level alternatives, each reduced to its longest plain-text run. `None` when any
/// alternative has no usable literal.
pub fn regex_literals(pattern: &str) -> Option<Vec<String>> {
    let p = pattern.strip_prefix("(?i)").unwrap_or(pattern);
    let alts = split_top_level(p)?;
    let mut out = Vec::new();
    for a in alts {
        match longest_plain_run(a).filter(|l| l.len() >= 4 && l.is_ascii()) {
            Some(lit) => out.push(lit.to_lowercase()),
            None => out.extend(group_alternatives(a)?),
        }
    }
    Some(out)
}

/// For an alternative like `\b(0x)?(80090325|800b0109)\b`: the plain alternatives of its first
/// group that is not optional, each of which must then occur.
fn group_alternatives(a: &str) -> Option<Vec<String>> {
    let b = a.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'(' => {
                let start = i + 1;
                let mut depth = 1;
                let mut j = start;
                while j < b.len() && depth > 0 {
                    match b[j] {
                        b'\\' => j += 1,
                        b'(' => depth += 1,
                        b')' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                if depth != 0 {
                    return None;
                }
                let inner = &a[start..j - 1];
                let optional = matches!(b.get(j), Some(b'?') | Some(b'*') | Some(b'{'));
                if !optional && !inner.starts_with('?') {
                    let mut lits = Vec::new();
                    for alt in split_top_level(inner)? {
                        let plain = alt
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_' || c == '-');
                        if !plain || alt.len() < 4 {
                            return None;
                        }
                        lits.push(alt.to_lowercase());
                    }
                    return Some(lits);
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    None
}

fn split_top_level(p: &str) -> Option<Vec<&str>> {
    let mut depth = 0i32;
    let mut parts = Vec::new();
    let mut start = 0;
    let b = p.as_bytes();
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'(' if !in_class => depth += 1,
            b')' if !in_class => depth -= 1,
            b'|' if !in_class && depth == 0 => {
                parts.push(&p[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&p[start..]);
    if depth != 0 {
        return None;
    }
    Some(parts)
}

/// The longest run of characters that match themselves, outside groups, classes and
/// quantified atoms. Escaped punctuation counts as literal.
fn longest_plain_run(a: &str) -> Option<String> {
    let chars: Vec<char> = a.chars().collect();
    let mut best = String::new();
    let mut cur = String::new();
    let mut i = 0;
    let mut depth = 0;
    let flush = |cur: &mut String, best: &mut String| {
        if cur.len() > best.len() {
            *best = cur.clone();
        }
        cur.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next_is_quant = chars
            .get(i + 1)
            .is_some_and(|n| matches!(n, '?' | '*' | '+' | '{'));
        match c {
            '(' => {
                depth += 1;
                flush(&mut cur, &mut best);
            }
            ')' => {
                depth -= 1;
                flush(&mut cur, &mut best);
            }
            '[' => {
                flush(&mut cur, &mut best);
                while i < chars.len() && chars[i] != ']' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '\\' => {
                let e = chars.get(i + 1).copied()?;
                i += 1;
                let after_quant = chars
                    .get(i + 1)
                    .is_some_and(|n| matches!(n, '?' | '*' | '+' | '{'));
                if e.is_ascii_punctuation() && depth == 0 && !after_quant {
                    cur.push(e);
                } else {
                    flush(&mut cur, &mut best);
                }
            }
            '{' => {
                flush(&mut cur, &mut best);
                while i < chars.len() && chars[i] != '}' {
                    i += 1;
                }
            }
            '.' | '^' | '$' | '|' | '?' | '*' | '+' | '}' => flush(&mut cur, &mut best),
            c if depth == 0 && !next_is_quant => cur.push(c),
            _ => flush(&mut cur, &mut best),
        }
        i += 1;
    }
    flush(&mut cur, &mut best);
    let t = best.trim().to_string();
    if t.is_empty() { None } else { Some(t) }
}

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
