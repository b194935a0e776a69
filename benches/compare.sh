#!/usr/bin/env bash
# Whole-process comparison: sfbdiag against what an engineer would otherwise run, both sides in
# one run, printing ratios. Needs ripgrep, unzip, zip, hyperfine and evtx_dump:
#   apt-get install ripgrep hyperfine zip unzip && cargo install evtx
# Usage: benches/compare.sh [MB]     (default 512)
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-512}
WORK=${WORK:-/tmp/sfbdiag-compare}
mkdir -p "$WORK"
cargo build --release --quiet --bin sfbdiag --example gen_cases
# The binary we ship: on x86_64 Linux, `cargo build-release` (.cargo/config.toml) links it
# statically; elsewhere it is the usual `cargo build --release` one.
BIN=target/release/sfbdiag
if [ "$(uname -sm)" = "Linux x86_64" ]; then
  cargo build-release --quiet
  BIN=target/x86_64-unknown-linux-gnu/release/sfbdiag
fi
echo "sfbdiag: $BIN ($(file -b "$BIN" | cut -d, -f1,4))"
LOG="$WORK/big-$MB.UccApilog"
[ -s "$LOG" ] || target/release/examples/gen_cases big-log "$LOG" --mb "$MB" --seed 11 >/dev/null
[ -s "$LOG.zip" ] || (cd "$WORK" && zip -q -1 "$(basename "$LOG").zip" "$(basename "$LOG")")
$BIN rules literals > "$WORK/literals.txt"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; log $(du -m "$LOG" | cut -f1) MB; $(wc -l < "$WORK/literals.txt") literals"

ratio() { # name, json
  python3 - "$1" "$2" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))["results"]
a, b = r[0]["mean"], r[1]["mean"]
t = lambda x: f"{x * 1000:.2f} ms" if x < 0.1 else f"{x:.3f} s"
print(f"{name}: sfbdiag {t(a)}, baseline {t(b)}, ratio {a/b:.2f}x")
PY
}

# The two sides alternate run by run, so both meet the same stretches of a shared host's speed,
# and the figures are medians (see the script).
benches/alternate.py --runs "${RUNS:-10}" --mb "$(du -m "$LOG" | cut -f1)" \
  --label "UCCAPI log, $MB MB (vs rg -c -i -F -f literals)" -- \
  "$BIN analyze --format json --output /dev/null $LOG" \
  "rg -c -i -F -f $WORK/literals.txt $LOG"

benches/alternate.py --runs 5 --label "the same log zipped (vs unzip -p | rg)" -- \
  "$BIN analyze --format json --output /dev/null $LOG.zip" \
  "unzip -p $LOG.zip | rg -c -i -F -f $WORK/literals.txt"

EVTX=$(ls ../shared/samples/real/*.evtx | tr '\n' ' ')
hyperfine --warmup 2 --runs 10 --export-json "$WORK/evtx.json" \
  "$BIN analyze --format json --output /dev/null $EVTX" \
  "for f in $EVTX; do evtx_dump -o jsonl \$f > /dev/null 2>&1 || true; done" >/dev/null
ratio "the real .evtx samples (vs evtx_dump -o jsonl)" "$WORK/evtx.json"

# One file at a time, the two tools alternating run by run (see the script); and the same for
# the dynamically linked `cargo build --release` binary, for comparison.
benches/evtx_each.py "$BIN"
if [ "$BIN" != target/release/sfbdiag ]; then
  echo "the same, dynamically linked (cargo build --release):"
  benches/evtx_each.py target/release/sfbdiag
fi

SMALL=fixtures/cases/clock-skew-1013.zip
hyperfine -N --warmup 3 --runs 30 --export-json "$WORK/small.json" "$BIN analyze --format json --output /dev/null $SMALL" >/dev/null
python3 -c "import json; r=json.load(open('$WORK/small.json'))['results'][0]; print(f'small case from a cold process: {r[\"mean\"]*1000:.1f} ms')"
/usr/bin/time -f "peak RSS on the $MB MB log: %M KB" $BIN analyze --format json --output /dev/null "$LOG"
