//! One case, end to end: walk the inputs, detect and parse each, match rules on every record,
//! derive facts, then diagnose. This is the library's entry point.

use std::cell::OnceCell;
use std::io::{self, Read};
use std::path::PathBuf;

use crate::diagnose;
use crate::engine::{Hits, RuleSet};
use crate::facts::FactsCollector;
use crate::input::decode::{LineLimits, LineReader, sniff_encoding};
use crate::input::{self, Content, Leaf, Limits, Visitor, WalkReport};
use crate::model::{Body, Record, SourceLoc};
use crate::parse::detect::{looks_binary, sniff_text};
use crate::parse::events::{self, EventFilter, EventOptions};
use crate::parse::{Format, ParseCtx, sip, system, uccapi};
use crate::report::{InputReport, Report};

/// Settings for one analysis.
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    /// Local time zone of the client, minutes east of UTC (`--tz`).
    pub tz_offset_minutes: Option<i32>,
    pub limits: Limits,
    /// Keep only the best N causes.
    pub top: Option<usize>,
    /// Name of the case in the report; defaults to the first input's name.
    pub case_name: Option<String>,
    /// Read ambiguous dates in event exports as day/month.
    pub day_first: Option<bool>,
}

/// Analyse files, directories and archives as one case.
pub fn analyze_paths(paths: &[PathBuf], rules: &RuleSet, opts: &AnalyzeOptions) -> Report {
    let mut case = Case::new(rules, opts);
    input::walk(paths, opts.limits, &mut case);
    let name = opts.case_name.clone().unwrap_or_else(|| {
        paths
            .first()
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| p.display().to_string())
            })
            .unwrap_or_default()
    });
    case.finish(&name)
}

/// Analyse one in-memory input (rule examples, tests, library users with bytes at hand).
pub fn analyze_bytes(name: &str, bytes: &[u8], rules: &RuleSet, opts: &AnalyzeOptions) -> Report {
    let mut case = Case::new(rules, opts);
    // Through the walker, so a zip in memory is opened (and limited) as one on disk would be.
    input::walk_bytes(name, bytes, opts.limits, &mut case);
    case.finish(name)
}

/// The state of one case while its inputs are read.
pub struct Case<'r> {
    rules: &'r RuleSet,
    opts: AnalyzeOptions,
    pub hits: Hits,
    facts: FactsCollector,
    inputs: Vec<InputReport>,
    warnings: Vec<String>,
    /// Both filters are built on first use: a case of event logs alone never needs the SIP
    /// one, nor a case of client logs alone the event one, and building them costs a small
    /// case more than reading a short file.
    filter: OnceCell<EventFilter>,
    sip_filter: OnceCell<Option<sip::SipFilter>>,
}

impl<'r> Case<'r> {
    pub fn new(rules: &'r RuleSet, opts: &AnalyzeOptions) -> Self {
        Case {
            rules,
            opts: opts.clone(),
            hits: Hits::new(rules),
            facts: FactsCollector::new(),
            inputs: Vec::new(),
            warnings: Vec::new(),
            filter: OnceCell::new(),
            sip_filter: OnceCell::new(),
        }
    }

    fn observe(rules: &RuleSet, hits: &mut Hits, facts: &mut FactsCollector, rec: Record) {
        if let Body::Line(l) = &rec.body
            && crate::facts::is_signin_reset(&l.text)
        {
            hits.epoch += 1;
        }
        // A reduced SIP message lacks every header and method a SIP rule asks for (that is how
        // the filter reduces): only the facts read it.
        if !matches!(&rec.body, Body::Sip(m) if m.reduced) {
            rules.match_subject(&rec, hits);
        }
        facts.observe(&rec);
        // A Lync client event 11 carries the failed SIP response in its text: read it as SIP so
        // the SIP rules see it.
        if let Body::Event(e) = &rec.body
            && e.event_id == 11
            && (crate::facts::is_client_provider(&e.provider)
                || (e.provider.trim().is_empty() && is_client_sip_failure(e)))
            && let Some(msg) = e.message.clone().or_else(|| {
                // An EVTX record carries no rendered message: the SIP text is in its
                // insertion strings.
                (!e.data.is_empty())
                    .then(|| e.data.iter().map(|(_, v)| v).collect::<Vec<_>>().join("\n"))
            })
        {
            let msg = msg.as_str();
            let resp = msg
                .find("Response Data:")
                .map(|p| &msg[p + "Response Data:".len()..])
                .unwrap_or(msg);
            if let Some(mut m) = sip::parse_message_text(resp).or_else(|| bare_status_message(resp))
            {
                // No CSeq anywhere: a request to a bare domain URI (`sip:contoso.com`) is a REGISTER,
                // and one to a user's address (a contact's presence, an IM, the user's own
                // services) is something only a signed-in client sends.
                let mut to_user = false;
                if m.cseq().is_none()
                    && !msg
                        .lines()
                        .any(|l| l.trim_start().to_ascii_lowercase().starts_with("cseq:"))
                    && let Some(uri) = msg
                        .lines()
                        .find_map(|l| l.trim().strip_prefix("RequestUri:"))
                {
                    if registers_to_own_domain(uri, msg) {
                        m.push_header("CSeq", "1 REGISTER", None);
                    } else {
                        to_user = uri.contains('@');
                    }
                }
                // The request's headers come before the response: carry over what the response
                // lacks (its method for scoping, the Call-ID and addresses for the transaction).
                for name in ["CSeq", "Call-ID", "From", "To"] {
                    if m.header(name).is_none()
                        && let Some(v) = msg.lines().find_map(|l| {
                            let l = l.trim();
                            l.get(..name.len() + 1)
                                .filter(|p| p.eq_ignore_ascii_case(&format!("{name}:")))
                                .map(|_| l[name.len() + 1..].trim().to_string())
                        })
                    {
                        m.push_header(name, &v, None);
                    }
                }
                let r = Record {
                    source: rec.source.clone(),
                    ts: rec.ts,
                    body: Body::Sip(Box::new(m)),
                };
                rules.match_subject(&r, hits);
                facts.observe_from_event(&r, to_user);
            }
        }
    }

    fn input_entry(&mut self, path: &str) -> &mut InputReport {
        if let Some(i) = self.inputs.iter().position(|i| i.path == path) {
            return &mut self.inputs[i];
        }
        self.inputs.push(InputReport {
            path: path.to_string(),
            format: Format::Unknown,
            encoding: None,
            bytes: 0,
            records: 0,
            errors: Vec::new(),
        });
        let n = self.inputs.len() - 1;
        &mut self.inputs[n]
    }

    fn parse_leaf(&mut self, leaf: Leaf<'_>) -> InputReport {
        let path = leaf.path.clone();
        let mut errors = leaf.errors;
        let rules = self.rules;
        let hits = &mut self.hits;
        let facts = &mut self.facts;
        let mut sink = |r: Record| Case::observe(rules, hits, facts, r);
        let mut report = InputReport {
            path: path.to_string(),
            format: Format::Unknown,
            encoding: None,
            bytes: leaf.size.unwrap_or(0),
            records: 0,
            errors: Vec::new(),
        };

        if leaf.binary_format == Some(Format::Evtx) {
            report.format = Format::Evtx;
            let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
            let (n, cut) = match leaf.content {
                Content::File(mut f) => {
                    let cut = leaf.size.and_then(|len| evtx_truncation(&leaf.head, len));
                    match io::Seek::rewind(&mut f) {
                        Ok(()) => (
                            events::parse_evtx(
                                f,
                                &mut ctx,
                                self.filter.get_or_init(|| event_filter(rules)),
                            ),
                            cut,
                        ),
                        Err(e) => {
                            ctx.error(format!("cannot rewind: {e}"));
                            (0, cut)
                        }
                    }
                }
                Content::Memory(c) => {
                    let cut = evtx_truncation(c.get_ref(), c.get_ref().len() as u64);
                    (
                        events::parse_evtx(
                            c,
                            &mut ctx,
                            self.filter.get_or_init(|| event_filter(rules)),
                        ),
                        cut,
                    )
                }
                Content::Stream(mut s) => {
                    let mut buf = leaf.head.clone();
                    let cap = self.opts.limits.max_in_memory;
                    let _ = (&mut s).take(cap).read_to_end(&mut buf);
                    let cut = evtx_truncation(&buf, buf.len() as u64);
                    (
                        events::parse_evtx(
                            io::Cursor::new(buf),
                            &mut ctx,
                            self.filter.get_or_init(|| event_filter(rules)),
                        ),
                        cut,
                    )
                }
            };
            if let Some(c) = cut {
                ctx.error(c);
            }
            report.records = n;
            if n == 0 && errors.is_empty() {
                errors.push("no event records could be read".into());
            }
            report.errors = errors;
            return report;
        }

        // Text: sniff the encoding and format from the head, then stream lines.
        let enc = sniff_encoding(&leaf.head);
        let head_text = {
            let mut r = LineReader::new(
                leaf.head.clone(),
                Box::new(io::empty()),
                LineLimits::default(),
            );
            let mut s = String::new();
            while let Some((_, l)) = r.next_line() {
                s.push_str(l);
                s.push('\n');
            }
            s
        };
        let mut format = sniff_text(&head_text);
        if format == Format::Text && looks_binary(&head_text) {
            format = Format::Unknown;
        }
        report.format = format;
        report.encoding = Some(enc.name().to_string());
        let rest: Box<dyn Read + '_> = match leaf.content {
            Content::File(f) => Box::new(f),
            Content::Memory(c) => Box::new(c),
            Content::Stream(s) => s,
        };
        if format == Format::Unknown {
            report.encoding = None;
            if named_like_log(&path) {
                errors.push(
                    "binary data of no known format in a file named like a log; not analysed"
                        .into(),
                );
            }
            report.errors = errors;
            return report;
        }
        let mut lines = LineReader::new(
            leaf.head,
            rest,
            LineLimits {
                max_line: self.opts.limits.max_line,
            },
        );
        let line_filter = |t: &str| rules.line_may_match(t);
        let n = {
            let mut ctx = ParseCtx::new(&path, &mut errors, &mut sink);
            ctx.line_filter = Some(&line_filter);
            ctx.sip_filter = self.sip_filter.get_or_init(|| sip_filter(rules)).as_ref();
            let n = match format {
                Format::Uccapi | Format::SipTrace => uccapi::parse(&mut lines, &mut ctx),
                Format::EventXml | Format::EventCsv | Format::EventText => events::parse_text(
                    format,
                    &head_text,
                    &mut lines,
                    &mut ctx,
                    self.filter.get_or_init(|| event_filter(rules)),
                    &EventOptions {
                        day_first: self.opts.day_first,
                    },
                ),
                Format::Text => uccapi::parse_plain(&mut lines, &mut ctx),
                f => system::parse(f, &mut lines, &mut ctx),
            };
            for i in lines.take_issues() {
                ctx.error(i.message);
            }
            if let Some(e) = lines.take_io_error() {
                ctx.error(format!(
                    "read error after {} bytes: {e}",
                    lines.bytes_read()
                ));
            }
            n
        };
        report.records = n;
        report.bytes = report.bytes.max(lines.bytes_read());
        if n == 0 && matches!(format, Format::Uccapi | Format::SipTrace) {
            errors.push("no log records found".into());
        }
        report.errors = errors;
        report
    }

    /// Derive facts and match them; what the rule examples need.
    pub fn finish_hits(mut self) -> Hits {
        let _ = self.match_facts();
        self.hits
    }

    fn match_facts(
        &mut self,
    ) -> (
        crate::facts::Signin,
        Option<crate::facts::SkewMeasure>,
        Vec<String>,
    ) {
        let (facts, signin, skew, notes) = self.facts.finish(self.opts.tz_offset_minutes);
        for f in &facts {
            self.rules.match_subject(f, &mut self.hits);
        }
        // Facts that need the record hits: how widely a signature spread across sessions.
        for f in diagnose::spread_facts(self.rules, &self.hits) {
            self.rules.match_subject(&f, &mut self.hits);
        }
        (signin, skew, notes)
    }

    /// Derive facts, match them, diagnose, and build the report.
    pub fn finish(mut self, name: &str) -> Report {
        let (signin, skew, notes) = self.match_facts();
        self.warnings.extend(notes);
        let offset = self.facts.utc_offset(self.opts.tz_offset_minutes);
        if let Some((o, "systeminfo")) = offset {
            self.warnings.push(format!(
                "local log times were converted to UTC with the time zone systeminfo reports ({}); systeminfo does not show daylight saving time",
                crate::facts::fmt_offset(o)
            ));
        }
        if self.inputs.iter().all(|i| i.records == 0) && !self.inputs.is_empty() {
            self.warnings.push("no input yielded any records".into());
        }
        diagnose::build_report(
            name,
            self.rules,
            &self.hits,
            signin,
            skew,
            self.inputs,
            self.warnings,
            offset.map(|(o, _)| o),
            self.opts.top,
        )
    }
}

/// EVTX files are a 4 KiB header and whole 64 KiB chunks, and the header says how many
/// chunks there are. A file that ends inside a chunk, or before the chunks its header
/// declares, was cut short (a partial copy or upload); the EVTX reader just stops at the cut,
/// so say so, with the offset.
fn evtx_truncation(header: &[u8], len: u64) -> Option<String> {
    const HEADER: u64 = 4096;
    const CHUNK: u64 = 65536;
    let declared = header
        .get(42..44)
        .map(|b| u16::from_le_bytes([b[0], b[1]]) as u64);
    if len < HEADER {
        return Some(format!(
            "truncated: the file ends at byte offset {len}, inside the {HEADER}-byte file header"
        ));
    }
    let body = len - HEADER;
    if body % CHUNK != 0 {
        let chunk = body / CHUNK;
        return Some(format!(
            "truncated: the file ends at byte offset {len}, inside chunk {chunk} (which starts at offset {}); records after the cut are lost",
            HEADER + chunk * CHUNK
        ));
    }
    match declared {
        Some(d) if d > body / CHUNK => Some(format!(
            "truncated: the header declares {d} chunks but the file ends at byte offset {len}, after {}",
            body / CHUNK
        )),
        _ => None,
    }
}

/// An event's response section whose status line lacks `SIP/2.0` (`404  Not Found`).
fn bare_status_message(text: &str) -> Option<crate::model::SipMessage> {
    let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
    let first = lines.next()?.trim();
    let (code, reason) = first.split_once(char::is_whitespace)?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest: Vec<&str> = lines.collect();
    sip::parse_message_text(&format!(
        "SIP/2.0 {code} {}\n{}",
        reason.trim(),
        rest.join("\n")
    ))
}

/// Does a Lync event 11 request to `uri` read as the user's REGISTER? Only a request to a bare
/// domain that is the user's own (the `From:` address), carrying no service body: a presence
/// query to a federated domain (`sip:fabrikam.com`, SOAP body) is addressed the same way.
/// A Lync or Communicator event 11 exported without its source (a column subset such as
/// `TimeCreated,Id,LevelDisplayName,Message`): its message carries the failed request's
/// technical data under labels no other event uses, in every language the client speaks.
fn is_client_sip_failure(e: &crate::model::WinEvent) -> bool {
    e.message.as_deref().is_some_and(|m| {
        m.contains("RequestUri:") && m.contains("Response Data:") && m.contains("Call-ID:")
    })
}

fn registers_to_own_domain(uri: &str, msg: &str) -> bool {
    let uri = uri.trim();
    if uri.contains('@') {
        return false;
    }
    let domain = |s: &str| -> Option<String> {
        let s = s.trim().trim_start_matches('<');
        let s = s.strip_prefix("sip:").or_else(|| s.strip_prefix("SIP:"))?;
        let host = s.rsplit('@').next()?;
        let host: String = host
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            .collect();
        (!host.is_empty()).then(|| host.to_ascii_lowercase())
    };
    let header = |name: &str| {
        msg.lines().find_map(|l| {
            let l = l.trim();
            l.get(..name.len() + 1)
                .filter(|p| p.eq_ignore_ascii_case(&format!("{name}:")))
                .map(|_| l[name.len() + 1..].trim())
        })
    };
    if header("Content-Type").is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c.contains("soap") || c.contains("msrtc") || c.contains("xml")
    }) {
        return false;
    }
    match (domain(uri), header("From").and_then(domain)) {
        (Some(target), Some(own)) => target == own,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The events the rules can use, so EVTX records of no interest are never rendered: every
/// rule of kind `event` names its providers and event IDs, or else all events are kept.
pub fn event_filter(rules: &RuleSet) -> EventFilter {
    use crate::engine::cond::Op;
    let mut f = EventFilter::none();
    // Lync/Communicator event 11 carries a SIP response that the SIP rules read.
    for p in ["lync", "communicator"] {
        f = f.provider_event(p, 11);
    }
    // The DNS client's answers and query ends for the sign-in records make the DNS picture.
    let lync_names = events::raw_needs([[
        "lyncdiscover",
        "_sip",
        "sipinternal",
        "sipexternal",
        "sip.",
        "msoid",
    ]]);
    for id in [3008, 3011] {
        f = f.needing_raw(Some("dns-client"), Some(id), &lync_names);
    }
    for (ri, r) in rules.rules.iter().enumerate() {
        if r.kind != "event" {
            continue;
        }
        // The same reading of the rule's `event_id` conditions the engine matches with.
        let ids: Vec<u32> = rules
            .allowed_event_ids(ri)
            .map(<[u32]>::to_vec)
            .unwrap_or_default();
        let providers: Option<Vec<String>> = r
            .conds
            .iter()
            .find(|c| c.field == "provider" && c.op == Op::Re)
            .and_then(|c| c.values.first())
            .and_then(provider_names);
        // Words the event's text must hold for the rule to match: one of each list.
        let needs = events::raw_needs(
            r.conds
                .iter()
                .filter(|c| c.field == "text")
                .filter_map(|c| c.required_literal_words()),
        );
        let ids: Vec<Option<u32>> = if ids.is_empty() {
            vec![None]
        } else {
            ids.into_iter().map(Some).collect()
        };
        match providers {
            Some(ps) => {
                for p in &ps {
                    for &id in &ids {
                        f = f.needing_raw(Some(p), id, &needs);
                    }
                }
            }
            None if ids[0].is_some() => {
                for &id in &ids {
                    f = f.needing_raw(None, id, &needs);
                }
            }
            None => return EventFilter::all(),
        }
    }
    f
}

/// The SIP messages the rules and the facts read whole: those of a REGISTER transaction (facts)
/// and, for each rule of kind `sip`, those that carry a header (or have a method) one of its
/// conditions requires. `None`, every message whole, when some `sip` rule could match a message
/// with any headers.
pub fn sip_filter(rules: &RuleSet) -> Option<sip::SipFilter> {
    use crate::engine::cond::Op;
    let mut f = sip::SipFilter {
        full_methods: crate::facts::SIP_FULL_METHODS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        full_headers: Vec::new(),
        keep_headers: crate::facts::SIP_HEADER_INTEREST
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    for r in rules.rules.iter().filter(|r| r.kind == "sip") {
        // Every operator but the negative ones (`!=`, `not in`, `!~`, `not contains`, `absent`)
        // fails on a field with no value.
        let positive = |c: &&crate::engine::Cond| {
            matches!(
                c.op,
                Op::Eq
                    | Op::In
                    | Op::Re
                    | Op::Contains
                    | Op::Ge
                    | Op::Le
                    | Op::Gt
                    | Op::Lt
                    | Op::Exists
                    | Op::True
            )
        };
        let headers = r
            .conds
            .iter()
            .filter(positive)
            .find_map(|c| sip_field_headers(&c.field));
        if let Some(hs) = headers {
            f.full_headers.extend(hs);
            continue;
        }
        let methods = r.conds.iter().find(|c| {
            matches!(c.op, Op::Eq | Op::In)
                && matches!(c.field.as_ref(), "method" | "request_method")
        })?;
        f.full_methods
            .extend(methods.values.iter().map(str::to_string));
    }
    Some(f)
}

/// The headers one of which a SIP message must carry to have a value of this rule field.
fn sip_field_headers(field: &str) -> Option<Vec<String>> {
    let names: &[&str] = match field {
        "ms_diag" | "ms_diag_reason" | "ms_diag_source" => &[
            "ms-diagnostics",
            "ms-diagnostics-public",
            "x-ms-diagnostics",
        ],
        "call_id" => &["Call-ID"],
        "cseq" => &["CSeq"],
        "from" | "from_uri" => &["From"],
        "to" | "to_uri" => &["To"],
        "user_agent" => &["User-Agent"],
        "server" => &["Server"],
        "www_authenticate" | "auth_scheme" => &["WWW-Authenticate", "Proxy-Authenticate"],
        "authorization" => &["Authorization", "Proxy-Authorization"],
        "content_type" => &["Content-Type"],
        f => return f.strip_prefix("header:").map(|h| vec![h.to_string()]),
    };
    Some(names.iter().map(|s| s.to_string()).collect())
}

/// `^(lync|communicator)$` → [lync, communicator]; None unless every alternative is a plain name.
fn provider_names(re: &str) -> Option<Vec<String>> {
    let t = re.trim_start_matches('^').trim_end_matches('$');
    let t = t
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(t);
    let names: Vec<String> = t.split('|').map(|s| s.trim().to_string()).collect();
    names
        .iter()
        .all(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ' || c == '_')
        })
        .then_some(names)
}

fn named_like_log(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    [
        ".uccapilog",
        ".log",
        ".txt",
        ".csv",
        ".xml",
        ".reg",
        ".evtx",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

impl Visitor for Case<'_> {
    fn leaf(&mut self, leaf: Leaf<'_>) {
        let mut r = self.parse_leaf(leaf);
        // Parsers flag assumptions (ambiguous dates) as `note:`; they are warnings, not errors.
        let (notes, errors): (Vec<String>, Vec<String>) =
            r.errors.drain(..).partition(|e| e.starts_with("note:"));
        r.errors = errors;
        for n in notes {
            self.warnings.push(format!(
                "{}: {}",
                r.path,
                n.trim_start_matches("note:").trim()
            ));
        }
        let e = self.input_entry(&r.path.clone());
        let mut errors = std::mem::take(&mut e.errors);
        errors.extend(r.errors.iter().cloned());
        *e = InputReport { errors, ..r };
    }

    fn report(&mut self, r: WalkReport) {
        let e = self.input_entry(&r.path);
        if let Some(f) = r.format {
            e.format = f;
        }
        if r.bytes > 0 {
            e.bytes = e.bytes.max(r.bytes);
        }
        e.errors.extend(r.errors);
    }
}

/// A record's source as shown in reports.
pub fn show(src: &SourceLoc) -> String {
    src.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_json(paths: &[PathBuf], rules: &RuleSet, filtered: bool) -> String {
        let opts = AnalyzeOptions::default();
        let mut case = Case::new(rules, &opts);
        if !filtered {
            case.sip_filter = OnceCell::from(None);
        }
        input::walk(paths, opts.limits, &mut case);
        serde_json::to_string_pretty(&case.finish("case")).expect("report serialises")
    }

    /// Reducing the SIP messages no rule or fact reads in full changes nothing in any report.
    #[test]
    fn reduced_sip_messages_change_no_report() {
        let rules = RuleSet::embedded().expect("rules load");
        assert!(
            sip_filter(&rules).is_some(),
            "the embedded SIP rules each need a header"
        );
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut inputs: Vec<PathBuf> = Vec::new();
        for dir in ["fixtures/cases", "../shared/samples/real/excerpts"] {
            if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
                inputs.extend(rd.filter_map(|e| e.ok()).map(|e| e.path()));
            }
        }
        inputs.sort();
        assert!(inputs.len() > 10, "fixtures found: {}", inputs.len());
        for p in &inputs {
            let paths = std::slice::from_ref(p);
            assert_eq!(
                report_json(paths, &rules, true),
                report_json(paths, &rules, false),
                "{}",
                p.display()
            );
        }
    }

    /// An event rule that reads the text must give the EVTX word gate something to look for:
    /// without it every record of its provider and id is parsed (a system log's hundreds of DNS
    /// timeouts, say).
    #[test]
    fn every_event_text_rule_gates_evtx_records() {
        let rules = RuleSet::embedded().expect("rules");
        let mut ungated = Vec::new();
        for r in rules.rules.iter().filter(|r| r.kind == "event") {
            // Only a condition that asks for text can name words; one that forbids it cannot.
            let texts: Vec<_> = r
                .conds
                .iter()
                .filter(|c| {
                    c.field == "text"
                        && matches!(
                            c.op,
                            crate::engine::cond::Op::Re | crate::engine::cond::Op::Contains
                        )
                })
                .collect();
            if texts.is_empty() {
                continue;
            }
            let gated = texts.iter().any(|c| {
                c.required_literals().is_some_and(|l| {
                    !l.is_empty() && l.iter().all(|w| events::raw_word(w).is_some())
                })
            });
            if !gated {
                ungated.push(r.id.clone());
            }
        }
        assert!(ungated.is_empty(), "no word gate for {ungated:?}");
    }

    #[test]
    fn sip_filter_follows_the_rules() {
        let rule = |when: &str| {
            format!(
                "cause = \"c\"\ntitle = \"t\"\nsummary = \"s\"\nresolution = [\"r\"]\n\n[[rule]]\nid = \"r1\"\nevidence = \"e\"\nkind = \"sip\"\nweight = 0.5\nwhen = [{when}]\n  [[rule.example]]\n  match = true\n  text = \"x\"\n  [[rule.example]]\n  match = false\n  text = \"y\"\n"
            )
        };
        let load = |when: &str| {
            RuleSet::from_sources(&[("c.toml".to_string(), rule(when))], "test")
                .expect("rules load")
        };
        let f = sip_filter(&load(r#""status = 403", "header:X-Thing exists""#)).expect("filter");
        assert_eq!(f.full_headers, ["X-Thing"]);
        assert_eq!(f.full_methods, ["REGISTER"]);
        let f = sip_filter(&load(r#""method in [INVITE, BYE]""#)).expect("filter");
        assert_eq!(f.full_methods, ["REGISTER", "INVITE", "BYE"]);
        // A rule that can match a message with any headers needs every message whole.
        assert!(sip_filter(&load(r#""status = 403""#)).is_none());
        assert!(sip_filter(&load(r#""ms_diag not in [1013]""#)).is_none());
    }
}
