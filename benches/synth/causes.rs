//! One builder per cause: which log lines, events and command outputs a case
//! carries. Variants are picked from the seeded RNG unless the spec fixes one.

use chrono::{NaiveDateTime, TimeDelta};

use super::bundle::{Case, Enc, Packaging, encode};
use super::ctx::Ctx;
use super::events::{self, Ev, ev};
use super::flows::{self, Disc};
use super::rng::Rng;
use super::sip::{self, Auth, Final, Sess};
use super::system::{self, Ans};
use super::uccapi::{Log, Th};
use super::{CaseSpec, Cause};

pub struct B<'a> {
    pub ctx: Ctx,
    pub rng: Rng,
    pub spec: &'a CaseSpec,
    pub files: Vec<(String, Vec<u8>)>,
    pub variant: u32,
    pub trace_dir: String,
    pub ev_dir: String,
    pub net_dir: String,
    pub reg_dir: String,
    pub sys_dir: String,
    pub summary: String,
    /// Local time of the decisive failure (events are placed around it).
    pub at: NaiveDateTime,
}

type Body<'b> = Box<dyn FnOnce(&mut Log<Vec<u8>>, &Ctx, &mut Rng) -> Option<Sess> + 'b>;

impl<'a> B<'a> {
    pub fn new(spec: &'a CaseSpec, mut rng: Rng, online: bool, variants: u32) -> B<'a> {
        let ctx = Ctx::new(&mut rng, online);
        let variant = spec
            .variant
            .unwrap_or_else(|| rng.below(variants as u64) as u32)
            % variants.max(1);
        let dc = rng
            .pick(&["North America", "Europe", "Asia Pacific"])
            .to_string();
        let root = if spec.packaging == Packaging::Dir || rng.chance(0.5) {
            String::new()
        } else {
            format!("MOSDAL_{}_{}/", ctx.host, ctx.start.format("%Y%m%d"))
        };
        B {
            at: ctx.start,
            trace_dir: format!(
                "{root}{}",
                rng.pick(&["Tracing", "Lync/Tracing", "Logs/UccApi"])
            ),
            ev_dir: format!("{root}{}", rng.pick(&["EventLogs", "Event_Logs", "Events"])),
            net_dir: format!("{root}Network_Diagnostics/{dc}"),
            reg_dir: format!("{root}{}", rng.pick(&["Registry", "Registry_Keys"])),
            sys_dir: format!("{root}{}", rng.pick(&["System", "System_Information"])),
            ctx,
            rng,
            spec,
            files: vec![],
            variant,
            summary: String::new(),
        }
    }

    /// Replace the context, keeping folder names consistent with the new host/date.
    pub fn set_ctx(&mut self, ctx: Ctx) {
        let old = format!(
            "MOSDAL_{}_{}",
            self.ctx.host,
            self.ctx.start.format("%Y%m%d")
        );
        let new = format!("MOSDAL_{}_{}", ctx.host, ctx.start.format("%Y%m%d"));
        for d in [
            &mut self.trace_dir,
            &mut self.ev_dir,
            &mut self.net_dir,
            &mut self.reg_dir,
            &mut self.sys_dir,
        ] {
            *d = d.replace(&old, &new);
        }
        self.at = ctx.start;
        self.ctx = ctx;
    }

    pub fn add(&mut self, path: String, text: &str, enc: Enc) {
        self.files.push((path, encode(text, enc)));
    }

    pub fn any_enc(&mut self) -> Enc {
        *self.rng.pick(&[Enc::Utf8, Enc::Utf8Bom, Enc::Utf16Le])
    }

    pub fn log_name(&self, n: u32) -> String {
        if self.ctx.ua.contains("/4.0.") || self.ctx.ua.contains("/3.5.") {
            format!("Communicator-uccapi-{n}.uccapilog")
        } else {
            format!("Lync-UccApi-{n}.UccApilog")
        }
    }

    /// Build one UCCAPI log: startup, some records, the body, then padding.
    pub fn log_text(
        &mut self,
        start: NaiveDateTime,
        bytes: u64,
        body: Body,
    ) -> (String, NaiveDateTime) {
        let mut log = Log::new(Vec::new(), start, &mut self.rng);
        flows::startup(&mut log, &self.ctx, &mut self.rng);
        let lead = bytes / 6;
        flows::pad_local(&mut log, &self.ctx, &mut self.rng, lead);
        let sess = body(&mut log, &self.ctx, &mut self.rng);
        let at = log.now;
        match sess {
            Some(mut s) => flows::pad_signed_in(&mut log, &self.ctx, &mut self.rng, &mut s, bytes),
            None => flows::pad_local(&mut log, &self.ctx, &mut self.rng, bytes),
        }
        (String::from_utf8(log.into_inner()).unwrap(), at)
    }

    pub fn add_log(&mut self, n: u32, body: Body) {
        let start = self.ctx.start;
        let bytes = self.spec.log_bytes;
        let (text, at) = self.log_text(start, bytes, body);
        self.at = at;
        let path = format!("{}/{}", self.trace_dir, self.log_name(n));
        self.add(path, &text, self.spec.log_enc);
    }

    pub fn utc_at(&self, secs: i64) -> NaiveDateTime {
        self.ctx.utc_of_local(self.at) + TimeDelta::seconds(secs)
    }

    /// An event export in a random shape and encoding, with background events.
    pub fn add_events(&mut self, logname: &'static str, mut evs: Vec<Ev>, n_bg: usize) {
        let around = self.ctx.utc_of_local(self.at);
        evs.extend(events::background(
            &self.ctx,
            &mut self.rng,
            logname,
            around,
            n_bg,
        ));
        events::sort(&mut evs);
        let fmt = self.rng.below(3);
        let stem = logname.replace(['/', ' '], "_");
        let (ext, text) = match fmt {
            0 => ("csv", events::viewer_csv(&evs, &self.ctx)),
            1 => ("xml", events::viewer_xml(&evs, &self.ctx, &mut self.rng)),
            _ => ("txt", events::wevtutil_text(&evs, &self.ctx)),
        };
        let enc = self.any_enc();
        self.add(format!("{}/{stem}.{ext}", self.ev_dir), &text, enc);
    }

    pub fn add_sys_basics(&mut self, dns: &[String]) {
        let enc = self.any_enc();
        let t = system::ipconfig(&self.ctx, &mut self.rng, dns);
        self.add(format!("{}/ipconfig_all.txt", self.net_dir), &t, enc);
        let boot = self.at - TimeDelta::hours(self.rng.range(2, 70) as i64);
        let t = system::systeminfo(&self.ctx, &mut self.rng, boot);
        let enc = self.any_enc();
        self.add(format!("{}/systeminfo.txt", self.sys_dir), &t, enc);
    }
}

fn lync_event_11(b: &B, secs: i64, status: &str, resp: &str, diag_line: &str) -> Ev {
    ev(
        b.utc_at(secs),
        "Application",
        "Lync",
        11,
        3,
        "None",
        &format!(
            "A SIP request made by Lync failed in an unexpected manner (status code {status}). More information is contained in the following technical data:\n \n RequestUri:   sip:{}\nFrom:   {};tag={}\nTo:   {}\nCall-ID:   {}\nContent-type:   application/sdp\n \nResponse Data: \n{resp}\n{diag_line}\n \nResolution:\nIf this error continues to occur, please contact your network administrator.",
            b.ctx.domain,
            b.ctx.sip_uri(),
            "7f3a2b1c",
            b.ctx.sip_uri(),
            "5e1b9f0c2d3a4b5c8d7e6f0a1b2c3d4e"
        ),
    )
}

fn lync_event_3(b: &B, secs: i64) -> Ev {
    ev(
        b.utc_at(secs),
        "Application",
        "Lync",
        3,
        2,
        "None",
        &format!(
            "Lync was unable to resolve the DNS hostname of the login server sip.{}.\n \nResolution:\nIf you are using manual configuration for Lync, please check that the server name is typed correctly and in full. If you are using automatic configuration, the network administrator will need to double-check the DNS A record configuration for sip.{} because it could not be resolved.",
            b.ctx.domain, b.ctx.domain
        ),
    )
}

fn diag(code: u32, reason: &str, src: &str) -> Option<String> {
    Some(sip::diag(code, reason, src))
}

fn fail(code: u16, reason: &str, d: Option<String>, rechallenge: bool) -> Final {
    Final::Fail {
        code,
        reason: reason.into(),
        diag: d,
        extra: vec![],
        rechallenge,
    }
}

pub fn build(spec: &CaseSpec, rng: Rng) -> Case {
    let (files, summary, label): (Vec<(String, Vec<u8>)>, String, Option<&'static str>) =
        match spec.cause {
            None => healthy(spec, rng),
            Some(c) => {
                let mut b = match c {
                    Cause::WrongCredentials => wrong_credentials(spec, rng),
                    Cause::PasswordResetNeeded => password_reset(spec, rng),
                    Cause::ClientVersionIncompatible => client_version(spec, rng),
                    Cause::ClockSkew => clock_skew(spec, rng),
                    Cause::UserNotSipEnabled => not_sip_enabled(spec, rng),
                    Cause::NotLicensed => not_licensed(spec, rng),
                    Cause::PersonalCertificateCache => personal_cert(spec, rng),
                    Cause::CorruptedCredentials => corrupted(spec, rng),
                    Cause::DnsRecordsMissing => dns(spec, rng, false),
                    Cause::DnsPropagationPending => dns(spec, rng, true),
                    Cause::SigninAssistantBlocked => sia_blocked(spec, rng),
                    Cause::AdfsSelfSignedCert => adfs(spec, rng),
                    Cause::ServerTrustPrompt => trust_prompt(spec, rng),
                };
                if spec.recovered {
                    b.summary.push_str("; later the user signs in successfully");
                }
                (
                    std::mem::take(&mut b.files),
                    b.summary.clone(),
                    Some(c.id()),
                )
            }
        };
    Case {
        name: spec.name.clone(),
        label,
        files,
        packaging: spec.packaging.clone(),
        summary,
    }
}

/// After a failure, optionally recover (the "failed then recovered" shape).
fn maybe_recover(
    log: &mut Log<Vec<u8>>,
    ctx: &Ctx,
    rng: &mut Rng,
    recovered: bool,
    auth: Auth,
) -> Option<Sess> {
    if !recovered {
        return None;
    }
    for _ in 0..rng.range(10, 40) {
        sip::noise_local(log, ctx, rng);
    }
    log.advance_secs(rng.range(600, 5400) as i64);
    Some(flows::signin_ok(log, ctx, rng, auth))
}

fn healthy(
    spec: &CaseSpec,
    mut rng: Rng,
) -> (Vec<(String, Vec<u8>)>, String, Option<&'static str>) {
    let auth = spec
        .healthy_auth
        .unwrap_or_else(|| *rng.pick(&[Auth::Ntlm, Auth::Kerberos, Auth::TlsDsk]));
    let online = auth == Auth::TlsDsk && rng.chance(0.8);
    let mut b = B::new(spec, rng, online, 1);
    b.summary = format!(
        "healthy {} sign-in ({}), 200 OK followed by presence/roaming traffic and normal 401/301/480/504/503 noise",
        auth.name(),
        if online { "Online" } else { "on-premises" }
    );
    b.add_log(
        0,
        Box::new(move |log, ctx, rng| {
            if auth == Auth::TlsDsk {
                // Cached certificate on one sign-in, fresh certificate on another.
                log.info(
                    Th::Auth,
                    "Found cached TLS-DSK certificate for this endpoint",
                );
            }
            Some(flows::signin_ok(log, ctx, rng, auth))
        }),
    );
    if spec.packaging != Packaging::Loose {
        let evs = vec![];
        b.add_events("Application", evs, 25);
        b.add_sys_basics(&[b.ctx.dc_ip.clone()]);
    }
    (b.files, b.summary, None)
}

fn wrong_credentials(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, false, 3);
    let v = b.variant;
    if v == 2 {
        {
            let c = Ctx::new(&mut b.rng, true);
            b.set_ctx(c);
        }
        b.ctx.ua = "UCCAPI/4.0.7577.4392 OC/4.0.7577.4392 (Microsoft Lync 2010)".into();
    }
    let recovered = spec.recovered;
    let prior = !recovered && b.rng.chance(0.5);
    let lb = spec.log_bytes;
    b.summary = match v {
        0 => "credentialed REGISTER answered by a fresh 401 (no gssapi continuation) in repeated cycles, client gives up with 0x80EE0011".into(),
        1 => "credentialed REGISTER rejected with 403 and ms-diagnostics 4004 (credentials not authorized for the From URI)".into(),
        _ => "Lync 2010 Online: Sign-In Assistant rejects the member name or password (0x80048821/0x8004882D)".into(),
    };
    b.add_log(0, Box::new(move |log, ctx, rng| {
        let auth = if ctx.online { Auth::TlsDsk } else { Auth::Ntlm };
        if prior {
            flows::prior_session(log, ctx, rng, auth, lb / 3);
        }
        match v {
            0 => {
                for i in 0..rng.range(2, 4) {
                    let mut s = if i == 0 { flows::begin_signin(log, ctx, rng); flows::discover(log, ctx, rng, &Disc::Ok); flows::to_challenge(log, ctx, rng, auth) } else { sip::register_challenge(log, ctx, rng, auth) };
                    sip::handshake(log, ctx, rng, &mut s, &fail(401, "Unauthorized", None, true));
                    log.warn(Th::Auth, &format!("Credentials for {} were not accepted by {}", ctx.sip_uri(), s.target));
                    log.info(Th::Ui, "Credential prompt shown, user entered a password");
                    log.tick(rng, 4000, 30000);
                }
                flows::ui_failure(log, rng, Some("0x80EE0011"), "The username, password or domain appears to be incorrect.");
            }
            1 => {
                let src = ctx.pool.clone();
                flows::signin_fail(log, ctx, rng, auth, &fail(403, "Forbidden", diag(4004, "Credentials provided are not authorized to act as specified from URI", &src), false));
                flows::ui_failure(log, rng, Some("0x80EF0193"), "You may have entered your sign-in address, user name, or password incorrectly, or the authentication service may be incompatible with this version of the program.");
            }
            _ => {
                flows::begin_signin(log, ctx, rng);
                for _ in 0..2 {
                    log.info(Th::Auth, &format!("Sign-In Assistant: requesting a service ticket for {} from login.microsoftonline.com", ctx.upn()));
                    log.http(rng, "POST", "https://login.microsoftonline.com/RST2.srf", 200, "OK", &[]);
                    let hr = rng.pick(&["0x80048821", "0x8004882D"]).to_string();
                    log.error(Th::Auth, &format!("Sign-In Assistant LogonIdentity for {} failed, hr={hr}", ctx.upn()));
                    log.tick(rng, 5000, 40000);
                }
                flows::ui_failure(log, rng, None, "The username, password or domain appears to be incorrect.");
            }
        }
        maybe_recover(log, ctx, rng, recovered, auth)
    }));
    if v == 0 && spec.packaging != Packaging::Loose && b.rng.chance(0.6) {
        let evs = (0..3)
            .map(|i| {
                events::security_4625(&b.ctx, b.utc_at(-120 + i * 30), "0xC000006D", "0xC000006A")
            })
            .collect();
        b.add_events("Security", evs, 15);
    }
    b
}

fn password_reset(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, false, 3);
    let v = if spec.events_only { 1 } else { b.variant };
    if v == 0 {
        {
            let c = Ctx::new(&mut b.rng, true);
            b.set_ctx(c);
        }
        b.ctx.ua = "UCCAPI/4.0.7577.4392 OC/4.0.7577.4392 (Microsoft Lync 2010)".into();
    }
    let picked = *b.rng.pick(&[
        ("0xC0000071", "expired"),
        ("0xC0000224", "must change"),
        ("0xC0000234", "locked out"),
    ]);
    let (sub, text) = if spec.events_only && spec.name.contains("expired") {
        ("0xC0000071", "expired")
    } else {
        picked
    };
    match v {
        0 => {
            let hr = *b.rng.pick(&["0x80048831", "0x80048827", "0x80048823"]);
            b.summary = format!(
                "Sign-In Assistant reports {hr} (password expired / must change / locked out); final REGISTER 401"
            );
            b.add_log(0, Box::new(move |log, ctx, rng| {
                flows::begin_signin(log, ctx, rng);
                flows::discover(log, ctx, rng, &Disc::Ok);
                log.info(Th::Auth, &format!("Sign-In Assistant: requesting a service ticket for {} from login.microsoftonline.com", ctx.upn()));
                log.http(rng, "POST", "https://login.microsoftonline.com/RST2.srf", 200, "OK", &[]);
                log.error(Th::Auth, &format!("Sign-In Assistant LogonIdentity for {} failed, hr={hr}", ctx.upn()));
                let mut s = flows::to_challenge(log, ctx, rng, Auth::TlsDsk);
                sip::handshake(log, ctx, rng, &mut s, &fail(401, "Unauthorized", None, true));
                flows::ui_failure(log, rng, Some(hr), "Cannot sign in. Your password has expired or must be changed.");
                None
            }));
        }
        1 => {
            b.summary = format!(
                "event export only: Security 4625 failures with Sub Status {sub} (password {text})"
            );
            b.at = b.ctx.start + TimeDelta::hours(1);
            let evs = (0..b.rng.range(2, 5) as i64)
                .map(|i| events::security_4625(&b.ctx, b.utc_at(i * 95), "0xC000006E", sub))
                .collect();
            let mut all: Vec<Ev> = evs;
            let around = b.ctx.utc_of_local(b.at);
            all.extend(events::background(
                &b.ctx, &mut b.rng, "Security", around, 30,
            ));
            events::sort(&mut all);
            let t = events::viewer_csv(&all, &b.ctx);
            b.add(format!("{}/Security.csv", b.ev_dir), &t, spec.log_enc);
        }
        _ => {
            b.summary = format!(
                "NTLM sign-in ends in 401 after credentials; Security export shows 4776/4625 with {sub} (password {text})"
            );
            b.add_log(
                0,
                Box::new(move |log, ctx, rng| {
                    flows::signin_fail(
                        log,
                        ctx,
                        rng,
                        Auth::Ntlm,
                        &fail(401, "Unauthorized", None, true),
                    );
                    flows::ui_failure(
                        log,
                        rng,
                        Some("0x80EE0011"),
                        "Cannot sign in. Your password may have expired.",
                    );
                    None
                }),
            );
            let mut evs = vec![events::security_4776(&b.ctx, b.utc_at(-2), sub)];
            evs.push(events::security_4625(
                &b.ctx,
                b.utc_at(-1),
                "0xC000006E",
                sub,
            ));
            b.add_events("Security", evs, 20);
        }
    }
    b
}

fn client_version(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, false, 2);
    b.ctx.online = b.rng.chance(0.5);
    let online = b.ctx.online;
    {
        let c = Ctx::new(&mut b.rng, online);
        b.set_ctx(c);
    }
    b.ctx.ua = b
        .rng
        .pick(&[
            "UCCAPI/4.0.7577.314 OC/4.0.7577.314 (Microsoft Lync 2010)",
            "UCCAPI/3.5.6907.0 OC/3.5.6907.0 (Microsoft Office Communicator 2007 R2)",
            "UCCAPI/4.0.7577.0 OC/4.0.7577.0 (Microsoft Lync 2010)",
        ])
        .to_string();
    let v = b.variant;
    b.summary = format!(
        "REGISTER refused with 403 ms-diagnostics {} by the client version filter; old User-Agent {}",
        if v == 0 { 17002 } else { 17003 },
        b.ctx.ua.split(' ').next().unwrap()
    );
    b.add_log(0, Box::new(move |log, ctx, rng| {
        let auth = if ctx.online { Auth::TlsDsk } else { Auth::Ntlm };
        for _ in 0..rng.range(1, 3) {
            let d = if v == 0 {
                sip::diag(17002, "Invalid protocol client version", &ctx.pool)
            } else {
                format!("ms-diagnostics: 17003;reason=\"Declined with URL\";url=\"https://{}/clientupdate\";source=\"{}\"", ctx.webpool, ctx.pool)
            };
            flows::signin_fail(log, ctx, rng, auth, &fail(403, "Forbidden", Some(d), false));
            flows::ui_failure(log, rng, Some("0x80EF0193"), "You may have entered your sign-in address, user name, or password incorrectly, or the authentication service may be incompatible with this version of the program.");
            log.tick(rng, 60000, 300000);
        }
        None
    }));
    b
}

fn clock_skew(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, false, 4);
    let v = if spec.events_only { 4 } else { b.variant };
    let online = v == 0 || v == 2 || v == 3;
    {
        let c = Ctx::new(&mut b.rng, online);
        b.set_ctx(c);
    }
    let mins = b.rng.range(8, 45) as i64;
    let sign = if b.rng.chance(0.5) { 1 } else { -1 };
    b.ctx.skew_s = sign * (mins * 60 + b.rng.range(0, 60) as i64);
    let skew = b.ctx.skew_s;
    if v == 2 {
        b.ctx.ua = "UCCAPI/4.0.7577.4392 OC/4.0.7577.4392 (Microsoft Lync 2010)".into();
    }
    b.summary = match v {
        0 => format!(
            "401 with ms-diagnostics 1013 (time skew); server Date headers {skew:+} s off the local clock"
        ),
        1 => format!(
            "Kerberos sign-in fails with KRB_AP_ERR_SKEW; Security 4771 failure code 0x25 and W32Time errors; skew {skew:+} s"
        ),
        2 => format!("Sign-In Assistant fails with 0x800488DC; skew {skew:+} s"),
        3 => format!(
            "no 1013: only the server Date headers disagree with local times ({skew:+} s beyond the time zone), plus w32tm stripchart offset and systeminfo time zone"
        ),
        _ => format!(
            "event export only: W32Time 36/47/129 and Security 4771 failure code 0x25 (skew {skew:+} s)"
        ),
    };
    if v < 4 {
        b.add_log(0, Box::new(move |log, ctx, rng| {
            match v {
                0 => {
                    let src = ctx.pool.clone();
                    for _ in 0..rng.range(1, 3) {
                        flows::signin_fail(log, ctx, rng, Auth::TlsDsk, &fail(401, "Unauthorized", diag(1013, "Significant time skew detected during authentication", &src), true));
                        flows::ui_failure(log, rng, Some("0x80EE0011"), "Cannot sign in because your computer clock is not set correctly.");
                        log.tick(rng, 30000, 200000);
                    }
                }
                1 => {
                    flows::begin_signin(log, ctx, rng);
                    flows::discover(log, ctx, rng, &Disc::Ok);
                    let mut s = flows::to_challenge(log, ctx, rng, Auth::Kerberos);
                    log.error(Th::Auth, &format!("InitializeSecurityContext for sip/{} failed, hr=0x80090324 (KRB_AP_ERR_SKEW: clock skew too great)", s.target));
                    sip::handshake(log, ctx, rng, &mut s, &fail(401, "Unauthorized", None, true));
                    flows::ui_failure(log, rng, Some("0x80EE0011"), "Cannot sign in because your computer clock is not set correctly.");
                }
                2 => {
                    flows::begin_signin(log, ctx, rng);
                    flows::discover(log, ctx, rng, &Disc::Ok);
                    log.info(Th::Auth, &format!("Sign-In Assistant: requesting a service ticket for {} from login.microsoftonline.com", ctx.upn()));
                    log.http(rng, "POST", "https://login.microsoftonline.com/RST2.srf", 200, "OK", &[]);
                    log.error(Th::Auth, &format!("Sign-In Assistant LogonIdentity for {} failed, hr=0x800488DC", ctx.upn()));
                    flows::ui_failure(log, rng, None, "Cannot sign in because your computer clock is not set correctly.");
                }
                _ => {
                    for _ in 0..rng.range(2, 4) {
                        let mut s = { flows::begin_signin(log, ctx, rng); flows::discover(log, ctx, rng, &Disc::Ok); flows::to_challenge(log, ctx, rng, Auth::TlsDsk) };
                        flows::certprov(log, ctx, rng, None);
                        sip::handshake(log, ctx, rng, &mut s, &fail(401, "Unauthorized", None, true));
                        flows::ui_failure(log, rng, Some("0x80EF0191"), "Cannot sign in. The server rejected the authentication.");
                        log.tick(rng, 60000, 240000);
                    }
                }
            }
            None
        }));
    } else {
        b.at = b.ctx.start + TimeDelta::hours(2);
    }
    if v == 1 || v == 4 {
        let evs = vec![
            events::security_4771(&b.ctx, b.utc_at(-3), "0x25"),
            events::security_4771(&b.ctx, b.utc_at(40), "0x25"),
        ];
        b.add_events("Security", evs, 12);
        let dc = b.ctx.dc.clone();
        let sys = vec![
            ev(
                b.utc_at(-3600),
                "System",
                "Microsoft-Windows-Time-Service",
                36,
                3,
                "None",
                "The time service has not synchronized the system time for 86400 seconds because none of the time service providers provided a usable time stamp. The time service will not update the local system time until it is able to synchronize with a time source.",
            ),
            ev(
                b.utc_at(-1800),
                "System",
                "Microsoft-Windows-Time-Service",
                47,
                3,
                "None",
                &format!(
                    "Time Provider NtpClient: No valid response has been received from manually configured peer {dc} after 8 attempts to contact it. This peer will be discarded as a time source and NtpClient will attempt to discover a new peer with this DNS name."
                ),
            ),
            ev(
                b.utc_at(-600),
                "System",
                "Microsoft-Windows-Time-Service",
                129,
                3,
                "None",
                "NtpClient was unable to set a domain peer to use as a time source because of discovery error. NtpClient will try again in 15 minutes and double the reattempt interval thereafter. The error was: The entry is not found. (0x800706E1)",
            ),
        ];
        b.add_events("System", sys, 20);
    }
    if v == 3 {
        let t = system::systeminfo(&b.ctx, &mut b.rng, b.at - TimeDelta::hours(5));
        let enc = b.any_enc();
        b.add(format!("{}/systeminfo.txt", b.sys_dir), &t, enc);
        let mut w = system::w32tm_status("Local CMOS Clock", b.at - TimeDelta::days(9), false);
        w.push_str(&system::w32tm_stripchart(
            &mut b.rng,
            "time.windows.com",
            b.at + TimeDelta::minutes(4),
            skew as f64,
            5,
        ));
        let enc = b.any_enc();
        b.add(format!("{}/w32tm.txt", b.sys_dir), &w, enc);
    }
    b
}

fn not_found_final(rng: &mut Rng, src: &str) -> Final {
    match rng.below(3) {
        0 => fail(
            404,
            "Not Found",
            diag(
                4005,
                "Destination URI either not enabled for SIP or does not exist",
                src,
            ),
            false,
        ),
        1 => fail(
            480,
            "Temporarily Unavailable",
            diag(1003, "User does not exist", src),
            false,
        ),
        _ => fail(
            403,
            "Forbidden",
            diag(4006, "User not found in pool", src),
            false,
        ),
    }
}

fn not_sip_enabled(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, true, 3);
    let v = b.variant;
    if v == 1 {
        {
            let c = Ctx::new(&mut b.rng, false);
            b.set_ctx(c);
        }
    }
    let old_pool = format!(
        "{}{:02}",
        b.rng
            .pick(&["ocspool", "ocsfe", "lyncpool", "lync2010pool"]),
        b.rng.range(1, 5)
    );
    b.summary = match v {
        0 => format!(
            "Online tenant, REGISTER refused as unknown user; Get-ADUser export shows msRTCSIP-UserEnabled False and old pool {old_pool}"
        ),
        1 => "on-premises pool (own pool names, RTC/4-6), REGISTER 404 ms-diagnostics 4005".into(),
        _ => format!(
            "Online tenant, REGISTER refused as unknown user; ldifde export carries msRTCSIP-UserEnabled FALSE from old pool {old_pool}"
        ),
    };
    b.add_log(
        0,
        Box::new(move |log, ctx, rng| {
            let auth = if ctx.online { Auth::TlsDsk } else { Auth::Ntlm };
            let src = ctx.pool.clone();
            let fin = if v == 1 {
                fail(
                    404,
                    "Not Found",
                    diag(
                        4005,
                        "Destination URI either not enabled for SIP or does not exist",
                        &src,
                    ),
                    false,
                )
            } else {
                not_found_final(rng, &src)
            };
            flows::signin_fail(log, ctx, rng, auth, &fin);
            flows::ui_failure(
                log,
                rng,
                Some("0x80EF0194"),
                if ctx.online {
                    "Sign-in address was not found."
                } else {
                    "Cannot sign in. Your account is not enabled for this service."
                },
            );
            None
        }),
    );
    match v {
        0 => {
            let t = system::ad_user_fl(&b.ctx, &mut b.rng, &old_pool);
            b.add(
                format!("{}/aduser_msRTCSIP.txt", b.sys_dir),
                &t,
                Enc::Utf16Le,
            );
        }
        2 => {
            let t = system::ad_ldifde(&b.ctx, &old_pool);
            b.add(format!("{}/user_export.ldf", b.sys_dir), &t, Enc::Utf8);
        }
        _ => {}
    }
    b
}

fn not_licensed(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, true, 3);
    let v = b.variant;
    b.summary = "Online tenant (infra.lync.com, RTC/7.0), REGISTER refused as unknown user (4005/1003/4006), no trace of msRTCSIP attributes".into();
    b.add_log(0, Box::new(move |log, ctx, rng| {
        let src = ctx.pool.clone();
        let fin = match v {
            0 => fail(404, "Not Found", diag(4005, "Destination URI either not enabled for SIP or does not exist", &src), false),
            1 => fail(480, "Temporarily Unavailable", diag(1003, "User does not exist", &src), false),
            _ => fail(403, "Forbidden", diag(4006, "User not found in pool", &src), false),
        };
        for _ in 0..rng.range(1, 3) {
            flows::signin_fail(log, ctx, rng, Auth::TlsDsk, &fin);
            flows::ui_failure(log, rng, Some("0x80EF0194"), "Sign-in address was not found. Skype for Business couldn't find a Skype for Business Server for this address.");
            log.tick(rng, 60000, 600000);
        }
        None
    }));
    b
}

const CERTPROV_FAILS: &[(u16, &str, u32, &str)] = &[
    (
        401,
        "Unauthorized",
        28032,
        "The web ticket presented is not valid for this user.",
    ),
    (
        500,
        "Internal Server Error",
        28020,
        "Unable to issue a certificate for the user.",
    ),
    (
        401,
        "Unauthorized",
        28035,
        "The user identity in the request does not match the web ticket.",
    ),
];

fn personal_cert(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, true, 3);
    let f = CERTPROV_FAILS[b.variant as usize];
    let old_user = format!(
        "{}{}",
        b.ctx.user.split('.').next().unwrap(),
        b.rng.range(1, 99)
    );
    let old_domain = if b.rng.chance(0.5) {
        b.ctx.domain.clone()
    } else {
        format!(
            "{}.onmicrosoft.com",
            b.ctx.domain.split('.').next().unwrap()
        )
    };
    let old_uri = format!("sip:{old_user}@{old_domain}");
    b.summary = format!(
        "TLS-DSK challenge, CertProv GetAndPublishCert fails (HTTP {}, X-Ms-diagnostics {}), one session, sign-in address changed from {old_uri}",
        f.0, f.2
    );
    let recovered = spec.recovered;
    b.add_log(0, Box::new(move |log, ctx, rng| {
        log.info(Th::Ui, &format!("Cached sign-in address {old_uri} replaced by {} in options", ctx.sip_uri()));
        log.trace(Th::Misc, &format!("Endpoint cache folder for {old_uri} kept, new folder created for {}", ctx.sip_uri()));
        flows::pad_local(log, ctx, rng, log.written + 6000);
        flows::begin_signin(log, ctx, rng);
        flows::discover(log, ctx, rng, &Disc::Ok);
        let _s = flows::to_challenge(log, ctx, rng, Auth::TlsDsk);
        flows::certprov(log, ctx, rng, Some(f));
        flows::ui_failure(log, rng, None, "There was a problem acquiring a personal certificate that is required to sign in. If the problem continues, please contact your support team.");
        maybe_recover(log, ctx, rng, recovered, Auth::TlsDsk)
    }));
    b
}

fn corrupted(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, true, 2);
    let v = b.variant;
    let f = *b.rng.pick(CERTPROV_FAILS);
    b.summary = if v == 0 {
        format!(
            "CertProv failure (X-Ms-diagnostics {}) in the rotated -1 log, user deletes sign-in info, same failure again in -0",
            f.2
        )
    } else {
        format!(
            "CertProv failure (X-Ms-diagnostics {}) with CryptoAPI 0x80090016 keyset errors; certutil shows Missing stored keyset; RSA S-1-5-21 folder listing",
            f.2
        )
    };
    let one = move |log: &mut Log<Vec<u8>>, ctx: &Ctx, rng: &mut Rng, crypto: bool| {
        flows::begin_signin(log, ctx, rng);
        flows::discover(log, ctx, rng, &Disc::Ok);
        let _s = flows::to_challenge(log, ctx, rng, Auth::TlsDsk);
        if crypto {
            let hr = *rng.pick(&["0x80090016", "0x8009000D", "0x80090009"]);
            log.error(Th::Auth, &format!("Opening the private key of the cached certificate failed, CryptAcquireContext hr={hr}"));
        }
        flows::certprov(log, ctx, rng, Some(f));
        flows::ui_failure(
            log,
            rng,
            None,
            "There was a problem acquiring a personal certificate that is required to sign in. If the problem continues, please contact your support team.",
        );
    };
    if v == 0 {
        let start1 = b.ctx.start;
        let lb = spec.log_bytes / 2;
        let (t1, _) = b.log_text(
            start1,
            lb,
            Box::new(move |log, ctx, rng| {
                one(log, ctx, rng, false);
                log.tick(rng, 60000, 300000);
                one(log, ctx, rng, false);
                log.info(
                    Th::Ui,
                    &format!(
                        "User chose to delete sign-in information for {}",
                        ctx.sip_uri()
                    ),
                );
                log.info(
                    Th::Auth,
                    "Removed cached credentials and endpoint certificate data",
                );
                None
            }),
        );
        let start0 = b.ctx.start + TimeDelta::hours(b.rng.range(1, 20) as i64);
        let (t0, at) = b.log_text(
            start0,
            lb,
            Box::new(move |log, ctx, rng| {
                one(log, ctx, rng, false);
                None
            }),
        );
        b.at = at;
        let p1 = format!("{}/{}", b.trace_dir, b.log_name(1));
        let p0 = format!("{}/{}", b.trace_dir, b.log_name(0));
        b.add(p1, &t1, spec.log_enc);
        b.add(p0, &t0, spec.log_enc);
    } else {
        b.add_log(
            0,
            Box::new(move |log, ctx, rng| {
                one(log, ctx, rng, true);
                None
            }),
        );
        let na = b.at + TimeDelta::days(b.rng.range(30, 170) as i64);
        let t = system::certutil_store(&b.ctx, &mut b.rng, true, na);
        let enc = b.any_enc();
        b.add(format!("{}/certutil_user_my.txt", b.sys_dir), &t, enc);
        let t = system::rsa_listing(&b.ctx, &mut b.rng, b.at);
        b.add(format!("{}/dir_crypto_rsa.txt", b.sys_dir), &t, Enc::Utf8);
    }
    b
}

fn dns(spec: &CaseSpec, rng: Rng, propagation: bool) -> B<'_> {
    let mut b = B::new(spec, rng, true, 3);
    let v = b.variant;
    let d = b.ctx.domain.clone();
    let wrong = format!(
        "{}.{}",
        b.rng.pick(&["parking", "www", "mail", "lyncedge-old"]),
        if b.rng.chance(0.5) {
            d.clone()
        } else {
            "registrar-example.net".into()
        }
    );
    let disc = if !propagation && v == 1 {
        Disc::WrongSip(wrong.clone())
    } else {
        Disc::AllFail
    };
    b.summary = if propagation {
        "client lookups of lyncdiscover/_sip._tls/sip fail; nslookup: internal DC says NXDOMAIN, public resolver returns the Office 365 records".into()
    } else if v == 1 {
        format!(
            "lyncdiscover/_sip._tls missing and sip.{d} points to {wrong} instead of sipdir.online.lync.com; both resolvers agree"
        )
    } else {
        "lyncdiscover, _sip._tls, sip and related names fail on every resolver (NXDOMAIN), Lync event 3".into()
    };
    let with_1008 = v == 2;
    b.add_log(0, Box::new(move |log, ctx, rng| {
        for _ in 0..rng.range(1, 3) {
            flows::begin_signin(log, ctx, rng);
            flows::discover(log, ctx, rng, &disc);
            if with_1008 {
                log.info(Th::Sip, "Falling back to the Office 365 director");
                sip::connect(log, ctx, rng, &ctx.director, &ctx.director_ip);
                let mut s = Sess::new(rng, &ctx.director, &ctx.director_ip, Auth::TlsDsk);
                let m = sip::register(ctx, rng, &mut s, None);
                log.send(ctx, &s.peer, &m);
                log.tick(rng, 2000, 9000);
                let r = sip::reg_response(log, ctx, &s, sip::Resp { code: 504, reason: "Server time-out", pre: vec![], post: vec![format!("ms-diagnostics: 1008;reason=\"Unable to resolve DNS SRV record\";fqdn=\"{}\";source=\"sipdir.online.lync.com\"", ctx.domain)], server: None });
                log.recv(ctx, &s.peer, &r);
                flows::ui_failure(log, rng, Some("0x80EF01F8"), "Cannot sign in because the server is temporarily unavailable. If the problem continues, please contact your support team.");
            } else {
                flows::ui_failure(log, rng, Some("0x80EE000C"), "Cannot sign in because the server is temporarily unavailable. If the problem continues, please contact your support team.");
            }
            log.tick(rng, 60000, 600000);
        }
        None
    }));
    // Event log and the MOSDAL network folder.
    let mut app = vec![lync_event_3(&b, -5)];
    if b.rng.chance(0.6) {
        app.push(lync_event_11(&b, -4, "80ee000c", "SIP/2.0 504 Server time-out", &format!("ms-diagnostics: 1008;reason=\"Unable to resolve DNS SRV record\";fqdn=\"{d}\";source=\"sipdir.online.lync.com\"")));
    }
    b.add_events("Application", app, 30);
    let public = b
        .rng
        .pick(&[
            ("dns.google", "8.8.8.8"),
            ("one.one.one.one", "1.1.1.1"),
            ("resolver1.opendns.com", "208.67.222.222"),
        ])
        .to_owned();
    let internal = (b.ctx.dc.clone(), b.ctx.dc_ip.clone());
    let webdir = vec![format!(
        "52.112.{}.{}",
        b.rng.range(0, 200),
        b.rng.range(2, 250)
    )];
    let sipdir = vec![
        format!("52.112.{}.{}", b.rng.range(0, 200), b.rng.range(2, 250)),
        format!("52.113.{}.{}", b.rng.range(0, 200), b.rng.range(2, 250)),
    ];
    let good = vec![
        (
            format!("lyncdiscover.{d}"),
            false,
            Ans::Cname {
                target: "webdir.online.lync.com".into(),
                addrs: webdir,
            },
        ),
        (
            format!("sip.{d}"),
            false,
            Ans::Cname {
                target: "sipdir.online.lync.com".into(),
                addrs: sipdir,
            },
        ),
        (
            format!("_sip._tls.{d}"),
            true,
            Ans::Srv {
                target: "sipdir.online.lync.com".into(),
                port: 443,
            },
        ),
        (
            format!("_sipfederationtls._tcp.{d}"),
            true,
            Ans::Srv {
                target: "sipfed.online.lync.com".into(),
                port: 5061,
            },
        ),
    ];
    let bad: Vec<(String, bool, Ans)> = good
        .iter()
        .map(|(n, srv, _)| {
            let a = if n.starts_with("sip.") && !propagation && v == 1 {
                Ans::Cname {
                    target: wrong.clone(),
                    addrs: vec![format!("198.51.100.{}", 17)],
                }
            } else {
                Ans::Nx
            };
            (n.clone(), *srv, a)
        })
        .collect();
    let (int_q, pub_q) = if propagation {
        (bad.clone(), good.clone())
    } else {
        (bad.clone(), bad.clone())
    };
    let t = system::nslookup(&internal.0, &internal.1, &int_q);
    let enc = b.any_enc();
    b.add(
        format!("{}/nslookup_{}.txt", b.net_dir, internal.1),
        &t,
        enc,
    );
    let t = system::nslookup(public.0, public.1, &pub_q);
    let enc = b.any_enc();
    b.add(format!("{}/nslookup_{}.txt", b.net_dir, public.1), &t, enc);
    let dns = vec![b.ctx.dc_ip.clone(), public.1.to_string()];
    b.add_sys_basics(&dns);
    b
}

fn sia_blocked(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, true, 3);
    b.ctx.ua = "UCCAPI/4.0.7577.4392 OC/4.0.7577.4392 (Microsoft Lync 2010)".into();
    let v = b.variant;
    let proxy = format!(
        "{}.{}:{}",
        b.rng.pick(&["proxy", "tmg01", "webproxy"]),
        b.ctx.ad_domain,
        b.rng.pick(&[8080, 3128, 80])
    );
    b.summary = match v {
        0 => "Sign-In Assistant (msoidsvc) retries connections to login.microsoftonline.com without answer, 0x80048848".into(),
        1 => format!("proxy {proxy} answers the Sign-In Assistant with 407 Proxy Authentication Required, 0x8004882F"),
        _ => "Sign-In Assistant requests time out, 0x80048869 (authentication service unavailable)".into(),
    };
    let p2 = proxy.clone();
    b.add_log(0, Box::new(move |log, ctx, rng| {
        flows::begin_signin(log, ctx, rng);
        flows::discover(log, ctx, rng, &Disc::Ok);
        log.info(Th::Auth, &format!("Sign-In Assistant service msoidsvc.exe: obtaining identity for {}", ctx.upn()));
        for i in 0..rng.range(3, 6) {
            if v == 1 {
                log.info(Th::Auth, &format!("msoidsvc: connecting to login.microsoftonline.com:443 through proxy {p2}"));
                log.http(rng, "CONNECT", "login.microsoftonline.com:443", 407, "Proxy Authentication Required", &["Proxy-Authenticate: Negotiate".into(), "Proxy-Authenticate: NTLM".into(), "Via: 1.1 TMG01".into()]);
            } else {
                log.info(Th::Auth, &format!("msoidsvc: connecting to login.microsoftonline.com:443 (attempt {})", i + 1));
                log.tick(rng, 21000, 21100);
                log.warn(Th::Auth, "msoidsvc: no response from login.microsoftonline.com:443, connection attempt timed out");
            }
            log.tick(rng, 2000, 15000);
        }
        let hr = match v { 0 => "0x80048848", 1 => "0x8004882F", _ => "0x80048869" };
        log.error(Th::Auth, &format!("Sign-In Assistant LogonIdentity for {} failed, hr={hr}", ctx.upn()));
        flows::ui_failure(log, rng, Some(hr), "Sign-in address not found. Please check your sign-in address and try again.");
        None
    }));
    if spec.packaging != Packaging::Loose {
        let t = system::netsh_proxy(Some(&proxy), "<local>");
        let enc = b.any_enc();
        b.add(format!("{}/winhttp_proxy.txt", b.net_dir), &t, enc);
        b.add_sys_basics(&[b.ctx.dc_ip.clone()]);
    }
    b
}

fn adfs(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, true, 2);
    let host = format!("{}.{}", b.rng.pick(&["adfs", "sts", "fs"]), b.ctx.domain);
    let hr = *b.rng.pick(&["0x80090325", "0x800B0109", "0x800B0112"]);
    b.summary = format!(
        "single sign-on through AD FS: TLS to https://{host}/adfs/services/trust fails ({hr}); Schannel 36882/36888 alert 48 and CAPI2 11 self-signed chain"
    );
    let h2 = host.clone();
    b.add_log(0, Box::new(move |log, ctx, rng| {
        flows::begin_signin(log, ctx, rng);
        flows::discover(log, ctx, rng, &Disc::Ok);
        let _s = flows::to_challenge(log, ctx, rng, Auth::TlsDsk);
        log.http(rng, "GET", &format!("https://login.microsoftonline.com/GetUserRealm.srf?login={}&xml=1", ctx.upn()), 200, "OK", &[]);
        log.info(Th::Auth, &format!("User realm {} is federated, STS https://{h2}/adfs/services/trust/2005/windowstransport", ctx.domain));
        for _ in 0..2 {
            log.info(Th::Http, &format!("HttpRequest: POST https://{h2}/adfs/services/trust/2005/windowstransport"));
            log.tick(rng, 50, 400);
            log.error(Th::Http, &format!("TLS handshake with {h2}:443 failed, server certificate chain not trusted, hr={hr}"));
            log.tick(rng, 3000, 12000);
        }
        flows::ui_failure(log, rng, Some(hr), "There was a problem verifying the certificate from the server. Please contact your support team.");
        None
    }));
    let sys = vec![
        ev(
            b.utc_at(-2),
            "System",
            "Schannel",
            36882,
            2,
            "None",
            &format!(
                "The certificate received from the remote server was issued by an untrusted certificate authority. Because of this, none of the data contained in the certificate can be validated. The TLS connection request has failed. The attached data contains the server certificate.\n\nTarget name: {host}"
            ),
        ),
        ev(
            b.utc_at(-2),
            "System",
            "Schannel",
            36888,
            2,
            "None",
            "A fatal alert was generated and sent to the remote endpoint. This may result in termination of the connection. The TLS protocol defined fatal error code is 48. The Windows SChannel error state is 552.",
        ),
    ];
    b.add_events("System", sys, 20);
    let capi = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\r\n<Events><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-CAPI2' Guid='{{5bbca4a8-b209-48dc-a8c7-b23d3e5216fb}}'/><EventID>11</EventID><Version>0</Version><Level>2</Level><Task>11</Task><Opcode>2</Opcode><Keywords>0x4000000000000001</Keywords><TimeCreated SystemTime='{}'/><EventRecordID>{}</EventRecordID><Channel>Microsoft-Windows-CAPI2/Operational</Channel><Computer>{}.{}</Computer></System><UserData><CertGetCertificateChain><Certificate fileRef='{}.cer' subjectName='{host}'/><ValidationTime>{}</ValidationTime><Flags value='40000000'/><ChainEngineInfo context='user'/><CertificateChain chainRef='{{{}}}'><TrustStatus><ErrorStatus value='21' CERT_TRUST_IS_UNTRUSTED_ROOT='true' CERT_TRUST_IS_SELF_SIGNED='true'/><InfoStatus value='C'/></TrustStatus></CertificateChain><EventAuxInfo ProcessName='lync.exe'/><Result value='800B0109'>A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider.</Result></CertGetCertificateChain></UserData></Event></Events>\r\n",
        b.utc_at(-2).format("%Y-%m-%dT%H:%M:%S%.3f0000Z"),
        b.rng.range(1000, 90000),
        b.ctx.host,
        b.ctx.ad_domain,
        b.rng.hex_upper(40),
        b.utc_at(-2).format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        b.rng.guid().to_ascii_uppercase()
    );
    b.add(
        format!("{}/CAPI2_Operational.xml", b.ev_dir),
        &capi,
        Enc::Utf8,
    );
    b
}

fn trust_prompt(spec: &CaseSpec, rng: Rng) -> B<'_> {
    let mut b = B::new(spec, rng, false, 2);
    let stem = b.ctx.domain.split('.').next().unwrap().to_string();
    let hosting = format!(
        "{stem}-{}",
        b.rng
            .pick(&["hosting.net", "hosted.net", "uc-services.com"])
    );
    let n = b.rng.range(1, 4);
    b.ctx.director = format!("lyncpool{n:02}.{hosting}");
    b.ctx.pool = format!("lyncfe{:02}.{hosting}", b.rng.range(1, 6));
    b.ctx.webpool = format!("lyncweb{n:02}.{hosting}");
    let v = b.variant;
    let other = format!("{}.com", b.rng.pick(&["fabrikam", "adatum", "litwareinc"]));
    b.summary = if v == 0 {
        format!(
            "SRV points to pool in {hosting} (SIP domain {}); trust prompt shown, user clicks Connect, sign-in succeeds",
            b.ctx.domain
        )
    } else {
        format!(
            "SRV points to pool in {hosting} (SIP domain {}); registry TrustModelData lists {} and {other} only; user cancels",
            b.ctx.domain, b.ctx.domain
        )
    };
    b.add_log(0, Box::new(move |log, ctx, rng| {
        flows::begin_signin(log, ctx, rng);
        flows::discover(log, ctx, rng, &Disc::Ok);
        sip::connect(log, ctx, rng, &ctx.director, &ctx.director_ip);
        log.info(Th::Ui, &format!("Server {} is outside the sign-in domain {}; asking the user", ctx.director, ctx.domain));
        if v == 0 {
            log.info(Th::Ui, &format!("Dialog shown: \"Cannot verify that the server is trusted for your sign-in address. Connect anyway?\" ({} / {})", ctx.sip_uri(), ctx.director));
            log.tick(rng, 4000, 25000);
            log.info(Th::Ui, "User answered Connect (always trust not ticked)");
            let auth = if rng.chance(0.5) { Auth::Ntlm } else { Auth::Kerberos };
            let mut s = sip::register_challenge(log, ctx, rng, auth);
            sip::handshake(log, ctx, rng, &mut s, &Final::Ok);
            let p = s.peer.clone();
            sip::after_signin(log, ctx, rng, &p);
            Some(s)
        } else {
            log.tick(rng, 4000, 25000);
            log.info(Th::Ui, "User cancelled the connection to the server; sign-in stopped");
            None
        }
    }));
    let d = b.ctx.domain.clone();
    let keys = vec![
        (
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Office\\16.0\\Lync".to_string(),
            vec![
                ("TrustModelData".to_string(), format!("\"{d},{other}\"")),
                ("EnableSIPHighSecurityMode".into(), "dword:00000001".into()),
            ],
        ),
        system::lync_user_keys(&b.ctx, &mut b.rng),
    ];
    if v == 1 || b.rng.chance(0.3) {
        let t = system::reg_export(&keys);
        b.add(format!("{}/Lync_policies.reg", b.reg_dir), &t, Enc::Utf16Le);
    }
    b
}
