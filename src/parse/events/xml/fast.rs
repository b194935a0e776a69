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
    if !system.empty {
        r.system(&mut out)?;
    }
    r.ws();
    if !r.at(b"</Event>") {
        // `<EventData Name="...">` (some providers name the block): the name is not kept.
        let data = r.start_tag()?;
        if data.name != "EventData" || !plain_attrs(data.attrs)? {
            return None;
        }
        if !data.empty {
            r.event_data(&mut out)?;
        }
    }
    r.ws();
    if !r.eat("</Event>") {
        return None;
    }
    Some(out)
}

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
    fn start_tag(&mut self) -> Option<Tag<'a>> {
        if self.b.get(self.i) != Some(&b'<') {
            return None;
        }
        let from = self.i + 1;
        let gt = from + memchr(b'>', &self.b[from..])?;
        let inner = &self.x[from..gt];
        if inner
            .bytes()
            .any(|c| matches!(c, b'<' | b'&' | b'\'' | b'\r'))
        {
            return None;
        }
        let (inner, empty) = match inner.strip_suffix('/') {
            Some(s) => (s, true),
            None => (inner, false),
        };
        let name_end = inner
            .bytes()
            .position(|c| matches!(c, b' ' | b'\t' | b'\n'))
            .unwrap_or(inner.len());
        let name = &inner[..name_end];
        if name.is_empty()
            || name
                .bytes()
                .any(|c| matches!(c, b':' | b'"' | b'/' | b'?' | b'!'))
        {
            return None;
        }
        self.i = gt + 1;
        Some(Tag {
            name,
            attrs: &inner[name_end..],
            empty,
        })
    }

    /// Text up to the next `<`, which must open `</name>`. Declined when the text holds an
    /// entity or carriage return (XML would rewrite them) or is longer than the cap.
    fn text_then_end(&mut self, name: &str) -> Option<&'a str> {
        let from = self.i;
        let lt = from + memchr3(b'<', b'&', b'\r', &self.b[from..])?;
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

    fn system(&mut self, out: &mut ParsedEvent) -> Option<()> {
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
                    let provider = &mut out.ev.provider;
                    for_each_attr(tag.attrs, |k, v| {
                        if k == "Name" || (k == "EventSourceName" && provider.is_empty()) {
                            *provider = v.to_string();
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
                "Keywords" if !v.is_empty() => out.ev.keywords = Some(v.to_string()),
                "EventRecordID" => out.ev.record_id = v.parse().ok(),
                "Channel" if !v.is_empty() => out.ev.channel = Some(v.to_string()),
                "Computer" if !v.is_empty() => out.ev.computer = Some(v.to_string()),
                _ => {}
            }
        }
    }

    fn event_data(&mut self, out: &mut ParsedEvent) -> Option<()> {
        let mut unnamed = 0usize;
        loop {
            self.ws();
            if self.eat("</EventData>") {
                return Some(());
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
            let key = match name {
                Some(n) => n.to_string(),
                None if tag.name == "Data" => {
                    unnamed += 1;
                    format!("Data{}", unnamed - 1)
                }
                None => tag.name.to_string(),
            };
            let value = if tag.empty {
                String::new()
            } else {
                self.text_then_end(tag.name)?.to_string()
            };
            out.ev.data.push((key, value));
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
