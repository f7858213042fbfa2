#!/usr/bin/env bash
# Benchmark the example server: release build, its own database with the demo
# seed, wrk load on the product list and a single product. Prints requests/s,
# p50/p99 latency, peak RSS and SQL queries per request. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
DB_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/stheno_bench}"
PORT="${BENCH_PORT:-9100}"
DURATION="${BENCH_DURATION:-15s}"
export DATABASE_URL="$DB_URL" PORT STHENO_QUERY_COUNT_HEADER=true RUST_LOG=warn

cargo build --release -p basic-store
BIN=target/release/basic-store
"$BIN" seed >/dev/null

start=$(date +%s%N)
"$BIN" serve &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do sleep 0.01; done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "healthy after ${ready_ms} ms; RSS at start: $(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MB"}')"

list="http://127.0.0.1:$PORT/store/products?limit=20"
id=$(curl -s "$list" | python3 -c 'import json,sys; print(json.load(sys.stdin)["products"][0]["id"])')
one="http://127.0.0.1:$PORT/store/products/$id"

for url in "$list" "$one"; do
  queries=$(curl -s -D - -o /dev/null "$url" | awk -F': ' 'tolower($1)=="x-stheno-query-count"{print $2}' | tr -d '\r')
  echo
  echo "== GET ${url#http://127.0.0.1:$PORT}  (SQL queries per request: $queries)"
  wrk -t2 -c32 -d"$DURATION" --latency "$url" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors' || true
done
echo
echo "peak RSS: $(grep VmHWM /proc/$PID/status | awk '{print $2/1024 " MB"}')"
