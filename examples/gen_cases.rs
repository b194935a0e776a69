//! Generate synthetic Skype for Business / Lync sign-in support cases.
//!
//! ```text
//! gen_cases fixtures OUTDIR
//! gen_cases corpus OUTDIR --count N --seed S [--min-kb 200 --max-kb 2000]
//! gen_cases big-log FILE --mb 512 --seed S
//! ```
// A test-data generator: long parameter lists and tuple returns read better here than builders.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
#[path = "../benches/synth/mod.rs"]
mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  gen_cases fixtures OUTDIR\n  gen_cases corpus OUTDIR --count N --seed S [--min-kb 200 --max-kb 2000]\n  gen_cases big-log FILE --mb 512 --seed S"
    );
    ExitCode::from(2)
}

fn opt(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .ok_or(format!("{name} needs a value"))?
            .parse::<u64>()
            .map_err(|e| format!("{name}: {e}")),
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let cmd = args.first().map(String::as_str).unwrap_or("");
    let target = args
        .get(1)
        .map(PathBuf::from)
        .ok_or("missing output path")?;
    let rest = &args[2..];
    match cmd {
        "fixtures" => {
            let list = synth::write_fixtures(&target).map_err(|e| e.to_string())?;
            for (name, label) in &list {
                println!("{name}\t{label}");
            }
            eprintln!("wrote {} fixture cases to {}", list.len(), target.display());
        }
        "corpus" => {
            let count = opt(rest, "--count", 100)? as usize;
            let seed = opt(rest, "--seed", 1)?;
            let min = opt(rest, "--min-kb", 200)?;
            let max = opt(rest, "--max-kb", 2000)?;
            if min > max {
                return Err("--min-kb must not exceed --max-kb".into());
            }
            let n =
                synth::write_corpus(&target, count, seed, min, max).map_err(|e| e.to_string())?;
            eprintln!("wrote {n} cases and labels.csv to {}", target.display());
        }
        "big-log" => {
            let mb = opt(rest, "--mb", 512)?;
            let seed = opt(rest, "--seed", 1)?;
            let f = std::fs::File::create(&target).map_err(|e| e.to_string())?;
            let n = synth::write_big_log(f, mb * 1024 * 1024, seed).map_err(|e| e.to_string())?;
            eprintln!("wrote {n} bytes to {}", target.display());
        }
        _ => return Err(format!("unknown command {cmd:?}")),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return usage();
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_cases: {e}");
            ExitCode::FAILURE
        }
    }
}
