#!/usr/bin/env bash
# Times lambdaless against aws-local-stepfunctions on the shared Map benchmark, side by side, and
# prints the ratio (target: lambdaless >= 30x faster).
#   bench/map-bench.sh [DEFINITION] [INPUTS.jsonl]
# Builds the release binary first. Needs ../shared/bench (or /work/shared/bench) and npm for the peer.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
shared=""
for d in "$here/../shared/bench" /work/shared/bench; do
  if [ -x "$d/peer-local-sfn.sh" ]; then shared=$d; break; fi
done
if [ -z "$shared" ]; then
  echo "map-bench: no shared/bench/peer-local-sfn.sh next to the clone" >&2
  exit 2
fi
(cd "$here" && cargo build --release --quiet)
bin="$here/target/release/lambdaless"
# Check the workload runs to success before timing it.
first=$(head -n 1 "${2:-$shared/inputs-100x1k.jsonl}")
"$bin" run "${1:-$shared/map-intrinsics.asl.json}" --input "$first" >/dev/null || {
  echo "map-bench: lambdaless did not run the workload successfully" >&2
  exit 1
}
exec "$shared/peer-local-sfn.sh" "$bin" "${1:-$shared/map-intrinsics.asl.json}" "${2:-$shared/inputs-100x1k.jsonl}"
