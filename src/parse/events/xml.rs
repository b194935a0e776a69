//! Event XML: Event Viewer "Save as XML" (`<Events><Event xmlns='...'>...`), `wevtutil /f:XML`
//! (bare `<Event>` elements one after another, no root), and the XML the `evtx` crate renders
//! for each EVTX record.
//!
//! Entities: only the five predefined ones and numeric character references are resolved.
//! Anything else (`&foo;`, including entities a DOCTYPE declares) is kept as literal text, so
//! an entity bomb cannot expand.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use memchr::memmem;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{EventFilter, dates, emit_event, parse_event_id};
use crate::input::decode::LineReader;
use crate::model::{SourceLoc, Ts, WinEvent};
use crate::parse::ParseCtx;

mod fast;
mod lean;

/// Largest single `<Event>` element kept, in bytes of text.
const MAX_EVENT_BYTES: usize = 4 * 1024 * 1024;
/// Longest single value kept (a `Data` item, a message).
const MAX_VALUE: usize = 256 * 1024;

pub(crate) fn sniff(head: &str) -> bool {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('<') {
        return false;
    }
    // The event element must appear early and carry the events schema or a System block.
    let window = &t[..floor(t, 8192)];
    let has_event = window.contains("<Events>")
        || window.contains("<Events ")
        || window.contains("<Event xmlns")
        || window.contains("<Event>");
    has_event
        && (window.contains("schemas.microsoft.com/win/2004/08/events/event")
            || (window.contains("<System>") && window.contains("<EventID")))
}

fn floor(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One event parsed from its XML.
#[derive(Debug, Default)]
pub(crate) struct ParsedEvent {
    pub ev: WinEvent,
    /// `System/TimeCreated/@SystemTime`, UTC.
    pub time: Option<NaiveDateTime>,
}

/// Cheap look at provider name and event id without parsing the XML, for filtering EVTX
/// records before the full parse. Works on the crate's rendering (double-quoted attributes)
/// and on single-quoted exports.
pub(crate) fn quick_scan(x: &str) -> (Option<&str>, Option<u32>) {
    // Once per rendering: searchers built once, not per call.
    static PROVIDER: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new("<Provider "));
    static EVENT_ID: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new("<EventID"));
    let provider = PROVIDER.find(x.as_bytes()).and_then(|i| {
        let rest = &x[i..];
        let end = rest.find('>')?;
        let tag = &rest[..end];
        let j = tag.find("Name=")?;
        let q = tag[j + 5..].chars().next()?;
        let v = &tag[j + 6..];
        let k = v.find(q)?;
        Some(&v[..k])
    });
    let id = EVENT_ID.find(x.as_bytes()).and_then(|i| {
        let rest = &x[i..];
        let gt = rest.find('>')?;
        let body = &rest[gt + 1..];
        let lt = body.find('<')?;
        parse_event_id(&body[..lt])
    });
    (provider, id)
}

/// Where we are inside an `<Event>`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Section {
    Other,
    System,
    EventData,
    UserData,
    Rendering,
}

/// Open element names, kept in one buffer so entering an element allocates nothing.
#[derive(Default)]
struct Names {
    buf: String,
    starts: Vec<usize>,
}

impl Names {
    fn push(&mut self, name: &str) {
        self.starts.push(self.buf.len());
        self.buf.push_str(name);
    }
    fn pop(&mut self) -> bool {
        match self.starts.pop() {
            Some(st) => {
                self.buf.truncate(st);
                true
            }
            None => false,
        }
    }
    fn depth(&self) -> usize {
        self.starts.len()
    }
    fn top(&self) -> &str {
        self.starts.last().map_or("", |&st| &self.buf[st..])
    }
}

/// Parse one `<Event>...</Event>` element (surrounding text is ignored).
pub(crate) fn parse_event_xml(x: &str) -> Result<ParsedEvent, String> {
    parse_event_xml_as(x, true).0
}

/// [`parse_event_xml`], trying the one-pass reader first only when `try_fast`; also says
/// whether that reader gave the answer. All readers agree, so `try_fast` only moves the cost:
/// a caller that knows the record's shape (its template's earlier records were declined)
/// skips an attempt that reads the whole System block before declining.
pub(crate) fn parse_event_xml_as(x: &str, try_fast: bool) -> (Result<ParsedEvent, String>, bool) {
    if try_fast && let Some(p) = fast::parse(x) {
        return (Ok(p), true);
    }
    let r = match lean::parse(x) {
        Some(p) => Ok(p),
        None => parse_with_reader(x),
    };
    (r, false)
}

/// [`parse_event_xml`] with quick-xml: any XML, including what [`lean::parse`] declines.
fn parse_with_reader(x: &str) -> Result<ParsedEvent, String> {
    let mut r = Reader::from_str(x);
    {
        let c = r.config_mut();
        c.check_end_names = false;
        c.allow_unmatched_ends = true;
        c.allow_dangling_amp = true;
    }
    let mut out = ParsedEvent::default();
    let mut names = Names::default();
    let mut section = Section::Other;
    let mut text = String::new();
    // Name of the current `Data` item, when named.
    let mut data_name: Option<String> = None;
    let mut unnamed = 0usize;
    let mut saw_event = false;
    loop {
        let ev = match r.read_event() {
            Ok(e) => e,
            Err(e) => {
                if saw_event && out.ev.event_id != 0 {
                    // Keep what we have: a damaged tail still leaves a usable System block.
                    break;
                }
                return Err(format!("XML error at byte {}: {e}", r.error_position()));
            }
        };
        match ev {
            Event::Start(s) => {
                let name = local_name(&s);
                if name == "Event" {
                    saw_event = true;
                }
                text.clear();
                match (names.depth(), name) {
                    (1, "System") => section = Section::System,
                    (1, "EventData") => section = Section::EventData,
                    (1, "UserData") => section = Section::UserData,
                    (1, "RenderingInfo") => section = Section::Rendering,
                    _ => {}
                }
                on_open(&s, name, section, names.depth(), &mut out, &mut data_name);
                names.push(name);
            }
            Event::Empty(s) => {
                let name = local_name(&s);
                on_open(&s, name, section, names.depth(), &mut out, &mut data_name);
                // An empty `<Data Name='x'/>` is still an item, with an empty value.
                text.clear();
                on_close(
                    &mut out,
                    section,
                    name,
                    names.depth() + 1,
                    &mut text,
                    &mut data_name,
                    &mut unnamed,
                );
            }
            Event::Text(t) => push_capped(&mut text, &t.xml10_content()),
            Event::CData(t) => push_capped(&mut text, &t.into_inner()),
            Event::GeneralRef(g) => {
                let name = g.into_inner();
                match resolve_entity(&name) {
                    Some(c) => text.push(c),
                    None => {
                        // Unknown entity: kept literally, never expanded.
                        push_capped(&mut text, "&");
                        push_capped(&mut text, &name);
                        push_capped(&mut text, ";");
                    }
                }
            }
            Event::End(_) => {
                if names.depth() == 0 {
                    continue;
                }
                on_close(
                    &mut out,
                    section,
                    names.top(),
                    names.depth(),
                    &mut text,
                    &mut data_name,
                    &mut unnamed,
                );
                let was_event = names.depth() == 1 && names.top() == "Event";
                names.pop();
                if names.depth() == 1 {
                    section = Section::Other;
                }
                if was_event {
                    break;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_event {
        return Err("no <Event> element".to_string());
    }
    Ok(out)
}

fn push_capped(dst: &mut String, s: &str) {
    if dst.len() < MAX_VALUE {
        let room = MAX_VALUE - dst.len();
        dst.push_str(&s[..floor(s, room)]);
    }
}

/// The five predefined entities and numeric character references; nothing else.
fn resolve_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let n = name.strip_prefix('#')?;
            let v = if let Some(h) = n.strip_prefix('x').or_else(|| n.strip_prefix('X')) {
                u32::from_str_radix(h, 16).ok()?
            } else {
                n.parse::<u32>().ok()?
            };
            char::from_u32(v).filter(|c| *c != '\0')
        }
    }
}

/// The element's name without its namespace prefix (the reader works on a `&str`, so names
/// are UTF-8).
fn local_name<'a>(s: &'a BytesStart<'_>) -> &'a str {
    let full = s.name().into_inner();
    match full.find(':') {
        Some(i) => &full[i + 1..],
        None => full,
    }
}

/// The attributes of an element, as [`on_open`] reads them.
trait Attrs {
    /// Each attribute as (local name, value), predefined entities resolved; a value with an
    /// unknown entity is kept raw. Namespace declarations are skipped.
    fn for_each(&self, f: &mut dyn FnMut(&str, Cow<'_, str>));
}

impl Attrs for BytesStart<'_> {
    fn for_each(&self, f: &mut dyn FnMut(&str, Cow<'_, str>)) {
        for a in self.attributes().with_checks(false).flatten() {
            let k = a.key.as_ref();
            if k == "xmlns" || k.starts_with("xmlns:") {
                continue;
            }
            let key = a.key.local_name().into_inner();
            let val = match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                Ok(v) => v,
                Err(_) => a.value.clone(),
            };
            f(key, val);
        }
    }
}

fn for_each_attr(s: &(impl Attrs + ?Sized), mut f: impl FnMut(&str, Cow<'_, str>)) {
    s.for_each(&mut f);
}

fn on_open(
    s: &(impl Attrs + ?Sized),
    name: &str,
    section: Section,
    depth: usize,
    out: &mut ParsedEvent,
    data_name: &mut Option<String>,
) {
    match section {
        Section::System if depth == 2 => match name {
            "Provider" => for_each_attr(s, |k, v| {
                if k == "Name" || (k == "EventSourceName" && out.ev.provider.is_empty()) {
                    out.ev.provider = v.into_owned();
                }
            }),
            "TimeCreated" => for_each_attr(s, |k, v| {
                if k == "SystemTime" {
                    out.time = dates::parse_system_time(&v);
                }
            }),
            _ => {}
        },
        Section::EventData if depth == 2 => {
            *data_name = None;
            for_each_attr(s, |k, v| {
                if k == "Name" && data_name.is_none() {
                    *data_name = Some(v.into_owned());
                }
            });
        }
        Section::UserData if depth >= 2 => for_each_attr(s, |k, v| {
            // `<Result value='800B0109'>` reads best as `Result`.
            let key = if k.eq_ignore_ascii_case("value") {
                name
            } else {
                k
            };
            out.ev.data.push(key, &v);
        }),
        _ => {}
    }
}

/// The element `name` at `depth` (1 = the `<Event>` element) closes with `text` as its content.
fn on_close(
    out: &mut ParsedEvent,
    section: Section,
    name: &str,
    depth: usize,
    text: &mut String,
    data_name: &mut Option<String>,
    unnamed: &mut usize,
) {
    match section {
        Section::System if depth == 3 => {
            let v = text.trim();
            match name {
                "EventID" => out.ev.event_id = parse_event_id(v).unwrap_or(0),
                "Level" => out.ev.level = v.parse().ok(),
                "Keywords" if !v.is_empty() => out.ev.keywords = Some(v.to_string()),
                "EventRecordID" => out.ev.record_id = v.parse().ok(),
                "Channel" if !v.is_empty() => out.ev.channel = Some(v.to_string()),
                "Computer" if !v.is_empty() => out.ev.computer = Some(v.to_string()),
                _ => {}
            }
        }
        Section::EventData if depth == 3 => {
            let key = match data_name.take() {
                Some(n) => n,
                None if name == "Data" => {
                    *unnamed += 1;
                    format!("Data{}", *unnamed - 1)
                }
                None => name.to_string(),
            };
            out.ev.data.push(&key, text);
            text.clear();
        }
        Section::UserData if depth >= 4 => {
            // Leaf elements only: a parent's text is whitespace between children.
            let v = text.trim();
            if !v.is_empty() {
                out.ev.data.push(name, v);
            }
        }
        Section::Rendering if depth == 3 && name == "Message" => {
            let m = text.trim_end();
            if !m.is_empty() {
                out.ev.message = Some(m.to_string());
            }
        }
        _ => {}
    }
    text.clear();
}

/// Stream `<Event>` elements out of decoded lines, whatever the line breaks are.
pub(crate) fn parse_stream(
    lines: &mut LineReader<'_>,
    ctx: &mut ParseCtx<'_>,
    filter: &EventFilter,
) -> u64 {
    let mut buf = String::new();
    let mut count = 0u64;
    // Inside an event: (byte offset of `<Event` in buf, line it started on).
    let mut open: Option<(usize, u64)> = None;
    // Skipping an oversized event until its end tag.
    let mut skipping = false;
    let mut search_from = 0usize;
    let end_tag = memmem::Finder::new(b"</Event>");
    while let Some((no, line)) = lines.next_line() {
        buf.push_str(line);
        buf.push('\n');
        loop {
            match open {
                None => match find_event_start(&buf, search_from) {
                    Some(i) => {
                        // The event starts on the current line (a line holds many events).
                        open = Some((i, no));
                        search_from = i;
                    }
                    None => {
                        // Nothing open: keep only a short tail that could hold a split tag.
                        let keep = floor(&buf, buf.len().saturating_sub(8));
                        let keep = floor_char(&buf, keep);
                        buf.drain(..keep);
                        search_from = 0;
                        break;
                    }
                },
                Some((start, first_line)) => {
                    let from = search_from.max(start);
                    match end_tag.find(&buf.as_bytes()[from..]) {
                        Some(rel) => {
                            let end = from + rel + "</Event>".len();
                            if skipping {
                                skipping = false;
                                count += 1;
                            } else {
                                count += 1;
                                handle_event(&buf[start..end], first_line, ctx, filter);
                            }
                            buf.drain(..end);
                            open = None;
                            search_from = 0;
                        }
                        None => {
                            // Resume the search near the end (the tag may straddle lines).
                            search_from = buf.len().saturating_sub(8);
                            search_from = floor_char(&buf, search_from);
                            if buf.len() - start > MAX_EVENT_BYTES && !skipping {
                                ctx.error(format!(
                                    "line {first_line}: event is larger than {} MiB; skipped",
                                    MAX_EVENT_BYTES / (1024 * 1024)
                                ));
                                skipping = true;
                            }
                            if skipping {
                                let keep = floor_char(&buf, buf.len().saturating_sub(8));
                                buf.drain(..keep);
                                open = Some((0, first_line));
                                search_from = 0;
                            }
                            break;
                        }
                    }
                }
            }
        }
    }
    if let Some((_, first_line)) = open {
        ctx.error(format!(
            "line {first_line}: event is not closed before the end of the input"
        ));
        if !skipping {
            // Salvage what the truncated event holds.
            count += 1;
            let start = find_event_start(&buf, 0).unwrap_or(0);
            handle_event(&buf[start..], first_line, ctx, filter);
        }
    }
    count
}

fn floor_char(s: &str, i: usize) -> usize {
    floor(s, i)
}

/// `<Event` followed by whitespace, `>` or `/` (so not `<Events`, `<EventData`, `<EventID`).
fn find_event_start(buf: &str, from: usize) -> Option<usize> {
    let b = buf.as_bytes();
    let mut pos = from;
    while let Some(rel) = memmem::find(&b[pos..], b"<Event") {
        let i = pos + rel;
        match b.get(i + 6) {
            Some(c) if c.is_ascii_whitespace() || *c == b'>' || *c == b'/' => return Some(i),
            Some(_) => pos = i + 6,
            None => return None,
        }
    }
    None
}

fn handle_event(x: &str, line: u64, ctx: &mut ParseCtx<'_>, filter: &EventFilter) {
    match parse_event_xml(x) {
        Ok(p) => {
            let source = match p.ev.record_id {
                Some(r) => SourceLoc::record(ctx.path, r),
                None => SourceLoc::line(ctx.path, line),
            };
            emit_event(ctx, filter, source, p.time.map(Ts::Utc), p.ev);
        }
        Err(e) => ctx.error(format!("line {line}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const EV: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Lync'/><EventID Qualifiers='0'>11</EventID><Level>2</Level><Task>0</Task><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='2026-11-24T08:12:51.1234567Z'/><EventRecordID>4242</EventRecordID><Channel>Application</Channel><Computer>PC01.contoso.com</Computer><Security/></System><EventData><Data>a &amp; b</Data><Data>&#x41;&lt;</Data><Data/></EventData><RenderingInfo Culture='fr-FR'><Message>Line one&#13;\n\tLine two</Message><Level>Erreur</Level></RenderingInfo></Event>";

    #[test]
    fn parses_one_event() {
        let p = parse_event_xml(EV).unwrap();
        assert_eq!(p.ev.provider, "Lync");
        assert_eq!(p.ev.event_id, 11);
        assert_eq!(p.ev.level, Some(2));
        assert_eq!(p.ev.record_id, Some(4242));
        assert_eq!(p.ev.channel.as_deref(), Some("Application"));
        assert_eq!(p.ev.computer.as_deref(), Some("PC01.contoso.com"));
        assert_eq!(p.ev.keywords.as_deref(), Some("0x80000000000000"));
        assert_eq!(
            p.ev.data.iter().collect::<Vec<_>>(),
            vec![("Data0", "a & b"), ("Data1", "A<"), ("Data2", ""),]
        );
        assert_eq!(p.ev.message.as_deref(), Some("Line one\r\n\tLine two"));
        assert_eq!(p.time.unwrap().to_string(), "2026-11-24 08:12:51.123456700");
        assert_eq!(quick_scan(EV), (Some("Lync"), Some(11)));
    }

    #[test]
    fn user_data_is_flattened() {
        let x = "<Event xmlns='x'><System><Provider Name='Microsoft-Windows-CAPI2'/><EventID>11</EventID></System><UserData><CertGetCertificateChain><Certificate fileRef='AB.cer' subjectName='adfs.contoso.com'/><ValidationTime>2026-11-24T08:00:00Z</ValidationTime><TrustStatus><ErrorStatus value='20' CERT_TRUST_IS_UNTRUSTED_ROOT='true'/></TrustStatus><Result value='800B0109'>A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider.</Result></CertGetCertificateChain></UserData></Event>";
        let p = parse_event_xml(x).unwrap();
        assert_eq!(p.ev.data("subjectName"), Some("adfs.contoso.com"));
        assert_eq!(p.ev.data("Result"), Some("800B0109"));
        assert_eq!(p.ev.data("ErrorStatus"), Some("20"));
        assert_eq!(p.ev.data("CERT_TRUST_IS_UNTRUSTED_ROOT"), Some("true"));
        assert_eq!(p.ev.data("ValidationTime"), Some("2026-11-24T08:00:00Z"));
    }

    fn run(text: &str) -> (u64, Vec<crate::model::Record>, Vec<String>) {
        let path: Arc<str> = Arc::from("t.xml");
        let mut errors = Vec::new();
        let mut recs = Vec::new();
        let mut sink = |r| recs.push(r);
        let n = {
            let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
            let mut lr = LineReader::from_str(text);
            parse_stream(&mut lr, &mut ctx, &EventFilter::all())
        };
        (n, recs, errors)
    }

    #[test]
    fn billion_laughs_is_not_expanded() {
        let mut doc =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE Events [\n <!ENTITY lol \"lol\">\n");
        for i in 1..=9 {
            let prev = if i == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            doc.push_str(&format!(
                " <!ENTITY lol{i} \"{}\">\n",
                format!("&{prev};").repeat(10)
            ));
        }
        doc.push_str(" <!ENTITY ext SYSTEM \"file:///etc/passwd\">\n]>\n<Events>");
        doc.push_str(&EV.replace("a &amp; b", "&lol9;&ext;"));
        doc.push_str("</Events>");
        assert!(sniff(&doc));
        let t = std::time::Instant::now();
        let (n, recs, errors) = run(&doc);
        assert!(t.elapsed().as_secs() < 2);
        assert_eq!(n, 1, "{errors:?}");
        let crate::model::Body::Event(ev) = &recs[0].body else {
            panic!("not an event")
        };
        assert_eq!(ev.data("Data0"), Some("&lol9;&ext;"));
    }

    #[test]
    fn wevtutil_xml_without_root_and_split_lines() {
        let two = format!(
            "{EV}{EV}\n{}",
            EV.replace("<EventRecordID>4242", "<EventRecordID>\n4243")
        );
        let (n, recs, errors) = run(&two);
        assert_eq!(n, 3, "{errors:?}");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[2].source.record, Some(4243));
        assert!(recs[0].ts.unwrap().is_utc());
    }

    /// The readers give the same answer on `x`; true when the lean one read it itself.
    fn same_either_way(x: &str) -> bool {
        let full = parse_with_reader(x);
        if let Some(fast) = fast::parse(x) {
            assert_eq!(
                Ok(format!("{fast:?}")),
                full.as_ref()
                    .map(|p| format!("{p:?}"))
                    .map_err(|e| e.clone()),
                "fast reader on {x:?}"
            );
        }
        let Some(lean) = lean::parse(x) else {
            return false;
        };
        assert_eq!(
            Ok(format!("{lean:?}")),
            full.map(|p| format!("{p:?}")),
            "on {x:?}"
        );
        true
    }

    /// Every event of the real EVTX samples (as the crate renders it) and of the XML fixtures,
    /// and damaged copies of each: where the lean reader gives an answer, quick-xml gives the
    /// same; and it does read the crate's renderings.
    #[test]
    fn lean_reader_agrees_with_quick_xml() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut rendered = Vec::new();
        if let Ok(rd) = std::fs::read_dir(root.join("../shared/samples/real")) {
            for path in rd.filter_map(|e| e.ok()).map(|e| e.path()) {
                if path.extension().is_none_or(|e| e != "evtx") {
                    continue;
                }
                let settings = evtx::ParserSettings::new()
                    .num_threads(1)
                    .validate_checksums(false);
                let Ok(p) = evtx::EvtxParser::from_path(&path) else {
                    continue;
                };
                let mut p = p.with_configuration(settings);
                rendered.extend(p.records().filter_map(|r| r.ok()).map(|r| r.data));
            }
        }
        let mut exported = vec![EV.to_string()];
        for entry in std::fs::read_dir(root.join("fixtures/events")).expect("fixtures") {
            let path = entry.expect("entry").path();
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let mut lr = LineReader::new(
                bytes,
                Box::new(std::io::empty()),
                crate::input::decode::LineLimits::default(),
            );
            let mut text = String::new();
            while let Some((_, l)) = lr.next_line() {
                text.push_str(l);
                text.push('\n');
            }
            let mut from = 0;
            while let Some(i) = find_event_start(&text, from) {
                let end = text[i..].find("</Event>").map_or(text.len(), |e| i + e + 8);
                exported.push(text[i..end].to_string());
                from = end;
            }
        }
        assert!(rendered.len() > 2000, "renderings: {}", rendered.len());
        let read = rendered.iter().filter(|x| same_either_way(x)).count();
        assert_eq!(
            read,
            rendered.len(),
            "the lean reader reads every rendering"
        );
        // The plain shape is most of them: the fast reader must not decline it.
        let plain = rendered
            .iter()
            .filter(|x| !x.contains("<UserData>") && !x.contains('&') && !x.contains('\r'))
            .collect::<Vec<_>>();
        let fast = plain.iter().filter(|x| fast::parse(x).is_some()).count();
        assert_eq!(
            fast,
            plain.len(),
            "the fast reader reads every plain rendering"
        );
        assert!(plain.len() * 2 > rendered.len(), "plain: {}", plain.len());
        for x in &exported {
            same_either_way(x);
        }
        // Damaged and unusual copies: cut short, and with what XML normalises or escapes put
        // into text and attribute values.
        let inserts = [
            "&amp;",
            "&lt;&gt;",
            "&quot;&apos;",
            "&#13;",
            "&#x41;",
            "&foo;",
            "&",
            "&amp",
            "\r\n",
            "\r",
            "\n",
            "\t",
            "<!-- c -->",
            "<![CDATA[x]]>",
            "<?pi x?>",
            ">",
            "\"",
            "'",
            "/",
            "<",
            "</x>",
            "<y/>",
            "\u{feff}",
            "é",
        ];
        let mut variants = 0;
        for (n, x) in rendered.iter().chain(&exported).enumerate() {
            if n % 7 != 0 {
                continue;
            }
            for cut in (0..x.len()).step_by(x.len() / 9 + 1) {
                same_either_way(&x[..floor(x, cut)]);
            }
            for (k, ins) in inserts.iter().enumerate() {
                for at in [
                    x.find("\">"),
                    x.find("</Data>"),
                    x.find("</Computer>"),
                    x.find("=\""),
                ]
                .into_iter()
                .flatten()
                {
                    let at = at + (k % 2);
                    let y = format!("{}{ins}{}", &x[..floor(x, at)], &x[floor(x, at)..]);
                    variants += usize::from(same_either_way(&y));
                }
            }
            same_either_way(&x.replace('"', "'"));
            same_either_way(&format!("\u{feff}{x}"));
        }
        assert!(variants > 1000, "variants the lean reader read: {variants}");
    }

    #[test]
    fn truncated_and_garbled_do_not_panic() {
        for cut in (0..EV.len()).step_by(7) {
            let s = &EV[..floor(EV, cut)];
            let _ = run(s);
            let _ = parse_event_xml(s);
        }
        let (n, _, errors) = run("<Events><Event><System><EventID>1</EventID></System>");
        assert_eq!(n, 1);
        assert!(!errors.is_empty());
    }
}
