//! Every fixture under `fixtures/system/` through `sniff` and `parse`, with the records checked.

use std::sync::Arc;

use sfbdiag::input::decode::{LineLimits, LineReader};
use sfbdiag::model::{
    Body, CertEntry, DirEntry, DnsLookup, DnsOutcome, HostsEntry, IpConfig, ProxySetting, Record,
    RegValue, SrvTarget, SystemInfo, TimeSync,
};
use sfbdiag::parse::system::{parse, parse_utc_offset, sniff};
use sfbdiag::parse::{Format, ParseCtx};

struct Parsed {
    format: Option<Format>,
    records: Vec<Record>,
    errors: Vec<String>,
    count: u64,
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/system/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn reader(bytes: &[u8]) -> LineReader<'static> {
    LineReader::new(
        bytes.to_vec(),
        Box::new(std::io::empty()),
        LineLimits::default(),
    )
}

fn run(name: &str) -> Parsed {
    let bytes = fixture(name);
    // The decoded head, as the orchestrator hands it to `sniff`.
    let mut head = String::new();
    let mut r = reader(&bytes);
    while let Some((_, l)) = r.next_line() {
        head.push_str(l);
        head.push('\n');
    }
    let format = sniff(&head);
    let path: Arc<str> = Arc::from(name);
    let mut errors = Vec::new();
    let mut records = Vec::new();
    let mut sink = |r: Record| records.push(r);
    let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
    let mut lines = reader(&bytes);
    let count = parse(format.unwrap_or(Format::Text), &mut lines, &mut ctx);
    Parsed {
        format,
        records,
        errors,
        count,
    }
}

fn line(r: &Record) -> u64 {
    r.source.line.unwrap_or(0)
}

fn dns(p: &Parsed) -> Vec<(u64, &DnsLookup)> {
    p.records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Dns(d) => Some((line(r), &**d)),
            _ => None,
        })
        .collect()
}

fn regs(p: &Parsed) -> Vec<&RegValue> {
    p.records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Registry(v) => Some(&**v),
            _ => None,
        })
        .collect()
}

fn times(p: &Parsed) -> Vec<(&Record, &TimeSync)> {
    p.records
        .iter()
        .filter_map(|r| match &r.body {
            Body::TimeSync(t) => Some((r, &**t)),
            _ => None,
        })
        .collect()
}

fn only<'a, T>(p: &'a Parsed, f: impl Fn(&'a Body) -> Option<&'a T>) -> &'a T {
    let all: Vec<&T> = p.records.iter().filter_map(|r| f(&r.body)).collect();
    assert_eq!(all.len(), 1, "expected exactly one record");
    all[0]
}

fn srv(priority: u16, weight: u16, port: u16, target: &str) -> SrvTarget {
    SrvTarget {
        priority,
        weight,
        port,
        target: target.to_string(),
    }
}

#[test]
fn nslookup_online_healthy_utf16() {
    let p = run("nslookup-online-healthy.txt");
    assert_eq!(p.format, Some(Format::Nslookup));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let d = dns(&p);
    assert_eq!(d.len(), 3);
    assert_eq!(p.count, 3);

    let (l, sip) = d[0];
    assert_eq!(l, 6, "source is the Name: line");
    assert_eq!(sip.query, "sip.contoso.com");
    assert_eq!(sip.outcome, DnsOutcome::Answer);
    assert_eq!(sip.canonical.as_deref(), Some("sipdir.online.lync.com"));
    assert_eq!(sip.addresses, ["2603:1037:0:2::e", "52.112.196.45"]);
    assert_eq!(sip.aliases, ["sip.contoso.com"]);
    assert_eq!(sip.resolver.as_deref(), Some("dc01.contoso.local"));
    assert_eq!(sip.resolver_addr.as_deref(), Some("10.0.0.10"));
    assert_eq!(sip.qtype.as_deref(), Some("A"));

    let (_, disc) = d[1];
    assert_eq!(disc.query, "lyncdiscover.contoso.com");
    assert_eq!(disc.canonical.as_deref(), Some("webdir.online.lync.com"));

    let (l, s) = d[2];
    assert_eq!(s.query, "_sip._tls.contoso.com");
    assert_eq!(s.qtype.as_deref(), Some("SRV"));
    assert_eq!(s.outcome, DnsOutcome::Answer);
    assert_eq!(s.srv, [srv(100, 1, 443, "sipdir.online.lync.com")]);
    assert!(
        s.addresses.is_empty(),
        "additional section is not an answer"
    );
    assert_eq!(l, 32, "source is the svr hostname line");
}

/// Line, query, resolver address, outcome, query type.
type Row<'a> = (u64, &'a str, Option<&'a str>, DnsOutcome, Option<&'a str>);

#[test]
fn nslookup_nxdomain_on_two_resolvers() {
    let p = run("nslookup-nxdomain-two-resolvers.txt");
    assert_eq!(p.format, Some(Format::Nslookup));
    let d = dns(&p);
    let got: Vec<Row> = d
        .iter()
        .map(|(l, x)| {
            (
                *l,
                x.query.as_str(),
                x.resolver_addr.as_deref(),
                x.outcome,
                x.qtype.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                5,
                "sip.contoso.com",
                Some("10.0.0.10"),
                DnsOutcome::NxDomain,
                None
            ),
            (
                11,
                "sip.contoso.com",
                Some("8.8.8.8"),
                DnsOutcome::NxDomain,
                None
            ),
            (
                17,
                "_sip._tls.contoso.com",
                Some("8.8.8.8"),
                DnsOutcome::NxDomain,
                Some("SRV")
            ),
        ]
    );
    assert_eq!(d[1].1.resolver.as_deref(), Some("dns.google"));
}

#[test]
fn nslookup_wrong_target() {
    let p = run("nslookup-wrong-target.txt");
    let d = dns(&p);
    assert_eq!(d.len(), 3);
    let sip = d[0].1;
    assert_eq!(sip.query, "sip.fabrikam.com");
    assert_eq!(sip.canonical.as_deref(), Some("sip.fabrikam.com"));
    assert!(sip.aliases.is_empty());
    assert_eq!(sip.addresses, ["203.0.113.25"]);
    let disc = d[1].1;
    assert_eq!(disc.query, "lyncdiscover.fabrikam.com");
    assert_eq!(
        disc.canonical.as_deref(),
        Some("fabrikam-www.azurewebsites.net")
    );
    assert_eq!(
        disc.aliases,
        ["lyncdiscover.fabrikam.com", "www.fabrikam.com"]
    );
    let s = d[2].1;
    assert_eq!(s.query, "_sip._tls.fabrikam.com");
    assert_eq!(s.qtype.as_deref(), Some("SRV"));
    assert_eq!(s.srv, [srv(0, 0, 443, "sip.fabrikam.com")]);
}

#[test]
fn nslookup_resolvers_disagree_interactive() {
    let p = run("nslookup-resolvers-disagree.txt");
    assert_eq!(p.format, Some(Format::Nslookup));
    let d = dns(&p);
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].1.query, "sip.contoso.com");
    assert_eq!(d[0].1.outcome, DnsOutcome::NxDomain);
    assert_eq!(d[0].1.resolver_addr.as_deref(), Some("10.0.0.10"));
    assert_eq!(d[0].0, 9);
    assert_eq!(d[1].1.query, "sip.contoso.com");
    assert_eq!(d[1].1.outcome, DnsOutcome::Answer);
    assert_eq!(d[1].1.resolver.as_deref(), Some("dns.google"));
    assert_eq!(d[1].1.resolver_addr.as_deref(), Some("8.8.8.8"));
    assert_eq!(d[1].1.canonical.as_deref(), Some("sipdir.online.lync.com"));
}

#[test]
fn nslookup_timeout_takes_the_echoed_name() {
    let p = run("nslookup-timeout.txt");
    assert_eq!(p.format, Some(Format::Nslookup));
    let d = dns(&p);
    assert_eq!(d.len(), 1);
    let (l, t) = d[0];
    assert_eq!(l, 15, "source is the *** line");
    assert_eq!(t.query, "lyncdiscover.contoso.com");
    assert_eq!(t.outcome, DnsOutcome::Timeout);
    assert_eq!(t.resolver.as_deref(), Some("UnKnown"));
    assert_eq!(t.resolver_addr.as_deref(), Some("10.0.0.99"));
}

#[test]
fn ipconfig_all() {
    let p = run("ipconfig-all.txt");
    assert_eq!(p.format, Some(Format::Ipconfig));
    let c = only(&p, |b| match b {
        Body::IpConfig(c) => Some(&**c),
        _ => None,
    });
    assert_eq!(
        c,
        &IpConfig {
            host_name: Some("PC0142".into()),
            primary_dns_suffix: Some("contoso.local".into()),
            dns_suffix_search: vec!["contoso.local".into(), "contoso.com".into()],
            dns_servers: vec!["10.0.0.10".into(), "10.0.0.11".into()],
        }
    );
}

#[test]
fn registry_communicator_policy_utf16() {
    let p = run("reg-communicator-policy.reg");
    assert_eq!(p.format, Some(Format::Registry));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let v = regs(&p);
    assert_eq!(v.len(), 3);
    assert_eq!(
        v[0].key,
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Communicator"
    );
    assert_eq!(v[0].name, "TrustModelData");
    assert_eq!(v[0].value, "contoso.com,fabrikam.com");
    assert_eq!(v[0].kind, "sz");
    assert_eq!(line(&p.records[0]), 4);
    assert_eq!((v[1].value.as_str(), v[1].kind.as_str()), ("1", "dword"));
    assert_eq!(
        v[2].key,
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Office\16.0\Lync"
    );
    assert_eq!(v[2].value, "contoso.com");
}

#[test]
fn registry_lync_user_settings() {
    let p = run("reg-lync-hkcu.reg");
    assert_eq!(p.format, Some(Format::Registry));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let v = regs(&p);
    let got: Vec<(&str, &str, &str)> = v
        .iter()
        .map(|r| (r.name.as_str(), r.value.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("ServerSipUri", "alice@contoso.com", "sz"),
            ("ServerUsername", r"CONTOSO\alice", "sz"),
            ("ConfigurationMode", "1", "dword"),
            ("SavePassword", "0", "dword"),
            (
                "TracingDir",
                r"%APPDATA%\Microsoft\Office\16.0\Lync\Tracing",
                "expand_sz"
            ),
            ("TrustedDomainList", "contoso.com,contoso.local", "multi_sz"),
            ("FirstRun", "01,00,00,00", "binary"),
            ("", "Lync settings", "sz"),
            ("UserDisplayName", "Alice \"Ali\" Jones", "sz"),
        ]
    );
    assert_eq!(
        v[8].key,
        r"HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Lync\alice@contoso.com"
    );
}

#[test]
fn w32tm_status_synced_and_cmos() {
    let p = run("w32tm-status-synced.txt");
    assert_eq!(p.format, Some(Format::W32tm));
    let t = times(&p);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].1.source.as_deref(), Some("dc01.contoso.local"));
    assert_eq!(t[0].1.leap, Some(0));
    assert_eq!(t[0].1.last_sync.as_deref(), Some("11/24/2026 7:12:09 AM"));
    assert_eq!(t[0].1.offset_seconds, None);
    assert_eq!(line(t[0].0), 8, "source is the Source: line");

    let p = run("w32tm-status-cmos.txt");
    let t = times(&p);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].1.source.as_deref(), Some("Local CMOS Clock"));
    assert_eq!(t[0].1.leap, Some(3));
}

#[test]
fn w32tm_stripchart_samples() {
    let p = run("w32tm-stripchart.txt");
    assert_eq!(p.format, Some(Format::W32tm));
    assert!(p.errors.is_empty());
    let t = times(&p);
    assert_eq!(t.len(), 3, "the error sample is skipped");
    let offs: Vec<f64> = t.iter().filter_map(|(_, x)| x.offset_seconds).collect();
    assert_eq!(offs, [1060.2214471, 1060.2199013, 1060.2187654]);
    assert!(
        t.iter()
            .all(|(_, x)| x.reference.as_deref() == Some("time.windows.com"))
    );
    let ts: Vec<String> = t
        .iter()
        .filter_map(|(r, _)| r.ts.map(|x| x.to_string()))
        .collect();
    assert_eq!(
        ts,
        [
            "2026-11-24T23:59:59.000",
            "2026-11-25T00:00:01.000",
            "2026-11-25T00:00:05.000"
        ]
    );

    let p = run("w32tm-stripchart-dataonly.txt");
    assert_eq!(p.format, Some(Format::W32tm));
    let offs: Vec<f64> = times(&p)
        .iter()
        .filter_map(|(_, x)| x.offset_seconds)
        .collect();
    assert_eq!(offs, [1060.4471234, 1060.446221, -0.0012345]);
}

#[test]
fn winhttp_proxy() {
    let p = run("proxy-direct.txt");
    assert_eq!(p.format, Some(Format::Proxy));
    let x = only(&p, |b| match b {
        Body::Proxy(x) => Some(&**x),
        _ => None,
    });
    assert_eq!(
        x,
        &ProxySetting {
            direct: true,
            server: None,
            bypass: None
        }
    );

    let p = run("proxy-configured.txt");
    let x = only(&p, |b| match b {
        Body::Proxy(x) => Some(&**x),
        _ => None,
    });
    assert_eq!(
        x,
        &ProxySetting {
            direct: false,
            server: Some("proxy.contoso.com:8080".into()),
            bypass: Some("*.contoso.local;<local>".into()),
        }
    );
}

#[test]
fn systeminfo_time_zone() {
    let p = run("systeminfo.txt");
    assert_eq!(p.format, Some(Format::Systeminfo));
    let s = only(&p, |b| match b {
        Body::SystemInfo(x) => Some(&**x),
        _ => None,
    });
    assert_eq!(
        s,
        &SystemInfo {
            host_name: Some("PC0142".into()),
            os_name: Some("Microsoft Windows 10 Enterprise".into()),
            time_zone: Some("(UTC-08:00) Pacific Time (US & Canada)".into()),
            utc_offset_minutes: Some(-480),
            domain: Some("contoso.local".into()),
        }
    );
    assert_eq!(parse_utc_offset("(UTC+01:00) Amsterdam, Berlin"), Some(60));
}

#[test]
fn certutil_user_store() {
    let p = run("certutil-user-my.txt");
    assert_eq!(p.format, Some(Format::Certutil));
    let certs: Vec<&CertEntry> = p
        .records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Cert(c) => Some(&**c),
            _ => None,
        })
        .collect();
    assert_eq!(certs.len(), 2);
    let cs = certs[0];
    assert_eq!(cs.issuer.as_deref(), Some("CN=Communications Server"));
    assert_eq!(cs.subject.as_deref(), Some("CN=alice@contoso.com"));
    assert_eq!(cs.not_after.as_deref(), Some("5/20/2027 9:14 AM"));
    assert_eq!(cs.not_before.as_deref(), Some("11/20/2026 9:14 AM"));
    assert_eq!(
        cs.thumbprint.as_deref(),
        Some("3c4f8a9b2d1e0f7a6b5c4d3e2f1a0b9c8d7e6f50")
    );
    assert_eq!(cs.notes, ["Missing stored keyset"]);
    assert_eq!(line(&p.records[0]), 2);
    let user = certs[1];
    assert!(user.issuer.as_deref().unwrap_or("").contains("Issuing CA"));
    assert!(
        user.notes
            .iter()
            .any(|n| n.starts_with("Key Container = 5f1e2d3c"))
    );
    assert!(user.notes.iter().any(|n| n.starts_with("Provider = ")));
    assert!(
        user.notes
            .iter()
            .any(|n| n.contains("FAILED: 0x80090016") && n.contains("NTE_BAD_KEYSET"))
    );
}

#[test]
fn dir_listings_of_rsa_folder() {
    let expect_parent = r"C:\Users\alice\AppData\Roaming\Microsoft\Crypto\RSA";
    let p = run("dir-crypto-rsa.txt");
    assert_eq!(p.format, Some(Format::DirListing));
    let e: Vec<&DirEntry> = p
        .records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Dir(d) => Some(&**d),
            _ => None,
        })
        .collect();
    assert_eq!(e.len(), 2, ". and .. are skipped");
    assert_eq!(e[0].name, "S-1-5-21-1004336348-1177238915-682003330-1001");
    assert!(e[0].is_dir);
    assert_eq!(e[0].parent.as_deref(), Some(expect_parent));
    assert_eq!(e[1].name, "S-1-5-21-1004336348-1177238915-682003330-1107");

    let p = run("gci-crypto-rsa.txt");
    assert_eq!(p.format, Some(Format::DirListing));
    let e: Vec<&DirEntry> = p
        .records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Dir(d) => Some(&**d),
            _ => None,
        })
        .collect();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].name, "S-1-5-21-1004336348-1177238915-682003330-1001");
    assert!(e[0].is_dir);
    assert_eq!(e[0].parent.as_deref(), Some(expect_parent));
    assert_eq!(e[1].name, "desktop backup.ini");
    assert!(!e[1].is_dir);
}

#[test]
fn hosts_file() {
    let p = run("hosts");
    assert_eq!(p.format, Some(Format::Hosts));
    let h = only(&p, |b| match b {
        Body::Hosts(x) => Some(&**x),
        _ => None,
    });
    assert_eq!(
        h,
        &HostsEntry {
            address: "10.0.5.20".into(),
            names: vec!["sip.contoso.com".into(), "lyncdiscover.contoso.com".into()],
        }
    );
    assert_eq!(line(&p.records[0]), 22);
}

#[test]
fn combined_mosdal_network_file() {
    let p = run("mosdal-network-combined.txt");
    assert_eq!(p.format, Some(Format::Ipconfig), "first section decides");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let kinds: Vec<&str> = p
        .records
        .iter()
        .map(|r| match &r.body {
            Body::IpConfig(_) => "ipconfig",
            Body::Dns(_) => "dns",
            Body::Proxy(_) => "proxy",
            Body::TimeSync(_) => "time",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["ipconfig", "dns", "dns", "dns", "proxy", "time"]);
    let d = dns(&p);
    assert_eq!(d[0].1.query, "sip.contoso.com");
    assert_eq!(d[0].1.outcome, DnsOutcome::NxDomain);
    assert_eq!(d[1].1.query, "lyncdiscover.contoso.com");
    assert_eq!(d[1].1.canonical.as_deref(), Some("webdir.online.lync.com"));
    // A timeout without a `***` line still counts, named after the banner's command.
    assert_eq!(d[2].1.query, "_sip._tls.contoso.com");
    assert_eq!(d[2].1.outcome, DnsOutcome::Timeout);
    assert_eq!(d[2].1.qtype.as_deref(), Some("SRV"));
    assert_eq!(d[2].1.resolver_addr.as_deref(), Some("10.0.0.11"));
    let t = times(&p);
    assert_eq!(t[0].1.source.as_deref(), Some("dc01.contoso.local"));
    assert_eq!(p.count, 6);
}

#[test]
fn sniff_leaves_other_text_alone() {
    let uccapi = "11/24/2026|07:12:09.123 1A2C:0F10 INFO  :: Sending Packet - 10.0.0.142:50000 (From Local Address: 10.0.0.142:50001) 1234 bytes:\nREGISTER sip:contoso.com SIP/2.0\nServer:  x\nAddress:  1.2.3.4\n";
    assert_eq!(sniff(uccapi), None);
    let sip = "REGISTER sip:contoso.com SIP/2.0\r\nVia: SIP/2.0/TLS 10.0.0.142:50001\r\n";
    assert_eq!(sniff(sip), None);
    let csv = "Level,Date and Time,Source,Event ID,Task Category\nError,11/24/2026 7:12:09 AM,Lync,3,None,\"unable to resolve\"\n";
    assert_eq!(sniff(csv), None);
    let prose =
        "Dear support,\nsign-in fails since Monday. Server is temporarily unavailable.\nThanks\n";
    assert_eq!(sniff(prose), None);
}

#[test]
fn garbage_never_panics() {
    let inputs = [
        "Windows Registry Editor Version 5.00\n[HKEY_X\n\"a\"=hex(7):0\n\"b\"=hex(2):\\\n",
        "Server:\nAddress:\nName:\nAddresses:\n   \n*** :\n*** can't find : \n> \n> set type=\n",
        "Leap Indicator: x\nSource:\n00:00:00, o:s\n99:99:99, +1s\nThe current time is 13/13/2026 1:1:1 XM.\n",
        "================ Certificate 0 ================\nCert Hash(sha1):\nCertUtil: FAILED\n",
        " Directory of C:\\\n1/1/2026 1:00 <DIR>\nd----- \n",
        "\u{feff}\0\0\0\u{FFFD}\n\n",
    ];
    for f in [
        Format::Nslookup,
        Format::Registry,
        Format::W32tm,
        Format::Certutil,
        Format::DirListing,
        Format::Hosts,
        Format::Text,
    ] {
        for text in inputs {
            let path: Arc<str> = Arc::from("g");
            let mut errors = Vec::new();
            let mut sink = |_r: Record| {};
            let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
            let mut lines = LineReader::from_str(text);
            parse(f, &mut lines, &mut ctx);
            let _ = sniff(text);
        }
    }
}

/// Lines stitched from fragments of every format in random order must never panic.
#[test]
fn shuffled_fragments_never_panic() {
    let frags = [
        "Server:  dc01",
        "Address:  10.0.0.10",
        "Name:    a.b",
        "Addresses:  ::1",
        "          1.2.3.4",
        "Aliases:  x.y",
        "*** dc01 can't find q.r: Non-existent domain",
        "*** Request to x timed-out",
        "DNS request timed out.",
        "> set type=srv",
        "> a.b",
        "_s._tls.a.b   SRV service location:",
        "          priority       = 99999",
        "          svr hostname   = t.",
        "  primary name server = ns",
        "Windows IP Configuration",
        "   DNS Servers . . . : 10.0.0.1",
        "                          ::1",
        "Windows Registry Editor Version 5.00",
        "[HKEY_X]",
        "\"a\"=hex(2):41,\\",
        "  00,zz",
        "@=dword:",
        "\"b\"=\"\\\"",
        "Leap Indicator: 3(x)",
        "Tracking h [1:123].",
        "The current time is 12/31/2026 11:59:59 PM.",
        "00:00:01, +1.5s",
        "00:00:01, d:+0s o:-2s",
        "Current WinHTTP proxy settings:",
        "    Direct access (no proxy server).",
        "Host Name:   PC",
        "Time Zone:   (UTC+14:00) x",
        "\"Host Name\",\"OS Name\"",
        "\"a\",\"b",
        "================ Certificate 9 ================",
        "Cert Hash(sha1): ",
        "Missing stored keyset",
        " Directory of C:\\x",
        "1/1/2026  1:00 PM    <DIR>   ",
        "Mode   LastWriteTime   Length Name",
        "d-----  1/1/2026 1:00 PM  \u{e9}\u{e9}",
        "# Copyright (c) 1993-2009 Microsoft Corp.",
        "10.0.0.1 h",
        "C:\\>nslookup",
        "C:\\>nslookup -type=",
        "==== dir ====",
        "",
        "\u{feff}\u{FFFD}\u{e9}:\u{e9}",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..300 {
        let mut text = String::new();
        for _ in 0..40 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            text.push_str(frags[(seed >> 33) as usize % frags.len()]);
            text.push_str(if round % 2 == 0 { "\r\n" } else { "\n" });
        }
        let _ = sniff(&text);
        let path: Arc<str> = Arc::from("f");
        let mut errors = Vec::new();
        let mut n = 0u64;
        let mut sink = |_r: Record| n += 1;
        let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
        let mut lines = LineReader::from_str(&text);
        let count = parse(Format::Text, &mut lines, &mut ctx);
        assert!(errors.len() <= 51);
        assert_eq!(count, n);
    }
}
