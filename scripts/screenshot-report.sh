#!/usr/bin/env bash
# Render the HTML report of a fixture-like case and take a PNG screenshot with headless
# Chromium, to check how the report looks (and to refresh docs/report-screenshot.png).
#
#   scripts/screenshot-report.sh OUT.png [INPUT...]
#
# Without inputs it uses tests/data/report-case.UccApilog (a clock-skew case with two sign-in
# attempts and hostile log text). Needs `chromium` (apt-get install chromium).
set -euo pipefail

out=${1:?usage: scripts/screenshot-report.sh OUT.png [INPUT...]}
shift
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
rundir=$PWD
if [ "$#" -eq 0 ]; then
  rundir=$root/tests/data
  set -- report-case.UccApilog
fi
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "screenshot-report: chromium is not installed (apt-get install chromium)" >&2
  exit 1
fi
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
cargo build --quiet --bin sfbdiag --example render_report
case "$target" in /*) ;; *) target="$root/$target" ;; esac
mkdir -p "$(dirname "$out")"
cd "$rundir"
# The CLI renders HTML once `--format html` is wired; until then the example does the same.
if "$target/debug/sfbdiag" analyze --format html "$@" >"$work/report.html" 2>/dev/null \
  && grep -q '<!DOCTYPE html>' "$work/report.html"; then
  :
else
  "$target/debug/examples/render_report" html "$@" >"$work/report.html"
fi

"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,1600 \
  --screenshot="$out" "file://$work/report.html" >/dev/null 2>&1
test -s "$out"
echo "wrote $out"
