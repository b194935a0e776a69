//! Windows command outputs found in support bundles: `nslookup`, `ipconfig /all`, registry
//! exports, `w32tm`, `netsh winhttp show proxy`, `systeminfo`, `certutil -store`, directory
//! listings and the hosts file.
//!
//! Bundles often concatenate several runs into one file (command echo lines such as
//! `C:\Users\alice>nslookup sip.contoso.com`, banners such as `==== ipconfig /all ====`, or just
//! one output after another). [`parse`] therefore runs a small section machine: the detected
//! format only chooses the first section; every line is checked for the start of another one.

mod certutil;
mod dirlist;
mod hosts;
mod ipconfig;
mod nslookup;
mod proxy;
mod registry;
mod systeminfo;
mod w32tm;

use nom::{
    IResult, Parser,
    bytes::complete::take_while1,
    character::complete::{char, digit1, space0},
    combinator::{opt, rest},
};

use super::{Format, ParseCtx};
use crate::input::decode::LineReader;
use crate::model::{Body, Record, SourceLoc, Ts};

/// Longest list kept in one record (addresses, aliases, DNS servers, notes...).
pub(crate) const MAX_ITEMS: usize = 256;

/// How many lines of the head [`sniff`] looks at.
const SNIFF_LINES: usize = 4000;

/// Classify decoded text (first ~64 KiB of a file) as one of the system outputs, or None.
///
/// Content only. When a file holds several outputs, the one that starts first wins; `parse`
/// finds the others.
pub fn sniff(head: &str) -> Option<Format> {
    let head = head.strip_prefix('\u{feff}').unwrap_or(head);
    let lines: Vec<&str> = head.lines().take(SNIFF_LINES).collect();
    // Things that are certainly not ours: client logs and SIP traffic.
    if lines.iter().take(200).any(|l| foreign_line(l)) {
        return None;
    }
    if let Some(first) = lines.iter().find(|l| !l.trim().is_empty()) {
        if registry::is_header(first.trim()) {
            return Some(Format::Registry);
        }
    }
    let mut best: Option<(usize, Format)> = None;
    let mut consider = |at: Option<usize>, f: Format| {
        if let Some(i) = at {
            if best.is_none_or(|(b, _)| i < b) {
                best = Some((i, f));
            }
        }
    };
    consider(nslookup::sniff_at(&lines), Format::Nslookup);
    consider(ipconfig::sniff_at(&lines), Format::Ipconfig);
    consider(w32tm::sniff_at(&lines), Format::W32tm);
    consider(proxy::sniff_at(&lines), Format::Proxy);
    consider(systeminfo::sniff_at(&lines), Format::Systeminfo);
    consider(certutil::sniff_at(&lines), Format::Certutil);
    consider(dirlist::sniff_at(&lines), Format::DirListing);
    if let Some((_, f)) = best {
        return Some(f);
    }
    if hosts::sniff(&lines) {
        return Some(Format::Hosts);
    }
    None
}

/// A line that marks a UCCAPI client log or a SIP message.
fn foreign_line(l: &str) -> bool {
    let b = l.as_bytes();
    // `MM/DD/YYYY|HH:MM:SS.mmm`
    let uccapi = b.len() > 11
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 2 || i == 5 {
                *c == b'/'
            } else {
                c.is_ascii_digit()
            }
        })
        && b[10] == b'|';
    uccapi || l.starts_with("SIP/2.0 ") || l.ends_with(" SIP/2.0")
}

/// Parse the whole file. Returns the number of records emitted.
pub fn parse(format: Format, lines: &mut LineReader<'_>, ctx: &mut ParseCtx<'_>) -> u64 {
    let start = ctx.records;
    let mut section = Section::new(format);
    while let Some((n, line)) = lines.next_line() {
        let line = if n == 1 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        let line = line.trim_end();
        if let Some(cmd) = command_line(line) {
            section.finish(ctx);
            section = Section::new(cmd.format.unwrap_or(Format::Text));
            if let Section::Nslookup(p) = &mut section {
                p.command(&cmd.args);
            }
            continue;
        }
        if let Some(f) = content_start(line, section.format()) {
            section.finish(ctx);
            section = Section::new(f);
        }
        section.line(n, line, ctx);
    }
    section.finish(ctx);
    ctx.records - start
}

/// Parse "(UTC+01:00) Amsterdam, ..." / "(UTC-08:00) Pacific Time (US & Canada)" /
/// "(GMT+05:30) ..." into minutes east of UTC. `(UTC)` alone is 0.
pub fn parse_utc_offset(tz: &str) -> Option<i32> {
    fn offset(i: &str) -> IResult<&str, i32> {
        let (i, _) = space0(i)?;
        let (i, _) = opt(char('(')).parse(i)?;
        let (i, _) = take_while1(|c: char| c.is_ascii_alphabetic())
            .map_opt(|z: &str| {
                (z.eq_ignore_ascii_case("UTC") || z.eq_ignore_ascii_case("GMT")).then_some(())
            })
            .parse(i)?;
        let (i, signed) = opt((
            nom::character::complete::one_of("+-\u{2212}"),
            digit1,
            opt((char(':'), digit1)),
        ))
        .parse(i)?;
        let Some((sign, h, m)) = signed else {
            return Ok((i, 0));
        };
        let fail = || nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify));
        let h: i32 = h.parse().map_err(|_| fail())?;
        let m: i32 = match m {
            Some((_, m)) => m.parse().map_err(|_| fail())?,
            None => 0,
        };
        if h > 14 || m >= 60 {
            return Err(fail());
        }
        let v = h * 60 + m;
        Ok((i, if sign == '+' { v } else { -v }))
    }
    let (after, v) = offset(tz).ok()?;
    // `(UTC)` / `(UTC+01:00)` must end there, not run into more digits.
    match after.chars().next() {
        None | Some(')') | Some(' ') => Some(v),
        _ => None,
    }
}

/// One output inside a file.
enum Section {
    Nslookup(Box<nslookup::Parser>),
    Ipconfig(ipconfig::Parser),
    Registry(registry::Parser),
    W32tm(w32tm::Parser),
    Proxy(proxy::Parser),
    Systeminfo(systeminfo::Parser),
    Certutil(certutil::Parser),
    Dir(dirlist::Parser),
    Hosts(hosts::Parser),
    /// Output of a command we do not read (ping, route print...), or text before any section.
    Other,
}

impl Section {
    fn new(f: Format) -> Section {
        match f {
            Format::Nslookup => Section::Nslookup(Box::default()),
            Format::Ipconfig => Section::Ipconfig(Default::default()),
            Format::Registry => Section::Registry(Default::default()),
            Format::W32tm => Section::W32tm(Default::default()),
            Format::Proxy => Section::Proxy(Default::default()),
            Format::Systeminfo => Section::Systeminfo(Default::default()),
            Format::Certutil => Section::Certutil(Default::default()),
            Format::DirListing => Section::Dir(Default::default()),
            Format::Hosts => Section::Hosts(Default::default()),
            _ => Section::Other,
        }
    }
    fn format(&self) -> Option<Format> {
        Some(match self {
            Section::Nslookup(_) => Format::Nslookup,
            Section::Ipconfig(_) => Format::Ipconfig,
            Section::Registry(_) => Format::Registry,
            Section::W32tm(_) => Format::W32tm,
            Section::Proxy(_) => Format::Proxy,
            Section::Systeminfo(_) => Format::Systeminfo,
            Section::Certutil(_) => Format::Certutil,
            Section::Dir(_) => Format::DirListing,
            Section::Hosts(_) => Format::Hosts,
            Section::Other => return None,
        })
    }
    fn line(&mut self, n: u64, line: &str, ctx: &mut ParseCtx<'_>) {
        match self {
            Section::Nslookup(p) => p.line(n, line, ctx),
            Section::Ipconfig(p) => p.line(n, line),
            Section::Registry(p) => p.line(n, line, ctx),
            Section::W32tm(p) => p.line(n, line, ctx),
            Section::Proxy(p) => p.line(n, line, ctx),
            Section::Systeminfo(p) => p.line(n, line),
            Section::Certutil(p) => p.line(n, line, ctx),
            Section::Dir(p) => p.line(n, line, ctx),
            Section::Hosts(p) => p.line(n, line, ctx),
            Section::Other => {}
        }
    }
    fn finish(&mut self, ctx: &mut ParseCtx<'_>) {
        match self {
            Section::Nslookup(p) => p.finish(ctx),
            Section::Ipconfig(p) => p.finish(ctx),
            Section::Registry(p) => p.finish(ctx),
            Section::W32tm(p) => p.finish(ctx),
            Section::Proxy(p) => p.finish(ctx),
            Section::Systeminfo(p) => p.finish(ctx),
            Section::Certutil(p) => p.finish(ctx),
            Section::Dir(_) | Section::Hosts(_) | Section::Other => {}
        }
    }
}

/// A command echoed into the file: a prompt line or a banner naming the command.
#[derive(Debug, PartialEq)]
struct Command {
    /// The output that follows; None for commands we do not read.
    format: Option<Format>,
    args: Vec<String>,
}

/// Recognise `C:\Users\alice>nslookup ...`, `PS C:\> ipconfig /all` and banners such as
/// `==== nslookup sip.contoso.com ====` or `### w32tm /stripchart ... ###`.
fn command_line(line: &str) -> Option<Command> {
    let t = line.trim();
    let text = if let Some(cmd) = prompt_command(t) {
        cmd
    } else {
        banner_text(t)?
    };
    let mut words = text.split_whitespace();
    let first = words.next()?;
    let name = first
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or(first)
        .to_ascii_lowercase();
    let name = name.strip_suffix(".exe").unwrap_or(&name);
    let args: Vec<String> = words.map(str::to_string).collect();
    let lower_args = args.join(" ").to_ascii_lowercase();
    let format = match name {
        "nslookup" => Some(Format::Nslookup),
        "ipconfig" => Some(Format::Ipconfig),
        "reg" | "regedit" => Some(Format::Registry),
        "w32tm" => Some(Format::W32tm),
        "netsh" if lower_args.contains("proxy") => Some(Format::Proxy),
        "systeminfo" => Some(Format::Systeminfo),
        "certutil" => Some(Format::Certutil),
        "dir" | "get-childitem" | "gci" | "ls" => Some(Format::DirListing),
        "type" | "cat" | "get-content" | "gc" if lower_args.contains("hosts") => {
            Some(Format::Hosts)
        }
        // Other commands bundles run; their output is skipped.
        "route" | "ping" | "tracert" | "pathping" | "netstat" | "arp" | "nbtstat" | "klist"
        | "whoami" | "gpresult" | "tasklist" | "net" | "netsh" | "hostname" | "set" | "type"
        | "cat" | "get-content" | "gc" | "test-netconnection" | "resolve-dnsname" => None,
        // A banner whose first word is no command (`==== Certificate 0 ====`) is not one.
        _ if prompt_command(t).is_none() => return None,
        _ => None,
    };
    Some(Command { format, args })
}

/// The command after a `C:\path>` or `PS C:\path>` prompt.
fn prompt_command(t: &str) -> Option<&str> {
    let t = t.strip_prefix("PS ").unwrap_or(t);
    let b = t.as_bytes();
    if b.len() < 4 || !b[0].is_ascii_alphabetic() || b[1] != b':' || b[2] != b'\\' {
        return None;
    }
    let gt = t.find('>')?;
    let cmd = t[gt + 1..].trim();
    (!cmd.is_empty()).then_some(cmd)
}

/// The text inside a banner line: at least three of `=`, `-`, `#`, `*` before it.
fn banner_text(t: &str) -> Option<&str> {
    let marks = |c: char| matches!(c, '=' | '-' | '#' | '*');
    let lead = t.chars().take_while(|&c| marks(c)).count();
    if lead < 3 {
        return None;
    }
    let inner = t.trim_matches(marks).trim();
    (!inner.is_empty()).then_some(inner)
}

/// A line that starts a new output by its content alone.
fn content_start(line: &str, current: Option<Format>) -> Option<Format> {
    let t = line.trim();
    let unindented = !line.starts_with([' ', '\t']);
    let new = if t.eq_ignore_ascii_case("Windows IP Configuration")
        || t.eq_ignore_ascii_case("Windows-IP-Konfiguration")
    {
        // Each run is a new record.
        return Some(Format::Ipconfig);
    } else if registry::is_header(t) {
        return Some(Format::Registry);
    } else if t.eq_ignore_ascii_case("Current WinHTTP proxy settings:") {
        return Some(Format::Proxy);
    } else if unindented && nslookup::starts_section(t) {
        Format::Nslookup
    } else if unindented && (t.starts_with("Leap Indicator:") || w32tm::is_tracking(t)) {
        Format::W32tm
    } else if unindented && t.starts_with("Host Name:") {
        Format::Systeminfo
    } else if certutil::is_cert_header(t) {
        Format::Certutil
    } else if dirlist::is_dir_header(line).is_some() {
        Format::DirListing
    } else if t.starts_with("# Copyright (c)") && t.contains("Microsoft Corp") {
        Format::Hosts
    } else {
        return None;
    };
    (current != Some(new)).then_some(new)
}

/// Build a record at a line of the current input.
pub(crate) fn record(ctx: &ParseCtx<'_>, line: u64, ts: Option<Ts>, body: Body) -> Record {
    Record {
        source: SourceLoc::line(ctx.path, line),
        ts,
        body,
    }
}

/// `label<sep>value` where the label has no `:`; the label loses trailing ` . ` padding.
/// Shared by ipconfig (`Host Name . . . : PC`), systeminfo and nslookup (`Name:    x`).
pub(crate) fn label_value(line: &str) -> Option<(&str, &str)> {
    fn p(i: &str) -> IResult<&str, (&str, &str)> {
        let (i, _) = space0(i)?;
        let (i, label) = take_while1(|c: char| c != ':').parse(i)?;
        let (i, _) = char(':')(i)?;
        let (i, value) = rest(i)?;
        Ok((i, (label, value)))
    }
    let (_, (label, value)) = p(line).ok()?;
    let label = label.trim_end_matches([' ', '.', '\t']).trim();
    if label.is_empty() {
        return None;
    }
    Some((label, value.trim()))
}

/// DNS names compare lower case without the root dot.
pub(crate) fn norm_name(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

pub(crate) fn push_capped<T>(v: &mut Vec<T>, item: T) {
    if v.len() < MAX_ITEMS {
        v.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets() {
        assert_eq!(parse_utc_offset("(UTC+01:00) Amsterdam, Berlin"), Some(60));
        assert_eq!(
            parse_utc_offset("(UTC-08:00) Pacific Time (US & Canada)"),
            Some(-480)
        );
        assert_eq!(parse_utc_offset("(GMT+05:30) Chennai, Kolkata"), Some(330));
        assert_eq!(parse_utc_offset("(UTC+05:45) Kathmandu"), Some(345));
        assert_eq!(
            parse_utc_offset("(UTC) Coordinated Universal Time"),
            Some(0)
        );
        assert_eq!(parse_utc_offset("(UTC+00:00) Dublin, Edinburgh"), Some(0));
        assert_eq!(parse_utc_offset("(UTC-03:30) Newfoundland"), Some(-210));
        assert_eq!(parse_utc_offset("Pacific Standard Time"), None);
        assert_eq!(parse_utc_offset("(UTC+99:00) Nowhere"), None);
        assert_eq!(parse_utc_offset(""), None);
    }

    #[test]
    fn command_echo_and_banners() {
        let c = command_line(r"C:\Users\alice>nslookup -type=srv _sip._tls.contoso.com 8.8.8.8")
            .unwrap();
        assert_eq!(c.format, Some(Format::Nslookup));
        assert_eq!(c.args, ["-type=srv", "_sip._tls.contoso.com", "8.8.8.8"]);
        let c = command_line("==== ipconfig /all ====").unwrap();
        assert_eq!(c.format, Some(Format::Ipconfig));
        let c = command_line(r"PS C:\> netsh winhttp show proxy").unwrap();
        assert_eq!(c.format, Some(Format::Proxy));
        let c = command_line(r"C:\>ping sip.contoso.com").unwrap();
        assert_eq!(c.format, None);
        assert!(command_line("================ Certificate 0 ================").is_none());
        assert!(command_line("Server:  dc01.contoso.local").is_none());
        assert!(command_line("> sip.contoso.com").is_none());
    }

    #[test]
    fn labels() {
        assert_eq!(
            label_value("   Host Name . . . . . . . . . . . . : PC0142"),
            Some(("Host Name", "PC0142"))
        );
        assert_eq!(
            label_value("Addresses:  2603:1037::e"),
            Some(("Addresses", "2603:1037::e"))
        );
        assert_eq!(label_value(":x"), None);
    }

    #[test]
    fn sniff_rejects_foreign_text() {
        assert_eq!(
            sniff("11/24/2026|07:12:09.123 1A2C:0F10 INFO  :: Server:  x\nAddress:  1.2.3.4\n"),
            None
        );
        assert_eq!(
            sniff("SIP/2.0 200 OK\r\nServer: RTC/7.0\r\nContent-Length: 0\r\n"),
            None
        );
        assert_eq!(
            sniff("The server was down. We checked the address.\nNothing else.\n"),
            None
        );
        assert_eq!(sniff(""), None);
    }
}
