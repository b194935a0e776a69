//! A generated case (files + label) and the writers for directories and zips.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enc {
    Utf8,
    Utf8Bom,
    Utf16Le,
}

/// Encode CRLF text; UTF-16LE always carries its BOM.
pub fn encode(text: &str, enc: Enc) -> Vec<u8> {
    match enc {
        Enc::Utf8 => text.as_bytes().to_vec(),
        Enc::Utf8Bom => {
            let mut v = vec![0xEF, 0xBB, 0xBF];
            v.extend_from_slice(text.as_bytes());
            v
        }
        Enc::Utf16Le => {
            let mut v = Vec::with_capacity(text.len() * 2 + 2);
            v.extend_from_slice(&[0xFF, 0xFE]);
            for u in text.encode_utf16() {
                v.extend_from_slice(&u.to_le_bytes());
            }
            v
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packaging {
    /// Files written under a directory named after the case.
    Dir,
    /// A single file written as-is (only when the case has exactly one file).
    Loose,
    Zip,
    /// A zip whose members under `inner_dir` are packed into a nested `inner_dir.zip`.
    NestedZip {
        inner_dir: String,
    },
}

#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    /// Expected top cause ID; `None` for a healthy case.
    pub label: Option<&'static str>,
    pub files: Vec<(String, Vec<u8>)>,
    pub packaging: Packaging,
    /// One-line description for the README.
    pub summary: String,
}

impl Case {
    pub fn total_bytes(&self) -> usize {
        self.files.iter().map(|(_, b)| b.len()).sum()
    }
    pub fn label_str(&self) -> &str {
        self.label.unwrap_or("none")
    }
}

fn opts() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
}

pub fn zip_bytes(files: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        z.start_file(name.as_str(), opts())
            .map_err(std::io::Error::other)?;
        z.write_all(data)?;
    }
    Ok(z.finish().map_err(std::io::Error::other)?.into_inner())
}

/// Bytes of the case as it would be handed over (zip bytes for zipped cases).
pub fn packaged(case: &Case) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    Ok(match &case.packaging {
        Packaging::Dir => case
            .files
            .iter()
            .map(|(p, b)| (format!("{}/{p}", case.name), b.clone()))
            .collect(),
        Packaging::Loose if case.files.len() == 1 => {
            let (p, b) = &case.files[0];
            let ext = Path::new(p)
                .extension()
                .map(|e| e.to_string_lossy().to_string())
                .unwrap_or_default();
            vec![(format!("{}.{ext}", case.name), b.clone())]
        }
        Packaging::Loose => case
            .files
            .iter()
            .map(|(p, b)| (format!("{}/{p}", case.name), b.clone()))
            .collect(),
        Packaging::Zip => vec![(format!("{}.zip", case.name), zip_bytes(&case.files)?)],
        Packaging::NestedZip { inner_dir } => {
            let pre = format!("{inner_dir}/");
            let inner: Vec<_> = case
                .files
                .iter()
                .filter(|(p, _)| p.starts_with(&pre))
                .cloned()
                .collect();
            let mut outer: Vec<_> = case
                .files
                .iter()
                .filter(|(p, _)| !p.starts_with(&pre))
                .cloned()
                .collect();
            outer.push((format!("{inner_dir}.zip"), zip_bytes(&inner)?));
            vec![(format!("{}.zip", case.name), zip_bytes(&outer)?)]
        }
    })
}

/// Write the case under `out`; returns the top-level entry name (file or dir).
pub fn write_case(case: &Case, out: &Path) -> std::io::Result<String> {
    let items = packaged(case)?;
    let mut top = String::new();
    for (p, b) in &items {
        let path: PathBuf = out.join(p);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&path, b)?;
        if top.is_empty() {
            top = p.split('/').next().unwrap_or(p).to_string();
        }
    }
    Ok(top)
}
