//! Local date/time values as the text exports write them, in the exporting user's culture:
//! `10/7/2016 06:38:24 PM`, `19-07-2026 09:58:57`, `07.10.2016 18:38:24`,
//! `2026-11-24 08:12:51`, `2026-11-24T08:12:51.123`. None of them carries a zone.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// What the dates in a head say about day/month order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    DayFirst,
    MonthFirst,
    /// Dates were seen but none had a part above 12. `dotted`: they used `.` separators.
    /// `clock24`: the times after them are 24-hour, with no AM/PM — what a US English export,
    /// the one month-first culture, never writes.
    Ambiguous {
        dotted: bool,
        clock24: bool,
    },
    NoDates,
}

/// Scan text for `a?b?yyyy` dates (separators `/`, `-`, `.`) and decide the order from the
/// parts above 12; the order most dates show wins. Year-first dates (ISO) say nothing and are
/// skipped, and so are version numbers (`16.0.4266.1001`), which a message can hold anywhere.
pub(crate) fn detect_order(head: &str) -> Order {
    let b = head.as_bytes();
    let mut seen = false;
    let mut dotted = false;
    let mut day_first = 0usize;
    let mut month_first = 0usize;
    let (mut ampm, mut clock24) = (0usize, 0usize);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.')) {
            i += 1;
            continue;
        }
        if let Some((p1, p2, sep, len)) = short_date_at(&b[i..]) {
            seen = true;
            dotted |= sep == b'.';
            if p1 > 12 && p2 <= 12 {
                day_first += 1;
            } else if p2 > 12 && p1 <= 12 {
                month_first += 1;
            }
            match time_after(&b[i + len..]) {
                Some(true) => ampm += 1,
                Some(false) => clock24 += 1,
                None => {}
            }
            i += len;
        } else {
            i += 1;
        }
    }
    match (day_first, month_first, seen) {
        (0, 0, true) => Order::Ambiguous {
            dotted,
            clock24: clock24 > 0 && ampm == 0,
        },
        (0, 0, false) => Order::NoDates,
        // Contradicting evidence (a date quoted in a message): the column's many dates win.
        (d, m, _) if d > m => Order::DayFirst,
        _ => Order::MonthFirst,
    }
}

/// The time that follows a date (` 18:38:24`, ` 6:38:24 PM`): `Some(true)` with AM/PM,
/// `Some(false)` without, `None` when no time follows.
fn time_after(b: &[u8]) -> Option<bool> {
    let mut i = 0;
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let (_, n) = digits(b, i, 2)?;
    i += n;
    if b.get(i) != Some(&b':') {
        return None;
    }
    let rest = &b[i..b.len().min(i + 16)];
    let upper: Vec<u8> = rest.iter().map(u8::to_ascii_uppercase).collect();
    let ampm = upper.windows(2).any(|w| w == b"AM" || w == b"PM");
    Some(ampm)
}

/// `d{1,2} sep d{1,2} sep d{4}` at the start of `b`, not followed by a digit or by another
/// `.digit` group (a version number), with parts that can be a day and a month.
fn short_date_at(b: &[u8]) -> Option<(u32, u32, u8, usize)> {
    let (p1, n1) = digits(b, 0, 2)?;
    let sep = *b.get(n1)?;
    if !matches!(sep, b'/' | b'-' | b'.') {
        return None;
    }
    let (p2, n2) = digits(b, n1 + 1, 2)?;
    if *b.get(n1 + 1 + n2)? != sep {
        return None;
    }
    let start3 = n1 + 1 + n2 + 1;
    let (year, n3) = digits(b, start3, 4)?;
    let end = start3 + n3;
    if n3 != 4 || b.get(end).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    if b.get(end) == Some(&sep) && b.get(end + 1).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let part = 1..=31;
    if !part.contains(&p1) || !part.contains(&p2) || !(1970..=2100).contains(&year) {
        return None;
    }
    Some((p1, p2, sep, end))
}

/// Up to `max` digits at `at`: (value, count).
fn digits(b: &[u8], at: usize, max: usize) -> Option<(u32, usize)> {
    let mut v = 0u32;
    let mut n = 0;
    while n < max {
        match b.get(at + n) {
            Some(c) if c.is_ascii_digit() => {
                v = v * 10 + u32::from(c - b'0');
                n += 1;
            }
            _ => break,
        }
    }
    (n > 0).then_some((v, n))
}

/// Parse a local date and time in any of the shapes above. `day_first` decides `a/b/yyyy`.
pub(crate) fn parse_local(s: &str, day_first: bool) -> Option<NaiveDateTime> {
    let s = s.trim().trim_matches('"').trim();
    let s = s.trim_end_matches('Z');
    // Korean and Hungarian exports write `2026. 11. 11. 오후 3:05:01` and `2025. 10. 22.
    // 10:55:26`: the date's parts one space apart, and the time after the third.
    let joined;
    let s = if s.contains(". ") {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        let mut parts = 0;
        while let Some(i) = rest.find(". ") {
            out.push_str(&rest[..=i]);
            rest = &rest[i + 2..];
            parts += 1;
            if parts >= 3 || !rest.starts_with(|c: char| c.is_ascii_digit()) {
                out.push(' ');
            }
        }
        out.push_str(rest);
        joined = out;
        joined.as_str()
    } else {
        s
    };
    let (date_s, time_s) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let date = parse_date(date_s.trim_end_matches('.'), day_first)?;
    let time = if time_s.is_empty() {
        NaiveTime::MIN
    } else {
        parse_time(time_s)?
    };
    Some(date.and_time(time))
}

pub(crate) fn parse_date(s: &str, day_first: bool) -> Option<NaiveDate> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3 {
        return None;
    }
    let n: Vec<u32> = parts
        .iter()
        .map(|p| p.trim().parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    let (y, m, d) = if parts[0].trim().len() == 4 {
        (n[0], n[1], n[2])
    } else {
        let y = if parts[2].trim().len() <= 2 {
            n[2] + 2000
        } else {
            n[2]
        };
        if day_first {
            (y, n[1], n[0])
        } else {
            (y, n[0], n[1])
        }
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// `18:38:24`, `6:38:24 PM`, `08:12:51.123`, `4:36 PM`.
pub(crate) fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    // The half of the day, before the clock or after it as the exporter's locale writes it
    // (Korean and Chinese put it first).
    let marked = |markers: &[&str]| {
        markers.iter().find_map(|m| {
            lower
                .strip_suffix(m)
                .or_else(|| lower.strip_prefix(m))
                .map(|c| c.trim().to_string())
        })
    };
    let (clock, pm) =
        if let Some(c) = marked(&["pm", "p.m.", "\u{c624}\u{d6c4}", "\u{4e0b}\u{5348}"]) {
            (c, Some(true))
        } else if let Some(c) = marked(&["am", "a.m.", "\u{c624}\u{c804}", "\u{4e0a}\u{5348}"]) {
            (c, Some(false))
        } else {
            (lower.clone(), None)
        };
    // Drop a trailing zone offset such as `+01:00` (not written by these exports, but harmless).
    let mut it = clock.splitn(2, '.');
    let hms = it.next()?;
    let frac = it.next();
    let f: Vec<u32> = hms
        .split(':')
        .map(|p| p.trim().parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    let (mut h, m, sec) = match f.as_slice() {
        [h, m] => (*h, *m, 0),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    let nanos = match frac {
        Some(fr) => {
            let digits: String = fr.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() {
                0
            } else {
                let d9: String = digits
                    .chars()
                    .chain(std::iter::repeat('0'))
                    .take(9)
                    .collect();
                d9.parse::<u32>().ok()?
            }
        }
        None => 0,
    };
    NaiveTime::from_hms_nano_opt(h, m, sec.min(59), nanos)
}

/// XML `SystemTime`: `2021-11-24T15:48:25.1234567Z` (UTC).
pub(crate) fn parse_system_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    if let Some(t) = system_time_digits(s) {
        return Some(t);
    }
    // `FromStr` reads exactly `%Y-%m-%dT%H:%M:%S%.f` without interpreting a format string: this
    // runs once per event.
    s.parse::<NaiveDateTime>()
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
}

/// `YYYY-MM-DDTHH:MM:SS` with up to nine digits of fraction, the form every EVTX rendering
/// gives, read digit by digit: chrono's general reader costs several times as much, once per
/// event. Anything else (a leap second, a space, ten digits) is left to it.
pub(crate) fn system_time_digits(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| crate::parse::digits(&b[r]);
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if sec > 59 {
        return None;
    }
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            num(20..b.len())? * 10u32.pow(9 - frac.len() as u32)
        }
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, mo, d)?
        .and_hms_nano_opt(h, mi, sec, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn system_times_read_as_chrono_reads_them() {
        for t in [
            "2021-12-03T12:06:03.4887136Z",
            "2021-12-03T12:06:03Z",
            "2021-12-03T12:06:03.1",
            "2021-12-03T12:06:03.123456789Z",
            "2024-02-29T23:59:59.999999999",
            "2023-02-29T10:00:00",
            "2021-13-03T12:06:03",
            "2021-12-03T24:06:03",
            "2021-12-03T12:06:60.5",
            "2021-12-03T12:06:03.1234567891",
            "2021-12-03 12:06:03.5",
            "2021-12-03T12:06:03.",
            "2021-12-03T12:06:0x",
            "+021-12-03T12:06:03",
        ] {
            let s = t.strip_suffix('Z').unwrap_or(t);
            let chrono = s
                .parse::<NaiveDateTime>()
                .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
                .ok();
            assert_eq!(parse_system_time(t), chrono, "{t}");
        }
    }

    #[test]
    fn shapes() {
        assert_eq!(
            parse_local("10/7/2016 06:38:24 PM", false),
            Some(dt("2016-10-07 18:38:24"))
        );
        assert_eq!(
            parse_local("5/31/2026 4:36:21 PM", false),
            Some(dt("2026-05-31 16:36:21"))
        );
        assert_eq!(
            parse_local("19-07-2026 09:58:57", true),
            Some(dt("2026-07-19 09:58:57"))
        );
        assert_eq!(
            parse_local("07.10.2016 18:38:24", true),
            Some(dt("2016-10-07 18:38:24"))
        );
        assert_eq!(
            parse_local("2026-11-24 08:12:51", false),
            Some(dt("2026-11-24 08:12:51"))
        );
        assert_eq!(
            parse_local("2026-11-24T08:12:51.123", true),
            Some(dt("2026-11-24 08:12:51.123"))
        );
        assert_eq!(
            parse_local("12/1/2016 12:05:00 AM", false),
            Some(dt("2016-12-01 00:05:00"))
        );
        // The half of the day written first, in Korean and Chinese exports.
        assert_eq!(
            parse_local("2026-11-11 \u{c624}\u{d6c4} 3:15:18", false),
            Some(dt("2026-11-11 15:15:18"))
        );
        assert_eq!(
            parse_local("2026. 11. 11. \u{c624}\u{c804} 10:15:18", false),
            Some(dt("2026-11-11 10:15:18"))
        );
        assert_eq!(
            parse_local("2025. 10. 22. 10:55:26", false),
            Some(dt("2025-10-22 10:55:26"))
        );
        assert_eq!(
            parse_local("22. 10. 2025 10:55:26", true),
            Some(dt("2025-10-22 10:55:26"))
        );
        assert_eq!(
            parse_local("2026/11/18 \u{4e0b}\u{5348} 6:21:14", false),
            Some(dt("2026-11-18 18:21:14"))
        );
        assert_eq!(parse_local("31/31/2016 1:00:00", true), None);
        assert_eq!(parse_local("garbage", true), None);
        assert_eq!(
            parse_system_time("2021-11-24T15:48:25.1234567Z"),
            Some(dt("2021-11-24 15:48:25.1234567"))
        );
    }

    #[test]
    fn order_detection() {
        assert_eq!(
            detect_order("Error,19-07-2026 09:58:57,x\nInfo,1-07-2026 09:58:57"),
            Order::DayFirst
        );
        assert_eq!(detect_order("a,5/31/2026 4:36:21 PM,b"), Order::MonthFirst);
        assert_eq!(
            detect_order("a,5/3/2026 4:36:21 PM,b"),
            Order::Ambiguous {
                dotted: false,
                clock24: false
            }
        );
        assert_eq!(
            detect_order("07.10.2016 18:38:24"),
            Order::Ambiguous {
                dotted: true,
                clock24: true
            }
        );
        // en-GB / fr-FR: slashes and a 24-hour clock.
        assert_eq!(
            detect_order("Erreur,03/12/2026 09:31:05,Lync,3\nErreur,03/12/2026 09:41:05,Lync,3"),
            Order::Ambiguous {
                dotted: false,
                clock24: true
            }
        );
        assert_eq!(detect_order("2026-11-24 08:12:51"), Order::NoDates);
        // A version number is not a date.
        assert_eq!(detect_order("v1.2.3.4567 and 10.0.19041"), Order::NoDates);
        // An Office build in a message beside the month-first column does not flip the file.
        assert_eq!(
            detect_order(
                "Information,12/5/2016 9:12:03 AM,MsiInstaller,1035,None,\"Product Version: 16.0.4266.1001.\"\nError,12/5/2016 9:14:00 AM,Lync,3,None,\"x\""
            ),
            Order::Ambiguous {
                dotted: false,
                clock24: false
            }
        );
        // One date quoted in a message is outvoted by the column.
        assert_eq!(
            detect_order("1/13/2026 1:00:00 PM,x\n1/14/2026 1:00:00 PM,\"expires 15/01/2026\""),
            Order::MonthFirst
        );
    }
}
