//! One module per input format. Each turns decoded lines (or, for EVTX, bytes) into typed
//! [`Record`]s carrying their source location; none of them reads files, decodes text or
//! enforces limits itself — `input` owns that.

use std::sync::Arc;

use crate::model::Record;

/// The value of a fixed-width field of ASCII digits; `None` when a byte is not a digit (or the
/// value overflows). Date and time fields of log prefixes, headers and event renderings.
pub(crate) fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        if c.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u32::from(c - b'0'))
        } else {
            None
        }
    })
}

pub mod detect;
pub mod events;
pub mod sip;
pub mod system;
pub mod uccapi;

pub use detect::Format;

/// What a parser writes to: the records it finds and the problems it met.
pub struct ParseCtx<'a> {
    /// The input's display path (`archive!member`).
    pub path: &'a Arc<str>,
    /// Problems that did not stop the parse, each naming the line, offset or record
    /// (`line 12: ...`); they end up in `inputs[].errors`.
    pub errors: &'a mut Vec<String>,
    pub sink: &'a mut dyn FnMut(Record),
    /// Records emitted so far.
    pub records: u64,
    /// Can any rule match a free-text line with this text? Lines that cannot are counted but
    /// never built into records (the rules' literal prefilter, most lines of a large log).
    pub line_filter: Option<&'a dyn Fn(&str) -> bool>,
    /// Which SIP messages are needed whole; the others are reduced (see [`sip::SipFilter`]).
    pub sip_filter: Option<&'a sip::SipFilter>,
}

impl<'a> ParseCtx<'a> {
    pub fn new(
        path: &'a Arc<str>,
        errors: &'a mut Vec<String>,
        sink: &'a mut dyn FnMut(Record),
    ) -> Self {
        ParseCtx {
            path,
            errors,
            sink,
            records: 0,
            line_filter: None,
            sip_filter: None,
        }
    }

    /// Should a free-text line with this text become a record?
    pub fn wants_line(&self, text: &str) -> bool {
        self.line_filter.is_none_or(|f| f(text))
    }

    /// Count a record that was not built because nothing could match it.
    pub fn skip(&mut self) {
        self.records += 1;
    }
    pub fn emit(&mut self, r: Record) {
        self.records += 1;
        (self.sink)(r);
    }
    /// Record a problem. Caps the list so a file of garbage cannot grow memory without bound.
    pub fn error(&mut self, msg: impl Into<String>) {
        const MAX_ERRORS: usize = 50;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(msg.into());
        } else if self.errors.len() == MAX_ERRORS {
            self.errors
                .push("more problems in this input were not listed".to_string());
        }
    }
}
