//! The hosts file: one [`HostsEntry`] per `address name [name...]` line; comments (`#`) and
//! blank lines are skipped.

use std::net::IpAddr;

use super::{ParseCtx, norm_name, push_capped, record};
use crate::model::{Body, HostsEntry};

/// Claim a file only with the Microsoft header, or when every line that is not blank or a
/// comment is a well-formed entry (and there is at least one).
pub(super) fn sniff(lines: &[&str]) -> bool {
    if lines
        .iter()
        .take(5)
        .any(|l| l.starts_with("# Copyright (c)") && l.contains("Microsoft Corp"))
    {
        return true;
    }
    let mut entries = 0;
    for l in lines {
        let t = strip_comment(l).trim();
        if t.is_empty() {
            continue;
        }
        if entry(t).is_none() {
            return false;
        }
        entries += 1;
    }
    entries > 0
}

fn strip_comment(l: &str) -> &str {
    l.split('#').next().unwrap_or("")
}

fn is_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.starts_with(['-', '.'])
        && s.chars().all(|c| c.is_alphanumeric() || "-._".contains(c))
}

/// `10.1.2.3  sip.contoso.com  sip`.
fn entry(t: &str) -> Option<HostsEntry> {
    let mut words = t.split_whitespace();
    let addr = words.next()?;
    addr.parse::<IpAddr>().ok()?;
    let mut names = Vec::new();
    for w in words {
        if !is_hostname(w) {
            return None;
        }
        push_capped(&mut names, norm_name(w));
    }
    (!names.is_empty()).then(|| HostsEntry {
        address: addr.to_string(),
        names,
    })
}

#[derive(Debug, Default)]
pub(super) struct Parser;

impl Parser {
    pub(super) fn line(&mut self, n: u64, line: &str, ctx: &mut ParseCtx<'_>) {
        let t = strip_comment(line).trim();
        if t.is_empty() {
            return;
        }
        if let Some(e) = entry(t) {
            ctx.emit(record(ctx, n, None, Body::Hosts(Box::new(e))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_sniff() {
        let e = entry("10.1.2.3    SIP.contoso.com.  sip").unwrap();
        assert_eq!(e.address, "10.1.2.3");
        assert_eq!(e.names, ["sip.contoso.com", "sip"]);
        assert!(entry("::1 localhost").is_some());
        assert!(entry("hello world").is_none());
        assert!(entry("10.1.2.3").is_none());
        assert!(sniff(&["# local", "10.1.2.3 sip.contoso.com"]));
        assert!(!sniff(&["10.1.2.3 sip.contoso.com", "and some prose here"]));
        assert!(!sniff(&["# only comments"]));
    }
}
