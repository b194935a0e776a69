//! `nslookup` output, non-interactive (`nslookup [-type=srv] name [server]`) and interactive
//! (`> set type=srv`, `> name`), one [`DnsLookup`] per query.
//!
//! A query's pieces arrive over several lines: the resolver block (`Server:` / `Address:`), then
//! an answer (`Name:` / `Addresses:` / `Aliases:`, or SRV blocks, or an SOA when the name has no
//! record of that type), or an error line starting with `***`. Answers are emitted when the next
//! query or resolver block begins; errors at once.

use std::net::IpAddr;

use nom::{
    IResult, Parser as _,
    bytes::complete::{tag, take_till1, take_while1},
    character::complete::space0,
    combinator::rest,
};

use super::{ParseCtx, label_value, norm_name, push_capped, record};
use crate::model::{Body, DnsLookup, DnsOutcome, SrvTarget};

/// Is this (unindented, trimmed) line the first of an nslookup run?
pub(super) fn starts_section(t: &str) -> bool {
    t.starts_with("Server:")
        || t.starts_with("Default Server:")
        || t.starts_with("DNS request timed out")
        || (t.starts_with("***") && t.contains("can't find"))
        || t.eq_ignore_ascii_case("Non-authoritative answer:")
}

/// Index of the first line that shows nslookup output.
pub(super) fn sniff_at(lines: &[&str]) -> Option<usize> {
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        let strong = t.eq_ignore_ascii_case("Non-authoritative answer:")
            || t.eq_ignore_ascii_case("Nicht autorisierende Antwort:")
            || t.ends_with("SRV service location:")
            || (t.starts_with("***")
                && (t.contains("can't find")
                    || t.contains("timed-out")
                    || t.contains("timed out")));
        if strong {
            // Point at the resolver block when it comes first.
            return Some(first_server_before(lines, i));
        }
        // `Server:` directly followed by `Address:` (a SIP `Server:` header never is).
        if (t.starts_with("Server:") || t.starts_with("Default Server:"))
            && !l.starts_with([' ', '\t'])
            && lines
                .get(i + 1)
                .is_some_and(|n| n.starts_with("Address:") || n.starts_with("Adresse:"))
        {
            return Some(i);
        }
    }
    None
}

fn first_server_before(lines: &[&str], i: usize) -> usize {
    (0..i)
        .rev()
        .take(8)
        .find(|&j| lines[j].starts_with("Server:"))
        .unwrap_or(i)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Cont {
    #[default]
    None,
    Addresses,
    Aliases,
}

/// A query being assembled.
#[derive(Debug, Default)]
struct Pending {
    /// Name known from the output itself (SRV header, SOA owner).
    query: Option<String>,
    qtype: Option<String>,
    outcome: Option<DnsOutcome>,
    canonical: Option<String>,
    addresses: Vec<String>,
    aliases: Vec<String>,
    srv: Vec<SrvTarget>,
    line: u64,
}

#[derive(Debug, Default)]
struct SrvPartial {
    priority: Option<u16>,
    weight: Option<u16>,
    port: Option<u16>,
}

#[derive(Debug, Default)]
pub(super) struct Parser {
    /// From the echoed command or an interactive `> name` line.
    cmd_query: Option<String>,
    cmd_type: Option<String>,
    cmd_server: Option<String>,
    /// Interactive `set type=...`, lasting until changed.
    default_type: Option<String>,
    /// A command was seen: nslookup's default type (A) applies when no other is named.
    had_command: bool,
    resolver: Option<String>,
    resolver_addr: Option<String>,
    expect_resolver_addr: bool,
    /// A resolver block was seen since the last query ended.
    server_seen: bool,
    cur: Option<Pending>,
    cont: Cont,
    /// `DNS request timed out.` after the resolver block.
    timeout_line: Option<u64>,
    /// Last unindented one-word line (owner of an SOA that follows).
    bare_name: Option<String>,
    srv: SrvPartial,
}

impl Parser {
    /// Arguments of an echoed `nslookup` command.
    pub(super) fn command(&mut self, args: &[String]) {
        let mut positional = Vec::new();
        for a in args {
            if let Some(opt) = a.strip_prefix('-') {
                let lower = opt.to_ascii_lowercase();
                if let Some((k, v)) = lower.split_once('=') {
                    if matches!(k, "type" | "q" | "querytype" | "ty") {
                        self.cmd_type = Some(v.to_ascii_uppercase());
                    }
                }
            } else {
                positional.push(a.as_str());
            }
        }
        self.had_command = true;
        match positional.as_slice() {
            [] => {} // interactive
            [name, rest @ ..] => {
                self.cmd_query = Some(norm_name(name));
                self.cmd_server = rest.first().map(|s| s.to_string());
            }
        }
    }

    pub(super) fn line(&mut self, n: u64, line: &str, ctx: &mut ParseCtx<'_>) {
        let t = line.trim();
        if t.is_empty() {
            self.cont = Cont::None;
            return;
        }
        let indented = line.starts_with([' ', '\t']);
        // Interactive prompt.
        if let Some(cmd) = t.strip_prefix('>') {
            self.finalize(ctx);
            self.interactive(cmd.trim());
            return;
        }
        // Continuation of `Addresses:` / `Aliases:`.
        if indented && self.cont != Cont::None && !t.contains(char::is_whitespace) {
            if let Some(cur) = self.cur.as_mut() {
                match self.cont {
                    Cont::Addresses => push_capped(&mut cur.addresses, t.to_string()),
                    Cont::Aliases => push_capped(&mut cur.aliases, norm_name(t)),
                    Cont::None => {}
                }
                return;
            }
        }
        self.cont = Cont::None;
        if t.starts_with("***") {
            self.error_line(n, t, ctx);
            return;
        }
        if t.starts_with("DNS request timed out") {
            if self.server_seen {
                self.timeout_line.get_or_insert(n);
            }
            return;
        }
        if let Some((key, value)) = assignment(t) {
            self.assignment(n, key, value, ctx);
            return;
        }
        if let Some(name) = t.strip_suffix("SRV service location:") {
            let name = norm_name(name);
            if self
                .cur
                .as_ref()
                .is_some_and(|c| c.query.as_ref() != Some(&name))
            {
                self.finalize(ctx);
            }
            let cur = self.cur.get_or_insert_with(Pending::default);
            cur.query = Some(name);
            cur.qtype = Some("SRV".into());
            cur.outcome = Some(DnsOutcome::Answer);
            self.srv = SrvPartial::default();
            return;
        }
        if let Some((label, value)) = label_value(t) {
            if self.label(n, label, value, ctx) {
                return;
            }
        }
        if !indented && !t.contains(char::is_whitespace) && t.contains('.') && !t.contains(':') {
            self.bare_name = Some(norm_name(t));
        }
    }

    /// A `label: value` line. Returns false when the label is not one of ours.
    fn label(&mut self, n: u64, label: &str, value: &str, ctx: &mut ParseCtx<'_>) -> bool {
        let l = label.to_lowercase();
        // Labels are translated on localized Windows; these cover English and German.
        if l.ends_with("server") {
            if self.cur.is_some() || self.timeout_line.is_some() {
                self.finalize(ctx);
            }
            self.resolver = (!value.is_empty()).then(|| value.to_string());
            self.resolver_addr = None;
            self.expect_resolver_addr = true;
            self.server_seen = true;
            self.timeout_line = None;
            return true;
        }
        match l.as_str() {
            "address" | "addresses" | "adresse" | "adressen" => {
                if let Some(cur) = self.cur.as_mut().filter(|c| c.canonical.is_some()) {
                    for a in value.split_whitespace() {
                        push_capped(&mut cur.addresses, a.to_string());
                    }
                    self.cont = Cont::Addresses;
                } else if self.expect_resolver_addr {
                    self.resolver_addr = (!value.is_empty()).then(|| value.to_string());
                    self.expect_resolver_addr = false;
                }
                true
            }
            "name" | "nom" | "nombre" => {
                if value.is_empty() || value.contains(char::is_whitespace) {
                    return false;
                }
                if self.cur.is_some() {
                    self.finalize(ctx);
                }
                self.expect_resolver_addr = false;
                self.cur = Some(Pending {
                    canonical: Some(norm_name(value)),
                    outcome: Some(DnsOutcome::Answer),
                    line: n,
                    ..Pending::default()
                });
                true
            }
            "aliases" | "aliase" | "alias" => {
                if let Some(cur) = self.cur.as_mut() {
                    for a in value.split_whitespace() {
                        push_capped(&mut cur.aliases, norm_name(a));
                    }
                    self.cont = Cont::Aliases;
                }
                true
            }
            _ => false,
        }
    }

    /// `key = value` lines: SRV fields, SOA, and the additional section.
    fn assignment(&mut self, n: u64, key: &str, value: &str, ctx: &mut ParseCtx<'_>) {
        let k = key.to_ascii_lowercase();
        let num = || value.parse::<u16>().ok();
        match k.as_str() {
            "priority" => self.srv.priority = num(),
            "weight" => self.srv.weight = num(),
            "port" => self.srv.port = num(),
            "svr hostname" => {
                let target = SrvTarget {
                    priority: self.srv.priority.unwrap_or(0),
                    weight: self.srv.weight.unwrap_or(0),
                    port: self.srv.port.unwrap_or(0),
                    target: norm_name(value),
                };
                self.srv = SrvPartial::default();
                let cur = self.cur.get_or_insert_with(|| Pending {
                    qtype: Some("SRV".into()),
                    outcome: Some(DnsOutcome::Answer),
                    ..Pending::default()
                });
                if cur.line == 0 {
                    cur.line = n;
                }
                push_capped(&mut cur.srv, target);
            }
            "primary name server" if self.cur.is_none() => {
                let qtype = self.qtype();
                let outcome = if qtype.as_deref() == Some("SOA") {
                    DnsOutcome::Answer
                } else {
                    DnsOutcome::NoRecords
                };
                self.cur = Some(Pending {
                    query: self.cmd_query.clone().or_else(|| self.bare_name.clone()),
                    outcome: Some(outcome),
                    canonical: self.bare_name.clone(),
                    line: n,
                    ..Pending::default()
                });
            }
            _ if k.ends_with("canonical name") => {
                // `sip.contoso.com  canonical name = sipdir.online.lync.com` (type=CNAME).
                let owner = norm_name(key[..key.len() - "canonical name".len()].trim());
                if self.cur.as_ref().is_some_and(|c| c.canonical.is_some()) {
                    self.finalize(ctx);
                }
                let cur = self.cur.get_or_insert_with(|| Pending {
                    line: n,
                    ..Pending::default()
                });
                if cur.query.is_none() && !owner.is_empty() {
                    cur.query = Some(owner.clone());
                    push_capped(&mut cur.aliases, owner);
                }
                cur.qtype.get_or_insert_with(|| "CNAME".into());
                cur.outcome = Some(DnsOutcome::Answer);
                cur.canonical = Some(norm_name(value));
            }
            // `x  internet address = ...`, `x  AAAA IPv6 address = ...`, `nameserver = ...`:
            // the additional and authority sections, not the answer.
            _ => {}
        }
    }

    /// A `***` line: the query failed, or a remark about the resolver itself.
    fn error_line(&mut self, n: u64, t: &str, ctx: &mut ParseCtx<'_>) {
        let body = t.trim_start_matches('*').trim();
        // ASCII lowering keeps byte offsets, so `lower` indexes `body`.
        let lower = body.to_ascii_lowercase();
        // About the resolver, not the query.
        if lower.starts_with("can't find server")
            || lower.contains("server name for address")
            || lower.starts_with("default servers are not available")
        {
            return;
        }
        let (name, outcome) = if let Some(rest) = lower.strip_prefix("request to ") {
            if !(rest.contains("timed-out") || rest.contains("timed out")) {
                return;
            }
            if self.resolver.is_none() {
                let r = body["request to ".len()..]
                    .split_whitespace()
                    .next()
                    .map(str::to_string);
                self.resolver = r;
            }
            (None, DnsOutcome::Timeout)
        } else if let Some(i) = lower.find("records available for ") {
            let name = body[i + "records available for ".len()..].trim();
            (Some(norm_name(name)), DnsOutcome::NoRecords)
        } else if let Some((pre, reason)) = body.rsplit_once(':') {
            let Some(outcome) = classify(reason) else {
                return;
            };
            let name = if let Some(i) = pre.to_ascii_lowercase().find("can't find ") {
                Some(norm_name(&pre[i + "can't find ".len()..]))
            } else {
                self.name_in(pre)
            };
            (name, outcome)
        } else {
            return;
        };
        if self.cur.is_some() {
            self.finalize(ctx);
        }
        let Some(query) = name.or_else(|| self.cmd_query.clone()) else {
            self.reset_query();
            return;
        };
        let lookup = DnsLookup {
            query,
            qtype: self.qtype(),
            resolver: self.resolver.clone(),
            resolver_addr: self.resolver_addr(),
            outcome,
            canonical: None,
            addresses: Vec::new(),
            aliases: Vec::new(),
            srv: Vec::new(),
        };
        ctx.emit(record(ctx, n, None, Body::Dns(Box::new(lookup))));
        self.reset_query();
    }

    /// Pick the queried name out of a localized error line: a dotted word that is not the
    /// resolver's name.
    fn name_in(&self, pre: &str) -> Option<String> {
        pre.split_whitespace()
            .map(norm_name)
            .filter(|w| w.contains('.') && Some(w.as_str()) != self.resolver.as_deref())
            .rfind(|w| w.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c)))
            .or_else(|| self.cmd_query.clone())
    }

    fn interactive(&mut self, cmd: &str) {
        let lower = cmd.to_ascii_lowercase();
        if let Some(set) = lower.strip_prefix("set ") {
            if let Some((k, v)) = set.trim().split_once('=') {
                if matches!(k.trim(), "type" | "q" | "querytype" | "ty") {
                    self.default_type = Some(v.trim().to_ascii_uppercase());
                }
            }
            return;
        }
        let mut words = cmd.split_whitespace();
        match words.next() {
            None => {}
            Some(w)
                if matches!(
                    w.to_ascii_lowercase().as_str(),
                    "server" | "lserver" | "exit"
                ) => {}
            Some(w) => {
                self.had_command = true;
                self.cmd_query = Some(norm_name(w));
                self.cmd_server = words.next().map(str::to_string);
            }
        }
    }

    fn qtype(&self) -> Option<String> {
        self.cmd_type.clone().or_else(|| self.default_type.clone())
    }

    fn resolver_addr(&self) -> Option<String> {
        self.resolver_addr.clone().or_else(|| {
            self.cmd_server
                .as_ref()
                .filter(|s| s.parse::<IpAddr>().is_ok())
                .cloned()
        })
    }

    fn reset_query(&mut self) {
        self.cmd_query = None;
        self.cmd_type = None;
        self.cmd_server = None;
        self.timeout_line = None;
        self.server_seen = false;
        self.cont = Cont::None;
    }

    /// End the query in progress: emit its answer, or a timeout that had no `***` line.
    fn finalize(&mut self, ctx: &mut ParseCtx<'_>) {
        if let Some(cur) = self.cur.take() {
            let cmd_ip = self
                .cmd_query
                .clone()
                .filter(|q| q.parse::<IpAddr>().is_ok());
            let query = cur
                .query
                .clone()
                .or(cmd_ip)
                .or_else(|| cur.aliases.first().cloned())
                .or_else(|| cur.canonical.clone())
                .or_else(|| self.cmd_query.clone());
            if let Some(query) = query {
                let shape = if !cur.srv.is_empty() {
                    Some("SRV".to_string())
                } else if cur.canonical.is_some() && !cur.addresses.is_empty() {
                    Some("A".to_string())
                } else {
                    None
                };
                let lookup = DnsLookup {
                    query,
                    qtype: self.qtype().or(cur.qtype).or(shape),
                    resolver: self.resolver.clone(),
                    resolver_addr: self.resolver_addr(),
                    outcome: cur.outcome.unwrap_or(DnsOutcome::Answer),
                    canonical: cur.canonical,
                    addresses: cur.addresses,
                    aliases: cur.aliases,
                    srv: cur.srv,
                };
                ctx.emit(record(ctx, cur.line, None, Body::Dns(Box::new(lookup))));
            }
        } else if let (Some(line), Some(query)) = (self.timeout_line, self.cmd_query.clone()) {
            let lookup = DnsLookup {
                query,
                qtype: self.qtype(),
                resolver: self.resolver.clone(),
                resolver_addr: self.resolver_addr(),
                outcome: DnsOutcome::Timeout,
                canonical: None,
                addresses: Vec::new(),
                aliases: Vec::new(),
                srv: Vec::new(),
            };
            ctx.emit(record(ctx, line, None, Body::Dns(Box::new(lookup))));
        } else {
            return;
        }
        self.reset_query();
    }

    pub(super) fn finish(&mut self, ctx: &mut ParseCtx<'_>) {
        self.finalize(ctx);
    }
}

/// `priority       = 100` / `sipdir.online.lync.com  internet address = 52.112.0.1`.
fn assignment(t: &str) -> Option<(&str, &str)> {
    fn p(i: &str) -> IResult<&str, (&str, &str)> {
        let (i, key) = take_till1(|c| c == '=').parse(i)?;
        let (i, _) = (tag("="), space0).parse(i)?;
        let (i, value) = rest(i)?;
        Ok((i, (key.trim(), value.trim())))
    }
    let (_, (k, v)) = p(t).ok()?;
    // A key is words, not a URL or a `type=srv` option.
    let ok = !k.is_empty()
        && k.contains(|c: char| c.is_ascii_alphabetic())
        && take_while1::<_, _, nom::error::Error<&str>>(|c: char| {
            c.is_alphanumeric() || " ._-()".contains(c)
        })
        .parse(k)
        .is_ok_and(|(r, _)| r.is_empty());
    ok.then_some((k, v))
}

/// The reason after the last `:` of a `***` line.
fn classify(reason: &str) -> Option<DnsOutcome> {
    let r = reason.trim().to_lowercase();
    let has = |s: &[&str]| s.iter().any(|x| r.contains(x));
    Some(
        if has(&[
            "non-existent domain",
            "nonexistent domain",
            "nxdomain",
            "nicht existierende domäne",
            "domaine inexistant",
        ]) {
            DnsOutcome::NxDomain
        } else if has(&["timed out", "timed-out", "timeout", "zeitüberschreitung"]) {
            DnsOutcome::Timeout
        } else if has(&["no response from server", "keine antwort vom server"]) {
            DnsOutcome::NoResponse
        } else if has(&[
            "server failed",
            "server failure",
            "servfail",
            "serverfehler",
        ]) {
            DnsOutcome::ServerFailure
        } else if has(&["refused", "verweigert"]) {
            DnsOutcome::Refused
        } else if has(&["no records", "no answer", "records available"]) {
            DnsOutcome::NoRecords
        } else {
            return None;
        },
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{Format, parse};
    use super::*;
    use crate::input::decode::LineReader;
    use crate::model::Record;

    fn run(text: &str) -> (Vec<(u64, DnsLookup)>, Vec<String>) {
        let path: Arc<str> = Arc::from("t");
        let mut errors = Vec::new();
        let mut out = Vec::new();
        let mut sink = |r: Record| {
            if let Body::Dns(d) = r.body {
                out.push((r.source.line.unwrap_or(0), *d));
            }
        };
        let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
        let mut lines = LineReader::from_str(text);
        parse(Format::Nslookup, &mut lines, &mut ctx);
        (out, errors)
    }

    #[test]
    fn cname_answer() {
        let (d, e) = run(
            "Server:  dc01.contoso.local\r\nAddress:  10.0.0.10\r\n\r\nNon-authoritative answer:\r\nName:    sipdir.online.lync.com\r\nAddresses:  2603:1037::e\r\n          52.112.0.1\r\nAliases:  sip.contoso.com\r\n\r\n",
        );
        assert!(e.is_empty());
        assert_eq!(d.len(), 1);
        let (line, l) = &d[0];
        assert_eq!(*line, 5);
        assert_eq!(l.query, "sip.contoso.com");
        assert_eq!(l.outcome, DnsOutcome::Answer);
        assert_eq!(l.resolver.as_deref(), Some("dc01.contoso.local"));
        assert_eq!(l.resolver_addr.as_deref(), Some("10.0.0.10"));
        assert_eq!(l.canonical.as_deref(), Some("sipdir.online.lync.com"));
        assert_eq!(l.addresses, ["2603:1037::e", "52.112.0.1"]);
        assert_eq!(l.aliases, ["sip.contoso.com"]);
        assert_eq!(l.qtype.as_deref(), Some("A"));
    }

    #[test]
    fn nxdomain_and_timeout_with_echo() {
        let (d, _) = run(
            "Server:  dc01.contoso.local\nAddress:  10.0.0.10\n\n*** dc01.contoso.local can't find sip.contoso.com.: Non-existent domain\nC:\\>nslookup lyncdiscover.contoso.com 10.9.9.9\nDNS request timed out.\n    timeout was 2 seconds.\nServer:  UnKnown\nAddress:  10.9.9.9\n\nDNS request timed out.\n    timeout was 2 seconds.\n*** Request to UnKnown timed-out\n",
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].1.query, "sip.contoso.com");
        assert_eq!(d[0].1.outcome, DnsOutcome::NxDomain);
        assert_eq!(d[0].0, 4);
        assert_eq!(d[1].1.query, "lyncdiscover.contoso.com");
        assert_eq!(d[1].1.outcome, DnsOutcome::Timeout);
        assert_eq!(d[1].1.resolver.as_deref(), Some("UnKnown"));
        assert_eq!(d[1].1.resolver_addr.as_deref(), Some("10.9.9.9"));
        assert_eq!(d[1].0, 13);
    }

    #[test]
    fn srv_with_additional_section() {
        let (d, _) = run(
            "C:\\>nslookup -type=srv _sip._tls.contoso.com 8.8.8.8\nServer:  dns.google\nAddress:  8.8.8.8\n\nNon-authoritative answer:\n_sip._tls.contoso.com   SRV service location:\n          priority       = 100\n          weight         = 1\n          port           = 443\n          svr hostname   = sipdir.online.lync.com\nsipdir.online.lync.com  internet address = 52.112.0.1\nsipdir.online.lync.com  AAAA IPv6 address = 2603:1037::e\n",
        );
        assert_eq!(d.len(), 1);
        let l = &d[0].1;
        assert_eq!(l.query, "_sip._tls.contoso.com");
        assert_eq!(l.qtype.as_deref(), Some("SRV"));
        assert_eq!(d[0].0, 10);
        assert_eq!(
            l.srv,
            [SrvTarget {
                priority: 100,
                weight: 1,
                port: 443,
                target: "sipdir.online.lync.com".into()
            }]
        );
        assert!(l.addresses.is_empty());
    }

    #[test]
    fn soa_only_is_no_records() {
        let (d, _) = run(
            "C:\\>nslookup -type=srv _sip._tls.contoso.com\nServer:  dc01\nAddress:  10.0.0.10\n\ncontoso.com\n        primary name server = ns1.contoso.com\n        responsible mail addr = hostmaster.contoso.com\n        serial  = 1\n",
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].1.query, "_sip._tls.contoso.com");
        assert_eq!(d[0].1.outcome, DnsOutcome::NoRecords);
    }

    #[test]
    fn interactive_session() {
        let (d, _) = run(
            "Default Server:  dc01.contoso.local\nAddress:  10.0.0.10\n\n> set type=srv\n> _sip._tls.contoso.com\nServer:  dc01.contoso.local\nAddress:  10.0.0.10\n\n*** dc01.contoso.local can't find _sip._tls.contoso.com: Server failed\n> set type=a\n> sip.contoso.com\nServer:  dc01.contoso.local\nAddress:  10.0.0.10\n\nName:    sip.contoso.com\nAddress:  10.1.2.3\n\n> exit\n",
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].1.outcome, DnsOutcome::ServerFailure);
        assert_eq!(d[0].1.qtype.as_deref(), Some("SRV"));
        assert_eq!(d[1].1.query, "sip.contoso.com");
        assert_eq!(d[1].1.qtype.as_deref(), Some("A"));
        assert_eq!(d[1].1.addresses, ["10.1.2.3"]);
    }

    #[test]
    fn german_labels_and_error() {
        let (d, _) = run(
            "Server:  UnKnown\nAddress:  10.0.0.10\n\nNicht autorisierende Antwort:\nName:    sipdir.online.lync.com\nAdressen:  52.112.0.1\n          52.112.0.2\nAliase:  sip.contoso.com\n\nServer:  UnKnown\nAddress:  10.0.0.10\n\n*** lyncdiscover.contoso.com wurde von UnKnown nicht gefunden: Non-existent domain\n",
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].1.query, "sip.contoso.com");
        assert_eq!(d[0].1.addresses.len(), 2);
        assert_eq!(d[1].1.query, "lyncdiscover.contoso.com");
        assert_eq!(d[1].1.outcome, DnsOutcome::NxDomain);
    }

    #[test]
    fn resolver_reverse_lookup_failure_is_not_a_query() {
        let (d, _) = run(
            "*** Can't find server name for address 10.0.0.10: Non-existent domain\nServer:  UnKnown\nAddress:  10.0.0.10\n\nName:    sip.contoso.com\nAddress:  10.1.2.3\n",
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].1.query, "sip.contoso.com");
    }

    #[test]
    fn odd_error_lines_do_not_panic() {
        let (d, _) =
            run("*** x: y can't find z\n*** can't find: Server failed\n***\n*** Request to\n");
        assert_eq!(d.len(), 0);
    }

    #[test]
    fn sniffing() {
        let l = ["Server:  x", "Address:  1.2.3.4"];
        assert_eq!(sniff_at(&l), Some(0));
        let l = ["Server: RTC/7.0", "Content-Length: 0"];
        assert_eq!(sniff_at(&l), None);
    }
}
