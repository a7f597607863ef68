#!/usr/bin/env bash
# Debian's systemd-notify (package systemd) for the notify readiness test: installed
# only if missing. Prints its path.
set -euo pipefail
if ! command -v systemd-notify >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    apt-get install -y -qq --no-install-recommends systemd </dev/null >/dev/null
fi
command -v systemd-notify
