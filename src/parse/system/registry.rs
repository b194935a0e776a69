//! Registry exports (`reg export`, regedit `.reg` files) and `reg query` listings, one
//! [`RegValue`] per value.
//!
//! Kinds: `sz`, `expand_sz`, `multi_sz`, `dword`, `qword`, `binary`, `none`, or `hex(N)` for
//! other types. Strings are unescaped; dwords and qwords are written in decimal;
//! `expand_sz`/`multi_sz` exported as `hex(2):`/`hex(7):` are decoded from UTF-16LE (multi-sz
//! items joined with `,`); binary stays as the comma-separated hex bytes. The default value
//! (`@=`, `(Default)`) has the empty name.

use nom::{
    IResult, Parser as _,
    branch::alt,
    bytes::complete::{escaped_transform, is_not, tag, take_until, take_while1},
    character::complete::{char, hex_digit1, space0, space1},
    combinator::{eof, map, opt, rest, value},
    sequence::{delimited, terminated},
};

use super::{ParseCtx, record};
use crate::model::{Body, RegValue};

/// Longest value text kept across continuation lines.
const MAX_VALUE: usize = 64 * 1024;

pub(super) fn is_header(t: &str) -> bool {
    t == "Windows Registry Editor Version 5.00" || t == "REGEDIT4"
}

#[derive(Debug, Default)]
pub(super) struct Parser {
    key: Option<String>,
    /// A hex value continued on the next lines: (first line, name, text so far).
    pending: Option<(u64, String, String)>,
    /// The last continuation was cut at [`MAX_VALUE`].
    truncated: bool,
}

impl Parser {
    pub(super) fn line(&mut self, n: u64, line: &str, ctx: &mut ParseCtx<'_>) {
        let t = line.trim();
        if let Some((first, name, mut text)) = self.pending.take() {
            let (part, more) = match t.strip_suffix('\\') {
                Some(p) => (p, true),
                None => (t, false),
            };
            if text.len() + part.len() <= MAX_VALUE {
                text.push_str(part);
            } else if !self.truncated {
                self.truncated = true;
                ctx.error(format!("line {first}: value {name:?} is too long; cut"));
            }
            if more {
                self.pending = Some((first, name, text));
            } else {
                self.value(first, name, &text, ctx);
            }
            return;
        }
        if t.is_empty() || t.starts_with(';') {
            return;
        }
        if t.starts_with("Windows Registry Editor") || t.starts_with("REGEDIT") {
            if !is_header(t) {
                ctx.error(format!("line {n}: unrecognised registry header {t:?}"));
            }
            return;
        }
        if let Some(inner) = t.strip_prefix('[') {
            match inner.strip_suffix(']') {
                Some(k) if k.starts_with('-') => self.key = None,
                Some(k) => self.key = Some(k.to_string()),
                None => {
                    self.key = None;
                    ctx.error(format!("line {n}: registry key line without ']'"));
                }
            }
            return;
        }
        // `reg query` output: a bare key line, then indented `name  REG_SZ  value` lines.
        if !line.starts_with([' ', '\t']) && t.starts_with("HKEY_") {
            self.key = Some(t.to_string());
            return;
        }
        if let Some((name, kind, v)) = query_value(line) {
            self.emit(n, name, kind, v, ctx);
            return;
        }
        if t.starts_with('"') || t.starts_with("@=") {
            match name_and_raw(t) {
                Some((name, raw)) => {
                    if raw.starts_with("hex") && raw.ends_with('\\') {
                        let text = raw.trim_end_matches('\\').to_string();
                        self.truncated = false;
                        self.pending = Some((n, name, text));
                    } else {
                        self.value(n, name, raw, ctx);
                    }
                }
                None => ctx.error(format!("line {n}: malformed registry value line")),
            }
        }
    }

    /// Decode one value's text after `=`.
    fn value(&mut self, n: u64, name: String, raw: &str, ctx: &mut ParseCtx<'_>) {
        let raw = raw.trim();
        if raw == "-" {
            return; // a deletion
        }
        let decoded = if raw.starts_with('"') {
            match quoted(raw) {
                Ok((r, s)) if r.trim().is_empty() => Ok(("sz".to_string(), s)),
                _ => Err("unterminated string"),
            }
        } else if let Some(h) = raw.strip_prefix("dword:") {
            u32::from_str_radix(h.trim(), 16)
                .map(|v| ("dword".to_string(), v.to_string()))
                .map_err(|_| "bad dword")
        } else if let Some((kind, hex)) = hex_value(raw) {
            match hex_bytes(hex) {
                Some(bytes) => Ok(decode_hex(&kind, &bytes, hex)),
                None => Err("value is not hex"),
            }
        } else {
            Err("unrecognised value type")
        };
        match decoded {
            Ok((kind, v)) => self.emit(n, name, kind, v, ctx),
            Err(why) => ctx.error(format!("line {n}: {why} in registry value {name:?}")),
        }
    }

    fn emit(&mut self, n: u64, name: String, kind: String, value: String, ctx: &mut ParseCtx<'_>) {
        let Some(key) = self.key.clone() else {
            return; // values of a deleted key, or before any key
        };
        let v = RegValue {
            key,
            name,
            value,
            kind,
        };
        ctx.emit(record(ctx, n, None, Body::Registry(Box::new(v))));
    }

    pub(super) fn finish(&mut self, ctx: &mut ParseCtx<'_>) {
        if let Some((first, name, text)) = self.pending.take() {
            self.value(first, name, &text, ctx);
        }
    }
}

/// `"string"` with `\\` and `\"` escapes.
fn quoted(i: &str) -> IResult<&str, String> {
    delimited(
        char('"'),
        map(
            opt(escaped_transform(
                is_not("\\\""),
                '\\',
                alt((value("\\", tag("\\")), value("\"", tag("\"")))),
            )),
            Option::unwrap_or_default,
        ),
        char('"'),
    )
    .parse(i)
}

/// `"Name"=rest` or `@=rest`.
fn name_and_raw(t: &str) -> Option<(String, &str)> {
    fn p(i: &str) -> IResult<&str, String> {
        terminated(
            alt((quoted, value(String::new(), char('@')))),
            (space0, char('='), space0),
        )
        .parse(i)
    }
    let (raw, name) = p(t).ok()?;
    Some((name, raw))
}

/// `hex:..` / `hex(2):..` → (kind digits, bytes text).
fn hex_value(raw: &str) -> Option<(String, &str)> {
    fn p(i: &str) -> IResult<&str, Option<&str>> {
        terminated(
            nom::sequence::preceded(tag("hex"), opt(delimited(char('('), hex_digit1, char(')')))),
            char(':'),
        )
        .parse(i)
    }
    let (rest, kind) = p(raw).ok()?;
    Some((kind.unwrap_or("").to_ascii_lowercase(), rest))
}

/// `0a,00,ff` (whitespace allowed) → bytes; None when anything else is there.
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        if p.len() != 2 {
            return None;
        }
        out.push(u8::from_str_radix(p, 16).ok()?);
    }
    Some(out)
}

fn decode_hex(kind: &str, bytes: &[u8], text: &str) -> (String, String) {
    let utf16 = || {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    let raw = || {
        text.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(",")
            .to_ascii_lowercase()
    };
    match kind {
        "" | "3" => ("binary".into(), raw()),
        "0" => ("none".into(), raw()),
        "1" => ("sz".into(), utf16().trim_end_matches('\0').to_string()),
        "2" => (
            "expand_sz".into(),
            utf16().trim_end_matches('\0').to_string(),
        ),
        "7" => {
            let s = utf16();
            let items: Vec<&str> = s.split('\0').filter(|x| !x.is_empty()).collect();
            ("multi_sz".into(), items.join(","))
        }
        "4" if bytes.len() == 4 => {
            let v = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            ("dword".into(), v.to_string())
        }
        "b" if bytes.len() == 8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(bytes);
            ("qword".into(), u64::from_le_bytes(b).to_string())
        }
        k => (format!("hex({k})"), raw()),
    }
}

/// `    Name    REG_SZ    value` from `reg query`.
fn query_value(line: &str) -> Option<(String, String, String)> {
    fn p(i: &str) -> IResult<&str, (&str, &str, &str)> {
        let (i, _) = space1(i)?;
        let (i, name) = take_until("    REG_")(i)?;
        let (i, _) = space1(i)?;
        let (i, ty) = take_while1(|c: char| c.is_ascii_uppercase() || c == '_')(i)?;
        let (i, _) = alt((space1, eof)).parse(i)?;
        let (i, v) = rest(i)?;
        Ok((i, (name, ty, v)))
    }
    let (_, (name, ty, v)) = p(line).ok()?;
    let name = name.trim();
    let name = if name == "(Default)" { "" } else { name };
    let v = v.trim();
    let (kind, value) = match ty {
        "REG_SZ" => ("sz", v.to_string()),
        "REG_EXPAND_SZ" => ("expand_sz", v.to_string()),
        "REG_MULTI_SZ" => (
            "multi_sz",
            v.split("\\0")
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(","),
        ),
        "REG_DWORD" | "REG_QWORD" => {
            let num = v
                .strip_prefix("0x")
                .and_then(|h| u64::from_str_radix(h, 16).ok())
                .map(|x| x.to_string())
                .unwrap_or_else(|| v.to_string());
            (if ty == "REG_DWORD" { "dword" } else { "qword" }, num)
        }
        "REG_BINARY" => ("binary", v.to_ascii_lowercase()),
        "REG_NONE" => ("none", v.to_string()),
        _ => return None,
    };
    Some((name.to_string(), kind.to_string(), value))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Record;

    fn run(text: &str) -> (Vec<(u64, RegValue)>, Vec<String>) {
        let path: Arc<str> = Arc::from("t");
        let mut errors = Vec::new();
        let mut out = Vec::new();
        let mut sink = |r: Record| {
            if let Body::Registry(v) = r.body {
                out.push((r.source.line.unwrap_or(0), *v));
            }
        };
        let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
        let mut p = Parser::default();
        for (i, l) in text.lines().enumerate() {
            p.line(i as u64 + 1, l, &mut ctx);
        }
        p.finish(&mut ctx);
        (out, errors)
    }

    #[test]
    fn value_kinds() {
        let (v, e) = run(concat!(
            "Windows Registry Editor Version 5.00\n\n",
            "[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Lync]\n",
            "\"ServerSipUri\"=\"alice@contoso.com\"\n",
            "\"Path\"=\"C:\\\\Users\\\\alice \\\"x\\\"\"\n",
            "\"Empty\"=\"\"\n",
            "@=\"default\"\n",
            "\"ConfigurationMode\"=dword:0000000a\n",
            "\"Exp\"=hex(2):25,00,41,00,\\\n  50,00,25,00,00,00\n",
            "\"Multi\"=hex(7):61,00,00,00,62,00,00,00,00,00\n",
            "\"Bin\"=hex:01,AB\n",
            "\"Q\"=hex(b):02,00,00,00,00,00,00,00\n",
            "[-HKEY_CURRENT_USER\\Software\\Old]\n",
            "\"Gone\"=\"x\"\n",
        ));
        assert!(e.is_empty(), "{e:?}");
        let got: Vec<(&str, &str, &str)> = v
            .iter()
            .map(|(_, r)| (r.name.as_str(), r.value.as_str(), r.kind.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("ServerSipUri", "alice@contoso.com", "sz"),
                ("Path", "C:\\Users\\alice \"x\"", "sz"),
                ("Empty", "", "sz"),
                ("", "default", "sz"),
                ("ConfigurationMode", "10", "dword"),
                ("Exp", "%AP%", "expand_sz"),
                ("Multi", "a,b", "multi_sz"),
                ("Bin", "01,ab", "binary"),
                ("Q", "2", "qword"),
            ]
        );
        assert_eq!(v[5].0, 9);
        assert_eq!(
            v[0].1.key,
            "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Lync"
        );
    }

    #[test]
    fn malformed_values_are_reported() {
        let (v, e) = run(
            "REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n\"A\"=hex(2):zz,00\n\"B\"=dword:xyz\n\"C\"=\"unterminated\nWindows Registry Editor Version 9\n",
        );
        assert!(v.is_empty());
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e[0].starts_with("line 3:"));
    }

    #[test]
    fn reg_query_listing() {
        let (v, _) = run(
            "\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Communicator\n    TrustModelData    REG_SZ    contoso.com,fabrikam.com\n    EnableX    REG_DWORD    0x1\n    (Default)    REG_SZ\n",
        );
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].1.value, "contoso.com,fabrikam.com");
        assert_eq!(v[1].1.value, "1");
        assert_eq!(v[2].1.name, "");
    }
}
