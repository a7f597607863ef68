#!/usr/bin/env bash
# tmux for the terminal tests (completions in a real bash, `supervisorctl top`):
# installed from Debian's packages only if missing. Prints tmux's path.
set -euo pipefail
if ! command -v tmux >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    apt-get install -y -qq tmux </dev/null >/dev/null
fi
command -v tmux
