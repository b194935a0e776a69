//! The typed records every parser yields, and the small value types they share.
//!
//! Parsers turn bytes into [`Record`]s; `facts` derives more records from several of them;
//! the rule engine matches both through the [`Subject`] trait, so a rule can name a field
//! without knowing which parser produced it.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use chrono::{NaiveDateTime, TimeZone, Utc};
use serde::Serialize;

/// Where a piece of evidence came from: `archive!member` path plus line (text formats) or
/// record id (EVTX).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SourceLoc {
    pub path: Arc<str>,
    pub line: Option<u64>,
    pub record: Option<u64>,
}

impl SourceLoc {
    pub fn line(path: &Arc<str>, line: u64) -> Self {
        SourceLoc {
            path: path.clone(),
            line: Some(line),
            record: None,
        }
    }
    pub fn record(path: &Arc<str>, record: u64) -> Self {
        SourceLoc {
            path: path.clone(),
            line: None,
            record: Some(record),
        }
    }
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.record) {
            (Some(l), _) => write!(f, "{}:{}", self.path, l),
            (None, Some(r)) => write!(f, "{}#{}", self.path, r),
            _ => write!(f, "{}", self.path),
        }
    }
}

/// A timestamp as a log wrote it. Text logs write local wall-clock time with no zone; EVTX and
/// SIP `Date:` headers are UTC. We never guess: `Local` stays local until the case's time zone
/// is known (systeminfo, `--tz`), and then `facts` turns it into `Utc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ts {
    Utc(NaiveDateTime),
    Local(NaiveDateTime),
}

impl Ts {
    pub fn naive(&self) -> NaiveDateTime {
        match self {
            Ts::Utc(t) | Ts::Local(t) => *t,
        }
    }
    pub fn is_utc(&self) -> bool {
        matches!(self, Ts::Utc(_))
    }
    /// RFC 3339: with `Z` when UTC, without an offset when local.
    pub fn to_rfc3339(&self) -> String {
        match self {
            Ts::Utc(t) => Utc
                .from_utc_datetime(t)
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string(),
            Ts::Local(t) => t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        }
    }
    /// Shift a local time to UTC given the local offset east of UTC in minutes.
    pub fn with_offset_minutes(self, offset_east: i32) -> Ts {
        match self {
            Ts::Local(t) => Ts::Utc(t - chrono::Duration::minutes(offset_east as i64)),
            u => u,
        }
    }
}

impl Serialize for Ts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Direction of a SIP message relative to the client that wrote the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Outgoing,
    Incoming,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartLine {
    /// `method` borrows a static string for the usual methods (one allocation less per
    /// message of a large log), and owns it for any other.
    Request {
        method: Cow<'static, str>,
        uri: String,
    },
    /// `reason` likewise for the usual reason phrases.
    Response {
        code: u16,
        reason: Cow<'static, str>,
    },
}

/// One header line of a SIP message, with the source line it started on: a view of the
/// message's header text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The name as written (compact forms expanded).
    pub name: &'a str,
    pub value: &'a str,
    pub line: Option<u64>,
}

/// Where one header's name and value are in a [`SipMessage`]'s header text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderSpan {
    pub(crate) name: std::ops::Range<usize>,
    pub(crate) value: std::ops::Range<usize>,
    pub(crate) line: Option<u64>,
}

/// A parsed `ms-diagnostics` / `ms-diagnostics-public` / `X-Ms-diagnostics` value.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct MsDiag {
    pub code: u32,
    pub sub: Option<u32>,
    pub reason: Option<String>,
    pub source: Option<String>,
    /// Every other `name="value"` parameter, in the order written.
    pub params: Vec<(String, String)>,
}

/// A SIP message found in a client log, a server trace or a bare capture.
///
/// Header names and values are ranges of one text buffer rather than a string each: a log
/// holds hundreds of thousands of header lines, and a string apiece was a large part of the
/// cost of building and dropping them.
#[derive(Clone)]
pub struct SipMessage {
    pub direction: Option<Direction>,
    /// Remote address from the packet banner or `Peer:` field.
    pub peer: Option<String>,
    pub start: StartLine,
    pub start_line_no: Option<u64>,
    /// Names and values of the headers; may hold text no span refers to.
    pub(crate) header_text: String,
    pub(crate) header_spans: Vec<HeaderSpan>,
    /// Message body, capped; bodies matter little for sign-in.
    pub body: String,
    /// Kept reduced by a [`crate::parse::sip::SipFilter`]: the start line and the few headers
    /// the facts read. The filter is drawn from the rules so that no rule can match such a
    /// message.
    pub reduced: bool,
}

impl PartialEq for SipMessage {
    fn eq(&self, other: &Self) -> bool {
        self.direction == other.direction
            && self.peer == other.peer
            && self.start == other.start
            && self.start_line_no == other.start_line_no
            && self.headers().eq(other.headers())
            && self.body == other.body
            && self.reduced == other.reduced
    }
}

impl Eq for SipMessage {}

impl fmt::Debug for SipMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SipMessage")
            .field("direction", &self.direction)
            .field("peer", &self.peer)
            .field("start", &self.start)
            .field("start_line_no", &self.start_line_no)
            .field("headers", &self.headers().collect::<Vec<_>>())
            .field("body", &self.body)
            .field("reduced", &self.reduced)
            .finish()
    }
}

impl SipMessage {
    /// Every header, in the order written.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = Header<'_>> + Clone + '_ {
        self.header_spans.iter().map(|s| self.view(s))
    }
    fn view(&self, s: &HeaderSpan) -> Header<'_> {
        Header {
            name: &self.header_text[s.name.clone()],
            value: &self.header_text[s.value.clone()],
            line: s.line,
        }
    }
    /// Add a header after the others.
    pub fn push_header(&mut self, name: &str, value: &str, line: Option<u64>) {
        push_header_to(
            &mut self.header_text,
            &mut self.header_spans,
            name,
            value,
            line,
        );
    }
    /// First header with this name (case-insensitive). Compact forms (`i`, `f`, `t`, `v`) are
    /// expanded by the parser, so callers use long names.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers_named(name).next().map(|h| h.value)
    }
    /// The headers whose name passes `keep`, which reads the name's bytes: a search of every
    /// header slices out as text only the headers it finds.
    pub fn headers_where<'a, F: Fn(&[u8]) -> bool>(
        &'a self,
        keep: F,
    ) -> impl Iterator<Item = Header<'a>> + use<'a, F> {
        let text = self.header_text.as_bytes();
        self.header_spans
            .iter()
            .filter(move |s| keep(&text[s.name.clone()]))
            .map(|s| self.view(s))
    }
    pub fn headers_named<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = Header<'a>> + use<'a, 'n> {
        // Names are compared as bytes, and only the headers found are sliced out as text:
        // the facts look up several headers of every message.
        self.headers_where(move |n| n.eq_ignore_ascii_case(name.as_bytes()))
    }
    pub fn call_id(&self) -> Option<&str> {
        self.header("Call-ID")
    }
    /// CSeq number and method.
    pub fn cseq(&self) -> Option<(u32, &str)> {
        let v = self.header("CSeq")?;
        let mut it = v.split_whitespace();
        let n = it.next()?.parse().ok()?;
        let m = it.next()?;
        Some((n, m))
    }
    pub fn status(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { code, .. } => Some(*code),
            _ => None,
        }
    }
    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method.as_ref()),
            _ => None,
        }
    }
    /// The method this message belongs to: the request's own, or the CSeq method of a response.
    pub fn transaction_method(&self) -> Option<&str> {
        self.method().or_else(|| self.cseq().map(|(_, m)| m))
    }
    pub fn is_register(&self) -> bool {
        self.transaction_method()
            .is_some_and(|m| m.eq_ignore_ascii_case("REGISTER"))
    }
    pub fn ms_diagnostics(&self) -> Vec<(MsDiag, Option<u64>)> {
        self.headers_where(crate::parse::sip::is_diag_name)
            .filter_map(|h| crate::parse::sip::parse_ms_diag(h.value).map(|d| (d, h.line)))
            .collect()
    }
    pub fn start_line_text(&self) -> String {
        // Pieces pushed rather than `format!`: this runs for every REGISTER the facts keep and
        // for rules that read the start line, and the formatting machinery cost several times
        // the copy.
        match &self.start {
            StartLine::Request { method, uri } => {
                let mut s = String::with_capacity(method.len() + uri.len() + 9);
                s.push_str(method);
                s.push(' ');
                s.push_str(uri);
                s.push_str(" SIP/2.0");
                s
            }
            StartLine::Response { code, reason } => {
                let mut s = String::with_capacity(reason.len() + 14);
                s.push_str("SIP/2.0 ");
                push_decimal(&mut s, u32::from(*code));
                s.push(' ');
                s.push_str(reason);
                s
            }
        }
    }
}

/// Append a header's name and value to a message's header text, and its span.
pub(crate) fn push_header_to(
    text: &mut String,
    spans: &mut Vec<HeaderSpan>,
    name: &str,
    value: &str,
    line: Option<u64>,
) {
    let n0 = text.len();
    text.push_str(name);
    let v0 = text.len();
    text.push_str(value);
    spans.push(HeaderSpan {
        name: n0..v0,
        value: v0..text.len(),
        line,
    });
}

/// `n` in decimal, as `format!("{n}")` writes it.
pub(crate) fn push_decimal(s: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.extend(digits[i..].iter().map(|&d| char::from(d)));
}

/// A free-text log line (a UCCAPI record that is not a SIP packet, a line of a mobile client
/// log, a diagnostic record of a server trace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub level: Option<String>,
    pub text: String,
}

/// A Windows event from any export shape (EVTX, XML, CSV, text).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct WinEvent {
    pub provider: String,
    /// Channel / log name (`Application`, `System`, `Security`, ...), when known.
    pub channel: Option<String>,
    pub event_id: u32,
    /// Numeric level: 1 critical, 2 error, 3 warning, 4 information, 5 verbose; 0 = LogAlways
    /// (the Security log's audit events).
    pub level: Option<u8>,
    pub computer: Option<String>,
    pub record_id: Option<u64>,
    /// `EventData`/`UserData` values; unnamed `<Data>` items are named `Data0`, `Data1`, ...
    pub data: EventData,
    /// Rendered message, when the export carries one.
    pub message: Option<String>,
    /// `Keywords` as exported (hex, or `Audit Failure`/`Audit Success`).
    pub keywords: Option<String>,
}

impl WinEvent {
    pub fn data(&self, name: &str) -> Option<&str> {
        self.data.get(name)
    }
}

/// An event's named values, in order, held as `key: value` lines of one buffer.
///
/// A Security record carries a dozen or more items, and every event the rules read is searched
/// as text lines of that shape: one buffer costs two allocations per event where a pair of
/// strings per item cost two dozen, and the rules' text view borrows its lines from it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EventData {
    text: String,
    /// Per item: where its line starts in `text`, where its value starts, where it ends.
    items: Vec<(usize, usize, usize)>,
}

impl EventData {
    /// Room for about `items` more items of `bytes` bytes in all.
    pub fn reserve(&mut self, items: usize, bytes: usize) {
        self.items.reserve(items);
        self.text.reserve(bytes);
    }

    pub fn push(&mut self, key: &str, value: &str) {
        let start = self.text.len();
        self.text.push_str(key);
        self.text.push_str(": ");
        let at = self.text.len();
        self.text.push_str(value);
        self.items.push((start, at, self.text.len()));
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.items.clear();
    }

    /// An item's (key, value): the key ends where its `: ` does.
    fn pair(&self, &(s, at, e): &(usize, usize, usize)) -> (&str, &str) {
        (&self.text[s..at - 2], &self.text[at..e])
    }

    /// The `i`th item as (key, value).
    pub fn item(&self, i: usize) -> Option<(&str, &str)> {
        self.items.get(i).map(|it| self.pair(it))
    }

    /// (key, value) of each item, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.items.iter().map(|it| self.pair(it))
    }

    /// Each item as its `key: value` line.
    pub fn lines(&self) -> impl Iterator<Item = &str> + '_ {
        self.items.iter().map(|&(s, _, e)| &self.text[s..e])
    }

    /// The value of the first item named `name` (any case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for EventData {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut d = EventData::default();
        for (k, v) in iter {
            d.push(k.as_ref(), v.as_ref());
        }
        d
    }
}

impl fmt::Debug for EventData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The outcome of one DNS query as nslookup printed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DnsOutcome {
    Answer,
    NxDomain,
    Timeout,
    NoResponse,
    ServerFailure,
    Refused,
    NoRecords,
}

impl DnsOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            DnsOutcome::Answer => "answer",
            DnsOutcome::NxDomain => "nxdomain",
            DnsOutcome::Timeout => "timeout",
            DnsOutcome::NoResponse => "no-response",
            DnsOutcome::ServerFailure => "server-failure",
            DnsOutcome::Refused => "refused",
            DnsOutcome::NoRecords => "no-records",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SrvTarget {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: String,
}

/// One nslookup query and what came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DnsLookup {
    /// The name asked for (lower case, no trailing dot).
    pub query: String,
    /// `A`, `SRV`, `CNAME`, ... when the output shows it.
    pub qtype: Option<String>,
    /// Resolver name (`Server:`) and address (`Address:`).
    pub resolver: Option<String>,
    pub resolver_addr: Option<String>,
    pub outcome: DnsOutcome,
    /// Canonical name in the answer (`Name:`), which is the CNAME target when aliases exist.
    pub canonical: Option<String>,
    pub addresses: Vec<String>,
    pub aliases: Vec<String>,
    pub srv: Vec<SrvTarget>,
}

/// `ipconfig /all`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct IpConfig {
    pub host_name: Option<String>,
    pub primary_dns_suffix: Option<String>,
    pub dns_suffix_search: Vec<String>,
    pub dns_servers: Vec<String>,
}

/// One value of a registry export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegValue {
    pub key: String,
    pub name: String,
    /// Strings as written (unescaped); dwords as decimal; other types as their raw text.
    pub value: String,
    pub kind: String,
}

/// `w32tm /query /status` or one `/stripchart` sample.
#[derive(Clone, Debug, PartialEq, Default, Serialize)]
pub struct TimeSync {
    pub source: Option<String>,
    /// Leap indicator: 3 means not synchronized.
    pub leap: Option<u8>,
    pub last_sync: Option<String>,
    /// Local clock offset from the reference, seconds, as `w32tm /stripchart` prints it
    /// (positive: local clock behind the reference).
    pub offset_seconds: Option<f64>,
    pub reference: Option<String>,
}

/// `netsh winhttp show proxy` (or an equivalent registry / IE setting).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProxySetting {
    pub direct: bool,
    pub server: Option<String>,
    pub bypass: Option<String>,
}

/// `systeminfo`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct SystemInfo {
    pub host_name: Option<String>,
    pub os_name: Option<String>,
    pub time_zone: Option<String>,
    /// Offset east of UTC in minutes parsed from `(UTC+01:00)`; standard time, no DST.
    pub utc_offset_minutes: Option<i32>,
    pub domain: Option<String>,
}

/// One certificate of a `certutil -store` listing.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct CertEntry {
    pub subject: Option<String>,
    pub issuer: Option<String>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    pub thumbprint: Option<String>,
    /// Problems certutil printed beside it (e.g. `Missing stored keyset`).
    pub notes: Vec<String>,
}

/// A folder or file named in a directory listing (used for `...\Crypto\RSA\S-1-5-21-*`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DirEntry {
    pub parent: Option<String>,
    pub name: String,
    pub is_dir: bool,
}

/// One line of a hosts file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostsEntry {
    pub address: String,
    pub names: Vec<String>,
}

/// What a parser produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Sip(Box<SipMessage>),
    Line(LogLine),
    Event(Box<WinEvent>),
    Dns(Box<DnsLookup>),
    IpConfig(Box<IpConfig>),
    Registry(Box<RegValue>),
    TimeSync(Box<TimeSync>),
    Proxy(Box<ProxySetting>),
    SystemInfo(Box<SystemInfo>),
    Cert(Box<CertEntry>),
    Dir(Box<DirEntry>),
    Hosts(Box<HostsEntry>),
}

/// A typed record with its source location and its time as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub source: SourceLoc,
    pub ts: Option<Ts>,
    pub body: Body,
}

/// A field value as the rule engine sees it, with the source line it stands on when that is
/// more precise than the record's own location.
#[derive(Clone, Debug)]
pub struct FieldVal<'a> {
    pub value: Cow<'a, str>,
    pub line: Option<u64>,
}

impl<'a> FieldVal<'a> {
    pub fn new(value: impl Into<Cow<'a, str>>) -> Self {
        FieldVal {
            value: value.into(),
            line: None,
        }
    }
    pub fn at(value: impl Into<Cow<'a, str>>, line: Option<u64>) -> Self {
        FieldVal {
            value: value.into(),
            line,
        }
    }
}

/// Anything a rule can match: parsed records and derived facts.
pub trait Subject {
    /// The record kind a rule names in `kind = "..."`.
    fn kind(&self) -> &str;
    /// Every value of a field (a SIP message can carry several `ms-diagnostics` headers).
    fn field_values<'a>(&'a self, name: &str, out: &mut Vec<FieldVal<'a>>);
    /// The text a literal or regex condition on `text` searches, line by line: each item is one
    /// source line (number, text).
    fn text_lines<'a>(&'a self, out: &mut Vec<FieldVal<'a>>);
    fn source(&self) -> &SourceLoc;
    fn ts(&self) -> Option<Ts>;
    /// One line that shows this record in a report.
    fn headline(&self) -> String;
    /// The Windows event ID, for a Windows event: lets the engine pass over the rules written
    /// for other IDs without reading a field.
    fn event_id(&self) -> Option<u32> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_decimal_writes_as_format_does() {
        for n in [0, 7, 10, 401, 4005, 65535, u32::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }
}
