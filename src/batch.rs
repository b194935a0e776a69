//! Many tickets at once: every entry of a directory (or of a list file) is one case; cases run
//! in parallel and each result is handed over as soon as it is ready.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::{AnalyzeOptions, analyze_paths};
use crate::engine::RuleSet;
use crate::report::Report;

/// The cases of a batch: entries directly under `dir`, or the paths listed one per line in a
/// list file (`@LIST`). Hidden entries are skipped; the order is by name.
pub fn list_cases(spec: &str) -> std::io::Result<Vec<PathBuf>> {
    if let Some(list) = spec.strip_prefix('@') {
        let text = std::fs::read_to_string(list)?;
        let base = Path::new(list).parent().unwrap_or(Path::new("."));
        return Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let p = PathBuf::from(l);
                if p.is_absolute() || p.exists() {
                    p
                } else {
                    base.join(p)
                }
            })
            .collect());
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(spec)?
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    v.sort();
    Ok(v)
}

/// FNV-1a: a stable hash, so a shard holds the same cases on every machine and run.
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The case's name: its file or directory name.
pub fn case_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Keep the cases of shard `k` of `n` (1-based), chosen by a hash of each case's name.
pub fn shard(cases: Vec<PathBuf>, k: u32, n: u32) -> Vec<PathBuf> {
    cases
        .into_iter()
        .filter(|c| fnv1a(&case_name(c)) % n as u64 == (k - 1) as u64)
        .collect()
}

/// Parse `K/N`.
pub fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or("a shard is written K/N, e.g. 2/8")?;
    let k: u32 = k.trim().parse().map_err(|_| "K in K/N must be a number")?;
    let n: u32 = n.trim().parse().map_err(|_| "N in K/N must be a number")?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n} is out of range: 1 <= K <= N"));
    }
    Ok((k, n))
}

/// One finished case.
pub struct CaseResult {
    pub index: usize,
    pub name: String,
    pub report: Report,
    pub elapsed: Duration,
}

/// Analyse `cases` on `jobs` threads; `on_result` is called on the calling thread as each case
/// finishes (in completion order).
pub fn run(
    cases: &[PathBuf],
    rules: &RuleSet,
    opts: &AnalyzeOptions,
    jobs: usize,
    mut on_result: impl FnMut(CaseResult),
) -> Result<(), rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    let (tx, rx) = mpsc::channel::<CaseResult>();
    std::thread::scope(|s| {
        s.spawn(move || {
            pool.install(|| {
                cases
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, c)| {
                        let start = Instant::now();
                        let name = case_name(c);
                        let mut o = opts.clone();
                        o.case_name = Some(name.clone());
                        let report = analyze_paths(std::slice::from_ref(c), rules, &o);
                        let _ = tx.send(CaseResult {
                            index: i,
                            name,
                            report,
                            elapsed: start.elapsed(),
                        });
                    });
            });
        });
        for r in rx {
            on_result(r);
        }
    });
    Ok(())
}

/// The columns of `--format csv`.
pub const CSV_HEADER: &[&str] = &[
    "case",
    "last_outcome",
    "top_cause",
    "confidence",
    "second_cause",
    "evidence_count",
    "input_errors",
];

/// One CSV record, quoted as needed, with its line ending.
pub fn csv_line<I, T>(fields: I) -> Vec<u8>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

pub fn csv_row(r: &Report) -> Vec<String> {
    let d0 = r.diagnoses.first();
    let d1 = r.diagnoses.get(1);
    vec![
        r.case.clone(),
        r.signin.last_outcome.clone(),
        d0.map(|d| d.cause.clone()).unwrap_or_else(|| "none".into()),
        d0.map(|d| d.confidence.clone()).unwrap_or_default(),
        d1.map(|d| d.cause.clone()).unwrap_or_default(),
        r.diagnoses
            .iter()
            .map(|d| d.evidence.len())
            .sum::<usize>()
            .to_string(),
        r.inputs
            .iter()
            .map(|i| i.errors.len())
            .sum::<usize>()
            .to_string(),
    ]
}

/// Totals across a batch.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub cases: usize,
    /// Cases whose top cause is this one.
    pub top_cause: BTreeMap<String, usize>,
    /// Cases in which this cause was diagnosed at any rank.
    pub any_rank: BTreeMap<String, usize>,
    pub no_diagnosis: usize,
    pub last_outcome: BTreeMap<String, usize>,
    /// Cases with at least one input that could not be read in full.
    pub with_input_errors: usize,
    /// Cases where no input could be read at all.
    pub unreadable: Vec<String>,
    pub slowest: Vec<(String, f64)>,
    pub input_bytes: u64,
    pub elapsed_seconds: f64,
}

impl Summary {
    pub fn add(&mut self, r: &CaseResult) {
        self.cases += 1;
        let rep = &r.report;
        match rep.diagnoses.first() {
            Some(d) => *self.top_cause.entry(d.cause.clone()).or_default() += 1,
            None => self.no_diagnosis += 1,
        }
        for d in &rep.diagnoses {
            *self.any_rank.entry(d.cause.clone()).or_default() += 1;
        }
        *self
            .last_outcome
            .entry(rep.signin.last_outcome.clone())
            .or_default() += 1;
        if rep.inputs.iter().any(|i| !i.errors.is_empty()) {
            self.with_input_errors += 1;
        }
        if rep.inputs.is_empty() || rep.inputs.iter().all(|i| i.records == 0) {
            self.unreadable.push(r.name.clone());
        }
        self.input_bytes += rep.inputs.iter().map(|i| i.bytes).sum::<u64>();
        self.slowest.push((r.name.clone(), r.elapsed.as_secs_f64()));
        self.slowest
            .sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
        self.slowest.truncate(10);
    }

    pub fn render_text(&self) -> String {
        let mut o = format!(
            "sfbdiag batch: {} case(s) in {:.1} s ({:.1} MB read)\n",
            self.cases,
            self.elapsed_seconds,
            self.input_bytes as f64 / 1e6
        );
        o.push_str("Top cause per case:\n");
        for (c, n) in &self.top_cause {
            o.push_str(&format!("  {n:>6}  {c}\n"));
        }
        o.push_str(&format!("  {:>6}  (no diagnosis)\n", self.no_diagnosis));
        let outcomes: Vec<String> = self
            .last_outcome
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        o.push_str(&format!("Last sign-in outcome: {}\n", outcomes.join(", ")));
        o.push_str(&format!(
            "Cases with unreadable inputs: {}",
            self.with_input_errors
        ));
        if !self.unreadable.is_empty() {
            o.push_str(&format!(
                " (nothing readable at all: {})",
                self.unreadable.join(", ")
            ));
        }
        o.push('\n');
        if !self.slowest.is_empty() {
            o.push_str("Slowest cases:\n");
            for (c, s) in self.slowest.iter().take(5) {
                o.push_str(&format!("  {s:>8.3} s  {c}\n"));
            }
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_cases() {
        let cases: Vec<PathBuf> = (0..500)
            .map(|i| PathBuf::from(format!("t/ticket-{i}.zip")))
            .collect();
        let mut total = 0;
        let mut seen = std::collections::HashSet::new();
        for k in 1..=4 {
            let s = shard(cases.clone(), k, 4);
            assert!(s.len() > 60, "shard {k} has {} cases", s.len());
            total += s.len();
            for c in s {
                assert!(seen.insert(c), "a case is in two shards");
            }
        }
        assert_eq!(total, 500);
        assert_eq!(shard(cases.clone(), 2, 4), shard(cases, 2, 4));
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(parse_shard("2/8"), Ok((2, 8)));
        assert!(parse_shard("0/8").is_err());
        assert!(parse_shard("9/8").is_err());
        assert!(parse_shard("x").is_err());
    }
}
