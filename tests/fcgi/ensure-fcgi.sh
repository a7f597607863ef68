#!/usr/bin/env bash
# Install what the fcgi-program tests (tests/fcgi_program.rs) run: Debian's `php-cgi`
# (the FastCGI server supervised) and `libfcgi-bin` (`cgi-fcgi`, the FastCGI client
# sending it requests), through apt, only when they are missing. Used by .ci/run and
# by the tests themselves; runs with no standard input (CI), as root or through sudo.
#
#   tests/fcgi/ensure-fcgi.sh   -> prints the php-cgi path
#
# Parallel callers are serialised with flock, so two test threads never run apt at once.
set -euo pipefail

have() { command -v php-cgi >/dev/null 2>&1 && command -v cgi-fcgi >/dev/null 2>&1; }

if have; then
    command -v php-cgi
    exit 0
fi

sudo=()
if [[ "$(id -u)" != 0 ]]; then
    sudo=(sudo -n)
fi

exec 9>"${TMPDIR:-/tmp}/supervisor-rs-fcgi.lock"
flock 9
if ! have; then
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq </dev/null >&2
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends php-cgi libfcgi-bin </dev/null >&2
fi
command -v php-cgi
