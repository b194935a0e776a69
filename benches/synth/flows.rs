//! Sign-in flows composed from the SIP/HTTP primitives: discovery, the
//! healthy path, and the failure shapes each cause leaves in a client log.

use std::io::Write;

use super::ctx::Ctx;
use super::rng::Rng;
use super::sip::{self, Auth, Final, Sess};
use super::uccapi::{Log, Th};

pub const DNS_NX: &str = "0x8007232B";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disc {
    Ok,
    /// Every name fails to resolve.
    AllFail,
    /// `sip.<d>` resolves but to the wrong target; SRV/lyncdiscover missing.
    WrongSip(String),
}

fn dns_fail<W: Write>(log: &mut Log<W>, rng: &mut Rng, name: &str, srv: bool) {
    log.info(
        Th::Sip,
        &format!("DNS {} query for {name}", if srv { "SRV" } else { "A" }),
    );
    log.tick(rng, 5, 120);
    log.warn(
        Th::Sip,
        &format!("DNS query for {name} failed, hr={DNS_NX} (name does not exist)"),
    );
}

/// Autodiscover and DNS location of the pool.
pub fn discover<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, d: &Disc) -> bool {
    let dom = ctx.domain.clone();
    log.info(
        Th::Ui,
        &format!("Starting server discovery for domain {dom}"),
    );
    dns_fail_or_ok(
        log,
        ctx,
        rng,
        &format!("lyncdiscoverinternal.{dom}"),
        !ctx.online && *d == Disc::Ok,
        &ctx.webpool.clone(),
    );
    if ctx.online && *d == Disc::Ok {
        log.info(Th::Sip, &format!("DNS A query for lyncdiscover.{dom}"));
        log.tick(rng, 5, 80);
        log.info(
            Th::Sip,
            &format!(
                "DNS answer for lyncdiscover.{dom}: CNAME webdir.online.lync.com -> 52.112.{}.{}",
                rng.range(0, 200),
                rng.range(2, 250)
            ),
        );
        log.http(rng, "GET", &format!("https://lyncdiscover.{dom}/"), 200, "OK", &[format!("Location: https://webdir.online.lync.com/Autodiscover/AutodiscoverService.svc/root?originalDomain={dom}")]);
        log.http(rng, "GET", &format!("https://webdir.online.lync.com/Autodiscover/AutodiscoverService.svc/root?originalDomain={dom}"), 200, "OK", &["Content-Type: application/vnd.microsoft.rtc.autodiscover+xml; v=1".into()]);
        log.http(rng, "GET", &format!("https://{}/Autodiscover/AutodiscoverService.svc/root/oauth/user?originalDomain={dom}", ctx.webpool), 401, "Unauthorized", &[format!("WWW-Authenticate: MsRtcOAuth href=\"https://{}/WebTicket/oauthtoken\",grant_type=\"urn:microsoft.rtc:windows,urn:microsoft.rtc:anonmeeting,password\"", ctx.webpool)]);
        log.http(
            rng,
            "POST",
            &format!("https://{}/WebTicket/WebTicketService.svc", ctx.webpool),
            200,
            "OK",
            &["Content-Type: text/xml; charset=utf-8".into()],
        );
        log.info(
            Th::Sip,
            &format!(
                "Autodiscover returned SIP access: internal {}:443, external {}:443",
                ctx.director, ctx.director
            ),
        );
        return true;
    }
    if *d == Disc::Ok {
        log.http(
            rng,
            "GET",
            &format!("https://lyncdiscoverinternal.{dom}/"),
            200,
            "OK",
            &["Content-Type: application/vnd.microsoft.rtc.autodiscover+xml; v=1".into()],
        );
        log.info(
            Th::Sip,
            &format!("DNS SRV query for _sipinternaltls._tcp.{dom}"),
        );
        log.tick(rng, 5, 60);
        log.info(
            Th::Sip,
            &format!(
                "DNS SRV answer for _sipinternaltls._tcp.{dom}: 0 0 5061 {}",
                ctx.director
            ),
        );
        return true;
    }
    dns_fail(log, rng, &format!("lyncdiscover.{dom}"), false);
    dns_fail(log, rng, &format!("_sipinternaltls._tcp.{dom}"), true);
    dns_fail(log, rng, &format!("_sip._tls.{dom}"), true);
    dns_fail(log, rng, &format!("sipinternal.{dom}"), false);
    match d {
        Disc::WrongSip(t) => {
            log.info(Th::Sip, &format!("DNS A query for sip.{dom}"));
            log.tick(rng, 5, 60);
            let ip = format!("198.51.100.{}", rng.range(2, 250));
            log.info(
                Th::Sip,
                &format!("DNS answer for sip.{dom}: CNAME {t} -> {ip}"),
            );
            log.info(Th::Sip, &format!("Connecting over TLS to {t} ({ip}:443)"));
            log.tick(rng, 20000, 21500);
            log.error(
                Th::Sip,
                &format!("Connection to {ip}:443 timed out, hr=0x80EE000C"),
            );
        }
        _ => {
            dns_fail(log, rng, &format!("sip.{dom}"), false);
            dns_fail(log, rng, &format!("sipexternal.{dom}"), false);
        }
    }
    false
}

fn dns_fail_or_ok<W: Write>(
    log: &mut Log<W>,
    _ctx: &Ctx,
    rng: &mut Rng,
    name: &str,
    ok: bool,
    target: &str,
) {
    if ok {
        log.info(Th::Sip, &format!("DNS A query for {name}"));
        log.tick(rng, 5, 60);
        log.info(
            Th::Sip,
            &format!(
                "DNS answer for {name}: CNAME {target} -> 10.20.1.{}",
                rng.range(2, 250)
            ),
        );
    } else {
        dns_fail(log, rng, name, false);
    }
}

pub fn startup<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng) {
    let ver = ctx
        .ua
        .split(' ')
        .next()
        .unwrap_or("")
        .trim_start_matches("UCCAPI/")
        .to_string();
    log.info(
        Th::Ui,
        &format!(
            "Client process started, build {ver}, {} bit",
            rng.pick(&["32", "64"])
        ),
    );
    log.info(Th::Misc, "Tracing level set to verbose by user option");
    log.trace(
        Th::Misc,
        &format!(
            "Machine {} joined to {}, user {}\\{}",
            ctx.host, ctx.ad_domain, ctx.netbios, ctx.user
        ),
    );
    for _ in 0..rng.range(3, 8) {
        sip::noise_local(log, ctx, rng);
    }
}

pub fn begin_signin<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng) {
    log.tick(rng, 500, 3000);
    log.info(
        Th::Ui,
        &format!(
            "Sign-in requested for {} (user {})",
            ctx.sip_uri(),
            if ctx.online {
                ctx.upn()
            } else {
                format!("{}\\{}", ctx.netbios, ctx.user)
            }
        ),
    );
}

/// Web ticket + certificate provisioning for a TLS-DSK challenge.
pub fn certprov<W: Write>(
    log: &mut Log<W>,
    ctx: &Ctx,
    rng: &mut Rng,
    fail: Option<(u16, &str, u32, &str)>,
) -> bool {
    let url = format!(
        "https://{}/CertProv/CertProvisioningService.svc",
        ctx.webpool
    );
    log.info(
        Th::Auth,
        &format!(
            "TLS-DSK challenge received, no usable certificate for {}; requesting one from {url}",
            ctx.sip_uri()
        ),
    );
    log.http(
        rng,
        "POST",
        &format!(
            "https://{}/WebTicket/WebTicketService.svc/Auth",
            ctx.webpool
        ),
        200,
        "OK",
        &["Content-Type: text/xml; charset=utf-8".into()],
    );
    log.info(
        Th::Http,
        &format!(
            "SOAPAction: \"http://tempuri.org/ICertProvisioningService/GetAndPublishCert\" -> {url}"
        ),
    );
    match fail {
        None => {
            log.http(
                rng,
                "POST",
                &url,
                200,
                "OK",
                &["Content-Type: text/xml; charset=utf-8".into()],
            );
            log.info(Th::Auth, &format!("Certificate for {} issued by CN=Communications Server stored in the user store (thumbprint {})", ctx.sip_uri(), rng.hex_upper(40)));
            true
        }
        Some((code, reason, diag, text)) => {
            log.http(
                rng,
                "POST",
                &url,
                code,
                reason,
                &[
                    "Content-Type: text/xml; charset=utf-8".into(),
                    format!(
                        "X-Ms-diagnostics: {diag};source=\"{}\";reason=\"{text}\"",
                        ctx.webpool.to_ascii_uppercase()
                    ),
                ],
            );
            log.error(Th::Auth, &format!("GetAndPublishCert failed with HTTP {code}, the certificate could not be obtained"));
            false
        }
    }
}

pub fn ui_failure<W: Write>(log: &mut Log<W>, rng: &mut Rng, hr: Option<&str>, text: &str) {
    log.tick(rng, 10, 200);
    if let Some(h) = hr {
        log.error(Th::Ui, &format!("Sign-in attempt ended, hr={h}"));
    }
    log.info(
        Th::Ui,
        &format!("Showing sign-in error to the user: \"{text}\""),
    );
}

/// Full healthy sign-in; returns the registered session.
pub fn signin_ok<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, auth: Auth) -> Sess {
    begin_signin(log, ctx, rng);
    discover(log, ctx, rng, &Disc::Ok);
    let mut s = to_challenge(log, ctx, rng, auth);
    if auth == Auth::TlsDsk && rng.chance(0.6) {
        certprov(log, ctx, rng, None);
    }
    sip::handshake(log, ctx, rng, &mut s, &Final::Ok);
    let peer = s.peer.clone();
    sip::after_signin(log, ctx, rng, &peer);
    s
}

/// Redirect (when applicable), connect, first REGISTER and its 401.
pub fn to_challenge<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, auth: Auth) -> Sess {
    if ctx.online || rng.chance(0.4) {
        sip::redirect_to_home(log, ctx, rng, auth);
    }
    sip::connect(log, ctx, rng, &ctx.pool, &ctx.pool_ip);
    sip::register_challenge(log, ctx, rng, auth)
}

/// Sign-in whose credentialed REGISTER is answered by `fin`.
pub fn signin_fail<W: Write>(
    log: &mut Log<W>,
    ctx: &Ctx,
    rng: &mut Rng,
    auth: Auth,
    fin: &Final,
) -> Sess {
    begin_signin(log, ctx, rng);
    discover(log, ctx, rng, &Disc::Ok);
    let mut s = to_challenge(log, ctx, rng, auth);
    if auth == Auth::TlsDsk && rng.chance(0.5) {
        certprov(log, ctx, rng, None);
    }
    sip::handshake(log, ctx, rng, &mut s, fin);
    s
}

/// Pad with local records until `until` bytes were written.
pub fn pad_local<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, until: u64) {
    while log.written < until && log.error.is_none() {
        sip::noise_local(log, ctx, rng);
    }
}

/// Pad with a signed-in client's traffic until `until` bytes were written.
pub fn pad_signed_in<W: Write>(
    log: &mut Log<W>,
    ctx: &Ctx,
    rng: &mut Rng,
    s: &mut Sess,
    until: u64,
) {
    while log.written < until && log.error.is_none() {
        if rng.chance(0.35) {
            sip::noise_local(log, ctx, rng);
        } else {
            sip::noise_signed_in(log, ctx, rng, s);
        }
    }
}

pub fn sign_out<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, s: &mut Sess, why: &str) {
    log.tick(rng, 1000, 8000);
    log.info(Th::Ui, &format!("Signing out ({why})"));
    let a = sip::authz_final(rng, s);
    let m = sip::register(ctx, rng, s, Some(a));
    let mut m2: Vec<String> = m
        .into_iter()
        .filter(|l| !l.starts_with("Content-Length"))
        .collect();
    m2.push("Expires: 0".into());
    m2.push("Content-Length: 0".into());
    log.send(ctx, &s.peer.clone(), &m2);
    log.tick(rng, 20, 200);
    log.info(Th::Ui, "Signed out");
}

/// An earlier, successful session with background traffic, ended by a sign-out
/// and followed by a gap of hours.
pub fn prior_session<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, auth: Auth, bytes: u64) {
    let mut s = signin_ok(log, ctx, rng, auth);
    let until = log.written + bytes;
    pad_signed_in(log, ctx, rng, &mut s, until);
    let why = *rng.pick(&[
        "user request",
        "computer going to sleep",
        "network connection lost",
    ]);
    sign_out(log, ctx, rng, &mut s, why);
    log.advance_secs(rng.range(3 * 3600, 16 * 3600) as i64);
    log.info(Th::Ui, "Resuming, network available");
}
