#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECS seconds each (default 60). cargo-fuzz needs a
# nightly toolchain; it is installed on first use (`cargo install --locked
# cargo-fuzz`, a few minutes, once). Without nightly, the same fuzz bodies run as
# the `fuzz_*` proptests of their crates, with many cases.
#
#   fuzz/run.sh [SECS]
#
# `just fuzz` and CI (.ci/run, a few seconds per target) call this.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
targets=(xmlrpc_parse config_load environment listener_protocol auth_header)

if cargo +nightly --version >/dev/null 2>&1; then
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
        cargo install --locked cargo-fuzz </dev/null
    fi
    cargo +nightly fuzz build </dev/null
    mkdir -p target
    for t in "${targets[@]}"; do
        log="target/fuzz-$t.log"
        # Each run starts from what earlier runs found (fuzz/corpus/, ignored by git).
        if cargo +nightly fuzz run "$t" </dev/null -- -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
            runs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
            echo "fuzz: $t: $runs inputs in ${secs}s, no failure" >&2
        else
            tail -n 40 "$log" >&2
            echo "fuzz: $t failed; the input is in fuzz/artifacts/$t/ (log: $log)" >&2
            exit 1
        fi
    done
else
    echo "fuzz: no nightly toolchain; running the fuzz bodies as proptests" >&2
    PROPTEST_CASES="$((secs * 2000))" cargo test --release --lib \
        -p supervisor-rpc -p supervisor-config -p supervisor-daemon fuzz_ </dev/null
fi
