//! Text outputs of Windows commands found in support bundles.

use chrono::{NaiveDateTime, TimeDelta};

use super::ctx::Ctx;
use super::rng::Rng;

#[derive(Clone, Debug)]
pub enum Ans {
    Nx,
    Timeout,
    Cname { target: String, addrs: Vec<String> },
    A(Vec<String>),
    Srv { target: String, port: u16 },
}

/// One `nslookup` session against one resolver, several queries (CRLF).
pub fn nslookup(server: &str, server_ip: &str, queries: &[(String, bool, Ans)]) -> String {
    let mut o = String::new();
    for (name, srv, ans) in queries {
        o.push_str(&format!(
            "C:\\>nslookup {}{name} {server_ip}\r\n",
            if *srv { "-type=srv " } else { "" }
        ));
        o.push_str(&format!(
            "Server:  {server}\r\nAddress:  {server_ip}\r\n\r\n"
        ));
        match ans {
            Ans::Nx => o.push_str(&format!("*** {server} can't find {name}: Non-existent domain\r\n")),
            Ans::Timeout => o.push_str(&format!("DNS request timed out.\r\n    timeout was 2 seconds.\r\n*** Request to {server} timed-out\r\n")),
            Ans::Cname { target, addrs } => {
                o.push_str(&format!("Non-authoritative answer:\r\nName:    {target}\r\n"));
                if addrs.len() == 1 {
                    o.push_str(&format!("Address:  {}\r\n", addrs[0]));
                } else {
                    o.push_str(&format!("Addresses:  {}\r\n", addrs[0]));
                    for a in &addrs[1..] {
                        o.push_str(&format!("          {a}\r\n"));
                    }
                }
                o.push_str(&format!("Aliases:  {name}\r\n"));
            }
            Ans::A(addrs) => {
                o.push_str(&format!("Non-authoritative answer:\r\nName:    {name}\r\nAddress:  {}\r\n", addrs[0]));
            }
            Ans::Srv { target, port } => {
                o.push_str(&format!("Non-authoritative answer:\r\n{name}\tSRV service location:\r\n          priority       = 100\r\n          weight         = 1\r\n          port           = {port}\r\n          svr hostname   = {target}\r\n"));
            }
        }
        o.push_str("\r\n");
    }
    o
}

pub fn ipconfig(ctx: &Ctx, rng: &mut Rng, dns: &[String]) -> String {
    let mac: Vec<String> = (0..6).map(|_| rng.hex_upper(2)).collect();
    let gw = ctx
        .local_ip
        .rsplit_once('.')
        .map(|x| x.0)
        .unwrap_or("10.0.0")
        .to_string()
        + ".1";
    let mut o = format!(
        "\r\nWindows IP Configuration\r\n\r\n   Host Name . . . . . . . . . . . . : {}\r\n   Primary Dns Suffix  . . . . . . . : {}\r\n   Node Type . . . . . . . . . . . . : Hybrid\r\n   IP Routing Enabled. . . . . . . . : No\r\n   WINS Proxy Enabled. . . . . . . . : No\r\n   DNS Suffix Search List. . . . . . : {}\r\n\r\nEthernet adapter Ethernet:\r\n\r\n   Connection-specific DNS Suffix  . : {}\r\n   Description . . . . . . . . . . . : Intel(R) Ethernet Connection (4) I219-LM\r\n   Physical Address. . . . . . . . . : {}\r\n   DHCP Enabled. . . . . . . . . . . : Yes\r\n   Autoconfiguration Enabled . . . . : Yes\r\n   IPv4 Address. . . . . . . . . . . : {}(Preferred) \r\n   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n   Default Gateway . . . . . . . . . : {gw}\r\n   DHCP Server . . . . . . . . . . . : {}\r\n",
        ctx.host,
        ctx.ad_domain,
        ctx.ad_domain,
        ctx.ad_domain,
        mac.join("-"),
        ctx.local_ip,
        ctx.dc_ip
    );
    for (i, d) in dns.iter().enumerate() {
        if i == 0 {
            o.push_str(&format!("   DNS Servers . . . . . . . . . . . : {d}\r\n"));
        } else {
            o.push_str(&format!("                                       {d}\r\n"));
        }
    }
    o.push_str("   NetBIOS over Tcpip. . . . . . . . : Enabled\r\n");
    o
}

pub fn systeminfo(ctx: &Ctx, rng: &mut Rng, boot_local: NaiveDateTime) -> String {
    format!(
        "\r\nHost Name:                 {}\r\nOS Name:                   Microsoft Windows 10 Enterprise\r\nOS Version:                10.0.{} N/A Build {}\r\nOS Manufacturer:           Microsoft Corporation\r\nOS Configuration:          Member Workstation\r\nOS Build Type:             Multiprocessor Free\r\nRegistered Owner:          {}\r\nRegistered Organization:   {}\r\nProduct ID:                00329-{:05}-{:05}-AA{:03}\r\nOriginal Install Date:     3/14/2025, 10:02:11 AM\r\nSystem Boot Time:          {}\r\nSystem Manufacturer:       {}\r\nSystem Model:              {}\r\nSystem Type:               x64-based PC\r\nBIOS Version:              {} 1.{}.0, 6/2/2025\r\nWindows Directory:         C:\\Windows\r\nSystem Locale:             en-us;English (United States)\r\nInput Locale:              en-us;English (United States)\r\nTime Zone:                 {}\r\nTotal Physical Memory:     16,084 MB\r\nAvailable Physical Memory: {} MB\r\nDomain:                    {}\r\nLogon Server:              \\\\{}\r\nNetwork Card(s):           1 NIC(s) Installed.\r\n                           [01]: Intel(R) Ethernet Connection (4) I219-LM\r\n                                 DHCP Enabled:    Yes\r\n                                 IP address(es)\r\n                                 [01]: {}\r\n",
        ctx.host,
        rng.pick(&["19045", "19044", "22631"]),
        rng.pick(&["19045", "19044", "22631"]),
        ctx.display,
        ctx.domain,
        rng.range(10000, 99999),
        rng.range(10000, 99999),
        rng.range(100, 999),
        boot_local.format("%-m/%-d/%Y, %-I:%M:%S %p"),
        rng.pick(&["Dell Inc.", "LENOVO", "HP"]),
        rng.pick(&["Latitude 7420", "ThinkPad T14 Gen 2", "EliteBook 840 G8"]),
        rng.pick(&["Dell Inc.", "LENOVO", "HP"]),
        rng.range(2, 30),
        ctx.tz_label,
        rng.range(3000, 9000),
        ctx.ad_domain,
        ctx.dc.split('.').next().unwrap().to_ascii_uppercase(),
        ctx.local_ip
    )
}

pub fn w32tm_status(source: &str, last_sync: NaiveDateTime, synced: bool) -> String {
    let (li, stratum) = if synced {
        ("0(no warning)", "4 (secondary reference - syncd by (S)NTP)")
    } else {
        ("3(not synchronized)", "0 (unspecified)")
    };
    format!(
        "C:\\>w32tm /query /status\r\nLeap Indicator: {li}\r\nStratum: {stratum}\r\nPrecision: -23 (119.209ns per tick)\r\nRoot Delay: 0.0312500s\r\nRoot Dispersion: 10.3672456s\r\nReferenceId: 0x0A00000A (source IP:  10.0.0.10)\r\nLast Successful Sync Time: {}\r\nSource: {source}\r\nPoll Interval: 10 (1024s)\r\n\r\n",
        last_sync.format("%-m/%-d/%Y %-I:%M:%S %p")
    )
}

/// `w32tm /stripchart` lines; `offset_s` positive means the local clock is behind.
pub fn w32tm_stripchart(
    rng: &mut Rng,
    target: &str,
    local: NaiveDateTime,
    offset_s: f64,
    samples: usize,
) -> String {
    let mut o = format!(
        "C:\\>w32tm /stripchart /computer:{target} /samples:{samples}\r\nTracking {target} [{}:123].\r\nCollecting {samples} samples.\r\nThe current time is {}.\r\n",
        if target.contains("windows") {
            "20.101.57.9"
        } else {
            "10.0.0.10"
        },
        local.format("%-m/%-d/%Y %-I:%M:%S %p")
    );
    let mut t = local;
    for _ in 0..samples {
        t += TimeDelta::seconds(2);
        let d = rng.range(8000, 40000) as f64 / 1e6;
        let jitter = rng.range(0, 20000) as f64 / 1e6;
        o.push_str(&format!(
            "{}, d:+{:09.7}s o:{:+.7}s  [{}]\r\n",
            t.format("%H:%M:%S"),
            d,
            offset_s + jitter,
            if offset_s.abs() > 60.0 {
                "                           |                           "
            } else {
                "                           *                           "
            }
        ));
    }
    o
}

pub fn netsh_proxy(proxy: Option<&str>, bypass: &str) -> String {
    match proxy {
        None => "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n\r\n".into(),
        Some(p) => format!("\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  {p}\r\n    Bypass List     :  {bypass}\r\n\r\n"),
    }
}

/// regedit export text (callers encode it as UTF-16LE with BOM).
pub fn reg_export(keys: &[(String, Vec<(String, String)>)]) -> String {
    let mut o = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for (k, vals) in keys {
        o.push_str(&format!("[{k}]\r\n"));
        for (n, v) in vals {
            if n == "@" {
                o.push_str(&format!("@={v}\r\n"));
            } else {
                o.push_str(&format!("\"{n}\"={v}\r\n"));
            }
        }
        o.push_str("\r\n");
    }
    o
}

pub fn lync_user_keys(ctx: &Ctx, rng: &mut Rng) -> (String, Vec<(String, String)>) {
    (
        "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Lync".into(),
        vec![
            ("ServerSipUri".into(), format!("\"{}\"", ctx.upn())),
            (
                "ServerUsername".into(),
                format!("\"{}\\\\{}\"", ctx.netbios, ctx.user),
            ),
            ("ConfigurationMode".into(), "dword:00000000".into()),
            ("TracingLevel".into(), "dword:00000001".into()),
            ("EnableTracing".into(), "dword:00000001".into()),
            ("FirstRun".into(), format!("dword:{:08x}", rng.range(0, 2))),
            ("SavePassword".into(), "dword:00000001".into()),
        ],
    )
}

pub fn certutil_store(
    ctx: &Ctx,
    rng: &mut Rng,
    keyset_missing: bool,
    not_after: NaiveDateTime,
) -> String {
    let serial = rng.hex(32);
    let mut o = format!(
        "My \"Personal\"\r\n================ Certificate 0 ================\r\nSerial Number: {serial}\r\nIssuer: CN=Communications Server\r\n NotBefore: {}\r\n NotAfter: {}\r\nSubject: CN={}\r\nNon-root Certificate\r\nTemplate: \r\nCert Hash(sha1): {}\r\n",
        (not_after - TimeDelta::days(180)).format("%-m/%-d/%Y %-I:%M %p"),
        not_after.format("%-m/%-d/%Y %-I:%M %p"),
        ctx.sip_uri(),
        rng.hex(40)
    );
    if keyset_missing {
        o.push_str("  Missing stored keyset\r\n");
    } else {
        o.push_str(&format!("  Key Container = {{{}}}\r\n  Provider = Microsoft Enhanced Cryptographic Provider v1.0\r\nPrivate key is NOT exportable\r\nEncryption test passed\r\n", rng.guid().to_ascii_uppercase()));
    }
    o.push_str("CertUtil: -store command completed successfully.\r\n");
    o
}

pub fn rsa_listing(ctx: &Ctx, rng: &mut Rng, when: NaiveDateTime) -> String {
    let sid = format!(
        "S-1-5-21-{}-{}-{}-{}",
        rng.range(1000000000, 4000000000),
        rng.range(1000000000, 4000000000),
        rng.range(1000000000, 4000000000),
        rng.range(1100, 9999)
    );
    let mut o = format!(
        " Volume in drive C is OS\r\n Volume Serial Number is {}-{}\r\n\r\n Directory of C:\\Users\\{}\\AppData\\Roaming\\Microsoft\\Crypto\\RSA\\{sid}\r\n\r\n",
        rng.hex_upper(4),
        rng.hex_upper(4),
        ctx.user
    );
    let n = rng.range(3, 9);
    let mut total = 0;
    for i in 0..n {
        let t = when - TimeDelta::days((n - i) as i64 * rng.range(5, 60) as i64);
        let sz = rng.range(1500, 3000);
        total += sz;
        o.push_str(&format!(
            "{}    {:>14} {}_{}\r\n",
            t.format("%m/%d/%Y  %I:%M %p"),
            sz,
            rng.hex(32),
            rng.guid()
        ));
    }
    o.push_str(&format!("               {n} File(s)         {total} bytes\r\n               0 Dir(s)  112,204,431,360 bytes free\r\n"));
    o
}

/// `Get-ADUser -Properties msRTCSIP-*` | Format-List, left over from an old deployment.
pub fn ad_user_fl(ctx: &Ctx, rng: &mut Rng, old_pool: &str) -> String {
    let ou = rng.pick(&["Users", "Staff", "Sales", "Engineering"]);
    format!(
        "\r\n\r\nDistinguishedName                : CN={},OU={ou},DC={},DC=local\r\nEnabled                          : True\r\nGivenName                        : {}\r\nmsRTCSIP-DeploymentLocator       : SRV:\r\nmsRTCSIP-FederationEnabled       : True\r\nmsRTCSIP-InternetAccessEnabled   : True\r\nmsRTCSIP-OptionFlags             : 257\r\nmsRTCSIP-PrimaryHomeServer       : CN=LC Services,CN=Microsoft,CN={old_pool},CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC={},DC=local\r\nmsRTCSIP-PrimaryUserAddress      : {}\r\nmsRTCSIP-UserEnabled             : False\r\nName                             : {}\r\nObjectClass                      : user\r\nSamAccountName                   : {}\r\nUserPrincipalName                : {}\r\n\r\n\r\n\r\n",
        ctx.display,
        ctx.netbios.to_ascii_lowercase(),
        ctx.display.split(' ').next().unwrap(),
        ctx.netbios.to_ascii_lowercase(),
        ctx.sip_uri(),
        ctx.display,
        ctx.user,
        ctx.upn()
    )
}

/// `ldifde -f out.ldf -r "(samaccountname=...)" -l "msRTCSIP-*,..."` output.
pub fn ad_ldifde(ctx: &Ctx, old_pool: &str) -> String {
    format!(
        "dn: CN={},CN=Users,DC={},DC=local\r\nchangetype: add\r\nsAMAccountName: {}\r\nuserPrincipalName: {}\r\nmsRTCSIP-PrimaryUserAddress: {}\r\nmsRTCSIP-PrimaryHomeServer: \r\n CN=LC Services,CN=Microsoft,CN={old_pool},CN=Pools,CN=RTC Service,CN=Servic\r\n es,CN=Configuration,DC={},DC=local\r\nmsRTCSIP-UserEnabled: FALSE\r\nmsRTCSIP-OptionFlags: 256\r\nproxyAddresses: SIP:{}\r\nproxyAddresses: SMTP:{}\r\n\r\n",
        ctx.display,
        ctx.netbios.to_ascii_lowercase(),
        ctx.user,
        ctx.upn(),
        ctx.sip_uri(),
        ctx.netbios.to_ascii_lowercase(),
        ctx.upn(),
        ctx.upn()
    )
}
