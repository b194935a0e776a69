//! Inputs: files, directories and zip archives (nested in each other), walked as one case.
//!
//! Archive members are streamed from the archive and never written to disk. Limits on
//! decompressed size (per member and per case), compression ratio, nesting depth and line
//! length keep a hostile upload from exhausting memory or time; every limit that bites is
//! reported against the input it bit.

pub mod decode;

use std::fs::File;
use std::io::{self, Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::parse::Format;
use crate::parse::detect::sniff_binary;

/// Limits for one case. Defaults follow the contract.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_member_bytes: u64,
    pub max_case_bytes: u64,
    pub max_ratio: u64,
    pub max_depth: u32,
    pub max_line: usize,
    /// Largest archive member held in memory when it must be seekable (a zip or EVTX inside
    /// an archive).
    pub max_in_memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_member_bytes: 1 << 30,
            max_case_bytes: 4 << 30,
            max_ratio: 200,
            max_depth: 16,
            max_line: 1 << 20,
            max_in_memory: 256 << 20,
        }
    }
}

/// Bytes read before deciding an input's format.
pub const HEAD_LEN: usize = 64 * 1024;
/// The header of an EVTX file: all of it a file's head needs to hold.
const EVTX_HEADER: usize = 4096;

/// How the content of one input can be read.
pub enum Content<'a> {
    /// A file on disk: seekable.
    File(File),
    /// An archive member held in memory (it had to be seekable).
    Memory(Cursor<Vec<u8>>),
    /// A stream: the head already read, then the rest.
    Stream(Box<dyn Read + 'a>),
}

/// One leaf input handed to the analyser.
pub struct Leaf<'a> {
    pub path: Arc<str>,
    pub head: Vec<u8>,
    pub content: Content<'a>,
    /// Size when known up front (file length, member's declared size).
    pub size: Option<u64>,
    /// Problems already found (limits hit while reading, name escapes).
    pub errors: Vec<String>,
    pub binary_format: Option<Format>,
}

/// What the walker reports for inputs it could not hand over (unreadable file, damaged
/// archive) and for archives themselves.
#[derive(Clone, Debug, Default)]
pub struct WalkReport {
    pub path: String,
    pub format: Option<Format>,
    pub bytes: u64,
    pub errors: Vec<String>,
}

/// Receives the leaves of a walk.
pub trait Visitor {
    fn leaf(&mut self, leaf: Leaf<'_>);
    fn report(&mut self, r: WalkReport);
}

/// Shared budget for a case.
struct Budget {
    limits: Limits,
    case_bytes: u64,
}

/// Display form of an archive member name: control characters and a few dangerous ones
/// escaped, so a hostile name cannot forge report lines.
pub fn escape_name(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '\\' => s.push('/'),
            c if c.is_control() => s.push_str(&format!("\\x{:02x}", c as u32)),
            c => s.push(c),
        }
    }
    s
}

/// A member name as text: UTF-8 when it is, Windows-1252 otherwise (old archivers).
fn member_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(raw).0.into_owned(),
    }
}

/// Is this member name unsafe as a path (absolute, drive letter, `..` components)?
pub fn unsafe_member_name(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with('/') || n.as_bytes().get(1) == Some(&b':') || n.split('/').any(|c| c == "..")
}

/// Report a problem with an input that could not be handed over.
fn report_error(v: &mut dyn Visitor, path: &str, msg: impl Into<String>) {
    v.report(WalkReport {
        path: path.to_string(),
        errors: vec![msg.into()],
        ..Default::default()
    });
}

/// Walk every path as one case.
pub fn walk(paths: &[PathBuf], limits: Limits, v: &mut dyn Visitor) {
    let mut budget = Budget {
        limits,
        case_bytes: 0,
    };
    for p in paths {
        walk_path(p, &p.display().to_string(), 0, &mut budget, v);
    }
}

fn walk_path(p: &Path, display: &str, depth: u32, budget: &mut Budget, v: &mut dyn Visitor) {
    let meta = match std::fs::symlink_metadata(p) {
        Ok(m) => m,
        Err(e) => {
            report_error(v, display, format!("cannot read: {e}"));
            return;
        }
    };
    if meta.file_type().is_symlink() {
        // Follow a symlink given on the command line, but not ones found inside a directory:
        // a bundle must not lead the walk outside itself.
        if depth > 0 {
            report_error(
                v,
                display,
                "symbolic link inside a directory was not followed",
            );
            return;
        }
    }
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            report_error(v, display, format!("cannot read: {e}"));
            return;
        }
    };
    if meta.is_dir() {
        if depth >= budget.limits.max_depth * 4 {
            report_error(v, display, "directory nesting too deep; not entered");
            return;
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
            Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
            Err(e) => {
                report_error(v, display, format!("cannot list directory: {e}"));
                return;
            }
        };
        entries.sort();
        for e in entries {
            let name = e
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let d = format!("{}/{}", display.trim_end_matches('/'), name);
            walk_path(&e, &d, depth + 1, budget, v);
        }
        return;
    }
    let mut f = match File::open(p) {
        Ok(f) => f,
        Err(e) => {
            report_error(v, display, format!("cannot open: {e}"));
            return;
        }
    };
    // A pipe, a device or a socket (`<(unzip -p ...)`, `/dev/zero`) can neither seek nor be
    // trusted to end: read it as a stream, capped like an archive member.
    let regular = meta.is_file();
    // The EVTX reader reads an .evtx file again from its start and needs only its 4 KB header
    // here: the rest of a 64 KB head would cost sixteen page faults and a copy for nothing.
    let mut head = Vec::with_capacity(EVTX_HEADER);
    if let Err(e) = (&mut f).take(EVTX_HEADER as u64).read_to_end(&mut head) {
        report_error(v, display, format!("read error: {e}"));
        return;
    }
    if head.len() == EVTX_HEADER && !(regular && sniff_binary(&head) == Some(Format::Evtx)) {
        head.reserve_exact(HEAD_LEN - EVTX_HEADER);
        if let Err(e) = (&mut f)
            .take((HEAD_LEN - EVTX_HEADER) as u64)
            .read_to_end(&mut head)
        {
            report_error(v, display, format!("read error: {e}"));
            return;
        }
    }
    let bin = sniff_binary(&head);
    if bin == Some(Format::Zip) {
        if regular {
            match f.rewind() {
                Ok(()) => walk_archive(f, display, 0, meta.len(), Vec::new(), budget, v),
                Err(e) => v.report(WalkReport {
                    path: display.to_string(),
                    errors: vec![format!("seek error: {e}")],
                    ..Default::default()
                }),
            }
        } else {
            let cap = budget
                .limits
                .max_in_memory
                .min(budget.limits.max_member_bytes);
            let mut buf = head;
            let mut errors = Vec::new();
            if let Err(e) = (&mut f)
                .take(cap.saturating_sub(buf.len() as u64))
                .read_to_end(&mut buf)
            {
                errors.push(format!("read error after {} bytes: {e}", buf.len()));
            }
            if buf.len() as u64 >= cap {
                errors.push(format!(
                    "archive read from a stream is larger than the {cap}-byte limit; read in part"
                ));
            }
            budget.case_bytes = budget.case_bytes.saturating_add(buf.len() as u64);
            let len = buf.len() as u64;
            walk_archive(Cursor::new(buf), display, 0, len, errors, budget, v);
        }
        return;
    }
    if !regular {
        let left = budget
            .limits
            .max_case_bytes
            .saturating_sub(budget.case_bytes);
        let mut lim = Limited {
            inner: f,
            read: head.len() as u64,
            cap: budget.limits.max_member_bytes.min(left),
            hit: None,
            ratio_cap: None,
        };
        v.leaf(Leaf {
            path: Arc::from(display),
            head,
            content: Content::Stream(Box::new(&mut lim)),
            size: None,
            errors: Vec::new(),
            binary_format: bin,
        });
        budget.case_bytes = budget.case_bytes.saturating_add(lim.read);
        if let Some(h) = lim.hit.take() {
            report_error(v, display, h);
        }
        return;
    }
    budget.case_bytes = budget.case_bytes.saturating_add(meta.len());
    v.leaf(Leaf {
        path: Arc::from(display),
        head,
        content: Content::File(f),
        size: Some(meta.len()),
        errors: Vec::new(),
        binary_format: bin,
    });
}

/// Walk an in-memory input (a zip, or a single file) as one case.
pub fn walk_bytes(name: &str, bytes: &[u8], limits: Limits, v: &mut dyn Visitor) {
    let mut budget = Budget {
        limits,
        case_bytes: 0,
    };
    let bin = sniff_binary(bytes);
    if bin == Some(Format::Zip) {
        walk_archive(
            Cursor::new(bytes),
            name,
            0,
            bytes.len() as u64,
            Vec::new(),
            &mut budget,
            v,
        );
        return;
    }
    let head_len = if bin == Some(Format::Evtx) {
        0
    } else {
        bytes.len().min(HEAD_LEN)
    };
    v.leaf(Leaf {
        path: Arc::from(name),
        head: bytes[..head_len].to_vec(),
        content: if bin == Some(Format::Evtx) {
            Content::Memory(Cursor::new(bytes.to_vec()))
        } else {
            Content::Stream(Box::new(&bytes[head_len..]))
        },
        size: Some(bytes.len() as u64),
        errors: Vec::new(),
        binary_format: bin,
    });
}

/// Open a zip from a seekable source at `depth`; when its central directory cannot be read,
/// recover the members its local headers still describe. `errors` are problems already found
/// with the archive itself (reported against `display`).
fn walk_archive<R: Read + Seek>(
    mut r: R,
    display: &str,
    depth: u32,
    len: u64,
    mut errors: Vec<String>,
    budget: &mut Budget,
    v: &mut dyn Visitor,
) {
    // Two cases are read member by member from the local headers: duplicate names (the zip
    // crate indexes members by name, so of two with the same name only one is reachable through
    // the central directory) and a damaged central directory.
    let why = match zip::ZipArchive::new(&mut r) {
        Ok(za) if za.has_duplicate_names() => {
            "duplicate member names in the central directory; members read from their local headers so each copy is analysed".to_string()
        }
        Ok(mut za) => {
            if !errors.is_empty() {
                zip_report(v, display, len, errors);
            }
            walk_zip(&mut za, display, depth, len, budget, v);
            return;
        }
        Err(e) => format!("damaged archive ({e}); recovering members from local headers"),
    };
    errors.push(why);
    match r.rewind() {
        Ok(()) => salvage_zip(r, display, depth, len, budget, v, &mut errors),
        Err(e) => errors.push(format!("seek error: {e}")),
    }
    zip_report(v, display, len, errors);
}

fn zip_report(v: &mut dyn Visitor, display: &str, len: u64, errors: Vec<String>) {
    v.report(WalkReport {
        path: display.to_string(),
        format: Some(Format::Zip),
        bytes: len,
        errors,
    });
}

/// Counts decompressed bytes and stops at the member / case / ratio limits.
struct Limited<R> {
    inner: R,
    read: u64,
    cap: u64,
    hit: Option<String>,
    ratio_cap: Option<u64>,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read >= self.cap {
            return Ok(0);
        }
        let want = buf.len().min((self.cap - self.read) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        if n > 0 && self.read >= self.cap && self.hit.is_none() {
            self.hit = Some(match self.ratio_cap {
                Some(c) if c == self.cap => format!(
                    "decompressed size passed the compression-ratio limit at {} bytes; the rest was not read",
                    self.read
                ),
                _ => format!(
                    "decompressed size limit reached at {} bytes; the rest was not read",
                    self.read
                ),
            });
        }
        Ok(n)
    }
}

fn member_cap(budget: &Budget, compressed: u64) -> (u64, Option<u64>) {
    let left = budget
        .limits
        .max_case_bytes
        .saturating_sub(budget.case_bytes);
    let mut cap = budget.limits.max_member_bytes.min(left);
    // A small member may expand to 1 MiB whatever its ratio; past that the ratio applies.
    let ratio_cap = compressed
        .saturating_mul(budget.limits.max_ratio)
        .max(1 << 20);
    let mut rc = None;
    if ratio_cap < cap {
        cap = ratio_cap;
        rc = Some(ratio_cap);
    }
    (cap, rc)
}

fn walk_zip<R: Read + Seek>(
    za: &mut zip::ZipArchive<R>,
    display: &str,
    depth: u32,
    archive_bytes: u64,
    budget: &mut Budget,
    v: &mut dyn Visitor,
) {
    let mut report = WalkReport {
        path: display.to_string(),
        format: Some(Format::Zip),
        bytes: archive_bytes,
        errors: Vec::new(),
    };
    if za.is_empty() {
        report.errors.push("archive has no members".into());
    }
    let mut seen = std::collections::HashSet::new();
    for i in 0..za.len() {
        let name_hint = za
            .name_for_index(i)
            .and_then(|r| r.ok())
            .map(|n| escape_name(&n))
            .unwrap_or_else(|| format!("#{i}"));
        let mut m = match za.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                let name = name_hint;
                let msg = e.to_string();
                let what = if msg.to_ascii_lowercase().contains("password")
                    || msg.to_ascii_lowercase().contains("encrypt")
                {
                    "encrypted member; not read".to_string()
                } else {
                    format!("cannot read member: {msg}")
                };
                v.report(WalkReport {
                    path: format!("{display}!{name}"),
                    errors: vec![what],
                    ..Default::default()
                });
                continue;
            }
        };
        if m.is_dir() {
            continue;
        }
        let raw_name = member_name(m.name_raw());
        let name = escape_name(&raw_name);
        let path = format!("{display}!{name}");
        let mut errors = Vec::new();
        if unsafe_member_name(&raw_name) {
            errors.push("member name is unsafe as a path (absolute, drive letter or `..`); shown escaped, never used as a path".into());
        }
        if !seen.insert(raw_name.clone()) {
            errors.push("duplicate member name in the archive; each copy is analysed".into());
        }
        if budget.case_bytes >= budget.limits.max_case_bytes {
            errors.push("case size limit reached; member not read".into());
            v.report(WalkReport {
                path,
                errors,
                ..Default::default()
            });
            continue;
        }
        let (cap, ratio_cap) = member_cap(budget, m.compressed_size());
        let declared = m.size();
        let mut lim = Limited {
            inner: &mut m,
            read: 0,
            cap,
            hit: None,
            ratio_cap,
        };
        // `declared` comes from the archive and may be anything (u64::MAX): no arithmetic on
        // it that can overflow.
        let mut head = Vec::with_capacity(declared.min(HEAD_LEN as u64) as usize + 1);
        if let Err(e) = (&mut lim).take(HEAD_LEN as u64).read_to_end(&mut head) {
            errors.push(format!("cannot decompress: {e}"));
            budget.case_bytes += lim.read;
            v.report(WalkReport {
                path,
                bytes: lim.read,
                errors,
                ..Default::default()
            });
            continue;
        }
        let bin = sniff_binary(&head);
        if bin == Some(Format::Zip) || bin == Some(Format::Evtx) {
            if bin == Some(Format::Zip) && depth + 1 >= budget.limits.max_depth {
                errors.push(format!(
                    "archive nested more than {} levels deep; not opened",
                    budget.limits.max_depth
                ));
                budget.case_bytes += lim.read;
                v.report(WalkReport {
                    path,
                    format: Some(Format::Zip),
                    bytes: declared,
                    errors,
                });
                continue;
            }
            // Needs random access: hold it in memory, within limits.
            let mem_cap = budget.limits.max_in_memory.min(cap);
            let mut buf = head;
            let res = (&mut lim)
                .take(mem_cap.saturating_sub(buf.len() as u64))
                .read_to_end(&mut buf);
            budget.case_bytes += lim.read;
            if let Some(h) = lim.hit.take() {
                errors.push(h);
            }
            if let Err(e) = res {
                errors.push(format!("cannot decompress: {e}"));
            }
            if buf.len() as u64 >= mem_cap && declared > mem_cap {
                errors.push(format!(
                    "member of {declared} bytes is larger than the {mem_cap}-byte limit for archive members that must be read whole; read in part"
                ));
            }
            if bin == Some(Format::Zip) {
                let len = buf.len() as u64;
                walk_archive(Cursor::new(buf), &path, depth + 1, len, errors, budget, v);
            } else {
                let len = buf.len() as u64;
                v.leaf(Leaf {
                    path: Arc::from(path.as_str()),
                    head: Vec::new(),
                    content: Content::Memory(Cursor::new(buf)),
                    size: Some(len),
                    errors,
                    binary_format: bin,
                });
            }
            continue;
        }
        // Stream the rest straight from the archive. Problems found so far go with the leaf;
        // a limit hit while the parser reads is known only afterwards and is reported against
        // the same path, so it lands in that member's `inputs[].errors`.
        v.leaf(Leaf {
            path: Arc::from(path.as_str()),
            head,
            content: Content::Stream(Box::new(&mut lim)),
            size: Some(declared),
            errors: std::mem::take(&mut errors),
            binary_format: bin,
        });
        budget.case_bytes += lim.read;
        if let Some(h) = lim.hit.take() {
            v.report(WalkReport {
                path,
                errors: vec![h],
                ..Default::default()
            });
        }
    }
    if !report.errors.is_empty() || depth == 0 {
        v.report(report);
    }
}

/// Counts the bytes read from an archive being salvaged, so problems can name an offset.
struct Counted<R> {
    inner: R,
    pos: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos.set(self.pos.get() + n as u64);
        Ok(n)
    }
}

/// Read members one after another from their local headers, for archives whose central
/// directory is damaged or missing. Each member goes through the same checks as in
/// [`walk_zip`] (name, limits, nesting); a member cut short names the offset where the archive
/// ends.
fn salvage_zip<R: Read>(
    r: R,
    display: &str,
    depth: u32,
    archive_len: u64,
    budget: &mut Budget,
    v: &mut dyn Visitor,
    errors: &mut Vec<String>,
) {
    let pos = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let mut r = Counted {
        inner: r,
        pos: pos.clone(),
    };
    let mut n = 0;
    let mut seen = std::collections::HashSet::new();
    loop {
        let at = pos.get();
        match zip::read::read_zipfile_from_stream(&mut r) {
            Ok(Some(mut m)) => {
                n += 1;
                if m.is_dir() {
                    continue;
                }
                let data_start = pos.get();
                let data_end = data_start.saturating_add(m.compressed_size());
                let raw = member_name(m.name_raw());
                let path = format!("{display}!{}", escape_name(&raw));
                let mut leaf_errors = vec![format!(
                    "recovered from a damaged archive (local header at offset {at})"
                )];
                if unsafe_member_name(&raw) {
                    leaf_errors.push("member name is unsafe as a path (absolute, drive letter or `..`); shown escaped, never used as a path".into());
                }
                if !seen.insert(raw.clone()) {
                    leaf_errors
                        .push("duplicate member name in the archive; each copy is analysed".into());
                }
                if m.encrypted() {
                    leaf_errors.push("encrypted member; not read".into());
                    v.report(WalkReport {
                        path,
                        errors: leaf_errors,
                        ..Default::default()
                    });
                    continue;
                }
                if budget.case_bytes >= budget.limits.max_case_bytes {
                    leaf_errors.push("case size limit reached; member not read".into());
                    v.report(WalkReport {
                        path,
                        errors: leaf_errors,
                        ..Default::default()
                    });
                    continue;
                }
                let (cap, ratio_cap) = member_cap(budget, m.compressed_size());
                let mut lim = Limited {
                    inner: &mut m,
                    read: 0,
                    cap,
                    hit: None,
                    ratio_cap,
                };
                let mut head = Vec::new();
                if let Err(e) = (&mut lim).take(HEAD_LEN as u64).read_to_end(&mut head) {
                    leaf_errors.push(format!("cannot decompress: {e}"));
                }
                let bin = sniff_binary(&head);
                let mut parsed = false;
                if bin == Some(Format::Zip) {
                    if depth + 1 >= budget.limits.max_depth {
                        leaf_errors.push(format!(
                            "archive nested more than {} levels deep; not opened",
                            budget.limits.max_depth
                        ));
                    } else {
                        let mut buf = head;
                        if let Err(e) = (&mut lim)
                            .take(budget.limits.max_in_memory.min(cap))
                            .read_to_end(&mut buf)
                        {
                            leaf_errors.push(format!("cannot decompress: {e}"));
                        }
                        budget.case_bytes += lim.read;
                        if let Some(h) = lim.hit.take() {
                            leaf_errors.push(h);
                        }
                        let len = buf.len() as u64;
                        walk_archive(
                            Cursor::new(buf),
                            &path,
                            depth + 1,
                            len,
                            leaf_errors,
                            budget,
                            v,
                        );
                        parsed = true;
                        leaf_errors = Vec::new();
                    }
                } else {
                    let (content, head) = if bin == Some(Format::Evtx) {
                        let mut buf = head;
                        if let Err(e) = (&mut lim)
                            .take(budget.limits.max_in_memory.min(cap))
                            .read_to_end(&mut buf)
                        {
                            leaf_errors.push(format!("cannot decompress: {e}"));
                        }
                        (Content::Memory(Cursor::new(buf)), Vec::new())
                    } else {
                        (
                            Content::Stream(Box::new(&mut lim) as Box<dyn Read + '_>),
                            head,
                        )
                    };
                    v.leaf(Leaf {
                        path: Arc::from(path.as_str()),
                        head,
                        content,
                        size: None,
                        errors: std::mem::take(&mut leaf_errors),
                        binary_format: bin,
                    });
                    budget.case_bytes += lim.read;
                    if let Some(h) = lim.hit.take() {
                        leaf_errors.push(h);
                    }
                    parsed = true;
                }
                // Dropping the member skips what the parser did not read (raw, without
                // decompressing), so the next local header lines up.
                drop(m);
                if pos.get() < data_end {
                    leaf_errors.push(format!(
                        "member data cut short: the archive ends at byte offset {}, {} bytes before the member's end",
                        pos.get(),
                        data_end - pos.get()
                    ));
                }
                if !leaf_errors.is_empty() || !parsed {
                    v.report(WalkReport {
                        path,
                        errors: leaf_errors,
                        ..Default::default()
                    });
                }
            }
            Ok(None) => break,
            Err(e) => {
                errors.push(format!(
                    "stopped after {n} members at byte offset {at} of {archive_len}: {e}"
                ));
                break;
            }
        }
    }
    if n == 0 {
        errors.push("no member could be recovered".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names() {
        assert!(unsafe_member_name("../etc/passwd"));
        assert!(unsafe_member_name("/abs"));
        assert!(unsafe_member_name("C:\\x"));
        assert!(unsafe_member_name("a\\..\\b"));
        assert!(!unsafe_member_name("Tracing/Lync-UccApi-0.UccApilog"));
        assert_eq!(escape_name("a\nb"), "a\\x0ab");
    }
}
