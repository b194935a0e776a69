//! The real published excerpts in ../shared/samples/real/excerpts: every one is analysed
//! without error, and the healthy sign-in exchanges yield no diagnosis.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn excerpts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/real/excerpts");
    let mut v: Vec<PathBuf> = Vec::new();
    for d in [dir.clone(), dir.join("derived")] {
        for e in std::fs::read_dir(&d).expect("shared excerpts are beside the checkout") {
            let p = e.expect("dir entry").path();
            if p.is_file() && !p.ends_with("SOURCES.md") {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

fn analyze_json(p: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("sfbdiag")
        .expect("binary")
        .args(["analyze", "--format", "json"])
        .arg(p)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}: {}",
        p.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

#[test]
fn every_excerpt_is_analysed_and_exits_zero() {
    let all = excerpts();
    assert!(all.len() >= 16, "found {} excerpts", all.len());
    for p in all {
        let j = analyze_json(&p);
        assert_eq!(j["schema"], "sfbdiag.diagnosis/1");
        assert_eq!(
            j["inputs"].as_array().map(|a| a.len()),
            Some(1),
            "{}",
            p.display()
        );
    }
}

#[test]
fn healthy_exchanges_yield_no_diagnosis() {
    for p in excerpts() {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if !(name.starts_with("15-") || name.starts_with("16-") || name.starts_with("17-")) {
            continue;
        }
        let j = analyze_json(&p);
        assert_eq!(
            j["diagnoses"].as_array().map(|a| a.len()),
            Some(0),
            "{name}: {}",
            j["diagnoses"]
        );
    }
}

#[test]
fn the_200_ok_exchanges_are_successful_sign_ins() {
    for p in excerpts() {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if name.ends_with(".decoded.sip") && (name.starts_with("16-") || name.starts_with("17-")) {
            let j = analyze_json(&p);
            assert_eq!(j["signin"]["last_outcome"], "succeeded", "{name}");
        }
    }
}

#[test]
fn the_4005_excerpt_points_at_the_account() {
    let p = excerpts()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("08-msdocs"))
        .expect("excerpt 08");
    let j = analyze_json(&p);
    let causes: Vec<&str> = j["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["cause"].as_str())
        .collect();
    assert!(
        causes
            .first()
            .is_some_and(|c| *c == "user-not-sip-enabled" || *c == "not-licensed"),
        "{causes:?}"
    );
}
