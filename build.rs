//! Embeds every `rules/*.toml` file in the binary, so adding a cause is adding one file.
//!
//! The files are read here, once, with the same reader the `--rules DIR` path uses
//! (`src/engine/schema.rs`), and the binary gets the values as Rust code: starting a process
//! then costs no TOML parsing, and a rule file that does not read fails the build, naming the
//! file and line. What only the engine can check (conditions, fields, ids) is checked when the
//! rules are compiled, and `cargo test` loads them.
use std::{env, fs, path::Path};

#[allow(dead_code)]
#[path = "src/engine/schema.rs"]
mod schema;

fn main() {
    // Read at run time: a moved checkout must embed its own rules, not the old location's.
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed=src/engine/schema.rs");
    // A position-dependent executable has no relocations for the loader to apply at start.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
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
    let mut out = String::from(
        "/// The embedded rule files, read at build time: (file, its cause).\n\
         pub fn causes() -> Vec<(&'static str, RawCause)> {\n    vec![\n",
    );
    for n in &names {
        let p = dir.join(n);
        println!("cargo:rerun-if-changed={}", p.display());
        let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read rules/{n}: {e}"));
        let cause = schema::read_cause(&text)
            .unwrap_or_else(|(line, msg)| panic!("rules/{n}:{line}: {msg}"));
        out.push_str(&format!(
            "        ({:?}, {}),\n",
            format!("rules/{n}"),
            schema::to_rust(&cause)
        ));
    }
    out.push_str("    ]\n}\n");
    let dest =
        Path::new(&env::var("OUT_DIR").expect("OUT_DIR is set by cargo")).join("embedded_rules.rs");
    fs::write(dest, out).expect("write embedded_rules.rs");
}
