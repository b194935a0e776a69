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
    assert_eq!(e.data[0], ("Data0".to_string(), "Set-Mailbox".to_string()));
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
}

#[allow(dead_code)]
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
