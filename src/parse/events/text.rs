//! Plain-text event dumps: `wevtutil qe ... /f:text` (`Event[N]:` blocks of `  Name: value`
//! fields, then `Description:` and the message until the next block) and PowerShell
//! `Format-List` output of `Get-WinEvent` / `Get-EventLog` (`Name : value` lines, values
//! continued on indented lines, records separated by blank lines).

use super::{
    EventFilter, dates, emit_event, is_audit_word, level_from_word, local, parse_event_id,
};
use crate::input::decode::LineReader;
use crate::model::{SourceLoc, WinEvent};
use crate::parse::ParseCtx;

/// Longest message kept.
const MAX_MESSAGE: usize = 1024 * 1024;

/// `Event[0]:`, or the block header of a localized `wevtutil` (`Událost[0]:`, `Ereignis[0]:`):
/// one word of letters, then the event's index.
fn is_wevtutil_start(line: &str) -> bool {
    let t = line.trim_start_matches('\u{feff}').trim();
    let Some((word, n)) = t.strip_suffix("]:").and_then(|r| r.split_once('[')) else {
        return false;
    };
    !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
        && !word.is_empty()
        && word.chars().count() <= 24
        && word.chars().all(char::is_alphabetic)
}

/// `Name : value` as Format-List writes it: a name at column 0, padding, ` : `.
fn fl_field(line: &str) -> Option<(&str, &str)> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let i = line.find(" :")?;
    let name = line[..i].trim_end();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let rest = &line[i + 2..];
    let value = rest.strip_prefix(' ').unwrap_or(rest);
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    Some((name, value))
}

fn is_fl_key(name: &str) -> bool {
    matches!(
        name,
        "TimeCreated"
            | "ProviderName"
            | "Id"
            | "Message"
            | "LevelDisplayName"
            | "Level"
            | "LogName"
            | "MachineName"
            | "RecordId"
            | "Keywords"
            | "KeywordsDisplayNames"
            | "TimeGenerated"
            | "EntryType"
            | "Source"
            | "EventID"
            | "InstanceId"
            | "Index"
    )
}

fn is_format_list(head: &str) -> bool {
    let mut keys: Vec<&str> = Vec::new();
    for line in head.lines().take(200) {
        if let Some((k, _)) = fl_field(line.trim_start_matches('\u{feff}'))
            && is_fl_key(k)
            && !keys.contains(&k)
        {
            keys.push(k);
        }
    }
    let has = |k: &str| keys.contains(&k);
    let time = has("TimeCreated") || has("TimeGenerated");
    let id = has("Id") || has("EventID") || has("InstanceId");
    let what = has("ProviderName") || has("Source") || has("Message");
    time && id && what
}

pub(crate) fn sniff(head: &str) -> bool {
    let wevt = head
        .lines()
        .take(20)
        .filter(|l| !l.trim().is_empty())
        .take(1)
        .any(is_wevtutil_start);
    if wevt {
        // A field of the block must follow, so a stray `Event[0]:` line is not enough: one
        // named in English, or in another language a block whose fourth field is an event id.
        return head.lines().take(30).any(|l| {
            matches!(
                l.trim().split_once(':'),
                Some(("Event ID" | "Source" | "Log Name", _))
            )
        }) || head
            .lines()
            .skip_while(|l| !is_wevtutil_start(l))
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .nth(3)
            .and_then(|l| l.split_once(": "))
            .is_some_and(|(_, v)| parse_event_id(v.trim()).is_some());
    }
    is_format_list(head)
}

pub(crate) fn parse(
    head: &str,
    lines: &mut LineReader<'_>,
    ctx: &mut ParseCtx<'_>,
    filter: &EventFilter,
    day_first: bool,
) -> u64 {
    if is_format_list(head) && !head.lines().any(is_wevtutil_start) {
        parse_format_list(lines, ctx, filter, day_first)
    } else {
        parse_wevtutil(lines, ctx, filter, day_first)
    }
}

/// An event being collected from text.
#[derive(Default)]
struct Pending {
    first_line: u64,
    ev: WinEvent,
    time_text: Option<String>,
    id_seen: bool,
    instance: Option<u32>,
    num_level: Option<u8>,
    word_level: Option<u8>,
    audit: Option<String>,
    message: String,
    /// Fields of a `wevtutil` block read so far, and whether its first was named in English.
    fields: usize,
    english: bool,
}

impl Pending {
    fn new(first_line: u64) -> Self {
        Pending {
            first_line,
            ..Default::default()
        }
    }
    fn finish(
        mut self,
        ctx: &mut ParseCtx<'_>,
        filter: &EventFilter,
        day_first: bool,
        count: &mut u64,
    ) {
        if !self.id_seen {
            if let Some(i) = self.instance {
                self.ev.event_id = i;
            } else {
                ctx.error(format!(
                    "line {}: event has no Event ID; skipped",
                    self.first_line
                ));
                return;
            }
        }
        if let Some(a) = self.audit {
            self.ev.keywords = Some(a);
            if self.num_level.is_none() {
                self.word_level = Some(0);
            }
        }
        self.ev.level = self.num_level.or(self.word_level);
        let m = self.message.trim_matches(['\n', ' ']).trim_end();
        if !m.is_empty() {
            self.ev.message = Some(m.to_string());
        }
        let ts = match &self.time_text {
            Some(t) => {
                let p = dates::parse_local(t, day_first);
                if p.is_none() {
                    ctx.error(format!(
                        "line {}: unreadable date {t:?}; event kept without a time",
                        self.first_line
                    ));
                }
                p
            }
            None => None,
        };
        *count += 1;
        let src = SourceLoc::line(ctx.path, self.first_line);
        emit_event(ctx, filter, src, local(ts), self.ev);
    }
    fn push_message(&mut self, line: &str) {
        if self.message.len() + line.len() < MAX_MESSAGE {
            if !self.message.is_empty() {
                self.message.push('\n');
            }
            self.message.push_str(line);
        }
    }
}

fn parse_wevtutil(
    lines: &mut LineReader<'_>,
    ctx: &mut ParseCtx<'_>,
    filter: &EventFilter,
    day_first: bool,
) -> u64 {
    let mut count = 0;
    let mut cur: Option<Pending> = None;
    let mut in_desc = false;
    while let Some((no, line)) = lines.next_line() {
        if is_wevtutil_start(line) {
            if let Some(p) = cur.take() {
                p.finish(ctx, filter, day_first, &mut count);
            }
            cur = Some(Pending::new(no));
            in_desc = false;
            continue;
        }
        let Some(p) = cur.as_mut() else { continue };
        if in_desc {
            p.push_message(line);
            continue;
        }
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let Some((name, value)) = t.split_once(':') else {
            continue;
        };
        let value = value.trim();
        // wevtutil writes its fields in one order in every language: where the name is not
        // an English one, its place says which it is.
        // A block that starts in English is read by names alone, so a field it leaves out
        // cannot shift another into a wrong place.
        let at = p.fields;
        p.fields += 1;
        if at == 0 {
            p.english = name.trim() == "Log Name";
        }
        let name = match name.trim() {
            n @ ("Log Name" | "Source" | "Date" | "Event ID" | "Level" | "Keyword" | "Keywords"
            | "Computer" | "Description") => n,
            _ if p.english => "",
            _ => match at {
                0 => "Log Name",
                1 => "Source",
                2 => "Date",
                3 => "Event ID",
                10 => "Computer",
                11 => "Description",
                _ => "",
            },
        };
        match name {
            "Log Name" => p.ev.channel = Some(value.to_string()),
            "Source" => p.ev.provider = value.to_string(),
            "Date" => p.time_text = Some(value.to_string()),
            "Event ID" => {
                p.id_seen = parse_event_id(value).is_some();
                p.ev.event_id = parse_event_id(value).unwrap_or(0);
            }
            "Level" => p.word_level = level_from_word(value),
            "Keyword" | "Keywords" => {
                if let Some(w) = value.split(',').map(str::trim).find(|w| is_audit_word(w)) {
                    p.audit = Some(w.to_string());
                } else if !value.is_empty() && value != "N/A" {
                    p.ev.keywords = Some(value.to_string());
                }
            }
            "Computer" => p.ev.computer = Some(value.to_string()),
            "Description" => {
                in_desc = true;
                if !value.is_empty() {
                    p.push_message(value);
                }
            }
            _ => {}
        }
    }
    if let Some(p) = cur.take() {
        p.finish(ctx, filter, day_first, &mut count);
    }
    count
}

fn parse_format_list(
    lines: &mut LineReader<'_>,
    ctx: &mut ParseCtx<'_>,
    filter: &EventFilter,
    day_first: bool,
) -> u64 {
    let mut count = 0;
    let mut cur: Option<Pending> = None;
    // Keys already set in the current record, and the key being continued.
    let mut seen: Vec<String> = Vec::new();
    let mut last_key: Option<String> = None;
    while let Some((no, line)) = lines.next_line() {
        let line = line.trim_start_matches('\u{feff}');
        if let Some((k, v)) = fl_field(line).filter(|(k, _)| is_fl_key(k)) {
            // A repeated key starts the next record.
            if cur.is_none() || seen.iter().any(|s| s == k) {
                if let Some(p) = cur.take() {
                    p.finish(ctx, filter, day_first, &mut count);
                }
                cur = Some(Pending::new(no));
                seen.clear();
            }
            seen.push(k.to_string());
            last_key = Some(k.to_string());
            if let Some(p) = cur.as_mut() {
                set_fl(p, k, v.trim());
            }
            continue;
        }
        if line.trim().is_empty() {
            // Blank lines inside a message are kept; between records they are harmless.
            if last_key.as_deref() == Some("Message")
                && let Some(p) = cur.as_mut()
            {
                p.push_message("");
            }
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            if last_key.as_deref() == Some("Message")
                && let Some(p) = cur.as_mut()
            {
                p.push_message(line.trim());
            }
            continue;
        }
        // Another field we don't map (`Properties :`, `ContainerLog :`...).
        if fl_field(line).is_some() {
            last_key = None;
        }
    }
    if let Some(p) = cur.take() {
        p.finish(ctx, filter, day_first, &mut count);
    }
    count
}

fn set_fl(p: &mut Pending, k: &str, v: &str) {
    match k {
        "TimeCreated" | "TimeGenerated" => p.time_text = Some(v.to_string()),
        "ProviderName" | "Source" => p.ev.provider = v.to_string(),
        "Id" | "EventID" => {
            if let Some(id) = parse_event_id(v) {
                p.ev.event_id = id;
                p.id_seen = true;
            }
        }
        "InstanceId" => p.instance = parse_event_id(v),
        "Level" => p.num_level = v.parse().ok(),
        "LevelDisplayName" => p.word_level = level_from_word(v),
        "EntryType" => {
            if is_audit_word(v) {
                p.audit = Some(v.to_string());
            }
            p.word_level = level_from_word(v);
        }
        "LogName" => p.ev.channel = Some(v.to_string()),
        "MachineName" => p.ev.computer = Some(v.to_string()),
        "RecordId" | "Index" => p.ev.record_id = v.parse().ok(),
        "Keywords" if !v.is_empty() => p.ev.keywords = Some(v.to_string()),
        "KeywordsDisplayNames" => {
            if let Some(w) = v
                .split([',', '{', '}'])
                .map(str::trim)
                .find(|w| is_audit_word(w))
            {
                p.audit = Some(w.to_string());
            }
        }
        "Message" => {
            p.message.clear();
            if !v.is_empty() {
                p.push_message(v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Body, Record};
    use std::sync::Arc;

    fn run(text: &str) -> (u64, Vec<Record>, Vec<String>) {
        let path: Arc<str> = Arc::from("t.txt");
        let mut errors = Vec::new();
        let mut recs = Vec::new();
        let mut sink = |r| recs.push(r);
        let n = {
            let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
            let mut lr = LineReader::from_str(text);
            parse(text, &mut lr, &mut ctx, &EventFilter::all(), false)
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
    fn wevtutil_blocks_lost_indent_and_no_date() {
        let t = "Event[0]:\r\n  Log Name: Application\r\n  Source: Lync\r\n  Date: 2026-11-24T08:12:51.123\r\n  Event ID: 3\r\n  Level: Error\r\n  Computer: PC01\r\n  Description: \r\nLync was unable to resolve.\r\n\r\nResolution:\r\n  Check DNS.\r\n\r\nEvent[1]:\r\nLog Name: System\r\nSource: Schannel\r\nEvent ID: 36888\r\nLevel: Error\r\nDescription:\r\nA fatal alert was generated. The TLS protocol defined fatal alert code is 48.\r\n";
        assert!(sniff(t));
        let (n, recs, errors) = run(t);
        assert_eq!(n, 2, "{errors:?}");
        let e = ev(&recs[0]);
        assert_eq!((e.event_id, e.level), (3, Some(2)));
        assert_eq!(e.channel.as_deref(), Some("Application"));
        assert_eq!(
            e.message.as_deref(),
            Some("Lync was unable to resolve.\n\nResolution:\n  Check DNS.")
        );
        assert_eq!(recs[0].ts.unwrap().to_rfc3339(), "2026-11-24T08:12:51.123");
        assert_eq!(recs[1].ts, None);
        assert_eq!(ev(&recs[1]).provider, "Schannel");
        assert_eq!(recs[1].source.line, Some(14));
    }

    #[test]
    fn wevtutil_in_another_language_is_read_by_the_place_of_its_fields() {
        // Polish labels; the Dutch `Computer:` is an English name at its own place.
        let t = "Event[0]:\r\n  Nazwa dziennika: System\r\n  \u{179}r\u{f3}d\u{142}o: Schannel\r\n  Data: 2026-11-24T08:15:08.855\r\n  Identyfikator zdarzenia: 36888\r\n  Zadanie: Brak\r\n  Poziom: B\u{142}\u{105}d\r\n  Kod operacji: Informacje\r\n  S\u{142}owo kluczowe: Brak\r\n  U\u{17c}ytkownik: S-1-5-18\r\n  Nazwa u\u{17c}ytkownika: NT AUTHORITY\\SYSTEM\r\n  Komputer: PC01.litware.pl\r\n  Opis: \r\nAlert 48.\r\n\r\nEvent[1]:\r\n  Logboeknaam: System\r\n  Bron: Lync\r\n  Datum: 2026-11-24T08:16:00.000\r\n  Gebeurtenis-id: 3\r\n  Taak: Geen\r\n  Niveau: Fout\r\n  Opcode: Info\r\n  Trefwoord: Klassiek\r\n  Gebruiker: N.v.t.\r\n  Gebruikersnaam: N.v.t.\r\n  Computer: PC01\r\n  Beschrijving: \r\nsip.contoso.com\r\n";
        assert!(sniff(t));
        let (n, recs, errors) = run(t);
        assert_eq!(n, 2, "{errors:?}");
        let e = ev(&recs[0]);
        assert_eq!((e.provider.as_str(), e.event_id), ("Schannel", 36888));
        assert_eq!(e.channel.as_deref(), Some("System"));
        assert_eq!(e.computer.as_deref(), Some("PC01.litware.pl"));
        assert_eq!(e.message.as_deref(), Some("Alert 48."));
        assert_eq!(recs[0].ts.unwrap().to_rfc3339(), "2026-11-24T08:15:08.855");
        let e = ev(&recs[1]);
        assert_eq!((e.provider.as_str(), e.event_id), ("Lync", 3));
        assert_eq!(e.message.as_deref(), Some("sip.contoso.com"));
    }

    #[test]
    fn a_block_header_in_another_language_starts_a_block() {
        // Czech: `Událost[0]:` where English writes `Event[0]:`.
        let t = "\u{feff}Ud\u{e1}lost[0]:\r\n  N\u{e1}zev protokolu: Application\r\n  Zdroj: Lync\r\n  Datum: 2026-12-04T08:30:41.671\r\n  ID ud\u{e1}losti: 11\r\n  \u{da}loha: \u{17d}\u{e1}dn\u{e1}\r\n  \u{da}rove\u{148}: Upozorn\u{11b}n\u{ed}\r\n  Opera\u{10d}n\u{ed} k\u{f3}d: Informace\r\n  Kl\u{ed}\u{10d}ov\u{e9} slovo: Klasick\u{fd}\r\n  U\u{17e}ivatel: Nen\u{ed} k dispozici\r\n  U\u{17e}ivatelsk\u{e9} jm\u{e9}no: Nen\u{ed} k dispozici\r\n  Po\u{10d}\u{ed}ta\u{10d}: PC22\r\n  Popis: \r\nA SIP request made by Lync failed.\r\n\r\nUd\u{e1}lost[1]:\r\n  N\u{e1}zev protokolu: Application\r\n  Zdroj: VSS\r\n  Datum: 2026-12-04T08:31:00.000\r\n  ID ud\u{e1}losti: 8224\r\n  Popis: \r\nIdle.\r\n";
        assert!(sniff(t));
        let (n, recs, errors) = run(t);
        assert_eq!(n, 2, "{errors:?}");
        assert_eq!(
            (ev(&recs[0]).provider.as_str(), ev(&recs[0]).event_id),
            ("Lync", 11)
        );
        assert_eq!(ev(&recs[1]).event_id, 8224);
        // Not a header: digits in the word, a space, or no index.
        for l in ["Event1[0]:", "Event log[0]:", "Event[]:", "Event[0]: text"] {
            assert!(!is_wevtutil_start(l), "{l}");
        }
    }

    #[test]
    fn format_list() {
        let t = "\r\nTimeCreated  : 11/24/2026 8:12:51 AM\r\nProviderName : Microsoft-Windows-Time-Service\r\nId           : 129\r\nMessage      : NtpClient was unable to set a domain peer to use as a time source\r\n               because of discovery error.\r\n\r\nTimeCreated  : 11/24/2026 8:13:00 AM\r\nProviderName : Microsoft-Windows-DNS-Client\r\nId           : 1014\r\nMessage      : Name resolution for the name sip.contoso.com timed out.\r\n";
        assert!(sniff(t));
        let (n, recs, errors) = run(t);
        assert_eq!(n, 2, "{errors:?}");
        let e = ev(&recs[0]);
        assert_eq!(e.event_id, 129);
        assert_eq!(
            e.message.as_deref(),
            Some(
                "NtpClient was unable to set a domain peer to use as a time source\nbecause of discovery error."
            )
        );
        assert_eq!(recs[1].source.line, Some(8));
        assert_eq!(recs[0].ts.unwrap().to_rfc3339(), "2026-11-24T08:12:51.000");
    }

    #[test]
    fn not_claimed() {
        assert!(!sniff("Event[0]: something happened\r\nmore text\r\n"));
        assert!(!sniff("Name : value\r\nOther : x\r\n"));
    }
}
