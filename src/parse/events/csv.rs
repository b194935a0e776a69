//! Delimited exports: Event Viewer "Save as CSV" / "Text (Tab delimited)" (5 named columns
//! plus an unnamed message column; `Keywords` first for the Security log), the legacy
//! XP/2003 layout (`Date,Time,Source,Type,Category,Event,User,Computer,Description`),
//! `Get-WinEvent | Export-Csv` (any subset of its columns, `,` or the culture's `;`, an
//! optional `#TYPE` line) and `Get-EventLog | Export-Csv`.
//!
//! Columns are mapped by name. Quoted fields may span lines; records are reassembled from
//! the reader's lines, and an unclosed quote is capped, reported and resynchronised at the
//! next line that looks like the start of a row.

use std::collections::VecDeque;

use super::{
    EventFilter, dates, emit_event, is_audit_word, level_from_word, local, parse_event_id,
};
use crate::input::decode::LineReader;
use crate::model::{SourceLoc, WinEvent};
use crate::parse::ParseCtx;

/// A record longer than this is taken to be an unclosed quote.
const MAX_RECORD_BYTES: usize = 1024 * 1024;
const MAX_RECORD_LINES: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    /// Level word, or a number (Get-WinEvent's numeric `Level`).
    Level,
    /// `LevelDisplayName`: a word, used only when no numeric level is present.
    LevelName,
    /// Get-EventLog `EntryType`: word or its numeric enum value.
    EntryType,
    Keywords,
    KeywordsNames,
    DateTime,
    Date,
    Time,
    Provider,
    EventId,
    InstanceId,
    Message,
    RecordId,
    LogName,
    Computer,
    Other,
}

fn col_of(name: &str) -> Col {
    let n = name
        .trim()
        .trim_matches('\u{feff}')
        .trim_matches('"')
        .trim()
        .to_lowercase()
        .replace('\u{2019}', "'");
    match n.as_str() {
        "level" | "niveau" | "ebene" => Col::Level,
        "leveldisplayname" => Col::LevelName,
        "type" | "entrytype" => Col::EntryType,
        "keywords" | "mots clés" | "mots-clés" | "schlüsselwörter" => Col::Keywords,
        "keywordsdisplaynames" => Col::KeywordsNames,
        "date and time" | "timecreated" | "timegenerated" | "date et heure"
        | "datum und uhrzeit" => Col::DateTime,
        "date" | "datum" => Col::Date,
        "time" | "heure" | "uhrzeit" => Col::Time,
        "source" | "providername" | "quelle" => Col::Provider,
        "event id" | "eventid" | "id" | "event" | "id de l'événement" | "ereignis-id" => {
            Col::EventId
        }
        "instanceid" => Col::InstanceId,
        "message" | "description" | "details" | "beschreibung" => Col::Message,
        "recordid" | "index" => Col::RecordId,
        "logname" | "log name" | "journal" => Col::LogName,
        "machinename" | "computer" | "ordinateur" | "computername" => Col::Computer,
        _ => Col::Other,
    }
}

/// The header: delimiter, column kinds, and how many lines precede it.
struct Header {
    delim: char,
    cols: Vec<Col>,
    /// 1-based line number of the header within the input.
    line: usize,
}

impl Header {
    fn has(&self, c: Col) -> bool {
        self.cols.contains(&c)
    }
    fn idx(&self, c: Col) -> Option<usize> {
        self.cols.iter().position(|x| *x == c)
    }
}

/// Find and read the header in the first lines of `head`.
fn find_header(head: &str) -> Option<Header> {
    let mut typed = false;
    for (i, line) in head.lines().take(4).enumerate() {
        let l = line.trim_start_matches('\u{feff}').trim();
        if l.is_empty() {
            continue;
        }
        if l.starts_with("#TYPE ") {
            typed = l.contains("System.Diagnostics.Eventing.Reader.EventLogRecord")
                || l.contains("System.Diagnostics.EventLogEntry");
            continue;
        }
        if l.len() > 8192 {
            return None;
        }
        let mut best: Option<(usize, Header)> = None;
        for delim in [',', ';', '\t'] {
            let fields = split_line(l, delim);
            if fields.len() < 2 {
                continue;
            }
            let cols: Vec<Col> = fields.iter().map(|f| col_of(f)).collect();
            let known = cols.iter().filter(|c| **c != Col::Other).count();
            if best.as_ref().is_none_or(|(k, _)| known > *k) {
                best = Some((
                    known,
                    Header {
                        delim,
                        cols,
                        line: i + 1,
                    },
                ));
            }
        }
        let (known, h) = best?;
        let id = h.has(Col::EventId) || h.has(Col::InstanceId);
        let time = h.has(Col::DateTime) || h.has(Col::Date);
        let what = h.has(Col::Provider)
            || h.has(Col::Message)
            || h.has(Col::Level)
            || h.has(Col::LevelName)
            || h.has(Col::EntryType)
            || h.has(Col::Keywords);
        if id && time && what && (known >= 4 || (typed && known >= 3) || known == h.cols.len()) {
            return Some(h);
        }
        return event_viewer_shape(head, i, l);
    }
    None
}

/// Event Viewer's own CSV and text export in a language whose column names are not known here,
/// told by its shape: five named columns (level, date and time, source, event id, task) over
/// rows of six, whose fourth field is an event id and whose second is a date. The Security log
/// writes its keywords where the others write the level.
fn event_viewer_shape(head: &str, at: usize, header: &str) -> Option<Header> {
    let row = head.lines().skip(at + 1).find(|l| !l.trim().is_empty())?;
    for delim in [',', '\t', ';'] {
        if split_line(header, delim).len() != 5 {
            continue;
        }
        let f = split_line(row, delim);
        if f.len() < 5 {
            continue;
        }
        let id = f[3].trim().parse::<u32>().is_ok_and(|n| n <= 65535);
        let date = dates::parse_local(&f[1], false)
            .or_else(|| dates::parse_local(&f[1], true))
            .is_some();
        let source = f[2].trim();
        if !(id && date) || source.is_empty() || source.parse::<f64>().is_ok() {
            continue;
        }
        let s = source.to_ascii_lowercase();
        let first = if s.contains("security-auditing") || s.contains("security auditing") {
            Col::Keywords
        } else {
            Col::Level
        };
        return Some(Header {
            delim,
            cols: vec![
                first,
                Col::DateTime,
                Col::Provider,
                Col::EventId,
                Col::Other,
            ],
            line: at + 1,
        });
    }
    None
}

pub(crate) fn sniff(head: &str) -> bool {
    find_header(head).is_some()
}

/// Split one line (no multi-line fields) into fields; an unclosed quote runs to the end.
fn split_line(line: &str, delim: char) -> Vec<String> {
    let mut s = Splitter::new(delim);
    s.feed(line);
    s.finish()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    Start,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: either the first of `""` or the closing one.
    QuoteInQuoted,
}

/// Reassembles one record from lines, RFC 4180 style.
struct Splitter {
    delim: char,
    fields: Vec<String>,
    cur: String,
    st: St,
}

impl Splitter {
    fn new(delim: char) -> Self {
        Splitter {
            delim,
            fields: Vec::new(),
            cur: String::new(),
            st: St::Start,
        }
    }
    /// Feed one line; true when the record is complete.
    fn feed(&mut self, line: &str) -> bool {
        for c in line.chars() {
            match self.st {
                St::Start => {
                    if c == '"' {
                        self.st = St::Quoted;
                    } else if c == self.delim {
                        self.fields.push(String::new());
                    } else {
                        self.cur.push(c);
                        self.st = St::Unquoted;
                    }
                }
                St::Unquoted => {
                    if c == self.delim {
                        self.fields.push(std::mem::take(&mut self.cur));
                        self.st = St::Start;
                    } else {
                        self.cur.push(c);
                    }
                }
                St::Quoted => {
                    if c == '"' {
                        self.st = St::QuoteInQuoted;
                    } else if self.cur.len() < MAX_RECORD_BYTES {
                        self.cur.push(c);
                    }
                }
                St::QuoteInQuoted => {
                    if c == '"' {
                        self.cur.push('"');
                        self.st = St::Quoted;
                    } else if c == self.delim {
                        self.fields.push(std::mem::take(&mut self.cur));
                        self.st = St::Start;
                    } else {
                        // Text after a closing quote: keep it, leniently.
                        self.cur.push(c);
                        self.st = St::Unquoted;
                    }
                }
            }
        }
        if self.st == St::Quoted {
            self.cur.push('\n');
            return false;
        }
        true
    }
    fn in_quote(&self) -> bool {
        self.st == St::Quoted
    }
    fn finish(mut self) -> Vec<String> {
        if self.st == St::Quoted && self.cur.ends_with('\n') {
            self.cur.pop();
        }
        self.fields.push(self.cur);
        self.fields
    }
}

pub(crate) fn parse(
    head: &str,
    lines: &mut LineReader<'_>,
    ctx: &mut ParseCtx<'_>,
    filter: &EventFilter,
    day_first: bool,
) -> u64 {
    let Some(h) = find_header(head) else {
        ctx.error("no event export header found");
        return 0;
    };
    let mut count = 0u64;
    // Lines given back for another pass after a resync.
    let mut pending: VecDeque<(u64, String)> = VecDeque::new();
    // The current record's raw lines (for resync), its splitter and size.
    let mut raw: Vec<(u64, String)> = Vec::new();
    let mut bytes = 0usize;
    let mut sp = Splitter::new(h.delim);
    loop {
        let next = match pending.pop_front() {
            Some(x) => Some(x),
            None => lines.next_line().map(|(n, l)| (n, l.to_string())),
        };
        let Some((no, line)) = next else { break };
        if (no as usize) <= h.line {
            continue;
        }
        if raw.is_empty() && line.trim().is_empty() {
            continue;
        }
        bytes += line.len() + 1;
        let done = sp.feed(&line);
        raw.push((no, line));
        if done {
            let fields = std::mem::replace(&mut sp, Splitter::new(h.delim)).finish();
            let first = raw.first().map(|(n, _)| *n).unwrap_or(no);
            raw.clear();
            bytes = 0;
            if let Some(ev) = row_event(&h, &fields, day_first, first, ctx) {
                count += 1;
                let (ts, ev) = ev;
                emit_event(ctx, filter, SourceLoc::line(ctx.path, first), ts, ev);
            }
        } else if bytes > MAX_RECORD_BYTES || raw.len() > MAX_RECORD_LINES {
            resync(&h, &mut raw, &mut pending, day_first, ctx);
            sp = Splitter::new(h.delim);
            bytes = 0;
        }
    }
    if sp.in_quote() && !raw.is_empty() {
        // End of input inside a quote: report, and re-read what follows the bad start.
        resync(&h, &mut raw, &mut pending, day_first, ctx);
        count += parse_pending(&h, pending, ctx, filter, day_first);
    }
    count
}

/// Parse lines given back after a resync at end of input.
fn parse_pending(
    h: &Header,
    pending: VecDeque<(u64, String)>,
    ctx: &mut ParseCtx<'_>,
    filter: &EventFilter,
    day_first: bool,
) -> u64 {
    let mut count = 0;
    let mut pending = pending;
    // Each round drops at least one line, so this terminates.
    while !pending.is_empty() {
        let mut raw: Vec<(u64, String)> = Vec::new();
        let mut sp = Splitter::new(h.delim);
        let mut next_round = VecDeque::new();
        while let Some((no, line)) = pending.pop_front() {
            if raw.is_empty() && line.trim().is_empty() {
                continue;
            }
            let done = sp.feed(&line);
            raw.push((no, line));
            if done {
                let fields = std::mem::replace(&mut sp, Splitter::new(h.delim)).finish();
                let first = raw.first().map(|(n, _)| *n).unwrap_or(no);
                raw.clear();
                if let Some((ts, ev)) = row_event(h, &fields, day_first, first, ctx) {
                    count += 1;
                    emit_event(ctx, filter, SourceLoc::line(ctx.path, first), ts, ev);
                }
            }
        }
        if !raw.is_empty() {
            resync(h, &mut raw, &mut next_round, day_first, ctx);
        }
        pending = next_round;
    }
    count
}

/// Report the unclosed quote of the record in `raw`, and hand back the lines from the next
/// one that looks like a row start.
fn resync(
    h: &Header,
    raw: &mut Vec<(u64, String)>,
    pending: &mut VecDeque<(u64, String)>,
    day_first: bool,
    ctx: &mut ParseCtx<'_>,
) {
    let first = raw.first().map(|(n, _)| *n).unwrap_or(0);
    let restart = raw
        .iter()
        .skip(1)
        .position(|(_, l)| looks_like_row_start(h, l, day_first))
        .map(|p| p + 1);
    match restart {
        Some(i) => {
            ctx.error(format!(
                "line {first}: unclosed quote; the record was skipped and reading resumed at line {}",
                raw[i].0
            ));
            for x in raw.drain(i..).rev() {
                pending.push_front(x);
            }
        }
        None => ctx.error(format!(
            "line {first}: unclosed quote; the record and the {} lines after it were skipped",
            raw.len().saturating_sub(1)
        )),
    }
    raw.clear();
}

fn looks_like_row_start(h: &Header, line: &str, day_first: bool) -> bool {
    let f = split_line(line, h.delim);
    if f.len() < 2 {
        return false;
    }
    if let Some(i) = h.idx(Col::DateTime).or_else(|| h.idx(Col::Date)) {
        return f
            .get(i)
            .is_some_and(|v| dates::parse_local(v, day_first).is_some());
    }
    h.idx(Col::EventId)
        .and_then(|i| f.get(i))
        .is_some_and(|v| parse_event_id(v).is_some())
}

type Row = (Option<crate::model::Ts>, WinEvent);

/// One data row to an event. `None` (with a reported problem) when it has no event id.
fn row_event(
    h: &Header,
    fields: &[String],
    day_first: bool,
    line: u64,
    ctx: &mut ParseCtx<'_>,
) -> Option<Row> {
    if fields.iter().all(|f| f.trim().is_empty()) {
        return None;
    }
    let mut ev = WinEvent::default();
    let mut date: Option<&str> = None;
    let mut time: Option<&str> = None;
    let mut datetime: Option<&str> = None;
    let mut num_level: Option<u8> = None;
    let mut word_level: Option<u8> = None;
    let mut audit: Option<String> = None;
    let mut id: Option<u32> = None;
    let mut instance: Option<u32> = None;
    for (i, v) in fields.iter().enumerate() {
        let col = h.cols.get(i).copied();
        let t = v.trim();
        match col {
            Some(Col::Level) => {
                if let Ok(n) = t.parse::<u8>() {
                    num_level = Some(n);
                } else {
                    if is_audit_word(t) {
                        audit = Some(t.to_string());
                    }
                    word_level = level_from_word(t).or(word_level);
                }
            }
            Some(Col::LevelName) => {
                if word_level.is_none() {
                    word_level = level_from_word(t);
                }
            }
            Some(Col::EntryType) => {
                let lv = match t {
                    "1" => Some(2),
                    "2" => Some(3),
                    "4" | "0" => Some(4),
                    "8" | "16" => Some(0),
                    _ => level_from_word(t),
                };
                if is_audit_word(t) || t == "8" || t == "16" {
                    audit = Some(match t {
                        "8" => "SuccessAudit".to_string(),
                        "16" => "FailureAudit".to_string(),
                        _ => t.to_string(),
                    });
                }
                word_level = lv.or(word_level);
            }
            Some(Col::Keywords) => {
                if is_audit_word(t) {
                    audit = Some(t.to_string());
                } else if !t.is_empty() {
                    ev.keywords = Some(t.to_string());
                }
            }
            Some(Col::KeywordsNames) => {
                if let Some(w) = t
                    .split([',', ';', '{', '}'])
                    .map(str::trim)
                    .find(|w| is_audit_word(w))
                {
                    audit = Some(w.to_string());
                }
            }
            Some(Col::DateTime) => datetime = Some(t),
            Some(Col::Date) => date = Some(t),
            Some(Col::Time) => time = Some(t),
            Some(Col::Provider) => ev.provider = t.to_string(),
            Some(Col::EventId) => id = parse_event_id(t),
            Some(Col::InstanceId) => instance = parse_event_id(t),
            Some(Col::Message) => set_message(&mut ev, v),
            Some(Col::RecordId) => ev.record_id = t.parse().ok(),
            Some(Col::LogName) if !t.is_empty() => ev.channel = Some(t.to_string()),
            Some(Col::Computer) if !t.is_empty() => ev.computer = Some(t.to_string()),
            Some(_) => {}
            // Past the named columns: Event Viewer's unnamed message column.
            None => {
                if ev.message.is_none() {
                    set_message(&mut ev, v);
                }
            }
        }
    }
    let Some(event_id) = id.or(instance) else {
        ctx.error(format!("line {line}: row has no event id; skipped"));
        return None;
    };
    ev.event_id = event_id;
    if let Some(a) = audit {
        ev.keywords = Some(a);
        if num_level.is_none() {
            word_level = Some(0);
        }
        if ev.channel.is_none() {
            ev.channel = Some("Security".to_string());
        }
    }
    ev.level = num_level.or(word_level);
    let ts = match (datetime, date, time) {
        (Some(dt), _, _) => dates::parse_local(dt, day_first),
        (None, Some(d), Some(t)) => dates::parse_local(&format!("{d} {t}"), day_first),
        (None, Some(d), None) => dates::parse_local(d, day_first),
        _ => None,
    };
    if ts.is_none() && (datetime.is_some() || date.is_some()) {
        ctx.error(format!(
            "line {line}: unreadable date; event kept without a time"
        ));
    }
    Some((local(ts), ev))
}

fn set_message(ev: &mut WinEvent, v: &str) {
    let m = v.trim_end();
    if !m.is_empty() {
        ev.message = Some(m.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Body, Record};
    use std::sync::Arc;

    fn run(text: &str, day_first: bool) -> (u64, Vec<Record>, Vec<String>) {
        let path: Arc<str> = Arc::from("t.csv");
        let mut errors = Vec::new();
        let mut recs = Vec::new();
        let mut sink = |r| recs.push(r);
        let n = {
            let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
            let mut lr = LineReader::from_str(text);
            parse(text, &mut lr, &mut ctx, &EventFilter::all(), day_first)
        };
        (n, recs, errors)
    }

    fn ev(r: &Record) -> &WinEvent {
        match &r.body {
            Body::Event(e) => e,
            _ => panic!("not an event"),
        }
    }

    #[test]
    fn event_viewer_csv_in_a_language_of_unknown_column_names_is_told_by_its_shape() {
        // Korean column names and level words, the half of the day before the clock.
        let t = "\u{c218}\u{c900},\u{b0a0}\u{c9dc} \u{bc0f} \u{c2dc}\u{ac04},\u{c6d0}\u{bcf8},\u{c774}\u{bca4}\u{d2b8} ID,\u{c791}\u{c5c5} \u{bc94}\u{c8fc}\r\n\u{c624}\u{b958},2026-11-11 \u{c624}\u{d6c4} 3:15:20,Lync,3,\u{c5c6}\u{c74c},\"sip.contoso.com\r\n\"\r\n";
        assert!(sniff(t));
        let (n, recs, errors) = run(t, false);
        assert_eq!(n, 1, "{errors:?}");
        let e = ev(&recs[0]);
        assert_eq!((e.provider.as_str(), e.event_id), ("Lync", 3));
        assert_eq!(e.message.as_deref(), Some("sip.contoso.com"));
        assert_eq!(
            recs[0].ts.map(|t| t.naive().to_string()).as_deref(),
            Some("2026-11-11 15:15:20")
        );
        // The Security log's keywords stand where the others' level does.
        let sec = "A,B,C,D,E\r\nX,24.11.2026 08:12:51,Microsoft-Windows-Security-Auditing,4771,Y,\"m\"\r\n";
        assert_eq!(find_header(sec).map(|h| h.cols[0]), Some(Col::Keywords));
        // Five columns of something else are not events.
        assert!(!sniff("a,b,c,d,e\r\n1,2,3,4,5\r\n"));
    }

    #[test]
    fn event_viewer_csv_multiline() {
        let t = "Level,Date and Time,Source,Event ID,Task Category\r\nError,10/7/2016 06:38:24 PM,Lync,11,None,\"A SIP request \"\"failed\"\".\r\n\r\nRequestUri: sip:a\"\r\nInformation,10/7/2016 06:39:00 PM,Winlogon,7001,(1101),\"ok\"\r\n";
        assert!(sniff(t));
        let (n, recs, errors) = run(t, false);
        assert_eq!(n, 2, "{errors:?}");
        assert_eq!(recs[0].source.line, Some(2));
        assert_eq!(recs[1].source.line, Some(5));
        let e = ev(&recs[0]);
        assert_eq!(e.level, Some(2));
        assert_eq!(
            e.message.as_deref(),
            Some("A SIP request \"failed\".\n\nRequestUri: sip:a")
        );
        assert_eq!(recs[0].ts.unwrap().to_rfc3339(), "2016-10-07T18:38:24.000");
    }

    #[test]
    fn unclosed_quote_resyncs() {
        let mut t = String::from("Level,Date and Time,Source,Event ID,Task Category\r\n");
        t.push_str("Error,10/7/2016 06:38:24 PM,Lync,11,None,\"broken message\r\nmore\r\n");
        // An unbalanced quote runs to the end of the file (rows after it have no quotes).
        t.push_str("Warning,10/7/2016 06:39:00 PM,Lync,3,None,good\r\n");
        t.push_str("Error,10/7/2016 06:40:00 PM,Lync,12,None,also good\r\n");
        let (n, recs, errors) = run(&t, false);
        assert_eq!(n, 2, "{errors:?}");
        assert_eq!(ev(&recs[0]).event_id, 3);
        assert!(
            errors[0].starts_with("line 2: unclosed quote"),
            "{errors:?}"
        );
    }

    #[test]
    fn unclosed_quote_capped_mid_file() {
        let mut t = String::from("Level,Date and Time,Source,Event ID,Task Category\r\n");
        t.push_str("Error,10/7/2016 06:38:24 PM,Lync,11,None,\"broken\r\n");
        for _ in 0..10_050 {
            t.push_str("filler\r\n");
        }
        t.push_str("Warning,10/7/2016 06:39:00 PM,Lync,3,None,\"good\"\r\n");
        let (n, _, errors) = run(&t, false);
        assert_eq!(n, 1, "{errors:?}");
        assert!(errors[0].contains("unclosed quote"));
    }

    #[test]
    fn get_winevent_subset_semicolon() {
        let t = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n\"TimeCreated\";\"Id\";\"LevelDisplayName\";\"Message\"\r\n\"24.11.2026 08:12:51\";\"36882\";\"Fehler\";\"Zertifikat\"\r\n";
        assert!(sniff(t));
        let (n, recs, _) = run(t, true);
        assert_eq!(n, 1);
        let e = ev(&recs[0]);
        assert_eq!((e.event_id, e.level), (36882, Some(2)));
        assert_eq!(recs[0].ts.unwrap().to_rfc3339(), "2026-11-24T08:12:51.000");
    }

    #[test]
    fn not_claimed() {
        assert!(!sniff("Name,Value\r\na,b\r\n"));
        assert!(!sniff("Date,Amount,Id\r\n1/1/2020,3,4\r\n"));
        assert!(!sniff("just some text, with commas, and more\r\n"));
    }
}
