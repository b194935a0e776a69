//! `ipconfig /all`: host name, DNS suffixes and the DNS servers of every adapter, as one
//! [`IpConfig`] record.
//!
//! Value lines read `   Label . . . . . : value`; a list goes on in lines indented past the
//! label column (DNS servers, the suffix search list).

use super::{ParseCtx, label_value, push_capped, record};
use crate::model::{Body, IpConfig};

/// Index of the `Windows IP Configuration` line, when a labelled line follows it.
pub(super) fn sniff_at(lines: &[&str]) -> Option<usize> {
    let i = lines.iter().position(|l| {
        let t = l.trim();
        t.eq_ignore_ascii_case("Windows IP Configuration")
            || t.eq_ignore_ascii_case("Windows-IP-Konfiguration")
    })?;
    lines[i + 1..]
        .iter()
        .take(20)
        .any(|l| l.contains(". . :") || l.contains(" . : "))
        .then_some(i)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum List {
    #[default]
    None,
    Servers,
    Suffixes,
}

#[derive(Debug, Default)]
pub(super) struct Parser {
    cfg: IpConfig,
    first_line: Option<u64>,
    list: List,
}

/// Which field a (lower-cased) label fills. English and German.
fn field(label: &str) -> Option<&'static str> {
    Some(match label {
        "host name" | "hostname" => "host",
        "primary dns suffix" | "primäres dns-suffix" => "suffix",
        "dns suffix search list" | "dns-suffixsuchliste" => "search",
        "connection-specific dns suffix search list" => "search",
        "dns servers" | "dns-server" => "servers",
        _ => return None,
    })
}

impl Parser {
    pub(super) fn line(&mut self, n: u64, line: &str) {
        self.first_line.get_or_insert(n);
        let t = line.trim();
        if t.is_empty() {
            self.list = List::None;
            return;
        }
        let indent = line.len() - line.trim_start().len();
        // Continuation: far past the label column, one value.
        if indent >= 10 && self.list != List::None && !t.contains(char::is_whitespace) {
            self.push(t);
            return;
        }
        self.list = List::None;
        if indent == 0 {
            // Adapter headers (`Ethernet adapter Ethernet:`) and the title.
            return;
        }
        let Some((label, value)) = label_value(line) else {
            return;
        };
        match field(&label.to_lowercase()) {
            Some("host") => self.cfg.host_name = nonempty(value),
            Some("suffix") => self.cfg.primary_dns_suffix = nonempty(value),
            Some("search") => {
                self.list = List::Suffixes;
                self.push(value);
            }
            Some("servers") => {
                self.list = List::Servers;
                self.push(value);
            }
            _ => {}
        }
    }

    fn push(&mut self, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let list = match self.list {
            List::Servers => &mut self.cfg.dns_servers,
            List::Suffixes => &mut self.cfg.dns_suffix_search,
            List::None => return,
        };
        let value = if self.list == List::Suffixes {
            value.trim_end_matches('.').to_ascii_lowercase()
        } else {
            value.to_string()
        };
        if !list.contains(&value) {
            push_capped(list, value);
        }
    }

    pub(super) fn finish(&mut self, ctx: &mut ParseCtx<'_>) {
        let cfg = std::mem::take(&mut self.cfg);
        if cfg == IpConfig::default() {
            return;
        }
        let line = self.first_line.unwrap_or(1);
        ctx.emit(record(ctx, line, None, Body::IpConfig(Box::new(cfg))));
    }
}

fn nonempty(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_continuations() {
        let mut p = Parser::default();
        let text = "\nWindows IP Configuration\n\n   Host Name . . . . . . . . . . . . : PC0142\n   Primary Dns Suffix  . . . . . . . : contoso.local\n   DNS Suffix Search List. . . . . . : contoso.local\n                                       contoso.com\n\nEthernet adapter Ethernet:\n\n   Link-local IPv6 Address . . . . . : fe80::1c2d:3e4f:5a6b:7c8d%12(Preferred)\n   DNS Servers . . . . . . . . . . . : 10.0.0.10\n                                       10.0.0.11\n   NetBIOS over Tcpip. . . . . . . . : Enabled\n\nWireless LAN adapter Wi-Fi:\n\n   DNS Servers . . . . . . . . . . . : fec0:0:0:ffff::1%1\n                                       10.0.0.10\n";
        for (i, l) in text.lines().enumerate() {
            p.line(i as u64 + 1, l);
        }
        assert_eq!(p.cfg.host_name.as_deref(), Some("PC0142"));
        assert_eq!(p.cfg.primary_dns_suffix.as_deref(), Some("contoso.local"));
        assert_eq!(p.cfg.dns_suffix_search, ["contoso.local", "contoso.com"]);
        assert_eq!(
            p.cfg.dns_servers,
            ["10.0.0.10", "10.0.0.11", "fec0:0:0:ffff::1%1"]
        );
        assert_eq!(p.first_line, Some(1));
    }
}
