#!/usr/bin/env bash
# Benchmark the example server: release build, its own fresh database with the
# demo seed, wrk load on the priced product list (calculated prices and stock),
# a single priced product and the region list, with the seed's publishable key.
# Prints requests/s, p50/p99 latency, peak RSS and SQL queries per request.
# Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
DB_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/stheno_bench}"
PORT="${BENCH_PORT:-9100}"
DURATION="${BENCH_DURATION:-15s}"
export DATABASE_URL="$DB_URL" PORT STHENO_QUERY_COUNT_HEADER=true RUST_LOG=warn

cargo build --release -p basic-store
BIN=target/release/basic-store
psql "${DB_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS ${DB_URL##*/} WITH (FORCE)" >/dev/null
seed=$("$BIN" seed)
KEY=$(sed -n 's/^Publishable API key.*: //p' <<<"$seed")
REGION=$(sed -n 's/^Region Europe: \([^ ]*\).*/\1/p' <<<"$seed")

start=$(date +%s%N)
"$BIN" serve &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do sleep 0.01; done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "healthy after ${ready_ms} ms; RSS at start: $(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MB"}')"

H="x-publishable-api-key: $KEY"
list="http://127.0.0.1:$PORT/store/products?limit=20&region_id=$REGION&fields=*variants.calculated_price,%2Bvariants.inventory_quantity"
id=$(curl -s -H "$H" "$list" | python3 -c 'import json,sys; print(json.load(sys.stdin)["products"][0]["id"])')
one="http://127.0.0.1:$PORT/store/products/$id?region_id=$REGION"
regions="http://127.0.0.1:$PORT/store/regions"

for url in "$list" "$one" "$regions"; do
  queries=$(curl -s -H "$H" -D - -o /dev/null "$url" | awk -F': ' 'tolower($1)=="x-stheno-query-count"{print $2}' | tr -d '\r')
  echo
  echo "== GET ${url#http://127.0.0.1:$PORT}  (SQL queries per request: $queries)"
  wrk -t2 -c32 -d"$DURATION" --latency -H "$H" "$url" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors' || true
done
echo
echo "peak RSS: $(grep VmHWM /proc/$PID/status | awk '{print $2/1024 " MB"}')"
