//! Directory listings: `cmd` `dir` output (` Directory of C:\...`, then
//! `11/20/2026  09:14 AM    <DIR>          name`) and PowerShell `Get-ChildItem` tables
//! (`    Directory: C:\...`, `Mode  LastWriteTime  Length Name`, `d-----  ...  name`).
//! One [`DirEntry`] per entry; `.` and `..` are skipped.

use super::{ParseCtx, record};
use crate::model::{Body, DirEntry};

/// The folder a header line names: ` Directory of C:\x` (cmd), `    Directory: C:\x`
/// (PowerShell), ` Verzeichnis von C:\x` (German cmd).
pub(super) fn is_dir_header(line: &str) -> Option<&str> {
    if !line.starts_with(' ') {
        return None;
    }
    let t = line.trim();
    let path = t
        .strip_prefix("Directory of ")
        .or_else(|| t.strip_prefix("Directory: "))
        .or_else(|| t.strip_prefix("Verzeichnis von "))
        .or_else(|| t.strip_prefix("Verzeichnis: "))?
        .trim();
    let b = path.as_bytes();
    let looks_like_path = (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
        || path.starts_with("\\\\")
        || path.starts_with("Microsoft.PowerShell.Core\\FileSystem::");
    looks_like_path.then_some(path)
}

pub(super) fn sniff_at(lines: &[&str]) -> Option<usize> {
    let i = lines.iter().position(|l| is_dir_header(l).is_some())?;
    // An entry (or the table header) must follow.
    lines[i + 1..lines.len().min(i + 12)]
        .iter()
        .any(|l| cmd_entry(l).is_some() || l.trim_start().starts_with("Mode "))
        .then_some(i)
}

#[derive(Debug, Default)]
pub(super) struct Parser {
    parent: Option<String>,
    /// Byte column of `Name` in a PowerShell table header.
    name_col: Option<usize>,
}

impl Parser {
    pub(super) fn line(&mut self, n: u64, line: &str, ctx: &mut ParseCtx<'_>) {
        if let Some(p) = is_dir_header(line) {
            let p = p
                .strip_prefix("Microsoft.PowerShell.Core\\FileSystem::")
                .unwrap_or(p);
            self.parent = Some(p.to_string());
            self.name_col = None;
            return;
        }
        let t = line.trim();
        if t.starts_with("Mode ") && t.ends_with("Name") {
            self.name_col = line.rfind("Name");
            return;
        }
        let entry = cmd_entry(line).or_else(|| ps_entry(line, self.name_col));
        if let Some((name, is_dir)) = entry {
            if name == "." || name == ".." || name.is_empty() {
                return;
            }
            let e = DirEntry {
                parent: self.parent.clone(),
                name: name.to_string(),
                is_dir,
            };
            ctx.emit(record(ctx, n, None, Body::Dir(Box::new(e))));
        }
    }
}

/// A `dir` line: date, time, optional AM/PM, `<DIR>`/`<JUNCTION>`/size, name.
fn cmd_entry(line: &str) -> Option<(&str, bool)> {
    let (date, rest) = word(line)?;
    if !date.starts_with(|c: char| c.is_ascii_digit())
        || !date
            .chars()
            .all(|c| c.is_ascii_digit() || "/.-".contains(c))
        || date.len() < 6
    {
        return None;
    }
    let (time, mut rest) = word(rest)?;
    if !time.contains(':') || !time.chars().all(|c| c.is_ascii_digit() || c == ':') {
        return None;
    }
    if let Some((ampm, r)) = word(rest) {
        if ampm.eq_ignore_ascii_case("AM") || ampm.eq_ignore_ascii_case("PM") {
            rest = r;
        }
    }
    let (kind, rest) = word(rest)?;
    let name = rest.trim();
    if kind.starts_with('<') && kind.ends_with('>') {
        let is_dir = matches!(kind, "<DIR>" | "<JUNCTION>" | "<SYMLINKD>");
        // `<JUNCTION>     name [target]`
        let name = match name.rfind(" [") {
            Some(i) if kind != "<DIR>" && name.ends_with(']') => &name[..i],
            _ => name,
        };
        return Some((name, is_dir));
    }
    if kind
        .chars()
        .all(|c| c.is_ascii_digit() || ",.\u{a0}".contains(c))
    {
        return Some((name, false));
    }
    None
}

/// A `Get-ChildItem` row: mode flags first (`d-----`, `-a----`).
fn ps_entry(line: &str, name_col: Option<usize>) -> Option<(&str, bool)> {
    let (mode, rest) = word(line)?;
    if mode.len() < 5 || !mode.chars().all(|c| "-darhsl".contains(c)) {
        return None;
    }
    let is_dir = mode.starts_with('d');
    if let Some(col) = name_col.filter(|&c| c < line.len() && line.is_char_boundary(c)) {
        let name = line[col..].trim();
        if !name.is_empty() {
            return Some((name, is_dir));
        }
    }
    // Without the header: date, time, [AM/PM], [length], name.
    let (_, rest) = word(rest)?;
    let (_, mut rest) = word(rest)?;
    if let Some((w, r)) = word(rest) {
        if w.eq_ignore_ascii_case("AM") || w.eq_ignore_ascii_case("PM") {
            rest = r;
        }
    }
    if let Some((w, r)) = word(rest) {
        if !is_dir && w.chars().all(|c| c.is_ascii_digit()) && !r.trim().is_empty() {
            rest = r;
        }
    }
    Some((rest.trim(), is_dir))
}

/// The first word and what follows it.
fn word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    if s.is_empty() {
        return None;
    }
    match s.find(char::is_whitespace) {
        Some(i) => Some((&s[..i], &s[i..])),
        None => Some((s, "")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmd_lines() {
        assert_eq!(
            cmd_entry("11/20/2026  09:14 AM    <DIR>          S-1-5-21-1-2-3-1001"),
            Some(("S-1-5-21-1-2-3-1001", true))
        );
        assert_eq!(
            cmd_entry("20.11.2026  09:14    <DIR>          .."),
            Some(("..", true))
        );
        assert_eq!(
            cmd_entry("11/20/2026  09:14 AM             2,048 my file.txt"),
            Some(("my file.txt", false))
        );
        assert_eq!(
            cmd_entry("11/20/2026  09:14 AM    <JUNCTION>     Link [C:\\x]"),
            Some(("Link", true))
        );
        assert_eq!(cmd_entry("               3 Dir(s)  1,234 bytes free"), None);
        assert_eq!(cmd_entry(" Volume Serial Number is 1234-ABCD"), None);
    }

    #[test]
    fn ps_rows() {
        let header = "Mode                 LastWriteTime         Length Name";
        let col = header.rfind("Name");
        assert_eq!(
            ps_entry(
                "d-----        11/20/2026   9:14 AM                S-1-5-21-9",
                col
            ),
            Some(("S-1-5-21-9", true))
        );
        assert_eq!(
            ps_entry(
                "-a----        11/20/2026   9:14 AM           2048 a b",
                None
            ),
            Some(("a b", false))
        );
        assert_eq!(ps_entry("----                 -------------", col), None);
    }

    #[test]
    fn headers() {
        assert_eq!(
            is_dir_header(" Directory of C:\\Users\\alice"),
            Some("C:\\Users\\alice")
        );
        assert_eq!(is_dir_header("    Directory: C:\\x"), Some("C:\\x"));
        assert_eq!(is_dir_header("Directory of things"), None);
    }
}
