//! EVTX through the `evtx` crate.
//!
//! The crate renders each record's binary XML to XML text with its compiled-template renderer
//! (the same path `evtx_dump` uses). We do that rendering and our own extraction inside the
//! crate's per-chunk worker, so both run in parallel across chunks; the consumer only emits.
//! When a filter is set, a cheap scan of the rendered text for provider and event id, and for
//! the words the rules need, decides whether the record is parsed fully at all.
//!
//! Most records of a system log are of no interest, and rendering them is most of the cost. So
//! the provider and event id are also learned per template (see [`Templates`]): once the
//! renderings of a template's records have shown which substitution holds the event id (and the
//! provider, or that the template fixes it), later records of that template are judged from
//! their substitution values, and a record the filter rejects is never rendered.
//!
//! Time and record id come from the XML (`TimeCreated/@SystemTime`, `EventRecordID`), never
//! from the record header: exported files can carry a zero header time and renumbered ids.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Seek};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use evtx::binxml::value_variant::BinXmlValue;

use evtx::err::EvtxError;
use evtx::{EvtxParser, ParserSettings};

use super::xml::{ParsedEvent, parse_event_xml_as, quick_scan};
use super::{EventFilter, emit_event};
use crate::model::{SourceLoc, Ts};
use crate::parse::ParseCtx;

/// What a worker hands back for one record.
enum Item {
    /// Read, but the filter rejected it.
    Filtered,
    Event(Box<ParsedEvent>, u64),
    /// Rendered, but its XML could not be read: (header record id, problem).
    Bad(u64, String),
}

/// Parse EVTX. Returns the number of records the crate yielded (including filtered-out ones);
/// chunk and record errors go to `ctx.error`, naming the chunk or record.
pub fn parse_evtx<R: Read + Seek>(mut r: R, ctx: &mut ParseCtx<'_>, filter: &EventFilter) -> u64 {
    // Starting a thread pool costs more than it saves on the small logs support bundles carry;
    // spread chunks over all cores only from a few MB up.
    let len = r.seek(std::io::SeekFrom::End(0)).unwrap_or(0);
    let _ = r.seek(std::io::SeekFrom::Start(0));
    let threads = if len >= 512 << 10 { 0 } else { 1 };
    let settings = ParserSettings::new()
        .num_threads(threads)
        .validate_checksums(false);
    let mut parser = match EvtxParser::from_read_seek(r) {
        Ok(p) => p.with_configuration(settings),
        Err(e) => {
            ctx.error(format!("not a readable EVTX file: {}", chain(&e)));
            return 0;
        }
    };
    let shared = Arc::new(filter.clone());
    let templates = Arc::new(Templates::default());
    let tally = Arc::new(Tally::default());
    let work = move |rec: evtx::err::Result<evtx::EvtxRecord<'_>>| -> evtx::err::Result<Item> {
        let rec = rec?;
        let header_id = rec.event_record_id;
        // Judged from its template's values when that template is known: never rendered.
        let instance = if shared.is_all() || !tally.templates_pay() {
            None
        } else {
            rec.template_instances()
                .ok()
                .and_then(|mut v| match v.len() {
                    1 => v.pop(),
                    _ => None,
                })
        };
        if let Some(t) = &instance
            && templates.rejects(t, &shared)
        {
            tally.saw(true);
            return Ok(Item::Filtered);
        }
        let xml = rec.into_xml()?;
        let x = xml.data.as_str();
        if !shared.is_all() {
            let (p, id) = quick_scan(x);
            if let (Some(p), Some(id)) = (p, id) {
                if let Some(t) = &instance {
                    templates.learn(t, p, id);
                }
                if !shared.accepts_rendering(p, id, x) {
                    tally.saw(true);
                    return Ok(Item::Filtered);
                }
            }
        }
        tally.saw(false);
        let try_fast = match &instance {
            Some(t) => templates.fast_reads(t),
            None => tally.fast_pays(),
        };
        let (parsed, fast) = parse_event_xml_as(x, try_fast);
        if try_fast {
            tally.fast(fast);
            if !fast && let Some(t) = &instance {
                templates.fast_declined(t);
            }
        }
        Ok(match parsed {
            Ok(p) => Item::Event(Box::new(p), header_id),
            Err(e) => Item::Bad(header_id, e),
        })
    };
    let mut count = 0u64;
    for item in parser.serialized_records(work) {
        match item {
            Ok(Item::Filtered) => count += 1,
            Ok(Item::Event(p, header_id)) => {
                count += 1;
                let ParsedEvent { ev, time } = *p;
                let id = ev.record_id.unwrap_or(header_id);
                let source = SourceLoc::record(ctx.path, id);
                emit_event(ctx, filter, source, time.map(Ts::Utc), ev);
            }
            Ok(Item::Bad(id, e)) => {
                count += 1;
                ctx.error(format!("record {id}: {e}"));
            }
            Err(e) => ctx.error(chain(&e)),
        }
    }
    count
}

/// Records a file's first look at before its rejection rate decides whether template lookups
/// pay.
const TEMPLATE_TRIAL: u32 = 8;

/// What a file's records have shown so far, shared by its chunk workers: whether looking up a
/// record's template (some 8 K instructions) pays, and whether the one-pass XML reader does.
///
/// A template lookup pays only for the records it lets go unrendered, that is, for records the
/// filter rejects. A domain controller's audit of sign-ins is nearly all records the rules read,
/// a System log nearly all records they do not: after a few records, lookups go on only while at
/// least one record in four is rejected (counted whether the template or the rendering rejected
/// it, so a file whose rejections come later turns them back on). Either way every record gets
/// the same verdict: a template only stands in for the rendering's provider and event id.
#[derive(Default)]
struct Tally {
    seen: AtomicU32,
    rejected: AtomicU32,
    fast_read: AtomicU32,
    fast_declined: AtomicU32,
}

impl Tally {
    fn templates_pay(&self) -> bool {
        let seen = self.seen.load(Ordering::Relaxed);
        seen < TEMPLATE_TRIAL || self.rejected.load(Ordering::Relaxed).saturating_mul(4) >= seen
    }

    fn saw(&self, rejected: bool) {
        self.seen.fetch_add(1, Ordering::Relaxed);
        if rejected {
            self.rejected.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Without templates to remember which shapes the one-pass reader declines (every CAPI2
    /// record's `UserData`), it is tried while it reads at least as many records as it declines.
    fn fast_pays(&self) -> bool {
        self.fast_declined.load(Ordering::Relaxed) <= self.fast_read.load(Ordering::Relaxed)
    }

    fn fast(&self, read: bool) {
        let n = if read {
            &self.fast_read
        } else {
            &self.fast_declined
        };
        n.fetch_add(1, Ordering::Relaxed);
    }
}

/// Renderings a template must show the same reading of before it is trusted.
const LEARN_FROM: u32 = 2;
/// Renderings after which a template that still leaves doubt is rendered always.
const LEARN_AT_MOST: u32 = 8;

/// What the renderings of each template have shown about where its provider and event id are,
/// keyed by the template instance's id and its number of substitutions. Shared by the chunk
/// workers of one file.
#[derive(Default)]
struct Templates(Mutex<HashMap<(u32, usize), Learned, BuildHasherDefault<KeyHasher>>>);

/// The map is looked up once per record, and its keys are a few small numbers: a multiply
/// spreads them well enough, where SipHash costs more than the rest of the lookup.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// How many (provider, event id) verdicts a template keeps for providers it takes from a
/// substitution.
const VERDICTS: usize = 64;

#[derive(Default)]
struct Learned {
    seen: u32,
    /// Substitutions that held the event id in every rendering so far.
    id_slots: Vec<usize>,
    /// Substitutions that held the provider name in every rendering so far.
    provider_slots: Vec<usize>,
    /// The provider name, while every rendering showed the same one.
    provider: Option<String>,
    /// Doubt that more renderings cannot remove: never judged from values.
    hopeless: bool,
    /// The one-pass XML reader declined a rendering of this template (a `UserData` block, as
    /// every CAPI2 record has): later ones go straight to the general reader.
    slow: bool,
    /// The filter's verdict by event id, for templates that fix the provider.
    verdicts: Vec<(u32, bool)>,
    /// The filter's verdict by the provider substitution's raw bytes and the event id, for
    /// templates that take the provider from a substitution: most records repeat a few.
    slot_verdicts: Vec<SlotVerdict>,
}

/// ((whether UTF-16, raw provider bytes), event id, accepted).
type SlotVerdict = ((bool, Box<[u8]>), u32, bool);

impl Templates {
    /// True when `t`'s template is known and the filter rejects the provider and event id its
    /// values give. False when in doubt: the record is then rendered.
    fn rejects(&self, t: &evtx::binxml::BinXmlTemplateValues<'_>, filter: &EventFilter) -> bool {
        let Ok(mut map) = self.0.lock() else {
            return false;
        };
        let Some(l) = map.get_mut(&(t.template_id, t.values.len())) else {
            return false;
        };
        if l.hopeless || l.seen < LEARN_FROM || l.id_slots.len() != 1 {
            return false;
        }
        let Some(id) = t.values.get(l.id_slots[0]).and_then(event_id_value) else {
            return false;
        };
        match (l.provider_slots.as_slice(), &l.provider) {
            ([k], _) => {
                let Some(v) = t.values.get(*k) else {
                    return false;
                };
                let raw = raw_string(v);
                if let Some((utf16, raw)) = raw
                    && let Some(&(_, _, ok)) = l
                        .slot_verdicts
                        .iter()
                        .find(|((u, r), i, _)| *i == id && *u == utf16 && **r == *raw)
                {
                    return !ok;
                }
                let Some(p) = string_value(v) else {
                    return false;
                };
                let ok = filter.accepts(&p, id);
                if let Some((utf16, raw)) = raw
                    && l.slot_verdicts.len() < VERDICTS
                {
                    l.slot_verdicts.push(((utf16, raw.into()), id, ok));
                }
                !ok
            }
            ([], Some(p)) => {
                if let Some(&(_, ok)) = l.verdicts.iter().find(|(i, _)| *i == id) {
                    return !ok;
                }
                let ok = filter.accepts(p, id);
                if l.verdicts.len() < 64 {
                    l.verdicts.push((id, ok));
                }
                !ok
            }
            _ => false,
        }
    }

    /// False once the one-pass reader has declined a rendering of `t`'s template.
    fn fast_reads(&self, t: &evtx::binxml::BinXmlTemplateValues<'_>) -> bool {
        let Ok(map) = self.0.lock() else {
            return true;
        };
        map.get(&(t.template_id, t.values.len()))
            .is_none_or(|l| !l.slow)
    }

    fn fast_declined(&self, t: &evtx::binxml::BinXmlTemplateValues<'_>) {
        if let Ok(mut map) = self.0.lock() {
            map.entry((t.template_id, t.values.len())).or_default().slow = true;
        }
    }

    /// Note what the rendering of a record with values `t` showed: provider `provider` and
    /// event id `id`.
    fn learn(&self, t: &evtx::binxml::BinXmlTemplateValues<'_>, provider: &str, id: u32) {
        let Ok(mut map) = self.0.lock() else {
            return;
        };
        let l = map.entry((t.template_id, t.values.len())).or_default();
        if l.hopeless || l.seen >= LEARN_AT_MOST {
            return;
        }
        let ids: Vec<usize> = (0..t.values.len())
            .filter(|&i| event_id_value(&t.values[i]) == Some(id))
            .collect();
        let providers: Vec<usize> = (0..t.values.len())
            .filter(|&i| string_value(&t.values[i]).is_some_and(|s| s == provider))
            .collect();
        if l.seen == 0 {
            l.id_slots = ids;
            l.provider_slots = providers;
            l.provider = Some(provider.to_string());
        } else {
            l.id_slots.retain(|i| ids.contains(i));
            l.provider_slots.retain(|i| providers.contains(i));
            if l.provider.as_deref() != Some(provider) {
                l.provider = None;
            }
        }
        l.seen += 1;
        // An id no substitution holds, a provider name that is neither fixed nor in a
        // substitution, or one the XML escapes (it would not compare equal): never judged.
        l.hopeless |= l.id_slots.is_empty()
            || (l.provider_slots.is_empty() && l.provider.is_none())
            || provider.contains('&');
        if l.seen >= LEARN_AT_MOST && (l.id_slots.len() != 1 || l.provider_slots.len() > 1) {
            l.hopeless = true;
        }
    }
}

/// An event id as a substitution holds it: a 16-bit unsigned value.
fn event_id_value(v: &BinXmlValue<'_>) -> Option<u32> {
    match v {
        BinXmlValue::UInt16Type(n) => Some(u32::from(*n)),
        _ => None,
    }
}

/// The bytes of a string substitution as the record holds them, and whether they are UTF-16:
/// equal bytes of the same kind, equal text.
fn raw_string<'v>(v: &'v BinXmlValue<'_>) -> Option<(bool, &'v [u8])> {
    match v {
        BinXmlValue::StringType(s) => Some((true, s.as_bytes())),
        BinXmlValue::AnsiStringType(s) => Some((false, s.as_bytes())),
        _ => None,
    }
}

/// A string substitution's text, as the rendering shows it (without trailing NULs).
fn string_value(v: &BinXmlValue<'_>) -> Option<String> {
    match v {
        BinXmlValue::StringType(s) => s
            .to_string()
            .ok()
            .map(|s| s.trim_end_matches('\0').to_string()),
        BinXmlValue::AnsiStringType(s) => Some(s.trim_end_matches('\0').to_string()),
        _ => None,
    }
}

/// An error with its causes, `outer: inner: ...`.
fn chain(e: &EvtxError) -> String {
    let mut s = e.to_string();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let mut depth = 0;
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_lookups_stop_when_nothing_is_rejected_and_resume_when_rejections_come() {
        let t = Tally::default();
        for _ in 0..TEMPLATE_TRIAL {
            assert!(t.templates_pay());
            t.saw(false);
        }
        // Every record so far was one the rules read: lookups cost without saving a rendering.
        assert!(!t.templates_pay());
        // Rejected renderings are still counted, and once one record in four is, lookups resume.
        for _ in 0..3 {
            t.saw(true);
        }
        assert!(t.templates_pay(), "3 of 11 rejected");
    }

    #[test]
    fn the_one_pass_reader_is_tried_while_it_reads_as_many_as_it_declines() {
        let t = Tally::default();
        assert!(t.fast_pays());
        t.fast(false);
        assert!(!t.fast_pays());
        t.fast(true);
        assert!(t.fast_pays());
    }
}
