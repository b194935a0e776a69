//! Windows event-log exports: Event Viewer CSV, Event Viewer XML, wevtutil text.

use chrono::NaiveDateTime;

use super::ctx::Ctx;
use super::rng::Rng;

#[derive(Clone, Debug)]
pub struct Ev {
    pub utc: NaiveDateTime,
    pub log: &'static str,
    pub provider: String,
    pub id: u32,
    /// 1 critical, 2 error, 3 warning, 4 information
    pub level: u8,
    pub task: String,
    /// Security log: Some(true) audit success, Some(false) audit failure.
    pub audit: Option<bool>,
    pub message: String,
    pub data: Vec<(String, String)>,
}

pub fn ev(
    utc: NaiveDateTime,
    log: &'static str,
    provider: &str,
    id: u32,
    level: u8,
    task: &str,
    message: &str,
) -> Ev {
    Ev {
        utc,
        log,
        provider: provider.into(),
        id,
        level,
        task: task.into(),
        audit: None,
        message: message.into(),
        data: vec![],
    }
}

fn level_word(l: u8) -> &'static str {
    match l {
        1 => "Critical",
        2 => "Error",
        3 => "Warning",
        _ => "Information",
    }
}

fn crlf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// Event Viewer "Save As CSV": local times, en-US format, message in a quoted 6th field.
pub fn viewer_csv(evs: &[Ev], ctx: &Ctx) -> String {
    let security = evs.iter().all(|e| e.audit.is_some());
    let mut out = String::new();
    out.push_str(if security { "Keywords" } else { "Level" });
    out.push_str(",Date and Time,Source,Event ID,Task Category\r\n");
    for e in evs {
        let first = match e.audit {
            Some(true) => "Audit Success".to_string(),
            Some(false) => "Audit Failure".to_string(),
            None => level_word(e.level).to_string(),
        };
        let t = ctx.local_of_utc(e.utc).format("%-m/%-d/%Y %-I:%M:%S %p");
        out.push_str(&format!(
            "{first},{t},{},{},{},\"{}\"\r\n",
            e.provider,
            e.id,
            e.task,
            crlf(&e.message).replace('"', "\"\"")
        ));
    }
    out
}

fn xml_esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
}

/// Event Viewer "Save As XML" with RenderingInfo (UTC SystemTime, one Event per line).
pub fn viewer_xml(evs: &[Ev], ctx: &Ctx, rng: &mut Rng) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\r\n<Events>");
    let mut rec = rng.range(10000, 900000);
    for e in evs {
        rec += rng.range(1, 40);
        let data: String = e
            .data
            .iter()
            .map(|(k, v)| format!("<Data Name='{k}'>{}</Data>", xml_esc(v)))
            .collect();
        out.push_str(&format!(
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='{}'/><EventID Qualifiers='0'>{}</EventID><Version>0</Version><Level>{}</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='{}'/><EventRecordID>{rec}</EventRecordID><Correlation/><Execution ProcessID='{}' ThreadID='{}'/><Channel>{}</Channel><Computer>{}.{}</Computer><Security/></System><EventData>{data}</EventData><RenderingInfo Culture='en-US'><Message>{}</Message><Level>{}</Level><Task>{}</Task><Opcode>Info</Opcode><Channel>{}</Channel><Provider>{}</Provider><Keywords><Keyword>Classic</Keyword></Keywords></RenderingInfo></Event>\r\n",
            e.provider, e.id, e.level, e.utc.format("%Y-%m-%dT%H:%M:%S%.f0Z"), rng.range(400, 9000), rng.range(400, 9000), e.log, ctx.host, ctx.ad_domain,
            xml_esc(&crlf(&e.message)), level_word(e.level), xml_esc(&e.task), e.log, e.provider
        ));
    }
    out.push_str("</Events>\r\n");
    out
}

/// `wevtutil qe <log> /f:text` layout (local time, no zone).
pub fn wevtutil_text(evs: &[Ev], ctx: &Ctx) -> String {
    let mut out = String::new();
    for (i, e) in evs.iter().enumerate() {
        out.push_str(&format!(
            "Event[{i}]:\r\n  Log Name: {}\r\n  Source: {}\r\n  Date: {}\r\n  Event ID: {}\r\n  Task: {}\r\n  Level: {}\r\n  Opcode: Info\r\n  Keyword: {}\r\n  User: N/A\r\n  User Name: N/A\r\n  Computer: {}.{}\r\n  Description: \r\n{}\r\n\r\n",
            e.log, e.provider, ctx.local_of_utc(e.utc).format("%Y-%m-%dT%H:%M:%S%.3f"), e.id, e.task, level_word(e.level),
            match e.audit { Some(true) => "Audit Success", Some(false) => "Audit Failure", None => "Classic" },
            ctx.host, ctx.ad_domain, crlf(&e.message)
        ));
    }
    out
}

/// Ordinary events that surround the signal in any export.
pub fn background(
    ctx: &Ctx,
    rng: &mut Rng,
    log: &'static str,
    around: NaiveDateTime,
    n: usize,
) -> Vec<Ev> {
    let mut v = vec![];
    for _ in 0..n {
        let t = around - chrono::TimeDelta::seconds(rng.range(0, 6 * 3600) as i64)
            + chrono::TimeDelta::seconds(rng.range(0, 3 * 3600) as i64);
        let e = match (log, rng.below(5)) {
            ("Application", 0) => ev(
                t,
                log,
                "Microsoft-Windows-Security-SPP",
                16384,
                4,
                "None",
                "Successfully scheduled Software Protection service for re-start at 2099-01-01T00:00:00Z. Reason: RulesEngine.",
            ),
            ("Application", 1) => ev(
                t,
                log,
                "Office Software Protection Platform Service",
                1003,
                4,
                "None",
                "The Software Protection service has completed licensing status check.",
            ),
            ("Application", 2) => ev(
                t,
                log,
                "Lync",
                1000,
                4,
                "None",
                "Lync has enabled event logging. To disable it, clear the logging check box in the Lync options.",
            ),
            ("Application", 3) => ev(
                t,
                log,
                "Outlook",
                63,
                3,
                "None",
                "The Exchange web service request GetAppManifests succeeded.",
            ),
            ("Application", _) => ev(
                t,
                log,
                "VSS",
                8224,
                4,
                "None",
                "The VSS service is shutting down due to idle timeout.",
            ),
            ("System", 0) => ev(
                t,
                log,
                "Service Control Manager",
                7036,
                4,
                "None",
                "The Windows Update service entered the running state.",
            ),
            ("System", 1) => ev(
                t,
                log,
                "Microsoft-Windows-Kernel-General",
                16,
                4,
                "None",
                "The access history in hive \\??\\C:\\Users\\user\\AppData\\Local\\Packages\\Settings\\settings.dat was cleared updating 3 keys and creating 1 modified pages.",
            ),
            ("System", 2) => ev(
                t,
                log,
                "Microsoft-Windows-Time-Service",
                37,
                4,
                "None",
                &format!(
                    "The time provider NtpClient is currently receiving valid time data from {} (ntp.d|{}:123->{}:123).",
                    ctx.dc, ctx.local_ip, ctx.dc_ip
                ),
            ),
            ("System", 3) => ev(
                t,
                log,
                "Microsoft-Windows-DistributedCOM",
                10016,
                3,
                "None",
                "The application-specific permission settings do not grant Local Activation permission for the COM Server application.",
            ),
            ("System", _) => ev(
                t,
                log,
                "Microsoft-Windows-Dhcp-Client",
                50036,
                4,
                "None",
                "DHCPv4 client service is started",
            ),
            _ => {
                let mut e = ev(
                    t,
                    log,
                    "Microsoft-Windows-Security-Auditing",
                    4624,
                    4,
                    "Logon",
                    &format!(
                        "An account was successfully logged on.\n\nSubject:\n\tSecurity ID:\t\tSYSTEM\n\tAccount Name:\t\t{}$\n\nNew Logon:\n\tAccount Name:\t\t{}\n\tAccount Domain:\t\t{}\n\tLogon Type:\t\t{}",
                        ctx.host,
                        ctx.user,
                        ctx.netbios,
                        rng.pick(&[2, 3, 7, 11])
                    ),
                );
                e.audit = Some(true);
                e
            }
        };
        v.push(e);
    }
    v
}

pub fn sort(v: &mut [Ev]) {
    v.sort_by_key(|e| e.utc);
}

pub fn security_4625(ctx: &Ctx, utc: NaiveDateTime, status: &str, sub: &str) -> Ev {
    let mut e = ev(
        utc,
        "Security",
        "Microsoft-Windows-Security-Auditing",
        4625,
        0,
        "Logon",
        &format!(
            "An account failed to log on.\n\nSubject:\n\tSecurity ID:\t\tNULL SID\n\tAccount Name:\t\t-\n\tAccount Domain:\t\t-\n\nLogon Type:\t\t\t3\n\nAccount For Which Logon Failed:\n\tSecurity ID:\t\tNULL SID\n\tAccount Name:\t\t{}\n\tAccount Domain:\t\t{}\n\nFailure Information:\n\tFailure Reason:\t\t{}\n\tStatus:\t\t\t{status}\n\tSub Status:\t\t{sub}\n\nProcess Information:\n\tCaller Process Name:\t-\n\nNetwork Information:\n\tWorkstation Name:\t{}\n\tSource Network Address:\t{}\n\nDetailed Authentication Information:\n\tLogon Process:\t\tNtLmSsp \n\tAuthentication Package:\tNTLM",
            ctx.user,
            ctx.netbios,
            match sub {
                "0xC0000071" => "The specified account's password has expired.",
                "0xC0000224" => "The user's password must be changed before signing in.",
                "0xC0000234" =>
                    "The referenced account is currently locked out and may not be logged on to.",
                _ => "Unknown user name or bad password.",
            },
            ctx.host,
            ctx.local_ip
        ),
    );
    e.audit = Some(false);
    e.data = vec![
        ("TargetUserName".into(), ctx.user.clone()),
        ("Status".into(), status.into()),
        ("SubStatus".into(), sub.into()),
    ];
    e
}

pub fn security_4771(ctx: &Ctx, utc: NaiveDateTime, code: &str) -> Ev {
    let mut e = ev(
        utc,
        "Security",
        "Microsoft-Windows-Security-Auditing",
        4771,
        0,
        "Kerberos Authentication Service",
        &format!(
            "Kerberos pre-authentication failed.\n\nAccount Information:\n\tSecurity ID:\t\t{}\\{}\n\tAccount Name:\t\t{}\n\nService Information:\n\tService Name:\t\tkrbtgt/{}\n\nNetwork Information:\n\tClient Address:\t\t::ffff:{}\n\tClient Port:\t\t{}\n\nAdditional Information:\n\tTicket Options:\t\t0x40810010\n\tFailure Code:\t\t{code}\n\tPre-Authentication Type:\t2",
            ctx.netbios,
            ctx.user,
            ctx.user,
            ctx.ad_domain.to_ascii_uppercase(),
            ctx.local_ip,
            50000 + ctx.local_port % 9000
        ),
    );
    e.audit = Some(false);
    e.data = vec![
        ("TargetUserName".into(), ctx.user.clone()),
        ("Status".into(), code.into()),
    ];
    e
}

pub fn security_4776(ctx: &Ctx, utc: NaiveDateTime, code: &str) -> Ev {
    let mut e = ev(
        utc,
        "Security",
        "Microsoft-Windows-Security-Auditing",
        4776,
        0,
        "Credential Validation",
        &format!(
            "The computer attempted to validate the credentials for an account.\n\nAuthentication Package:\tMICROSOFT_AUTHENTICATION_PACKAGE_V1_0\nLogon Account:\t{}\nSource Workstation:\t{}\nError Code:\t{code}",
            ctx.user, ctx.host
        ),
    );
    e.audit = Some(false);
    e
}
