#!/usr/bin/env bash
# Benchmark: audit a synthetic monorepo of 2,000 functions and 300 state machines.
# Target: under 5 seconds on the project machine (2 cores). Not a test: run it by hand.
#   bash bench/audit.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${TMPDIR:-/tmp}/lambdaless-bench-monorepo}"
python3 bench/gen_monorepo.py "$out"
cargo build --release --quiet
bin=target/release/lambdaless
"$bin" audit "$out" --format json > /dev/null || true   # warm the file cache
for i in 1 2 3; do
  start=$(date +%s.%N)
  "$bin" audit "$out" --format json > "$out.audit.json" || true
  end=$(date +%s.%N)
  echo "run $i: $(echo "$end - $start" | bc) s"
done
python3 - "$out.audit.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(f"summary: {s['state_machines']} state machines, {s['functions']} functions, {s['lambda_tasks']} Lambda Tasks, "
      f"{s['replaceable']} replaceable, {s['replaceable_with_transform']} with transform, "
      f"{s['not_replaceable']} not replaceable, {s['unknown']} unknown, {s['functions_not_called']} not called")
PY
