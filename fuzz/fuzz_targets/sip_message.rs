//! Free text as one SIP message, and as a diagnostics header value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sfbdiag::parse::sip;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(m) = sip::parse_message_text(&text) {
        for h in m.headers() {
            if sip::is_diag_header(h.name) {
                let _ = sip::parse_ms_diag(h.value);
            }
        }
    }
    let _ = sip::parse_ms_diag(&text);
    for line in text.lines() {
        let _ = sip::parse_start_line(line);
        let _ = sip::parse_header_line(line);
        let _ = sip::host_of(line);
        let _ = sip::uri_in(line);
    }
});
