#!/usr/bin/env bash
# Build the binary we ship on x86_64 Linux (`cargo build-release`: static, position-dependent;
# see .cargo/config.toml) and check that it says byte for byte what the tested debug binary says
# on every case in fixtures/cases/. Not part of .ci/run: the fat-LTO build takes 3-4 minutes on
# the 2-core CI machine, which would put CI at its 15-minute limit.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -sm)" = "Linux x86_64" ] || { echo "the static build is for x86_64 Linux"; exit 0; }
cargo build-release
cargo build --quiet --bin sfbdiag
n=0
for f in fixtures/cases/*; do
  [ "$(basename "$f")" = README.md ] && continue
  cmp <(target/x86_64-unknown-linux-gnu/release/sfbdiag analyze --format json "$f" 2>&1) \
      <(target/debug/sfbdiag analyze --format json "$f" 2>&1) \
    || { echo "the shipped binary differs from the tested one on $f"; exit 1; }
  n=$((n + 1))
done
echo "shipped static binary: same output as the tested one on $n cases"
