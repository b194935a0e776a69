//! The grammar of a rule condition, `field op value` (see `cond.rs` for the language).
//!
//! Also compiled into `build.rs`, which reads the embedded rules' conditions at build time: a
//! process then starts without running this parser, and a condition that does not read fails
//! the build, naming the file and line. Keep it free of crate imports for that reason.

use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{is_not, tag, tag_no_case, take_while1},
    character::complete::{char, multispace0, space0, space1},
    combinator::{all_consuming, map, opt, value},
    multi::separated_list0,
    sequence::{delimited, preceded},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// A condition's field, operator and values, or `None` when it does not read.
pub fn parse(src: &str) -> Option<(String, Op, Vec<String>)> {
    all_consuming(cond).parse(src).ok().map(|(_, c)| c)
}

/// The Rust name of an operator, for the build script's generated code.
pub fn op_name(op: Op) -> &'static str {
    match op {
        Op::Eq => "Eq",
        Op::Ne => "Ne",
        Op::In => "In",
        Op::NotIn => "NotIn",
        Op::Re => "Re",
        Op::NotRe => "NotRe",
        Op::Contains => "Contains",
        Op::NotContains => "NotContains",
        Op::Ge => "Ge",
        Op::Le => "Le",
        Op::Gt => "Gt",
        Op::Lt => "Lt",
        Op::Exists => "Exists",
        Op::Absent => "Absent",
        Op::True => "True",
    }
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

/// `a|b|c` where every alternative is non-empty ASCII without regex syntax.
pub fn plain_words(pattern: &str) -> Option<Vec<String>> {
    const META: &[u8] = b"\\.+*?()[]{}^$";
    let plain = pattern
        .split('|')
        .all(|w| !w.is_empty() && w.is_ascii() && !w.bytes().any(|b| META.contains(&b)));
    plain.then(|| pattern.split('|').map(|w| w.to_ascii_lowercase()).collect())
}
