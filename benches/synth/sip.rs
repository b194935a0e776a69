//! SIP message builders, the REGISTER handshake and the background traffic
//! of a signed-in client.

use std::io::Write;

use super::ctx::Ctx;
use super::rng::Rng;
use super::uccapi::{Log, Th};

pub const REALM: &str = "SIP Communications Service";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    Ntlm,
    Kerberos,
    TlsDsk,
}

impl Auth {
    pub fn name(self) -> &'static str {
        match self {
            Auth::Ntlm => "NTLM",
            Auth::Kerberos => "Kerberos",
            Auth::TlsDsk => "TLS-DSK",
        }
    }
}

/// One REGISTER dialog (a sign-in session).
#[derive(Clone, Debug)]
pub struct Sess {
    pub call_id: String,
    pub tag: String,
    pub cseq: u32,
    pub peer: String,
    pub target: String,
    pub to_tag: String,
    pub opaque: String,
    pub auth: Auth,
    pub snum: u32,
}

impl Sess {
    pub fn new(rng: &mut Rng, target: &str, ip: &str, auth: Auth) -> Sess {
        Sess {
            call_id: rng.hex(32),
            tag: rng.hex(8),
            cseq: 0,
            peer: format!(
                "{ip}:{}",
                if target.ends_with("lync.com") {
                    443
                } else {
                    5061
                }
            ),
            target: target.to_string(),
            to_tag: rng.hex_upper(32),
            opaque: rng.hex_upper(8),
            auth,
            snum: 0,
        }
    }
}

fn via(ctx: &Ctx, rng: &mut Rng) -> String {
    format!(
        "Via: SIP/2.0/TLS {}:{};branch=z9hG4bK{}",
        ctx.local_ip,
        ctx.local_port,
        rng.hex(8).to_ascii_uppercase()
    )
}

pub fn contact_hdr(ctx: &Ctx, rng: &mut Rng) -> String {
    format!(
        "Contact: <sip:{}:{};transport=tls;ms-opaque={}>;methods=\"INVITE, MESSAGE, INFO, SUBSCRIBE, OPTIONS, BYE, CANCEL, NOTIFY, ACK, REFER, BENOTIFY\";proxy=replace;+sip.instance=\"<urn:uuid:{}>\"",
        ctx.local_ip,
        ctx.local_port,
        rng.hex(10),
        ctx.instance
    )
}

pub fn register(ctx: &Ctx, rng: &mut Rng, s: &mut Sess, authz: Option<String>) -> Vec<String> {
    s.cseq += 1;
    let mut m = vec![
        format!("REGISTER sip:{} SIP/2.0", ctx.domain),
        via(ctx, rng),
        "Max-Forwards: 70".into(),
        format!("From: <{}>;tag={};epid={}", ctx.sip_uri(), s.tag, ctx.epid),
        format!("To: <{}>", ctx.sip_uri()),
        format!("Call-ID: {}", s.call_id),
        format!("CSeq: {} REGISTER", s.cseq),
        contact_hdr(ctx, rng),
        format!("User-Agent: {}", ctx.ua),
        "Supported: gruu-10, adhoclist, msrtc-event-categories".into(),
        "Supported: ms-forking".into(),
        "Supported: ms-cluster-failover".into(),
        "Supported: ms-userservices-state-notification".into(),
        "ms-keep-alive: UAC;hop-hop=yes".into(),
        "Event: registration".into(),
    ];
    if let Some(a) = authz {
        m.push(a);
    }
    m.push("Content-Length: 0".into());
    m
}

pub struct Resp<'a> {
    pub code: u16,
    pub reason: &'a str,
    pub pre: Vec<String>,
    pub post: Vec<String>,
    pub server: Option<String>,
}

/// Response to the last REGISTER of `s`.
pub fn reg_response<W: Write>(log: &Log<W>, ctx: &Ctx, s: &Sess, r: Resp) -> Vec<String> {
    let mut m = vec![format!("SIP/2.0 {} {}", r.code, r.reason)];
    if r.code == 200 {
        m.push("ms-keep-alive: UAS; tcp=no; hop-hop=yes; end-end=no; timeout=300".into());
    }
    m.extend(r.pre);
    m.push(format!(
        "From: <{}>;tag={};epid={}",
        ctx.sip_uri(),
        s.tag,
        ctx.epid
    ));
    m.push(format!("To: <{}>;tag={}", ctx.sip_uri(), s.to_tag));
    m.push(format!("Call-ID: {}", s.call_id));
    m.push(format!("CSeq: {} REGISTER", s.cseq));
    m.push(format!(
        "Via: SIP/2.0/TLS {}:{};branch=z9hG4bK{};ms-received-port={};ms-received-cid={}",
        ctx.local_ip,
        ctx.local_port,
        &s.call_id[..8].to_ascii_uppercase(),
        ctx.local_port,
        &s.to_tag[..4]
    ));
    m.push(format!("Date: {}", log.server_date(ctx)));
    m.push(format!(
        "Server: {}",
        r.server.unwrap_or_else(|| ctx.server_ver.clone())
    ));
    m.extend(r.post);
    m.push("Content-Length: 0".into());
    m
}

pub fn challenge(ctx: &Ctx, s: &Sess, auth: Auth) -> String {
    match auth {
        Auth::Ntlm => format!(
            "WWW-Authenticate: NTLM realm=\"{REALM}\", targetname=\"{}\", version=4",
            s.target
        ),
        Auth::Kerberos => format!(
            "WWW-Authenticate: Kerberos realm=\"{REALM}\", targetname=\"sip/{}\", version=4",
            s.target
        ),
        Auth::TlsDsk => format!(
            "WWW-Authenticate: TLS-DSK realm=\"{REALM}\", targetname=\"{}\", version=4, sts-uri=\"https://{}/CertProv/CertProvisioningService.svc\"",
            s.target, ctx.webpool
        ),
    }
}

fn ntlm_blob(rng: &mut Rng, t: u8, n: usize) -> String {
    rng.b64(
        &[b'N', b'T', b'L', b'M', b'S', b'S', b'P', 0, t, 0, 0, 0],
        n,
    )
}

pub fn authz_initial(rng: &mut Rng, s: &Sess) -> String {
    match s.auth {
        Auth::Ntlm => format!(
            "Authorization: NTLM qop=\"auth\", realm=\"{REALM}\", targetname=\"{}\", gssapi-data=\"{}\", version=4",
            s.target,
            ntlm_blob(rng, 1, 28)
        ),
        Auth::Kerberos => format!(
            "Authorization: Kerberos qop=\"auth\", realm=\"{REALM}\", targetname=\"sip/{}\", gssapi-data=\"{}\", version=4",
            s.target,
            rng.b64(
                &[0x60, 0x82, 0x06, 0x1f, 0x06, 0x09, 0x2a, 0x86, 0x48],
                1100
            )
        ),
        Auth::TlsDsk => format!(
            "Authorization: TLS-DSK qop=\"auth\", realm=\"{REALM}\", targetname=\"{}\", gssapi-data=\"{}\", version=4",
            s.target,
            rng.b64(&[0x16, 0x03, 0x01, 0x00, 0x9a, 0x01], 150)
        ),
    }
}

pub fn authz_final(rng: &mut Rng, s: &Sess) -> String {
    let data = match s.auth {
        Auth::TlsDsk => rng.b64(&[0x16, 0x03, 0x03, 0x06, 0x2e, 0x0b], 1150),
        _ => ntlm_blob(rng, 3, 330),
    };
    format!(
        "Authorization: {} qop=\"auth\", realm=\"{REALM}\", opaque=\"{}\", targetname=\"{}\", gssapi-data=\"{}\", version=4",
        s.auth.name(),
        s.opaque,
        s.target,
        data
    )
}

fn continuation(rng: &mut Rng, s: &Sess) -> String {
    let data = match s.auth {
        Auth::TlsDsk => rng.b64(&[0x16, 0x03, 0x03, 0x0c, 0x41, 0x02], 900),
        _ => ntlm_blob(rng, 2, 180),
    };
    format!(
        "WWW-Authenticate: {} opaque=\"{}\", gssapi-data=\"{}\", targetname=\"{}\", realm=\"{REALM}\", version=4",
        s.auth.name(),
        s.opaque,
        data,
        s.target
    )
}

fn auth_info(rng: &mut Rng, s: &mut Sess) -> String {
    s.snum += 1;
    let rsp = if s.auth == Auth::TlsDsk {
        rng.hex(96)
    } else {
        rng.hex(32)
    };
    format!(
        "Authentication-Info: {} qop=\"auth\", opaque=\"{}\", srand=\"{}\", snum=\"{}\", rspauth=\"{}\", targetname=\"{}\", realm=\"{REALM}\", version=4",
        s.auth.name(),
        s.opaque,
        rng.hex_upper(8),
        s.snum,
        rsp,
        s.target
    )
}

pub fn diag(code: u32, reason: &str, source: &str) -> String {
    format!("ms-diagnostics: {code};reason=\"{reason}\";source=\"{source}\"")
}

/// How the last credentialed REGISTER is answered.
#[derive(Clone, Debug)]
pub enum Final {
    Ok,
    /// Failure response; `rechallenge` adds a fresh WWW-Authenticate without gssapi-data.
    Fail {
        code: u16,
        reason: String,
        diag: Option<String>,
        extra: Vec<String>,
        rechallenge: bool,
    },
}

/// TLS connect lines for a SIP hop.
pub fn connect<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, host: &str, ip: &str) {
    log.info(
        Th::Sip,
        &format!("Resolved {host} to {ip}, connecting over TLS to port 443"),
    );
    log.tick(rng, 20, 180);
    log.trace(
        Th::Sip,
        &format!(
            "Transport connection 0x{} established to {ip}:443",
            rng.hex_upper(8)
        ),
    );
    log.tick(rng, 10, 90);
    log.info(
        Th::Sip,
        &format!("TLS negotiation with {host} completed, server certificate subject CN={host}"),
    );
    let _ = ctx;
}

/// Online first hop: sipdir answers with a redirect to the home pool.
pub fn redirect_to_home<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, auth: Auth) {
    connect(log, ctx, rng, &ctx.director, &ctx.director_ip);
    let mut s = Sess::new(rng, &ctx.director, &ctx.director_ip, auth);
    let m = register(ctx, rng, &mut s, None);
    log.send(ctx, &s.peer, &m);
    log.tick(rng, 60, 400);
    let r = reg_response(
        log,
        ctx,
        &s,
        Resp {
            code: 301,
            reason: "Redirect request to Home Server",
            pre: vec![format!("Contact: <sip:{}:443;transport=tls>", ctx.pool)],
            post: vec![],
            server: None,
        },
    );
    log.recv(ctx, &s.peer, &r);
    log.tick(rng, 5, 60);
    log.info(
        Th::Sip,
        &format!("Registration redirected to home server {}", ctx.pool),
    );
}

/// First REGISTER and the initial challenge. Returns the session.
pub fn register_challenge<W: Write>(
    log: &mut Log<W>,
    ctx: &Ctx,
    rng: &mut Rng,
    auth: Auth,
) -> Sess {
    let mut s = Sess::new(rng, &ctx.pool, &ctx.pool_ip, auth);
    let m = register(ctx, rng, &mut s, None);
    log.send(ctx, &s.peer, &m);
    log.tick(rng, 40, 300);
    let mut pre = vec![];
    if ctx.online {
        pre.push("ms-user-logon-data: RemoteUser".to_string());
        pre.push(challenge(ctx, &s, Auth::TlsDsk));
    } else {
        if auth == Auth::Kerberos || rng.chance(0.7) {
            pre.push(challenge(ctx, &s, Auth::Kerberos));
        }
        pre.push(challenge(ctx, &s, Auth::Ntlm));
        if auth == Auth::TlsDsk || rng.chance(0.4) {
            pre.push(challenge(ctx, &s, Auth::TlsDsk));
        }
    }
    let r = reg_response(
        log,
        ctx,
        &s,
        Resp {
            code: 401,
            reason: "Unauthorized",
            pre,
            post: vec![],
            server: None,
        },
    );
    log.recv(ctx, &s.peer, &r);
    log.tick(rng, 5, 80);
    log.info(
        Th::Auth,
        &format!(
            "Selected authentication package {} for {}",
            auth.name(),
            s.target
        ),
    );
    s
}

/// From the initial credentialed REGISTER to the final answer.
pub fn handshake<W: Write>(
    log: &mut Log<W>,
    ctx: &Ctx,
    rng: &mut Rng,
    s: &mut Sess,
    fin: &Final,
) -> bool {
    let a = authz_initial(rng, s);
    let m = register(ctx, rng, s, Some(a));
    log.send(ctx, &s.peer, &m);
    log.tick(rng, 30, 250);
    if s.auth != Auth::Kerberos {
        let r = reg_response(
            log,
            ctx,
            s,
            Resp {
                code: 401,
                reason: "Unauthorized",
                pre: vec![continuation(rng, s)],
                post: vec![],
                server: None,
            },
        );
        log.recv(ctx, &s.peer, &r);
        log.tick(rng, 10, 120);
        let a = authz_final(rng, s);
        let m = register(ctx, rng, s, Some(a));
        log.send(ctx, &s.peer, &m);
        log.tick(rng, 30, 300);
    }
    match fin {
        Final::Ok => {
            let pre = vec![auth_info(rng, s)];
            let post = vec![
                format!(
                    "Contact: <sip:{}:{};transport=tls;ms-received-cid={}>;expires=7200;+sip.instance=\"<urn:uuid:{}>\";gruu=\"{};opaque=user:epid:{};gruu\"",
                    ctx.local_ip,
                    ctx.local_port,
                    &s.to_tag[..4],
                    ctx.instance.to_ascii_lowercase(),
                    ctx.sip_uri(),
                    rng.b64(&[], 16).trim_end_matches('=')
                ),
                "Expires: 7200".into(),
                "presence-state: register-action=\"added\"".into(),
                "Allow-Events: vnd-microsoft-provisioning,vnd-microsoft-roaming-contacts,vnd-microsoft-roaming-ACL,presence,presence.wpending,vnd-microsoft-roaming-self,vnd-microsoft-provisioning-v2".into(),
                "Supported: adhoclist, msrtc-event-categories, ms-userservices-state-notification".into(),
            ];
            let r = reg_response(
                log,
                ctx,
                s,
                Resp {
                    code: 200,
                    reason: "OK",
                    pre,
                    post,
                    server: None,
                },
            );
            log.recv(ctx, &s.peer, &r);
            log.tick(rng, 5, 60);
            log.info(
                Th::Ui,
                &format!(
                    "Sign-in completed for {} (registered with {})",
                    ctx.sip_uri(),
                    s.target
                ),
            );
            true
        }
        Final::Fail {
            code,
            reason,
            diag,
            extra,
            rechallenge,
        } => {
            let mut pre = vec![];
            if *rechallenge {
                pre.push(challenge(ctx, s, s.auth));
            }
            let mut post = extra.clone();
            if let Some(d) = diag {
                post.push(d.clone());
            }
            let r = reg_response(
                log,
                ctx,
                s,
                Resp {
                    code: *code,
                    reason,
                    pre,
                    post,
                    server: None,
                },
            );
            log.recv(ctx, &s.peer, &r);
            log.tick(rng, 5, 60);
            false
        }
    }
}

/// A subscription or service request and its answer; used for the traffic
/// of a signed-in client.
fn exchange<W: Write>(
    log: &mut Log<W>,
    ctx: &Ctx,
    rng: &mut Rng,
    peer: &str,
    method: &str,
    ruri: &str,
    to: &str,
    extra: &[String],
    body: &[String],
    resp: (u16, &str),
    resp_extra: &[String],
    resp_body: &[String],
) {
    let call_id = rng.hex(32);
    let tag = rng.hex(10);
    let cseq = rng.range(1, 4);
    let body_len: usize = body.iter().map(|l| l.len() + 2).sum();
    let mut m = vec![
        format!("{method} {ruri} SIP/2.0"),
        via(ctx, rng),
        "Max-Forwards: 70".into(),
        format!("From: <{}>;tag={tag};epid={}", ctx.sip_uri(), ctx.epid),
        format!("To: <{to}>"),
        format!("Call-ID: {call_id}"),
        format!("CSeq: {cseq} {method}"),
        format!("User-Agent: {}", ctx.ua),
    ];
    m.extend(extra.iter().cloned());
    m.push(format!("Content-Length: {body_len}"));
    if !body.is_empty() {
        m.push(String::new());
        m.extend(body.iter().cloned());
    }
    log.send(ctx, peer, &m);
    log.tick(rng, 20, 400);
    let rb_len: usize = resp_body.iter().map(|l| l.len() + 2).sum();
    let mut r = vec![
        format!("SIP/2.0 {} {}", resp.0, resp.1),
        format!("From: <{}>;tag={tag};epid={}", ctx.sip_uri(), ctx.epid),
        format!("To: <{to}>;tag={}", rng.hex_upper(32)),
        format!("Call-ID: {call_id}"),
        format!("CSeq: {cseq} {method}"),
        format!(
            "Via: SIP/2.0/TLS {}:{};branch=z9hG4bK{};ms-received-port={}",
            ctx.local_ip,
            ctx.local_port,
            rng.hex_upper(8),
            ctx.local_port
        ),
        format!("Date: {}", log.server_date(ctx)),
        format!("Server: {}", ctx.server_ver),
    ];
    r.extend(resp_extra.iter().cloned());
    r.push(format!("Content-Length: {rb_len}"));
    if !resp_body.is_empty() {
        r.push(String::new());
        r.extend(resp_body.iter().cloned());
    }
    log.recv(ctx, peer, &r);
}

/// Traffic right after a successful REGISTER: provisioning, roaming, presence.
pub fn after_signin<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, peer: &str) {
    let me = ctx.sip_uri();
    let mras_opaque = rng.b64(&[], 12).trim_end_matches('=').to_string();
    exchange(
        log, ctx, rng, peer, "SUBSCRIBE", &me, &me,
        &["Event: vnd-microsoft-provisioning-v2".into(), "Accept: application/vnd-microsoft-roaming-provisioning-v2+xml".into(), "Expires: 0".into(), "Content-Type: application/vnd-microsoft-roaming-provisioning-v2+xml".into()],
        &["<provisioningGroupList xmlns=\"http://schemas.microsoft.com/2006/09/sip/provisiongrouplist\"><provisioningGroup name=\"ServerConfiguration\"/><provisioningGroup name=\"meetingPolicy\"/><provisioningGroup name=\"ucPolicy\"/><provisioningGroup name=\"userSetting\"/></provisioningGroupList>".into()],
        (200, "OK"),
        &["Content-Type: multipart/mixed; boundary=\"------=_NextPart_000\"".into(), "Expires: 0".into()],
        &[
            "--------=_NextPart_000".into(),
            "Content-Type: application/vnd-microsoft-roaming-provisioning-v2+xml".into(),
            String::new(),
            format!("<provisionGroup name=\"ServerConfiguration\"><absInternalServerUrl>https://{}/abs/handler</absInternalServerUrl><ucwaInternalUrl>https://{}/ucwa</ucwaInternalUrl><mrasUri>sip:{}@{};gruu;opaque=srvr:MRAS:{}</mrasUri></provisionGroup>", ctx.webpool, ctx.webpool, ctx.pool.to_ascii_lowercase(), ctx.domain, mras_opaque),
            "--------=_NextPart_000--".into(),
        ],
    );
    log.tick(rng, 50, 400);
    exchange(
        log, ctx, rng, peer, "SUBSCRIBE", &me, &me,
        &["Event: vnd-microsoft-roaming-self".into(), "Accept: application/vnd-microsoft-roaming-self+xml".into(), "Supported: com.microsoft.autoextend".into(), "Content-Type: application/vnd-microsoft-roaming-self+xml".into()],
        &["<roamingList xmlns=\"http://schemas.microsoft.com/2006/09/sip/roaming-self\"><roaming type=\"categories\"/><roaming type=\"containers\"/><roaming type=\"subscribers\"/></roamingList>".into()],
        (200, "OK"),
        &["Expires: 36000".into(), "Content-Type: application/vnd-microsoft-roaming-self+xml".into()],
        &["<roamingData xmlns=\"http://schemas.microsoft.com/2006/09/sip/roaming-self\"><categories uri=\"\" majorVersion=\"1\"/></roamingData>".into()],
    );
    log.tick(rng, 50, 400);
    service_presence(log, ctx, rng, peer, "3500");
}

fn service_presence<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, peer: &str, avail: &str) {
    let me = ctx.sip_uri();
    let (inst, ver) = (rng.range(100000000, 999999999), rng.range(1, 40));
    exchange(
        log,
        ctx,
        rng,
        peer,
        "SERVICE",
        &me,
        &me,
        &["Content-Type: application/msrtc-category-publish+xml".into()],
        &[format!(
            "<publish xmlns=\"http://schemas.microsoft.com/2006/09/sip/rich-presence\"><publications uri=\"{me}\"><publication categoryName=\"state\" instance=\"{}\" container=\"2\" version=\"{}\" expireType=\"endpoint\"><state xmlns=\"http://schemas.microsoft.com/2006/09/sip/state\" manual=\"false\" type=\"machineState\"><availability>{avail}</availability><endpointLocation></endpointLocation></state></publication></publications></publish>",
            inst, ver
        )],
        (200, "OK"),
        &["Content-Type: application/vnd-microsoft-roaming-self+xml".into()],
        &[],
    );
}

const UI_LINES: &[&str] = &[
    "Main window state changed: visible={v}",
    "Contact list view refreshed: {n} groups, {m} contacts",
    "Conversation window count is now {n}",
    "Notification area icon updated (state {n})",
    "Options dialog closed without changes",
    "Search box query submitted ({n} characters)",
    "Quick Lync bar shown for contact index {n}",
    "Status note editor lost focus",
];
const TRACE_LINES: &[&str] = &[
    "Timer 0x{h} fired, interval {n} ms",
    "Work item 0x{h} queued on dispatcher, depth {n}",
    "Cache lookup for photo hash {h}: hit",
    "Persisted roaming state, {n} bytes",
    "Idle detector: user input {n} s ago",
    "Message pump latency {n} ms",
    "Released transport reference 0x{h}, count {n}",
];
const MEDIA_LINES: &[&str] = &[
    "Audio device enumeration: render=\"Headset Earphone (Jabra Evolve 65)\" capture=\"Headset Microphone (Jabra Evolve 65)\"",
    "Audio device enumeration: render=\"Speakers (Realtek(R) Audio)\" capture=\"Microphone Array (Realtek(R) Audio)\"",
    "Video device found: \"Integrated Webcam\" (1280x720)",
    "Media stack initialised, codecs SILK/G.722/PCMU/RTAudio available",
    "Quality of experience report queued ({n} bytes)",
    "Bandwidth policy: audio {n} kbps max",
];
const WARN_LINES: &[&str] = &[
    "Photo download for contact index {n} returned no image",
    "Outlook integration: MAPI profile not yet available, retrying in {n} s",
    "Skipping malformed calendar free/busy block ({n} bytes)",
    "Spell checker dictionary for locale 1033 not installed",
    "Address book delta file older than {n} days, scheduling full download",
];

fn fill(t: &str, rng: &mut Rng) -> String {
    t.replace("{n}", &rng.range(1, 900).to_string())
        .replace("{m}", &rng.range(10, 400).to_string())
        .replace("{h}", &rng.hex_upper(8))
        .replace("{v}", if rng.chance(0.5) { "true" } else { "false" })
}

/// Records that never involve the user's own sign-in state.
pub fn noise_local<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng) {
    log.tick(rng, 30, 5000);
    match rng.below(10) {
        0..=2 => {
            let t0 = *rng.pick(TRACE_LINES);
            let t = fill(t0, rng);
            log.trace(Th::Misc, &t)
        }
        3 | 4 => {
            let t0 = *rng.pick(UI_LINES);
            let t = fill(t0, rng);
            log.info(Th::Ui, &t)
        }
        5 => {
            let t0 = *rng.pick(MEDIA_LINES);
            let t = fill(t0, rng);
            log.info(Th::Media, &t)
        }
        6 => {
            let t0 = *rng.pick(WARN_LINES);
            let t = fill(t0, rng);
            log.warn(Th::Ui, &t)
        }
        7 => {
            let url = format!(
                "https://autodiscover.{}/autodiscover/autodiscover.xml",
                ctx.domain
            );
            let be = format!(
                "X-CalculatedBETarget: mbx{:02}.{}",
                rng.range(1, 9),
                ctx.ad_domain
            );
            log.http(
                rng,
                "POST",
                &url,
                200,
                "OK",
                &["Content-Type: text/xml; charset=utf-8".into(), be],
            );
        }
        8 => {
            let key = rng.pick(&[
                "EnableTracing",
                "ConfigurationMode",
                "AutoOpenMainWindowWhenMinimized",
                "EnableAppearOffline",
                "ShowEmoticons",
                "IMLatencySpinnerDelay",
            ]);
            log.info(
                Th::Misc,
                &format!("Policy/setting {key} = {}", rng.range(0, 2)),
            );
        }
        _ => {
            log.info(
                Th::Misc,
                &format!(
                    "Network connectivity check: interface {{{}}} up, {} Mbps",
                    rng.guid().to_ascii_uppercase(),
                    rng.pick(&[100, 1000, 300, 866])
                ),
            );
        }
    }
}

/// Background SIP/HTTP traffic of a signed-in client (presence, roaming,
/// keep-alive, contacts offline, federation and MRAS errors).
pub fn noise_signed_in<W: Write>(log: &mut Log<W>, ctx: &Ctx, rng: &mut Rng, s: &mut Sess) {
    log.tick(rng, 200, 20000);
    let peer = s.peer.clone();
    match rng.below(12) {
        0 | 1 => {
            let n = rng.range(2, 6) as usize;
            let mut body = vec!["<batchSub xmlns=\"http://schemas.microsoft.com/2006/01/sip/batch-subscribe\" uri=\"".to_string() + &ctx.sip_uri() + "\" name=\"\"><action name=\"subscribe\" id=\"" + &rng.range(1000000, 99999999).to_string() + "\"><adhocList>"];
            for _ in 0..n {
                let c = rng.pick(&ctx.contacts).clone();
                body.push(format!("<resource uri=\"{c}\"/>"));
            }
            body.push("</adhocList><categoryList xmlns=\"http://schemas.microsoft.com/2006/09/sip/categorylist\"><category name=\"calendarData\"/><category name=\"contactCard\"/><category name=\"note\"/><category name=\"state\"/></categoryList></action></batchSub>".into());
            let me = ctx.sip_uri();
            exchange(log, ctx, rng, &peer, "SUBSCRIBE", &me, &me,
                &["Event: presence".into(), "Accept: application/msrtc-event-categories+xml, text/xml+msrtc.pidf, application/pidf+xml, application/rlmi+xml, multipart/related".into(), "Supported: eventlist, ms-benotify, ms-piggyback-first-notify".into(), "Require: adhoclist, categoryList".into(), "Content-Type: application/msrtc-adrl-categorylist+xml".into()],
                &body, (200, "OK"),
                &["Expires: 3600".into(), "Require: eventlist".into(), "Content-Type: multipart/related; type=\"application/rlmi+xml\";start=resourceList;boundary=9a3b1c".into()],
                &["--9a3b1c".into(), "Content-Type: application/rlmi+xml".into(), String::new(), format!("<list xmlns=\"urn:ietf:params:xml:ns:rlmi\" uri=\"{}\" version=\"0\" fullState=\"false\"/>", ctx.sip_uri()), "--9a3b1c--".into()]);
        }
        2 => {
            let c = rng.pick(&ctx.contacts).clone();
            let (code, reason) = *rng.pick(&[(480, "Temporarily Unavailable"), (404, "Not Found")]);
            let d = if code == 404 {
                diag(
                    4005,
                    "Destination URI either not enabled for SIP or does not exist",
                    &ctx.pool,
                )
            } else {
                "ms-diagnostics: 2001;reason=\"Subscriber is offline\"".to_string()
                    + &format!(";source=\"{}\"", ctx.pool)
            };
            exchange(
                log,
                ctx,
                rng,
                &peer,
                "SUBSCRIBE",
                &c,
                &c,
                &[
                    "Event: presence".into(),
                    "Accept: application/msrtc-event-categories+xml".into(),
                ],
                &[],
                (code, reason),
                &[d],
                &[],
            );
        }
        3 => {
            let who = format!(
                "sip:{}@{}",
                rng.pick(&["j.smith", "m.lee", "sales", "k.brown", "t.wong"]),
                ctx.partner_domain
            );
            let src = if ctx.online {
                format!(
                    "{}A{:02}EDG{:02}.infra.lync.com",
                    &ctx.pool[..3],
                    rng.range(1, 20),
                    rng.range(1, 9)
                )
            } else {
                format!("lyncedge01.{}", ctx.domain)
            };
            exchange(
                log,
                ctx,
                rng,
                &peer,
                "SUBSCRIBE",
                &who,
                &who,
                &["Event: presence".into()],
                &[],
                (504, "Server time-out"),
                &[format!(
                    "ms-diagnostics: 1008;reason=\"Unable to resolve DNS SRV record\";fqdn=\"{}\";source=\"{src}\"",
                    ctx.partner_domain
                )],
                &[],
            );
        }
        4 => {
            let mras = format!(
                "sip:{}@{};gruu;opaque=srvr:MRAS:{}",
                ctx.pool.to_ascii_lowercase(),
                ctx.domain,
                rng.b64(&[], 12).trim_end_matches('=')
            );
            let (r1, r2) = (rng.range(10000000, 99999999), rng.range(10000000, 99999999));
            exchange(
                log,
                ctx,
                rng,
                &peer,
                "SERVICE",
                &mras,
                &mras,
                &["Content-Type: application/msrtc-media-relay-auth+xml".into()],
                &[format!(
                    "<request requestID=\"{}\" from=\"{}\" version=\"2.0\" to=\"{mras}\" xmlns=\"http://schemas.microsoft.com/2006/09/sip/mrasp\"><credentialsRequest credentialsRequestID=\"{}\"><identity>{}</identity><location>intranet</location><duration>480</duration></credentialsRequest></request>",
                    r1,
                    ctx.sip_uri(),
                    r2,
                    ctx.sip_uri()
                )],
                (503, "Service Unavailable"),
                &[format!(
                    "ms-diagnostics: 1047;reason=\"Failed to get a media relay token\";source=\"{}\"",
                    ctx.pool
                )],
                &[],
            );
            log.warn(
                Th::Media,
                "Media relay credentials not obtained, will retry later",
            );
        }
        5 | 6 => {
            let a = authz_final(rng, s);
            let m = register(ctx, rng, s, Some(a));
            log.send(ctx, &peer, &m);
            log.tick(rng, 30, 200);
            let pre = vec![auth_info(rng, s)];
            let r = reg_response(
                log,
                ctx,
                s,
                Resp {
                    code: 200,
                    reason: "OK",
                    pre,
                    post: vec!["Expires: 7200".into()],
                    server: None,
                },
            );
            log.recv(ctx, &peer, &r);
        }
        7 => {
            let a = rng.pick(&["3500", "6500", "9500", "15500"]).to_string();
            service_presence(log, ctx, rng, &peer, &a);
        }
        8 => {
            let c = rng.pick(&ctx.contacts).clone();
            let m = vec![
                format!(
                    "BENOTIFY sip:{}:{};transport=tls;ms-opaque={};ms-received-cid={} SIP/2.0",
                    ctx.local_ip,
                    ctx.local_port,
                    rng.hex(10),
                    &s.to_tag[..4]
                ),
                format!(
                    "Via: SIP/2.0/TLS {};branch=z9hG4bK{};branched=FALSE",
                    s.peer,
                    rng.hex_upper(8)
                ),
                "Max-Forwards: 69".into(),
                format!(
                    "To: <{}>;tag={};epid={}",
                    ctx.sip_uri(),
                    rng.hex(10),
                    ctx.epid
                ),
                format!("From: <{}>;tag={}", ctx.sip_uri(), rng.hex_upper(8)),
                format!("Call-ID: {}", rng.hex(32)),
                format!("CSeq: {} BENOTIFY", rng.range(2, 90)),
                "Event: presence".into(),
                "subscription-state: active;expires=3000".into(),
                "Content-Type: application/msrtc-event-categories+xml".into(),
                "Content-Length: 310".into(),
                String::new(),
                format!(
                    "<categories xmlns=\"http://schemas.microsoft.com/2006/09/sip/categories\" uri=\"{c}\"><category name=\"state\" instance=\"1\" publishTime=\"{}\"><state xmlns=\"http://schemas.microsoft.com/2006/09/sip/state\" type=\"aggregateState\"><availability>{}</availability></state></category></categories>",
                    log.now.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                    rng.pick(&["3500", "6500", "9500", "18500"])
                ),
            ];
            log.recv(ctx, &peer, &m);
        }
        9 => {
            let url = format!(
                "https://{}/WebTicket/WebTicketService.svc/Cert",
                ctx.webpool
            );
            log.http(
                rng,
                "POST",
                &url,
                200,
                "OK",
                &["Content-Type: text/xml; charset=utf-8".into()],
            );
            log.info(Th::Http, "Web ticket obtained, valid for 8 hours");
        }
        10 => {
            let url = format!(
                "https://{}/abs/handler/D-{}-F-{}.lsabs",
                ctx.webpool,
                rng.hex(4),
                rng.hex(4)
            );
            log.http(rng, "GET", &url, 200, "OK", &[]);
        }
        _ => noise_local(log, ctx, rng),
    }
}
