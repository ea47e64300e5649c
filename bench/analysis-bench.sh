#!/usr/bin/env sh
# Analysis throughput on a synthetic tree of handlers (default 5,000). Target: under 10 s.
set -e
cd "$(dirname "$0")/.."
cargo bench --bench analysis -- "${1:-5000}"
