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

#[allow(dead_code)]
#[path = "src/engine/cond_syntax.rs"]
mod cond_syntax;

mod build_dfa {
    //! Rule regexes to the transition tables of `src/engine/dfa.rs`.
    use regex_automata::Input;
    use regex_automata::dfa::{Automaton, StartKind, dense};
    use regex_automata::nfa::thompson;
    use regex_automata::util::{primitives::StateID, syntax};
    use std::collections::HashMap;

    /// States a table may have; a pattern that needs more is left to the run-time engines.
    const MAX_STATES: usize = 4096;

    /// Whether every piece of `pattern` matches ASCII bytes only. Then matching bytes (the
    /// DFA, and `regex-automata` after it) and matching characters (`regex-lite`) agree on any
    /// text; `.`, negated classes and `\W`, `\S`, `\D` would match one byte of a multi-byte
    /// character in one and the whole character in the other.
    fn bytes_are_chars(pattern: &str) -> bool {
        if !pattern.is_ascii() {
            return false;
        }
        let b = pattern.as_bytes();
        let mut i = 0;
        let mut in_class = false;
        while i < b.len() {
            match b[i] {
                b'\\' => {
                    if matches!(
                        b.get(i + 1),
                        Some(b'W' | b'S' | b'D' | b'p' | b'P' | b'x' | b'u')
                    ) {
                        return false;
                    }
                    i += 1;
                }
                b'[' if !in_class => {
                    if b.get(i + 1) == Some(&b'^') {
                        return false;
                    }
                    in_class = true;
                    // A `]` first in a class is a member, not its end.
                    if b.get(i + 1) == Some(&b']') {
                        i += 1;
                    }
                }
                b']' if in_class => in_class = false,
                b'.' if !in_class => return false,
                _ => {}
            }
            i += 1;
        }
        true
    }

    /// The pattern's syntax error, as `RuleRegex::check` reports it. Patterns with non-ASCII
    /// characters are compiled by the `regex` crate at run time and checked by the tests.
    pub fn check(pattern: &str) -> Result<(), String> {
        if !pattern.is_ascii() {
            return Ok(());
        }
        let syntax = syntax::Config::new()
            .case_insensitive(true)
            .unicode(false)
            .utf8(false);
        syntax::parse_with(pattern, &syntax)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Rust source for a `dfa::Table` of `pattern`, or `None` when it is not built here.
    pub fn table(pattern: &str) -> Option<String> {
        if !bytes_are_chars(pattern) {
            return None;
        }
        let dfa = dense::Builder::new()
            .syntax(
                syntax::Config::new()
                    .case_insensitive(true)
                    .unicode(false)
                    .utf8(false),
            )
            .thompson(thompson::Config::new().utf8(false))
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Unanchored)
                    .minimize(true)
                    .accelerate(false)
                    .dfa_size_limit(Some(4 << 20))
                    .determinize_size_limit(Some(16 << 20)),
            )
            .build(pattern)
            .ok()?;
        let classes = dfa.byte_classes();
        let ncls = classes.alphabet_len() - 1;
        let rep: Vec<u8> = (0..ncls)
            .map(|c| (0..=255u8).find(|&b| usize::from(classes.get(b)) == c))
            .collect::<Option<_>>()?;
        let start = dfa.start_state_forward(&Input::new("")).ok()?;
        // Reachable states, found breadth first.
        let mut order: Vec<StateID> = vec![start];
        let mut seen: HashMap<StateID, ()> = HashMap::from([(start, ())]);
        let mut i = 0;
        while i < order.len() {
            let s = order[i];
            i += 1;
            if dfa.is_quit_state(s) || order.len() > MAX_STATES {
                return None;
            }
            let nexts = rep
                .iter()
                .map(|&b| dfa.next_state(s, b))
                .chain(std::iter::once(dfa.next_eoi_state(s)));
            for n in nexts {
                if seen.insert(n, ()).is_none() {
                    order.push(n);
                }
            }
        }
        if dfa.is_match_state(start) {
            return None;
        }
        // The other states, then the dead state (made up when none is reachable), then the
        // match states: a search tests one bound per byte.
        let stride = ncls + 1;
        let mut rows: Vec<Option<StateID>> = order
            .iter()
            .copied()
            .filter(|&s| !dfa.is_dead_state(s) && !dfa.is_match_state(s))
            .map(Some)
            .collect();
        let dead_row = rows.len();
        rows.push(order.iter().copied().find(|&s| dfa.is_dead_state(s)));
        let first_match = rows.len();
        rows.extend(
            order
                .iter()
                .copied()
                .filter(|&s| dfa.is_match_state(s))
                .map(Some),
        );
        let index: HashMap<StateID, usize> = rows
            .iter()
            .enumerate()
            .filter_map(|(k, s)| s.map(|s| (s, k * stride)))
            .collect();
        let mut next = Vec::new();
        for s in &rows {
            match s {
                Some(s) => {
                    for &b in &rep {
                        next.push(index[&dfa.next_state(*s, b)]);
                    }
                    next.push(index[&dfa.next_eoi_state(*s)]);
                }
                None => next.extend(std::iter::repeat_n(dead_row * stride, stride)),
            }
        }
        let cls: Vec<String> = (0..=255u8).map(|b| classes.get(b).to_string()).collect();
        let next: Vec<String> = next.iter().map(|n| n.to_string()).collect();
        Some(format!(
            "Table {{ classes: [{}], stride: {stride}, start: {}, dead: {}, first_match: {}, next: &[{}] }}",
            cls.join(","),
            index[&start],
            dead_row * stride,
            first_match * stride,
            next.join(",")
        ))
    }
}

fn main() {
    // Read at run time: a moved checkout must embed its own rules, not the old location's.
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed=src/engine/schema.rs");
    println!("cargo:rerun-if-changed=src/engine/cond_syntax.rs");
    // A position-dependent executable has no relocations for the loader to apply at start.
    let crt_static = env::var("CARGO_CFG_TARGET_FEATURE").is_ok_and(|f| f.contains("crt-static"));
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") && !crt_static {
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
    let mut conds = String::from(
        "/// Every `when` of the embedded rules, in file, rule and condition order, as the build\n\
         /// script read it.\n\
         pub static CONDS: &[PreCond] = &[\n",
    );
    let mut tables: Vec<(String, Option<String>)> = Vec::new();
    let mut files = Vec::new();
    let mut ops: Vec<cond_syntax::Op> = Vec::new();
    for n in &names {
        let p = dir.join(n);
        println!("cargo:rerun-if-changed={}", p.display());
        let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read rules/{n}: {e}"));
        let cause = schema::read_cause(&text)
            .unwrap_or_else(|(line, msg)| panic!("rules/{n}:{line}: {msg}"));
        for r in &cause.rules {
            for (w, line) in &r.when {
                let (code, op) =
                    precond(w, &mut tables).unwrap_or_else(|msg| panic!("rules/{n}:{line}: {msg}"));
                conds.push_str(&format!("    {code},\n"));
                ops.push(op);
            }
        }
        files.push((format!("rules/{n}"), cause));
    }
    conds.push_str("];\n");
    let mut out = rule_set_rust(&files, &ops);
    out.push_str(&conds);
    for (i, (_, t)) in tables.iter().enumerate() {
        if let Some(t) = t {
            out.push_str(&format!("static DFA_{i}: Table = {t};\n"));
        }
    }
    let dest =
        Path::new(&env::var("OUT_DIR").expect("OUT_DIR is set by cargo")).join("embedded_rules.rs");
    fs::write(dest, out).expect("write embedded_rules.rs");
}

/// Rust source for the `PreCond` of condition `src` (what `Cond::parse` makes of it) and its
/// operator, or what is wrong with it.
fn precond(
    src: &str,
    tables: &mut Vec<(String, Option<String>)>,
) -> Result<(String, cond_syntax::Op), String> {
    use cond_syntax::Op;
    let Some((field, op, values)) = cond_syntax::parse(src) else {
        return Err(format!("cannot read condition `{src}`"));
    };
    let strs = |v: &[String]| {
        let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
        format!("&[{}]", items.join(", "))
    };
    let regex = match op {
        Op::Re | Op::NotRe => {
            let Some(p) = values.first() else {
                return Err(format!("`{src}` has no pattern"));
            };
            build_dfa::check(p).map_err(|e| format!("bad regex in `{src}`: {e}"))?;
            let plain = match cond_syntax::plain_words(p) {
                Some(w) => format!("Some({})", strs(&w)),
                None => "None".into(),
            };
            let literals = match p
                .is_ascii()
                .then(|| cond_syntax::regex_literals(p))
                .flatten()
            {
                Some(l) => format!("Some({})", strs(&l)),
                None => "None".into(),
            };
            let k = match tables.iter().position(|(q, _)| q == p) {
                Some(k) => k,
                None => {
                    tables.push((p.clone(), build_dfa::table(p)));
                    tables.len() - 1
                }
            };
            let dfa = match &tables[k].1 {
                Some(_) => format!("Some(&DFA_{k})"),
                None => "None".into(),
            };
            format!(
                "Some(PreRegex {{ pattern: {p:?}, plain: {plain}, literals: {literals}, dfa: {dfa} }})"
            )
        }
        _ => "None".into(),
    };
    let num = match op {
        Op::Ge | Op::Le | Op::Gt | Op::Lt => {
            match values.first().and_then(|v| v.parse::<f64>().ok()) {
                Some(n) => format!("Some(f64::from_bits({:#x}))", n.to_bits()),
                None => {
                    return Err(format!(
                        "`{src}` compares with a number, but the value is not one"
                    ));
                }
            }
        }
        _ => "None".into(),
    };
    if values.is_empty() && !matches!(op, Op::Exists | Op::Absent | Op::True) {
        return Err(format!("`{src}` has no value to compare with"));
    }
    let lower: Vec<String> = values.iter().map(|v| v.to_lowercase()).collect();
    let code = format!(
        "PreCond {{ src: {src:?}, field: {field:?}, op: Op::{}, values: {}, lower: {}, num: {num}, regex: {regex} }}",
        cond_syntax::op_name(op),
        strs(&values),
        strs(&lower),
    );
    Ok((code, op))
}

/// Rust source for `rule_set()`: the embedded causes and rules as `RuleSet::from_raw` would
/// build them, the conditions taken from `CONDS` (whose operators are `ops`, in order).
fn rule_set_rust(files: &[(String, schema::RawCause)], ops: &[cond_syntax::Op]) -> String {
    use cond_syntax::Op;
    let string = |v: &str| format!("Cow::Borrowed({v:?})");
    let strings = |v: &[String]| {
        let items: Vec<String> = v.iter().map(|x| string(x)).collect();
        format!("vec![{}]", items.join(", "))
    };
    let mut statics = String::new();
    let mut causes = Vec::new();
    let mut rules = Vec::new();
    let mut next_cond = 0;
    for (ci, (file, c)) in files.iter().enumerate() {
        let yields: Vec<String> = c.yields_to.iter().map(|(y, _)| y.clone()).collect();
        causes.push(format!(
            "CauseDef {{ id: {}, title: {}, summary: {}, user_sees: {}, resolution: {}, references: {}, yields_to: {}, not_a_failure: {}, stops_every_signin: {}, file: {} }}",
            string(&c.id),
            string(&c.title),
            string(&c.summary),
            strings(&c.user_sees),
            strings(&c.resolution),
            strings(&c.references),
            strings(&yields),
            c.not_a_failure,
            c.stops_every_signin,
            string(file),
        ));
        for r in &c.rules {
            let first = next_cond;
            next_cond += r.when.len();
            let conds: Vec<String> = (first..next_cond)
                .map(|i| format!("Cond::from_pre(&CONDS[{i}])"))
                .collect();
            let cost = |op: Op| match op {
                Op::Re | Op::NotRe => 2,
                Op::Contains | Op::NotContains => 1,
                _ => 0,
            };
            let mut order: Vec<usize> = (0..r.when.len()).collect();
            order.sort_by_key(|&i| cost(ops[first + i]));
            let order: Vec<String> = order.iter().map(|i| i.to_string()).collect();
            let examples: Vec<String> = r
                .examples
                .iter()
                .map(|e| {
                    format!(
                        "Example {{ should_match: {}, text: Cow::Borrowed({:?}), note: {}, line: {} }}",
                        e.should_match,
                        e.text,
                        match &e.note {
                            Some(n) => format!("Some(Cow::Borrowed({n:?}))"),
                            None => "None".into(),
                        },
                        e.line
                    )
                })
                .collect();
            let k = rules.len();
            statics.push_str(&format!(
                "static EXAMPLES_{k}: [Example; {}] = [{}];\n",
                examples.len(),
                examples.join(", ")
            ));
            rules.push(format!(
                "Rule {{ id: {}, cause: {ci}, evidence: {}, kind: {}, weight: f64::from_bits({:#x}), conds: vec![{}], corroborating: {}, clears: {}, clears_at_most: {:?}, examples: Cow::Borrowed(&EXAMPLES_{k}), file: {}, line: {}, eval_order: vec![{}] }}",
                string(&r.id),
                string(&r.evidence),
                string(&r.kind),
                r.weight.to_bits(),
                conds.join(", "),
                r.corroborating,
                r.clears,
                r.clears_at_most,
                string(file),
                r.id_line,
                order.join(", "),
            ));
        }
    }
    format!(
        "/// The embedded causes and rules, read at build time.\n\
         pub fn rule_set() -> (Vec<CauseDef>, Vec<Rule>) {{\n    (\n        vec![{}],\n        vec![{}],\n    )\n}}\n{statics}",
        causes.join(",\n"),
        rules.join(",\n"),
    )
}
