# Stheno tasks. `just --list` shows them.

# Run the example server on defaults (migrates on start).
run:
    cargo run -p basic-store

# Run the example with a custom module (brands) added.
run-custom:
    cargo run -p custom-module

# Load the demo catalog into the configured database.
seed:
    cargo run -p basic-store -- seed

# The whole test suite (needs PostgreSQL; see README).
test:
    cargo test --workspace --all-features

fmt:
    cargo fmt --all

lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --all-features -- -D warnings

# Fuzz the example server through its OpenAPI document (schemathesis, 20 minutes).
fuzz:
    FUZZ_MAX_TIME=1200 scripts/fuzz.sh

# Benchmark the example server with wrk (release build, demo seed, own database).
bench:
    scripts/bench.sh
