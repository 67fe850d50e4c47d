#!/usr/bin/env bash
# Installs the real n8n (npm's `n8n` package) once, for the lab's opt-in `up --real-n8n`, into a cache
# outside git (PHOENIX_LAB_CACHE, default /var/cache/phoenix-lab/n8n-VERSION) and prints its folder;
# quick when cached. Only the npm registry is reached: n8n-nodes-base's `xlsx` points at
# cdn.sheetjs.com, so an override takes the registry's xlsx instead, and sqlite3's native module is
# built against this node's own headers (npm_config_nodedir=/usr) when its prebuilt binary (GitHub)
# cannot be fetched. Needs the host's node (>= 20.19), make and a C++ compiler.
set -euo pipefail
CACHE=${PHOENIX_LAB_CACHE:-/var/cache/phoenix-lab}
VERSION=${PHOENIX_LAB_N8N_VERSION:-2.8.4}
XLSX=0.18.5
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "lab-n8n: not a version: $VERSION" >&2; exit 64; }
# The tree is tied to the node it was built with (sqlite3's ABI): its version is in the name.
NODE_VERSION=$(node -p process.versions.node)
DIR="$CACHE/n8n-$VERSION-node$NODE_VERSION"
mkdir -p "$CACHE"

exec 9>"$CACHE/.lock-n8n"
flock 9    # two labs (or two setups) install it once

if [ ! -f "$DIR/.complete" ]; then
  avail=$(df -Pm "$CACHE" | awk 'NR==2{print $4}')
  [ "$avail" -gt 3072 ] || { echo "lab-n8n: $CACHE has ${avail} MiB free; n8n needs about 2.5 GiB" >&2; exit 1; }
  started=$(date +%s)
  build="$DIR.build.$$"
  rm -rf "$build"; trap 'rm -rf "$build"' EXIT
  mkdir -p "$build"
  cat >"$build/package.json" <<EOF
{"name": "phoenix-lab-n8n", "private": true, "dependencies": {"n8n": "$VERSION"}, "overrides": {"xlsx": "$XLSX"}}
EOF
  echo "lab-n8n: npm install n8n@$VERSION (xlsx overridden to $XLSX; once, cached in $DIR)" >&2
  ( cd "$build" && npm_config_nodedir=/usr npm install --omit=dev --no-audit --no-fund --loglevel=warn ) \
    >"$CACHE/n8n-install.log" 2>&1 || { tail -30 "$CACHE/n8n-install.log" >&2; exit 1; }
  [ -x "$build/node_modules/.bin/n8n" ] || { echo "lab-n8n: no node_modules/.bin/n8n after the install" >&2; exit 1; }
  : >"$build/.complete"
  rm -rf "$DIR"; mv "$build" "$DIR"
  echo "lab-n8n: installed in $(( $(date +%s) - started )) s ($(du -sh "$DIR" | cut -f1))" >&2
fi
echo "$DIR"
