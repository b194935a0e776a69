//! `certutil -store My` / `certutil -user -store My`: one [`CertEntry`] per
//! `================ Certificate N ================` block. Key and test status lines
//! (`Missing stored keyset`, `Encryption test FAILED`, `Key Container = ...`, `Provider = ...`)
//! and `CertUtil: ... FAILED` lines go into `notes`.

use super::{ParseCtx, label_value, push_capped, record};
use crate::model::{Body, CertEntry};

/// `================ Certificate 0 ================` (any language: a word and a number
/// between runs of `=`).
pub(super) fn is_cert_header(t: &str) -> bool {
    if !t.starts_with("=====") || !t.ends_with("=====") {
        return false;
    }
    let inner = t.trim_matches('=').trim();
    let mut words = inner.split_whitespace();
    matches!(
        (words.next(), words.next(), words.next()),
        (Some(w), Some(num), None)
            if w.chars().all(char::is_alphabetic) && num.chars().all(|c| c.is_ascii_digit())
    )
}

pub(super) fn sniff_at(lines: &[&str]) -> Option<usize> {
    lines.iter().position(|l| {
        let t = l.trim();
        is_cert_header(t) || t.starts_with("CertUtil: -")
    })
}

#[derive(Debug, Default)]
pub(super) struct Parser {
    cur: Option<(u64, CertEntry)>,
}

fn is_note(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    [
        "keyset",
        "test passed",
        "test failed",
        "key container",
        "unique container name",
        "provider =",
        "no key provider",
        "private key",
        "failed",
        "cannot find",
    ]
    .iter()
    .any(|k| l.contains(k))
}

impl Parser {
    pub(super) fn line(&mut self, n: u64, line: &str, ctx: &mut ParseCtx<'_>) {
        let t = line.trim();
        if is_cert_header(t) {
            self.finish(ctx);
            self.cur = Some((n, CertEntry::default()));
            return;
        }
        if t.starts_with("CertUtil:") {
            if t.contains("FAILED") || t.contains("ERROR") {
                match self.cur.as_mut() {
                    Some((_, c)) => push_capped(&mut c.notes, t.to_string()),
                    None => {
                        let c = CertEntry {
                            notes: vec![t.to_string()],
                            ..CertEntry::default()
                        };
                        ctx.emit(record(ctx, n, None, Body::Cert(Box::new(c))));
                    }
                }
            }
            return;
        }
        let Some((_, cert)) = self.cur.as_mut() else {
            return;
        };
        if let Some((label, value)) = label_value(t) {
            let v = || Some(value.to_string());
            match label {
                "Issuer" => return cert.issuer = v(),
                "Subject" => return cert.subject = v(),
                "NotBefore" => return cert.not_before = v(),
                "NotAfter" => return cert.not_after = v(),
                "Cert Hash(sha1)" => {
                    let h: String = value
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    return cert.thumbprint = (!h.is_empty()).then_some(h);
                }
                _ => {}
            }
        }
        if is_note(t) {
            push_capped(&mut cert.notes, t.to_string());
        }
    }

    pub(super) fn finish(&mut self, ctx: &mut ParseCtx<'_>) {
        if let Some((line, c)) = self.cur.take() {
            ctx.emit(record(ctx, line, None, Body::Cert(Box::new(c))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert!(is_cert_header(
            "================ Certificate 0 ================"
        ));
        assert!(is_cert_header(
            "================ Zertifikat 12 ================"
        ));
        assert!(!is_cert_header("==== nslookup sip.contoso.com ===="));
        assert!(!is_cert_header("=========="));
    }

    #[test]
    fn notes() {
        assert!(is_note("Missing stored keyset"));
        assert!(is_note("Encryption test FAILED"));
        assert!(is_note(
            "  Provider = Microsoft Enhanced Cryptographic Provider v1.0"
        ));
        assert!(!is_note("Non-root Certificate"));
    }
}
