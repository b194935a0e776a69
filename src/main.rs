//! The `sfbdiag` command line: argument handling and output only; the work is in the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
