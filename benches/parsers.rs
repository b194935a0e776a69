//! Criterion benches: each parser on realistic generated input, and the rule engine.
//! `cargo bench --bench parsers`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sfbdiag::engine::RuleSet;
use sfbdiag::input::decode::{LineLimits, LineReader};
use sfbdiag::model::Record;
use sfbdiag::parse::{Format, ParseCtx, events, system, uccapi};

#[path = "synth/mod.rs"]
#[allow(dead_code, unused_imports, clippy::all)]
mod synth;

fn big_log(mb: u64) -> Vec<u8> {
    let mut v = Vec::new();
    synth::write_big_log(&mut v, mb * 1024 * 1024, 7).expect("generate");
    v
}

fn count_records(format: Format, bytes: &[u8]) -> u64 {
    let path: Arc<str> = Arc::from("bench");
    let mut errors = Vec::new();
    let mut n = 0u64;
    let mut sink = |r: Record| {
        black_box(&r);
        n += 1;
    };
    let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
    let mut lines = LineReader::new(
        bytes.to_vec(),
        Box::new(std::io::empty()),
        LineLimits::default(),
    );
    match format {
        Format::Uccapi => {
            uccapi::parse(&mut lines, &mut ctx);
        }
        Format::EventCsv | Format::EventXml | Format::EventText => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(65536)]).into_owned();
            events::parse_text(
                format,
                &head,
                &mut lines,
                &mut ctx,
                &events::EventFilter::all(),
                &Default::default(),
            );
        }
        f => {
            system::parse(f, &mut lines, &mut ctx);
        }
    }
    n
}

fn bench_uccapi(c: &mut Criterion) {
    let log = big_log(16);
    let mut g = c.benchmark_group("uccapi");
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.sample_size(10);
    g.bench_function("parse 16 MiB client log", |b| {
        b.iter(|| count_records(Format::Uccapi, black_box(&log)))
    });
    let rules = RuleSet::embedded().expect("rules");
    g.bench_function("analyze 16 MiB client log (parse + rules + facts)", |b| {
        b.iter(|| {
            sfbdiag::analyze_bytes(
                "bench.UccApilog",
                black_box(&log),
                &rules,
                &Default::default(),
            )
        })
    });
    g.finish();
}

fn bench_sip(c: &mut Criterion) {
    let msg = "SIP/2.0 401 Unauthorized\r\nDate: Tue, 24 Nov 2026 08:12:31 GMT\r\nWWW-Authenticate: NTLM realm=\"SIP Communications Service\", targetname=\"pool01.contoso.com\", version=4\r\nFrom: <sip:alice@contoso.com>;tag=1\r\nTo: <sip:alice@contoso.com>;tag=2\r\nCall-ID: 9f1c\r\nCSeq: 2 REGISTER\r\nms-diagnostics: 1013;reason=\"Significant time skew detected during authentication\";source=\"pool01.contoso.com\"\r\nContent-Length: 0\r\n";
    c.bench_function("sip message + ms-diagnostics", |b| {
        b.iter(|| {
            let m = sfbdiag::parse::sip::parse_message_text(black_box(msg));
            black_box(m.map(|m| m.ms_diagnostics().len()))
        })
    });
}

fn bench_events(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/events");
    let mut g = c.benchmark_group("events");
    for (name, fmt) in [
        ("application_eventviewer_enus.csv", Format::EventCsv),
        ("app_system_eventviewer.xml", Format::EventXml),
        ("app_system_wevtutil.txt", Format::EventText),
    ] {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            g.throughput(Throughput::Bytes(bytes.len() as u64));
            g.bench_function(name, |b| b.iter(|| count_records(fmt, black_box(&bytes))));
        }
    }
    let evtx =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/real/system.evtx");
    if let Ok(bytes) = std::fs::read(&evtx) {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.sample_size(20);
        g.bench_function("system.evtx (1,881 records)", |b| {
            b.iter(|| {
                let path: Arc<str> = Arc::from("system.evtx");
                let mut errors = Vec::new();
                let mut sink = |r: Record| {
                    black_box(r);
                };
                let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
                events::parse_evtx(
                    std::io::Cursor::new(bytes.clone()),
                    &mut ctx,
                    &events::EventFilter::all(),
                )
            })
        });
    }
    // Every record accepted by the rules' filter: the lean XML reader and the event rules'
    // DFAs on each.
    let kerberos = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/samples/real/security_kerberos_4768_4771.evtx");
    if kerberos.exists() {
        let rules = RuleSet::embedded().expect("rules");
        g.bench_function(
            "analyze security_kerberos_4768_4771.evtx (42 records, all matched)",
            |b| {
                b.iter(|| {
                    sfbdiag::analyze_paths(
                        std::slice::from_ref(&kerberos),
                        &rules,
                        &Default::default(),
                    )
                    .diagnoses
                    .len()
                })
            },
        );
    }
    g.finish();
}

fn bench_system(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/system");
    let mut g = c.benchmark_group("system");
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut files: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for p in files.into_iter().take(6) {
            let bytes = std::fs::read(&p).unwrap_or_default();
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
            let Some(fmt) = system::sniff(&head) else {
                continue;
            };
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            g.bench_function(name, |b| b.iter(|| count_records(fmt, black_box(&bytes))));
        }
    }
    g.finish();
}

fn bench_engine(c: &mut Criterion) {
    let rules = RuleSet::embedded().expect("rules");
    let texts = [
        "11/24/2026|08:12:51.123 1A2C:0F10 INFO  :: CUccPresenceManager::OnNotify - processing category state",
        "11/24/2026|08:12:52.500 1A2C:0F10 ERROR :: IDCRL: AuthIdentityToService failed, hr=0x80048831",
    ];
    let mut g = c.benchmark_group("engine");
    g.bench_function("compile embedded rules", |b| {
        b.iter(|| RuleSet::embedded().map(|r| r.rules.len()))
    });
    for t in texts {
        g.bench_function(format!("line prefilter: {}", &t[40..70]), |b| {
            b.iter(|| rules.line_may_match(black_box(t)))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_uccapi,
    bench_sip,
    bench_events,
    bench_system,
    bench_engine
);
criterion_main!(benches);
