#!/usr/bin/env bash
# Batch throughput: N generated bundles, --jobs 1 against --jobs 2, peak RSS, and time against
# total input size (250, 500, 1000 cases). Needs hyperfine (apt-get install hyperfine).
# Usage: benches/batch.sh [COUNT] (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
WORK=${WORK:-/tmp/sfbdiag-batch}
cargo build --release --quiet --bin sfbdiag --example gen_cases
BIN=$PWD/target/release/sfbdiag
if [ "$(uname -sm)" = "Linux x86_64" ]; then # the binary we ship (see benches/compare.sh)
  cargo build-release --quiet
  BIN=$PWD/target/x86_64-unknown-linux-gnu/release/sfbdiag
fi
if [ ! -d "$WORK/corpus" ]; then
  target/release/examples/gen_cases corpus "$WORK/corpus" --count "$N" --seed 42 >/dev/null
  mv "$WORK/corpus/labels.csv" "$WORK/labels.csv"
fi
ls "$WORK"/corpus/ | sort > "$WORK/all.txt"
for n in 250 500 "$N"; do
  head -n "$n" "$WORK/all.txt" | sed "s|^|$WORK/corpus/|" > "$WORK/list-$n.txt"
done
echo "machine: $(nproc) cores; corpus: $N cases, $(du -smL "$WORK/corpus" | cut -f1) MB on disk"
hyperfine -N --warmup 1 --runs 3 --export-json "$WORK/jobs.json" \
  "$BIN batch @$WORK/list-$N.txt --jobs 1 --output /dev/null" \
  "$BIN batch @$WORK/list-$N.txt --jobs 2 --output /dev/null" >/dev/null 2>&1
python3 - "$WORK/jobs.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"--jobs 1: {r[0]['mean']:.2f} s; --jobs 2: {r[1]['mean']:.2f} s; speed-up {r[0]['mean']/r[1]['mean']:.2f}x")
PY
for n in 250 500 "$N"; do
  bytes=$(xargs du -cb < "$WORK/list-$n.txt" | tail -1 | cut -f1)
  /usr/bin/time -f "%e %M" -o "$WORK/t-$n" "$BIN" batch "@$WORK/list-$n.txt" --jobs 2 --output /dev/null 2>/dev/null
  read -r secs rss < "$WORK/t-$n"
  python3 -c "print(f'{$n} cases, {$bytes/1e6:.0f} MB of bundles: {$secs} s, {$bytes/1e6/$secs:.0f} MB/s, peak RSS {$rss/1024:.0f} MB')"
done
"$BIN" batch "$WORK/corpus" --jobs 2 --sorted --format csv --output "$WORK/results.csv" 2>/dev/null
python3 - "$WORK/labels.csv" "$WORK/results.csv" <<'PY'
import csv, sys
lab = {r["case"]: r["expected_top_cause"] for r in csv.DictReader(open(sys.argv[1]))}
res = {r["case"]: r["top_cause"] for r in csv.DictReader(open(sys.argv[2]))}
ok = sum(1 for c in lab if res.get(c) == lab[c])
print(f"top cause matches the label: {ok}/{len(lab)} ({100*ok/len(lab):.1f}%)")
PY
