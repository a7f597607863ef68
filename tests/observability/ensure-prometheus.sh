#!/usr/bin/env bash
# Install what the metrics tests (tests/observability/prometheus.rs) drive: Debian's
# `prometheus` package (the Prometheus server and promtool), through apt, only when
# missing. Used by .ci/run and by the test itself; runs with no standard input (CI),
# as root or through sudo. The package's service is not started here (the test runs
# its own server on a free port).
#
#   tests/observability/ensure-prometheus.sh   -> prints the prometheus path
#
# Parallel callers are serialised with flock, so two test binaries never run apt at once.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    command -v prometheus
    exit 0
fi

sudo=()
if [[ "$(id -u)" != 0 ]]; then
    sudo=(sudo -n)
fi

exec 9>"${TMPDIR:-/tmp}/supervisor-rs-prometheus.lock"
flock 9
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq </dev/null >&2
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus </dev/null >&2
fi
command -v prometheus
