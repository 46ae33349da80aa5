#!/usr/bin/env bash
# The whole benchmark suite: the scale table (sizes + night) and the Python baseline.
# Usage: benches/run.sh [--quick]   (--quick: sizes 32,1000,20000, a night of 100, no 100k baseline)
# Environment: SIZES, NIGHT, BASELINE_SIZES override the defaults. Prints markdown on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-32,1000,20000,100000}
NIGHT=${NIGHT:-500}
BASELINE_SIZES=${BASELINE_SIZES:-32,1000,20000,100000}
if [[ "${1:-}" == "--quick" ]]; then
  SIZES=32,1000,20000; NIGHT=100; BASELINE_SIZES=32,1000
fi

TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
echo "# mmreport benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load: $(uptime | sed 's/.*load/load/')"
echo

cargo build --release --bin mmreport --example calamine_floor >&2
rm -f "$TARGET/bench-data/e2e.tsv"
cargo bench --bench scale -- --sizes "$SIZES" --night "$NIGHT"

echo
echo "## Python baseline (pandas + openpyxl + lifelines + scipy + jinja2)"
echo
if ! python3 -c 'import pandas, openpyxl, lifelines, scipy, jinja2' 2>/dev/null; then
  echo "skipped: pip install -r benches/baseline/requirements.txt"
  exit 0
fi
echo "| patients | Python s | Python peak MB | mmreport s | mmreport peak MB | Python / mmreport |"
echo "|---:|---:|---:|---:|---:|---:|"
DATA="$TARGET/bench-data"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
IFS=, read -ra NS <<< "$BASELINE_SIZES"
for n in "${NS[@]}"; do
  if [[ "$n" == 32 ]]; then wb="$DATA/paper-32.xlsx"; else wb="$DATA/synthetic-$n-seed1.xlsx"; fi
  [[ -f "$wb" ]] || { echo "| $n | (no cached workbook: include $n in SIZES) | | | | |"; continue; }
  /usr/bin/time -o "$OUT/t" -f "%e %M" python3 benches/baseline/baseline.py "$wb" "$OUT/py.html" >/dev/null; py=$(tail -1 "$OUT/t")
  # mmreport: the end-to-end result of the scale table above, or a run here.
  mm=$(awk -v n="$n" '$1 == n { print $2, $3 }' "$DATA/e2e.tsv" 2>/dev/null || true)
  if [[ -z "$mm" ]]; then
    rm -rf "$OUT/mm"
    /usr/bin/time -o "$OUT/t" -f "%e %M" "$TARGET/release/mmreport" run --input "$wb" --output "$OUT/mm" \
      --settle-seconds 0 --force --log-format json >/dev/null 2>&1
    mm=$(tail -1 "$OUT/t")
  fi
  read -r pys pykb <<< "$py"; read -r mms mmkb <<< "$mm"
  python3 -c "print(f'| $n | {$pys:.2f} | {$pykb/1024:.0f} | {$mms:.2f} | {$mmkb/1024:.0f} | {$pys/max($mms,0.01):.1f} |')"
done
echo
echo "load after: $(uptime | sed 's/.*load/load/')"
