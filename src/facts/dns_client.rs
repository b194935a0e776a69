//! The Windows DNS client's own record of its lookups (the `Microsoft-Windows-DNS-Client/
//! Operational` log): event 3011 is one server's answer to a query (server, name, type, status)
//! and event 3008 the end of the query (name, type, status, and the records it got). Together
//! they say what nslookup would have said for each server the client asked, so the DNS picture
//! reads them as lookups.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use crate::model::{DnsLookup, DnsOutcome, SourceLoc, SrvTarget, Ts, WinEvent};

/// Events kept per case: a busy machine's log holds a query every few seconds, and only the
/// sign-in records' lookups are kept at all.
const MAX_EVENTS: usize = 4096;

/// One DNS-Client event about a sign-in record.
#[derive(Clone, Debug)]
pub(super) struct ClientDnsEvent {
    name: String,
    qtype: Option<String>,
    /// The server that answered (event 3011); `None` for the end of a query (3008).
    server: Option<String>,
    status: u32,
    /// What the query got (event 3008), `type: 5 target;type: 33 p w port target;address;`.
    results: Option<String>,
    at: SourceLoc,
    /// When, as the export wrote it (UTC or the machine's local time: one log, one kind).
    ts: Option<NaiveDateTime>,
}

/// How far after a server's answer the end of its query is looked for.
const QUERY_END_WITHIN_SECS: i64 = 30;

/// The DNS-Client events of a case.
#[derive(Default, Debug)]
pub(super) struct ClientDns {
    events: Vec<ClientDnsEvent>,
}

impl ClientDns {
    /// Keep `e` when it is a DNS-Client answer or query end for a sign-in record's name.
    pub(super) fn observe(&mut self, e: &WinEvent, at: &SourceLoc, ts: Option<Ts>) {
        if self.events.len() >= MAX_EVENTS
            || !matches!(e.event_id, 3008 | 3011)
            || !crate::engine::cond::contains_ci(&e.provider, "dns-client")
        {
            return;
        }
        if let Some(mut ev) = read(e, at)
            && super::lync_record(&ev.name).is_some()
        {
            ev.ts = ts.map(|t| t.naive());
            self.events.push(ev);
        }
    }

    /// The lookups the events show: one per server's answer (3011), with the records of the
    /// end of that query (3008); where no server's answer was logged for a name, one per query
    /// end, by the resolver the client was set to use.
    ///
    /// When every event of a name has a time, only the latest answer of each server counts: a
    /// record that broke yesterday, or was fixed an hour ago, is what the client gets now, and
    /// days of older answers must not outvote it.
    pub(super) fn lookups(&self) -> Vec<(DnsLookup, SourceLoc)> {
        let ev = &self.events;
        let answered: HashSet<&str> = ev
            .iter()
            .filter(|o| o.server.is_some())
            .map(|o| o.name.as_str())
            .collect();
        // Names with an event of unknown time: all their events count.
        let untimed: HashSet<&str> = ev
            .iter()
            .filter(|o| o.ts.is_none())
            .map(|o| o.name.as_str())
            .collect();
        // Per name and server (`None`: the query's end), the latest event, for names whose events all have a time.
        let mut latest: HashMap<(&str, Option<&str>), usize> = HashMap::new();
        for (i, o) in ev.iter().enumerate() {
            if untimed.contains(o.name.as_str()) {
                continue;
            }
            let key = (o.name.as_str(), o.server.as_deref());
            match latest.get(&key) {
                Some(&j) if ev[j].ts >= o.ts => {}
                _ => {
                    latest.insert(key, i);
                }
            }
        }
        let mut out = Vec::new();
        for (i, o) in ev.iter().enumerate() {
            if !untimed.contains(o.name.as_str())
                && latest.get(&(o.name.as_str(), o.server.as_deref())) != Some(&i)
            {
                continue;
            }
            // `None`: the answer's records are not in the log.
            let results = match (&o.server, answered.contains(o.name.as_str())) {
                (Some(_), _) => self.records_of(o),
                // An end of a query whose servers' answers are in the log: counted there.
                (None, true) => continue,
                (None, false) => o.results.as_deref(),
            };
            let mut d = DnsLookup {
                query: o.name.clone(),
                qtype: o.qtype.clone(),
                resolver: None,
                resolver_addr: o.server.clone(),
                outcome: outcome(o.status),
                canonical: None,
                addresses: Vec::new(),
                aliases: Vec::new(),
                srv: Vec::new(),
            };
            // A successful query with nothing in it found the name without records of the type;
            // an answer whose records went unlogged is still an answer (the name exists there).
            if d.outcome == DnsOutcome::Answer
                && let Some(r) = results
            {
                fill(&mut d, r);
                if d.canonical.is_none() && d.addresses.is_empty() && d.srv.is_empty() {
                    d.outcome = DnsOutcome::NoRecords;
                }
            }
            out.push((d, o.at.clone()));
        }
        out
    }

    /// The records a server's answer `a` brought: those of the end of its query (the first
    /// 3008 for the name within seconds after it) when that end is successful; without times,
    /// those of any successful end for the name.
    fn records_of(&self, a: &ClientDnsEvent) -> Option<&str> {
        let ends = self.events.iter().filter(|o| {
            o.server.is_none() && o.name == a.name && (o.qtype == a.qtype || o.qtype.is_none())
        });
        match a.ts {
            Some(t) => ends
                .filter_map(|o| {
                    let d = (o.ts? - t).num_milliseconds();
                    (0..=QUERY_END_WITHIN_SECS * 1000)
                        .contains(&d)
                        .then_some((d, o))
                })
                .min_by_key(|(d, _)| *d)
                .and_then(|(_, o)| (o.status == 0).then_some(o.results.as_deref()).flatten()),
            None => ends
                .filter(|o| o.status == 0)
                .find_map(|o| o.results.as_deref()),
        }
    }
}

/// Read a 3008 or 3011 from its data, or from its message (text exports carry only that).
fn read(e: &WinEvent, at: &SourceLoc) -> Option<ClientDnsEvent> {
    let msg = e.message.as_deref().unwrap_or("");
    // Exports and Windows versions differ in the case of the message's words ("Response Status",
    // "response status"); lower-casing ASCII keeps every byte where it was.
    let lower = msg.to_ascii_lowercase();
    let after = |key: &str| -> Option<&str> {
        let i = lower.find(&key.to_ascii_lowercase())? + key.len();
        Some(msg[i..].trim_start())
    };
    let word = |s: &str| -> String {
        s.split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .unwrap_or("")
            .trim_end_matches('.')
            .to_string()
    };
    let english = e.data("QueryName").is_some()
        || after("for the name ").is_some()
        || after("for name ").is_some();
    if !english {
        return read_any_language(e.event_id, msg, at);
    }
    let name = e
        .data("QueryName")
        .map(str::to_string)
        .or_else(|| {
            after("for the name ")
                .or_else(|| after("for name "))
                .map(word)
        })?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if name.is_empty() {
        return None;
    }
    let qtype = e
        .data("QueryType")
        .map(str::to_string)
        .or_else(|| after("type ").map(word))
        .map(|t| qtype_name(&t));
    let (server, status, results) = if e.event_id == 3011 {
        let server = e
            .data("DnsServerIpAddress")
            .map(str::to_string)
            .or_else(|| after("from DNS Server ").map(word))?;
        let status = e
            .data("ResponseStatus")
            .map(str::to_string)
            .or_else(|| after("response status ").map(word))?;
        (Some(server), status, None)
    } else {
        let status = e
            .data("QueryStatus")
            .map(str::to_string)
            .or_else(|| after("with status ").map(word))?;
        let results = e
            .data("QueryResults")
            .map(str::to_string)
            .or_else(|| after("Results ").map(|r| r.lines().next().unwrap_or("").to_string()));
        // A query's end names no server, but where a `ServerList` item comes with it (as the
        // query's start, 3006, has one) the servers asked tell one network's resolvers from
        // another's.
        let servers = e
            .data("ServerList")
            .map(|l| l.trim().trim_end_matches(';').to_string())
            .filter(|l| !l.is_empty());
        (servers, status, results)
    };
    Some(ClientDnsEvent {
        name,
        qtype,
        server,
        status: status.trim().parse().ok()?,
        results,
        at: at.clone(),
        ts: None,
    })
}

/// A 3008 or 3011 whose message is in another language (a text export of a localized Windows
/// carries nothing else). Its words differ, but its values come in the order of the event's
/// fields: for 3011 the server's address, the name, the type and the status; for 3008 the name,
/// the type, the query options, the status and then the records.
fn read_any_language(id: u32, msg: &str, at: &SourceLoc) -> Option<ClientDnsEvent> {
    let tokens: Vec<(usize, &str)> = msg
        .split_whitespace()
        .map(|t| {
            let t = t.trim_matches(|c: char| matches!(c, ',' | ';' | '"' | '\'' | '(' | ')'));
            (
                t.as_ptr() as usize - msg.as_ptr() as usize,
                t.trim_end_matches('.'),
            )
        })
        .collect();
    let is_ip = |t: &str| t.parse::<std::net::IpAddr>().is_ok();
    let is_name = |t: &str| {
        t.contains('.')
            && t.bytes().any(|c| c.is_ascii_alphabetic())
            && t.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
            && !is_ip(t)
    };
    let at_name = tokens.iter().position(|(_, t)| is_name(t))?;
    let name = tokens[at_name].1.to_ascii_lowercase();
    let numbers: Vec<(usize, &str)> = tokens[at_name + 1..]
        .iter()
        .filter(|(_, t)| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()))
        .copied()
        .collect();
    let (server, qtype, status, results) = if id == 3011 {
        let server = tokens[..at_name].iter().find(|(_, t)| is_ip(t))?.1;
        match numbers.as_slice() {
            [(_, qtype), (_, status)] => (Some(server.to_string()), *qtype, *status, None),
            _ => return None,
        }
    } else {
        let [(_, qtype), _, (end, status), ..] = numbers.as_slice() else {
            return None;
        };
        // The records, as the DNS client writes them whatever the language: `type:  5 target;`
        // and addresses, each ended by `;`.
        let rest = &msg[(*end + status.len()).min(msg.len())..];
        let results = rest
            .find("type:")
            .or_else(|| {
                rest.find(';')
                    .map(|i| rest[..i].rfind(' ').map_or(0, |j| j + 1))
            })
            .map(|i| rest[i..].trim().to_string());
        (None, *qtype, *status, results)
    };
    Some(ClientDnsEvent {
        name,
        qtype: Some(qtype_name(qtype)),
        server,
        status: status.parse().ok()?,
        results,
        at: at.clone(),
        ts: None,
    })
}

/// Windows' DNS status codes as nslookup would have put the outcome.
fn outcome(status: u32) -> DnsOutcome {
    match status {
        0 => DnsOutcome::Answer,
        9003 => DnsOutcome::NxDomain,
        9501 => DnsOutcome::NoRecords,
        9005 => DnsOutcome::Refused,
        1460 | 10060 => DnsOutcome::Timeout,
        _ => DnsOutcome::ServerFailure,
    }
}

fn qtype_name(t: &str) -> String {
    match t.trim() {
        "1" => "A".into(),
        "5" => "CNAME".into(),
        "28" => "AAAA".into(),
        "33" => "SRV".into(),
        other => other.to_string(),
    }
}

/// The records of a 3008 result list: the first alias is the record the name points to.
fn fill(d: &mut DnsLookup, results: &str) {
    for item in results.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let Some(rest) = item.strip_prefix("type:") else {
            let a = item.trim_start_matches("::ffff:").to_string();
            if !d.addresses.contains(&a) {
                d.addresses.push(a);
            }
            continue;
        };
        let mut parts = rest.split_whitespace();
        match parts.next() {
            Some("5") => {
                if let Some(t) = parts.next() {
                    let t = t.trim_end_matches('.').to_ascii_lowercase();
                    if d.canonical.is_none() {
                        d.canonical = Some(t);
                    } else {
                        d.aliases.push(t);
                    }
                }
            }
            Some("33") => {
                let f: Vec<&str> = parts.collect();
                if let [p, w, port, target] = f[..]
                    && let (Ok(priority), Ok(weight), Ok(port)) =
                        (p.parse(), w.parse(), port.parse())
                {
                    d.srv.push(SrvTarget {
                        priority,
                        weight,
                        port,
                        target: target.trim_end_matches('.').to_ascii_lowercase(),
                    });
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn ev(id: u32, data: &[(&str, &str)]) -> WinEvent {
        WinEvent {
            provider: "Microsoft-Windows-DNS-Client".into(),
            event_id: id,
            data: data.iter().copied().collect(),
            ..WinEvent::default()
        }
    }

    fn at() -> SourceLoc {
        SourceLoc::record(&Arc::from("dns.xml"), 1)
    }

    /// A server's answer (3011) at `day` 09:00 plus `sec` seconds.
    fn answer(c: &mut ClientDns, day: u32, sec: u32, server: &str, status: &str) {
        c.observe(
            &ev(
                3011,
                &[
                    ("QueryName", "sip.contoso.com"),
                    ("QueryType", "1"),
                    ("DnsServerIpAddress", server),
                    ("ResponseStatus", status),
                ],
            ),
            &at(),
            Some(at_time(day, sec)),
        );
    }

    /// The end of the query (3008) at `day` 09:00 plus `sec` seconds.
    fn end(c: &mut ClientDns, day: u32, sec: u32, status: &str, results: &str) {
        c.observe(
            &ev(
                3008,
                &[
                    ("QueryName", "sip.contoso.com"),
                    ("QueryType", "1"),
                    ("QueryStatus", status),
                    ("QueryResults", results),
                ],
            ),
            &at(),
            Some(at_time(day, sec)),
        );
    }

    fn at_time(day: u32, sec: u32) -> Ts {
        Ts::Utc(
            chrono::NaiveDate::from_ymd_opt(2026, 11, day)
                .and_then(|d| d.and_hms_opt(9, 0, sec))
                .expect("a time"),
        )
    }

    fn outcomes(c: &ClientDns) -> Vec<(String, DnsOutcome, Option<String>)> {
        let mut v: Vec<_> = c
            .lookups()
            .into_iter()
            .map(|(d, _)| (d.resolver_addr.unwrap_or_default(), d.outcome, d.canonical))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// A query's end that lists the servers it asked: the home router's answer and the office
    /// resolver's "no such name" are two resolvers, not one that changed its mind.
    #[test]
    fn a_query_end_with_its_server_list_is_that_servers_answer() {
        let mut c = ClientDns::default();
        let end_via = |c: &mut ClientDns, day: u32, servers: &str, status: &str, results: &str| {
            c.observe(
                &ev(
                    3008,
                    &[
                        ("QueryName", "sip.contoso.com"),
                        ("QueryType", "1"),
                        ("ServerList", servers),
                        ("QueryStatus", status),
                        ("QueryResults", results),
                    ],
                ),
                &at(),
                Some(at_time(day, 0)),
            );
        };
        end_via(&mut c, 1, "192.168.1.254", "0", "::ffff:52.112.64.13;");
        end_via(&mut c, 2, "10.0.0.2;", "9003", "");
        let o = outcomes(&c);
        assert_eq!(o.len(), 2, "{o:?}");
        assert!(
            o.iter()
                .any(|(s, out, _)| s == "10.0.0.2" && *out == DnsOutcome::NxDomain),
            "{o:?}"
        );
        assert!(
            o.iter()
                .any(|(s, out, _)| s == "192.168.1.254" && *out == DnsOutcome::Answer),
            "{o:?}"
        );
    }

    #[test]
    fn the_latest_answer_of_each_server_is_what_the_client_gets() {
        // Two good days, then the record is gone from both servers on the third.
        let mut c = ClientDns::default();
        for day in [1, 2] {
            for server in ["10.0.0.1", "10.0.0.2"] {
                answer(&mut c, day, 0, server, "0");
            }
            end(
                &mut c,
                day,
                1,
                "0",
                "type: 5 sipdir.online.lync.com;52.112.1.1;",
            );
        }
        for server in ["10.0.0.1", "10.0.0.2"] {
            answer(&mut c, 3, 0, server, "9003");
        }
        end(&mut c, 3, 1, "9003", "");
        assert_eq!(
            outcomes(&c),
            [
                ("10.0.0.1".into(), DnsOutcome::NxDomain, None),
                ("10.0.0.2".into(), DnsOutcome::NxDomain, None)
            ]
        );
        // Fixed on the fourth: the good answer, with the records of its own query's end.
        for server in ["10.0.0.1", "10.0.0.2"] {
            answer(&mut c, 4, 0, server, "0");
        }
        end(
            &mut c,
            4,
            1,
            "0",
            "type: 5 sipdir.online.lync.com;52.112.1.1;",
        );
        let o = outcomes(&c);
        assert!(
            o.iter().all(|(_, out, t)| *out == DnsOutcome::Answer
                && t.as_deref() == Some("sipdir.online.lync.com")),
            "{o:?}"
        );
    }

    #[test]
    fn an_answer_whose_records_went_unlogged_is_still_an_answer() {
        // One server says the name does not exist, the other answers; the query's end took the
        // first answer, so the second one's records are nowhere in the log.
        let mut c = ClientDns::default();
        answer(&mut c, 1, 0, "10.0.0.1", "9003");
        answer(&mut c, 1, 0, "10.0.0.2", "0");
        end(&mut c, 1, 1, "9003", "");
        assert_eq!(
            outcomes(&c),
            [
                ("10.0.0.1".into(), DnsOutcome::NxDomain, None),
                ("10.0.0.2".into(), DnsOutcome::Answer, None)
            ]
        );
        // A successful end with nothing in it: the name exists without records of the type.
        let mut c = ClientDns::default();
        answer(&mut c, 1, 0, "10.0.0.2", "0");
        end(&mut c, 1, 1, "0", "");
        assert_eq!(
            outcomes(&c),
            [("10.0.0.2".into(), DnsOutcome::NoRecords, None)]
        );
    }

    #[test]
    fn servers_that_disagree_are_two_lookups_with_the_records_of_the_good_one() {
        let mut c = ClientDns::default();
        let name = "lyncdiscover.contoso.com";
        for (server, status) in [("192.168.1.1", "9003"), ("1.1.1.1", "0")] {
            c.observe(
                &ev(
                    3011,
                    &[
                        ("QueryName", name),
                        ("QueryType", "1"),
                        ("DnsServerIpAddress", server),
                        ("ResponseStatus", status),
                    ],
                ),
                &at(),
                None,
            );
        }
        c.observe(
            &ev(
                3008,
                &[
                    ("QueryName", name),
                    ("QueryType", "1"),
                    ("QueryStatus", "0"),
                    (
                        "QueryResults",
                        "type: 5 webdir.online.lync.com;type: 5 webdir.online.lync.com.trafficmanager.net;52.113.64.140;",
                    ),
                ],
            ),
            &at(),
            None,
        );
        // Another name's query: not a sign-in record, not kept.
        c.observe(
            &ev(
                3008,
                &[("QueryName", "outlook.office365.com"), ("QueryStatus", "0")],
            ),
            &at(),
            None,
        );
        let l = c.lookups();
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!(l[0].0.outcome, DnsOutcome::NxDomain);
        assert_eq!(l[0].0.resolver_addr.as_deref(), Some("192.168.1.1"));
        assert_eq!(l[1].0.outcome, DnsOutcome::Answer);
        assert_eq!(l[1].0.canonical.as_deref(), Some("webdir.online.lync.com"));
        assert_eq!(l[1].0.addresses, vec!["52.113.64.140".to_string()]);
        assert_eq!(l[1].0.qtype.as_deref(), Some("A"));
    }

    #[test]
    fn a_server_answer_reads_from_its_message_whatever_the_case_of_its_words() {
        for msg in [
            "Received response from DNS Server 10.0.0.53 for name lyncdiscover.contoso.com and Type 1 and Response Status 0",
            "Received response from DNS Server 10.0.0.53 for name lyncdiscover.contoso.com and type 1 with response status 0",
        ] {
            let mut e = ev(3011, &[]);
            e.message = Some(msg.to_string());
            let r = read(&e, &at()).expect(msg);
            assert_eq!(r.server.as_deref(), Some("10.0.0.53"), "{msg}");
            assert_eq!(r.status, 0, "{msg}");
            assert_eq!(r.name, "lyncdiscover.contoso.com", "{msg}");
        }
    }

    #[test]
    fn messages_in_other_languages_read_by_the_order_of_their_values() {
        let mut e = ev(3011, &[]);
        e.message = Some("Byla přijata odpověď ze serveru DNS 10.40.1.10 pro název lyncdiscover.modrasova.cz a typ 1 se stavem odpovědi 0".into());
        let r = read(&e, &at()).expect("3011");
        assert_eq!(
            (r.server.as_deref(), r.name.as_str(), r.status),
            (Some("10.40.1.10"), "lyncdiscover.modrasova.cz", 0)
        );
        let mut e = ev(3008, &[]);
        e.message = Some("Dotaz DNS pro název lyncdiscover.modrasova.cz, typ 1, možnosti dotazu 140738562228224 byl dokončen se stavem 0. Výsledky type:  5 webdir.online.lync.com;::ffff:52.112.196.17;".into());
        let r = read(&e, &at()).expect("3008");
        assert_eq!(
            (r.server, r.name.as_str(), r.status),
            (None, "lyncdiscover.modrasova.cz", 0)
        );
        assert_eq!(
            r.results.as_deref(),
            Some("type:  5 webdir.online.lync.com;::ffff:52.112.196.17;")
        );
        let mut e = ev(3008, &[]);
        e.message = Some("Dotaz DNS pro název sip.modrasova.cz, typ 1, možnosti dotazu 140738562228224 byl dokončen se stavem 9003. Výsledky ".into());
        let r = read(&e, &at()).expect("3008 failed");
        assert_eq!((r.name.as_str(), r.status), ("sip.modrasova.cz", 9003));
        // Not a DNS-Client message at all: nothing read.
        let mut e = ev(3011, &[]);
        e.message = Some("Služba byla spuštěna.".into());
        assert!(read(&e, &at()).is_none());
    }

    #[test]
    fn a_query_end_alone_reads_from_its_message() {
        let mut c = ClientDns::default();
        let mut e = ev(3008, &[]);
        e.message = Some("DNS query is completed for the name _sip._tls.contoso.com, type 33, query options 140737488355328 with status 0 Results type: 33 100 1 443 sipdir.online.lync.com;".into());
        c.observe(&e, &at(), None);
        let mut miss = ev(3008, &[]);
        miss.message = Some("DNS query is completed for the name sip.contoso.com, type 1, query options 1 with status 9003 Results ".into());
        c.observe(&miss, &at(), None);
        let l = c.lookups();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].0.srv[0].target, "sipdir.online.lync.com");
        assert_eq!(l[0].0.srv[0].port, 443);
        assert_eq!(l[0].0.resolver_addr, None);
        assert_eq!(l[1].0.query, "sip.contoso.com");
        assert_eq!(l[1].0.outcome, DnsOutcome::NxDomain);
    }
}
