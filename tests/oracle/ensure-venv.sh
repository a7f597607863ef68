#!/usr/bin/env bash
# Provision the Python oracle used by differential tests: a venv with Supervisor
# 4.3.0 (and any extra pip requirement given as arguments), created once and reused.
#
#   tests/oracle/ensure-venv.sh [EXTRA_PIP_REQUIREMENT...]   -> prints the venv's python
#
# The venv lives in ${CARGO_TARGET_DIR:-<repo>/target}/oracle-venv. Tests run in
# parallel (several test binaries, several threads), so creation is serialised with
# flock on a lock file next to the venv; the venv is only declared ready (the stamp
# file) once every requirement installed, so a half-built venv from an interrupted
# run is rebuilt instead of being trusted. Extra requirements are recorded per venv:
# asking for one that is not installed yet installs it under the same lock.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in
    /*) ;;
    *) target="$repo/$target" ;;
esac
venv="$target/oracle-venv"
stamp="$venv/.supervisor-rs-ready"
base_requirement="supervisor==4.3.0"

mkdir -p "$target"
exec 9>"$target/oracle-venv.lock"
flock 9

python_bin="$venv/bin/python"

if [[ ! -f "$stamp" ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$python_bin" -m pip install --quiet "$base_requirement" >&2
    printf '%s\n' "$base_requirement" >"$stamp"
fi

for requirement in "$@"; do
    if ! grep -qxF -- "$requirement" "$stamp"; then
        "$python_bin" -m pip install --quiet "$requirement" >&2
        printf '%s\n' "$requirement" >>"$stamp"
    fi
done

printf '%s\n' "$python_bin"
