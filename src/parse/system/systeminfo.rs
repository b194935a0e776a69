//! `systeminfo` (default list form and `/fo csv`): one [`SystemInfo`].

use super::{ParseCtx, label_value, parse_utc_offset, record};
use crate::model::{Body, SystemInfo};

pub(super) fn sniff_at(lines: &[&str]) -> Option<usize> {
    let i = lines
        .iter()
        .position(|l| l.starts_with("Host Name:") || l.starts_with("\"Host Name\",\"OS Name\""))?;
    if lines[i].starts_with('"') {
        return Some(i);
    }
    lines[i..lines.len().min(i + 6)]
        .iter()
        .any(|l| l.starts_with("OS Name:"))
        .then_some(i)
}

#[derive(Debug, Default)]
pub(super) struct Parser {
    info: SystemInfo,
    first: Option<u64>,
    tz_line: Option<u64>,
    /// Column names of the CSV form, once its header was seen.
    csv_header: Option<Vec<String>>,
}

impl Parser {
    pub(super) fn line(&mut self, n: u64, line: &str) {
        if line.starts_with('"') {
            self.csv(n, line);
            return;
        }
        if line.starts_with([' ', '\t']) {
            return; // nested lines of hotfix and network card lists
        }
        let Some((label, value)) = label_value(line) else {
            return;
        };
        self.set(n, label, value);
    }

    fn set(&mut self, n: u64, label: &str, value: &str) {
        let v = (!value.is_empty()).then(|| value.to_string());
        match label {
            "Host Name" => self.info.host_name = v,
            "OS Name" => self.info.os_name = v,
            "Domain" => self.info.domain = v,
            "Time Zone" => {
                self.info.utc_offset_minutes = parse_utc_offset(value);
                self.info.time_zone = v;
                self.tz_line = Some(n);
            }
            _ => return,
        }
        self.first.get_or_insert(n);
    }

    fn csv(&mut self, n: u64, line: &str) {
        let fields = csv_fields(line);
        match &self.csv_header {
            None if fields.first().is_some_and(|f| f == "Host Name") => {
                self.csv_header = Some(fields);
            }
            Some(h) => {
                let h = h.clone();
                for (name, value) in h.iter().zip(fields.iter()) {
                    self.set(n, name, value);
                }
            }
            None => {}
        }
    }

    pub(super) fn finish(&mut self, ctx: &mut ParseCtx<'_>) {
        let Some(first) = self.first.take() else {
            return;
        };
        let line = self.tz_line.take().unwrap_or(first);
        let info = std::mem::take(&mut self.info);
        ctx.emit(record(ctx, line, None, Body::SystemInfo(Box::new(info))));
    }
}

/// Split one line of `"a","b ""c""",d` into fields.
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => {
                if out.len() < super::MAX_ITEMS {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_and_csv() {
        let mut p = Parser::default();
        for (i, l) in [
            "Host Name:                 PC0142",
            "OS Name:                   Microsoft Windows 10 Enterprise",
            "Domain:                    contoso.local",
            "Logon Server:              \\\\DC01",
            "Time Zone:                 (UTC-08:00) Pacific Time (US & Canada)",
            "                           [01]: KB5020030",
        ]
        .iter()
        .enumerate()
        {
            p.line(i as u64 + 1, l);
        }
        assert_eq!(p.info.host_name.as_deref(), Some("PC0142"));
        assert_eq!(p.info.utc_offset_minutes, Some(-480));
        assert_eq!(p.info.domain.as_deref(), Some("contoso.local"));
        assert_eq!(p.tz_line, Some(5));

        let mut p = Parser::default();
        p.line(1, "\"Host Name\",\"OS Name\",\"Time Zone\",\"Domain\"");
        p.line(
            2,
            "\"PC7\",\"Microsoft Windows 11 Pro\",\"(UTC+01:00) Amsterdam, Berlin\",\"WORKGROUP\"",
        );
        assert_eq!(p.info.host_name.as_deref(), Some("PC7"));
        assert_eq!(p.info.utc_offset_minutes, Some(60));
        assert_eq!(
            p.info.time_zone.as_deref(),
            Some("(UTC+01:00) Amsterdam, Berlin")
        );
    }
}
