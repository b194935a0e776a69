//! The `sfbdiag` command line: argument handling and output only; the work is in the library.
//!
//! The C runtime calls [`main`] directly (`no_main`). Rust's usual entry point first reads
//! `/proc/self/maps` to find the main thread's stack and installs a stack-overflow handler with
//! its own signal stack: on the virtual machines support teams run, that is some 0.2 ms of a
//! 3 ms analysis of a small event log, more than reading the log costs. Nothing here recurses
//! deeply enough to want the handler's message. One visible difference: SIGPIPE keeps its
//! default action, so a reader that stops early (`sfbdiag … | head`) ends sfbdiag quietly, as
//! it ends `grep`, instead of making it report a broken pipe.
// Tests of the binary's modules keep the test harness's own entry point.
#![cfg_attr(not(test), no_main)]

// Under test only its own tests call into it.
#[cfg_attr(test, allow(dead_code))]
mod cli;

/// A panic exits with 101, as under Rust's usual entry point; it must not unwind into C.
#[cfg(not(test))]
const PANIC_EXIT: i32 = 101;

#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    // `std::env::args` reads the arguments glibc hands every initialiser, not these.
    let code = std::panic::catch_unwind(cli::main).map_or(PANIC_EXIT, i32::from);
    // Through `exit`, which flushes standard output the way returning from Rust's main would.
    std::process::exit(code)
}
