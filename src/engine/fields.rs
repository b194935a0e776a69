//! The field names rules use, per record kind, and how each is read from a record.

use std::borrow::Cow;

use crate::model::{Body, FieldVal, Record, SourceLoc, StartLine, Subject, Ts};
use crate::parse::sip;

/// Record kinds and the fields a rule may name for each. Fields ending in `:` take a suffix
/// (`header:User-Agent`, `data:Status`). `text` is valid everywhere.
pub const KINDS: &[(&str, &[&str])] = &[
    (
        "sip",
        &[
            "direction",
            "method",
            "request_method",
            "is_request",
            "is_response",
            "status",
            "reason",
            "request_uri",
            "call_id",
            "cseq",
            "from",
            "to",
            "from_uri",
            "to_uri",
            "user_agent",
            "server",
            "peer",
            "peer_host",
            "ms_diag",
            "ms_diag_reason",
            "ms_diag_source",
            "www_authenticate",
            "auth_scheme",
            "authorization",
            "has_credentials",
            "content_type",
            "start_line",
            "header:",
        ],
    ),
    ("line", &["level"]),
    (
        "event",
        &[
            "provider",
            "channel",
            "event_id",
            "level",
            "computer",
            "record_id",
            "message",
            "keywords",
            "data",
            "data:",
            "time_change_seconds",
            "account",
        ],
    ),
    (
        "dns",
        &[
            "query",
            "qtype",
            "resolver",
            "resolver_addr",
            "outcome",
            "canonical",
            "address",
            "alias",
            "srv_target",
            "srv_port",
        ],
    ),
    ("ipconfig", &["host_name", "dns_suffix", "dns_server"]),
    ("registry", &["key", "name", "value", "type"]),
    (
        "timesync",
        &[
            "source",
            "leap",
            "last_sync",
            "offset_seconds",
            "abs_offset_seconds",
            "reference",
        ],
    ),
    ("proxy", &["direct", "server", "bypass"]),
    (
        "systeminfo",
        &[
            "host_name",
            "os_name",
            "time_zone",
            "utc_offset_minutes",
            "domain",
        ],
    ),
    (
        "cert",
        &[
            "subject",
            "issuer",
            "not_before",
            "not_after",
            "thumbprint",
            "note",
        ],
    ),
    ("dir", &["parent", "name", "is_dir"]),
    ("hosts", &["address", "name"]),
];

/// Is `field` valid for `kind`? Fact kinds (defined by `facts`) accept any field name.
pub fn field_known(kind: &str, field: &str) -> bool {
    if field == "text" {
        return true;
    }
    match KINDS.iter().find(|(k, _)| *k == kind) {
        None => true,
        Some((_, fields)) => fields.iter().any(|f| {
            *f == field || (f.ends_with(':') && field.starts_with(f) && field.len() > f.len())
        }),
    }
}

pub fn kind_of(body: &Body) -> &'static str {
    match body {
        Body::Sip(_) => "sip",
        Body::Line(_) => "line",
        Body::Event(_) => "event",
        Body::Dns(_) => "dns",
        Body::IpConfig(_) => "ipconfig",
        Body::Registry(_) => "registry",
        Body::TimeSync(_) => "timesync",
        Body::Proxy(_) => "proxy",
        Body::SystemInfo(_) => "systeminfo",
        Body::Cert(_) => "cert",
        Body::Dir(_) => "dir",
        Body::Hosts(_) => "hosts",
    }
}

/// The account a Security logon event is about: `TargetUserName` (EVTX, XML), or in a text
/// export's message the `Logon Account:` (4776) or the last `Account Name:` (4625, 4740 and 4767
/// list the subject that logged the event first, the account after it), in English, German,
/// French, Spanish, Italian, Dutch or Japanese. A message in another language gives none. Empty when the event names no account (`-`, blank: a null session or a scanner).
pub fn event_account_raw(e: &crate::model::WinEvent) -> Option<String> {
    let clean = |v: &str| {
        let v = v.trim();
        if v == "-" {
            String::new()
        } else {
            v.to_string()
        }
    };
    if let Some(v) = e.data("TargetUserName") {
        return Some(clean(v));
    }
    let m = e.message.as_deref()?;
    // A label as Windows writes it in each language, without its colon: French puts a space
    // before the colon, the others do not.
    let value = |labels: &[&str], l: &str| {
        let l = l.trim_start();
        labels.iter().find_map(|label| {
            let rest = l
                .get(..label.len())
                .filter(|p| p.eq_ignore_ascii_case(label))
                .map(|_| &l[label.len()..])?;
            let rest = rest.trim_start_matches(' ').strip_prefix(':')?;
            Some(clean(rest))
        })
    };
    // The 4776 audit's account, in the languages Windows ships.
    const LOGON_ACCOUNT: &[&str] = &[
        "Logon Account",
        "Anmeldekonto",
        "Compte d'ouverture de session",
        "Compte d\u{2019}ouverture de session",
        "Cuenta de inicio de sesión",
        "Account di accesso",
        "Aanmeldingsaccount",
        "Konto logowania",
        "Учетная запись входа",
        "Conta de Logon",
        "Conta de início de sessão",
        "Oturum Açma Hesabı",
        "Přihlašovací účet",
        "Inloggningskonto",
        "Logonkonto",
        "Påloggingskonto",
        "Kirjautumistili",
        "Bejelentkezési fiók",
        "ログオン アカウント",
        "登录帐户",
        "登入帳戶",
        "로그온 계정",
    ];
    // Every other audit's: the last one the message names is the one it is about (a 4625's
    // failed account, a 4740's locked one, a 4624's new logon), after the subject's.
    const ACCOUNT_NAME: &[&str] = &[
        "Account Name",
        "Kontoname",
        "Nom du compte",
        "Nombre de cuenta",
        "Nome account",
        "Accountnaam",
        "Nazwa konta",
        "Имя учетной записи",
        "Nome da Conta",
        "Hesap Adı",
        "Název účtu",
        "Kontonamn",
        "Kontonavn",
        "Tilin nimi",
        "Fiók neve",
        "アカウント名",
        "帐户名",
        "帐户名称",
        "帳戶名稱",
        "계정 이름",
    ];
    m.lines()
        .find_map(|l| value(LOGON_ACCOUNT, l))
        .or_else(|| m.lines().rev().find_map(|l| value(ACCOUNT_NAME, l)))
}

/// [`event_account_raw`] when it names someone.
pub fn event_account(e: &crate::model::WinEvent) -> Option<String> {
    event_account_raw(e).filter(|a| !a.is_empty())
}

/// How far a system-time change (Security event 4616) moved the clock, in whole seconds either
/// way: from the `PreviousTime`/`NewTime` data (EVTX, XML) or the message's `Previous Time:` and
/// `New Time:` lines (text exports, where Windows puts direction marks between the date parts).
pub fn time_change_seconds(e: &crate::model::WinEvent) -> Option<i64> {
    let value = |data: &str, label: &str| -> Option<chrono::NaiveDateTime> {
        let raw = e.data(data).or_else(|| {
            e.message.as_deref()?.lines().find_map(|l| {
                let l = l.trim_start();
                l.get(..label.len())
                    .filter(|p| p.eq_ignore_ascii_case(label))
                    .map(|_| &l[label.len()..])
            })
        })?;
        change_time(raw)
    };
    if let (Some(before), Some(after)) = (
        value("PreviousTime", "Previous Time:"),
        value("NewTime", "New Time:"),
    ) {
        return Some((after - before).num_seconds().abs());
    }
    // A message in another language: every 4616 message lists the previous time and then the
    // new one, each as the value after a label's tabs, so the first two such values are they.
    if e.event_id != 4616 {
        return None;
    }
    let mut times = e.message.as_deref()?.lines().filter_map(|l| {
        let (_, v) = l.rsplit_once('\t')?;
        change_time(v)
    });
    let before = times.next()?;
    let after = times.next()?;
    Some((after - before).num_seconds().abs())
}

/// The Security audits of logons and account states, whose account the evidence should name.
fn is_logon_audit(e: &crate::model::WinEvent) -> bool {
    matches!(
        e.event_id,
        4624 | 4625 | 4740 | 4767 | 4768 | 4769 | 4771 | 4776 | 4723 | 4724
    ) && crate::engine::cond::contains_ci(&e.provider, "security-auditing")
}

fn change_time(raw: &str) -> Option<chrono::NaiveDateTime> {
    // Exports in some locales wrap the parts of a date in direction marks.
    let t: Cow<'_, str> = if raw.is_ascii() {
        Cow::Borrowed(raw)
    } else {
        raw.chars()
            .filter(|c| !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}' | '\u{202c}'))
            .collect::<String>()
            .into()
    };
    let t = t.trim().trim_end_matches('Z');
    // The EVTX form, read digit by digit; chrono's format strings cost several times as much.
    if let Some(v) = crate::parse::events::dates::system_time_digits(t) {
        return Some(v);
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%I:%M:%S %p %m/%d/%Y",
        "%m/%d/%Y %I:%M:%S %p",
        "%H:%M:%S %m/%d/%Y",
        // Windows 7 era: time, then date.
        "%H:%M:%S%.f %m/%d/%Y",
    ] {
        if let Ok(v) = chrono::NaiveDateTime::parse_from_str(t, f) {
            return Some(v);
        }
    }
    None
}

fn b(v: bool) -> &'static str {
    if v { "true" } else { "false" }
}

fn push<'a>(out: &mut Vec<FieldVal<'a>>, v: impl Into<Cow<'a, str>>) {
    out.push(FieldVal::new(v));
}

fn push_opt<'a>(out: &mut Vec<FieldVal<'a>>, v: &'a Option<String>) {
    if let Some(v) = v {
        out.push(FieldVal::new(v.as_str()));
    }
}

impl Subject for Record {
    fn kind(&self) -> &str {
        kind_of(&self.body)
    }

    fn event_id(&self) -> Option<u32> {
        match &self.body {
            Body::Event(e) => Some(e.event_id),
            _ => None,
        }
    }

    fn field_values<'a>(&'a self, name: &str, out: &mut Vec<FieldVal<'a>>) {
        if name == "text" {
            self.text_lines(out);
            return;
        }
        match &self.body {
            Body::Sip(m) => {
                let hdr = |out: &mut Vec<FieldVal<'a>>, n: &str| {
                    for h in m.headers_named(n) {
                        out.push(FieldVal::at(h.value, h.line));
                    }
                };
                match name {
                    "direction" => {
                        if let Some(d) = m.direction {
                            push(
                                out,
                                if d == crate::model::Direction::Outgoing {
                                    "outgoing"
                                } else {
                                    "incoming"
                                },
                            );
                        }
                    }
                    "method" => {
                        if let Some(x) = m.transaction_method() {
                            push(out, x);
                        }
                    }
                    "request_method" => {
                        if let Some(x) = m.method() {
                            push(out, x);
                        }
                    }
                    "is_request" => push(out, b(m.method().is_some())),
                    "is_response" => push(out, b(m.status().is_some())),
                    "status" => {
                        if let Some(s) = m.status() {
                            out.push(FieldVal::at(s.to_string(), m.start_line_no));
                        }
                    }
                    "reason" => {
                        if let StartLine::Response { reason, .. } = &m.start {
                            out.push(FieldVal::at(reason.as_ref(), m.start_line_no));
                        }
                    }
                    "request_uri" => {
                        if let StartLine::Request { uri, .. } = &m.start {
                            push(out, uri.as_str());
                        }
                    }
                    "call_id" => hdr(out, "Call-ID"),
                    "cseq" => {
                        if let Some((n, _)) = m.cseq() {
                            push(out, n.to_string());
                        }
                    }
                    "from" => hdr(out, "From"),
                    "to" => hdr(out, "To"),
                    "from_uri" | "to_uri" => {
                        let h = if name == "from_uri" { "From" } else { "To" };
                        if let Some(u) = m.header(h).and_then(sip::uri_in) {
                            push(out, u);
                        }
                    }
                    "user_agent" => hdr(out, "User-Agent"),
                    "server" => hdr(out, "Server"),
                    "peer" => push_opt(out, &m.peer),
                    "peer_host" => {
                        if let Some(h) = m.peer.as_deref().and_then(sip::host_of) {
                            push(out, h);
                        }
                    }
                    // The code alone needs no parse of the parameters.
                    "ms_diag" => {
                        for h in m.headers_where(sip::is_diag_name) {
                            if let Some(code) = sip::ms_diag_code(h.value) {
                                out.push(FieldVal::at(code.to_string(), h.line));
                            }
                        }
                    }
                    "ms_diag_reason" | "ms_diag_source" => {
                        for (d, line) in m.ms_diagnostics() {
                            let v: Option<String> = match name {
                                "ms_diag_reason" => d.reason,
                                _ => d.source,
                            };
                            if let Some(v) = v {
                                out.push(FieldVal::at(v, line));
                            }
                        }
                    }
                    "www_authenticate" => {
                        hdr(out, "WWW-Authenticate");
                        hdr(out, "Proxy-Authenticate");
                    }
                    "auth_scheme" => {
                        for h in m
                            .headers_named("WWW-Authenticate")
                            .chain(m.headers_named("Proxy-Authenticate"))
                        {
                            out.push(FieldVal::at(sip::auth_scheme(h.value), h.line));
                        }
                    }
                    "authorization" => {
                        hdr(out, "Authorization");
                        hdr(out, "Proxy-Authorization");
                    }
                    "has_credentials" => push(
                        out,
                        b(m.header("Authorization").is_some()
                            || m.header("Proxy-Authorization").is_some()),
                    ),
                    "content_type" => hdr(out, "Content-Type"),
                    "start_line" => out.push(FieldVal::at(m.start_line_text(), m.start_line_no)),
                    n => {
                        if let Some(h) = n.strip_prefix("header:") {
                            hdr(out, h);
                        }
                    }
                }
            }
            Body::Line(l) => {
                if name == "level" {
                    push_opt(out, &l.level);
                }
            }
            Body::Event(e) => match name {
                "provider" => push(out, e.provider.as_str()),
                "channel" => push_opt(out, &e.channel),
                "event_id" => push(out, e.event_id.to_string()),
                "level" => {
                    if let Some(l) = e.level {
                        push(out, l.to_string());
                    }
                }
                "computer" => push_opt(out, &e.computer),
                "record_id" => {
                    if let Some(r) = e.record_id {
                        push(out, r.to_string());
                    }
                }
                "message" => push_opt(out, &e.message),
                "keywords" => push_opt(out, &e.keywords),
                "account" => {
                    if let Some(a) = event_account_raw(e) {
                        push(out, a);
                    }
                }
                "time_change_seconds" => {
                    if let Some(s) = time_change_seconds(e) {
                        push(out, s.to_string());
                    }
                }
                "data" => {
                    for (_, v) in e.data.iter() {
                        push(out, v);
                    }
                }
                n => {
                    if let Some(k) = n.strip_prefix("data:") {
                        for (dk, v) in e.data.iter() {
                            if dk.eq_ignore_ascii_case(k) {
                                push(out, v);
                            }
                        }
                    }
                }
            },
            Body::Dns(d) => match name {
                "query" => push(out, d.query.as_str()),
                "qtype" => push_opt(out, &d.qtype),
                "resolver" => push_opt(out, &d.resolver),
                "resolver_addr" => push_opt(out, &d.resolver_addr),
                "outcome" => push(out, d.outcome.as_str()),
                "canonical" => push_opt(out, &d.canonical),
                "address" => d.addresses.iter().for_each(|a| push(out, a.as_str())),
                "alias" => d.aliases.iter().for_each(|a| push(out, a.as_str())),
                "srv_target" => d.srv.iter().for_each(|s| push(out, s.target.as_str())),
                "srv_port" => d.srv.iter().for_each(|s| push(out, s.port.to_string())),
                _ => {}
            },
            Body::IpConfig(c) => match name {
                "host_name" => push_opt(out, &c.host_name),
                "dns_suffix" => {
                    push_opt(out, &c.primary_dns_suffix);
                    c.dns_suffix_search
                        .iter()
                        .for_each(|s| push(out, s.as_str()));
                }
                "dns_server" => c.dns_servers.iter().for_each(|s| push(out, s.as_str())),
                _ => {}
            },
            Body::Registry(r) => match name {
                "key" => push(out, r.key.as_str()),
                "name" => push(out, r.name.as_str()),
                "value" => push(out, r.value.as_str()),
                "type" => push(out, r.kind.as_str()),
                _ => {}
            },
            Body::TimeSync(t) => match name {
                "source" => push_opt(out, &t.source),
                "leap" => {
                    if let Some(l) = t.leap {
                        push(out, l.to_string());
                    }
                }
                "last_sync" => push_opt(out, &t.last_sync),
                "offset_seconds" => {
                    if let Some(o) = t.offset_seconds {
                        push(out, o.to_string());
                    }
                }
                "abs_offset_seconds" => {
                    if let Some(o) = t.offset_seconds {
                        push(out, o.abs().to_string());
                    }
                }
                "reference" => push_opt(out, &t.reference),
                _ => {}
            },
            Body::Proxy(p) => match name {
                "direct" => push(out, b(p.direct)),
                "server" => push_opt(out, &p.server),
                "bypass" => push_opt(out, &p.bypass),
                _ => {}
            },
            Body::SystemInfo(s) => match name {
                "host_name" => push_opt(out, &s.host_name),
                "os_name" => push_opt(out, &s.os_name),
                "time_zone" => push_opt(out, &s.time_zone),
                "utc_offset_minutes" => {
                    if let Some(o) = s.utc_offset_minutes {
                        push(out, o.to_string());
                    }
                }
                "domain" => push_opt(out, &s.domain),
                _ => {}
            },
            Body::Cert(c) => match name {
                "subject" => push_opt(out, &c.subject),
                "issuer" => push_opt(out, &c.issuer),
                "not_before" => push_opt(out, &c.not_before),
                "not_after" => push_opt(out, &c.not_after),
                "thumbprint" => push_opt(out, &c.thumbprint),
                "note" => c.notes.iter().for_each(|n| push(out, n.as_str())),
                _ => {}
            },
            Body::Dir(d) => match name {
                "parent" => push_opt(out, &d.parent),
                "name" => push(out, d.name.as_str()),
                "is_dir" => push(out, b(d.is_dir)),
                _ => {}
            },
            Body::Hosts(h) => match name {
                "address" => push(out, h.address.as_str()),
                "name" => h.names.iter().for_each(|n| push(out, n.as_str())),
                _ => {}
            },
        }
    }

    fn text_lines<'a>(&'a self, out: &mut Vec<FieldVal<'a>>) {
        match &self.body {
            Body::Sip(m) => {
                out.push(FieldVal::at(m.start_line_text(), m.start_line_no));
                for h in m.headers() {
                    out.push(FieldVal::at(format!("{}: {}", h.name, h.value), h.line));
                }
                for l in m.body.lines() {
                    out.push(FieldVal::new(l));
                }
            }
            Body::Line(l) => out.push(FieldVal::at(l.text.as_str(), self.source.line)),
            Body::Event(e) => {
                let base = self.source.line;
                // A Security record has a dozen or more items: one allocation, not four.
                out.reserve(e.data.len() + e.message.as_ref().map_or(0, |m| m.len() / 48 + 1));
                if let Some(m) = &e.message {
                    for (i, l) in m.lines().enumerate() {
                        out.push(FieldVal::at(l, base.map(|b| b + i as u64)));
                    }
                }
                // The items are held as `key: value` lines already: borrowed, not built.
                for l in e.data.lines() {
                    out.push(FieldVal::new(l));
                }
            }
            _ => out.push(FieldVal::at(self.headline(), self.source.line)),
        }
    }

    fn source(&self) -> &SourceLoc {
        &self.source
    }

    fn ts(&self) -> Option<Ts> {
        self.ts
    }

    fn headline(&self) -> String {
        match &self.body {
            Body::Sip(m) => {
                let mut s = m.start_line_text();
                if let Some((n, meth)) = m.cseq() {
                    s.push_str(&format!(" (CSeq {n} {meth})"));
                }
                s
            }
            Body::Line(l) => l.text.clone(),
            Body::Event(e) => {
                // Pushed piece by piece: an evidence line per hit, and a Security log has many.
                let mut s = String::with_capacity(160);
                s.push_str(&e.provider);
                s.push_str(" event ");
                crate::model::push_decimal(&mut s, e.event_id);
                if let Some(a) = event_account(e).filter(|_| is_logon_audit(e)) {
                    s.push_str(" (");
                    s.push_str(&a);
                    s.push(')');
                }
                s.push_str(": ");
                match e
                    .message
                    .as_deref()
                    .and_then(|m| m.lines().find(|l| !l.trim().is_empty()))
                {
                    Some(l) => s.push_str(l.trim()),
                    None => {
                        for (i, (k, v)) in e.data.iter().take(6).enumerate() {
                            if i > 0 {
                                s.push(' ');
                            }
                            s.push_str(k);
                            s.push('=');
                            s.push_str(v);
                        }
                    }
                }
                s
            }
            Body::Dns(d) => {
                let via = d
                    .resolver
                    .as_deref()
                    .or(d.resolver_addr.as_deref())
                    .unwrap_or("the default resolver");
                let what = match d.outcome {
                    crate::model::DnsOutcome::Answer => {
                        let mut parts = Vec::new();
                        if let Some(c) = &d.canonical
                            && !c.eq_ignore_ascii_case(&d.query)
                        {
                            parts.push(format!("-> {c}"));
                        }
                        for s in &d.srv {
                            parts.push(format!("SRV {} {}:{}", s.priority, s.target, s.port));
                        }
                        if !d.addresses.is_empty() {
                            parts.push(d.addresses.join(", "));
                        }
                        parts.join(" ")
                    }
                    o => o.as_str().to_string(),
                };
                format!("nslookup {} via {}: {}", d.query, via, what)
            }
            Body::IpConfig(c) => format!(
                "ipconfig: host {} suffix {} DNS servers {}",
                c.host_name.as_deref().unwrap_or("?"),
                c.primary_dns_suffix.as_deref().unwrap_or("-"),
                c.dns_servers.join(", ")
            ),
            Body::Registry(r) => format!("[{}] \"{}\"={}", r.key, r.name, r.value),
            Body::TimeSync(t) => match t.offset_seconds {
                Some(o) => format!(
                    "w32tm: offset {:+.3}s from {}",
                    o,
                    t.reference
                        .as_deref()
                        .or(t.source.as_deref())
                        .unwrap_or("the reference")
                ),
                None => format!(
                    "w32tm: source {}, leap indicator {}",
                    t.source.as_deref().unwrap_or("?"),
                    t.leap.map(|l| l.to_string()).unwrap_or_else(|| "?".into())
                ),
            },
            Body::Proxy(p) => match &p.server {
                Some(s) if !p.direct => format!("WinHTTP proxy: {s}"),
                _ => "WinHTTP proxy: direct access (no proxy server)".to_string(),
            },
            Body::SystemInfo(s) => format!(
                "systeminfo: time zone {}",
                s.time_zone.as_deref().unwrap_or("?")
            ),
            Body::Cert(c) => {
                let mut s = format!(
                    "certificate {} issued by {} (expires {})",
                    c.subject.as_deref().unwrap_or("?"),
                    c.issuer.as_deref().unwrap_or("?"),
                    c.not_after.as_deref().unwrap_or("?")
                );
                if !c.notes.is_empty() {
                    s.push_str(": ");
                    s.push_str(&c.notes.join("; "));
                }
                s
            }
            Body::Dir(d) => format!(
                "{}\\{}{}",
                d.parent.as_deref().unwrap_or(""),
                d.name,
                if d.is_dir { " <DIR>" } else { "" }
            ),
            Body::Hosts(h) => format!("hosts: {} {}", h.address, h.names.join(" ")),
        }
    }
}

/// A derived fact: what only several records show. Rules match it like a record.
#[derive(Clone, Debug)]
pub struct Fact {
    pub kind: &'static str,
    pub fields: Vec<(&'static str, String)>,
    pub source: SourceLoc,
    pub ts: Option<Ts>,
    pub headline: String,
}

impl Fact {
    pub fn new(kind: &'static str, source: SourceLoc, ts: Option<Ts>, headline: String) -> Self {
        Fact {
            kind,
            fields: Vec::new(),
            source,
            ts,
            headline,
        }
    }
    pub fn set(&mut self, k: &'static str, v: impl ToString) -> &mut Self {
        self.fields.push((k, v.to_string()));
        self
    }
    pub fn get(&self, k: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.as_str())
    }
}

impl Subject for Fact {
    fn kind(&self) -> &str {
        self.kind
    }
    fn field_values<'a>(&'a self, name: &str, out: &mut Vec<FieldVal<'a>>) {
        if name == "text" {
            self.text_lines(out);
            return;
        }
        for (k, v) in &self.fields {
            if *k == name {
                out.push(FieldVal::new(v.as_str()));
            }
        }
    }
    fn text_lines<'a>(&'a self, out: &mut Vec<FieldVal<'a>>) {
        out.push(FieldVal::at(self.headline.as_str(), self.source.line));
    }
    fn source(&self) -> &SourceLoc {
        &self.source
    }
    fn ts(&self) -> Option<Ts> {
        self.ts
    }
    fn headline(&self) -> String {
        self.headline.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WinEvent;

    fn ev(data: &[(&str, &str)], message: Option<&str>) -> WinEvent {
        WinEvent {
            provider: "Microsoft-Windows-Security-Auditing".into(),
            event_id: 4616,
            data: data.iter().copied().collect(),
            message: message.map(str::to_string),
            ..WinEvent::default()
        }
    }

    #[test]
    fn the_account_a_logon_event_is_about() {
        let mut e = ev(
            &[("SubjectUserName", "DC01$"), ("TargetUserName", "jdoe")],
            None,
        );
        assert_eq!(event_account(&e).as_deref(), Some("jdoe"));
        e.data.clear();
        e.message = Some(
            "An account failed to log on.\n\nSubject:\n\tSecurity ID:\t\tNULL SID\n\tAccount Name:\t\t-\n\nAccount For Which Logon Failed:\n\tSecurity ID:\t\tNULL SID\n\tAccount Name:\t\tsvc_sql\n\tAccount Domain:\t\tCONTOSO\n".into(),
        );
        assert_eq!(event_account(&e).as_deref(), Some("svc_sql"));
        e.message = Some(
            "The computer attempted to validate the credentials for an account.\n\nAuthentication Package:\tMICROSOFT_AUTHENTICATION_PACKAGE_V1_0\nLogon Account:\tjdoe\nSource Workstation:\tPC-0142\nError Code:\t0xC000006A".into(),
        );
        assert_eq!(event_account(&e).as_deref(), Some("jdoe"));
        // A null session names nobody.
        e.message = Some(
            "An account failed to log on.\n\nSubject:\n\tAccount Name:\t\t-\n\nAccount For Which Logon Failed:\n\tSecurity ID:\t\tNULL SID\n\tAccount Name:\t\t\n\tAccount Domain:\t\t\n".into(),
        );
        assert_eq!(event_account_raw(&e).as_deref(), Some(""));
        assert_eq!(event_account(&e), None);
        e.message = Some("Fehler beim Anmelden eines Kontos.\n\tKontoname:\t\t-\n\nKonto, für das die Anmeldung fehlgeschlagen ist:\n\tKontoname:\t\tj.muller\n".into());
        assert_eq!(event_account(&e).as_deref(), Some("j.muller"));
    }

    #[test]
    fn the_account_in_messages_of_other_languages() {
        for (label, acct) in [
            ("Nombre de cuenta:", "jgarcia"),
            ("Nome account:", "mrossi"),
            ("Accountnaam:", "jdevries"),
            (
                "\u{30a2}\u{30ab}\u{30a6}\u{30f3}\u{30c8}\u{540d}:",
                "tanaka",
            ),
            ("Nazwa konta:", "jkowalski"),
            ("Hesap Ad\u{131}:", "mehmet.yilmaz"),
            ("N\u{e1}zev \u{fa}\u{10d}tu:", "k.horak"),
            ("Kontonamn:", "anna.berg"),
            (
                "\u{418}\u{43c}\u{44f} \u{443}\u{447}\u{435}\u{442}\u{43d}\u{43e}\u{439} \u{437}\u{430}\u{43f}\u{438}\u{441}\u{438}:",
                "ivanov",
            ),
            ("Nom du compte :", "jdupont"),
        ] {
            let m = format!("x\n\t{label}\t\tDC01$\n\n\t{label}\t\t{acct}\n");
            assert_eq!(
                event_account(&ev(&[], Some(&m))).as_deref(),
                Some(acct),
                "{label}"
            );
        }
        // A label in a language not read gives no account, not a wrong one (Greek).
        let m = "x\n\t\u{38c}\u{3bd}\u{3bf}\u{3bc}\u{3b1} \u{3bb}\u{3bf}\u{3b3}\u{3b1}\u{3c1}\u{3b9}\u{3b1}\u{3c3}\u{3bc}\u{3bf}\u{3cd}:\t\tpapadopoulos\n";
        assert_eq!(event_account(&ev(&[], Some(m))), None);
    }

    #[test]
    fn time_change_from_event_data() {
        let e = ev(
            &[
                ("PreviousTime", "2021-11-24T15:47:00.3887639Z"),
                ("NewTime", "2021-11-27T15:47:00.3690000Z"),
            ],
            None,
        );
        assert_eq!(time_change_seconds(&e), Some(3 * 86400 - 1));
    }

    #[test]
    fn time_change_from_message_with_direction_marks() {
        // What Event Viewer's text and CSV exports carry: marks between the date parts.
        let m = "The system time was changed.\n\nPrevious Time:\t\t\u{200e}2026\u{200e}-\u{200e}11\u{200e}-\u{200e}24T09:02:11.000000000Z\nNew Time:\t\t\u{200e}2026\u{200e}-\u{200e}11\u{200e}-\u{200e}24T08:40:00.500000000Z\n";
        assert_eq!(time_change_seconds(&ev(&[], Some(m))), Some(1330));
        let old = "Previous Time:\t9:08:36 AM 4/19/2012\nNew Time:\t9:08:37 AM 4/19/2012";
        assert_eq!(time_change_seconds(&ev(&[], Some(old))), Some(1));
        let win7 = "Previous Time:\t\u{200e}8:14:02.311000000 \u{200e}11/\u{200e}7/\u{200e}2016\nNew Time:\t\u{200e}8:40:02.311000000 \u{200e}11/\u{200e}7/\u{200e}2016";
        assert_eq!(time_change_seconds(&ev(&[], Some(win7))), Some(26 * 60));
        assert_eq!(time_change_seconds(&ev(&[], Some("no times here"))), None);
    }

    #[test]
    fn time_change_from_a_message_in_another_language() {
        // Japanese labels: the two times are read by their place, previous then new.
        let m = "システム時刻が変更されました。\n\nサブジェクト:\n\tアカウント名:\t\ttanaka\n\tログオン ID:\t\t0x3a71f2\n\n以前の時刻:\t\t\u{200e}2026\u{200e}-\u{200e}02\u{200e}-\u{200e}10T00:41:07.512000000Z\n新しい時刻:\t\t\u{200e}2026\u{200e}-\u{200e}02\u{200e}-\u{200e}10T00:30:05.000000000Z\n";
        let mut e = ev(&[], Some(m));
        e.event_id = 4616;
        assert_eq!(time_change_seconds(&e), Some(11 * 60 + 2));
        // Only a time-change audit is read by place.
        e.event_id = 4624;
        assert_eq!(time_change_seconds(&e), None);
    }
}
