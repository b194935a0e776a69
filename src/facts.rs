//! What only several records show: sign-in attempts as transactions, the client/server clock
//! skew, the DNS picture across resolvers, and trust of the registrar's domain.
//!
//! The collector sees every record once, keeps a compact summary of the few that matter, and
//! turns them into [`Fact`]s the rules match like records.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime};
use serde::Serialize;

use crate::engine::fields::Fact;
use crate::model::{Body, DnsLookup, DnsOutcome, Record, SipMessage, SourceLoc, Ts};
use crate::parse::sip;

mod dns_client;

/// Literals of free-text lines the facts stage reads (lower case): Online host names, the
/// client's SRV answers, and the deletion of cached sign-in data.
pub const LINE_INTEREST: &[&str] = &[
    ".online.lync.com",
    ".infra.lync.com",
    "_sipinternaltls._tcp.",
    "_sip._tls.",
    "sign-in info",
];

/// What [`FactsCollector::observe`] reads of SIP messages: the messages of these transaction
/// methods whole, and of every other message only its start line, direction, peer and these
/// headers. Keep them in step with `observe_sip`: the parser drops the rest of a message when
/// no rule needs it either.
pub const SIP_FULL_METHODS: &[&str] = &["REGISTER"];
pub const SIP_HEADER_INTEREST: &[&str] = &["Server", "Date"];

/// Does this line say the cached sign-in data was deleted ("Delete my sign-in info")?
pub fn is_signin_reset(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("sign-in info")
        && (t.contains("delet") || t.contains("clear") || t.contains("remov"))
}

/// Kerberos and the SfB servers tolerate this much clock difference.
pub const SKEW_TOLERANCE_SECS: i64 = 300;
/// REGISTER messages kept for the sign-in attempts; past it the oldest half is let go. Refresh
/// REGISTERs join their attempt, so a month of one client's log (the 512 MB generated one) holds
/// some 90,000 of them in a dozen attempts; this bounds what a longer log costs in memory (some
/// 600 bytes a message).
const MAX_REGISTERS: usize = 100_000;
const MAX_DATE_SAMPLES: usize = 4096;
const MAX_DNS: usize = 20_000;

/// Service domains the client trusts without a prompt when no TrustModelData policy is set.
const DEFAULT_TRUSTED: &[&str] = &[
    "lync.com",
    "outlook.com",
    "lync.glbdns.microsoft.com",
    "microsoftonline.com",
];

/// A REGISTER request or response, reduced to what the transaction logic needs.
#[derive(Clone, Debug)]
struct RegMsg {
    order: usize,
    ts: Option<Ts>,
    source: SourceLoc,
    call_id: String,
    /// The SIP address registering (its `To`, else its `From`).
    user: Option<String>,
    request: bool,
    status: Option<u16>,
    start_line: String,
    credentials: bool,
    schemes: Vec<String>,
    /// A challenge that carries the next handshake leg (`gssapi-data`): NTLM / TLS-DSK continue.
    continuation: bool,
    deregister: bool,
    diags: Vec<u32>,
    diag_text: Option<String>,
    server: Option<String>,
    targetnames: Vec<String>,
    contact_host: Option<String>,
    diag_source: Option<String>,
    request_host: Option<String>,
    /// Read out of a client event (Lync event 11), not a client log: event exports list the
    /// newest first, so such messages are put in order by their time.
    from_event: bool,
}

/// One sign-in attempt: REGISTER traffic from the first request to its final response.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    pub at: Option<Ts>,
    pub outcome: String,
    pub final_status: Option<u16>,
    pub final_line: Option<String>,
    pub diagnostics: Vec<u32>,
    pub requests: u32,
    pub credentialed: u32,
    pub challenges: u32,
    pub schemes: Vec<String>,
    pub server: Option<String>,
    #[serde(skip)]
    pub source: Option<SourceLoc>,
    #[serde(skip)]
    final_ts: Option<Ts>,
    #[serde(skip)]
    rejected: bool,
    #[serde(skip)]
    server_header: Option<String>,
    /// Known only from the client's event 11, not from its traffic.
    #[serde(skip)]
    client_event: bool,
    /// The SIP address that signed in, or tried to.
    #[serde(skip)]
    user: Option<String>,
}

/// The `signin` block of the report.
#[derive(Clone, Debug, Serialize, Default)]
pub struct Signin {
    pub attempts: u32,
    pub last_outcome: String,
    pub last_attempt_at: Option<Ts>,
    pub sip_uri: Option<String>,
    pub client_version: Option<String>,
    pub tenant: String,
    pub registrar: Option<String>,
    /// When the user last signed in successfully.
    pub succeeded_at: Option<Ts>,
    /// Every attempt, oldest first (the report's timeline).
    pub timeline: Vec<Attempt>,
    /// The account that logs on at the computer (its Security log's interactive logons), which
    /// stands for the user where no SIP address does.
    #[serde(skip)]
    pub computer_user: Option<String>,
}

/// Clock-skew measurement for the report.
#[derive(Clone, Debug, Serialize)]
pub struct SkewMeasure {
    /// Client minus server, seconds (positive: client clock ahead).
    pub skew_seconds: i64,
    pub method: String,
    pub samples: usize,
    pub estimated: bool,
    pub utc_offset_minutes: Option<i32>,
}

#[derive(Default)]
pub struct FactsCollector {
    /// A log line lower-cased, kept between lines so that its buffer is allocated once.
    lower_line: String,
    registers: Vec<RegMsg>,
    /// REGISTER messages let go to keep `registers` bounded (the oldest), and the time of the
    /// newest of them.
    registers_dropped: usize,
    registers_dropped_until: Option<Ts>,
    /// `MAX_REGISTERS` unless a test sets a smaller one.
    register_cap: Option<usize>,
    /// `MAX_DATE_SAMPLES` unless a test sets a smaller one.
    date_cap: Option<usize>,
    dates: Vec<(NaiveDateTime, NaiveDateTime, SourceLoc)>,
    /// Kerberos errors from the KDC: (client time, the KDC's `Server Time`, where). The client
    /// time is UTC when `kdc_utc` (EVTX, XML), else the export's local wall-clock time.
    kdc: Vec<(NaiveDateTime, NaiveDateTime, SourceLoc)>,
    kdc_utc: bool,
    /// Set while a message read out of a client event is observed.
    from_event: bool,
    /// Set while such a message's request, of no known method, went to a user's address.
    event_to_user: bool,
    dns: Vec<(DnsLookup, SourceLoc)>,
    /// The Windows DNS client's own log of the sign-in records' lookups.
    client_dns: dns_client::ClientDns,
    sysinfo_tz: Option<(i32, String, SourceLoc)>,
    w32tm: Vec<(f64, Option<String>, SourceLoc)>,
    trust_model: Vec<(String, SourceLoc)>,
    /// Hosts named in AD / registry evidence of an old on-premises deployment.
    order: usize,
    user_uris: HashMap<String, usize>,
    client_version: Option<String>,
    online_hint: bool,
    onprem_hint: bool,
    registry_sip_uri: Option<String>,
    /// Servers that DNS (nslookup or the client's own lookups) named for the sign-in records.
    srv_targets: Vec<(String, SourceLoc, Option<Ts>)>,
    /// For each user, the latest request the client made as that signed-in endpoint (a
    /// SUBSCRIBE, an INVITE...) that its event 11 reports: when, where, and what was answered.
    activity: Vec<Activity>,
    /// The client's own reports (Lync/Communicator event 3) that a sign-in name did not
    /// resolve: when, where, and the name.
    unresolved: Vec<(Ts, SourceLoc, String)>,
    /// Accounts that logged on at the computer itself (4624 logon types 2, 7, 10 and 11: at the
    /// keyboard, unlocking, by remote desktop, with cached credentials), and how often.
    interactive: Vec<(String, u32)>,
    /// The case holds a domain controller's Kerberos audits: its interactive logons are
    /// administrators', not the user's.
    kdc_audits: bool,
}

/// A request only a registered client makes, read out of its event 11.
#[derive(Clone, Debug)]
struct Activity {
    ts: Ts,
    source: SourceLoc,
    line: String,
    /// The SIP address that sent it.
    user: Option<String>,
}

/// Requests a Lync client sends only once it has registered: presence subscriptions, calls and
/// instant messages, in-band provisioning and publications. A client that cannot sign in sends
/// none of them, so one in its event 11, whatever it was answered, shows the client signed in.
const SIGNED_IN_METHODS: [&str; 9] = [
    "SUBSCRIBE",
    "INVITE",
    "MESSAGE",
    "SERVICE",
    "PUBLISH",
    "INFO",
    "REFER",
    "BENOTIFY",
    "NOTIFY",
];

/// The sign-in that `a` shows happened: an attempt known only from the client's event.
fn signed_in_attempt(a: &Activity) -> Attempt {
    Attempt {
        at: Some(a.ts),
        outcome: "succeeded".into(),
        final_status: None,
        final_line: Some(format!("signed in ({})", a.line)),
        diagnostics: Vec::new(),
        requests: 0,
        credentialed: 0,
        challenges: 0,
        schemes: Vec::new(),
        server: None,
        source: Some(a.source.clone()),
        final_ts: Some(a.ts),
        rejected: false,
        server_header: None,
        client_event: true,
        user: a.user.clone(),
    }
}

impl Attempt {
    /// When it ended, or else when it began.
    pub fn when(&self) -> Option<Ts> {
        self.final_ts.or(self.at)
    }
}

/// The Lync / Communicator client's own event source.
pub(crate) fn is_client_provider(provider: &str) -> bool {
    provider.eq_ignore_ascii_case("lync") || provider.eq_ignore_ascii_case("communicator")
}

/// A user's SIP domain; an address (`sip:1234@192.168.43.20`) is not a domain.
fn domain_of_user(uri: &str) -> Option<String> {
    sip::domain_of_uri(uri).filter(|d| d.parse::<std::net::IpAddr>().is_err() && d.contains('.'))
}

/// The user a header names (`sip:bob@contoso.com`, lower case); a bare domain is none.
fn user_of(header: Option<&str>) -> Option<String> {
    header
        .and_then(sip::uri_in)
        .map(|u| u.to_ascii_lowercase())
        .filter(|u| u.contains('@'))
}

/// Client reports of unresolved sign-in names kept per case.
const MAX_UNRESOLVED: usize = 1000;

/// The public sign-in name a client's event 3 could not resolve (`sip.contoso.com`,
/// `lyncdiscover.contoso.com`, `_sip._tls.contoso.com`): from its data items, else its message.
/// The internal names (`sipinternal`, `lyncdiscoverinternal`) are asked first wherever the
/// client is, and fail outside the company network by design.
fn unresolved_sign_in_name(e: &crate::model::WinEvent) -> Option<String> {
    let from_data = e.data.iter().map(|(_, v)| v);
    let from_message = e.message.iter().map(String::as_str);
    from_data.chain(from_message).flat_map(hostnames).find(|h| {
        lync_record(h)
            .is_some_and(|(r, _)| matches!(r, "sip" | "lyncdiscover" | "_sip._tls" | "sipexternal"))
    })
}

/// Signed-in users followed one by one; more on one computer is not one person's case.
const MAX_USERS: usize = 8;

/// The SIP address whose sign-ins kept failing, in more than one session, while another
/// address signed in: a second person on a shared computer. One person who mistyped the address
/// fails in one burst and then signs in with the right one, so that reads as one person's case,
/// as before.
fn failing_user_among_others(attempts: &[Attempt]) -> Option<String> {
    let time = |a: &Attempt| a.when().map(|t| t.naive());
    let mut users: Vec<&str> = Vec::new();
    for u in attempts.iter().filter_map(|a| a.user.as_deref()) {
        if !users.contains(&u) {
            users.push(u);
        }
    }
    if users.len() < 2 {
        return None;
    }
    let mut best: Option<(chrono::NaiveDateTime, &str)> = None;
    for &u in &users {
        let own: Vec<&Attempt> = attempts
            .iter()
            .filter(|a| a.user.as_deref() == Some(u))
            .collect();
        if own.last().is_none_or(|a| a.outcome != "failed") {
            continue;
        }
        let mut failures: Vec<chrono::NaiveDateTime> = own
            .iter()
            .filter(|a| a.outcome == "failed")
            .filter_map(|a| time(a))
            .collect();
        failures.sort();
        let Some(&last) = failures.last() else {
            continue;
        };
        let sessions = failures
            .windows(2)
            .any(|w| (w[1] - w[0]).num_seconds() > crate::engine::SESSION_GAP_SECS);
        let other_signed_in = attempts
            .iter()
            .any(|a| a.outcome == "succeeded" && a.user.as_deref().is_some_and(|x| x != u));
        if sessions && other_signed_in && best.is_none_or(|(t, _)| last > t) {
            best = Some((last, u));
        }
    }
    best.map(|(_, u)| u.to_string())
}

/// Host names in a line of text (`a.b.c` shapes), lower-cased.
fn hostnames(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'))
        .map(|t| t.trim_matches('.').to_ascii_lowercase())
        .filter(|t| {
            t.contains('.')
                && !t.starts_with('_')
                && t.split('.').count() >= 3
                && t.rsplit('.').next().is_some_and(|tld| {
                    tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
                })
        })
}

fn date_header(v: &str) -> Option<NaiveDateTime> {
    let v = v.trim();
    date_header_usual(v).or_else(|| date_header_general(v))
}

/// The form servers write (`Thu, 26 Nov 2026 08:17:21 GMT`), read by hand: every incoming message
/// of a log carries one, and the general RFC 2822 reader cost more than the rest of the message's
/// facts. Anything else (other zones, other spacing, a weekday that does not fit) is `None` here
/// and left to [`date_header_general`].
fn date_header_usual(v: &str) -> Option<NaiveDateTime> {
    use chrono::{Datelike, NaiveDate, NaiveTime};
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b = v.as_bytes();
    if b.len() != 29
        || &b[3..5] != b", "
        || b[7] != b' '
        || b[11] != b' '
        || b[16] != b' '
        || b[19] != b':'
        || b[22] != b':'
        || &b[25..] != b" GMT"
    {
        return None;
    }
    let num = |at: usize, n: usize| crate::parse::digits(&b[at..at + n]);
    let weekday = DAYS.iter().position(|d| *d == &b[..3])?;
    let month = MONTHS.iter().position(|m| *m == &b[8..11])? as u32 + 1;
    let date = NaiveDate::from_ymd_opt(num(12, 4)? as i32, month, num(5, 2)?)?;
    if date.weekday().num_days_from_monday() as usize != weekday {
        return None;
    }
    let (h, m, s) = (num(17, 2)?, num(20, 2)?, num(23, 2)?);
    if s >= 60 {
        return None; // a leap second: the general reader's rules
    }
    Some(date.and_time(NaiveTime::from_hms_opt(h, m, s)?))
}

fn date_header_general(v: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc2822(v)
        .ok()
        .map(|d| d.naive_utc())
        .or_else(|| {
            NaiveDateTime::parse_from_str(v.trim_end_matches(" GMT"), "%a, %d %b %Y %H:%M:%S").ok()
        })
}

fn param(v: &str, name: &str) -> Option<String> {
    // Every `name=` ends at an `=`: the name is compared (any case) before each `=` in turn,
    // rather than lower-casing a copy of values that carry kilobytes of `gssapi-data`.
    let b = v.as_bytes();
    let name = name.as_bytes();
    for eq in memchr::memchr_iter(b'=', b) {
        let Some(at) = eq.checked_sub(name.len()) else {
            continue;
        };
        if !b[at..eq].eq_ignore_ascii_case(name) {
            continue;
        }
        let ok_boundary = at == 0 || matches!(b[at - 1], b' ' | b',' | b';' | b'\t');
        if ok_boundary {
            // `eq` is at an ASCII byte, so this is a char boundary.
            let rest = v[eq + 1..].trim_start();
            let val = if let Some(q) = rest.strip_prefix('"') {
                q.split('"').next().unwrap_or("")
            } else {
                rest.split([',', ';', ' ']).next().unwrap_or("")
            };
            return Some(val.to_string());
        }
    }
    None
}

/// Whether `hay`, ASCII lower-cased, contains `needle` (lower case), found from the byte
/// `needle[anchor]`, which is no letter: a search from the needle's first letter stops at every
/// `g` of a base64 `gssapi-data`.
fn contains_ci_at(hay: &str, needle: &str, anchor: usize) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    memchr::memchr_iter(n[anchor], h).any(|p| {
        p.checked_sub(anchor)
            .and_then(|s| h.get(s..s + n.len()))
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

fn is_online_host(h: &str) -> bool {
    // `.online.lync.com` and `.infra.lync.com` end in `.lync.com` too.
    let (h, s) = (h.as_bytes(), b".lync.com");
    h.len() >= s.len() && h[h.len() - s.len()..].eq_ignore_ascii_case(s)
}

impl FactsCollector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Look at a SIP message read out of a client event (Lync event 11). `to_user`: the event
    /// names no method, but its request went to a user's address, not to the domain a REGISTER
    /// goes to.
    pub fn observe_from_event(&mut self, r: &Record, to_user: bool) {
        self.from_event = true;
        self.event_to_user = to_user;
        self.observe(r);
        self.from_event = false;
        self.event_to_user = false;
    }

    /// Look at one record; keep what facts need.
    pub fn observe(&mut self, r: &Record) {
        self.order += 1;
        match &r.body {
            Body::Sip(m) => self.observe_sip(r, m),
            Body::Dns(d) => {
                if let Some((rec, _)) = lync_record(&d.query)
                    && matches!(
                        rec,
                        "_sipinternaltls._tcp"
                            | "_sip._tls"
                            | "sipinternal"
                            | "sip"
                            | "sipexternal"
                    )
                {
                    for t in d
                        .srv
                        .iter()
                        .map(|s| s.target.to_ascii_lowercase())
                        .chain(d.canonical.clone())
                    {
                        if self.srv_targets.len() < 64 {
                            self.srv_targets.push((
                                t.trim_end_matches('.').to_string(),
                                r.source.clone(),
                                r.ts,
                            ));
                        }
                    }
                }
                if self.dns.len() < MAX_DNS {
                    self.dns.push(((**d).clone(), r.source.clone()));
                }
                if d.canonical.as_deref().is_some_and(is_online_host)
                    || d.srv.iter().any(|s| is_online_host(&s.target))
                {
                    self.online_hint = true;
                }
            }
            Body::Event(e) => {
                self.client_dns.observe(e, &r.source, r.ts);
                self.observe_logon(e);
                if e.event_id == 3
                    && is_client_provider(&e.provider)
                    && let Some(ts) = r.ts
                    && self.unresolved.len() < MAX_UNRESOLVED
                    && let Some(name) = unresolved_sign_in_name(e)
                {
                    self.unresolved.push((ts, r.source.clone(), name));
                }
                if self.kdc.len() < 1000
                    && let Some((client, server, utc)) = kerberos_times(e, r.ts)
                {
                    // One kind of client clock per case: an UTC reading and a local one cannot
                    // share a median.
                    if self.kdc.is_empty() || self.kdc_utc == utc {
                        self.kdc_utc = utc;
                        self.kdc.push((client, server, r.source.clone()));
                    }
                }
            }
            Body::SystemInfo(s) => {
                if let Some(o) = s.utc_offset_minutes {
                    self.sysinfo_tz =
                        Some((o, s.time_zone.clone().unwrap_or_default(), r.source.clone()));
                }
            }
            Body::TimeSync(t) => {
                if let Some(o) = t.offset_seconds
                    && self.w32tm.len() < 1000
                {
                    self.w32tm.push((
                        o,
                        t.reference.clone().or(t.source.clone()),
                        r.source.clone(),
                    ));
                }
            }
            Body::Line(l) => {
                let mut t = std::mem::take(&mut self.lower_line);
                t.clear();
                t.push_str(&l.text);
                t.make_ascii_lowercase();
                if t.contains(".online.lync.com") || t.contains(".infra.lync.com") {
                    self.online_hint = true;
                }
                // The client's own SRV lookups name the server it is sent to.
                if (t.contains("_sipinternaltls._tcp.") || t.contains("_sip._tls."))
                    && self.srv_targets.len() < 64
                {
                    let queried: Vec<String> = hostnames(&l.text).collect();
                    for h in queried {
                        if !h.contains("_sip") && !self.srv_targets.iter().any(|(x, _, _)| *x == h)
                        {
                            self.srv_targets.push((h, r.source.clone(), r.ts));
                        }
                    }
                }
                self.lower_line = t;
            }
            Body::Registry(v) => {
                if v.name.eq_ignore_ascii_case("TrustModelData") {
                    self.trust_model.push((v.value.clone(), r.source.clone()));
                }
                if v.name.eq_ignore_ascii_case("ServerSipUri") && !v.value.is_empty() {
                    self.registry_sip_uri = Some(v.value.clone());
                }
            }
            _ => {}
        }
    }

    fn observe_sip(&mut self, r: &Record, m: &SipMessage) {
        // Asked once, and before the User-Agent's substring searches: most messages are not
        // REGISTER traffic.
        let register = m.is_register();
        if self.from_event && !register {
            self.observe_activity(r, m);
        }
        // Client version and user from what the client sends.
        if register
            && let Some(ua) = m.header("User-Agent")
            && (ua.contains("UCCAPI")
                || ua.contains("OC/")
                || ua.contains("Lync")
                || ua.contains("Skype"))
        {
            self.client_version = Some(ua.to_string());
        }
        if let Some(s) = m.header("Server") {
            if s.contains("RTC/7.") {
                self.online_hint = true;
            } else if s.contains("RTC/") {
                self.onprem_hint = true;
            }
        }
        if !self.online_hint
            && let Some(p) = m.peer.as_deref().and_then(sip::host_of)
            && is_online_host(&p)
        {
            self.online_hint = true;
        }
        // Date headers on incoming messages against the log's local clock.
        if let (Some(Ts::Local(local)), Some(d)) = (r.ts, m.header("Date"))
            && m.direction != Some(crate::model::Direction::Outgoing)
            && let Some(gmt) = date_header(d)
        {
            // A long log keeps its newest samples: a clock that went wrong lately is what the
            // user is calling about, and the first samples of a month-long log would hide it.
            if self.dates.len() >= self.date_cap.unwrap_or(MAX_DATE_SAMPLES) {
                self.dates.sort_by_key(|(l, _, _)| *l);
                self.dates.drain(..self.dates.len().div_ceil(2));
            }
            self.dates.push((local, gmt, r.source.clone()));
        }
        if !register {
            return;
        }
        if self.registers.len() >= self.register_cap.unwrap_or(MAX_REGISTERS) {
            self.drop_oldest_registers();
        }
        let user = self.count_user_uri(m.header("To").or_else(|| m.header("From")));
        let www: Vec<&str> = m
            .headers_named("WWW-Authenticate")
            .chain(m.headers_named("Proxy-Authenticate"))
            .map(|h| h.value)
            .collect();
        let auth_info: Vec<&str> = m
            .headers_named("Authentication-Info")
            .map(|h| h.value)
            .collect();
        let mut targetnames: Vec<String> = www
            .iter()
            .chain(auth_info.iter())
            .filter_map(|v| param(v, "targetname"))
            .map(|t| t.trim_start_matches("sip/").to_ascii_lowercase())
            .filter(|t| t.contains('.'))
            .collect();
        targetnames.dedup();
        let diags = m.ms_diagnostics();
        let expires_zero = m.header("Expires").is_some_and(|e| e.trim() == "0")
            || m.header("Contact")
                .is_some_and(|c| contains_ci_at(c, "expires=0", 7));
        let contact_host = if m.status().is_some_and(|s| (300..400).contains(&s)) {
            m.header("Contact")
                .and_then(sip::uri_in)
                .and_then(sip::host_of)
        } else {
            None
        };
        let request_host = match &m.start {
            crate::model::StartLine::Request { uri, .. } => sip::host_of(uri),
            _ => None,
        };
        self.registers.push(RegMsg {
            order: self.order,
            user,
            ts: r.ts,
            source: SourceLoc {
                path: r.source.path.clone(),
                line: m.start_line_no.or(r.source.line),
                record: r.source.record,
            },
            // An event without a Call-ID is one transaction of its own.
            call_id: match m.call_id() {
                Some(c) => c.to_string(),
                None if self.from_event => format!("event#{}", self.order),
                None => String::new(),
            },
            request: m.method().is_some(),
            status: m.status(),
            start_line: m.start_line_text(),
            credentials: m.header("Authorization").is_some()
                || m.header("Proxy-Authorization").is_some(),
            schemes: www
                .iter()
                .map(|v| sip::auth_scheme(v).to_string())
                .collect(),
            continuation: www.iter().any(|v| contains_ci_at(v, "gssapi-data", 6)),
            deregister: m.method().is_some() && expires_zero,
            diags: diags.iter().map(|(d, _)| d.code).collect(),
            diag_text: diags.first().map(|(d, _)| {
                let mut t = String::from("ms-diagnostics ");
                crate::model::push_decimal(&mut t, d.code);
                if let Some(r) = &d.reason {
                    t.push_str(" \"");
                    t.push_str(r);
                    t.push('"');
                }
                t
            }),
            server: m.header("Server").map(str::to_string),
            targetnames,
            contact_host,
            diag_source: diags
                .iter()
                .find_map(|(d, _)| d.source.clone())
                .map(|s| s.to_ascii_lowercase()),
            request_host,
            from_event: self.from_event,
        });
    }

    /// One more sighting of the user's address, from a header naming it; the address it names.
    fn count_user_uri(&mut self, header: Option<&str>) -> Option<String> {
        let u = user_of(header)?;
        *self.user_uris.entry(u.clone()).or_default() += 1;
        Some(u)
    }

    /// A request of a signed-in client in its event 11: the latest one is kept, and its `From`
    /// is the user (event 11 reports requests the client itself made).
    fn observe_activity(&mut self, r: &Record, m: &SipMessage) {
        let method = match m.transaction_method() {
            Some(method)
                if SIGNED_IN_METHODS
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(method)) =>
            {
                method.to_ascii_uppercase()
            }
            None if self.event_to_user => "A request to a user's address".to_string(),
            _ => return,
        };
        // A challenge is the one answer a request can get before its sender is authenticated.
        if matches!(m.status(), Some(401 | 407)) {
            return;
        }
        let user = self.count_user_uri(m.header("From"));
        let Some(ts) = r.ts else { return };
        let known = self.activity.iter().position(|a| a.user == user);
        if known.is_some_and(|i| self.activity[i].ts.naive() >= ts.naive()) {
            return;
        }
        let mut line = method;
        line.push_str(" sent by the client");
        if m.status().is_some() {
            line.push_str(", answered ");
            line.push_str(&m.start_line_text());
        }
        let a = Activity {
            ts,
            source: r.source.clone(),
            line,
            user,
        };
        match known {
            Some(i) => self.activity[i] = a,
            None if self.activity.len() < MAX_USERS => self.activity.push(a),
            None => {}
        }
    }

    /// Let the older half of the REGISTER messages go. The newest attempts are the ones the user
    /// is asking about, so a log too long to keep them all keeps its end, not its start.
    fn drop_oldest_registers(&mut self) {
        if self.registers.is_empty() {
            return;
        }
        let by_time = |m: &RegMsg| (m.ts.map(|t| t.naive()), m.order);
        self.registers.sort_by_key(by_time);
        let n = (self.registers.len() / 2).max(1);
        // Whole transactions: the cut moves on past messages of a Call-ID it would split.
        let mut cut = n;
        let dropped_ids: std::collections::HashSet<&str> = self.registers[..n]
            .iter()
            .map(|m| m.call_id.as_str())
            .collect();
        while cut < self.registers.len()
            && cut < n + n / 2
            && dropped_ids.contains(self.registers[cut].call_id.as_str())
        {
            cut += 1;
        }
        let last = self.registers[cut - 1].ts;
        self.registers.drain(..cut);
        // Back in arrival order: the attempts are grouped from the list in the order the
        // messages came, as when nothing was let go.
        self.registers.sort_by_key(|m| m.order);
        self.registers_dropped += cut;
        self.registers_dropped_until = last.or(self.registers_dropped_until);
    }

    /// The time zone offset that applies to local log times: `--tz` first, then systeminfo.
    pub fn utc_offset(&self, tz_override: Option<i32>) -> Option<(i32, &'static str)> {
        tz_override
            .map(|o| (o, "--tz"))
            .or_else(|| self.sysinfo_tz.as_ref().map(|(o, _, _)| (*o, "systeminfo")))
    }

    pub fn sip_uri(&self) -> Option<String> {
        self.user_uris
            .iter()
            .max_by_key(|(u, n)| (**n, std::cmp::Reverse((*u).clone())))
            .map(|(u, _)| u.clone())
            .or_else(|| self.registry_sip_uri.clone())
    }

    fn tenant(&self, attempts: &[Attempt]) -> &'static str {
        let online = self.online_hint
            || attempts
                .iter()
                .any(|a| a.server.as_deref().is_some_and(is_online_host));
        // Online pools are always Microsoft's; a registrar under any other name is on premises.
        let own_pool = attempts.iter().any(|a| {
            a.server.as_deref().is_some_and(|h| {
                h.contains('.') && h.parse::<std::net::IpAddr>().is_err() && !is_online_host(h)
            })
        });
        if online {
            "online"
        } else if self.onprem_hint || own_pool {
            "on-premises"
        } else {
            "unknown"
        }
    }

    /// Group REGISTER traffic into attempts.
    fn attempts(&self) -> Vec<Attempt> {
        let mut msgs: Vec<&RegMsg> = self.registers.iter().filter(|m| !m.deregister).collect();
        // Rotated files are read in name order; times put them back in sequence.
        // Event exports list the newest first: their messages go by time even within a file.
        msgs.sort_by(|a, b| match (a.ts, b.ts) {
            (Some(x), Some(y))
                if a.source.path != b.source.path || (a.from_event && b.from_event) =>
            {
                x.naive().cmp(&y.naive()).then(a.order.cmp(&b.order))
            }
            _ => a.order.cmp(&b.order),
        });
        // Responses to a de-registration share its Call-ID and CSeq; drop them with it.
        let dereg: std::collections::HashSet<&str> = self
            .registers
            .iter()
            .filter(|m| m.deregister)
            .map(|m| m.call_id.as_str())
            .collect();
        let mut groups: BTreeMap<usize, Vec<&RegMsg>> = BTreeMap::new();
        let mut open: HashMap<&str, usize> = HashMap::new();
        let mut closed: HashMap<&str, bool> = HashMap::new();
        // Groups are keyed by the position of their first message in time order.
        for (pos, m) in msgs.into_iter().enumerate() {
            if dereg.contains(m.call_id.as_str())
                && !m.request
                && m.status == Some(200)
                && !open.contains_key(m.call_id.as_str())
            {
                continue;
            }
            let key = m.call_id.as_str();
            // A fresh, uncredentialed REGISTER after a final answer starts a new attempt.
            let new_attempt =
                m.request && !m.credentials && closed.get(key).copied().unwrap_or(false);
            let gid = match open.get(key) {
                Some(&g) if !new_attempt => g,
                _ => {
                    open.insert(key, pos);
                    pos
                }
            };
            groups.entry(gid).or_default().push(m);
            if let Some(s) = m.status {
                closed.insert(key, !(s == 401 || s == 407 || s < 200));
            } else {
                closed.insert(key, false);
            }
        }
        groups.into_values().map(|g| build_attempt(&g)).collect()
    }

    /// Note who logs on at this computer, from its Security log.
    fn observe_logon(&mut self, e: &crate::model::WinEvent) {
        if !crate::engine::cond::contains_ci(&e.provider, "security-auditing") {
            return;
        }
        if matches!(e.event_id, 4768 | 4769 | 4771) {
            self.kdc_audits = true;
        }
        if e.event_id != 4624 || !matches!(logon_type(e), Some(2 | 7 | 10 | 11)) {
            return;
        }
        let Some(a) = crate::engine::fields::event_account(e) else {
            return;
        };
        let a = crate::engine::account_key(&a);
        if a.ends_with('$') || matches!(a.as_str(), "system" | "local service" | "network service")
        {
            return;
        }
        if let Some((_, n)) = self.interactive.iter_mut().find(|(x, _)| *x == a) {
            *n += 1;
        } else if self.interactive.len() < 64 {
            self.interactive.push((a, 1));
        }
    }

    /// The account that logs on at this computer most, when the case is a client's and not a
    /// domain controller's: with no SIP address, the best answer to who the user is.
    fn computer_user(&self) -> Option<String> {
        if self.kdc_audits {
            return None;
        }
        self.interactive
            .iter()
            .max_by_key(|(_, n)| *n)
            .map(|(a, _)| a.clone())
    }

    /// Turn what was collected into facts and the sign-in summary.
    pub fn finish(
        &self,
        tz_override: Option<i32>,
    ) -> (Vec<Fact>, Signin, Option<SkewMeasure>, Vec<String>) {
        let mut facts = Vec::new();
        let mut notes = Vec::new();
        let mut attempts = self.attempts();
        if self.registers_dropped > 0 {
            notes.push(format!(
                "the logs hold more REGISTER traffic than is kept at once: the {} oldest message(s){} were let go, and sign-in attempts are counted from there",
                self.registers_dropped,
                self.registers_dropped_until
                    .map(|t| format!(", up to {t},"))
                    .unwrap_or_default()
            ));
        }
        // Follow 301 redirects: the attempt after a redirect continues it.
        attempts.retain(|a| a.outcome != "redirected" || a.final_status.is_none());
        // The client working as a signed-in endpoint is a sign-in that succeeded, at that time,
        // even when the REGISTER that did it is not in the case.
        for a in &self.activity {
            let at = attempts
                .iter()
                .position(|b| b.when().is_some_and(|t| t.naive() > a.ts.naive()))
                .unwrap_or(attempts.len());
            attempts.insert(at, signed_in_attempt(a));
        }
        // Two people on one computer: the case is about the one who cannot sign in, and the
        // other's sign-ins are not that person's recovery.
        let focus = failing_user_among_others(&attempts);
        if let Some(u) = &focus {
            attempts.retain(|a| a.user.as_ref().is_none_or(|x| x == u));
            notes.push(format!(
                "more than one SIP address signed in on this computer: the sign-in summary follows {u}, whose sign-ins kept failing while another address's worked"
            ));
        }
        let succeeded_at = attempts
            .iter()
            .filter(|a| a.outcome == "succeeded")
            .filter_map(Attempt::when)
            .max();
        let any_success = attempts.iter().any(|a| a.outcome == "succeeded");
        let tenant = self.tenant(&attempts);
        let sip_uri = focus.or_else(|| self.sip_uri());
        let sip_domain = sip_uri.as_deref().and_then(domain_of_user);
        let n = attempts.len();
        for (i, a) in attempts.iter().enumerate() {
            let later_success = attempts[i + 1..].iter().any(|b| b.outcome == "succeeded");
            let src = a
                .source
                .clone()
                .unwrap_or_else(|| crate::engine::case_source("case"));
            let traffic = if a.client_event {
                " (reported by the client's event 11)".to_string()
            } else {
                format!(
                    " after {} REGISTER request(s), {} with credentials",
                    a.requests, a.credentialed
                )
            };
            let headline = format!(
                "sign-in attempt {}{}: {}{traffic}{}",
                i + 1,
                a.at.map(|t| format!(" at {t}")).unwrap_or_default(),
                match (&a.final_line, a.outcome.as_str()) {
                    (Some(l), "succeeded") if a.requests == 0 => l.clone(),
                    (_, "succeeded") => "signed in (200 OK)".to_string(),
                    (Some(l), o) => format!("{o} with {l}"),
                    (None, o) => o.to_string(),
                },
                if a.diagnostics.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; ms-diagnostics {}",
                        a.diagnostics
                            .iter()
                            .map(|d| d.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            );
            let mut f = Fact::new("signin-attempt", src, a.when(), headline);
            f.set("outcome", &a.outcome)
                .set("requests", a.requests)
                .set("credentialed", a.credentialed)
                .set("challenges", a.challenges)
                .set("rejected", a.rejected)
                .set("recovered", later_success)
                .set("last", i + 1 == n)
                .set("client_event", a.client_event)
                .set("tenant", tenant);
            if let Some(s) = a.final_status {
                f.set("final_status", s);
            }
            for d in &a.diagnostics {
                f.set("diag", d);
            }
            if let Some(l) = &a.final_line {
                f.set("final_line", l);
            }
            for s in &a.schemes {
                f.set("scheme", s);
            }
            if let Some(s) = &a.server {
                f.set("registrar", s);
            }
            if let Some(s) = &a.server_header {
                f.set("server", s);
            }
            if let Some(d) = &sip_domain {
                f.set("sip_domain", d);
            }
            facts.push(f);
        }

        // Clock skew.
        let offset = self.utc_offset(tz_override);
        let skew = self.skew(offset, &mut facts, &mut notes);

        // DNS picture.
        self.dns_facts(&sip_domain, tenant == "online", &mut facts);
        self.intermittent_dns_facts(&attempts, &mut facts);

        // Trust of the registrar's domain.
        let before = facts.len();
        self.trust_facts(&sip_domain, &mut facts);
        for f in &mut facts[before..] {
            f.set("signed_in", any_success);
        }

        let last = attempts.last();
        let signin = Signin {
            attempts: attempts.len() as u32,
            last_outcome: match last.map(|a| a.outcome.as_str()) {
                Some("succeeded") => "succeeded",
                Some("failed") => "failed",
                // Retransmitted REGISTERs that never got an answer: the server was not reached.
                Some("no-response") if last.is_some_and(|a| a.requests > 1) => "failed",
                _ => "unknown",
            }
            .to_string(),
            last_attempt_at: last.and_then(|a| a.at),
            sip_uri,
            client_version: self.client_version.clone(),
            tenant: tenant.to_string(),
            registrar: last.and_then(|a| a.server.clone()),
            succeeded_at: if any_success { succeeded_at } else { None },
            timeline: attempts,
            computer_user: self.computer_user(),
        };
        (facts, signin, skew, notes)
    }

    fn skew(
        &self,
        offset: Option<(i32, &'static str)>,
        facts: &mut Vec<Fact>,
        notes: &mut Vec<String>,
    ) -> Option<SkewMeasure> {
        let mut best: Option<SkewMeasure> = None;
        if !self.dates.is_empty() {
            best = Some(pair_skew(
                &self.dates,
                offset,
                "sip-date-headers",
                "SIP Date header(s) against the log's local times",
                facts,
            ));
        }
        if !self.kdc.is_empty() {
            // The KDC's own clock, read from its error, is the reference a Kerberos ticket is
            // judged against: it outranks an estimate from SIP Date headers.
            let m = if self.kdc_utc {
                pair_skew(
                    &self.kdc,
                    Some((0, "--tz")),
                    "kerberos-server-time",
                    "Kerberos error(s) giving the domain controller's time",
                    facts,
                )
            } else {
                pair_skew(
                    &self.kdc,
                    offset,
                    "kerberos-server-time",
                    "Kerberos error(s) giving the domain controller's time, against the export's local times",
                    facts,
                )
            };
            if best.as_ref().is_none_or(|b| b.estimated && !m.estimated) {
                best = Some(m);
            }
        }
        if !self.w32tm.is_empty() {
            let mut offs: Vec<f64> = self.w32tm.iter().map(|(o, _, _)| *o).collect();
            offs.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
            let med = offs[offs.len() / 2];
            // w32tm prints how far the local clock is behind the reference; skew is the opposite.
            let skew = (-med).round() as i64;
            if skew.abs() > SKEW_TOLERANCE_SECS {
                let (_, reference, src) = &self.w32tm[self.w32tm.len() / 2];
                let headline = format!(
                    "w32tm measured the local clock {} {} ({} sample(s))",
                    describe_skew(skew),
                    reference.as_deref().unwrap_or("the time reference"),
                    offs.len()
                );
                let mut f = Fact::new("clock-skew", src.clone(), None, headline);
                f.set("skew_seconds", skew)
                    .set("abs_skew_seconds", skew.abs())
                    .set("method", "w32tm")
                    .set("estimated", false)
                    .set("samples", offs.len());
                facts.push(f);
            }
            if best.as_ref().is_none_or(|b| b.estimated) {
                best = Some(SkewMeasure {
                    skew_seconds: skew,
                    method: "w32tm".into(),
                    samples: offs.len(),
                    estimated: false,
                    utc_offset_minutes: None,
                });
            }
        }
        if let Some(b) = &best
            && b.estimated
            && b.skew_seconds.abs() > SKEW_TOLERANCE_SECS
        {
            notes.push(format!(
                "the local time zone is not known (no systeminfo, no --tz): the client clock was measured {} the server assuming the log is in {}; give --tz for an exact figure",
                describe_skew(b.skew_seconds),
                b.utc_offset_minutes.map(fmt_offset).unwrap_or_else(|| "UTC".into())
            ));
        }
        best
    }

    /// A sign-in name the client could not resolve both before and after it signed in, within
    /// the 72 hours DNS changes take to spread: some resolver it used had the record and some
    /// did not (a record missing everywhere fails every time). Without the resolvers' own
    /// answers this is a reading of the timeline, so it stands beside them, not for them.
    fn intermittent_dns_facts(&self, attempts: &[Attempt], facts: &mut Vec<Fact>) {
        const SPREAD_SECS: i64 = 72 * 3600;
        let successes: Vec<chrono::NaiveDateTime> = attempts
            .iter()
            .filter(|a| a.outcome == "succeeded")
            .filter_map(|a| a.when().map(|t| t.naive()))
            .collect();
        let mut names: Vec<&str> = Vec::new();
        for (_, _, n) in &self.unresolved {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
        for name in names {
            let times: Vec<(&Ts, &SourceLoc)> = self
                .unresolved
                .iter()
                .filter(|(_, _, n)| n == name)
                .map(|(t, s, _)| (t, s))
                .collect();
            let between = successes.iter().find(|&&ok| {
                let before = times
                    .iter()
                    .any(|(t, _)| t.naive() < ok && (ok - t.naive()).num_seconds() <= SPREAD_SECS);
                let after = times
                    .iter()
                    .any(|(t, _)| t.naive() > ok && (t.naive() - ok).num_seconds() <= SPREAD_SECS);
                before && after
            });
            let Some(&ok) = between else { continue };
            // The latest failure is the evidence line: it is the state the case ends in.
            let Some((last, src)) = times.iter().max_by_key(|(t, _)| t.naive()) else {
                continue;
            };
            let mut f = Fact::new(
                "dns-intermittent",
                (*src).clone(),
                Some(**last),
                format!(
                    "{name} did not resolve for the client before and after it signed in at {ok}: one resolver it used has the record, another not yet"
                ),
            );
            f.set("name", name).set("failures", times.len());
            facts.push(f);
        }
    }

    fn dns_facts(&self, _sip_domain: &Option<String>, online: bool, facts: &mut Vec<Fact>) {
        // Domains of interest: the SIP domain and any domain whose Lync records were queried.
        let client = self.client_dns.lookups();
        let mut by_name: BTreeMap<String, Vec<&(DnsLookup, SourceLoc)>> = BTreeMap::new();
        for d in self.dns.iter().chain(&client) {
            by_name.entry(d.0.query.clone()).or_default().push(d);
        }
        let online_domain = online
            || self.dns.iter().chain(&client).any(|(d, _)| {
                d.canonical.as_deref().is_some_and(is_online_host)
                    || d.srv.iter().any(|s| is_online_host(&s.target))
            });
        for (name, looks) in by_name {
            let Some((record, domain)) = lync_record(&name) else {
                continue;
            };
            let expected = if online_domain {
                expected_online(record)
            } else {
                None
            };
            let mut ok = Vec::new();
            let mut failed = Vec::new();
            let mut targets: Vec<String> = Vec::new();
            for (d, _) in &looks {
                let resolver = d
                    .resolver
                    .clone()
                    .or(d.resolver_addr.clone())
                    .unwrap_or_else(|| "default resolver".into());
                match d.outcome {
                    DnsOutcome::Answer => {
                        let t = answer_target(d);
                        ok.push(format!(
                            "{resolver} -> {}",
                            t.clone().unwrap_or_else(|| "answer".into())
                        ));
                        if let Some(t) = t
                            && !targets.contains(&t)
                        {
                            targets.push(t);
                        }
                    }
                    o => failed.push(format!("{resolver}: {}", o.as_str())),
                }
            }
            let all_timeouts = looks
                .iter()
                .all(|(d, _)| matches!(d.outcome, DnsOutcome::Timeout | DnsOutcome::NoResponse));
            let verdict = if ok.is_empty() {
                if all_timeouts {
                    "unreachable"
                } else {
                    "missing"
                }
            } else if !failed.is_empty() || targets.len() > 1 {
                "disagree"
            } else if let (Some(exp), Some(t)) = (expected, targets.first()) {
                if t.eq_ignore_ascii_case(exp) {
                    "ok"
                } else {
                    "wrong-target"
                }
            } else {
                "ok"
            };
            let Some(src) = looks
                .iter()
                .find(|(d, _)| d.outcome != DnsOutcome::Answer)
                .or(looks.first())
                .map(|(_, s)| s.clone())
            else {
                continue;
            };
            let mut headline = format!("{name} ({record} record): ");
            let mut parts = Vec::new();
            if !failed.is_empty() {
                parts.push(failed.join("; "));
            }
            if !ok.is_empty() {
                parts.push(ok.join("; "));
            }
            headline.push_str(&parts.join("; "));
            // What the record must be for Skype for Business Online; said even when the logs do not
            // show the tenant type, since these records are what a custom domain needs there.
            if let Some(e) = expected_online(record) {
                let shape = match record {
                    "_sip._tls" => "SRV 443 ->",
                    "_sipfederationtls._tcp" => "SRV 5061 ->",
                    _ => "CNAME",
                };
                let hedge = if expected.is_some() {
                    ""
                } else {
                    " (if this is an Office 365 custom domain)"
                };
                headline.push_str(&format!(
                    "; for Skype for Business Online it must be {shape} {e}{hedge}"
                ));
            }
            let mut f = Fact::new("dns-record", src, None, headline);
            f.set("name", &name)
                .set("record", record)
                .set("domain", &domain)
                .set("verdict", verdict)
                .set("resolvers_ok", ok.len())
                .set("resolvers_failed", failed.len())
                .set("online", online_domain);
            if let Some(e) = expected {
                f.set("expected", e);
            }
            for t in &targets {
                f.set("target", t);
            }
            facts.push(f);
        }
    }

    fn trust_facts(&self, sip_domain: &Option<String>, facts: &mut Vec<Fact>) {
        let Some(sd) = sip_domain else { return };
        let policy: Option<(Vec<String>, SourceLoc)> = self.trust_model.last().map(|(v, s)| {
            (
                v.split([',', ';', ' '])
                    .map(|x| x.trim().trim_start_matches('.').to_ascii_lowercase())
                    .filter(|x| !x.is_empty())
                    .collect(),
                s.clone(),
            )
        });
        let mut seen: Vec<String> = Vec::new();
        // How the client met each server: it authenticated to it (challenge), was sent to it
        // (redirect, SRV answer), or only read its name as where an error came from
        // (`ms-diagnostics` source), which may be a server behind the one the client talks to.
        let mut candidates: Vec<(String, SourceLoc, Option<Ts>, &str)> = Vec::new();
        for m in &self.registers {
            for h in &m.targetnames {
                candidates.push((h.clone(), m.source.clone(), m.ts, "challenge"));
            }
            if let Some(h) = &m.contact_host {
                candidates.push((h.clone(), m.source.clone(), m.ts, "redirect"));
            }
        }
        candidates.extend(
            self.srv_targets
                .iter()
                .map(|(h, s, t)| (h.clone(), s.clone(), *t, "srv")),
        );
        for m in &self.registers {
            if let Some(h) = &m.diag_source {
                candidates.push((h.clone(), m.source.clone(), m.ts, "diagnostics-source"));
            }
        }
        for (h, at, ts, via) in candidates {
            if !h.contains('.') || h.parse::<std::net::IpAddr>().is_ok() || seen.contains(&h) {
                continue;
            }
            seen.push(h.clone());
            let in_domain = |d: &str| h == d || h.ends_with(&format!(".{d}"));
            // A record of the SIP domain itself is not a server the client is sent to.
            if lync_record(&h).is_some_and(|(_, d)| &d == sd) {
                continue;
            }
            let trusted = in_domain(sd)
                || match &policy {
                    Some((list, _)) => list.iter().any(|d| in_domain(d)),
                    None => DEFAULT_TRUSTED.iter().any(|d| in_domain(d)),
                };
            if trusted {
                continue;
            }
            let server_domain = h
                .split_once('.')
                .map(|(_, d)| d.to_string())
                .unwrap_or(h.clone());
            let headline = match &policy {
                Some((list, _)) => format!(
                    "server {h} is outside the SIP domain {sd}, and TrustModelData ({}) does not list {server_domain}",
                    list.join(",")
                ),
                None => format!(
                    "server {h} is outside the SIP domain {sd} and not a Microsoft service domain the client trusts by default"
                ),
            };
            let src = policy.as_ref().map(|(_, s)| s.clone()).unwrap_or(at);
            let mut f = Fact::new("trust-check", src, ts, headline);
            f.set("server", &h)
                .set("via", via)
                .set("server_domain", &server_domain)
                .set("sip_domain", sd)
                .set("trusted", false)
                .set(
                    "policy",
                    if policy.is_some() {
                        "present"
                    } else {
                        "absent"
                    },
                );
            facts.push(f);
        }
    }
}

fn build_attempt(g: &[&RegMsg]) -> Attempt {
    let requests = g.iter().filter(|m| m.request).count() as u32;
    let credentialed = g.iter().filter(|m| m.request && m.credentials).count() as u32;
    let challenges = g
        .iter()
        .filter(|m| matches!(m.status, Some(401) | Some(407)))
        .count() as u32;
    let mut schemes: Vec<String> = Vec::new();
    for m in g {
        for s in &m.schemes {
            if !schemes.contains(s) {
                schemes.push(s.clone());
            }
        }
    }
    // The client's own report of a failed request (Lync event 11): no handshake is in progress.
    let reported = !g.is_empty() && g.iter().all(|m| m.from_event);
    let responses: Vec<&&RegMsg> = g.iter().filter(|m| m.status.is_some()).collect();
    let success = responses.iter().find(|m| m.status == Some(200));
    let last = responses.last();
    let mut rejected = false;
    let outcome = if success.is_some() {
        "succeeded"
    } else if let Some(l) = last {
        match l.status {
            Some(s) if (300..400).contains(&s) => "redirected",
            Some(401) | Some(407) => {
                let last_is_final = g.last().is_some_and(|m| !m.request);
                // A handshake answers one or two credentialed requests with the next challenge;
                // three or more challenges after credentials were sent is a cycle that failed.
                let first_cred = g.iter().position(|m| m.request && m.credentials);
                let cycles = first_cred
                    .map(|i| {
                        g[i..]
                            .iter()
                            .filter(|m| matches!(m.status, Some(401) | Some(407)))
                            .count()
                    })
                    .unwrap_or(0);
                if reported {
                    rejected = true;
                    "failed"
                } else if l.continuation && last_is_final && cycles < 3 {
                    "incomplete"
                } else if credentialed == 0 {
                    "challenged"
                } else {
                    rejected = true;
                    "failed"
                }
            }
            Some(s) if s >= 400 => {
                rejected = s == 403;
                "failed"
            }
            _ => "incomplete",
        }
    } else {
        "no-response"
    };
    let fin = success.or(last).copied();
    let first = g.first();
    let server = g
        .iter()
        .rev()
        .find_map(|m| m.contact_host.clone())
        .or_else(|| g.iter().rev().find_map(|m| m.targetnames.first().cloned()))
        .or_else(|| g.iter().rev().find_map(|m| m.diag_source.clone()))
        .or_else(|| first.and_then(|m| m.request_host.clone()));
    let mut diagnostics: Vec<u32> = Vec::new();
    if let Some(f) = fin {
        diagnostics.extend(&f.diags);
    }
    Attempt {
        at: first.and_then(|m| m.ts),
        outcome: outcome.to_string(),
        final_status: fin.and_then(|m| m.status),
        final_line: fin.map(|m| match &m.diag_text {
            Some(d) => format!("{} ({d})", m.start_line),
            None => m.start_line.clone(),
        }),
        diagnostics,
        requests,
        credentialed,
        challenges,
        schemes,
        server,
        source: fin
            .map(|m| m.source.clone())
            .or_else(|| first.map(|m| m.source.clone())),
        final_ts: fin.and_then(|m| m.ts),
        rejected,
        user: g.iter().find_map(|m| m.user.clone()),
        server_header: g.iter().rev().find_map(|m| m.server.clone()),
        client_event: reported,
    }
}

/// Which Lync/SfB DNS record a name is, and its domain.
pub fn lync_record(name: &str) -> Option<(&'static str, String)> {
    const PREFIXES: &[&str] = &[
        "_sipinternaltls._tcp.",
        "_sipinternal._tcp.",
        "_sipfederationtls._tcp.",
        "_sip._tls.",
        "lyncdiscoverinternal.",
        "lyncdiscover.",
        "sipinternal.",
        "sipexternal.",
        "sip.",
        "msoid.",
    ];
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    for p in PREFIXES {
        if let Some(d) = n.strip_prefix(p)
            && d.contains('.')
        {
            return Some((p.trim_end_matches('.'), d.to_string()));
        }
    }
    None
}

fn expected_online(record: &str) -> Option<&'static str> {
    match record {
        "sip" | "_sip._tls" => Some("sipdir.online.lync.com"),
        "lyncdiscover" => Some("webdir.online.lync.com"),
        "_sipfederationtls._tcp" => Some("sipfed.online.lync.com"),
        "msoid" => Some("clientconfig.microsoftonline-p.net"),
        _ => None,
    }
}

fn answer_target(d: &DnsLookup) -> Option<String> {
    if let Some(s) = d.srv.first() {
        return Some(s.target.trim_end_matches('.').to_ascii_lowercase());
    }
    match &d.canonical {
        Some(c) if !c.eq_ignore_ascii_case(&d.query) => {
            Some(c.trim_end_matches('.').to_ascii_lowercase())
        }
        _ => d.addresses.first().cloned(),
    }
}

/// Real UTC offsets in minutes: whole hours and the few half- and three-quarter-hour zones.
const ZONES: &[i64] = &[
    -720, -660, -600, -570, -540, -480, -420, -360, -300, -240, -210, -180, -120, -60, 0, 60, 120,
    180, 210, 240, 270, 300, 330, 345, 360, 390, 420, 480, 525, 540, 570, 600, 630, 660, 720, 765,
    780, 825, 840,
];

/// The real time-zone offset (minutes) closest to a local-minus-GMT difference in seconds.
/// Skew from (client time, server UTC time) pairs: the median difference, less the client's UTC
/// offset (`--tz`, systeminfo with daylight saving time considered, or else the nearest real time
/// zone, which makes the figure an estimate). Adds a `clock-skew` fact beyond the tolerance.
fn pair_skew(
    pairs: &[(NaiveDateTime, NaiveDateTime, SourceLoc)],
    offset: Option<(i32, &'static str)>,
    method: &str,
    what: &str,
    facts: &mut Vec<Fact>,
) -> SkewMeasure {
    let mut deltas: Vec<i64> = pairs
        .iter()
        .map(|(l, g, _)| (*l - *g).num_seconds())
        .collect();
    deltas.sort_unstable();
    let median = deltas[deltas.len() / 2];
    let (skew, estimated, used) = match offset {
        Some((o, "--tz")) => (median - o as i64 * 60, false, Some(o)),
        Some((o, _)) => {
            // systeminfo gives the standard offset; daylight saving time may add an hour.
            let a = median - o as i64 * 60;
            let b = median - (o as i64 + 60) * 60;
            if b.abs() < a.abs() {
                (b, false, Some(o + 60))
            } else {
                (a, false, Some(o))
            }
        }
        None => {
            let z = nearest_zone(median);
            (median - z * 60, true, Some(z as i32))
        }
    };
    if skew.abs() > SKEW_TOLERANCE_SECS {
        let src = pairs
            .iter()
            .min_by_key(|(l, g, _)| ((*l - *g).num_seconds() - median).abs())
            .map(|(_, _, s)| s.clone())
            .unwrap_or_else(|| crate::engine::case_source("case"));
        let headline = format!(
            "client clock {} the server (from {} {what}{})",
            describe_skew(skew),
            deltas.len(),
            match (estimated, used) {
                (true, Some(z)) => format!(
                    "; local time zone not known, taken as {} — an estimate",
                    fmt_offset(z)
                ),
                (false, Some(0)) if method == "kerberos-server-time" => String::new(),
                (false, Some(z)) => format!("; local time is {}", fmt_offset(z)),
                _ => String::new(),
            }
        );
        let mut f = Fact::new("clock-skew", src, None, headline);
        f.set("skew_seconds", skew)
            .set("abs_skew_seconds", skew.abs())
            .set("method", method)
            .set("estimated", estimated)
            .set("samples", deltas.len());
        facts.push(f);
    }
    SkewMeasure {
        skew_seconds: skew,
        method: method.into(),
        samples: deltas.len(),
        estimated,
        utc_offset_minutes: used,
    }
}

/// A Kerberos error event's client time and the KDC's `Server Time` (UTC), and whether the client
/// time is UTC. The client time is the event's `Client Time` when the KDC filled it in, else when
/// the event was logged, by the client's own clock.
fn kerberos_times(
    e: &crate::model::WinEvent,
    ts: Option<Ts>,
) -> Option<(NaiveDateTime, NaiveDateTime, bool)> {
    if !e.provider.to_ascii_lowercase().contains("kerberos") {
        return None;
    }
    let field = |data: &str, label: &str| -> Option<String> {
        e.data(data)
            .map(str::to_string)
            .or_else(|| {
                e.message.as_deref()?.lines().find_map(|l| {
                    let l = l.trim_start();
                    l.get(..label.len())
                        .filter(|p| p.eq_ignore_ascii_case(label))
                        .map(|_| l[label.len()..].trim().to_string())
                })
            })
            .filter(|v| !v.is_empty())
    };
    let server = kerberos_time(&field("ServerTime", "Server Time:")?)?;
    if let Some(c) = field("ClientTime", "Client Time:").and_then(|v| kerberos_time(&v)) {
        return Some((c, server, true));
    }
    match ts? {
        Ts::Utc(t) => Some((t, server, true)),
        Ts::Local(t) => Some((t, server, false)),
    }
}

/// `12:52:31.0000 10/14/2016 Z` as the Kerberos client prints it, or ISO 8601.
fn kerberos_time(v: &str) -> Option<NaiveDateTime> {
    let v: String = v
        .chars()
        .filter(|c| !matches!(c, '\u{200e}' | '\u{200f}'))
        .collect();
    let v = v.trim().trim_end_matches('Z').trim();
    [
        "%H:%M:%S%.f %m/%d/%Y",
        "%H:%M:%S %m/%d/%Y",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
}

pub fn nearest_zone(delta_secs: i64) -> i64 {
    let mins = delta_secs as f64 / 60.0;
    *ZONES
        .iter()
        .min_by(|a, b| {
            ((**a as f64) - mins)
                .abs()
                .partial_cmp(&((**b as f64) - mins).abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .unwrap_or(&0)
}

pub fn fmt_offset(mins: i32) -> String {
    let sign = if mins < 0 { '-' } else { '+' };
    let m = mins.abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// "17 min 40 s ahead of" / "2 h 3 min behind".
pub fn describe_skew(skew: i64) -> String {
    let a = skew.abs();
    let (h, m, s) = (a / 3600, (a % 3600) / 60, a % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    format!(
        "{} {}",
        parts.join(" "),
        if skew >= 0 { "ahead of" } else { "behind" }
    )
}

/// Local-time evidence becomes UTC once the case's offset is known.
pub fn to_utc(ts: Option<Ts>, offset: Option<i32>) -> Option<Ts> {
    match (ts, offset) {
        (Some(t), Some(o)) => Some(t.with_offset_minutes(o)),
        (t, _) => t,
    }
}

/// A logon audit's logon type, from its data or its message's `Logon Type:` line.
fn logon_type(e: &crate::model::WinEvent) -> Option<u32> {
    if let Some(v) = e.data("LogonType") {
        return v.trim().parse().ok();
    }
    e.message.as_deref()?.lines().find_map(|l| {
        l.trim_start()
            .strip_prefix("Logon Type:")
            .and_then(|v| v.trim().parse().ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(user: &str, day: u32, hour: u32, outcome: &str) -> Attempt {
        let at = chrono::NaiveDate::from_ymd_opt(2025, 6, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .map(Ts::Utc);
        let mut a = signed_in_attempt(&Activity {
            ts: at.expect("time"),
            source: crate::engine::case_source("case"),
            line: String::new(),
            user: Some(user.to_string()),
        });
        a.outcome = outcome.to_string();
        a
    }

    /// A second person on a shared computer fails day after day while the first signs in; one
    /// person who mistyped the address fails once, then signs in with the right one.
    #[test]
    fn the_user_who_keeps_failing_beside_one_who_signs_in() {
        let shared = [
            attempt("sip:a@x.com", 10, 8, "succeeded"),
            attempt("sip:b@x.com", 10, 9, "failed"),
            attempt("sip:b@x.com", 10, 13, "failed"),
            attempt("sip:b@x.com", 11, 9, "failed"),
            attempt("sip:a@x.com", 11, 10, "succeeded"),
        ];
        assert_eq!(
            failing_user_among_others(&shared).as_deref(),
            Some("sip:b@x.com")
        );
        let typo = [
            attempt("sip:bob@x.con", 10, 9, "failed"),
            attempt("sip:bob@x.con", 10, 9, "failed"),
            attempt("sip:bob@x.com", 10, 10, "succeeded"),
        ];
        assert_eq!(failing_user_among_others(&typo), None);
        // The one who failed signed in in the end: nobody is left failing.
        let mut over = shared.to_vec();
        over.push(attempt("sip:b@x.com", 11, 12, "succeeded"));
        assert_eq!(failing_user_among_others(&over), None);
    }

    #[test]
    fn anchored_search_finds_what_lower_casing_would() {
        let hays = [
            "NTLM qop=\"auth\", gssapi-data=\"TlRMTVNTUAAC\"",
            "Kerberos GSSAPI-DATA=\"x\"",
            "gssapi-data",
            "gssapi_data=1, ggggssapi-dat",
            "-data gssapi",
            "<sip:a@b>;EXPIRES=0;q=1",
            "<sip:a@b>;expires=00",
            "expires=0",
            "xpires=0",
            "",
            "é gssapi-dátà gssapi-data",
        ];
        for h in hays {
            for (needle, anchor) in [("gssapi-data", 6), ("expires=0", 7)] {
                assert_eq!(
                    contains_ci_at(h, needle, anchor),
                    h.to_ascii_lowercase().contains(needle),
                    "{needle} in {h:?}"
                );
            }
        }
    }

    #[test]
    fn usual_date_headers_read_as_the_general_reader_does() {
        for v in [
            "Thu, 26 Nov 2026 08:17:21 GMT",
            "Sat, 29 Feb 2020 23:59:59 GMT",
            "Fri, 29 Feb 2020 23:59:59 GMT",
            "Thu, 31 Nov 2026 08:17:21 GMT",
            "Thu, 26 Nov 2026 24:00:00 GMT",
            "Thu, 26 Nov 2026 08:60:00 GMT",
            "Thu, 26 Nov 2026 08:17:60 GMT",
            "Thu, 26 Foo 2026 08:17:21 GMT",
            "thu, 26 nov 2026 08:17:21 GMT",
            "Thu, 26 Nov 2026 08:17:21 +0100",
            "Thu, 6 Nov 2026 08:17:21 GMT",
            "Thu, 0x Nov 2026 08:17:21 GMT",
            "Mon, 01 Jan 0001 00:00:00 GMT",
        ] {
            if let Some(d) = date_header_usual(v) {
                assert_eq!(Some(d), date_header_general(v), "{v}");
            }
        }
        assert!(date_header_usual("Thu, 26 Nov 2026 08:17:21 GMT").is_some());
        assert_eq!(
            date_header("Sat, 29 Feb 2020 23:59:59 GMT"),
            date_header_general("Sat, 29 Feb 2020 23:59:59 GMT")
        );
    }

    #[test]
    fn zones_and_skew_words() {
        assert_eq!(nearest_zone(3600 + 17 * 60 + 40), 60);
        assert_eq!(nearest_zone(5 * 3600 + 31 * 60), 330);
        assert_eq!(nearest_zone(-8 * 3600 - 20), -480);
        assert_eq!(describe_skew(17 * 60 + 40), "17 min 40 s ahead of");
        assert_eq!(describe_skew(-3700), "1 h 1 min 40 s behind");
        assert_eq!(fmt_offset(-480), "UTC-08:00");
        assert_eq!(fmt_offset(330), "UTC+05:30");
    }

    #[test]
    fn lync_records() {
        assert_eq!(
            lync_record("_sip._tls.contoso.com"),
            Some(("_sip._tls", "contoso.com".into()))
        );
        assert_eq!(
            lync_record("lyncdiscover.contoso.com."),
            Some(("lyncdiscover", "contoso.com".into()))
        );
        assert_eq!(lync_record("www.contoso.com"), None);
    }

    #[test]
    fn params_from_auth_headers() {
        let v = r#"NTLM realm="SIP Communications Service", targetname="pool01.contoso.com", version=4"#;
        assert_eq!(
            param(v, "targetname").as_deref(),
            Some("pool01.contoso.com")
        );
        assert_eq!(param(v, "version").as_deref(), Some("4"));
        assert_eq!(param(v, "name"), None);
    }
}

#[cfg(test)]
mod fact_tests {
    use super::*;
    use crate::model::{Body, DnsLookup, DnsOutcome, Record, RegValue, SourceLoc, SrvTarget};
    use std::sync::Arc;

    fn src(n: u64) -> SourceLoc {
        SourceLoc::line(&Arc::from("case!nslookup.txt"), n)
    }

    fn lookup(q: &str, resolver: &str, outcome: DnsOutcome, canonical: Option<&str>) -> Record {
        Record {
            source: src(1),
            ts: None,
            body: Body::Dns(Box::new(DnsLookup {
                query: q.into(),
                qtype: None,
                resolver: Some(resolver.into()),
                resolver_addr: None,
                outcome,
                canonical: canonical.map(str::to_string),
                addresses: vec!["52.112.0.1".into()],
                aliases: vec![q.into()],
                srv: vec![],
            })),
        }
    }

    fn verdicts(c: &FactsCollector) -> Vec<(String, String)> {
        let (facts, ..) = c.finish(None);
        facts
            .iter()
            .filter(|f| f.kind == "dns-record")
            .map(|f| {
                (
                    f.get("name").unwrap_or("").to_string(),
                    f.get("verdict").unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// What a client's event 11 reports, as the case reads it: the response, with the request's
    /// CSeq, Call-ID and From carried over.
    fn event_11(c: &mut FactsCollector, minute: u32, cseq: &str, call_id: &str, status: &str) {
        // A REGISTER is addressed to its sender; anything else here, to a contact.
        let to = if cseq.ends_with("REGISTER") {
            "kim.ahn"
        } else {
            "lee"
        };
        let text = format!(
            "SIP/2.0 {status}\r\nFrom: <sip:kim.ahn@contoso.com>;tag=1\r\nTo: <sip:{to}@contoso.com>\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\n\r\n"
        );
        let m = crate::parse::sip::parse_message_text(&text).expect("a SIP response");
        let ts = chrono::NaiveDate::from_ymd_opt(2026, 11, 3)
            .and_then(|d| d.and_hms_opt(9, minute, 0))
            .expect("a time");
        c.observe_from_event(
            &Record {
                source: SourceLoc::line(&Arc::from("case!Application.csv"), u64::from(minute)),
                ts: Some(Ts::Utc(ts)),
                body: Body::Sip(Box::new(m)),
            },
            false,
        );
    }

    #[test]
    fn a_request_only_a_signed_in_client_makes_shows_the_sign_in_worked() {
        // Two REGISTERs refused, then a presence subscription answered 480: the client got in.
        let mut c = FactsCollector::new();
        event_11(&mut c, 1, "1 REGISTER", "a", "401 Unauthorized");
        event_11(&mut c, 2, "2 REGISTER", "b", "401 Unauthorized");
        event_11(&mut c, 5, "1 SUBSCRIBE", "c", "480 Temporarily Unavailable");
        let (_, signin, ..) = c.finish(None);
        assert_eq!(signin.last_outcome, "succeeded");
        assert_eq!(signin.attempts, 3);
        assert_eq!(signin.sip_uri.as_deref(), Some("sip:kim.ahn@contoso.com"));
        let last = signin.timeline.last().expect("an attempt");
        assert!(
            last.final_line
                .as_deref()
                .unwrap_or("")
                .contains("SUBSCRIBE"),
            "{last:?}"
        );

        // The same subscription before the refusals: signed in once, failing now.
        let mut c = FactsCollector::new();
        event_11(&mut c, 1, "1 SUBSCRIBE", "c", "480 Temporarily Unavailable");
        event_11(&mut c, 4, "1 REGISTER", "a", "401 Unauthorized");
        let (_, signin, ..) = c.finish(None);
        assert_eq!(signin.last_outcome, "failed");
        assert!(signin.succeeded_at.is_some());

        // A challenged request proves nothing, and neither does a REGISTER's own failure.
        let mut c = FactsCollector::new();
        event_11(&mut c, 1, "1 REGISTER", "a", "401 Unauthorized");
        event_11(&mut c, 3, "1 SERVICE", "d", "401 Unauthorized");
        let (_, signin, ..) = c.finish(None);
        assert_eq!(signin.last_outcome, "failed");
        assert_eq!(signin.succeeded_at, None);
    }

    #[test]
    fn resolvers_that_disagree() {
        let mut c = FactsCollector::new();
        c.observe(&lookup(
            "sip.contoso.com",
            "dc01.contoso.local",
            DnsOutcome::NxDomain,
            None,
        ));
        c.observe(&lookup(
            "sip.contoso.com",
            "dns.google",
            DnsOutcome::Answer,
            Some("sipdir.online.lync.com"),
        ));
        assert_eq!(
            verdicts(&c),
            [("sip.contoso.com".to_string(), "disagree".to_string())]
        );
    }

    #[test]
    fn missing_everywhere_and_wrong_target() {
        let mut c = FactsCollector::new();
        c.observe(&lookup(
            "sip.contoso.com",
            "dc01",
            DnsOutcome::NxDomain,
            None,
        ));
        c.observe(&lookup(
            "sip.contoso.com",
            "dns.google",
            DnsOutcome::NxDomain,
            None,
        ));
        // The domain is Online: lyncdiscover points at Office 365, but to the wrong name.
        c.observe(&lookup(
            "lyncdiscover.contoso.com",
            "dc01",
            DnsOutcome::Answer,
            Some("sipdir.online.lync.com"),
        ));
        let v = verdicts(&c);
        assert!(
            v.contains(&("sip.contoso.com".into(), "missing".into())),
            "{v:?}"
        );
        assert!(
            v.contains(&("lyncdiscover.contoso.com".into(), "wrong-target".into())),
            "{v:?}"
        );
    }

    #[test]
    fn srv_to_the_right_target_is_ok() {
        let mut c = FactsCollector::new();
        let mut r = lookup("_sip._tls.contoso.com", "dc01", DnsOutcome::Answer, None);
        if let Body::Dns(d) = &mut r.body {
            d.srv.push(SrvTarget {
                priority: 100,
                weight: 1,
                port: 443,
                target: "sipdir.online.lync.com".into(),
            });
        }
        c.observe(&r);
        assert_eq!(
            verdicts(&c),
            [("_sip._tls.contoso.com".to_string(), "ok".to_string())]
        );
    }

    fn register_401(target: &str) -> Record {
        let m = crate::parse::sip::parse_message_text(&format!(
            "SIP/2.0 401 Unauthorized\nTo: <sip:alice@contoso.com>;tag=1\nCall-ID: x\nCSeq: 1 REGISTER\nWWW-Authenticate: NTLM realm=\"SIP Communications Service\", targetname=\"{target}\", version=4\n"
        ))
        .expect("sip");
        Record {
            source: src(5),
            ts: None,
            body: Body::Sip(Box::new(m)),
        }
    }

    #[test]
    fn a_log_too_long_to_keep_keeps_its_newest_attempts() {
        let msg = |text: String| Record {
            source: src(1),
            ts: None,
            body: Body::Sip(Box::new(
                crate::parse::sip::parse_message_text(&text).expect("sip"),
            )),
        };
        let head = |call: usize, cseq: u32| {
            format!(
                "From: <sip:alice@contoso.com>;tag=1\nTo: <sip:alice@contoso.com>\nCall-ID: c{call}\nCSeq: {cseq} REGISTER\n"
            )
        };
        let attempt = |call: usize, last: &str| {
            [
                format!("REGISTER sip:contoso.com SIP/2.0\n{}", head(call, 1)),
                format!(
                    "SIP/2.0 401 Unauthorized\n{}WWW-Authenticate: NTLM realm=\"SIP Communications Service\", targetname=\"pool.contoso.com\", version=4\n",
                    head(call, 1)
                ),
                format!(
                    "REGISTER sip:contoso.com SIP/2.0\n{}Authorization: NTLM qop=\"auth\", opaque=\"1\"\n",
                    head(call, 2)
                ),
                format!("{last}\n{}", head(call, 2)),
            ]
        };
        let mut c = FactsCollector::new();
        c.register_cap = Some(40);
        // Thirty healthy sign-ins, then the failure the user is calling about.
        for call in 0..30 {
            for m in attempt(call, "SIP/2.0 200 OK") {
                c.observe(&msg(m));
            }
        }
        for m in attempt(30, "SIP/2.0 403 Forbidden") {
            c.observe(&msg(m));
        }
        assert!(c.registers.len() <= 40);
        let (facts, signin, _, notes) = c.finish(None);
        let attempts: Vec<&Fact> = facts
            .iter()
            .filter(|f| f.kind == "signin-attempt")
            .collect();
        let last = attempts.last().expect("attempts");
        assert_eq!(last.get("last"), Some("true"));
        assert_eq!(last.get("outcome"), Some("failed"), "{:?}", last);
        assert_eq!(last.get("final_status"), Some("403"));
        // Whole transactions were let go: every attempt kept begins with its first request.
        assert!(attempts.iter().all(|f| f.get("requests") == Some("2")));
        assert!(attempts.len() < 31);
        assert!(
            notes.iter().any(|n| n.contains("oldest message(s)")),
            "{notes:?}"
        );
        assert_eq!(signin.last_outcome, "failed");
    }

    #[test]
    fn trust_of_the_registrar_domain() {
        let policy = |v: &str| Record {
            source: src(3),
            ts: None,
            body: Body::Registry(Box::new(RegValue {
                key: "HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Communicator".into(),
                name: "TrustModelData".into(),
                value: v.into(),
                kind: "string".into(),
            })),
        };
        let trust = |recs: &[Record]| {
            let mut c = FactsCollector::new();
            for r in recs {
                c.observe(r);
            }
            let (facts, ..) = c.finish(None);
            facts
                .iter()
                .filter(|f| f.kind == "trust-check")
                .map(|f| f.get("policy").unwrap_or("").to_string())
                .collect::<Vec<_>>()
        };
        assert!(
            trust(&[register_401("pool01.contoso.com")]).is_empty(),
            "inside the SIP domain"
        );
        assert!(
            trust(&[register_401("DM2A12FES01.infra.lync.com")]).is_empty(),
            "Microsoft's own domain"
        );
        assert_eq!(
            trust(&[register_401("lyncpool.contoso-hosting.net")]),
            ["absent"]
        );
        assert_eq!(
            trust(&[
                policy("contoso.com,fabrikam.com"),
                register_401("lyncpool.contoso-hosting.net")
            ]),
            ["present"]
        );
        assert!(
            trust(&[
                policy("contoso.com,contoso-hosting.net"),
                register_401("lyncpool.contoso-hosting.net")
            ])
            .is_empty()
        );
        // A policy replaces the default list: Online pools now prompt too.
        assert_eq!(
            trust(&[
                policy("contoso.com"),
                register_401("DM2A12FES01.infra.lync.com")
            ]),
            ["present"]
        );
    }

    /// With no SIP address, the user is whoever logs on at the computer itself: not a printer
    /// failing over the network, and nobody on a domain controller, where those are admins.
    #[test]
    fn the_computer_user_is_who_logs_on_at_it() {
        let logon = |id: u32, account: &str, logon_type: u32| Record {
            source: src(4),
            ts: None,
            body: Body::Event(Box::new(crate::model::WinEvent {
                provider: "Microsoft-Windows-Security-Auditing".into(),
                event_id: id,
                message: Some(format!(
                    "An account was successfully logged on.\n\nSubject:\n\tAccount Name:\t\t-\n\nLogon Information:\n\tLogon Type:\t\t{logon_type}\n\nNew Logon:\n\tAccount Name:\t\t{account}\n"
                )),
                ..Default::default()
            })),
        };
        let mut c = FactsCollector::default();
        for r in [
            logon(4624, "jiho.park", 7),
            logon(4624, "jiho.park", 2),
            logon(4624, "scanner", 3),
            logon(4624, "scanner", 3),
            logon(4624, "scanner", 3),
            logon(4624, "PC-077$", 2),
        ] {
            c.observe(&r);
        }
        assert_eq!(c.computer_user().as_deref(), Some("jiho.park"));
        c.observe(&logon(4771, "anyone", 0));
        assert_eq!(c.computer_user(), None, "a domain controller's log");
    }

    #[test]
    fn skew_from_the_kdc_time_in_a_kerberos_error() {
        let kerberos = |ts: Ts, server: &str| Record {
            source: src(3),
            ts: Some(ts),
            body: Body::Event(Box::new(crate::model::WinEvent {
                provider: "Microsoft-Windows-Security-Kerberos".into(),
                event_id: 3,
                message: Some(format!(
                    "A Kerberos error message was received:\n on logon session CONTOSO\\jdoe\n Client Time: \n Server Time: {server}\n Error Code: 0x25 KRB_AP_ERR_SKEW\n"
                )),
                ..Default::default()
            })),
        };
        let at = |h, m, s| {
            chrono::NaiveDate::from_ymd_opt(2016, 10, 14)
                .and_then(|d| d.and_hms_opt(h, m, s))
                .expect("date")
        };
        // EVTX/XML: the event time is UTC, so the figure is exact whatever the zone.
        let mut c = FactsCollector::new();
        c.observe(&kerberos(
            Ts::Utc(at(12, 34, 12)),
            "12:52:31.0000 10/14/2016 Z",
        ));
        let (facts, _, skew, _) = c.finish(None);
        let s = skew.expect("measured");
        assert_eq!((s.skew_seconds, s.estimated), (-(18 * 60 + 19), false));
        assert_eq!(s.method, "kerberos-server-time");
        assert!(facts.iter().any(|f| f.kind == "clock-skew"));
        // The client prints single-digit fields as they come.
        assert_eq!(
            kerberos_time("8:33:2.0000 11/24/2026 Z"),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 24).and_then(|d| d.and_hms_opt(8, 33, 2))
        );
        // A text export's local time, zone known from --tz (UTC-04:00).
        let mut c = FactsCollector::new();
        c.observe(&kerberos(
            Ts::Local(at(8, 34, 12)),
            "12:52:31.0000 10/14/2016 Z",
        ));
        let (_, _, skew, _) = c.finish(Some(-240));
        assert_eq!(skew.expect("measured").skew_seconds, -(18 * 60 + 19));
        // Other Kerberos events, without a server time, measure nothing.
        let mut c = FactsCollector::new();
        let mut r = kerberos(Ts::Utc(at(12, 34, 12)), "");
        if let Body::Event(e) = &mut r.body {
            e.message = Some("The Kerberos client received a KRB_AP_ERR_MODIFIED error.".into());
        }
        c.observe(&r);
        assert!(c.finish(None).2.is_none());
    }

    #[test]
    fn skew_from_date_headers_with_known_zone() {
        let mut c = FactsCollector::new();
        let m = crate::parse::sip::parse_message_text(
            "SIP/2.0 200 OK\nDate: Tue, 24 Nov 2026 08:00:00 GMT\nCSeq: 5 SUBSCRIBE\n",
        )
        .expect("sip");
        let local = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
            .and_then(|d| d.and_hms_opt(9, 17, 40))
            .expect("date");
        c.observe(&Record {
            source: src(9),
            ts: Some(Ts::Local(local)),
            body: Body::Sip(Box::new(m)),
        });
        let (facts, _, skew, notes) = c.finish(Some(60));
        let s = skew.expect("measured");
        assert_eq!(s.skew_seconds, 17 * 60 + 40);
        assert!(!s.estimated);
        assert!(notes.is_empty());
        let f = facts.iter().find(|f| f.kind == "clock-skew").expect("fact");
        assert!(
            f.headline.contains("17 min 40 s ahead of"),
            "{}",
            f.headline
        );
        // Without the zone the same case is an estimate taken against UTC+01:00.
        let (_, _, skew, notes) = {
            let mut c2 = FactsCollector::new();
            let m = crate::parse::sip::parse_message_text(
                "SIP/2.0 200 OK\nDate: Tue, 24 Nov 2026 08:00:00 GMT\nCSeq: 5 SUBSCRIBE\n",
            )
            .expect("sip");
            c2.observe(&Record {
                source: src(9),
                ts: Some(Ts::Local(local)),
                body: Body::Sip(Box::new(m)),
            });
            c2.finish(None)
        };
        let s = skew.expect("measured");
        assert!(s.estimated);
        assert_eq!(s.skew_seconds, 17 * 60 + 40);
        assert!(notes[0].contains("estimate") || notes[0].contains("not known"));
    }

    #[test]
    fn a_long_log_measures_the_clock_from_its_newest_date_headers() {
        let mut c = FactsCollector::new();
        c.date_cap = Some(8);
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        // Twenty answers with the clock right, then ten after it went 20 minutes fast.
        for i in 0..30u32 {
            let gmt = day.and_hms_opt(8, i, 0).expect("time");
            let ahead = if i < 20 { 0 } else { 20 * 60 };
            let local = gmt + chrono::Duration::seconds(3600 + ahead);
            let m = crate::parse::sip::parse_message_text(&format!(
                "SIP/2.0 200 OK\nDate: {}\nCSeq: {i} SUBSCRIBE\n",
                gmt.format("%a, %d %b %Y %H:%M:%S GMT")
            ))
            .expect("sip");
            c.observe(&Record {
                source: src(u64::from(i)),
                ts: Some(Ts::Local(local)),
                body: Body::Sip(Box::new(m)),
            });
        }
        assert!(c.dates.len() <= 8);
        let (_, _, skew, _) = c.finish(Some(60));
        assert_eq!(skew.expect("measured").skew_seconds, 20 * 60);
    }
}
