//! EVTX through the `evtx` crate.
//!
//! The crate renders each record's binary XML to XML text with its compiled-template renderer
//! (the same path `evtx_dump` uses). We do that rendering and our own extraction inside the
//! crate's per-chunk worker, so both run in parallel across chunks; the consumer only emits.
//! When a filter is set, a cheap scan of the rendered text for provider and event id, and for
//! the words the rules need, decides whether the record is parsed fully at all.
//!
//! Time and record id come from the XML (`TimeCreated/@SystemTime`, `EventRecordID`), never
//! from the record header: exported files can carry a zero header time and renumbered ids.

use std::io::{Read, Seek};
use std::sync::Arc;

use evtx::err::EvtxError;
use evtx::{EvtxParser, ParserSettings};

use super::xml::{ParsedEvent, parse_event_xml, quick_scan};
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
    let work = move |rec: evtx::err::Result<evtx::EvtxRecord<'_>>| -> evtx::err::Result<Item> {
        let rec = rec?;
        let header_id = rec.event_record_id;
        let xml = rec.into_xml()?;
        let x = xml.data.as_str();
        if !shared.is_all() {
            let (p, id) = quick_scan(x);
            if let (Some(p), Some(id)) = (p, id)
                && !shared.accepts_rendering(p, id, x)
            {
                return Ok(Item::Filtered);
            }
        }
        Ok(match parse_event_xml(x) {
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
