//! `w32tm /query /status` (one [`TimeSync`] with source, leap indicator and last sync) and
//! `w32tm /stripchart` (one [`TimeSync`] per sample with the measured offset).
//!
//! Sample lines: `07:14:22, d:+00.0102277s o:+312.4471234s  [ * ]`, or with `/dataonly`
//! `07:14:22, +312.4471234s`. The offset keeps the sign w32tm printed (positive: the local
//! clock is behind the reference). `error: 0x800705B4` samples are skipped. When the output
//! carries `The current time is <date> <time>.`, samples get a local timestamp.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use nom::{
    IResult, Parser as _,
    branch::alt,
    bytes::complete::tag,
    character::complete::{char, digit1, one_of, space0, space1},
    combinator::{opt, recognize},
    sequence::preceded,
};

use super::{ParseCtx, label_value, record};
use crate::model::{Body, TimeSync, Ts};

/// `Tracking time.windows.com [20.101.57.9:123].`
pub(super) fn is_tracking(t: &str) -> bool {
    tracking(t).is_some()
}

fn tracking(t: &str) -> Option<&str> {
    let rest = t.strip_prefix("Tracking ")?;
    let (host, addr) = rest.split_once(" [")?;
    (addr.contains(']') && !host.contains(char::is_whitespace)).then_some(host)
}

pub(super) fn sniff_at(lines: &[&str]) -> Option<usize> {
    let leap = lines.iter().position(|l| l.starts_with("Leap Indicator:"));
    if let Some(i) = leap {
        let tail = &lines[i..lines.len().min(i + 15)];
        if tail
            .iter()
            .any(|l| l.starts_with("Stratum:") || l.starts_with("Source:"))
        {
            return Some(i);
        }
    }
    if let Some(i) = lines.iter().position(|l| is_tracking(l.trim())) {
        return Some(i);
    }
    // Bare `/dataonly` output: at least two sample lines and nothing unexplained.
    let samples: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| sample(l.trim()).is_some())
        .map(|(i, _)| i)
        .collect();
    (samples.len() >= 2).then(|| samples[0])
}

/// What a sample line says.
#[derive(Debug, PartialEq)]
enum Sample {
    Offset(NaiveTime, f64),
    Error,
}

/// `+312.4471234s`, `-00.0102277s`.
fn seconds(i: &str) -> IResult<&str, f64> {
    let (i, num) =
        recognize((opt(one_of("+-")), digit1, opt((char('.'), opt(digit1))))).parse(i)?;
    let (i, _) = char('s')(i)?;
    match num.parse::<f64>() {
        Ok(v) => Ok((i, v)),
        Err(_) => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Float,
        ))),
    }
}

fn time_of_day(i: &str) -> IResult<&str, NaiveTime> {
    let (i, (h, _, m, _, s)) = (digit1, char(':'), digit1, char(':'), digit1).parse(i)?;
    let t = (|| NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, s.parse().ok()?))();
    match t {
        Some(t) => Ok((i, t)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

fn sample(t: &str) -> Option<Sample> {
    fn p(i: &str) -> IResult<&str, Sample> {
        let (i, time) = time_of_day(i)?;
        let (i, _) = (opt(char(',')), space1).parse(i)?;
        alt((
            // d:+00.0102277s o:+312.4471234s
            (
                preceded(tag("d:"), seconds),
                space1,
                preceded(tag("o:"), seconds),
            )
                .map(move |(_, _, o)| Sample::Offset(time, o)),
            preceded(tag("error:"), nom::combinator::rest).map(|_| Sample::Error),
            (seconds, space0, nom::combinator::eof).map(move |(o, _, _)| Sample::Offset(time, o)),
        ))
        .parse(i)
    }
    p(t).ok().map(|(_, s)| s)
}

/// `The current time is 11/24/2026 7:14:21 AM.`
fn current_time(t: &str) -> Option<NaiveDateTime> {
    let s = t
        .strip_prefix("The current time is ")?
        .trim_end_matches('.');
    [
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

#[derive(Debug, Default)]
pub(super) struct Parser {
    status: TimeSync,
    status_line: Option<u64>,
    reference: Option<String>,
    /// Date of the samples, and the last sample's time (to notice midnight).
    last: Option<NaiveDateTime>,
}

impl Parser {
    pub(super) fn line(&mut self, n: u64, line: &str, ctx: &mut ParseCtx<'_>) {
        let t = line.trim();
        if let Some(host) = tracking(t) {
            self.reference = Some(host.to_string());
            self.last = None;
            return;
        }
        if let Some(now) = current_time(t) {
            self.last = Some(now);
            return;
        }
        if let Some(s) = sample(t) {
            if let Sample::Offset(time, off) = s {
                let ts = self.sample_time(time);
                let v = TimeSync {
                    offset_seconds: Some(off),
                    reference: self.reference.clone(),
                    ..TimeSync::default()
                };
                ctx.emit(record(ctx, n, ts, Body::TimeSync(Box::new(v))));
            }
            return;
        }
        if line.starts_with([' ', '\t']) {
            return;
        }
        let Some((label, value)) = label_value(t) else {
            return;
        };
        match label {
            "Leap Indicator" => {
                if self.status_line.is_some() {
                    self.finish(ctx);
                }
                self.status.leap = value
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|d| d.parse().ok());
                self.status_line.get_or_insert(n);
            }
            "Last Successful Sync Time" => {
                self.status.last_sync = Some(value.to_string());
                self.status_line.get_or_insert(n);
            }
            "Source" => {
                self.status.source = Some(value.to_string());
                // The line that names the source is the evidence.
                self.status_line = Some(n);
            }
            _ => {}
        }
    }

    fn sample_time(&mut self, time: NaiveTime) -> Option<Ts> {
        let last = self.last?;
        let mut at = NaiveDateTime::new(last.date(), time);
        // A time more than an hour before the previous one has crossed midnight.
        if at
            .checked_add_signed(Duration::hours(1))
            .is_some_and(|later| later < last)
        {
            at = NaiveDateTime::new(last.date().succ_opt().unwrap_or(NaiveDate::MAX), time);
        }
        self.last = Some(at);
        Some(Ts::Local(at))
    }

    pub(super) fn finish(&mut self, ctx: &mut ParseCtx<'_>) {
        let status = std::mem::take(&mut self.status);
        if let Some(line) = self.status_line.take() {
            ctx.emit(record(ctx, line, None, Body::TimeSync(Box::new(status))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_lines() {
        let t = NaiveTime::from_hms_opt(7, 14, 22).unwrap();
        assert_eq!(
            sample("07:14:22, d:+00.0102277s o:+312.4471234s  [ * ]"),
            Some(Sample::Offset(t, 312.4471234))
        );
        assert_eq!(
            sample("07:14:22 d:+00.0102277s o:-1.5s  [*  |  ]"),
            Some(Sample::Offset(t, -1.5))
        );
        assert_eq!(
            sample("07:14:22, +312.4471234s"),
            Some(Sample::Offset(t, 312.4471234))
        );
        assert_eq!(sample("07:14:22, error: 0x800705B4"), Some(Sample::Error));
        assert_eq!(sample("07:14:22, hello"), None);
        assert_eq!(sample("99:14:22, +1.0s"), None);
    }

    #[test]
    fn current_time_formats() {
        let d = current_time("The current time is 11/24/2026 7:14:21 AM.").unwrap();
        assert_eq!(d.to_string(), "2026-11-24 07:14:21");
        assert!(current_time("The current time is soon.").is_none());
    }
}
