//! `netsh winhttp show proxy`: one [`ProxySetting`].

use super::{ParseCtx, label_value, record};
use crate::model::{Body, ProxySetting};

pub(super) fn sniff_at(lines: &[&str]) -> Option<usize> {
    lines.iter().position(|l| {
        let t = l.trim();
        t.eq_ignore_ascii_case("Current WinHTTP proxy settings:")
            || t.starts_with("Direct access (no proxy server)")
            || t.starts_with("Proxy Server(s) :")
    })
}

#[derive(Debug, Default)]
pub(super) struct Parser {
    direct: bool,
    server: Option<String>,
    bypass: Option<String>,
    line: Option<u64>,
}

impl Parser {
    pub(super) fn line(&mut self, n: u64, line: &str, ctx: &mut ParseCtx<'_>) {
        let t = line.trim();
        if t.starts_with("Direct access (no proxy server)") {
            if self.line.is_some() {
                self.finish(ctx);
            }
            self.direct = true;
            self.line = Some(n);
            return;
        }
        let Some((label, value)) = label_value(t) else {
            return;
        };
        let value = (!value.is_empty()).then(|| value.to_string());
        match label {
            "Proxy Server(s)" => {
                if self.line.is_some() {
                    self.finish(ctx);
                }
                self.server = value;
                self.line = Some(n);
            }
            "Bypass List" => self.bypass = value,
            _ => {}
        }
    }

    pub(super) fn finish(&mut self, ctx: &mut ParseCtx<'_>) {
        let Some(line) = self.line.take() else {
            return;
        };
        let p = ProxySetting {
            direct: std::mem::take(&mut self.direct),
            server: self.server.take(),
            bypass: self.bypass.take(),
        };
        ctx.emit(record(ctx, line, None, Body::Proxy(Box::new(p))));
    }
}
