//! Windows event logs: EVTX and the text exports (Event Viewer XML/CSV/TXT, `wevtutil` text
//! and XML, PowerShell `Export-Csv` and `Format-List` dumps).
//!
//! Every shape ends up as the same [`WinEvent`] record. Times from EVTX and XML are UTC (the
//! XML `TimeCreated/@SystemTime`); the text exports carry local wall-clock time with no zone,
//! so those become [`Ts::Local`].

use std::sync::{Arc, LazyLock};

use chrono::NaiveDateTime;

use super::{Format, ParseCtx};
use crate::input::decode::LineReader;
use crate::model::{Body, Record, SourceLoc, Ts, WinEvent};

mod csv;
pub(crate) mod dates;
mod evtx;
mod text;
mod xml;

pub use evtx::parse_evtx;

/// Which events to render fully. An event that fails the filter is still read and counted,
/// but no record is emitted for it.
///
/// The filter is a union of rules; each rule names a provider, an event id, or both. A
/// provider name matches case-insensitively, with or without the `Microsoft-Windows-` prefix
/// (Event Viewer's CSV export writes `Time-Service` for `Microsoft-Windows-Time-Service`).
///
/// A rule can also name words its event's text must hold ([`EventFilter::needing`]): an EVTX
/// record whose rendering holds none of them is not parsed at all (see
/// [`EventFilter::accepts_rendering`]).
///
/// Cloning is cheap (the EVTX reader hands a copy to its chunk workers): the rules are shared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    all: bool,
    rules: Arc<Vec<FilterRule>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct FilterRule {
    provider: Option<String>,
    id: Option<u32>,
    /// Each inner list: one of these words (lower case) occurs in the event's text. Shared by
    /// the rules one rule of the rule files becomes (one per provider and id).
    needs: Arc<[Vec<Word>]>,
}

/// A word a rendering must hold, with its searcher (built on first use, then once for all
/// records).
#[derive(Clone)]
pub struct Word {
    text: String,
    /// Boxed: a searcher is some 200 bytes, and of the filter's hundreds of words a case looks
    /// for a few; the unboxed ones cost a small case more fresh memory pages than their search.
    finder: std::sync::OnceLock<Box<memchr::memmem::Finder<'static>>>,
}

impl Word {
    fn new(text: String) -> Word {
        Word {
            text,
            finder: std::sync::OnceLock::new(),
        }
    }

    fn find_in(&self, hay: &[u8]) -> bool {
        self.finder
            .get_or_init(|| {
                Box::new(memchr::memmem::Finder::new(self.text.as_bytes()).into_owned())
            })
            .find(hay)
            .is_some()
    }
}

impl PartialEq for Word {
    fn eq(&self, other: &Word) -> bool {
        self.text == other.text
    }
}

impl Eq for Word {}

impl std::fmt::Debug for Word {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.text.fmt(f)
    }
}

impl EventFilter {
    /// Accept every event.
    pub fn all() -> Self {
        EventFilter {
            all: true,
            rules: Arc::default(),
        }
    }
    /// Accept nothing until rules are added.
    pub fn none() -> Self {
        EventFilter::default()
    }
    /// Accept every event of this provider.
    pub fn provider(self, name: &str) -> Self {
        self.needing(Some(name), None, Vec::new())
    }
    /// Accept this event id from any provider.
    pub fn event_id(self, id: u32) -> Self {
        self.needing(None, Some(id), Vec::new())
    }
    /// Accept this event id from this provider.
    pub fn provider_event(self, name: &str, id: u32) -> Self {
        self.needing(Some(name), Some(id), Vec::new())
    }
    /// Accept events of this provider and/or id whose text holds, for each list in `needs`,
    /// one of its words (ASCII case-insensitive). Words are cut down to what can be looked for
    /// in an event's XML rendering (see [`raw_word`]); a list with a word that cannot be is
    /// dropped, so the filter only ever accepts more.
    pub fn needing(self, provider: Option<&str>, id: Option<u32>, needs: Vec<Vec<String>>) -> Self {
        let needs = raw_needs(needs.iter().map(|alts| alts.iter().map(String::as_str)));
        self.needing_raw(provider, id, &needs)
    }

    /// [`EventFilter::needing`] with words already cut down by [`raw_needs`], so one rule's
    /// words are cut once for all its providers and ids.
    pub fn needing_raw(
        mut self,
        provider: Option<&str>,
        id: Option<u32>,
        needs: &Arc<[Vec<Word>]>,
    ) -> Self {
        Arc::make_mut(&mut self.rules).push(FilterRule {
            provider: provider.map(norm_provider),
            id,
            needs: needs.clone(),
        });
        self
    }
    pub fn is_all(&self) -> bool {
        self.all
    }
    pub fn accepts(&self, provider: &str, event_id: u32) -> bool {
        if self.all {
            return true;
        }
        let p = provider_key(provider);
        self.rules.iter().any(|r| r.takes(p, event_id))
    }

    /// [`EventFilter::accepts`], and the event's XML rendering `xml` holds the words some
    /// accepting rule needs. Sound for text drawn from that XML: every word is a run of
    /// characters that XML writes as themselves (no markup, quotes, whitespace or `:`), so where
    /// the parsed event's text holds a word, the XML holds it too. Renderings that could break
    /// that (character references; unnamed `Data` items, which the parser names `Data0`...) are
    /// always accepted.
    pub fn accepts_rendering(&self, provider: &str, event_id: u32, xml: &str) -> bool {
        if self.all {
            return true;
        }
        let p = provider_key(provider);
        // Each rule's provider test is a case-blind substring search: the few that take the
        // record are found once.
        let taking: Vec<&FilterRule> = self.rules.iter().filter(|r| r.takes(p, event_id)).collect();
        if taking.is_empty() {
            return false;
        }
        // `str::contains` is a scalar two-way search: these SIMD searchers cost a fraction of it
        // on a CAPI2 rendering's 10 KB.
        static CHAR_REF: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new("&#"));
        static UNNAMED: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new("<Data>"));
        static SYSTEM_END: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new("</System>"));
        if taking.iter().any(|r| r.needs.is_empty()) {
            return true;
        }
        // An event's text is its data items and its message, never its System block: the words
        // are looked for in what follows that block (half of a Security record's rendering).
        let body = match SYSTEM_END.find(xml.as_bytes()) {
            Some(i) => &xml[i + "</System>".len()..],
            None => xml,
        };
        if CHAR_REF.find(body.as_bytes()).is_some() || UNNAMED.find(body.as_bytes()).is_some() {
            return true;
        }
        // Lower-cased once, into a buffer each thread keeps, then each word is one SIMD
        // substring search.
        thread_local! {
            static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        LOWER.with_borrow_mut(|lower| {
            lower.clear();
            lower.extend_from_slice(body.as_bytes());
            lower.make_ascii_lowercase();
            taking.iter().any(|r| {
                r.needs
                    .iter()
                    .all(|alts| alts.iter().any(|w| w.find_in(lower)))
            })
        })
    }
}

impl FilterRule {
    /// `provider` as [`provider_key`] gives it.
    fn takes(&self, provider: &str, event_id: u32) -> bool {
        // Rule provider conditions are unanchored regexes: a name they list matches any
        // provider containing it (`kerberos` also takes `Kerberos-Key-Distribution-Center`).
        // An export without the source column gives no provider: the event id alone decides,
        // and what the event says decides the rest (a Lync event 11 is known by its text).
        self.id.is_none_or(|id| id == event_id)
            && (provider.is_empty()
                || self
                    .provider
                    .as_ref()
                    .is_none_or(|rp| crate::engine::cond::contains_ci(provider, rp)))
    }
}

/// A provider name as [`norm_provider`] compares it, without lower-casing (the comparisons
/// ignore ASCII case, as lower-casing only changes ASCII letters): trimmed, and without the
/// `Microsoft-Windows-` prefix. Once per record, so it allocates nothing.
fn provider_key(name: &str) -> &str {
    const PREFIX: &str = "microsoft-windows-";
    let t = name.trim();
    match t.get(..PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(PREFIX) => &t[PREFIX.len()..],
        _ => t,
    }
}

/// Each list of words cut down by [`raw_word`]; a list with a word that cannot be is dropped,
/// so the filter only ever accepts more.
pub fn raw_needs<'a>(
    needs: impl IntoIterator<Item = impl IntoIterator<Item = &'a str>>,
) -> Arc<[Vec<Word>]> {
    needs
        .into_iter()
        .filter_map(|alts| {
            alts.into_iter()
                .map(|w| raw_word(w).map(Word::new))
                .collect::<Option<Vec<_>>>()
        })
        .filter(|alts| !alts.is_empty())
        .collect()
}

/// The longest run of `word` that an XML rendering writes verbatim, lower case: ASCII, no
/// whitespace (attribute values have theirs normalised), no markup or quote characters, and no
/// `:` (the parser joins a name and its value with `": "`, so a word across that join is not
/// in the XML). `None` when no run of three characters is left.
pub fn raw_word(word: &str) -> Option<String> {
    // By bytes: every byte of a non-ASCII character ends a run, as the character would. The
    // last of equally long runs wins.
    let b = word.as_bytes();
    let (mut best, mut start) = ((0, 0), 0);
    for i in 0..=b.len() {
        let end = b.get(i).is_none_or(|&c| {
            !c.is_ascii()
                || c.is_ascii_whitespace()
                || matches!(c, b'&' | b'<' | b'>' | b'"' | b'\'' | b':')
        });
        if end {
            if i - start >= best.1 - best.0 {
                best = (start, i);
            }
            start = i + 1;
        }
    }
    (best.1 - best.0 >= 3).then(|| word[best.0..best.1].to_ascii_lowercase())
}

fn norm_provider(name: &str) -> String {
    let l = name.trim().to_ascii_lowercase();
    match l.strip_prefix("microsoft-windows-") {
        Some(rest) => rest.to_string(),
        None => l,
    }
}

/// Options for the text exports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventOptions {
    /// User override of the date order in local-time exports; `None` = decide from the data.
    pub day_first: Option<bool>,
}

/// Classify decoded text (the first ~64 KiB of a file) as an event export, or `None`.
pub fn sniff(head: &str) -> Option<Format> {
    if xml::sniff(head) {
        return Some(Format::EventXml);
    }
    if text::sniff(head) {
        return Some(Format::EventText);
    }
    if csv::sniff(head) {
        return Some(Format::EventCsv);
    }
    None
}

/// Parse a text export (XML, CSV/TSV, `wevtutil` text, `Format-List`). `head` is the decoded
/// head given to [`sniff`]; it decides the day/month order of local dates. Returns the number
/// of events read (emitted or filtered out).
pub fn parse_text(
    format: Format,
    head: &str,
    lines: &mut LineReader<'_>,
    ctx: &mut ParseCtx<'_>,
    filter: &EventFilter,
    opts: &EventOptions,
) -> u64 {
    match format {
        Format::EventXml => xml::parse_stream(lines, ctx, filter),
        Format::EventCsv => {
            let day_first = resolve_day_first(head, opts, ctx);
            csv::parse(head, lines, ctx, filter, day_first)
        }
        Format::EventText => {
            let day_first = resolve_day_first(head, opts, ctx);
            text::parse(head, lines, ctx, filter, day_first)
        }
        other => {
            ctx.error(format!(
                "internal: the event parser was given format {}",
                other.name()
            ));
            0
        }
    }
}

/// The date order to use: the user's override, else what the head shows. When the head cannot
/// tell, month-first is assumed and a `note:` says so.
fn resolve_day_first(head: &str, opts: &EventOptions, ctx: &mut ParseCtx<'_>) -> bool {
    if let Some(d) = opts.day_first {
        return d;
    }
    match dates::detect_order(head) {
        dates::Order::DayFirst => true,
        dates::Order::MonthFirst | dates::Order::NoDates => false,
        dates::Order::Ambiguous { dotted: true, .. } => {
            ctx.error(
                "note: dates are ambiguous between month/day and day/month; \
                 dotted dates read as day/month",
            );
            true
        }
        dates::Order::Ambiguous {
            dotted: false,
            clock24: true,
        } => {
            ctx.error(
                "note: dates are ambiguous between month/day and day/month; read as day/month, \
                 since the times are 24-hour (a US English export writes AM/PM)",
            );
            true
        }
        dates::Order::Ambiguous {
            dotted: false,
            clock24: false,
        } => {
            ctx.error(
                "note: dates are ambiguous between month/day and day/month; read as month/day",
            );
            false
        }
    }
}

/// Map a level word, in English, French or German, to the numeric level. Audit words map to 0.
pub(crate) fn level_from_word(word: &str) -> Option<u8> {
    let w = word.trim().to_lowercase();
    let w = w.as_str();
    Some(match w {
        "information" | "informations" | "informationen" | "info" | "informational" => 4,
        "warning" | "avertissement" | "warnung" => 3,
        "error" | "erreur" | "fehler" => 2,
        "critical" | "critique" | "kritisch" => 1,
        "verbose" | "détaillé" | "détails" | "ausführlich" => 5,
        "logalways" => 0,
        _ if is_audit_word(w) => 0,
        _ => return None,
    })
}

/// `Audit Success`, `Audit Failure` and their legacy / localized spellings.
pub(crate) fn is_audit_word(w: &str) -> bool {
    let w = w.trim().to_lowercase();
    matches!(
        w.as_str(),
        "audit success"
            | "audit failure"
            | "success audit"
            | "failure audit"
            | "successaudit"
            | "failureaudit"
            | "succès de l'audit"
            | "échec de l'audit"
            | "überwachung erfolgreich"
            | "überwachung gescheitert"
    )
}

/// Event id text to a number: `4625`, ` 4625 `, `0x1B1`. Qualifiers (a high word, as
/// Get-EventLog's `InstanceId` carries) are stripped.
pub(crate) fn parse_event_id(s: &str) -> Option<u32> {
    let s = s.trim();
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else {
        s.parse::<u64>().ok()?
    };
    let v = if v > 0xFFFF { v & 0xFFFF } else { v };
    u32::try_from(v).ok()
}

/// Emit one event if the filter accepts it. Returns whether it was emitted.
pub(crate) fn emit_event(
    ctx: &mut ParseCtx<'_>,
    filter: &EventFilter,
    source: SourceLoc,
    ts: Option<Ts>,
    ev: WinEvent,
) -> bool {
    if !filter.accepts(&ev.provider, ev.event_id) {
        return false;
    }
    ctx.emit(Record {
        source,
        ts,
        body: Body::Event(Box::new(ev)),
    });
    true
}

/// Local time as written by a text export.
pub(crate) fn local(t: Option<NaiveDateTime>) -> Option<Ts> {
    t.map(Ts::Local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_rules() {
        let f = EventFilter::none()
            .provider("Lync")
            .provider_event("Microsoft-Windows-Time-Service", 129)
            .event_id(4625);
        assert!(f.accepts("lync", 11));
        assert!(f.accepts("Time-Service", 129));
        assert!(!f.accepts("Time-Service", 35));
        assert!(f.accepts("Microsoft-Windows-Security-Auditing", 4625));
        assert!(!f.accepts("Schannel", 36882));
        assert!(EventFilter::all().accepts("x", 1));
        assert!(!EventFilter::none().accepts("x", 1));
        // No source column in the export: the id decides, so a provider's rule for any id
        // takes every such event.
        assert!(f.accepts("", 129));
        let by_id = EventFilter::none().provider_event("Lync", 11);
        assert!(by_id.accepts("", 11));
        assert!(!by_id.accepts("", 3));
    }

    #[test]
    fn words_a_rendering_must_hold() {
        assert_eq!(
            raw_word("KRB_AP_ERR_SKEW").as_deref(),
            Some("krb_ap_err_skew")
        );
        // Cut at what XML does not write as itself, keeping the longest run.
        assert_eq!(raw_word("was locked out").as_deref(), Some("locked"));
        assert_eq!(raw_word("Status: 0x18").as_deref(), Some("status"));
        // Of equally long runs the last; a non-ASCII character ends a run.
        assert_eq!(raw_word("abc def").as_deref(), Some("def"));
        assert_eq!(raw_word("übersetzt").as_deref(), Some("bersetzt"));
        assert_eq!(raw_word("a\u{e9}bc"), None);
        assert_eq!(raw_word("a<b"), None);
        let f = EventFilter::none()
            .needing(
                Some("Microsoft-Windows-CAPI2"),
                Some(11),
                vec![
                    vec!["800b0109".into(), "untrusted_root".into()],
                    vec!["adfs".into()],
                ],
            )
            .needing(Some("Schannel"), Some(36882), Vec::new());
        let x = |body: &str| {
            format!(
                "<Event><System><Provider Name=\"x\"/></System><UserData>{body}</UserData></Event>"
            )
        };
        let capi = "Microsoft-Windows-CAPI2";
        assert!(f.accepts_rendering(
            capi,
            11,
            &x("<R value=\"800B0109\"/><S>ADFS.contoso.com</S>")
        ));
        assert!(!f.accepts_rendering(
            capi,
            11,
            &x("<R value=\"800B0109\"/><S>www.contoso.com</S>")
        ));
        assert!(!f.accepts_rendering(capi, 30, &x("<R value=\"800B0109\"/><S>adfs</S>")));
        // A character reference could spell a word: such renderings are always parsed.
        assert!(f.accepts_rendering(capi, 11, &x("<S>&#97;dfs 800b0109</S>")));
        assert!(f.accepts_rendering("Schannel", 36882, &x("")));
        // The System block is not the event's text: a word only there does not count.
        let in_system = "<Event><System><Provider Name=\"x\"/><Computer>adfs01</Computer></System><UserData><R value=\"800B0109\"/></UserData></Event>";
        assert!(!f.accepts_rendering(capi, 11, in_system));
        assert!(f.accepts_rendering(
            capi,
            11,
            &in_system.replace("800B0109\"", "800B0109\" S=\"adfs\"")
        ));
        // The provider/id verdict alone is unchanged.
        assert!(f.accepts(capi, 11));
    }

    #[test]
    fn level_words() {
        assert_eq!(level_from_word("Avertissement"), Some(3));
        assert_eq!(level_from_word("Fehler"), Some(2));
        assert_eq!(level_from_word("Audit Failure"), Some(0));
        assert_eq!(level_from_word("Verbose"), Some(5));
        assert_eq!(level_from_word("Kritisch"), Some(1));
        assert_eq!(level_from_word("banana"), None);
    }

    #[test]
    fn event_ids() {
        assert_eq!(parse_event_id(" 4625 "), Some(4625));
        assert_eq!(parse_event_id("0x24"), Some(36));
        assert_eq!(parse_event_id("3221229571"), Some(4099));
        assert_eq!(parse_event_id("x"), None);
    }

    #[test]
    fn sniff_rejects_ordinary_text() {
        let uccapi = "11/25/2014|08:12:51.123 1A2C:0F10 INFO  :: Sending Packet - 10.0.0.1:5061\r\nREGISTER sip:contoso.com SIP/2.0\r\n";
        assert_eq!(sniff(uccapi), None);
        let ns = "Server:  dc01.contoso.com\nAddress:  10.0.0.1\n\nName:    sip.contoso.com\nAddress:  10.0.0.5\n";
        assert_eq!(sniff(ns), None);
        let reg = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Lync]\r\n\"ServerSipUri\"=\"user@contoso.com\"\r\n";
        assert_eq!(sniff(reg), None);
        let csvish = "Name,Value,Date\nfoo,1,2020-01-01\n";
        assert_eq!(sniff(csvish), None);
        let xmlish = "<?xml version=\"1.0\"?><root><Event>nope</Event></root>";
        assert_eq!(sniff(xmlish), None);
    }
}
