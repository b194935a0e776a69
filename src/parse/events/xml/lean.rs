//! A reader for the regular XML the `evtx` crate renders, cheap enough to run on every record.
//!
//! quick-xml costs several times the crate's own rendering per record: it validates UTF-8
//! again, allocates for every normalised attribute and splits text into many events. The
//! rendering is regular (double-quoted attributes, the five predefined entities, no comments,
//! CDATA or DOCTYPE), so this reader walks it byte by byte, allocating only what the event
//! keeps, and drives the same handlers ([`on_open`], [`on_close`]) with the same events
//! quick-xml would give them.
//!
//! It declines (`None`) anything it is not sure to read exactly as quick-xml does: markup it
//! does not know, character references and other entities, attribute values that XML would
//! normalise, a document it cannot finish. The caller then parses with quick-xml, so the
//! result never depends on which reader ran.

use std::borrow::Cow;
use std::cell::Cell;

use memchr::memchr;

use super::{Attrs, ParsedEvent, Section, on_close, on_open, push_capped};

/// Deepest nesting this reader follows; deeper documents go to quick-xml.
const MAX_DEPTH: usize = 16;

/// Bytes scanned one at a time before handing the rest of a run to `memchr`: most runs (the
/// indentation between tags, a value) are shorter, and a call costs more than they do.
const SHORT_RUN: usize = 32;

/// Parse one `<Event>` element as [`super::parse_event_xml`] does, or `None` when the text is
/// not of the shape this reader handles.
pub(super) fn parse(x: &str) -> Option<ParsedEvent> {
    let b = x.as_bytes();
    // quick-xml drops a leading byte order mark; the rendering never has one.
    if b.starts_with(b"\xEF\xBB\xBF") {
        return None;
    }
    let mut out = ParsedEvent::default();
    let mut names: [&str; MAX_DEPTH] = [""; MAX_DEPTH];
    let mut depth = 0usize;
    let mut section = Section::Other;
    let mut text = String::new();
    let mut data_name: Option<String> = None;
    let mut unnamed = 0usize;
    let mut saw_event = false;
    let mut pos = 0;
    loop {
        let lt = find_lt(b, pos);
        if lt > pos {
            push_text(&mut text, &x[pos..lt])?;
        }
        if lt == b.len() {
            break;
        }
        match b.get(lt + 1) {
            Some(b'/') => {
                let gt = tag_end(b, lt + 2)?;
                pos = gt + 1;
                // quick-xml reads an end tag's name as it pleases; an unmatched one is declined.
                if depth == 0 {
                    return None;
                }
                let top = names[depth - 1];
                on_close(
                    &mut out,
                    section,
                    top,
                    depth,
                    &mut text,
                    &mut data_name,
                    &mut unnamed,
                );
                let was_event = depth == 1 && top == "Event";
                depth -= 1;
                if depth == 1 {
                    section = Section::Other;
                }
                if was_event {
                    break;
                }
            }
            Some(b'?') => {
                // The declaration the rendering starts with, or a processing instruction: both
                // end at the first `?>` and are ignored.
                let from = lt + 1;
                let i = memchr::memchr_iter(b'>', &b[from..])
                    .find(|&i| i > 0 && b[from + i - 1] == b'?')?;
                if i < 2 {
                    return None;
                }
                pos = from + i + 1;
            }
            Some(b'!') | None => return None,
            Some(_) => {
                let Tag {
                    name_end,
                    content_end,
                    gt,
                    empty,
                } = read_tag(b, lt)?;
                pos = gt + 1;
                let full = &x[lt + 1..name_end];
                let name = match full.bytes().position(|c| c == b':') {
                    Some(i) => &full[i + 1..],
                    None => full,
                };
                let attrs = LeanAttrs {
                    raw: &x[name_end..content_end],
                    bad: Cell::new(false),
                };
                if empty {
                    on_open(&attrs, name, section, depth, &mut out, &mut data_name);
                    text.clear();
                    on_close(
                        &mut out,
                        section,
                        name,
                        depth + 1,
                        &mut text,
                        &mut data_name,
                        &mut unnamed,
                    );
                } else {
                    if depth == MAX_DEPTH {
                        return None;
                    }
                    if name == "Event" {
                        saw_event = true;
                    }
                    text.clear();
                    if depth == 1 {
                        match name {
                            "System" => section = Section::System,
                            "EventData" => section = Section::EventData,
                            "UserData" => {
                                section = Section::UserData;
                                // CAPI2's blocks give dozens of items (an attribute or a leaf
                                // each, some 60 bytes of rendering apiece): room for them at
                                // once rather than regrowing, and copying, the vector six times.
                                out.ev
                                    .data
                                    .reserve(((b.len() - pos) / 64).min(256), b.len() - pos);
                            }
                            "RenderingInfo" => section = Section::Rendering,
                            _ => {}
                        }
                    }
                    on_open(&attrs, name, section, depth, &mut out, &mut data_name);
                    names[depth] = name;
                    depth += 1;
                }
                if attrs.bad.get() {
                    return None;
                }
            }
        }
    }
    // Without an `<Event>` quick-xml gives the error message.
    saw_event.then_some(out)
}

/// A start or empty-element tag as [`read_tag`] finds it (byte offsets into the text).
struct Tag {
    name_end: usize,
    /// Where the attributes end (before `>` or `/>`).
    content_end: usize,
    gt: usize,
    empty: bool,
}

/// The tag whose `<` is at `lt`, when it is `name`, then `key="value"` (or single-quoted)
/// pairs, then `>` or `/>`: one pass, skipping each value with `memchr`. quick-xml finds the
/// same end for such a tag (its quotes are balanced); anything else is declined.
fn read_tag(b: &[u8], lt: usize) -> Option<Tag> {
    let mut i = lt + 1;
    while i < b.len() && !is_space(b[i]) && b[i] != b'>' && b[i] != b'/' {
        if matches!(b[i], b'"' | b'\'' | b'<') {
            return None;
        }
        i += 1;
    }
    if i == lt + 1 {
        return None;
    }
    let name_end = i;
    loop {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        match *b.get(i)? {
            b'>' => {
                return Some(Tag {
                    name_end,
                    content_end: i,
                    gt: i,
                    empty: false,
                });
            }
            b'/' if b.get(i + 1) == Some(&b'>') => {
                return Some(Tag {
                    name_end,
                    content_end: i,
                    gt: i + 1,
                    empty: true,
                });
            }
            _ => {}
        }
        let key = i;
        while i < b.len()
            && !is_space(b[i])
            && !matches!(b[i], b'=' | b'"' | b'\'' | b'<' | b'>' | b'&' | b'/')
        {
            i += 1;
        }
        let q = *b.get(i + 1)?;
        if i == key || b[i] != b'=' || !matches!(q, b'"' | b'\'') {
            return None;
        }
        let value = i + 2;
        i = value + memchr(q, b.get(value..)?)? + 1;
        if !matches!(b.get(i), Some(&c) if is_space(c) || c == b'>' || c == b'/') {
            return None;
        }
    }
}

/// The next `<` at or after `from`, or the end.
fn find_lt(b: &[u8], from: usize) -> usize {
    let short = (from + SHORT_RUN).min(b.len());
    let mut i = from;
    while i < short {
        if b[i] == b'<' {
            return i;
        }
        i += 1;
    }
    memchr(b'<', &b[i..]).map_or(b.len(), |k| i + k)
}

/// XML whitespace, as quick-xml splits names and attributes at it.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The `>` that ends the tag whose content starts at `from`, skipping quoted values as
/// quick-xml does.
fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut quote = 0u8;
    let mut i = from;
    while i < b.len() {
        let c = b[i];
        if quote == 0 {
            if c == b'>' {
                return Some(i);
            }
            if c == b'"' || c == b'\'' {
                quote = c;
            }
        } else if c == quote {
            quote = 0;
        }
        i += 1;
    }
    None
}

/// Text between tags: line ends normalised as XML 1.0 does (`\r\n` and `\r` become `\n`) and
/// the predefined entities resolved, each pushed as quick-xml's text and reference events are.
fn push_text(text: &mut String, raw: &str) -> Option<()> {
    if !raw.bytes().any(|c| c == b'&' || c == b'\r') {
        push_capped(text, raw);
        return Some(());
    }
    let mut rest = raw;
    loop {
        let amp = memchr(b'&', rest.as_bytes());
        let run = &rest[..amp.unwrap_or(rest.len())];
        if !run.is_empty() {
            push_capped(text, &normalize_eols(run));
        }
        let Some(amp) = amp else {
            return Some(());
        };
        let after = &rest[amp + 1..];
        let semi = memchr(b';', after.as_bytes())?;
        text.push(predefined(&after[..semi])?);
        rest = &after[semi + 1..];
    }
}

fn normalize_eols(s: &str) -> Cow<'_, str> {
    if memchr(b'\r', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The five entities XML predefines; character references and others are left to quick-xml.
fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// The attributes after an element's name, read when a handler asks for them. What this
/// reader declines sets `bad`, and the whole event goes to quick-xml.
struct LeanAttrs<'a> {
    raw: &'a str,
    bad: Cell<bool>,
}

impl Attrs for LeanAttrs<'_> {
    fn for_each(&self, f: &mut dyn FnMut(&str, Cow<'_, str>)) {
        let b = self.raw.as_bytes();
        let mut i = 0;
        loop {
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            if i == b.len() {
                return;
            }
            // `key="value"` or `key='value'`, nothing looser.
            let ks = i;
            while i < b.len()
                && !is_space(b[i])
                && !matches!(b[i], b'=' | b'"' | b'\'' | b'<' | b'>' | b'&' | b'/')
            {
                i += 1;
            }
            let q = b.get(i + 1).copied().unwrap_or(0);
            if i == ks || b.get(i) != Some(&b'=') || !matches!(q, b'"' | b'\'') {
                return self.bad.set(true);
            }
            let key = &self.raw[ks..i];
            let vstart = i + 2;
            // CAPI2's values (URLs, flag lists) are long enough for `memchr` to pay.
            let Some(vend) = b
                .get(vstart..)
                .and_then(|v| memchr(q, v))
                .map(|k| vstart + k)
            else {
                return self.bad.set(true);
            };
            i = vend + 1;
            if i < b.len() && !is_space(b[i]) {
                return self.bad.set(true);
            }
            let Some(val) = attr_value(&self.raw[vstart..vend]) else {
                return self.bad.set(true);
            };
            if key == "xmlns" || key.starts_with("xmlns:") {
                continue;
            }
            let local = match key.bytes().position(|c| c == b':') {
                Some(c) => &key[c + 1..],
                None => key,
            };
            f(local, val);
        }
    }
}

/// An attribute value as quick-xml normalises it, when that is only resolving the predefined
/// entities. Whitespace XML would turn into spaces, and other references, are declined.
fn attr_value(v: &str) -> Option<Cow<'_, str>> {
    let b = v.as_bytes();
    let mut first = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'\t' | b'\r' | b'\n' | b'<' => return None,
            b'&' if first.is_none() => first = Some(i),
            _ => {}
        }
    }
    let Some(first) = first else {
        return Some(Cow::Borrowed(v));
    };
    let mut out = String::with_capacity(v.len());
    out.push_str(&v[..first]);
    let mut rest = &v[first..];
    while let Some(amp) = memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = memchr(b';', after.as_bytes())?;
        out.push(predefined(&after[..semi])?);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}
