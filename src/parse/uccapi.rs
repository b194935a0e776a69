//! Lync / Skype for Business client logs (`*.UccApilog`, grammar A), SIPStack / Snooper
//! formatted traces (grammar B, `TL_INFO(TF_PROTOCOL) ... $$begin_record`), and files of bare
//! SIP messages. One state machine reads all three, since copies mix them.
//!
//! Records are emitted as lines arrive; only the message being assembled is held in memory.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use nom::{IResult, Parser, bytes::complete::take, character::complete::char};

use super::sip::{SipBuilder, SipScratch, parse_header_line, parse_start_line};
use super::{Format, ParseCtx};
use crate::input::decode::LineReader;
use crate::model::{Body, Direction, LogLine, Record, SourceLoc, StartLine, Ts};

/// The prefix of a grammar-A line, with the message text after ` :: `.
#[derive(Debug, PartialEq)]
pub struct Prefix<'a> {
    pub ts: NaiveDateTime,
    pub level: &'a str,
    pub text: &'a str,
}

fn num<'a>(n: usize) -> impl Parser<&'a str, Output = u32, Error = nom::error::Error<&'a str>> {
    // Digits folded by hand: this runs several times on every line of a large log.
    nom::combinator::map_opt(take(n), |s: &str| super::digits(s.as_bytes()))
}

/// `MM/DD/YYYY` + `sep` + `HH:MM:SS.mmm`
fn datetime(sep: char) -> impl Fn(&str) -> IResult<&str, NaiveDateTime> {
    move |i: &str| {
        let (i, mo) = num(2).parse(i)?;
        let (i, _) = char('/')(i)?;
        let (i, d) = num(2).parse(i)?;
        let (i, _) = char('/')(i)?;
        let (i, y) = num(4).parse(i)?;
        let (i, _) = char(sep)(i)?;
        let (i, h) = num(2).parse(i)?;
        let (i, _) = char(':')(i)?;
        let (i, mi) = num(2).parse(i)?;
        let (i, _) = char(':')(i)?;
        let (i, s) = num(2).parse(i)?;
        let (i, _) = char('.')(i)?;
        let (i, ms) = num(3).parse(i)?;
        let date = NaiveDate::from_ymd_opt(y as i32, mo, d);
        let time = NaiveTime::from_hms_milli_opt(h, mi, s, ms);
        match (date, time) {
            (Some(d), Some(t)) => Ok((i, NaiveDateTime::new(d, t))),
            _ => Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Verify,
            ))),
        }
    }
}

/// Parse a grammar-A line prefix (`11/25/2014|08:12:51.123 1A2C:0F10 INFO  :: text`).
pub fn parse_prefix(line: &str) -> Option<Prefix<'_>> {
    parse_prefix_cached(line, &mut PrefixCache::default())
}

/// The date and time of the last prefix read, as written and as values: consecutive lines
/// share the date, and a packet's lines share the time.
#[derive(Default)]
struct PrefixCache {
    date: Option<([u8; 10], NaiveDate)>,
    time: Option<([u8; 12], NaiveTime)>,
}

/// [`parse_prefix`], runs on every line of a log, so it is written out by hand: the date and
/// time have fixed places; then blanks, `hex:hex` thread ids, blanks, a level word, optional
/// blanks and `::`.
fn parse_prefix_cached<'l>(line: &'l str, cache: &mut PrefixCache) -> Option<Prefix<'l>> {
    let b = line.as_bytes();
    // Every prefixed line has `|` at byte 10.
    if b.len() < 26 || b[10] != b'|' {
        return None;
    }
    let num = |at: usize, n: usize| super::digits(&b[at..at + n]);
    if b[2] != b'/' || b[5] != b'/' || b[13] != b':' || b[16] != b':' || b[19] != b'.' {
        return None;
    }
    let date = match &cache.date {
        Some((text, d)) if *text == b[..10] => *d,
        _ => {
            let d = NaiveDate::from_ymd_opt(num(6, 4)? as i32, num(0, 2)?, num(3, 2)?)?;
            let mut text = [0u8; 10];
            text.copy_from_slice(&b[..10]);
            cache.date = Some((text, d));
            d
        }
    };
    let time = match &cache.time {
        Some((text, t)) if *text == b[11..23] => *t,
        _ => {
            let t =
                NaiveTime::from_hms_milli_opt(num(11, 2)?, num(14, 2)?, num(17, 2)?, num(20, 3)?)?;
            let mut text = [0u8; 12];
            text.copy_from_slice(&b[11..23]);
            cache.time = Some((text, t));
            t
        }
    };
    let ts = NaiveDateTime::new(date, time);
    // Past `i`, the bytes that pass `f`: at least one when `one` is set.
    fn skip(b: &[u8], mut i: usize, one: bool, f: impl Fn(u8) -> bool) -> Option<usize> {
        let from = i;
        while i < b.len() && f(b[i]) {
            i += 1;
        }
        (!one || i > from).then_some(i)
    }
    let blank = |c: u8| c == b' ' || c == b'\t';
    let i = skip(b, 23, true, blank)?;
    let i = skip(b, i, true, |c| c.is_ascii_hexdigit())?;
    if b.get(i) != Some(&b':') {
        return None;
    }
    let i = skip(b, i + 1, true, |c| c.is_ascii_hexdigit())?;
    let level_start = skip(b, i, true, blank)?;
    let level_end = skip(b, level_start, true, |c| c.is_ascii_alphabetic())?;
    let i = skip(b, level_end, false, blank)?;
    if !b[i..].starts_with(b"::") {
        return None;
    }
    // Every index above is at an ASCII byte, so these are char boundaries.
    let text = &line[i + 2..];
    Some(Prefix {
        ts,
        level: &line[level_start..level_end],
        text: text.strip_prefix(' ').unwrap_or(text),
    })
}

/// The header line of a grammar-B record: `TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101...`
#[derive(Debug, PartialEq)]
pub struct TraceHeader<'a> {
    pub level: &'a str,
    pub ts: Option<NaiveDateTime>,
    /// What follows the `(component,function)` part, e.g. an error text.
    pub text: &'a str,
}

pub fn parse_trace_header(line: &str) -> Option<TraceHeader<'_>> {
    let rest = line.strip_prefix("TL_")?;
    let open = rest.find('(')?;
    let level = &rest[..open];
    if level.is_empty() || !level.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    if !rest[open + 1..].starts_with("TF_") {
        return None;
    }
    let ts = line
        .find("::")
        .and_then(|p| datetime('-')(&line[p + 2..]).ok())
        .map(|(_, t)| t);
    // Text after the `(Component,Class::Method:file(line))` group.
    let text = line
        .find(".cpp(")
        .and_then(|p| line[p..].find("))").map(|q| &line[p + q + 2..]))
        .unwrap_or("")
        .trim();
    let text = text.trim_end_matches("$$begin_record").trim();
    Some(TraceHeader { level, ts, text })
}

/// Does the head look like a client log or a server trace?
pub fn sniff(head: &str) -> Option<Format> {
    let mut trace = false;
    for line in head.lines().take(2000) {
        if parse_prefix(line).is_some() {
            return Some(Format::Uccapi);
        }
        if parse_trace_header(line).is_some() || line.contains("$$begin_record") {
            trace = true;
        }
    }
    trace.then_some(Format::SipTrace)
}

/// Where a packet banner said a message comes from.
#[derive(Clone, Debug)]
struct Banner {
    direction: Direction,
    peer: Option<String>,
}

fn parse_banner(text: &str) -> Option<Banner> {
    let (direction, rest) = if let Some(r) = text.strip_prefix("Sending Packet") {
        (Direction::Outgoing, r)
    } else if let Some(r) = text.strip_prefix("Data Received") {
        (Direction::Incoming, r)
    } else {
        return None;
    };
    let rest = rest.trim_start_matches([' ', '-']).trim_start();
    let peer = rest
        .split_whitespace()
        .next()
        .filter(|p| p.contains(':') || p.contains('.'))
        .map(|p| p.to_string());
    Some(Banner { direction, peer })
}

enum State {
    Idle,
    /// A SIP message is being assembled.
    Message(SipBuilder, Option<Ts>, u64),
    /// A grammar-B record body.
    Trace(TraceRecord),
}

struct TraceRecord {
    ts: Option<Ts>,
    line: u64,
    direction: Option<Direction>,
    peer: Option<String>,
    sip: Option<SipBuilder>,
    in_body: bool,
}

/// The parser, fed one line at a time.
pub struct UccapiParser {
    state: State,
    banner: Option<Banner>,
    last_ts: Option<Ts>,
    /// Buffers of the last finished SIP message, for the next one.
    scratch: Option<SipScratch>,
    prefixes: PrefixCache,
}

impl Default for UccapiParser {
    fn default() -> Self {
        Self::new()
    }
}

impl UccapiParser {
    pub fn new() -> Self {
        UccapiParser {
            state: State::Idle,
            banner: None,
            last_ts: None,
            scratch: None,
            prefixes: PrefixCache::default(),
        }
    }

    fn flush(&mut self, ctx: &mut ParseCtx<'_>) {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Idle => {}
            State::Message(b, ts, line) => {
                let (m, scratch) = b.finish_with(ctx.sip_filter);
                self.scratch = Some(scratch);
                ctx.emit(Record {
                    source: SourceLoc::line(ctx.path, line),
                    ts,
                    body: Body::Sip(Box::new(m)),
                });
            }
            State::Trace(t) => {
                if let Some(b) = t.sip {
                    let (m, scratch) = b.finish_with(ctx.sip_filter);
                    self.scratch = Some(scratch);
                    ctx.emit(Record {
                        source: SourceLoc::line(ctx.path, t.line),
                        ts: t.ts,
                        body: Body::Sip(Box::new(m)),
                    });
                }
            }
        }
    }

    fn line_record(
        ctx: &mut ParseCtx<'_>,
        line_no: u64,
        ts: Option<Ts>,
        level: Option<&str>,
        text: &str,
    ) {
        if text.trim().is_empty() {
            return;
        }
        if !ctx.wants_line(text) {
            ctx.skip();
            return;
        }
        ctx.emit(Record {
            source: SourceLoc::line(ctx.path, line_no),
            ts,
            body: Body::Line(LogLine {
                level: level.map(str::to_string),
                text: text.to_string(),
            }),
        });
    }

    fn start_message(&mut self, sl: StartLine, line_no: u64, ts: Option<Ts>) {
        let (dir, peer) = match self.banner.take() {
            Some(b) => (Some(b.direction), b.peer),
            None => (None, None),
        };
        let scratch = self.scratch.take().unwrap_or_default();
        self.state = State::Message(
            SipBuilder::with_scratch(scratch, sl, Some(line_no), dir, peer),
            ts,
            line_no,
        );
    }

    pub fn feed(&mut self, line_no: u64, line: &str, ctx: &mut ParseCtx<'_>) {
        // Grammar A: a prefixed line starts a new record.
        if let Some(p) = parse_prefix_cached(line, &mut self.prefixes) {
            let ts = Some(Ts::Local(p.ts));
            self.last_ts = ts;
            self.flush(ctx);
            let text = p.text.trim_end();
            if let Some(b) = parse_banner(text) {
                self.banner = Some(b);
                // Some logs put the start line after `bytes:` on the banner line itself.
                if let Some(after) = after_bytes_colon(text)
                    && let Some(sl) = parse_start_line(after)
                {
                    self.start_message(sl, line_no, ts);
                }
                return;
            }
            if text.starts_with("End of ") {
                self.banner = None;
                return;
            }
            if let Some(sl) = parse_start_line(text) {
                self.start_message(sl, line_no, ts);
                return;
            }
            self.banner = None;
            Self::line_record(ctx, line_no, ts, Some(p.level), text);
            return;
        }

        // Grammar B: a trace header starts a record; `$$begin_record` anywhere starts one too.
        if let Some(h) = parse_trace_header(line) {
            self.flush(ctx);
            let ts = h.ts.map(Ts::Local);
            if ts.is_some() {
                self.last_ts = ts;
            }
            if !h.text.is_empty() {
                Self::line_record(ctx, line_no, ts, Some(h.level), h.text);
            }
            self.state = State::Trace(TraceRecord {
                ts,
                line: line_no,
                direction: None,
                peer: None,
                sip: None,
                in_body: false,
            });
            return;
        }
        // Without an early exit the test for `$` is vectorised: most lines are short.
        if line.bytes().fold(false, |any, c| any | (c == b'$'))
            && line.contains("$$begin_record")
            && !matches!(self.state, State::Trace(_))
        {
            self.flush(ctx);
            self.state = State::Trace(TraceRecord {
                ts: self.last_ts,
                line: line_no,
                direction: None,
                peer: None,
                sip: None,
                in_body: false,
            });
            return;
        }

        match &mut self.state {
            State::Trace(t) => {
                let l = line.trim_end();
                if l.starts_with("$$end_record") {
                    self.flush(ctx);
                    return;
                }
                if let Some(sip) = &mut t.sip {
                    if t.in_body {
                        sip.push_body_line(l);
                    } else if let Some(b) = l.strip_prefix("Message-Body:") {
                        t.in_body = true;
                        let b = b.trim();
                        if !b.is_empty() && b != "-" {
                            sip.push_body_line(b);
                        }
                    } else {
                        sip.push_header_line(l, Some(line_no));
                    }
                    return;
                }
                match parse_header_line(l) {
                    Some((k, v)) if k.eq_ignore_ascii_case("Direction") => {
                        let v = v.trim().to_ascii_lowercase();
                        t.direction = if v.starts_with("incoming") {
                            Some(Direction::Incoming)
                        } else if v.starts_with("outgoing") {
                            Some(Direction::Outgoing)
                        } else {
                            None
                        };
                    }
                    Some((k, v)) if k.eq_ignore_ascii_case("Peer") => {
                        t.peer = Some(v.trim().to_string())
                    }
                    Some((k, v)) if k.eq_ignore_ascii_case("Start-Line") => {
                        if let Some(sl) = parse_start_line(v) {
                            t.sip = Some(SipBuilder::with_scratch(
                                self.scratch.take().unwrap_or_default(),
                                sl,
                                Some(line_no),
                                t.direction,
                                t.peer.clone(),
                            ));
                        }
                    }
                    Some((k, _))
                        if [
                            "Trace-Correlation-Id",
                            "Instance-Id",
                            "Message-Type",
                            "LogType",
                        ]
                        .iter()
                        .any(|n| k.eq_ignore_ascii_case(n)) => {}
                    _ => {
                        let ts = t.ts;
                        Self::line_record(ctx, line_no, ts, None, l);
                    }
                }
            }
            State::Message(b, _, _) => {
                let t = super::sip::trim_end_ws(line);
                if !b.in_body() {
                    if t.is_empty() {
                        b.push_header_line(t, Some(line_no));
                        if b.body_complete() {
                            self.flush(ctx);
                        }
                        return;
                    }
                    // A new start line (bare SIP files) ends the message.
                    if let Some(sl) = parse_start_line(t) {
                        let ts = self.last_ts;
                        self.flush(ctx);
                        self.start_message(sl, line_no, ts);
                        return;
                    }
                    b.push_header_line(line, Some(line_no));
                } else {
                    if let Some(sl) = parse_start_line(t) {
                        let ts = self.last_ts;
                        self.flush(ctx);
                        self.start_message(sl, line_no, ts);
                        return;
                    }
                    b.push_body_line(t);
                    if b.body_complete() {
                        self.flush(ctx);
                    }
                }
            }
            State::Idle => {
                let t = line.trim();
                if let Some(sl) = parse_start_line(t) {
                    let ts = self.last_ts;
                    self.start_message(sl, line_no, ts);
                    return;
                }
                // A status line glued to the end of other text (a copy that lost a line break).
                if let Some(p) = t.find("SIP/2.0 ")
                    && p > 0
                    && parse_header_line(t).is_none()
                    && let Some(sl @ StartLine::Response { .. }) = parse_start_line(&t[p..])
                {
                    let ts = self.last_ts;
                    Self::line_record(ctx, line_no, ts, None, &t[..p]);
                    self.start_message(sl, line_no, ts);
                    return;
                }
                let ts = self.last_ts;
                Self::line_record(ctx, line_no, ts, None, t);
            }
        }
    }

    pub fn finish(&mut self, ctx: &mut ParseCtx<'_>) {
        self.flush(ctx);
    }

    /// At the end of input: report a SIP message that was cut short (a file truncated by a
    /// copy, an upload limit or a log rollover), naming the last line and where the message
    /// started. What was read is still kept. A message counts as cut when its announced body is
    /// incomplete, or when the input stops mid-line while still in the headers before any
    /// `Content-Length` (which conventionally comes last) — a complete excerpt that merely lacks
    /// a final newline is not reported.
    fn report_cut(&self, last_line: u64, ended_mid_line: bool, ctx: &mut ParseCtx<'_>) {
        let (start, b) = match &self.state {
            State::Message(b, _, line) => (*line, b),
            State::Trace(TraceRecord {
                line, sip: Some(b), ..
            }) => (*line, b),
            _ => return,
        };
        let cut = b.body_truncated() || (ended_mid_line && !b.in_body() && !b.has_content_length());
        if cut {
            ctx.error(format!(
                "line {last_line}: the input ends inside the SIP message that starts at line {start}; kept as far as it goes"
            ));
        }
    }
}

/// The text after the first `bytes:` of a banner; `str::split_once` sets up a general substring
/// search for every banner line, which cost more than the rest of the banner's handling.
fn after_bytes_colon(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    memchr::memchr_iter(b':', b)
        .find(|&i| i >= 5 && &b[i - 5..i] == b"bytes")
        .map(|i| &text[i + 1..])
}

/// Parse a whole client log / trace / bare SIP file.
pub fn parse(lines: &mut LineReader<'_>, ctx: &mut ParseCtx<'_>) -> u64 {
    let mut p = UccapiParser::new();
    let mut last = 0;
    while let Some((n, l)) = lines.next_line() {
        last = n;
        p.feed(n, l, ctx);
    }
    p.report_cut(last, lines.ended_mid_line(), ctx);
    p.finish(ctx);
    ctx.records
}

/// Any other text: every non-empty line is a record, so rules on free text (UI messages pasted
/// into a ticket, an AD export) still apply.
pub fn parse_plain(lines: &mut LineReader<'_>, ctx: &mut ParseCtx<'_>) -> u64 {
    while let Some((n, l)) = lines.next_line() {
        let t = l.trim();
        if !t.is_empty() {
            if !ctx.wants_line(t) {
                ctx.skip();
                continue;
            }
            ctx.emit(Record {
                source: SourceLoc::line(ctx.path, n),
                ts: None,
                body: Body::Line(LogLine {
                    level: None,
                    text: t.to_string(),
                }),
            });
        }
    }
    ctx.records
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn run(text: &str) -> Vec<Record> {
        let path: Arc<str> = Arc::from("t.log");
        let mut errors = Vec::new();
        let mut out = Vec::new();
        let mut sink = |r: Record| out.push(r);
        {
            let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
            let mut lr = LineReader::from_str(text);
            parse(&mut lr, &mut ctx);
        }
        out
    }

    #[test]
    fn prefix_parses() {
        let p =
            parse_prefix("11/25/2014|08:12:51.123 1A2C:0F10 INFO  :: Sending Packet - x").unwrap();
        assert_eq!(p.level, "INFO");
        assert_eq!(p.text, "Sending Packet - x");
        assert_eq!(p.ts.to_string(), "2014-11-25 08:12:51.123");
        assert!(parse_prefix("11/25/2014 08:12:51.123 1A2C:0F10 INFO  :: x").is_none());
        assert!(parse_prefix("13/45/2014|08:12:51.123 1A2C:0F10 INFO  :: x").is_none());
        let p = parse_prefix("11/25/2014|08:12:51.123\t1a2c:0F10\tTRACE::x").unwrap();
        assert_eq!((p.level, p.text), ("TRACE", "x"));
        let p = parse_prefix("11/25/2014|08:12:51.123 1A2C:0F10 INFO ::  two").unwrap();
        assert_eq!(p.text, " two");
        assert_eq!(
            parse_prefix("11/25/2014|08:12:51.123 1A2C:0F10 INFO ::").map(|p| p.text),
            Some("")
        );
        for bad in [
            "11/25/2014|08:12:51.123 1A2C:0F10 :: no level",
            "11/25/2014|08:12:51.123 1A2C 0F10 INFO :: x",
            "11/25/2014|08:12:51.123 1A2C:0G10 INFO :: x",
            "11/25/2014|08:12:51.123 1A2C:0F10 INFO : x",
            "11/25/2014|08:12:51.123 1A2C:0F10 INFO2 :: x",
            "11/25/2014|08:12:51.123:1A2C:0F10 INFO :: x",
            "11/25/2014|24:12:51.123 1A2C:0F10 INFO :: x",
            "11/25/2014|08:12:51,123 1A2C:0F10 INFO :: x",
            "1é/25/2014|08:12:51.123 1A2C:0F10 INFO :: x",
            "11/25/2014|08:12:51.123 1A2C:0F10 INFO é :: x",
        ] {
            assert!(parse_prefix(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn prefix_dates_cached_across_lines() {
        let mut cache = PrefixCache::default();
        let mut read = |l: &str| parse_prefix_cached(l, &mut cache).map(|p| p.ts.to_string());
        // In order, as the cache meets them: a date again, a bad date, another date, the
        // first again; then the time is cached by its text too: another time, a bad one, the
        // first again.
        for (line, want) in [
            ("11/25/2014|08:12:51.123", Some("2014-11-25 08:12:51.123")),
            ("11/25/2014|08:12:51.123", Some("2014-11-25 08:12:51.123")),
            ("02/30/2014|08:12:51.123", None),
            ("12/01/2014|08:12:51.123", Some("2014-12-01 08:12:51.123")),
            ("11/25/2014|08:12:51.123", Some("2014-11-25 08:12:51.123")),
            ("11/25/2014|08:12:52.004", Some("2014-11-25 08:12:52.004")),
            ("11/25/2014|24:12:52.004", None),
            ("11/25/2014|08:12:51.123", Some("2014-11-25 08:12:51.123")),
        ] {
            let l = format!("{line} 1A2C:0F10 INFO  :: x");
            assert_eq!(read(&l).as_deref(), want, "{line}");
        }
    }

    #[test]
    fn grammar_a_packets() {
        let log = "11/25/2014|08:12:51.123 1A2C:0F10 INFO  :: Sending Packet - 192.0.2.10:443 (From Local Address: 198.51.100.7:50112) 1422 bytes:\r\n\
11/25/2014|08:12:51.123 1A2C:0F10 INFO  :: REGISTER sip:contoso.com SIP/2.0\r\n\
From: <sip:alice@contoso.com>;tag=1\r\n\
CSeq: 1 REGISTER\r\n\
Content-Length: 0\r\n\
11/25/2014|08:12:51.123 1A2C:0F10 INFO  :: End of Sending Packet - 192.0.2.10:443\r\n\
11/25/2014|08:12:51.300 1A2C:0F10 INFO  :: Data Received - 192.0.2.10:443 (To Local Address: 198.51.100.7:50112) 800 bytes:\r\n\
11/25/2014|08:12:51.300 1A2C:0F10 INFO  :: SIP/2.0 401 Unauthorized\r\n\
CSeq: 1 REGISTER\r\n\
WWW-Authenticate: NTLM realm=\"SIP Communications Service\", version=4\r\n\
Content-Length: 0\r\n\
11/25/2014|08:12:51.300 1A2C:0F10 INFO  :: End of Data Received - 192.0.2.10:443\r\n\
11/25/2014|08:12:52.000 1A2C:0F10 ERROR :: Sign-in failed hr=0x80EE0011\r\n";
        let recs = run(log);
        assert_eq!(recs.len(), 3);
        let Body::Sip(m) = &recs[0].body else {
            panic!()
        };
        assert_eq!(m.direction, Some(Direction::Outgoing));
        assert_eq!(m.peer.as_deref(), Some("192.0.2.10:443"));
        assert!(m.is_register());
        assert_eq!(recs[0].source.line, Some(2));
        let Body::Sip(m) = &recs[1].body else {
            panic!()
        };
        assert_eq!(m.status(), Some(401));
        assert_eq!(m.direction, Some(Direction::Incoming));
        assert_eq!(m.headers().nth(1).map(|h| h.line), Some(Some(10)));
        let Body::Line(l) = &recs[2].body else {
            panic!()
        };
        assert_eq!(l.level.as_deref(), Some("ERROR"));
        assert_eq!(recs[2].ts.unwrap().to_rfc3339(), "2014-11-25T08:12:52.000");
    }

    #[test]
    fn grammar_b_protocol_and_diagnostic_records() {
        let t = "TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125))$$begin_record\n\
Direction: incoming;source=\"internal edge\"\n\
Peer: lyncservr.contoso.com:61182\n\
Message-Type: request\n\
Start-Line: OPTIONS sip:Options_User@fabrikam.com SIP/2.0\n\
CSeq: 1 OPTIONS\n\
CONTENT-LENGTH: 0\n\
Message-Body: -\n\
$$end_record\n\
TL_ERROR(TF_COMPONENT) [0]0860.0CDC::01/18/2012-05:07:42.622.000d0b31 (SIPStack,CSIPRequest::GetNextHopByRouteHeader:SIPRequest.cpp(2440))( 00000000028FDD70 ) Exit - route headers from untrusted source. Result 0xC3E93C5E(SIPPROXY_E_ROUTING)\n\
LogType: diagnostic\n\
Result-Code: 0xc3e93c5e SIPPROXY_E_ROUTING\n\
$$end_record\n";
        let recs = run(t);
        let Body::Sip(m) = &recs[0].body else {
            panic!()
        };
        assert_eq!(m.method(), Some("OPTIONS"));
        assert_eq!(m.direction, Some(Direction::Incoming));
        assert_eq!(m.peer.as_deref(), Some("lyncservr.contoso.com:61182"));
        assert_eq!(m.header("content-length"), Some("0"));
        assert!(
            recs.iter()
                .any(|r| matches!(&r.body, Body::Line(l) if l.text.contains("SIPPROXY_E_ROUTING")))
        );
    }

    #[test]
    fn bare_sip_messages_in_sequence() {
        let t = "SIP/2.0 401 Unauthorized\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\nREGISTER sip:a.com SIP/2.0\r\nCSeq: 2 REGISTER\r\n\r\nSIP/2.0 200 OK\r\nCSeq: 2 REGISTER\r\n";
        let recs = run(t);
        let codes: Vec<_> = recs
            .iter()
            .filter_map(|r| match &r.body {
                Body::Sip(m) => Some(m.status().unwrap_or(0)),
                _ => None,
            })
            .collect();
        assert_eq!(codes, [401, 0, 200]);
    }

    #[test]
    fn text_after_the_first_bytes_colon() {
        for t in [
            "Sending Packet - 10.0.0.1:443 (From Local Address: 10.0.0.2:5000) 831 bytes:",
            "Data Received - 10.0.0.1:443 831 bytes: SIP/2.0 200 OK",
            "bytes: first bytes: second",
            "no marker: here",
            "bytes",
            ":bytes:",
        ] {
            assert_eq!(
                after_bytes_colon(t),
                t.split_once("bytes:").map(|(_, a)| a),
                "{t}"
            );
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(
            sniff("x\n11/25/2014|08:12:51.123 1A2C:0F10 INFO  :: hi\n"),
            Some(Format::Uccapi)
        );
        assert_eq!(
            sniff("TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101 (x)\n"),
            Some(Format::SipTrace)
        );
        assert_eq!(sniff("hello\nworld\n"), None);
    }
}
