#!/usr/bin/env bash
# Builds the Debian package (`just deb`): the four binaries in the release profile,
# the man pages and completion scripts that build.rs generates into OUT_DIR (copied
# to target/release/assets/ where [package.metadata.deb] expects them), then
# cargo-deb. Prints the .deb's path. PROFILE=<cargo profile> builds another one.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-release}
cargo_deb=$(bash packaging/ensure-cargo-deb.sh)
out_dir=$(cargo build --locked --profile "$profile" --bins --message-format=json-render-diagnostics |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and "supervisor-rs" in m["package_id"] and "/crates/" not in m["package_id"]:
        out = m["out_dir"]
print(out)')
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
case "$profile" in dev) dir=debug ;; *) dir=$profile ;; esac
bash packaging/stage-assets.sh "$out_dir/assets" "$target_dir/$dir/assets"
"$cargo_deb" --no-build --strip --profile "$profile" --output "$target_dir/debian/" \
    -p supervisor-rs >&2
ls -t "$target_dir"/debian/supervisor-rs_*.deb | head -1
