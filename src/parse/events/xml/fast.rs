//! The commonest shape of the `evtx` crate's rendering, read in one pass without handlers:
//! a `System` block of leaf elements and an `EventData` block of `Data` items, nothing else.
//!
//! Security, System and most Application records have exactly this shape, and on a domain
//! controller's Security log nearly every record is one the rules read: this reader costs a
//! fraction of [`super::lean`] per record. It gives `None` for anything else (`UserData`,
//! `RenderingInfo`, a prefix, an entity or character reference, a carriage return, a value
//! longer than the cap, markup out of place), and [`super::lean`] reads the event instead, so
//! the answer never depends on which reader ran: the tests hold all three readers to the same
//! result.

use memchr::{memchr, memchr3};

use super::{MAX_VALUE, ParsedEvent};
use crate::parse::events::{dates, parse_event_id};

/// Parse one crate rendering, or `None` when it is not of the plain shape.
pub(super) fn parse(x: &str) -> Option<ParsedEvent> {
    let b = x.as_bytes();
    let mut r = Reader { x, b, i: 0 };
    // Declaration, then `<Event xmlns="...">`.
    if b.starts_with(b"<?xml ") {
        r.i = memchr(b'>', b)? + 1;
        if b.get(r.i - 2) != Some(&b'?') {
            return None;
        }
    }
    r.ws();
    let tag = r.start_tag()?;
    if tag.name != "Event" || tag.empty || !plain_attrs(tag.attrs)? {
        return None;
    }
    let mut out = ParsedEvent::default();
    r.ws();
    let system = r.start_tag()?;
    if system.name != "System" || !system.attrs.trim().is_empty() {
        return None;
    }
    // The System block's text is copied into the event only once the block after it is known
    // to be of this shape: a `UserData` record (all of CAPI2's) is declined right there, and
    // it should not have paid for copies it throws away.
    let mut sys = System::default();
    if !system.empty {
        r.system(&mut out, &mut sys)?;
    }
    r.ws();
    let mut data = None;
    if !r.at(b"</Event>") {
        // `<EventData Name="...">` (some providers name the block): the name is not kept.
        let tag = r.start_tag()?;
        if tag.name != "EventData" || !plain_attrs(tag.attrs)? {
            return None;
        }
        data = Some(tag.empty);
    }
    sys.fill(&mut out);
    if data == Some(false) {
        r.event_data(&mut out)?;
    }
    r.ws();
    if !r.eat("</Event>") {
        return None;
    }
    Some(out)
}

/// The System block's text values, as slices of the rendering until [`System::fill`].
#[derive(Default)]
struct System<'a> {
    provider: &'a str,
    keywords: Option<&'a str>,
    channel: Option<&'a str>,
    computer: Option<&'a str>,
}

impl System<'_> {
    fn fill(&self, out: &mut ParsedEvent) {
        if !self.provider.is_empty() {
            out.ev.provider = self.provider.to_string();
        }
        out.ev.keywords = self.keywords.map(str::to_string);
        out.ev.channel = self.channel.map(str::to_string);
        out.ev.computer = self.computer.map(str::to_string);
    }
}

/// Bytes [`Reader::text_then_end`] looks at one by one before calling `memchr3`.
const SHORT_RUN: usize = 32;

/// How [`Reader::start_tag`] treats a byte. In the name: `PLAIN` continues it, `SPACE`, `CLOSE`
/// and `SLASH` end it, anything else is declined. In the attributes: `CLOSE` ends the tag,
/// `BAD` is declined (XML would rewrite it, or it is not the rendering's markup) and the rest
/// is left to [`for_each_attr`].
const PLAIN: u8 = 0;
const SPACE: u8 = 1;
const CLOSE: u8 = 2;
const SLASH: u8 = 3;
const BAD: u8 = 4;
const NAME_BAD: u8 = 5;

const CLASS: [u8; 256] = {
    let mut t = [PLAIN; 256];
    t[b' ' as usize] = SPACE;
    t[b'\t' as usize] = SPACE;
    t[b'\n' as usize] = SPACE;
    t[b'>' as usize] = CLOSE;
    t[b'/' as usize] = SLASH;
    t[b'<' as usize] = BAD;
    t[b'&' as usize] = BAD;
    t[b'\'' as usize] = BAD;
    t[b'\r' as usize] = BAD;
    t[b':' as usize] = NAME_BAD;
    t[b'"' as usize] = NAME_BAD;
    t[b'?' as usize] = NAME_BAD;
    t[b'!' as usize] = NAME_BAD;
    t
};

struct Reader<'a> {
    x: &'a str,
    b: &'a [u8],
    i: usize,
}

/// A start or empty-element tag: its name and the raw text of its attributes.
struct Tag<'a> {
    name: &'a str,
    attrs: &'a str,
    empty: bool,
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        while self
            .b
            .get(self.i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n'))
        {
            self.i += 1;
        }
    }

    fn at(&self, s: &[u8]) -> bool {
        self.b[self.i..].starts_with(s)
    }

    fn eat(&mut self, s: &str) -> bool {
        let hit = self.at(s.as_bytes());
        if hit {
            self.i += s.len();
        }
        hit
    }

    /// `<name attrs>` or `<name attrs/>` at the cursor. Attribute values are double-quoted and
    /// hold no `<`, `>` or `&` (anything else is declined), so the tag ends at the first `>`.
    /// One pass over the tag's bytes: the name, then the attributes up to that `>`, each byte
    /// classed by a table (separate scans, and `memchr` on the few bytes a tag has, cost a
    /// Security record more than its rendering).
    fn start_tag(&mut self) -> Option<Tag<'a>> {
        let b = self.b;
        if b.get(self.i) != Some(&b'<') {
            return None;
        }
        let from = self.i + 1;
        let mut j = from;
        let stop = loop {
            let c = *b.get(j)?;
            match CLASS[usize::from(c)] {
                PLAIN => j += 1,
                SPACE | CLOSE | SLASH => break c,
                _ => return None,
            }
        };
        let name_end = j;
        if name_end == from {
            return None;
        }
        let gt = match stop {
            b'>' => j,
            b'/' if b.get(j + 1) == Some(&b'>') => j + 1,
            b'/' => return None,
            _ => loop {
                j += 1;
                match CLASS[usize::from(*b.get(j)?)] {
                    CLOSE => break j,
                    BAD => return None,
                    _ => {}
                }
            },
        };
        let empty = b[gt - 1] == b'/';
        let attrs_end = if empty { gt - 1 } else { gt };
        self.i = gt + 1;
        Some(Tag {
            name: &self.x[from..name_end],
            attrs: &self.x[name_end..attrs_end],
            empty,
        })
    }

    /// Text up to the next `<`, which must open `</name>`. Declined when the text holds an
    /// entity or carriage return (XML would rewrite them) or is longer than the cap.
    fn text_then_end(&mut self, name: &str) -> Option<&'a str> {
        let from = self.i;
        // Most values are a few bytes: a loop ends them sooner than a `memchr3` call.
        let short = (from + SHORT_RUN).min(self.b.len());
        let mut lt = from;
        while lt < short && !matches!(self.b[lt], b'<' | b'&' | b'\r') {
            lt += 1;
        }
        if lt == short {
            lt = short + memchr3(b'<', b'&', b'\r', &self.b[short..])?;
        }
        if self.b[lt] != b'<' || lt - from > MAX_VALUE {
            return None;
        }
        let text = &self.x[from..lt];
        let rest = &self.b[lt..];
        let n = name.len();
        if rest.len() < n + 3 || &rest[..2] != b"</" || &rest[2..2 + n] != name.as_bytes() {
            return None;
        }
        if rest[2 + n] != b'>' {
            return None;
        }
        self.i = lt + n + 3;
        Some(text)
    }

    fn system(&mut self, out: &mut ParsedEvent, sys: &mut System<'a>) -> Option<()> {
        loop {
            self.ws();
            if self.eat("</System>") {
                return Some(());
            }
            let tag = self.start_tag()?;
            match tag.name {
                "Provider" => {
                    // As the general readers take it: each `Name`, and an `EventSourceName`
                    // only while no provider name is set.
                    let provider = &mut sys.provider;
                    for_each_attr(tag.attrs, |k, v| {
                        if k == "Name" || (k == "EventSourceName" && provider.is_empty()) {
                            *provider = v;
                        }
                    })?;
                }
                "TimeCreated" => {
                    let mut t = None;
                    for_each_attr(tag.attrs, |k, v| {
                        if k == "SystemTime" {
                            t = Some(v);
                        }
                    })?;
                    if let Some(v) = t {
                        out.time = dates::parse_system_time(v);
                    }
                }
                _ => {
                    for_each_attr(tag.attrs, |_, _| {})?;
                }
            }
            let v = if tag.empty {
                ""
            } else {
                self.text_then_end(tag.name)?.trim()
            };
            match tag.name {
                "EventID" => out.ev.event_id = parse_event_id(v).unwrap_or(0),
                "Level" => out.ev.level = v.parse().ok(),
                "Keywords" if !v.is_empty() => sys.keywords = Some(v),
                "EventRecordID" => out.ev.record_id = v.parse().ok(),
                "Channel" if !v.is_empty() => sys.channel = Some(v),
                "Computer" if !v.is_empty() => sys.computer = Some(v),
                _ => {}
            }
        }
    }

    /// `<Data Name="key">value</Data>` at the cursor, with a key and a value of the plain
    /// shape [`Reader::start_tag`], [`for_each_attr`] and [`Reader::text_then_end`] would take;
    /// `None` (cursor unmoved) for anything else, which the general path then reads or declines.
    fn named_data(&mut self) -> Option<(&'a str, &'a str)> {
        const OPEN: &[u8] = b"<Data Name=\"";
        const CLOSE: &[u8] = b"</Data>";
        let b = self.b;
        let ks = self.i + OPEN.len();
        if !b[self.i..].starts_with(OPEN) {
            return None;
        }
        let ke = ks + memchr(b'"', &b[ks..])?;
        let key = &b[ks..ke];
        // What the general path declines or reads differently in a key: markup, a reference,
        // whitespace XML would normalise, and an empty name.
        if key.is_empty()
            || key
                .iter()
                .any(|&c| matches!(c, b'<' | b'>' | b'&' | b'\'' | b'\t' | b'\n' | b'\r'))
            || b.get(ke + 1) != Some(&b'>')
        {
            return None;
        }
        let vs = ke + 2;
        let ve = vs + memchr3(b'<', b'&', b'\r', &b[vs..])?;
        if b[ve] != b'<' || ve - vs > MAX_VALUE || !b[ve..].starts_with(CLOSE) {
            return None;
        }
        self.i = ve + CLOSE.len();
        Some((&self.x[ks..ke], &self.x[vs..ve]))
    }

    fn event_data(&mut self, out: &mut ParsedEvent) -> Option<()> {
        // Room for about every item at once (an indented item takes some 40 bytes or more),
        // rather than regrowing the vector as a Security record's dozen items arrive; counting
        // the items first would cost more than the regrowth.
        let rest = self.b.len() - self.i;
        out.ev
            .data
            .reserve((rest / 40).min(64), rest.min(MAX_VALUE));
        let mut unnamed = 0usize;
        loop {
            self.ws();
            if self.eat("</EventData>") {
                return Some(());
            }
            // The crate writes nearly every item as `<Data Name="key">value</Data>`: read that
            // form with three searches instead of a walk over the tag's bytes.
            if let Some((key, value)) = self.named_data() {
                out.ev.data.push(key, value);
                continue;
            }
            let tag = self.start_tag()?;
            let mut name = None;
            let mut other = false;
            for_each_attr(tag.attrs, |k, v| {
                if k == "Name" {
                    name = name.or(Some(v));
                } else {
                    other = true;
                }
            })?;
            if other {
                return None;
            }
            let numbered;
            let key = match name {
                Some(n) => n,
                None if tag.name == "Data" => {
                    unnamed += 1;
                    numbered = format!("Data{}", unnamed - 1);
                    &numbered
                }
                None => tag.name,
            };
            let value = if tag.empty {
                ""
            } else {
                self.text_then_end(tag.name)?
            };
            out.ev.data.push(key, value);
        }
    }
}

/// Only namespace declarations and plain attributes.
fn plain_attrs(attrs: &str) -> Option<bool> {
    for_each_attr(attrs, |_, _| {}).map(|()| true)
}

/// Each `key="value"` pair separated by spaces; `None` for anything looser, for a value XML
/// would normalise (a tab or line end in it), or for a prefixed name other than `xmlns:`.
/// Namespace declarations are skipped, as the general readers skip them.
fn for_each_attr<'a>(attrs: &'a str, mut f: impl FnMut(&'a str, &'a str)) -> Option<()> {
    let b = attrs.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i == b.len() {
            return Some(());
        }
        let eq = i + memchr(b'=', &b[i..])?;
        let key = &attrs[i..eq];
        if key.is_empty()
            || key
                .bytes()
                .any(|c| matches!(c, b' ' | b'\t' | b'\n' | b'"'))
        {
            return None;
        }
        if b.get(eq + 1) != Some(&b'"') {
            return None;
        }
        let vs = eq + 2;
        let ve = vs + memchr(b'"', &b[vs..])?;
        let value = &attrs[vs..ve];
        if value.bytes().any(|c| matches!(c, b'\t' | b'\n')) {
            return None;
        }
        i = ve + 1;
        if i < b.len() && b[i] != b' ' {
            return None;
        }
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        if key.contains(':') {
            return None;
        }
        f(key, value);
    }
}
