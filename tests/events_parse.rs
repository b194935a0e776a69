//! Event-log parsing through the public API: the real EVTX samples in `../shared/samples/real/`
//! and the hand-written text exports in `fixtures/events/`.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sfbdiag::input::decode::{LineLimits, LineReader, sniff_encoding};
use sfbdiag::model::{Body, Record, Ts, WinEvent};
use sfbdiag::parse::events::{self, EventFilter, EventOptions};
use sfbdiag::parse::{Format, ParseCtx};

fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/samples/real")
        .join(name)
}

#[allow(dead_code)] // used by the fixture tests that arrive with the event-parser branch
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/events")
        .join(name)
}

struct Out {
    read: u64,
    records: Vec<Record>,
    errors: Vec<String>,
}

impl Out {
    fn events(&self) -> Vec<&WinEvent> {
        self.records
            .iter()
            .map(|r| match &r.body {
                Body::Event(e) => &**e,
                other => panic!("not an event: {other:?}"),
            })
            .collect()
    }
    fn find(&self, provider: &str, id: u32) -> (&Record, &WinEvent) {
        self.records
            .iter()
            .find_map(|r| match &r.body {
                Body::Event(e) if e.provider == provider && e.event_id == id => Some((r, &**e)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {provider} {id}"))
    }
}

fn evtx(path: &Path, filter: &EventFilter) -> Out {
    let f = File::open(path).unwrap();
    let name: Arc<str> = Arc::from(path.display().to_string());
    let mut errors = Vec::new();
    let mut records = Vec::new();
    let mut sink = |r| records.push(r);
    let read = {
        let mut ctx = ParseCtx::new(&name, &mut errors, &mut sink);
        events::parse_evtx(std::io::BufReader::new(f), &mut ctx, filter)
    };
    Out {
        read,
        records,
        errors,
    }
}

#[allow(dead_code)] // as above
fn utc(s: &str) -> Ts {
    Ts::Utc(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").unwrap())
}

#[test]
fn real_evtx_counts() {
    let want = [
        ("system.evtx", 1881),
        ("capi2_operational.evtx", 340),
        ("security_kerberos_4768_4771.evtx", 42),
        ("security_4616_time_changed.evtx", 8),
        ("application_no_crc32.evtx", 17),
        ("security_short_selected.evtx", 7),
        ("msexchange_management_wec.evtx", 1),
    ];
    for (name, n) in want {
        let o = evtx(&real(name), &EventFilter::all());
        assert_eq!(o.read, n, "{name}: {:?}", o.errors);
        assert_eq!(o.records.len() as u64, n, "{name}");
        assert!(o.errors.is_empty(), "{name}: {:?}", o.errors);
        for r in &o.records {
            assert!(r.ts.is_some_and(|t| t.is_utc()), "{name}: {r:?}");
            assert!(r.source.record.is_some());
        }
    }
}

#[test]
fn evtx_zero_header_time_uses_xml() {
    let o = evtx(
        &real("security_4616_time_changed.evtx"),
        &EventFilter::all(),
    );
    let r = o
        .records
        .iter()
        .find(|r| r.source.record == Some(19620904))
        .expect("record 19620904");
    let Body::Event(e) = &r.body else { panic!() };
    assert_eq!(e.event_id, 4616);
    assert_eq!(e.record_id, Some(19620904));
    let ts = r.ts.unwrap();
    assert!(ts.is_utc());
    assert_eq!(
        ts.naive().format("%Y-%m-%dT%H:%M:%S").to_string(),
        "2021-11-24T15:48:25"
    );
    assert!(e.data("PreviousTime").is_some());
    assert!(e.data("NewTime").is_some());
}

#[test]
fn evtx_bad_chunk_is_reported_not_fatal() {
    let o = evtx(
        &real("appxdeployment_bad_chunk_magic.evtx"),
        &EventFilter::all(),
    );
    assert_eq!(o.read, 301, "{:?}", o.errors);
    assert!(!o.errors.is_empty());
    eprintln!("{:?}", o.errors);
    assert!(
        o.errors.iter().any(|e| e.to_lowercase().contains("chunk")),
        "{:?}",
        o.errors
    );
}

#[test]
fn evtx_fields() {
    let o = evtx(&real("system.evtx"), &EventFilter::all());
    let dns: Vec<_> = o
        .events()
        .into_iter()
        .filter(|e| e.provider == "Microsoft-Windows-DNS-Client" && e.event_id == 1014)
        .collect();
    assert_eq!(dns.len(), 160);
    let e = dns[0];
    assert_eq!(e.level, Some(3));
    assert_eq!(e.channel.as_deref(), Some("System"));
    assert!(e.computer.is_some());
    assert!(e.data("QueryName").is_some(), "{:?}", e.data);
    assert!(e.message.is_none());

    // Classic provider with Qualifiers and unnamed Data items.
    let o = evtx(&real("msexchange_management_wec.evtx"), &EventFilter::all());
    let e = o.events()[0];
    assert!(e.event_id < 0x10000);
    assert_eq!(e.data.len(), 27, "{:?}", e.data);
    assert_eq!(e.data.item(0), Some(("Data0", "Set-Mailbox")));
    assert_eq!(e.data("Data26"), Some("fr-FR"));
    assert!(e.data("Data10").is_some_and(|v| v.contains("forêt")));

    // Kerberos 4771 on a DC.
    let o = evtx(
        &real("security_kerberos_4768_4771.evtx"),
        &EventFilter::all(),
    );
    let n4771 = o.events().iter().filter(|e| e.event_id == 4771).count();
    let n4768 = o.events().iter().filter(|e| e.event_id == 4768).count();
    assert_eq!((n4768, n4771), (20, 22));
    let (_, e) = o.find("Microsoft-Windows-Security-Auditing", 4771);
    assert!(e.data("Status").is_some(), "{:?}", e.data);
    assert_eq!(e.level, Some(0));
}

#[test]
fn evtx_capi2_user_data() {
    let o = evtx(&real("capi2_operational.evtx"), &EventFilter::all());
    let e = o
        .events()
        .into_iter()
        .find(|e| e.event_id == 11)
        .expect("a CAPI2 event 11");
    assert_eq!(e.provider, "Microsoft-Windows-CAPI2");
    assert!(e.data("subjectName").is_some(), "{:?}", e.data);
    assert!(e.data("Result").is_some(), "{:?}", e.data);
}

#[test]
fn evtx_filter_counts_all_emits_some() {
    let f = EventFilter::none().provider_event("DNS-Client", 1014);
    let o = evtx(&real("system.evtx"), &f);
    assert_eq!(o.read, 1881);
    assert_eq!(o.records.len(), 160);
    let f = EventFilter::none().provider("Microsoft-Windows-Time-Service");
    let o = evtx(&real("system.evtx"), &f);
    assert!(!o.records.is_empty());
    assert!(
        o.events()
            .iter()
            .all(|e| e.provider == "Microsoft-Windows-Time-Service")
    );
}

#[test]
fn evtx_garbage_does_not_panic() {
    let bytes = std::fs::read(real("application_no_crc32.evtx")).unwrap();
    let name: Arc<str> = Arc::from("x.evtx");
    for (i, cut) in [0usize, 8, 100, 4096, 5000, 20000, 40000, 69000]
        .into_iter()
        .enumerate()
    {
        let mut b = bytes[..cut.min(bytes.len())].to_vec();
        if i % 2 == 1 {
            for j in (4096..b.len()).step_by(97) {
                b[j] ^= 0x5a;
            }
        }
        let mut errors = Vec::new();
        let mut sink = |_r| {};
        let mut ctx = ParseCtx::new(&name, &mut errors, &mut sink);
        let _ = events::parse_evtx(std::io::Cursor::new(b), &mut ctx, &EventFilter::all());
    }
}

/// Timing on system.evtx: `cargo test --release --test events_parse -- --ignored --nocapture`.
#[test]
#[ignore]
fn time_system_evtx() {
    let path = real("system.evtx");
    for filter in [EventFilter::all(), EventFilter::none().event_id(1014)] {
        let mut best = f64::MAX;
        for _ in 0..10 {
            let t = std::time::Instant::now();
            let o = evtx(&path, &filter);
            assert_eq!(o.read, 1881);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "system.evtx all={}: best of 10 {:.2} ms",
            filter.is_all(),
            best * 1000.0
        );
    }
    // Baseline: the crate rendering every record to JSON, as `evtx_dump -o jsonl` does.
    let mut best = f64::MAX;
    for _ in 0..10 {
        let t = std::time::Instant::now();
        let mut p = evtx::EvtxParser::from_path(&path)
            .unwrap()
            .with_configuration(evtx::ParserSettings::new().num_threads(0).indent(false));
        let n = p.records_json_bytes().filter(|r| r.is_ok()).count();
        assert_eq!(n, 1881);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "baseline records_json_bytes: best of 10 {:.2} ms",
        best * 1000.0
    );
}

fn text_file(path: &Path, opts: &EventOptions) -> (Option<Format>, Out) {
    let mut bytes = Vec::new();
    File::open(path).unwrap().read_to_end(&mut bytes).unwrap();
    text_bytes(&bytes, opts, &EventFilter::all())
}

/// Decode the head the way the orchestrator does, sniff it, parse it.
fn text_bytes(bytes: &[u8], opts: &EventOptions, filter: &EventFilter) -> (Option<Format>, Out) {
    let head_len = bytes.len().min(64 * 1024);
    let head_bytes = bytes[..head_len].to_vec();
    let _enc = sniff_encoding(&head_bytes);
    // Decode the head through the same reader.
    let mut hr = LineReader::new(
        head_bytes.clone(),
        Box::new(std::io::empty()),
        LineLimits::default(),
    );
    let mut head = String::new();
    while let Some((_, l)) = hr.next_line() {
        head.push_str(l);
        head.push('\n');
    }
    let fmt = events::sniff(&head);
    let name: Arc<str> = Arc::from("fixture");
    let mut errors = Vec::new();
    let mut records = Vec::new();
    let mut sink = |r| records.push(r);
    let read = {
        let mut ctx = ParseCtx::new(&name, &mut errors, &mut sink);
        let mut lr = LineReader::new(
            head_bytes,
            Box::new(std::io::Cursor::new(bytes[head_len..].to_vec())),
            LineLimits::default(),
        );
        match fmt {
            Some(f) => events::parse_text(f, &head, &mut lr, &mut ctx, filter, opts),
            None => 0,
        }
    };
    (
        fmt,
        Out {
            read,
            records,
            errors,
        },
    )
}

fn local(s: &str) -> Ts {
    Ts::Local(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").unwrap())
}

fn fx(name: &str) -> (Option<Format>, Out) {
    text_file(&fixture(name), &EventOptions::default())
}

/// Each fixture: (file, format, events read).
const FIXTURES: &[(&str, Format, u64)] = &[
    ("application_eventviewer_enus.csv", Format::EventCsv, 5),
    ("system_eventviewer_ddmm_1252.csv", Format::EventCsv, 8),
    ("security_eventviewer.csv", Format::EventCsv, 3),
    ("system_eventviewer_tab.txt", Format::EventCsv, 8),
    ("app_system_eventviewer.xml", Format::EventXml, 13),
    ("system_eventviewer_fr_utf16.xml", Format::EventXml, 8),
    ("app_system_wevtutil.txt", Format::EventText, 13),
    ("system_security_getwinevent.csv", Format::EventCsv, 11),
    ("system_getwinevent_usecult_de.csv", Format::EventCsv, 8),
    ("application_geteventlog.csv", Format::EventCsv, 5),
    ("application_legacy_xp.csv", Format::EventCsv, 5),
    ("lync_event11_wevtutil_utf16.txt", Format::EventText, 1),
];

#[test]
fn every_fixture_sniffs_and_counts() {
    let mut listed: Vec<String> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".py"))
        .collect();
    listed.sort();
    let mut known: Vec<String> = FIXTURES.iter().map(|f| f.0.to_string()).collect();
    known.sort();
    assert_eq!(listed, known, "every fixture must be listed in FIXTURES");
    for (name, fmt, n) in FIXTURES {
        let (f, o) = fx(name);
        assert_eq!(f, Some(*fmt), "{name}");
        assert_eq!(o.read, *n, "{name}: {:?}", o.errors);
        assert_eq!(o.records.len() as u64, *n, "{name}");
        assert!(
            o.errors.iter().all(|e| e.starts_with("note:")),
            "{name}: {:?}",
            o.errors
        );
        for r in &o.records {
            assert!(r.ts.is_some(), "{name}: {r:?}");
            let Body::Event(e) = &r.body else { panic!() };
            assert!(e.level.is_some(), "{name}: {e:?}");
            assert!(!e.provider.is_empty() || *name == "system_getwinevent_usecult_de.csv");
        }
    }
}

#[test]
fn event_viewer_csv_enus() {
    let (_, o) = fx("application_eventviewer_enus.csv");
    // Dates here are all ambiguous (11/24 decides it: month first, no note needed).
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    let (r, e) = o.find("Lync", 3);
    assert_eq!(e.level, Some(2));
    assert_eq!(r.ts, Some(local("2026-11-24T08:12:51")));
    assert_eq!(r.source.line, Some(3));
    let m = e.message.as_deref().unwrap();
    assert!(m.starts_with("Lync was unable to resolve the DNS hostname of the login server sip.contoso.com.\n\nResolution:\n"));
    let (r, e) = o.find("Lync", 11);
    assert_eq!(r.source.line, Some(8));
    let m = e.message.as_deref().unwrap();
    for part in [
        "(status code 80ef01f4)",
        "RequestUri:   sip:contoso.com",
        "Call-ID:   5f1c0e8a9b2d4c6e8f0a1b2c3d4e5f60",
        "SIP/2.0 403 Forbidden",
        "ms-diagnostics:  4005;reason=\"User is not SIP enabled\"",
    ] {
        assert!(m.contains(part), "{part} in {m}");
    }
    let (_, e) = o.find("Outlook", 63);
    assert_eq!(e.level, Some(3));
}

#[test]
fn event_viewer_csv_day_first_1252() {
    let (_, o) = fx("system_eventviewer_ddmm_1252.csv");
    let (r, e) = o.find("Schannel", 36888);
    assert_eq!(r.ts, Some(local("2026-11-24T08:12:41")));
    assert_eq!(e.level, Some(2)); // "Erreur"
    assert!(
        e.message
            .as_deref()
            .unwrap()
            .contains("fatal error code is 48")
    );
    let (_, e) = o.find("Service Control Manager", 7036);
    assert!(e.message.as_deref().unwrap().contains("entré dans l'état"));
    let (_, e) = o.find("Time-Service", 129);
    assert_eq!(e.level, Some(3)); // "Avertissement"
    let (_, e) = o.find("DNS Client Events", 1014);
    assert!(
        e.message
            .as_deref()
            .unwrap()
            .contains("lyncdiscover.contoso.com")
    );
    // The user override wins over the data.
    let (_, o2) = text_file(
        &fixture("system_eventviewer_ddmm_1252.csv"),
        &EventOptions {
            day_first: Some(false),
        },
    );
    assert!(o2.records.iter().all(|r| r.ts.is_none()));
}

#[test]
fn security_csv_keywords() {
    let (_, o) = fx("security_eventviewer.csv");
    let sa = "Microsoft-Windows-Security-Auditing";
    let (r, e) = o.find(sa, 4625);
    assert_eq!(e.level, Some(0));
    assert_eq!(e.keywords.as_deref(), Some("Audit Failure"));
    assert_eq!(e.channel.as_deref(), Some("Security"));
    assert_eq!(r.ts, Some(local("2026-11-24T08:31:07")));
    let m = e.message.as_deref().unwrap();
    assert!(
        m.contains("Status:\t\t\t0xC000006D\n\tSub Status:\t\t0xC000006A"),
        "{m}"
    );
    let (_, e) = o.find(sa, 4771);
    assert!(
        e.message
            .as_deref()
            .unwrap()
            .contains("Failure Code:\t\t0x25")
    );
    let (_, e) = o.find(sa, 4624);
    assert_eq!(e.keywords.as_deref(), Some("Audit Success"));
}

#[test]
fn tab_delimited_utf16() {
    let (_, o) = fx("system_eventviewer_tab.txt");
    let (r, e) = o.find("Schannel", 36882);
    assert_eq!(
        e.message.as_deref(),
        Some("The following fatal alert was received: 48.")
    );
    assert_eq!(r.ts, Some(local("2026-11-24T08:12:40")));
    assert_eq!(r.source.line, Some(3));
}

#[test]
fn event_viewer_xml() {
    let (_, o) = fx("app_system_eventviewer.xml");
    let (r, e) = o.find("Lync", 11);
    assert_eq!(e.level, Some(2));
    assert_eq!(e.channel.as_deref(), Some("Application"));
    assert_eq!(e.computer.as_deref(), Some("PC01.contoso.com"));
    assert_eq!(e.data("Data0"), Some("80ef01f4"));
    assert_eq!(e.data("Data2"), Some("403"));
    assert!(
        e.message
            .as_deref()
            .unwrap()
            .contains("ms-diagnostics:  4005;reason=\"User is not SIP enabled\"")
    );
    assert_eq!(r.ts, Some(utc("2026-11-24T07:14:20.0000003")));
    assert_eq!(r.source.record, Some(1003));
    let (_, e) = o.find("Schannel", 36888);
    assert_eq!(e.data("AlertDesc"), Some("48"));
    assert_eq!(e.data("ErrorState"), Some("552"));
    let (_, e) = o.find("Microsoft-Windows-DNS-Client", 1014);
    assert_eq!(e.data("QueryName"), Some("lyncdiscover.contoso.com"));

    // Localized RenderingInfo: the level still comes from System/Level.
    let (_, o) = fx("system_eventviewer_fr_utf16.xml");
    let (_, e) = o.find("Microsoft-Windows-Time-Service", 47);
    assert_eq!(e.level, Some(3));
    assert!(
        e.message
            .as_deref()
            .unwrap()
            .contains("time.windows.com,0x8")
    );
}

#[test]
fn wevtutil_text() {
    let (_, o) = fx("app_system_wevtutil.txt");
    let (r, e) = o.find("Lync", 3);
    // Event[0] takes 13 header lines, one message line and a blank line.
    assert_eq!(r.source.line, Some(16));
    assert_eq!(r.ts, Some(local("2026-11-24T08:12:51.007")));
    assert_eq!(e.level, Some(2));
    assert_eq!(e.channel.as_deref(), Some("Application"));
    assert_eq!(e.computer.as_deref(), Some("PC01.contoso.com"));
    assert!(
        e.message
            .as_deref()
            .unwrap()
            .ends_with("create a DNS A record for sip.contoso.com.")
    );
    let (_, e) = o.find("Microsoft-Windows-Time-Service", 129);
    assert_eq!(e.level, Some(3));
    assert_eq!(
        e.message.as_deref(),
        Some(
            "NtpClient was unable to set a domain peer to use as a time source because of discovery error. NtpClient will try again in 15 minutes."
        )
    );
}

#[test]
fn get_winevent_csv() {
    let (_, o) = fx("system_security_getwinevent.csv");
    let sa = "Microsoft-Windows-Security-Auditing";
    let (r, e) = o.find(sa, 4625);
    assert_eq!(e.level, Some(0));
    assert_eq!(e.keywords.as_deref(), Some("Audit Failure"));
    assert_eq!(e.channel.as_deref(), Some("Security"));
    assert_eq!(e.record_id, Some(5009));
    assert_eq!(e.computer.as_deref(), Some("PC01.contoso.com"));
    assert_eq!(r.ts, Some(local("2026-11-24T08:31:07")));
    assert!(
        e.message
            .as_deref()
            .unwrap()
            .contains("Sub Status:\t\t0xC000006A")
    );
    let (_, e) = o.find("Microsoft-Windows-DNS-Client", 1014);
    assert_eq!(e.level, Some(3));
    assert_eq!(e.keywords.as_deref(), Some("36028797018963968"));
    assert_eq!(e.channel.as_deref(), Some("System"));

    let (_, o) = fx("system_getwinevent_usecult_de.csv");
    // 24.11.2026 has a day above 12: day first, no note.
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    let e = o
        .events()
        .into_iter()
        .find(|e| e.event_id == 36888)
        .unwrap();
    assert_eq!(e.level, Some(2)); // "Fehler"
    assert!(
        e.message
            .as_deref()
            .unwrap()
            .contains("für schwerwiegende Fehler lautet 48")
    );
    let r = &o.records[1];
    assert_eq!(r.ts, Some(local("2026-11-24T08:12:40")));
    let e = o.events().into_iter().find(|e| e.event_id == 7036).unwrap();
    assert_eq!(e.level, Some(4)); // "Informationen"
}

#[test]
fn get_eventlog_and_legacy_csv() {
    let (_, o) = fx("application_geteventlog.csv");
    let (r, e) = o.find("Lync", 11);
    assert_eq!(e.level, Some(2));
    assert_eq!(e.record_id, Some(203));
    assert_eq!(r.ts, Some(local("2026-11-24T08:14:20")));
    let (_, o) = fx("application_legacy_xp.csv");
    let (r, e) = o.find("Lync", 3);
    assert_eq!(e.level, Some(2));
    assert_eq!(r.ts, Some(local("2026-11-24T08:12:51")));
    assert!(e.message.as_deref().unwrap().contains("sip.contoso.com"));
}

#[test]
fn ambiguous_dates_are_noted() {
    let t = "Level,Date and Time,Source,Event ID,Task Category\r\nError,5/6/2026 1:02:03 PM,Lync,3,None,\"x\"\r\n";
    let (f, o) = text_bytes(t.as_bytes(), &EventOptions::default(), &EventFilter::all());
    assert_eq!(f, Some(Format::EventCsv));
    assert_eq!(o.records[0].ts, Some(local("2026-05-06T13:02:03")));
    assert_eq!(o.errors.len(), 1);
    assert!(
        o.errors[0].starts_with("note: dates are ambiguous"),
        "{:?}",
        o.errors
    );
}

#[test]
fn filter_applies_to_text_exports() {
    let bytes = std::fs::read(fixture("app_system_wevtutil.txt")).unwrap();
    let f = EventFilter::none()
        .provider("Lync")
        .provider_event("Schannel", 36888);
    let (_, o) = text_bytes(&bytes, &EventOptions::default(), &f);
    assert_eq!(o.read, 13);
    let mut ids: Vec<u32> = o.events().iter().map(|e| e.event_id).collect();
    ids.sort();
    assert_eq!(ids, vec![3, 11, 36888]);
}

/// Truncated and garbled copies of every fixture: no panic, and nothing claimed out of thin air.
#[test]
fn garbled_fixtures_do_not_panic() {
    for (name, _, n) in FIXTURES {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for cut in (0..bytes.len()).step_by(bytes.len() / 23 + 1) {
            let (_, o) = text_bytes(&bytes[..cut], &EventOptions::default(), &EventFilter::all());
            assert!(o.read <= *n + 1, "{name} cut {cut}");
        }
        let mut g = bytes.clone();
        for (i, b) in g.iter_mut().enumerate() {
            if i % 53 == 7 {
                *b = b'"';
            } else if i % 71 == 3 {
                *b = b'<';
            }
        }
        let _ = text_bytes(&g, &EventOptions::default(), &EventFilter::all());
        let _ = text_bytes(
            &g,
            &EventOptions {
                day_first: Some(true),
            },
            &EventFilter::all(),
        );
    }
}

/// Records the filter rejects may be skipped before they are parsed (by provider and id, and by
/// the words the rules need in the rendering). Whatever the filter, every accepted event that a
/// rule could match must come out, exactly as filtering after a full parse gives it, on every
/// real sample; an accepted event left out must be one no rule matches.
#[test]
fn evtx_filtering_before_rendering_never_loses_an_accepted_event() {
    let rules = sfbdiag::engine::RuleSet::embedded().expect("rules");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/real");
    let mut checked = 0;
    let mut skipped_unparsed = 0;
    for entry in std::fs::read_dir(&dir).expect("samples") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "evtx") {
            continue;
        }
        let all = evtx(&path, &EventFilter::all());
        let key = |e: &WinEvent| (e.provider.clone(), e.event_id, e.record_id);
        // Filters of several shapes: the rules' own, and ones that take every other kind of
        // event present, so most templates see both verdicts.
        let mut kinds: Vec<(String, u32)> = all
            .events()
            .iter()
            .map(|e| (e.provider.clone(), e.event_id))
            .collect();
        kinds.sort();
        kinds.dedup();
        let mut filters = vec![sfbdiag::analyze::event_filter(&rules)];
        for phase in 0..2 {
            let mut f = EventFilter::none();
            for (i, (p, id)) in kinds.iter().enumerate() {
                if i % 2 == phase {
                    f = f.provider_event(p, *id);
                }
            }
            filters.push(f);
        }
        for f in &filters {
            let got = evtx(&path, f);
            assert_eq!(got.read, all.read, "{}", path.display());
            let have: Vec<_> = got.events().into_iter().map(key).collect();
            let mut want = Vec::new();
            for (rec, e) in all.records.iter().zip(all.events()) {
                if !f.accepts(&e.provider, e.event_id) {
                    continue;
                }
                if !have.contains(&key(e)) {
                    // Left unparsed: only right when no rule can use it.
                    let mut hits = sfbdiag::engine::Hits::new(&rules);
                    rules.match_subject(rec, &mut hits);
                    let matched: Vec<_> = rules
                        .rules
                        .iter()
                        .zip(&hits.per_rule)
                        .filter(|(_, h)| h.count > 0)
                        .map(|(r, _)| r.id.clone())
                        .collect();
                    assert!(
                        matched.is_empty(),
                        "{}: record {:?} was skipped, but rules {matched:?} match it",
                        path.display(),
                        e.record_id
                    );
                    skipped_unparsed += 1;
                    continue;
                }
                want.push(key(e));
            }
            assert_eq!(have, want, "{}", path.display());
            checked += want.len();
        }
    }
    assert!(
        checked > 1000,
        "the filters accepted enough events to mean something: {checked}"
    );
    assert!(
        skipped_unparsed > 0,
        "the rules' words let some accepted events go unparsed"
    );
}

/// One Security audit of a domain controller as `wevtutil qe /f:text` writes it.
fn dc_audit(n: usize, time: &str, id: u32, keywords: &str, desc: &str) -> String {
    format!(
        "Event[{n}]:\r\n  Log Name: Security\r\n  Source: Microsoft-Windows-Security-Auditing\r\n  Date: {time}\r\n  Event ID: {id}\r\n  Level: Information\r\n  Keywords: {keywords}\r\n  Computer: DC01.contoso.com\r\n  Description:\r\n{desc}\r\n\r\n"
    )
}

/// The confidence `cause` is reported at for a domain controller's export `text`.
fn confidence_of(text: &str, cause: &str) -> String {
    let rules = sfbdiag::engine::RuleSet::embedded().expect("rules");
    let report = sfbdiag::analyze_bytes(
        "dc01_security.txt",
        text.as_bytes(),
        &rules,
        &Default::default(),
    );
    report
        .diagnoses
        .iter()
        .find(|d| d.cause == cause)
        .unwrap_or_else(|| panic!("{cause} is reported"))
        .confidence
        .clone()
}

/// An unlock clears a lockout only for the account it unlocked: on a domain controller someone
/// else's account is unlocked all the time, and that fixes nothing for the user.
#[test]
fn an_unlock_clears_only_the_account_it_names() {
    let lockout = "A user account was locked out.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tSYSTEM\r\n\tAccount Name:\t\tDC01$\r\n\r\nAccount That Was Locked Out:\r\n\tSecurity ID:\t\tCONTOSO\\jdoe\r\n\tAccount Name:\t\tjdoe\r\n";
    let unlock = |who: &str| {
        format!(
            "A user account was unlocked.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tCONTOSO\\helpdesk\r\n\tAccount Name:\t\thelpdesk\r\n\r\nTarget Account:\r\n\tSecurity ID:\t\tCONTOSO\\{who}\r\n\tAccount Name:\t\t{who}\r\n"
        )
    };
    let confidence = |who: &str| {
        let text = dc_audit(
            0,
            "2026-11-24T08:30:00.000",
            4767,
            "Audit Success",
            &unlock(who),
        ) + &dc_audit(1, "2026-11-24T08:12:51.000", 4740, "Audit Success", lockout);
        confidence_of(&text, "password-reset-needed")
    };
    assert_eq!(
        confidence("jdoe"),
        "low",
        "unlocking jdoe puts the lockout right"
    );
    assert_ne!(
        confidence("asmith"),
        "low",
        "unlocking someone else does not"
    );
}

/// One mistyped password and then a granted ticket for the same account is put right; failures
/// that kept coming are not, whatever succeeded after them.
#[test]
fn a_later_logon_clears_a_typo_but_not_repeated_failures() {
    let failure = "Kerberos pre-authentication failed.\r\n\r\nAccount Information:\r\n\tSecurity ID:\t\tCONTOSO\\jdoe\r\n\tAccount Name:\t\tjdoe\r\n\r\nAdditional Information:\r\n\tTicket Options:\t\t0x40810010\r\n\tFailure Code:\t\t0x18\r\n\tPre-Authentication Type:\t2\r\n";
    let success = |who: &str| {
        format!(
            "A Kerberos authentication ticket (TGT) was requested.\r\n\r\nAccount Information:\r\n\tAccount Name:\t\t{who}\r\n\r\nAdditional Information:\r\n\tTicket Options:\t\t0x40810010\r\n\tResult Code:\t\t0x0\r\n\tTicket Encryption Type:\t0x12\r\n"
        )
    };
    let confidence = |failures: usize, who: &str| {
        let mut text = dc_audit(
            0,
            "2026-11-24T08:30:00.000",
            4768,
            "Audit Success",
            &success(who),
        );
        for i in 0..failures {
            let time = format!("2026-11-24T08:1{i}:51.000");
            text += &dc_audit(i + 1, &time, 4771, "Audit Failure", failure);
        }
        confidence_of(&text, "wrong-credentials")
    };
    assert_eq!(confidence(1, "jdoe"), "low", "a typo, then the ticket");
    assert_ne!(confidence(1, "asmith"), "low", "someone else's ticket");
    assert_ne!(
        confidence(3, "jdoe"),
        "low",
        "three failures before the ticket"
    );
}
