#!/usr/bin/env bash
# stage-assets.sh OUT_ASSETS DEST: puts the man pages (gzipped, as Debian ships
# them) and completion scripts that build.rs generated in OUT_ASSETS where
# [package.metadata.deb] expects them (DEST = <target>/<profile>/assets). cargo-deb
# compresses only man pages that are not build products, so it is done here.
set -euo pipefail
src=$1
dest=$2
rm -rf "$dest"
mkdir -p "$dest/man"
cp -r "$src/completions" "$dest/completions"
for page in "$src"/man/*; do
    gzip -9n <"$page" >"$dest/man/$(basename "$page").gz"
done
