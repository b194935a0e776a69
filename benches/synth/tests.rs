use super::*;

fn text_of(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        let u: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16(&u).ok();
    }
    let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8(b.to_vec()).ok()
}

fn looks_utf16(bytes: &[u8]) -> bool {
    let n = bytes.len().min(400);
    n > 10
        && bytes[..n]
            .iter()
            .skip(1)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
            * 2
            > n / 2
}

fn all_files(count: usize) -> Vec<Case> {
    let mut v: Vec<Case> = fixtures().into_iter().map(|(c, _, _)| c).collect();
    v.extend(corpus(count, 7, 40, 120));
    v
}

#[test]
fn same_seed_same_bytes() {
    let a: Vec<_> = fixtures()
        .into_iter()
        .map(|(c, _, _)| bundle::packaged(&c).unwrap())
        .collect();
    let b: Vec<_> = fixtures()
        .into_iter()
        .map(|(c, _, _)| bundle::packaged(&c).unwrap())
        .collect();
    assert_eq!(a, b);
    let c1: Vec<_> = corpus(6, 42, 50, 80)
        .iter()
        .map(|c| c.files.clone())
        .collect();
    let c2: Vec<_> = corpus(6, 42, 50, 80)
        .iter()
        .map(|c| c.files.clone())
        .collect();
    let c3: Vec<_> = corpus(6, 43, 50, 80)
        .iter()
        .map(|c| c.files.clone())
        .collect();
    assert_eq!(c1, c2);
    assert_ne!(c1, c3);
}

#[test]
fn fixtures_are_small_and_complete() {
    let fx = fixtures();
    let mut total = 0;
    let mut labels = std::collections::BTreeSet::new();
    for (case, _, _) in &fx {
        let size: usize = bundle::packaged(case)
            .unwrap()
            .iter()
            .map(|(_, b)| b.len())
            .sum();
        assert!(size < 200_000, "{} is {size} bytes", case.name);
        total += size;
        labels.insert(case.label_str().to_string());
    }
    assert!(total < 3_000_000);
    for c in ALL_CAUSES {
        assert!(labels.contains(c.id()), "no fixture for {}", c.id());
    }
    assert!(labels.contains("none"));
}

#[test]
fn corpus_sizes_within_bounds() {
    for case in corpus(8, 11, 200, 400) {
        let t = case.total_bytes() as u64;
        if case
            .files
            .iter()
            .any(|(p, _)| p.to_ascii_lowercase().ends_with("uccapilog"))
        {
            // UTF-16 doubles the bytes of a log; the bound is on characters.
            let utf16 = case
                .files
                .iter()
                .any(|(_, b)| b.starts_with(&[0xFF, 0xFE]) && b.len() > 100_000);
            let max = if utf16 { 2 * 420_000 + 60_000 } else { 460_000 };
            assert!(t >= 150_000 && t <= max, "{} has {t} bytes", case.name);
        }
    }
}

#[test]
fn every_text_file_uses_crlf() {
    for case in all_files(10) {
        for (p, b) in &case.files {
            let t = text_of(b).unwrap_or_else(|| panic!("{p} not decodable"));
            let bytes = t.as_bytes();
            for (i, &c) in bytes.iter().enumerate() {
                if c == b'\n' {
                    assert!(
                        i > 0 && bytes[i - 1] == b'\r',
                        "bare LF in {}/{p} at {i}",
                        case.name
                    );
                }
            }
        }
    }
}

#[test]
fn utf16_files_have_bom() {
    let mut seen = 0;
    for case in all_files(10) {
        for (p, b) in &case.files {
            if looks_utf16(b) {
                seen += 1;
                assert!(b.starts_with(&[0xFF, 0xFE]), "{p} is UTF-16 without BOM");
            }
        }
    }
    assert!(seen > 0);
}

#[test]
fn zip_packaging_roundtrip_lists_members() {
    let (case, _, _) = fixtures()
        .into_iter()
        .find(|(c, _, _)| matches!(c.packaging, Packaging::NestedZip { .. }))
        .unwrap();
    let out = bundle::packaged(&case).unwrap();
    assert_eq!(out.len(), 1);
    let z = zip::ZipArchive::new(std::io::Cursor::new(out[0].1.clone())).unwrap();
    assert!(
        z.file_names()
            .any(|n| n.map(|n| n.ends_with(".zip")).unwrap_or(false))
    );
}

/// Counts bytes and remembers the largest single write.
struct Sink {
    total: u64,
    max_write: usize,
}
impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.total += b.len() as u64;
        self.max_write = self.max_write.max(b.len());
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn big_log_exact_size_streamed() {
    for (size, seed) in [(3_000_000u64, 1u64), (1_234_567, 9)] {
        let mut sink = Sink {
            total: 0,
            max_write: 0,
        };
        let n = write_big_log(&mut sink, size, seed).unwrap();
        assert_eq!(n, size);
        assert_eq!(sink.total, size);
        assert!(
            sink.max_write <= 1 << 17,
            "single write of {} bytes",
            sink.max_write
        );
    }
    let mut a = Vec::new();
    let mut b = Vec::new();
    write_big_log(&mut a, 400_000, 5).unwrap();
    write_big_log(&mut b, 400_000, 5).unwrap();
    assert_eq!(a, b);
    assert!(a.windows(4).any(|w| w == b"401 "));
    assert!(a.windows(6).any(|w| w == b"200 OK"));
}
