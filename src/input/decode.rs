//! Streaming text decoding and line splitting, owned once for every text parser.
//!
//! Bytes come in from a file or an archive member; lines come out as `&str` borrowed from one
//! reusable buffer, so reading a file costs no allocation per line and memory does not grow with
//! the file. Encoding is sniffed once from the first bytes (BOM, UTF-16 zero pattern, UTF-8
//! validity) and decoded with `encoding_rs`.

use std::io::{self, Read};

use encoding_rs::{
    BIG5, Decoder, DecoderResult, EUC_KR, Encoding, GBK, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE,
    WINDOWS_1250, WINDOWS_1251, WINDOWS_1252, WINDOWS_1254,
};

/// How many bytes are read at a time.
const CHUNK: usize = 64 * 1024;

/// The encoding a text input was read with, named as the JSON contract names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16LeNoBom,
    Utf16Be,
    Windows1252,
    /// Central European ANSI (Czech, Polish, Hungarian, ...).
    Windows1250,
    /// Cyrillic ANSI.
    Windows1251,
    /// Turkish ANSI.
    Windows1254,
    /// Korean ANSI (code page 949).
    Windows949,
    /// Japanese ANSI (code page 932, Shift JIS).
    Windows932,
    /// Simplified Chinese ANSI (code page 936, GBK).
    Windows936,
    /// Traditional Chinese ANSI (code page 950, Big5).
    Windows950,
}

impl TextEncoding {
    pub fn name(&self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16LeNoBom => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Windows1252 => "windows-1252",
            TextEncoding::Windows1250 => "windows-1250",
            TextEncoding::Windows1251 => "windows-1251",
            TextEncoding::Windows1254 => "windows-1254",
            TextEncoding::Windows949 => "windows-949",
            TextEncoding::Windows932 => "shift_jis",
            TextEncoding::Windows936 => "gbk",
            TextEncoding::Windows950 => "big5",
        }
    }
    fn encoding(&self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => UTF_8,
            TextEncoding::Utf16Le | TextEncoding::Utf16LeNoBom => UTF_16LE,
            TextEncoding::Utf16Be => UTF_16BE,
            TextEncoding::Windows1252 => WINDOWS_1252,
            TextEncoding::Windows1250 => WINDOWS_1250,
            TextEncoding::Windows1251 => WINDOWS_1251,
            TextEncoding::Windows1254 => WINDOWS_1254,
            TextEncoding::Windows949 => EUC_KR,
            TextEncoding::Windows932 => SHIFT_JIS,
            TextEncoding::Windows936 => GBK,
            TextEncoding::Windows950 => BIG5,
        }
    }
    fn bom_len(&self) -> usize {
        match self {
            TextEncoding::Utf8Bom => 3,
            TextEncoding::Utf16Le | TextEncoding::Utf16Be => 2,
            _ => 0,
        }
    }
}

/// Decide the encoding from the first bytes of a file.
pub fn sniff_encoding(head: &[u8]) -> TextEncoding {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return TextEncoding::Utf8Bom;
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return TextEncoding::Utf16Le;
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return TextEncoding::Utf16Be;
    }
    // UTF-16LE without a BOM: ASCII-heavy text leaves a zero in most odd positions.
    let sample = &head[..head.len().min(4096)];
    if sample.len() >= 8 {
        let pairs = sample.len() / 2;
        let odd_zero = sample
            .chunks_exact(2)
            .filter(|p| p[1] == 0 && p[0] != 0)
            .count();
        let even_zero = sample
            .chunks_exact(2)
            .filter(|p| p[0] == 0 && p[1] != 0)
            .count();
        if odd_zero * 10 >= pairs * 6 {
            return TextEncoding::Utf16LeNoBom;
        }
        if even_zero * 10 >= pairs * 6 {
            return TextEncoding::Utf16Be;
        }
    }
    // Valid UTF-8 (allowing a multi-byte sequence cut at the end of the sample).
    match std::str::from_utf8(head) {
        Ok(_) => TextEncoding::Utf8,
        Err(e) if e.error_len().is_none() => TextEncoding::Utf8,
        Err(_) => ansi_code_page(&head[..head.len().min(64 << 10)]),
    }
}

/// Which ANSI code page a localized Windows wrote `sample` in, from its bytes above 0x7F:
/// Cyrillic words are runs of such bytes, where Latin scripts put one or two among ASCII
/// letters; Central European and Turkish text use letters Western European text hardly has
/// (š ž ł ą ś ź ř, ı ş ğ İ). In doubt, Western European.
fn ansi_code_page(sample: &[u8]) -> TextEncoding {
    let high = sample.iter().filter(|&&b| b >= 0x80).count();
    if high == 0 {
        return TextEncoding::Windows1252;
    }
    if let Some(e) = east_asian_code_page(sample) {
        return e;
    }
    let mut long_runs = 0;
    let mut run = 0;
    for &b in sample {
        if b >= 0xC0 || b == 0xA8 || b == 0xB8 {
            run += 1;
        } else {
            if run >= 4 {
                long_runs += 1;
            }
            run = 0;
        }
    }
    if run >= 4 {
        long_runs += 1;
    }
    let cyrillic = sample.iter().filter(|&&b| b >= 0xC0).count();
    if long_runs >= 3 && cyrillic * 10 >= high * 8 {
        return TextEncoding::Windows1251;
    }
    // Bytes that are letters of these code pages and, in Western European, symbols or letters
    // of no language such a log is written in.
    let strong = sample
        .iter()
        .filter(|&&b| {
            matches!(
                b,
                0x8A | 0x8C
                    | 0x8D
                    | 0x8E
                    | 0x8F
                    | 0x9A
                    | 0x9C
                    | 0x9D
                    | 0x9E
                    | 0x9F
                    | 0xA3
                    | 0xA5
                    | 0xAF
                    | 0xB3
                    | 0xB9
                    | 0xBE
                    | 0xC8
                    | 0xCC
                    | 0xD8
            )
        })
        .count();
    // č ě ř ů ň ď are è ì ø ù ò ï in Western European: they count once a letter above has
    // shown the text is not.
    let count = |set: &[u8]| sample.iter().filter(|b| set.contains(b)).count();
    let central = match strong {
        0 => 0,
        n => n + count(&[0xE8, 0xEC, 0xF8, 0xF9, 0xF2, 0xEF]),
    };
    // ş ğ Ş Ğ; the dotless ı (and İ) only where no Central European letter is, since Czech
    // writes ý with the same byte.
    let mut turkish = count(&[0xD0, 0xDE, 0xF0, 0xFE]);
    if central == 0 {
        turkish += count(&[0xDD, 0xFD]);
    }
    if central >= 2 && central > turkish {
        TextEncoding::Windows1250
    } else if turkish >= 2 && turkish > central {
        TextEncoding::Windows1254
    } else {
        TextEncoding::Windows1252
    }
}

/// The double-byte code page of a Korean, Japanese or Chinese Windows, when `sample` reads in
/// one without a single malformed sequence and its text is that language's: Hangul syllables,
/// kana among ideographs, or ideographs with the morning/afternoon words of a Chinese date
/// (which tell GBK from Big5, where the same bytes are other ideographs). Latin and Cyrillic
/// text leaves high bytes before spaces and punctuation, which no double-byte code page allows.
fn east_asian_code_page(sample: &[u8]) -> Option<TextEncoding> {
    // A sequence cut by the end of the sample is not malformed.
    let mut end = sample.len();
    while end > 0 && sample[end - 1] >= 0x80 && sample.len() - end < 2 {
        end -= 1;
    }
    let sample = &sample[..end];
    let read = |enc: &'static Encoding| -> Option<String> {
        enc.decode_without_bom_handling_and_without_replacement(sample)
            .map(|t| t.into_owned())
    };
    let script = |t: &str| {
        let (mut wide, mut hangul, mut kana, mut han) = (0usize, 0usize, 0usize, 0usize);
        for c in t.chars().filter(|c| !c.is_ascii()) {
            wide += 1;
            match c as u32 {
                0xAC00..=0xD7A3 => hangul += 1,
                0x3040..=0x30FF => kana += 1,
                0x4E00..=0x9FFF => han += 1,
                _ => {}
            }
        }
        (wide, hangul, kana, han)
    };
    if let Some(t) = read(EUC_KR) {
        let (wide, hangul, _, _) = script(&t);
        if hangul >= 4 && hangul * 10 >= wide * 8 {
            return Some(TextEncoding::Windows949);
        }
    }
    if let Some(t) = read(SHIFT_JIS) {
        let (wide, _, kana, han) = script(&t);
        if kana >= 2 && (kana + han) * 10 >= wide * 8 {
            return Some(TextEncoding::Windows932);
        }
    }
    for (enc, name) in [
        (GBK, TextEncoding::Windows936),
        (BIG5, TextEncoding::Windows950),
    ] {
        if let Some(t) = read(enc) {
            let (wide, _, _, han) = script(&t);
            if han >= 4 && han * 10 >= wide * 8 && (t.contains("上午") || t.contains("下午")) {
                return Some(name);
            }
        }
    }
    None
}

/// Limits a reader enforces on lines.
#[derive(Clone, Copy, Debug)]
pub struct LineLimits {
    /// Longest line kept, in bytes of decoded UTF-8; the rest of a longer line is skipped.
    pub max_line: usize,
}

impl Default for LineLimits {
    fn default() -> Self {
        LineLimits {
            max_line: 1024 * 1024,
        }
    }
}

/// A problem found while reading lines; reported, never fatal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIssue {
    pub line: u64,
    pub message: String,
}

/// Reads decoded lines from a byte stream. Line endings `\r\n`, `\n` and a lone `\r` all end a
/// line; NUL characters are dropped.
pub struct LineReader<'r> {
    src: Box<dyn Read + 'r>,
    decoder: Decoder,
    encoding: TextEncoding,
    raw: Vec<u8>,
    /// Decoded text not yet handed out; `start` is where the next line begins.
    buf: String,
    start: usize,
    eof: bool,
    /// A `\r` ended the last line; a `\n` that follows belongs to it.
    pending_cr: bool,
    line_no: u64,
    limits: LineLimits,
    /// Bytes read from the source so far.
    bytes_read: u64,
    issues: Vec<LineIssue>,
    io_error: Option<io::Error>,
    /// Skipping the tail of an over-long line.
    skipping: bool,
    /// Source offset of `raw[0]`, so a malformed sequence can be reported where it is.
    raw_offset: u64,
    /// Malformed byte sequences replaced with U+FFFD: how many, and where the first was.
    malformed: u64,
    first_malformed: Option<u64>,
    /// The last line handed out had no terminator (the input ended in the middle of it).
    last_unterminated: bool,
    /// UTF-8 input validated in one pass and copied to `buf` without the decoder; cleared at
    /// the first malformed sequence, after which the decoder takes over (and counts them).
    direct: bool,
}

impl<'r> LineReader<'r> {
    /// `head` holds bytes already read from `src` (for sniffing); they are decoded first.
    pub fn new(head: Vec<u8>, src: Box<dyn Read + 'r>, limits: LineLimits) -> Self {
        let encoding = sniff_encoding(&head);
        let decoder = encoding.encoding().new_decoder_without_bom_handling();
        let bom = encoding.bom_len().min(head.len());
        let raw = head[bom..].to_vec();
        let bytes_read = head.len() as u64;
        LineReader {
            src,
            decoder,
            encoding,
            raw,
            buf: String::with_capacity(CHUNK * 2),
            start: 0,
            eof: false,
            pending_cr: false,
            line_no: 0,
            limits,
            bytes_read,
            issues: Vec::new(),
            io_error: None,
            skipping: false,
            raw_offset: bom as u64,
            malformed: 0,
            first_malformed: None,
            last_unterminated: false,
            direct: matches!(encoding, TextEncoding::Utf8 | TextEncoding::Utf8Bom),
        }
    }

    /// A reader over an in-memory string (rule examples, tests). Not `FromStr`: it borrows.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &'r str) -> Self {
        LineReader::new(
            text.as_bytes().to_vec(),
            Box::new(io::empty()),
            LineLimits::default(),
        )
    }

    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }
    /// Number of the line most recently returned (1-based).
    pub fn line_no(&self) -> u64 {
        self.line_no
    }
    /// Problems met so far: over-long lines, and (once) a summary of the malformed byte
    /// sequences that were replaced, with the offset of the first.
    pub fn take_issues(&mut self) -> Vec<LineIssue> {
        if let Some(first) = self.first_malformed.take() {
            self.issues.push(LineIssue {
                line: 0,
                message: format!(
                    "{} invalid {} sequence{} replaced with U+FFFD; the first at byte offset {first}",
                    self.malformed,
                    self.encoding.name(),
                    if self.malformed == 1 { "" } else { "s" }
                ),
            });
        }
        std::mem::take(&mut self.issues)
    }
    /// True when the input ended inside the last line returned (no line terminator), i.e. a
    /// file cut short mid-line or one without a final newline.
    pub fn ended_mid_line(&self) -> bool {
        self.last_unterminated
    }
    pub fn take_io_error(&mut self) -> Option<io::Error> {
        self.io_error.take()
    }

    /// Decode more input into `buf`. Returns false at the end of input.
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        if self.direct && self.fill_direct() {
            return true;
        }
        if self.eof {
            return false;
        }
        if self.raw.is_empty() {
            // `read_to_end` reads into the spare capacity without zeroing it first (a file
            // reads straight into it); `resize` then `read` cleared 64 KB before every read.
            self.raw.reserve(CHUNK);
            let before = self.raw.len();
            if let Err(e) = (&mut self.src)
                .take(CHUNK as u64)
                .read_to_end(&mut self.raw)
            {
                self.io_error = Some(e);
            }
            self.bytes_read += (self.raw.len() - before) as u64;
        }
        let last = self.raw.is_empty();
        let before = self.buf.len();
        self.buf.reserve(
            self.decoder
                .max_utf8_buffer_length(self.raw.len())
                .unwrap_or(CHUNK * 4),
        );
        // Decode without silent replacement so each malformed sequence (lone surrogate, odd
        // trailing byte, invalid UTF-8) is counted and its offset kept for the report.
        let mut read = 0;
        loop {
            let (res, n) = self.decoder.decode_to_string_without_replacement(
                &self.raw[read..],
                &mut self.buf,
                last,
            );
            read += n;
            match res {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => self.buf.reserve(CHUNK),
                DecoderResult::Malformed(bad, after) => {
                    self.buf.push('\u{FFFD}');
                    self.malformed += 1;
                    if self.first_malformed.is_none() {
                        let at = (self.raw_offset + read as u64)
                            .saturating_sub(bad as u64 + after as u64);
                        self.first_malformed = Some(at);
                    }
                }
            }
        }
        self.raw.drain(..read);
        self.raw_offset += read as u64;
        self.drop_nuls(before);
        if last {
            self.eof = true;
        }
        true
    }

    /// UTF-8 without the decoder: read straight onto the end of `buf`'s bytes, validate them in
    /// one pass and take the buffer back as text, so the input is never copied; a sequence cut
    /// by the chunk end waits in `raw` for the next read. Returns false when it hands over to
    /// the decoder (at a malformed sequence: what precedes it is kept, the rest goes to `raw`)
    /// or at the end of input.
    fn fill_direct(&mut self) -> bool {
        let mut bytes = std::mem::take(&mut self.buf).into_bytes();
        let before = bytes.len();
        // The bytes carried over (the sniffed head, or a sequence the last chunk cut) come first.
        bytes.extend_from_slice(&self.raw);
        self.raw.clear();
        let carried = bytes.len();
        bytes.reserve(CHUNK);
        let res = (&mut self.src).take(CHUNK as u64).read_to_end(&mut bytes);
        let got = bytes.len() - carried;
        self.bytes_read += got as u64;
        if let Err(e) = res {
            self.io_error = Some(e);
        }
        let last = got == 0;
        // Validate up to the last whole character unless this is the end: a sequence cut by
        // the chunk end is completed by the next read.
        let whole = if last {
            bytes.len()
        } else {
            before + whole_chars(&bytes[before..])
        };
        self.raw.extend_from_slice(&bytes[whole..]);
        bytes.truncate(whole);
        let valid_end = match String::from_utf8(bytes) {
            Ok(text) => {
                self.buf = text;
                whole
            }
            Err(e) => {
                // Malformed: keep what precedes it; the decoder reports it from here on.
                self.direct = false;
                let valid_end = e.utf8_error().valid_up_to();
                let mut bytes = e.into_bytes();
                let mut rest = bytes.split_off(valid_end);
                rest.extend_from_slice(&self.raw);
                self.raw = rest;
                self.buf = String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                valid_end
            }
        };
        let valid = valid_end - before;
        self.raw_offset += valid as u64;
        self.drop_nuls(before);
        if !self.direct {
            return valid > 0;
        }
        if last {
            self.eof = true;
            return valid > 0;
        }
        true
    }

    /// NUL characters (UTF-16 read as bytes, padding) are dropped from what `fill` added.
    fn drop_nuls(&mut self, before: usize) {
        if memchr::memchr(0, &self.buf.as_bytes()[before..]).is_some() {
            let cleaned: String = self.buf[before..].chars().filter(|&c| c != '\0').collect();
            self.buf.truncate(before);
            self.buf.push_str(&cleaned);
        }
    }

    /// The next line without its terminator, with its 1-based number.
    pub fn next_line(&mut self) -> Option<(u64, &str)> {
        loop {
            // A `\n` right after a `\r` that ended the previous line is part of that ending.
            if self.pending_cr && self.start < self.buf.len() {
                if self.buf.as_bytes()[self.start] == b'\n' {
                    self.start += 1;
                }
                self.pending_cr = false;
            }
            let rest = &self.buf.as_bytes()[self.start..];
            if let Some(i) = memchr::memchr2(b'\n', b'\r', rest) {
                let line_start = self.start;
                let line_end = line_start + i;
                if rest[i] == b'\r' {
                    self.pending_cr = true;
                }
                self.start = line_end + 1;
                if self.skipping {
                    self.skipping = false;
                    continue;
                }
                self.last_unterminated = false;
                self.line_no += 1;
                let mut end = line_end;
                if end - line_start > self.limits.max_line {
                    end = floor_char_boundary(&self.buf, line_start + self.limits.max_line);
                    self.issues.push(LineIssue {
                        line: self.line_no,
                        message: format!(
                            "line {} is longer than {} bytes; the rest of it was skipped",
                            self.line_no, self.limits.max_line
                        ),
                    });
                }
                return Some((self.line_no, &self.buf[line_start..end]));
            }
            // No line end in the buffer. Guard the cap before reading more.
            let pending = self.buf.len() - self.start;
            if pending > self.limits.max_line && !self.skipping {
                self.line_no += 1;
                self.issues.push(LineIssue {
                    line: self.line_no,
                    message: format!(
                        "line {} is longer than {} bytes; the rest of it was skipped",
                        self.line_no, self.limits.max_line
                    ),
                });
                // Hand out the capped head now, then skip to the next line end.
                let line_start = self.start;
                let end = floor_char_boundary(&self.buf, line_start + self.limits.max_line);
                self.skipping = true;
                // Keep nothing of the over-long line but what we return.
                self.start = self.buf.len();
                let head: String = self.buf[line_start..end].to_string();
                self.buf.truncate(line_start);
                self.buf.push_str(&head);
                self.start = self.buf.len();
                return Some((self.line_no, &self.buf[line_start..]));
            }
            if self.skipping && pending > 0 {
                // Drop what we have of the over-long line's tail.
                self.start = self.buf.len();
            }
            if !self.fill() {
                // End of input: the last line may have no terminator.
                if self.start < self.buf.len() {
                    let line_start = self.start;
                    self.start = self.buf.len();
                    if self.skipping {
                        self.skipping = false;
                        return None;
                    }
                    self.last_unterminated = true;
                    self.line_no += 1;
                    return Some((self.line_no, &self.buf[line_start..]));
                }
                return None;
            }
        }
    }
}

/// Length of `b` without a trailing incomplete UTF-8 sequence (at most 3 bytes are looked at).
fn whole_chars(b: &[u8]) -> usize {
    let n = b.len();
    for back in 1..=n.min(4) {
        let c = b[n - back];
        if c & 0xC0 == 0x80 {
            continue; // a continuation byte: its lead is further back
        }
        let need = match c {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xFF => 4,
            _ => 1,
        };
        return if need > back { n - back } else { n };
    }
    n
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(
        bytes: &[u8],
        limits: LineLimits,
    ) -> (Vec<(u64, String)>, Vec<LineIssue>, TextEncoding) {
        let mut r = LineReader::new(
            Vec::new(),
            Box::new(io::Cursor::new(bytes.to_vec())),
            limits,
        );
        // Sniffing happens on `head`; pass the bytes as head to exercise it.
        let mut r2 = LineReader::new(bytes.to_vec(), Box::new(io::empty()), limits);
        let mut out = Vec::new();
        while let Some((n, l)) = r2.next_line() {
            out.push((n, l.to_string()));
        }
        // The streaming path must agree with the head path for UTF-8 input.
        if sniff_encoding(bytes) == TextEncoding::Utf8 {
            let mut out2 = Vec::new();
            while let Some((n, l)) = r.next_line() {
                out2.push((n, l.to_string()));
            }
            assert_eq!(out, out2);
        }
        let enc = r2.encoding();
        (out, r2.take_issues(), enc)
    }

    /// A source that hands out a few bytes per read, as a pipe or an archive member can.
    struct Trickle {
        data: Vec<u8>,
        pos: usize,
        step: usize,
    }
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn utf8_split_anywhere_reads_as_decoding_the_whole() {
        let mut good = Vec::new();
        for i in 0..4000 {
            good.extend_from_slice(format!("{i:05} héllo → wörld 😀 end\r\n").as_bytes());
        }
        let mut bad = good.clone();
        let at = bad.len() * 2 / 3;
        bad.insert(at, 0xFF);
        for (data, malformed) in [(&good, None), (&bad, Some(at))] {
            let (whole, _) = UTF_8.decode_without_bom_handling(data);
            let want: Vec<&str> = whole.lines().collect();
            // Shift the 64 KB read boundaries across every byte of a character.
            for (head, step) in [(0, 7), (1, 1), (2, 4096), (3, 65536 + 5), (100, 3)] {
                let mut r = LineReader::new(
                    data[..head].to_vec(),
                    Box::new(Trickle {
                        data: data[head..].to_vec(),
                        pos: 0,
                        step,
                    }),
                    LineLimits::default(),
                );
                let mut got = Vec::new();
                while let Some((_, l)) = r.next_line() {
                    got.push(l.to_string());
                }
                assert_eq!(got, want, "head {head} step {step}");
                assert_eq!(r.bytes_read(), data.len() as u64);
                let issues = r.take_issues();
                match malformed {
                    None => assert!(issues.is_empty(), "{issues:?}"),
                    Some(at) => {
                        assert_eq!(issues.len(), 1, "{issues:?}");
                        assert!(
                            issues[0].message.ends_with(&format!("byte offset {at}")),
                            "{issues:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn crlf_lf_and_lone_cr_all_end_lines() {
        let (l, _, _) = lines_of(b"a\r\nb\nc\rd", LineLimits::default());
        let texts: Vec<_> = l.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c", "d"]);
        assert_eq!(l[3].0, 4);
    }

    #[test]
    fn east_asian_ansi_exports_are_read_in_their_code_page() {
        let row = "Audit Failure,2025-08-14 오후 1:47:03,Microsoft-Windows-Security-Auditing,4625,Logon,\"계정에 로그온하지 못했습니다.\"\r\n";
        let (bytes, _, bad) = EUC_KR.encode(row);
        assert!(!bad);
        assert_eq!(sniff_encoding(&bytes), TextEncoding::Windows949);
        let row = "情報,2025/08/14 13:47:03,Microsoft-Windows-Time-Service,35,なし,\"タイム サービスは時刻を同期しています。\"\r\n";
        let (bytes, _, _) = SHIFT_JIS.encode(row);
        assert_eq!(sniff_encoding(&bytes), TextEncoding::Windows932);
        let row = "信息,2025/8/14 下午 1:47:03,Microsoft-Windows-Time-Service,35,无,\"时间服务正在同步系统时间。\"\r\n";
        let (bytes, _, _) = GBK.encode(row);
        assert_eq!(sniff_encoding(&bytes), TextEncoding::Windows936);
        let row = "資訊,2025/8/14 下午 01:47:03,Microsoft-Windows-Time-Service,35,無,\"時間服務正在同步處理系統時間。\"\r\n";
        let (bytes, _, _) = BIG5.encode(row);
        assert_eq!(sniff_encoding(&bytes), TextEncoding::Windows950);
        // Latin and Cyrillic ANSI text stays with the single-byte code pages.
        let (bytes, _, _) =
            WINDOWS_1252.encode("Fehler beim Anmelden: Überprüfung fehlgeschlagen.\r\n");
        assert_eq!(sniff_encoding(&bytes), TextEncoding::Windows1252);
        let (bytes, _, _) = WINDOWS_1251
            .encode("Ошибка входа в систему: неверное имя пользователя или пароль.\r\n");
        assert_eq!(sniff_encoding(&bytes), TextEncoding::Windows1251);
    }

    #[test]
    fn utf16le_with_bom_is_decoded() {
        let mut b = vec![0xFF, 0xFE];
        for u in "héllo\r\nwörld\r\n".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        let (l, _, enc) = lines_of(&b, LineLimits::default());
        assert_eq!(enc, TextEncoding::Utf16Le);
        assert_eq!(l[0].1, "héllo");
        assert_eq!(l[1].1, "wörld");
    }

    #[test]
    fn utf16le_without_bom_is_sniffed() {
        let mut b = Vec::new();
        for u in "11/25/2014|08:12:51.123 1A2C:0F10 INFO  :: hello\r\n".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        let (l, _, enc) = lines_of(&b, LineLimits::default());
        assert_eq!(enc, TextEncoding::Utf16LeNoBom);
        assert!(l[0].1.ends_with("hello"));
    }

    #[test]
    fn the_ansi_code_page_of_a_localized_windows() {
        let enc = |text: &str, e: &'static Encoding| {
            let (b, _, bad) = e.encode(text);
            assert!(!bad, "{text}");
            sniff_encoding(&b)
        };
        let ru =
            "Имя учетной записи:\tivanov\r\nКод ошибки:\t0x18\r\nУчетная запись входа:\tivanov\r\n";
        assert_eq!(enc(ru, WINDOWS_1251), TextEncoding::Windows1251);
        let cs =
            "Název účtu:\tmartin.cerny\r\nPřihlašovací účet:\tk.horak\r\nZabezpečení, Klasický\r\n";
        assert_eq!(enc(cs, WINDOWS_1250), TextEncoding::Windows1250);
        let pl = "Nazwa konta:\tjkowalski\r\nŹródło: Zabezpieczenia, Błąd logowania\r\n";
        assert_eq!(enc(pl, WINDOWS_1250), TextEncoding::Windows1250);
        let tr = "Hesap Adı:\tmehmet.yilmaz\r\nOturum Açma Hesabı:\tozge.kaya\r\nGüvenlik Kimliği, Başarısız\r\n";
        assert_eq!(enc(tr, WINDOWS_1254), TextEncoding::Windows1254);
        // Western European text keeps Windows-1252: French, German, Danish, Spanish.
        for t in [
            "Nom du compte :\tjdupont\r\nÉchec de l'ouverture de session, règle à vérifier\r\n",
            "Kontoname:\tmüller\r\nFehlercode: Überprüfung fehlgeschlagen, Schlüssel\r\n",
            "Kontonavn:\tsøren\r\nHændelses-id: 4771, fejl ved pålogning\r\n",
            "Nombre de cuenta:\tpeña\r\n¿Inicio de sesión? Año, función\r\n",
        ] {
            assert_eq!(enc(t, WINDOWS_1252), TextEncoding::Windows1252, "{t}");
        }
    }

    #[test]
    fn windows_1252_fallback() {
        let (l, _, enc) = lines_of(b"caf\xe9 ok\n", LineLimits::default());
        assert_eq!(enc, TextEncoding::Windows1252);
        assert_eq!(l[0].1, "café ok");
    }

    #[test]
    fn overlong_line_is_capped_and_reported() {
        let mut b = vec![b'x'; 300_000];
        b.extend_from_slice(b"\nnext\n");
        let mut r = LineReader::new(
            Vec::new(),
            Box::new(io::Cursor::new(b)),
            LineLimits { max_line: 1000 },
        );
        let (n, l) = r.next_line().unwrap();
        assert_eq!((n, l.len()), (1, 1000));
        let (n, l) = r.next_line().unwrap();
        assert_eq!((n, l), (2, "next"));
        assert!(r.next_line().is_none());
        let issues = r.take_issues();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].line, 1);
    }

    #[test]
    fn nul_characters_are_dropped() {
        let (l, _, _) = lines_of(b"Task: None\0\nx\n", LineLimits::default());
        assert_eq!(l[0].1, "Task: None");
    }
}
