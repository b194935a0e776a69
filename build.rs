//! Embeds every `rules/*.toml` file in the binary, so adding a cause is adding one file.
use std::{env, fs, path::Path};

fn main() {
    // Read at run time: a moved checkout must embed its own rules, not the old location's.
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    assert!(!names.is_empty(), "no rule files in {}", dir.display());
    let mut out = String::from("pub static RULES: &[(&str, &str)] = &[\n");
    for n in &names {
        let p = dir.join(n);
        println!("cargo:rerun-if-changed={}", p.display());
        out.push_str(&format!(
            "    ({n:?}, include_str!({:?})),\n",
            p.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest =
        Path::new(&env::var("OUT_DIR").expect("OUT_DIR is set by cargo")).join("embedded_rules.rs");
    fs::write(dest, out).expect("write embedded_rules.rs");
}
