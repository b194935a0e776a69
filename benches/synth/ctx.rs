//! The people, hosts and clocks of one generated case.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use super::rng::Rng;

#[derive(Clone, Debug)]
pub struct Ctx {
    pub user: String,
    pub display: String,
    pub domain: String,
    pub online: bool,
    /// Home front end the REGISTER finally lands on.
    pub pool: String,
    pub pool_ip: String,
    /// First hop (director / sipdir) before any redirect.
    pub director: String,
    pub director_ip: String,
    pub webpool: String,
    pub server_ver: String,
    pub local_ip: String,
    pub local_port: u16,
    pub ua: String,
    pub epid: String,
    pub instance: String,
    /// Client time zone offset east of UTC, minutes.
    pub tz_min: i32,
    pub tz_label: String,
    /// Server clock minus (correct) client clock, seconds. Large only for clock skew.
    pub skew_s: i64,
    pub host: String,
    pub ad_domain: String,
    pub netbios: String,
    pub dc: String,
    pub dc_ip: String,
    pub contacts: Vec<String>,
    pub partner_domain: String,
    pub start: NaiveDateTime,
}

pub const TZS: &[(i32, &str)] = &[
    (-480, "(UTC-08:00) Pacific Time (US & Canada)"),
    (-360, "(UTC-06:00) Central Time (US & Canada)"),
    (-300, "(UTC-05:00) Eastern Time (US & Canada)"),
    (0, "(UTC+00:00) Dublin, Edinburgh, Lisbon, London"),
    (
        60,
        "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
    ),
    (60, "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris"),
    (330, "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi"),
    (480, "(UTC+08:00) Kuala Lumpur, Singapore"),
    (540, "(UTC+09:00) Osaka, Sapporo, Tokyo"),
];

const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dmitri", "elena", "farid", "grace", "hiro", "ingrid", "jamal",
    "kate", "lucas", "mei", "nadia", "oscar", "priya", "quentin", "rosa", "sven", "tariq",
    "ursula", "victor",
];
const LAST: &[&str] = &[
    "martin", "nguyen", "okafor", "schmidt", "rossi", "tanaka", "dubois", "kowalski", "silva",
    "haddad", "berg", "moreau", "patel", "jensen", "lopez", "fischer",
];
pub const DOMAINS: &[&str] = &[
    "contoso.com",
    "fabrikam.com",
    "northwindtraders.com",
    "adatum.com",
    "litwareinc.com",
    "tailspintoys.com",
    "wingtiptoys.com",
    "woodgrovebank.com",
    "proseware.com",
    "fourthcoffee.com",
];
const PARTNERS: &[&str] = &[
    "partners-example.net",
    "alpineskihouse.com",
    "blueyonderairlines.com",
    "margiestravel.com",
    "treyresearch.net",
];
const ONLINE_DC: &[&str] = &[
    "DM2", "BY2", "BL2", "SN2", "DB3", "AM3", "HK2", "SG2", "CH1", "CO1",
];

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

pub fn ip_in(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}.{}", rng.range(2, 250))
}

impl Ctx {
    pub fn new(rng: &mut Rng, online: bool) -> Ctx {
        let first = *rng.pick(FIRST);
        let last = *rng.pick(LAST);
        let domain = rng.pick(DOMAINS).to_string();
        let stem = domain.split('.').next().unwrap().to_string();
        let user = if rng.chance(0.5) {
            format!("{first}.{last}")
        } else {
            format!("{}{last}", &first[..1])
        };
        let (pool, director, webpool, server_ver, pool_ip, director_ip);
        if online {
            let dc = *rng.pick(ONLINE_DC);
            let n = rng.range(1, 24);
            let letter = *rng.pick(&["A", "B"]);
            let fe = rng.range(1, 16);
            pool = format!("{dc}{letter}{n:02}FES{fe:02}.infra.lync.com");
            webpool = format!(
                "webpool{}{}{n:02}.infra.lync.com",
                dc.to_ascii_lowercase(),
                letter.to_ascii_lowercase()
            );
            director = "sipdir.online.lync.com".to_string();
            server_ver = "RTC/7.0".to_string();
            pool_ip = format!("52.112.{}.{}", rng.range(0, 200), rng.range(2, 250));
            director_ip = format!("52.112.{}.{}", rng.range(0, 200), rng.range(2, 250));
        } else {
            let n = rng.range(1, 4);
            pool = format!("lyncfe{:02}.{domain}", rng.range(1, 6));
            director = format!("lyncpool{n:02}.{domain}");
            webpool = format!("lyncweb{n:02}.{domain}");
            server_ver = rng.pick(&["RTC/4.0", "RTC/5.0", "RTC/6.0"]).to_string();
            pool_ip = ip_in(rng, "10.20.1");
            director_ip = ip_in(rng, "10.20.1");
        }
        let ua = if online || server_ver == "RTC/6.0" {
            rng.pick(&[
                "UCCAPI/16.0.4849.1000 OC/16.0.4849.1000 (Skype for Business)",
                "UCCAPI/16.0.5071.1000 OC/16.0.5071.1000 (Skype for Business)",
                "UCCAPI/16.0.11929.20300 OC/16.0.11929.20300 (Skype for Business)",
                "UCCAPI/15.0.5023.1000 OC/15.0.5023.1000 (Skype for Business)",
            ])
            .to_string()
        } else {
            rng.pick(&[
                "UCCAPI/15.0.4420.1017 OC/15.0.4420.1017 (Microsoft Lync)",
                "UCCAPI/15.0.4569.1503 OC/15.0.4569.1503 (Microsoft Lync)",
            ])
            .to_string()
        };
        let tz = *rng.pick(TZS);
        let day = rng.range(9, 29) as u32;
        let (y, m) = *rng.pick(&[(2026, 11), (2027, 1), (2027, 2)]);
        let start = NaiveDate::from_ymd_opt(y, m, day.min(28))
            .unwrap()
            .and_hms_milli_opt(
                rng.range(7, 10) as u32,
                rng.range(0, 60) as u32,
                rng.range(0, 60) as u32,
                rng.range(0, 1000) as u32,
            )
            .unwrap();
        let contacts = (0..8)
            .map(|_| format!("sip:{}.{}@{domain}", rng.pick(FIRST), rng.pick(LAST)))
            .collect();
        let net = if rng.chance(0.5) {
            "10.0.12"
        } else {
            "192.168.1"
        };
        Ctx {
            display: format!("{} {}", cap(first), cap(last)),
            user,
            netbios: stem.to_ascii_uppercase(),
            ad_domain: format!("{stem}.local"),
            dc: format!("dc{:02}.{stem}.local", rng.range(1, 4)),
            dc_ip: ip_in(rng, "10.0.0"),
            host: format!(
                "{}-{}",
                if rng.chance(0.5) { "PC" } else { "LT" },
                rng.range(1000, 9999)
            ),
            partner_domain: rng.pick(PARTNERS).to_string(),
            domain,
            online,
            pool,
            pool_ip,
            director,
            director_ip,
            webpool,
            server_ver,
            local_ip: ip_in(rng, net),
            local_port: rng.range(49200, 64000) as u16,
            ua,
            epid: rng.hex(10),
            instance: rng.guid().to_ascii_uppercase(),
            tz_min: tz.0,
            tz_label: tz.1.to_string(),
            skew_s: rng.range(0, 3) as i64 - 1,
            contacts,
            start,
        }
    }

    pub fn sip_uri(&self) -> String {
        format!("sip:{}@{}", self.user, self.domain)
    }
    pub fn upn(&self) -> String {
        format!("{}@{}", self.user, self.domain)
    }

    /// True server time (GMT) that corresponds to a local log time.
    pub fn server_time(&self, local: NaiveDateTime) -> NaiveDateTime {
        local - TimeDelta::minutes(self.tz_min as i64) + TimeDelta::seconds(self.skew_s)
    }

    /// Local wall-clock time from UTC.
    pub fn local_of_utc(&self, utc: NaiveDateTime) -> NaiveDateTime {
        utc + TimeDelta::minutes(self.tz_min as i64)
    }
    pub fn utc_of_local(&self, local: NaiveDateTime) -> NaiveDateTime {
        local - TimeDelta::minutes(self.tz_min as i64)
    }

    pub fn pool_domain(&self) -> String {
        self.pool
            .split_once('.')
            .map(|x| x.1)
            .unwrap_or("")
            .to_string()
    }
}
