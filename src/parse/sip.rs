//! SIP messages as they appear in client logs, server traces and copied excerpts: start lines,
//! headers (any case, folded or indented, trailing spaces, typographic quotes), bodies, and the
//! Microsoft diagnostics headers.

use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_while},
    character::complete::{digit1, space0},
    combinator::{map_res, opt},
    sequence::preceded,
};
#[cfg(test)]
use nom::{
    branch::alt, bytes::complete::take_while1, character::complete::space1, combinator::rest,
};

use std::borrow::Cow;

use crate::model::{Direction, HeaderSpan, MsDiag, SipMessage, StartLine, push_header_to};

/// Longest body kept per message; sign-in evidence is in headers, bodies are mostly XML noise.
const MAX_BODY: usize = 16 * 1024;
/// Most headers kept per message; a flood of header lines is malformed input.
const MAX_HEADERS: usize = 256;
/// Longest header value kept after folding.
const MAX_HEADER_VALUE: usize = 64 * 1024;

// The start-line grammar in nom: the definition `parse_start_line` is written by hand against
// (it runs on nearly every line of a log); the tests hold the two to the same answers.
#[cfg(test)]
fn method(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_uppercase() || c == '-' || c == '_')(i)
}

/// `SIP/2.0`, any case.
#[cfg(test)]
fn sip_version(i: &str) -> IResult<&str, &str> {
    nom::combinator::verify(nom::bytes::complete::take(7usize), |s: &str| {
        s.eq_ignore_ascii_case("SIP/2.0")
    })
    .parse(i)
}

#[cfg(test)]
fn request_line(i: &str) -> IResult<&str, StartLine> {
    let (i, m) = method(i)?;
    let (i, _) = space1(i)?;
    let (i, uri) = take_while1(|c: char| !c.is_whitespace())(i)?;
    let (i, _) = space1(i)?;
    let (i, _) = sip_version(i)?;
    let (i, _) = space0(i)?;
    Ok((
        i,
        StartLine::Request {
            method: m.to_string().into(),
            uri: uri.to_string(),
        },
    ))
}

#[cfg(test)]
fn status_line(i: &str) -> IResult<&str, StartLine> {
    let (i, _) = sip_version(i)?;
    let (i, _) = space1(i)?;
    let (i, code) = map_res(digit1, |d: &str| d.parse::<u16>()).parse(i)?;
    let (i, reason) = opt(preceded(space1, rest)).parse(i)?;
    if !(100..700).contains(&code) {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((
        i,
        StartLine::Response {
            code,
            reason: reason.unwrap_or("").trim().to_string().into(),
        },
    ))
}

/// The grammar's answer for a whole line.
#[cfg(test)]
fn start_line_grammar(line: &str) -> Option<StartLine> {
    let l = line.trim();
    match alt((status_line, request_line)).parse(l) {
        Ok((rest, sl)) if rest.trim().is_empty() || matches!(sl, StartLine::Response { .. }) => {
            Some(sl)
        }
        _ => None,
    }
}

/// Parse a SIP start line (`REGISTER sip:contoso.com SIP/2.0`, `SIP/2.0 401 Unauthorized`).
/// Leading and trailing white space is tolerated.
#[inline(always)]
pub fn parse_start_line(line: &str) -> Option<StartLine> {
    // Runs on nearly every line of a log: a line whose ends are plain ASCII is its own trim,
    // and it can only be a start line if it begins `SIP/` or ends `/2.0` (any case). Both are
    // tested as one word each, with the case bit set on every byte: a few bytes that are no
    // letter pass too, and the full test below turns them away. This test is inlined into the
    // callers; the rest, with its allocations, is a call only the few candidates pay.
    const LEAD: u32 = u32::from_le_bytes(*b"sip/");
    const TAIL: u32 = u32::from_le_bytes(*b"/2.0");
    let b = line.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) if plain_ascii(f) && plain_ascii(l) => {
            match (b.first_chunk::<4>(), b.last_chunk::<4>()) {
                (Some(&h), Some(&t))
                    if b.len() >= 8
                        && (u32::from_le_bytes(h) | 0x2020_2020 == LEAD
                            || u32::from_le_bytes(t) | 0x2020_2020 == TAIL) =>
                {
                    start_line_trimmed(line)
                }
                _ => None,
            }
        }
        (Some(_), Some(_)) => start_line_trimmed(trim_ws(line)),
        _ => None,
    }
}

/// [`parse_start_line`] on a line without blanks at its ends.
#[inline(never)]
fn start_line_trimmed(l: &str) -> Option<StartLine> {
    // Every start line begins or ends with the protocol version.
    let b = l.as_bytes();
    if b.len() < 8 {
        return None;
    }
    if b[..7].eq_ignore_ascii_case(b"SIP/2.0") {
        // Only a status line can begin with the version (a method has no `/`).
        return status_line_fast(l);
    }
    if b[b.len() - 7..].eq_ignore_ascii_case(b"SIP/2.0") {
        return request_line_fast(l);
    }
    None
}

/// `SIP/2.0 <code>[ <reason>]`: as the nom grammar above reads it (kept for its tests), by hand.
fn status_line_fast(l: &str) -> Option<StartLine> {
    let b = l.as_bytes();
    let blanks = |mut i: usize| {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        i
    };
    let d0 = blanks(7);
    if d0 == 7 {
        return None;
    }
    let mut d1 = d0;
    while d1 < b.len() && b[d1].is_ascii_digit() {
        d1 += 1;
    }
    let code: u16 = l[d0..d1].parse().ok()?;
    if !(100..700).contains(&code) {
        return None;
    }
    let r0 = blanks(d1);
    let reason = if r0 > d1 { l[r0..].trim() } else { "" };
    Some(StartLine::Response {
        code,
        reason: known(reason, REASONS),
    })
}

/// `<METHOD> <uri> SIP/2.0`, by hand; `l` is trimmed and ends with the version.
fn request_line_fast(l: &str) -> Option<StartLine> {
    let b = l.as_bytes();
    let m1 = b
        .iter()
        .position(|&c| !(c.is_ascii_uppercase() || c == b'-' || c == b'_'))?;
    if m1 == 0 || !matches!(b[m1], b' ' | b'\t') {
        return None;
    }
    let mut u0 = m1;
    while matches!(b[u0], b' ' | b'\t') {
        u0 += 1;
    }
    let rest = &l[u0..];
    // A URI is nearly always ASCII: its end is found by bytes unless a non-ASCII byte comes
    // first, when the general (Unicode white space) search decides.
    let u_len = match rest
        .bytes()
        .position(|c| c.is_ascii_whitespace() || c == 0x0B || !c.is_ascii())
    {
        Some(i) if rest.as_bytes()[i].is_ascii() => i,
        _ => rest.find(char::is_whitespace)?,
    };
    let uri = &rest[..u_len];
    let after = &rest[u_len..];
    // One or more blanks, then the version that ends the line (and nothing after it).
    let v = after.trim_start_matches([' ', '\t']);
    if v.len() == after.len() || v.len() != 7 {
        return None;
    }
    Some(StartLine::Request {
        method: known(&l[..m1], METHODS),
        uri: uri.to_string(),
    })
}

/// Methods a start line borrows rather than copies.
const METHODS: &[&str] = &[
    "REGISTER",
    "SUBSCRIBE",
    "NOTIFY",
    "BENOTIFY",
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "OPTIONS",
    "MESSAGE",
    "INFO",
    "SERVICE",
    "PRACK",
    "UPDATE",
    "REFER",
    "PUBLISH",
    "NEGOTIATE",
];

/// Reason phrases a start line borrows rather than copies.
const REASONS: &[&str] = &[
    "OK",
    "Trying",
    "Ringing",
    "Accepted",
    "Unauthorized",
    "Forbidden",
    "Not Found",
    "Proxy Authentication Required",
    "Request Timeout",
    "Temporarily Unavailable",
    "Redirect request to Home Server",
    "Moved Temporarily",
    "Bad Request",
    "Server Internal Error",
    "Service Unavailable",
    "Server time-out",
];

/// `s` as one of `known` when it is one, exactly (case too); a copy otherwise.
fn known(s: &str, known: &'static [&'static str]) -> Cow<'static, str> {
    match known.iter().find(|k| **k == s) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(s.to_string()),
    }
}

/// Bytes of a header name token: letters, digits and `-.!%*_+`'~`.
const TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        i += 1;
    }
    t
};

fn is_token_byte(b: u8) -> bool {
    TOKEN[b as usize]
}

/// A byte that `str::trim` keeps at either end: ASCII and not white space.
fn plain_ascii(c: u8) -> bool {
    c.is_ascii() && !c.is_ascii_whitespace() && c != 0x0B
}

/// `s.trim()`, without the general (Unicode) search when only blanks, or nothing, are to go:
/// runs several times on every header line.
pub fn trim_ws(s: &str) -> &str {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    let mut j = b.len();
    while j > i && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    // Both ends are at ASCII bytes, so this is a char boundary.
    let t = &s[i..j];
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(&f), Some(&l)) if !(plain_ascii(f) && plain_ascii(l)) => t.trim(),
        _ => t,
    }
}

/// `s.trim_end()`, as [`trim_ws`] does `trim`.
pub fn trim_end_ws(s: &str) -> &str {
    match s.as_bytes().last() {
        Some(&l) if !plain_ascii(l) => s.trim_end(),
        _ => s,
    }
}

/// Split `Name: value`. Names are tokens; a line that is not one (a wrapped value, body text)
/// yields `None`. Runs on every header line of a log, so it is written out by hand: optional
/// blanks, a token starting with a letter, optional blanks, `:`.
pub fn parse_header_line(line: &str) -> Option<(&str, &str)> {
    let (name, value) = header_line_parts(line)?;
    Some((&line[name], &line[value..]))
}

/// [`parse_header_line`] as offsets: the name's range and where the value starts.
fn header_line_parts(line: &str) -> Option<(std::ops::Range<usize>, usize)> {
    let b = line.as_bytes();
    let blanks = |mut i: usize| {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        i
    };
    let name_start = blanks(0);
    if !b.get(name_start)?.is_ascii_alphabetic() {
        return None;
    }
    let mut i = name_start;
    while i < b.len() && is_token_byte(b[i]) {
        i += 1;
    }
    let name_end = i;
    let colon = blanks(i);
    if b.get(colon) != Some(&b':') {
        return None;
    }
    // Every index above is at an ASCII byte, so these are char boundaries.
    // `http:` or `sip:` at the start of a wrapped line is a URI, not a header.
    if b[colon + 1..].starts_with(b"//") {
        return None;
    }
    Some((name_start..name_end, colon + 1))
}

/// Expand the compact header forms of RFC 3261 so callers can use long names.
pub fn canonical_header_name(name: &str) -> &str {
    match name {
        "i" | "I" => "Call-ID",
        "f" | "F" => "From",
        "t" | "T" => "To",
        "v" | "V" => "Via",
        "m" | "M" => "Contact",
        "l" | "L" => "Content-Length",
        "c" | "C" => "Content-Type",
        "k" | "K" => "Supported",
        "e" | "E" => "Content-Encoding",
        _ => name,
    }
}

/// Replace typographic quotes (a document conversion's doing) with ASCII ones, and drop the
/// Markdown hard-break backslash some copies end lines with.
pub fn normalize_value(v: &str) -> String {
    let mut s = String::new();
    push_normalized(&mut s, v);
    s
}

/// [`normalize_value`], appended to `out`.
fn push_normalized(out: &mut String, v: &str) {
    match plain_trimmed(v) {
        Some(t) => out.push_str(&v[t]),
        None => push_normalized_general(out, v),
    }
}

/// Where [`normalize_value`] would leave `v` as it is but for its ends: the range it keeps.
/// Nearly every value is ASCII between blanks; `None` sends the rest to the general path.
fn plain_trimmed(v: &str) -> Option<std::ops::Range<usize>> {
    let b = v.as_bytes();
    let blank = |c: u8| c == b' ' || c == b'\t';
    let mut i = 0;
    while i < b.len() && blank(b[i]) {
        i += 1;
    }
    let mut j = b.len();
    while j > i && blank(b[j - 1]) {
        j -= 1;
    }
    if j > i && b[j - 1] == b'\\' {
        j -= 1;
        while j > i && blank(b[j - 1]) {
            j -= 1;
        }
    }
    let t = &b[i..j];
    // Both ends are ASCII bytes, so these are char boundaries.
    // The ASCII test as one OR over every byte, without an early exit, which the compiler
    // vectorises: most values are ASCII, so `is_ascii`'s exit rarely comes early anyway.
    (t.is_empty()
        || (plain_ascii(t[0])
            && plain_ascii(t[t.len() - 1])
            && t.iter().fold(0u8, |acc, &c| acc | c) < 0x80))
        .then_some(i..j)
}

/// [`push_normalized`] for any text.
fn push_normalized_general(out: &mut String, v: &str) {
    let v = trim_ws(v);
    let v = trim_end_ws(v.strip_suffix('\\').unwrap_or(v));
    if v.is_ascii() {
        out.push_str(v);
        return;
    }
    out.extend(v.chars().map(|c| match c {
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
        '\u{2018}' | '\u{2019}' | '\u{201A}' => '\'',
        c => c,
    }));
}

pub fn is_diag_header(name: &str) -> bool {
    is_diag_name(name.as_bytes())
}

/// [`is_diag_header`] on the bytes of a name.
pub fn is_diag_name(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"ms-diagnostics")
        || name.eq_ignore_ascii_case(b"ms-diagnostics-public")
        || name.eq_ignore_ascii_case(b"x-ms-diagnostics")
}

fn diag_code(i: &str) -> IResult<&str, (u32, Option<u32>)> {
    let (i, _) = space0(i)?;
    let (i, code) = map_res(digit1, |d: &str| d.parse::<u32>()).parse(i)?;
    let (i, sub) = opt(preceded(
        tag("."),
        map_res(digit1, |d: &str| d.parse::<u32>()),
    ))
    .parse(i)?;
    Ok((i, (code, sub)))
}

/// Split `;`-separated `name=value` parameters; values may be quoted and hold `;`.
pub fn split_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ';' || c.is_whitespace());
        if rest.is_empty() {
            break;
        }
        let name_end = rest.find(['=', ';']).unwrap_or(rest.len());
        let name = rest[..name_end].trim().to_string();
        rest = &rest[name_end..];
        let value = if let Some(r) = rest.strip_prefix('=') {
            let r = r.trim_start();
            if let Some(q) = r.strip_prefix('"') {
                let end = q.find('"').unwrap_or(q.len());
                let v = q[..end].to_string();
                rest = q.get(end + 1..).unwrap_or("");
                v
            } else {
                let end = r.find(';').unwrap_or(r.len());
                let v = r[..end].trim().to_string();
                rest = &r[end..];
                v
            }
        } else {
            String::new()
        };
        if !name.is_empty() {
            out.push((name.to_ascii_lowercase(), value));
        }
    }
    out
}

/// Parse a diagnostics header value: `4005;reason="...";source="pool.contoso.com"` — the
/// parameters in any order, quoted or not, typographic quotes allowed.
pub fn parse_ms_diag(value: &str) -> Option<MsDiag> {
    let v = normalize_value(value);
    let (rest, (code, sub)) = diag_code(&v).ok()?;
    let mut d = MsDiag {
        code,
        sub,
        ..Default::default()
    };
    for (k, val) in split_params(rest) {
        match k.as_str() {
            "reason" => d.reason = Some(val),
            "source" => d.source = Some(val),
            _ => d.params.push((k, val)),
        }
    }
    Some(d)
}

/// The code of a diagnostics header value, as [`parse_ms_diag`] reads it, without reading the
/// parameters: the leading digits.
pub fn ms_diag_code(value: &str) -> Option<u32> {
    let v = trim_ws(value);
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    v[..digits].parse().ok()
}

/// Does this decoded head hold bare SIP messages (a start line followed by headers)?
pub fn sniff_bare(head: &str) -> bool {
    let mut lines = head.lines().take(400).peekable();
    while let Some(l) = lines.next() {
        if parse_start_line(l).is_some()
            && let Some(next) = lines.peek()
            && parse_header_line(next).is_some()
        {
            return true;
        }
    }
    false
}

/// The user part and host of a SIP URI inside a header value (`"Bob" <sip:bob@contoso.com>;tag=..`).
pub fn uri_in(value: &str) -> Option<&str> {
    // By bytes: a general substring search costs more to set up than these short values take
    // to scan. Every `sip:` or `sips:` ends at a colon.
    let b = value.as_bytes();
    let scheme_at = |scheme: &[u8]| {
        memchr::memchr_iter(b':', b).find_map(|c| {
            let s = c.checked_sub(scheme.len())?;
            (&b[s..c] == scheme).then_some(s)
        })
    };
    let start = scheme_at(b"sip").or_else(|| scheme_at(b"sips"))?;
    let v = &value[start..];
    let stop = v
        .bytes()
        .position(|c| matches!(c, b'>' | b';' | b'"' | b'\t'..=b'\r' | b' ') || !c.is_ascii());
    let end = match stop {
        Some(i) if !v.as_bytes()[i].is_ascii() => v
            .find(|c: char| c == '>' || c == ';' || c == '"' || c.is_whitespace())
            .unwrap_or(v.len()),
        Some(i) => i,
        None => v.len(),
    };
    Some(&v[..end])
}

/// The host part of a URI or `host:port` string, lower-cased.
pub fn host_of(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s
        .strip_prefix("sips:")
        .or_else(|| s.strip_prefix("sip:"))
        .or_else(|| s.strip_prefix("https://"))
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let s = s.rsplit_once('@').map(|(_, h)| h).unwrap_or(s);
    let end = s.find([':', ';', '/', '>', '?']).unwrap_or(s.len());
    let h = s[..end].trim().trim_end_matches('.').to_ascii_lowercase();
    if h.is_empty() { None } else { Some(h) }
}

/// The domain part of `sip:user@domain`.
pub fn domain_of_uri(uri: &str) -> Option<String> {
    let at = uri.find('@')?;
    host_of(&uri[at + 1..])
}

/// Scheme names offered in a `WWW-Authenticate` value (`NTLM`, `Kerberos`, `TLS-DSK`, ...).
pub fn auth_scheme(value: &str) -> &str {
    let v = value.trim_start();
    let end = v
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(v.len());
    &v[..end]
}

/// Which SIP messages a reader needs whole. Every other message is kept reduced to its start
/// line, direction, peer and a few headers, which saves building (and dropping) every header of
/// the many messages of a large log that no rule and no fact reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SipFilter {
    /// Keep whole the messages of these transaction methods (the request's own method, or the
    /// `CSeq` method of a response).
    pub full_methods: Vec<String>,
    /// Keep whole the messages that carry any of these headers.
    pub full_headers: Vec<String>,
    /// Of every other message, keep only these headers (and no body).
    pub keep_headers: Vec<String>,
}

/// Header names a message is searched for, at the end of every message: most of its headers
/// are ruled out by the length of their name alone.
struct NameSet<'a> {
    /// Bit `n` set: some name is `n` bytes long (63: 63 or more).
    lens: u64,
    names: &'a [String],
}

impl<'a> NameSet<'a> {
    fn new(names: &'a [String]) -> Self {
        let lens = names.iter().fold(0, |m, n| m | 1u64 << n.len().min(63));
        NameSet { lens, names }
    }
    fn has(&self, name: &[u8]) -> bool {
        self.lens & (1u64 << name.len().min(63)) != 0
            && self
                .names
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
    }
}

/// One header of the message being built: its name and value are ranges of the builder's text.
#[derive(Clone, Debug)]
struct RawHeader {
    name: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
    line: Option<u64>,
    /// The value is normalized ([`normalize_value`]); until then it is the text as written
    /// after the colon, since most headers of most messages are never read.
    normalized: bool,
}

/// Buffers a finished builder hands back, so the next message reuses their memory.
#[derive(Debug, Default)]
pub struct SipScratch {
    text: String,
    headers: Vec<RawHeader>,
    body: String,
}

/// Accumulates the lines of one SIP message.
///
/// Header names and values are written back to back into one buffer, and a message takes a
/// copy of that buffer (or of the headers a reduced message keeps) in
/// [`SipBuilder::finish_with`].
#[derive(Debug)]
pub struct SipBuilder {
    direction: Option<Direction>,
    peer: Option<String>,
    start: StartLine,
    start_line_no: Option<u64>,
    /// Names and values of `headers`; the last header's value is always at the end, so a
    /// folded line is appended in place.
    text: String,
    headers: Vec<RawHeader>,
    body: String,
    in_body: bool,
    content_length: Option<usize>,
    body_len: usize,
}

/// Normalize `h`'s value where it stands in `text`: a plain value only loses its ends, any
/// other is rewritten after the text (or over its old place, when it ends the text).
fn normalize_header(text: &mut String, h: &mut RawHeader) {
    if h.normalized {
        return;
    }
    h.normalized = true;
    let v = &text[h.value.clone()];
    match plain_trimmed(v) {
        Some(t) => h.value = h.value.start + t.start..h.value.start + t.end,
        None => {
            let mut s = String::new();
            push_normalized_general(&mut s, v);
            let at = if h.value.end == text.len() {
                text.truncate(h.value.start);
                h.value.start
            } else {
                text.len()
            };
            text.push_str(&s);
            h.value = at..text.len();
        }
    }
}

impl SipBuilder {
    pub fn new(
        start: StartLine,
        line: Option<u64>,
        direction: Option<Direction>,
        peer: Option<String>,
    ) -> Self {
        Self::with_scratch(SipScratch::default(), start, line, direction, peer)
    }

    /// A builder that writes into buffers a previous one handed back.
    pub fn with_scratch(
        scratch: SipScratch,
        start: StartLine,
        line: Option<u64>,
        direction: Option<Direction>,
        peer: Option<String>,
    ) -> Self {
        let SipScratch {
            mut text,
            mut headers,
            mut body,
        } = scratch;
        text.clear();
        headers.clear();
        body.clear();
        SipBuilder {
            direction,
            peer,
            start,
            start_line_no: line,
            text,
            headers,
            body,
            in_body: false,
            content_length: None,
            body_len: 0,
        }
    }

    pub fn in_body(&self) -> bool {
        self.in_body
    }

    /// True once the body announced by `Content-Length` is complete (or there is none).
    pub fn body_complete(&self) -> bool {
        self.in_body && self.content_length.is_none_or(|n| self.body_len >= n)
    }

    /// The last header, normalized, with its value at the end of the text and nothing after it.
    fn last_normalized(&mut self) -> Option<&mut RawHeader> {
        let h = self.headers.last_mut()?;
        normalize_header(&mut self.text, h);
        self.text.truncate(h.value.end);
        Some(h)
    }

    /// Add a header or continuation line.
    pub fn push_header_line(&mut self, line: &str, line_no: Option<u64>) {
        let plain_first = line.as_bytes().first().is_some_and(|&c| plain_ascii(c));
        if !plain_first && trim_ws(line).is_empty() {
            self.in_body = true;
            return;
        }
        let starts_ws = line.starts_with([' ', '\t']);
        match header_line_parts(line) {
            Some((name, v_at)) if !(starts_ws && self.looks_like_continuation()) => {
                if self.headers.len() >= MAX_HEADERS {
                    return;
                }
                let n0 = self.text.len();
                let (name, value) = if name.len() == 1 {
                    // A compact form, expanded.
                    let long = canonical_header_name(&line[name]);
                    self.text.push_str(long);
                    let v0 = self.text.len();
                    self.text.push_str(&line[v_at..]);
                    (n0..n0 + long.len(), v0..self.text.len())
                } else {
                    // Name, colon and value in one copy: the text may hold bytes no span
                    // refers to, and one copy per header line is cheaper than two.
                    self.text.push_str(&line[name.start..]);
                    (
                        n0..n0 + name.len(),
                        n0 + (v_at - name.start)..self.text.len(),
                    )
                };
                let name_text = &self.text[name.clone()];
                let is_length = name_text.eq_ignore_ascii_case("Content-Length");
                let mut h = RawHeader {
                    name,
                    value,
                    line: line_no,
                    normalized: false,
                };
                if is_length {
                    normalize_header(&mut self.text, &mut h);
                    self.content_length = self.text[h.value.clone()].trim().parse().ok();
                }
                self.headers.push(h);
            }
            _ => {
                // A folded or wrapped value continues the previous header, whose value ends
                // the text.
                if let Some(value) = self.last_normalized().map(|h| h.value.clone())
                    && value.len() < MAX_HEADER_VALUE
                {
                    let value = &self.text[value];
                    if !value.is_empty() && !value.ends_with(['/', '=']) {
                        self.text.push(' ');
                    }
                    push_normalized(&mut self.text, line);
                    if let Some(h) = self.headers.last_mut() {
                        h.value.end = self.text.len();
                    }
                }
            }
        }
    }

    /// An indented `word:` line is a new header when copies indent every header (Snooper), and
    /// a folded continuation when it follows a header whose value is unfinished.
    fn looks_like_continuation(&mut self) -> bool {
        match self.last_normalized().map(|h| h.value.clone()) {
            Some(v) => {
                let v = &self.text[v];
                v.ends_with(',') || v.ends_with(';')
            }
            None => false,
        }
    }

    pub fn push_body_line(&mut self, line: &str) {
        self.body_len += line.len() + 2;
        if self.body.len() < MAX_BODY {
            let room = MAX_BODY - self.body.len();
            let take = floor_boundary(line, room);
            self.body.push_str(&line[..take]);
            self.body.push('\n');
        }
    }

    /// The body announced by `Content-Length` is not all there.
    pub fn body_truncated(&self) -> bool {
        self.in_body && self.content_length.is_some_and(|n| self.body_len < n)
    }

    /// A `Content-Length` header has been seen (conventionally the last header).
    pub fn has_content_length(&self) -> bool {
        self.content_length.is_some()
    }

    pub fn finish(self) -> SipMessage {
        self.finish_with(None).0
    }

    /// Does `filter` want this message whole?
    fn wanted_whole(&self, filter: &SipFilter) -> bool {
        let wanted_method = |m: &str| {
            filter
                .full_methods
                .iter()
                .any(|f| f.eq_ignore_ascii_case(m))
        };
        if let StartLine::Request { method, .. } = &self.start
            && wanted_method(method)
        {
            return true;
        }
        let mut cseq_seen = matches!(self.start, StartLine::Request { .. });
        let full = NameSet::new(&filter.full_headers);
        let text = self.text.as_bytes();
        for h in &self.headers {
            let name = &text[h.name.clone()];
            if full.has(name) {
                return true;
            }
            // A response's method, as `SipMessage::transaction_method` reads it: from the first
            // `CSeq` header.
            if !cseq_seen && name.eq_ignore_ascii_case(b"CSeq") {
                cseq_seen = true;
                let raw = &self.text[h.value.clone()];
                let value: Cow<str> = if h.normalized {
                    Cow::Borrowed(raw)
                } else {
                    match plain_trimmed(raw) {
                        Some(t) => Cow::Borrowed(&raw[t]),
                        None => Cow::Owned(normalize_value(raw)),
                    }
                };
                if let Some(m) = value.split_whitespace().nth(1)
                    && wanted_method(m)
                {
                    return true;
                }
            }
        }
        false
    }

    /// The message, whole, or reduced as `filter` says; and the buffers, for the next builder.
    pub fn finish_with(mut self, filter: Option<&SipFilter>) -> (SipMessage, SipScratch) {
        let whole = filter.is_none_or(|f| self.wanted_whole(f));
        let (header_text, header_spans) = if whole {
            for h in &mut self.headers {
                normalize_header(&mut self.text, h);
            }
            let spans = self
                .headers
                .iter()
                .map(|h| HeaderSpan {
                    name: h.name.clone(),
                    value: h.value.clone(),
                    line: h.line,
                })
                .collect();
            (self.text.clone(), spans)
        } else {
            let mut text = String::new();
            let mut spans = Vec::new();
            if let Some(f) = filter {
                let keep = NameSet::new(&f.keep_headers);
                for h in &mut self.headers {
                    if keep.has(&self.text.as_bytes()[h.name.clone()]) {
                        normalize_header(&mut self.text, h);
                        push_header_to(
                            &mut text,
                            &mut spans,
                            &self.text[h.name.clone()],
                            &self.text[h.value.clone()],
                            h.line,
                        );
                    }
                }
            }
            (text, spans)
        };
        let body = if whole && !self.body.is_empty() {
            self.body.clone()
        } else {
            String::new()
        };
        let msg = SipMessage {
            direction: self.direction,
            peer: self.peer,
            start: self.start,
            start_line_no: self.start_line_no,
            header_text,
            header_spans,
            body,
            reduced: !whole,
        };
        let scratch = SipScratch {
            text: self.text,
            headers: self.headers,
            body: self.body,
        };
        (msg, scratch)
    }
}

fn floor_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Parse a block of text holding one SIP message (an event's `Response Data:` section, a rule
/// example). Lines before the start line are ignored.
pub fn parse_message_text(text: &str) -> Option<SipMessage> {
    let mut b: Option<SipBuilder> = None;
    for line in text.lines() {
        match &mut b {
            None => {
                if let Some(sl) = parse_start_line(line) {
                    b = Some(SipBuilder::new(sl, None, None, None));
                }
            }
            Some(bb) if !bb.in_body() => bb.push_header_line(line, None),
            Some(bb) => bb.push_body_line(line),
        }
    }
    b.map(SipBuilder::finish)
}

/// Read `take_while` of hex digits; used by log prefixes.
pub fn hex_word(i: &str) -> IResult<&str, &str> {
    take_while(|c: char| c.is_ascii_hexdigit())(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_lines() {
        assert_eq!(
            parse_start_line("REGISTER sip:contoso.com SIP/2.0"),
            Some(StartLine::Request {
                method: "REGISTER".into(),
                uri: "sip:contoso.com".into()
            })
        );
        assert_eq!(
            parse_start_line("SIP/2.0 401 Unauthorized "),
            Some(StartLine::Response {
                code: 401,
                reason: "Unauthorized".into()
            })
        );
        assert_eq!(
            parse_start_line("SIP/2.0 301 Redirect request to Home Server"),
            Some(StartLine::Response {
                code: 301,
                reason: "Redirect request to Home Server".into()
            })
        );
        assert!(parse_start_line("Via: SIP/2.0/TLS 10.0.0.1:5061").is_none());
        assert!(parse_start_line("Error message: SIP/2.0 404 Not Found").is_none());
        assert!(parse_start_line("SIP/2.0 99999 x").is_none());
    }

    #[test]
    fn hand_written_start_lines_read_as_the_grammar() {
        let mut lines: Vec<String> = [
            "REGISTER sip:contoso.com SIP/2.0",
            "SIP/2.0 401 Unauthorized",
            "SIP/2.0 200OK",
            "SIP/2.0 200",
            "SIP/2.0  200  OK  ",
            "SIP/2.0\t404\tNot Found",
            "SIP/2.0 099 Too low",
            "SIP/2.0 700 Too high",
            "SIP/2.0 65536 Overflow",
            "SIP/2.0 abc",
            "SIP/2.0",
            "sip/2.0 200 OK",
            "register sip:x SIP/2.0",
            "REGISTER  sip:x  sip/2.0",
            "REGISTER sip:x SIP/2.0 SIP/2.0",
            "REGISTER SIP/2.0 SIP/2.0",
            "REGISTER sip:x\u{a0}SIP/2.0",
            "REGISTER\u{a0}sip:x SIP/2.0",
            "REGISTER sip:x\tSIP/2.0",
            "X-MS_FOO sip:x SIP/2.0",
            "REGISTER sip:x SIP/2.0x",
            "REGISTERsip:x SIP/2.0",
            " SIP/2.0",
            "Via: SIP/2.0/TLS 10.0.0.1:5061",
            "Error message: SIP/2.0 404 Not Found",
            "sending SIP/2.0",
            "SIP/2.0 200 OK \u{2003}",
            "\u{feff}SIP/2.0 200 OK",
            "INVITE sip:bob@contoso.com;transport=tls SIP/2.0",
            "SERVICE sip:ü@contoso.com SIP/2.0",
            "",
            "0",
            "S",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for l in lines.clone() {
            for (a, b) in [
                (" ", ""),
                ("", " "),
                ("\t", "\t"),
                ("\u{a0}", ""),
                ("", "\u{3000}"),
            ] {
                lines.push(format!("{a}{l}{b}"));
            }
        }
        for l in &lines {
            assert_eq!(parse_start_line(l), start_line_grammar(l), "{l:?}");
        }
    }

    #[test]
    fn ms_diag_params_in_any_order_and_typographic_quotes() {
        let d = parse_ms_diag(r#"4005;reason="Destination URI either not enabled for SIP or does not exist";source="Lyncpool.domainname.com""#).unwrap();
        assert_eq!(d.code, 4005);
        assert_eq!(d.source.as_deref(), Some("Lyncpool.domainname.com"));
        let d = parse_ms_diag(r#" 1017; reason="Cannot route"; summary="wrong type""#).unwrap();
        assert_eq!(d.code, 1017);
        assert_eq!(d.reason.as_deref(), Some("Cannot route"));
        assert_eq!(
            d.params,
            vec![("summary".to_string(), "wrong type".to_string())]
        );
        let d = parse_ms_diag(
            "1027;reason=\u{201D}Cannot route\u{201D};source=\u{201D}nxac.pdiaz.com\u{201D}\\",
        )
        .unwrap();
        assert_eq!(d.code, 1027);
        assert_eq!(d.source.as_deref(), Some("nxac.pdiaz.com"));
        let d = parse_ms_diag(r#"source="x.contoso.com";reason="a;b" "#);
        assert!(d.is_none(), "a value without a code is not a diagnostic");
        let d = parse_ms_diag("13004.2;reason=\"Request was proxied\"").unwrap();
        assert_eq!((d.code, d.sub), (13004, Some(2)));
    }

    #[test]
    fn diag_code_alone_reads_as_the_full_parse() {
        for v in [
            "4005;reason=\"x\"",
            "  1013 ; reason=x",
            "\u{3000}1017;reason=\u{201D}y\u{201D}\\",
            "13004.2;reason=\"Request was proxied\"",
            "99999999999;reason=x",
            "4294967295",
            "4294967296",
            "+12",
            "-1",
            "",
            "\\",
            "12\\",
            "source=\"x\";reason=\"a;b\" ",
            "\t52001",
            "x-1",
            "١٢٣",
        ] {
            assert_eq!(ms_diag_code(v), parse_ms_diag(v).map(|d| d.code), "{v:?}");
        }
    }

    #[test]
    fn indented_headers_and_continuations() {
        let mut b = SipBuilder::new(
            parse_start_line("SIP/2.0 500 Server Internal Error").unwrap(),
            Some(1),
            None,
            None,
        );
        b.push_header_line(" Via: SIP/2.0/TLS", Some(2));
        b.push_header_line("192.168.0.0:49176;received=62.0.0.0", Some(3));
        b.push_header_line(" CSeq: 1 INVITE", Some(4));
        b.push_header_line(" Content-Length: 0 ", Some(5));
        let m = b.finish();
        assert_eq!(
            m.header("via"),
            Some("SIP/2.0/TLS 192.168.0.0:49176;received=62.0.0.0")
        );
        assert_eq!(m.cseq(), Some((1, "INVITE")));
        assert_eq!(m.header("CONTENT-LENGTH"), Some("0"));
    }

    #[test]
    fn filtered_messages_keep_what_is_asked() {
        let filter = SipFilter {
            full_methods: vec!["REGISTER".into()],
            full_headers: vec!["ms-diagnostics".into()],
            keep_headers: vec!["Server".into(), "Date".into()],
        };
        let build = |text: &str| {
            let mut lines = text.lines();
            let sl = parse_start_line(lines.next().unwrap_or("")).expect("start line");
            let mut b = SipBuilder::new(sl, Some(1), None, None);
            for l in lines {
                if b.in_body() {
                    b.push_body_line(l);
                } else {
                    b.push_header_line(l, Some(2));
                }
            }
            b.finish_with(Some(&filter)).0
        };
        let m = build(
            "SIP/2.0 200 OK\nCSeq: 2 SUBSCRIBE\nserver: RTC/7.0\nDATE: Tue, 24 Nov 2026 08:00:00 GMT\nContent-Length: 3\n\nabc",
        );
        let names: Vec<_> = m.headers().map(|h| h.name).collect();
        assert_eq!(names, ["server", "DATE"]);
        assert!(m.reduced);
        assert_eq!(m.body, "");
        assert_eq!(m.status(), Some(200));
        let m =
            build("SIP/2.0 200 OK\nCSeq: 2 register\nServer: RTC/7.0\nContent-Length: 3\n\nabc");
        assert_eq!(m.headers().len(), 3);
        assert_eq!(m.body, "abc\n");
        assert!(!m.reduced);
        let m = build(
            "SUBSCRIBE sip:a@b.c SIP/2.0\nCSeq: 2 SUBSCRIBE\nMS-Diagnostics: 1008;reason=\"x\"\n",
        );
        assert_eq!(m.headers().len(), 2);
        // Reused buffers start empty.
        let (_, scratch) = SipBuilder::new(
            parse_start_line("SIP/2.0 200 OK").expect("start line"),
            None,
            None,
            None,
        )
        .finish_with(None);
        let mut b = SipBuilder::with_scratch(
            scratch,
            parse_start_line("SIP/2.0 180 Ringing").expect("start line"),
            None,
            None,
            None,
        );
        b.push_header_line("To: <sip:a@b.c>", None);
        b.push_header_line("  ;tag=1", None);
        assert_eq!(b.finish().header("to"), Some("<sip:a@b.c> ;tag=1"));
    }

    #[test]
    fn fast_trims_trim_as_std_does() {
        for c in 0u8..128 {
            assert_eq!(plain_ascii(c), !(c as char).is_whitespace(), "{c:#x}");
        }
        let ends = [
            "",
            " ",
            "\t",
            "  \t",
            "\r",
            "\n",
            "\x0B",
            "\x0C",
            "\u{3000}",
            "\u{A0}",
            " \u{2003} ",
            "\x1C",
        ];
        let cores = [
            "",
            "a",
            "Via: x",
            "é",
            " mid dle ",
            "\u{3000}x\u{3000}",
            "x\\",
        ];
        for a in ends {
            for c in cores {
                for z in ends {
                    let s = format!("{a}{c}{z}");
                    assert_eq!(trim_ws(&s), s.trim(), "{s:?}");
                    assert_eq!(trim_end_ws(&s), s.trim_end(), "{s:?}");
                    for tail in ["", "\\", " \\ ", "\\\\", "\t\\", "\u{201D}\\"] {
                        let s = format!("{s}{tail}");
                        let (mut fast, mut general) = (String::new(), String::new());
                        push_normalized(&mut fast, &s);
                        push_normalized_general(&mut general, &s);
                        assert_eq!(fast, general, "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn hosts_and_uris() {
        assert_eq!(
            uri_in("\"Bob\"<sip:bob@contoso.com>;tag=1"),
            Some("sip:bob@contoso.com")
        );
        // The byte scan answers as the general search did: `sips:` only when there is no
        // `sip:`, and a non-ASCII space ends a URI.
        assert_eq!(uri_in("<sips:a@b.com>"), Some("sips:a@b.com"));
        assert_eq!(uri_in("x sips:a@b sip:c@d"), Some("sip:c@d"));
        assert_eq!(
            uri_in("sip:bj\u{f6}rn@b.com\u{3000}x"),
            Some("sip:bj\u{f6}rn@b.com")
        );
        assert_eq!(uri_in("sip:a@b.com\u{b}x"), Some("sip:a@b.com"));
        assert_eq!(uri_in("SIP:a@b.com"), None);
        assert_eq!(
            domain_of_uri("sip:bob@Contoso.com").as_deref(),
            Some("contoso.com")
        );
        assert_eq!(
            host_of("sip:pool01.contoso.com:5061;transport=tls").as_deref(),
            Some("pool01.contoso.com")
        );
        assert_eq!(
            host_of("https://adfs.contoso.com/adfs/ls").as_deref(),
            Some("adfs.contoso.com")
        );
        assert_eq!(
            auth_scheme("TLS-DSK realm=\"SIP Communications Service\""),
            "TLS-DSK"
        );
    }

    #[test]
    fn message_text() {
        let m = parse_message_text("junk\nSIP/2.0 403 Forbidden\r\nms-diagnostics: 17002;reason=\"Invalid protocol client version\"\r\nCSeq: 2 REGISTER\r\n").unwrap();
        assert_eq!(m.status(), Some(403));
        assert!(m.is_register());
        assert_eq!(m.ms_diagnostics()[0].0.code, 17002);
    }
}
