#!/usr/bin/env bash
# Install what the browser tests (tests/web_page.rs) drive: Debian's headless-capable
# `chromium` and its WebDriver server `chromium-driver` (the `chromedriver` binary),
# through apt, only when they are missing. Used by .ci/run, `just browser` and the
# browser test itself; runs with no standard input (CI), as root or through sudo.
#
#   tests/browser/ensure-chromium.sh   -> prints the chromedriver path
#
# Parallel callers are serialised with flock, so two test binaries never run apt at once.
set -euo pipefail

if command -v chromedriver >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1; then
    command -v chromedriver
    exit 0
fi

sudo=()
if [[ "$(id -u)" != 0 ]]; then
    sudo=(sudo -n)
fi

exec 9>"${TMPDIR:-/tmp}/supervisor-rs-chromium.lock"
flock 9
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq </dev/null >&2
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver </dev/null >&2
fi
command -v chromedriver
