//! Grammar-A UCCAPI log writer: record prefixes, SIP packets, HTTP exchanges.
//! The writer streams into any `Write`, so the same code builds small fixture
//! logs in memory and multi-hundred-megabyte logs on disk.

use std::io::Write;

use chrono::{NaiveDateTime, TimeDelta};

use super::ctx::Ctx;
use super::rng::Rng;

/// Logical threads of the client process; each gets its own TID.
#[derive(Clone, Copy)]
pub enum Th {
    Ui = 0,
    Sip = 1,
    Http = 2,
    Media = 3,
    Auth = 4,
    Misc = 5,
}

pub struct Log<W: Write> {
    w: W,
    pub now: NaiveDateTime,
    pid: u32,
    tids: [u32; 6],
    pub written: u64,
    pub error: Option<std::io::Error>,
}

impl<W: Write> Log<W> {
    pub fn new(w: W, start: NaiveDateTime, rng: &mut Rng) -> Self {
        let pid = rng.range(0x0400, 0x3FFF) as u32;
        let mut tids = [0u32; 6];
        for t in tids.iter_mut() {
            *t = rng.range(0x0200, 0x3FFF) as u32 & !3;
        }
        Log {
            w,
            now: start,
            pid,
            tids,
            written: 0,
            error: None,
        }
    }

    pub fn into_inner(self) -> W {
        self.w
    }

    pub fn raw(&mut self, s: &str) {
        if self.error.is_some() {
            return;
        }
        let r = self
            .w
            .write_all(s.as_bytes())
            .and_then(|_| self.w.write_all(b"\r\n"));
        match r {
            Ok(()) => self.written += s.len() as u64 + 2,
            Err(e) => self.error = Some(e),
        }
    }

    pub fn prefix(&self, th: Th, level: &str) -> String {
        format!(
            "{} {:04X}:{:04X} {:<5} :: ",
            self.now.format("%m/%d/%Y|%H:%M:%S%.3f"),
            self.pid,
            self.tids[th as usize],
            level
        )
    }

    pub fn rec(&mut self, th: Th, level: &str, text: &str) {
        let p = self.prefix(th, level);
        self.raw(&(p + text));
    }
    pub fn info(&mut self, th: Th, text: &str) {
        self.rec(th, "INFO", text)
    }
    pub fn warn(&mut self, th: Th, text: &str) {
        self.rec(th, "WARN", text)
    }
    pub fn error(&mut self, th: Th, text: &str) {
        self.rec(th, "ERROR", text)
    }
    pub fn trace(&mut self, th: Th, text: &str) {
        self.rec(th, "TRACE", text)
    }

    /// Advance the local clock by a random number of milliseconds in `lo..hi`.
    pub fn tick(&mut self, rng: &mut Rng, lo: u64, hi: u64) {
        self.now += TimeDelta::milliseconds(rng.range(lo, hi) as i64);
    }
    pub fn advance_secs(&mut self, s: i64) {
        self.now += TimeDelta::seconds(s);
    }

    fn packet(&mut self, banner: &str, end: &str, msg: &[String]) {
        let n: usize = msg.iter().map(|l| l.len() + 2).sum::<usize>() + 2;
        self.info(Th::Sip, &format!("{banner} {n} bytes:"));
        if let Some((first, rest)) = msg.split_first() {
            self.info(Th::Sip, first);
            for l in rest {
                self.raw(l);
            }
        }
        self.info(Th::Sip, &format!("{end} {n} bytes"));
    }

    pub fn send(&mut self, ctx: &Ctx, peer: &str, msg: &[String]) {
        let b = format!(
            "Sending Packet - {peer} (From Local Address: {}:{})",
            ctx.local_ip, ctx.local_port
        );
        let e = format!("End of {b}");
        self.packet(&b, &e, msg);
    }

    pub fn recv(&mut self, ctx: &Ctx, peer: &str, msg: &[String]) {
        let b = format!(
            "Data Received - {peer} (To Local Address: {}:{})",
            ctx.local_ip, ctx.local_port
        );
        let e = format!("End of {b}");
        self.packet(&b, &e, msg);
    }

    /// One HTTP exchange as the client's web stack logs it: request line,
    /// response status, response headers as continuation lines.
    pub fn http(
        &mut self,
        rng: &mut Rng,
        method: &str,
        url: &str,
        status: u16,
        reason: &str,
        headers: &[String],
    ) {
        let req_id = rng.range(1000, 99999);
        let len = if method == "GET" {
            0
        } else {
            rng.range(900, 4200)
        };
        self.info(
            Th::Http,
            &format!("HttpRequest[{req_id}]: {method} {url} (Content-Length: {len})"),
        );
        self.tick(rng, 40, 900);
        let lvl = if status >= 400 { "WARN" } else { "INFO" };
        self.rec(
            Th::Http,
            lvl,
            &format!("HttpResponse[{req_id}]: HTTP/1.1 {status} {reason} for {url}"),
        );
        for h in headers {
            self.raw(h);
        }
    }

    /// Server-side `Date:` value for the current local time.
    pub fn server_date(&self, ctx: &Ctx) -> String {
        ctx.server_time(self.now)
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    }
}
