#!/bin/sh
# Fill corpus/<target>/ (gitignored) from the shared real samples, the rules and the tiny
# committed seeds. Idempotent.
set -eu
cd "$(dirname "$0")"
real=${SFBDIAG_SAMPLES:-../../shared/samples/real}
for t in uccapi sip_message events_text system_outputs zip_walk evtx rules_toml whole_case; do
  mkdir -p "corpus/$t"
done
for f in "$real"/excerpts/*.log "$real"/excerpts/derived/* seeds/uccapi/*; do
  [ -f "$f" ] || continue
  for t in uccapi sip_message whole_case; do cp "$f" "corpus/$t/"; done
done
cp seeds/events_text/* corpus/events_text/
cp seeds/system_outputs/* corpus/system_outputs/
cp ../rules/*.toml corpus/rules_toml/
# EVTX: the file header and the first chunk keep the seeds small.
for f in "$real"/*.evtx; do
  [ -f "$f" ] || continue
  head -c 69632 "$f" > "corpus/evtx/$(basename "$f")"
  cp "corpus/evtx/$(basename "$f")" corpus/whole_case/
done
# Zips: a plain one, a nested one, a zip64 one and a stored one, built from the text seeds.
python3 - "$real" <<'PY'
import io, sys, zipfile, glob, os
real = sys.argv[1]
texts = sorted(glob.glob(os.path.join(real, "excerpts", "*.log")))[:4] + glob.glob("seeds/uccapi/*")
def z(members, method=zipfile.ZIP_DEFLATED, force64=False):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as zf:
        for name, data in members:
            with zf.open(name, "w", force_zip64=force64) as w:
                w.write(data)
    return b.getvalue()
members = [("Tracing/" + os.path.basename(p), open(p, "rb").read()) for p in texts]
out = {
    "plain.zip": z(members),
    "stored.zip": z(members, zipfile.ZIP_STORED),
    "zip64.zip": z(members[:2], force64=True),
    "nested.zip": z([("inner.zip", z(members[:2])), members[0]]),
    "evil-names.zip": z([("../../etc/x", b"x\n"), ("C:\\x", b"y\n")]),
}
for name, data in out.items():
    open(os.path.join("corpus/zip_walk", name), "wb").write(data)
    open(os.path.join("corpus/whole_case", name), "wb").write(data)
PY
echo "corpus ready: $(ls corpus | wc -l) targets"
