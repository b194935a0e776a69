//! Detect an input's format from its content: magic bytes first, then the first lines.
//! File names are never consulted.

use serde::Serialize;

/// The formats sfbdiag reads. JSON names follow the contract (`inputs[].format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Lync/SfB client log (`*.UccApilog`), grammar A.
    Uccapi,
    /// Server SIPStack/Snooper trace (grammar B) or a file of bare SIP messages.
    SipTrace,
    Evtx,
    EventXml,
    EventCsv,
    EventText,
    Nslookup,
    Ipconfig,
    Registry,
    W32tm,
    Proxy,
    Systeminfo,
    Certutil,
    DirListing,
    Hosts,
    /// A zip archive (its members are inputs of their own).
    Zip,
    /// Readable text of no known format: searched line by line, never an error.
    Text,
    /// Binary data of no known format.
    Unknown,
}

impl Format {
    pub fn name(&self) -> &'static str {
        match self {
            Format::Uccapi => "uccapi",
            Format::SipTrace => "sip-trace",
            Format::Evtx => "evtx",
            Format::EventXml => "event-xml",
            Format::EventCsv => "event-csv",
            Format::EventText => "event-text",
            Format::Nslookup => "nslookup",
            Format::Ipconfig => "ipconfig",
            Format::Registry => "registry",
            Format::W32tm => "w32tm",
            Format::Proxy => "proxy",
            Format::Systeminfo => "systeminfo",
            Format::Certutil => "certutil",
            Format::DirListing => "dir-listing",
            Format::Hosts => "hosts",
            Format::Zip => "zip",
            Format::Text => "text",
            Format::Unknown => "unknown",
        }
    }
}

/// Binary formats, told apart by magic bytes before any decoding.
pub fn sniff_binary(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"ElfFile\0") {
        return Some(Format::Evtx);
    }
    if head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || head.starts_with(b"PK\x07\x08")
    {
        return Some(Format::Zip);
    }
    None
}

/// Does this look like binary data rather than text? Control bytes other than whitespace in a
/// decoded head are the sign.
pub fn looks_binary(text: &str) -> bool {
    let sample: Vec<char> = text.chars().take(4096).collect();
    if sample.is_empty() {
        return false;
    }
    let bad = sample
        .iter()
        .filter(|&&c| {
            (c < ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\x0c') || c == '\u{FFFD}'
        })
        .count();
    bad * 20 > sample.len()
}

/// Classify decoded text from its first lines (up to about 64 KiB).
pub fn sniff_text(head: &str) -> Format {
    if let Some(f) = crate::parse::uccapi::sniff(head) {
        return f;
    }
    if let Some(f) = crate::parse::events::sniff(head) {
        return f;
    }
    if let Some(f) = crate::parse::system::sniff(head) {
        return f;
    }
    if crate::parse::sip::sniff_bare(head) {
        return Format::SipTrace;
    }
    if looks_binary(head) {
        return Format::Unknown;
    }
    Format::Text
}
