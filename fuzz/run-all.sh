#!/bin/sh
# Run every fuzz target for N seconds each (default 600): fuzz/run-all.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Uses the nightly toolchain when installed,
# otherwise stable with RUSTC_BOOTSTRAP=1. Findings land in fuzz/artifacts/<target>/.
set -eu
cd "$(dirname "$0")"
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-"uccapi sip_message events_text system_outputs zip_walk evtx rules_toml whole_case"}
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  tc=+nightly
else
  tc=
  export RUSTC_BOOTSTRAP=1
fi
./seed.sh
for t in $targets; do
  echo "=== $t: ${secs}s"
  cargo $tc fuzz run "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=262144 -print_final_stats=1 2>&1 | tee "fuzz-$t.log" | grep -E "^(#[0-9]+.*DONE|stat::|==|SUMMARY|artifact_prefix|Test unit written)" || true
done
