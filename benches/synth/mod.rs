//! Seeded generator of realistic Skype for Business / Lync sign-in support
//! cases: UCCAPI client logs, Windows event exports and MOSDAL-style bundles.
//!
//! Self-contained (no dependency on the sfbdiag library) so benches, examples
//! and tests can include it with `#[path = "../benches/synth/mod.rs"] mod synth;`.
#![allow(dead_code)]

pub mod bundle;
pub mod causes;
pub mod ctx;
pub mod events;
pub mod flows;
pub mod rng;
pub mod sip;
pub mod system;
pub mod uccapi;

use std::io::Write;
use std::path::Path;

pub use bundle::{Case, Enc, Packaging};
pub use rng::Rng;
pub use sip::Auth;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    ServerTrustPrompt,
    WrongCredentials,
    PasswordResetNeeded,
    NotLicensed,
    ClientVersionIncompatible,
    PersonalCertificateCache,
    CorruptedCredentials,
    DnsPropagationPending,
    DnsRecordsMissing,
    ClockSkew,
    SigninAssistantBlocked,
    AdfsSelfSignedCert,
    UserNotSipEnabled,
}

pub const ALL_CAUSES: &[Cause] = &[
    Cause::ServerTrustPrompt,
    Cause::WrongCredentials,
    Cause::PasswordResetNeeded,
    Cause::NotLicensed,
    Cause::ClientVersionIncompatible,
    Cause::PersonalCertificateCache,
    Cause::CorruptedCredentials,
    Cause::DnsPropagationPending,
    Cause::DnsRecordsMissing,
    Cause::ClockSkew,
    Cause::SigninAssistantBlocked,
    Cause::AdfsSelfSignedCert,
    Cause::UserNotSipEnabled,
];

impl Cause {
    pub fn id(self) -> &'static str {
        match self {
            Cause::ServerTrustPrompt => "server-trust-prompt",
            Cause::WrongCredentials => "wrong-credentials",
            Cause::PasswordResetNeeded => "password-reset-needed",
            Cause::NotLicensed => "not-licensed",
            Cause::ClientVersionIncompatible => "client-version-incompatible",
            Cause::PersonalCertificateCache => "personal-certificate-cache",
            Cause::CorruptedCredentials => "corrupted-credentials",
            Cause::DnsPropagationPending => "dns-propagation-pending",
            Cause::DnsRecordsMissing => "dns-records-missing",
            Cause::ClockSkew => "clock-skew",
            Cause::SigninAssistantBlocked => "signin-assistant-blocked",
            Cause::AdfsSelfSignedCert => "adfs-self-signed-cert",
            Cause::UserNotSipEnabled => "user-not-sip-enabled",
        }
    }
}

/// What to generate. `variant: None` lets the RNG choose the signal variant.
#[derive(Clone, Debug)]
pub struct CaseSpec {
    pub name: String,
    pub cause: Option<Cause>,
    pub variant: Option<u32>,
    pub healthy_auth: Option<Auth>,
    /// The failure is followed by a successful sign-in.
    pub recovered: bool,
    pub events_only: bool,
    pub packaging: Packaging,
    pub log_enc: Enc,
    /// Approximate size of each UCCAPI log (the bulk of a bundle).
    pub log_bytes: u64,
}

impl CaseSpec {
    pub fn new(name: &str, cause: Option<Cause>) -> CaseSpec {
        CaseSpec {
            name: name.into(),
            cause,
            variant: None,
            healthy_auth: None,
            recovered: false,
            events_only: false,
            packaging: Packaging::Zip,
            log_enc: Enc::Utf8,
            log_bytes: 60_000,
        }
    }
    fn v(mut self, v: u32) -> Self {
        self.variant = Some(v);
        self
    }
    fn pack(mut self, p: Packaging) -> Self {
        self.packaging = p;
        self
    }
    fn enc(mut self, e: Enc) -> Self {
        self.log_enc = e;
        self
    }
    fn kb(mut self, kb: u64) -> Self {
        self.log_bytes = kb * 1000;
        self
    }
}

pub fn generate_case(spec: &CaseSpec, rng: &mut Rng) -> Case {
    causes::build(spec, rng.fork())
}

pub const FIXTURE_SEED: u64 = 0x5FB_D1A6_2026;

/// The committed fixture set, with the `also_acceptable` column and a note.
pub fn fixture_specs() -> Vec<(CaseSpec, &'static str, &'static str)> {
    use Cause::*;
    let n = |s: &str, c| CaseSpec::new(s, Some(c));
    let nested = || Packaging::NestedZip {
        inner_dir: "Tracing".into(),
    };
    let h = |s: &str, a: Auth| {
        let mut c = CaseSpec::new(s, None);
        c.healthy_auth = Some(a);
        c
    };
    let mut v = vec![
        (
            h("healthy-ntlm", Auth::Ntlm).pack(Packaging::Dir).kb(90),
            "",
            "on-premises NTLM",
        ),
        (
            h("healthy-kerberos", Auth::Kerberos)
                .pack(Packaging::Loose)
                .enc(Enc::Utf16Le)
                .kb(70),
            "",
            "on-premises Kerberos, UTF-16LE log",
        ),
        (
            h("healthy-tlsdsk", Auth::TlsDsk)
                .pack(Packaging::Zip)
                .kb(110),
            "",
            "TLS-DSK",
        ),
        (
            n("wrong-credentials", WrongCredentials)
                .v(0)
                .pack(Packaging::Dir)
                .kb(70),
            "password-reset-needed",
            "",
        ),
        (
            n("password-reset-needed", PasswordResetNeeded)
                .v(0)
                .pack(Packaging::Loose)
                .enc(Enc::Utf8Bom)
                .kb(50),
            "wrong-credentials",
            "",
        ),
        (
            n("client-version-incompatible", ClientVersionIncompatible)
                .v(1)
                .pack(Packaging::Loose)
                .kb(50),
            "",
            "",
        ),
        (
            n("clock-skew-1013", ClockSkew)
                .v(0)
                .pack(Packaging::Zip)
                .kb(60),
            "",
            "ms-diagnostics 1013",
        ),
        (
            n("clock-skew-date-headers", ClockSkew)
                .v(3)
                .pack(Packaging::Zip)
                .kb(80),
            "wrong-credentials",
            "harder: no 1013, skew only computable from Date headers, w32tm and systeminfo",
        ),
        (
            n("user-not-sip-enabled", UserNotSipEnabled)
                .v(0)
                .pack(nested())
                .kb(60),
            "not-licensed",
            "AD export decides against not-licensed",
        ),
        (
            n("not-licensed", NotLicensed)
                .v(0)
                .pack(Packaging::Loose)
                .kb(50),
            "user-not-sip-enabled",
            "",
        ),
        (
            n("personal-certificate-cache", PersonalCertificateCache)
                .v(0)
                .pack(Packaging::Dir)
                .kb(60),
            "corrupted-credentials",
            "",
        ),
        (
            n("corrupted-credentials", CorruptedCredentials)
                .v(0)
                .pack(Packaging::Dir)
                .enc(Enc::Utf16Le)
                .kb(80),
            "personal-certificate-cache",
            "rotated -0/-1 logs",
        ),
        (
            n("dns-records-missing", DnsRecordsMissing)
                .v(1)
                .pack(Packaging::Zip)
                .kb(50),
            "dns-propagation-pending",
            "MOSDAL bundle, wrong sip CNAME",
        ),
        (
            n("dns-propagation-pending", DnsPropagationPending)
                .pack(Packaging::Zip)
                .kb(50),
            "dns-records-missing",
            "MOSDAL bundle, resolvers disagree",
        ),
        (
            n("signin-assistant-blocked", SigninAssistantBlocked)
                .v(1)
                .pack(Packaging::Zip)
                .kb(50),
            "",
            "",
        ),
        (
            n("adfs-self-signed-cert", AdfsSelfSignedCert)
                .pack(Packaging::Zip)
                .kb(50),
            "",
            "",
        ),
        (
            n("server-trust-prompt", ServerTrustPrompt)
                .v(1)
                .pack(Packaging::Zip)
                .kb(50),
            "",
            "decided by the TrustModelData registry export",
        ),
        (
            n("failed-then-recovered", WrongCredentials)
                .v(0)
                .pack(Packaging::Loose)
                .kb(110),
            "none",
            "confidence must be low: the user signed in later",
        ),
        (
            n("events-only-password-expired", PasswordResetNeeded)
                .pack(Packaging::Loose)
                .enc(Enc::Utf16Le),
            "wrong-credentials",
            "Event Viewer CSV only",
        ),
        (
            n("events-only-clock-skew", ClockSkew).pack(Packaging::Dir),
            "",
            "event exports only",
        ),
    ];
    for (s, _, _) in v.iter_mut() {
        if s.name == "failed-then-recovered" {
            s.recovered = true;
        }
        if s.name.starts_with("events-only") {
            s.events_only = true;
        }
        if s.name == "user-not-sip-enabled" {
            s.packaging = Packaging::NestedZip {
                inner_dir: String::new(),
            };
        }
    }
    v
}

/// Generate every fixture; nested-zip cases nest their trace folder.
pub fn fixtures() -> Vec<(Case, &'static str, &'static str)> {
    let mut rng = Rng::new(FIXTURE_SEED);
    fixture_specs()
        .into_iter()
        .map(|(spec, also, note)| {
            let mut case = generate_case(&spec, &mut rng);
            if let Packaging::NestedZip { .. } = case.packaging {
                // Nest whichever folder holds the UCCAPI log.
                let dir = case
                    .files
                    .iter()
                    .find(|(p, _)| p.to_ascii_lowercase().ends_with("uccapilog"))
                    .map(|(p, _)| p.rsplit_once('/').map(|x| x.0).unwrap_or("").to_string())
                    .unwrap_or_default();
                case.packaging = Packaging::NestedZip { inner_dir: dir };
            }
            (case, also, note)
        })
        .collect()
}

pub fn write_fixtures(out: &Path) -> std::io::Result<Vec<(String, String)>> {
    std::fs::create_dir_all(out)?;
    let mut csv = String::from("case,expected_top_cause,also_acceptable\r\n");
    let mut readme = String::from(
        "# Generated sign-in cases\r\n\r\nBuilt by `cargo run --release --example gen_cases -- fixtures fixtures/cases` (generator in `benches/synth/`, fixed seed). Do not edit by hand; regenerate.\r\n\r\n`case` is the entry name under this folder (a `.zip`, a directory, or a single file). `also_acceptable` lists causes a careful analyser may rank first instead; for `failed-then-recovered` the expected cause must come with low confidence.\r\n\r\n| case | expected | what it shows |\r\n|---|---|---|\r\n",
    );
    let mut out_list = vec![];
    for (case, also, note) in fixtures() {
        let top = bundle::write_case(&case, out)?;
        csv.push_str(&format!("{top},{},{also}\r\n", case.label_str()));
        let n = if note.is_empty() {
            String::new()
        } else {
            format!(" ({note})")
        };
        readme.push_str(&format!(
            "| `{top}` | {} | {}{n} |\r\n",
            case.label_str(),
            case.summary
        ));
        out_list.push((top, case.label_str().to_string()));
    }
    std::fs::write(out.join("expected.csv"), csv)?;
    std::fs::write(out.join("README.md"), readme)?;
    Ok(out_list)
}

/// A labelled corpus of `count` cases; bundle content sizes between the bounds.
pub fn corpus(count: usize, seed: u64, min_kb: u64, max_kb: u64) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|i| {
            let cause = if rng.chance(0.2) {
                None
            } else {
                Some(*rng.pick(ALL_CAUSES))
            };
            let name = format!("case-{i:05}");
            let mut spec = CaseSpec::new(&name, cause);
            spec.log_bytes = rng.range(min_kb, max_kb.max(min_kb + 1)) * 1000 * 9 / 10;
            spec.packaging = match rng.below(10) {
                0 => Packaging::Dir,
                1 => Packaging::Loose,
                2 => Packaging::NestedZip {
                    inner_dir: String::new(),
                },
                _ => Packaging::Zip,
            };
            spec.log_enc = *rng.pick(&[Enc::Utf8, Enc::Utf8, Enc::Utf8Bom, Enc::Utf16Le]);
            spec.recovered = cause.is_some()
                && matches!(
                    cause,
                    Some(Cause::WrongCredentials) | Some(Cause::PersonalCertificateCache)
                )
                && rng.chance(0.25);
            let mut case = generate_case(&spec, &mut rng);
            if case.packaging == Packaging::Loose && case.files.len() != 1 {
                case.packaging = Packaging::Dir;
            }
            if let Packaging::NestedZip { .. } = case.packaging {
                let dir = case
                    .files
                    .iter()
                    .find(|(p, _)| p.to_ascii_lowercase().ends_with("uccapilog"))
                    .map(|(p, _)| p.rsplit_once('/').map(|x| x.0).unwrap_or("").to_string());
                case.packaging = match dir {
                    Some(d) if !d.is_empty() => Packaging::NestedZip { inner_dir: d },
                    _ => Packaging::Zip,
                };
            }
            case
        })
        .collect()
}

pub fn write_corpus(
    out: &Path,
    count: usize,
    seed: u64,
    min_kb: u64,
    max_kb: u64,
) -> std::io::Result<usize> {
    std::fs::create_dir_all(out)?;
    let mut csv = String::from("case,expected_top_cause\r\n");
    let mut n = 0;
    for case in corpus(count, seed, min_kb, max_kb) {
        let top = bundle::write_case(&case, out)?;
        let label = if case.summary.contains("later the user signs in") {
            format!("{} (recovered)", case.label_str())
        } else {
            case.label_str().to_string()
        };
        let _ = label;
        csv.push_str(&format!("{top},{}\r\n", case.label_str()));
        n += 1;
    }
    std::fs::write(out.join("labels.csv"), csv)?;
    Ok(n)
}

/// Stream one huge UCCAPI log of exactly `bytes` bytes with realistic traffic
/// and a few failed sign-ins; nothing but one record is held in memory.
pub fn write_big_log<W: Write>(w: W, bytes: u64, seed: u64) -> std::io::Result<u64> {
    let mut rng = Rng::new(seed);
    let online = rng.chance(0.6);
    let ctx = ctx::Ctx::new(&mut rng, online);
    let mut log = uccapi::Log::new(
        std::io::BufWriter::with_capacity(1 << 16, w),
        ctx.start,
        &mut rng,
    );
    flows::startup(&mut log, &ctx, &mut rng);
    let auth = if ctx.online {
        Auth::TlsDsk
    } else {
        *rng.pick(&[Auth::Ntlm, Auth::Kerberos])
    };
    // Failure episodes spread over the file.
    let episodes = 3 + rng.below(4);
    let mut marks: Vec<u64> = (0..episodes)
        .map(|_| {
            rng.range(
                bytes / 20,
                bytes.saturating_sub(bytes / 10).max(bytes / 20 + 1),
            )
        })
        .collect();
    marks.sort();
    let reserve = 32 * 1024;
    let mut sess = flows::signin_ok(&mut log, &ctx, &mut rng, auth);
    while log.written + reserve < bytes && log.error.is_none() {
        if let Some(&m) = marks.first() {
            if log.written >= m {
                marks.remove(0);
                flows::sign_out(
                    &mut log,
                    &ctx,
                    &mut rng,
                    &mut sess,
                    "network connection lost",
                );
                log.advance_secs(rng.range(30, 900) as i64);
                let src = ctx.pool.clone();
                let fin = match rng.below(3) {
                    0 => sip::Final::Fail {
                        code: 401,
                        reason: "Unauthorized".into(),
                        diag: Some(sip::diag(
                            1013,
                            "Significant time skew detected during authentication",
                            &src,
                        )),
                        extra: vec![],
                        rechallenge: true,
                    },
                    1 => sip::Final::Fail {
                        code: 401,
                        reason: "Unauthorized".into(),
                        diag: None,
                        extra: vec![],
                        rechallenge: true,
                    },
                    _ => sip::Final::Fail {
                        code: 404,
                        reason: "Not Found".into(),
                        diag: Some(sip::diag(
                            4005,
                            "Destination URI either not enabled for SIP or does not exist",
                            &src,
                        )),
                        extra: vec![],
                        rechallenge: false,
                    },
                };
                flows::signin_fail(&mut log, &ctx, &mut rng, auth, &fin);
                flows::ui_failure(
                    &mut log,
                    &mut rng,
                    Some("0x80EE0011"),
                    "Cannot sign in. Please try again later.",
                );
                log.advance_secs(rng.range(120, 1800) as i64);
                sess = flows::signin_ok(&mut log, &ctx, &mut rng, auth);
                continue;
            }
        }
        if rng.chance(0.35) {
            sip::noise_local(&mut log, &ctx, &mut rng);
        } else {
            sip::noise_signed_in(&mut log, &ctx, &mut rng, &mut sess);
        }
    }
    // Fill the remainder with short records, the last one sized exactly.
    while log.written + 400 < bytes && log.error.is_none() {
        sip::noise_local(&mut log, &ctx, &mut rng);
        while log.written + 400 < bytes && rng.chance(0.0) {}
        if log.written + 400 >= bytes {
            break;
        }
        let t = format!(
            "Heartbeat: endpoint {} idle {} s",
            ctx.epid,
            rng.range(1, 600)
        );
        log.trace(uccapi::Th::Misc, &t);
    }
    if log.written < bytes && log.error.is_none() {
        let rem = (bytes - log.written) as usize;
        let prefix = log.prefix(uccapi::Th::Misc, "TRACE");
        let head = "Statistics: ";
        if rem >= prefix.len() + head.len() + 2 {
            let fill = rem - prefix.len() - head.len() - 2;
            let mut body = String::with_capacity(fill);
            while body.len() < fill {
                body.push_str(&format!("q{}={} ", body.len() % 97, rng.range(0, 9999)));
            }
            body.truncate(fill);
            log.raw(&format!("{prefix}{head}{body}"));
        } else {
            // Too little room for a record: extend the previous line's tail.
            let pad = " ".repeat(rem.saturating_sub(2));
            log.raw(&pad);
        }
    }
    if let Some(e) = log.error.take() {
        return Err(e);
    }
    let written = log.written;
    log.into_inner().flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests;
