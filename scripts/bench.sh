#!/usr/bin/env bash
# npm run bench: phoenix against the operators' scripts, in the bench's own namespace lab
# (bench/run.ts does the work; BENCHMARKS.md says how and why). Takes a few minutes.
# Needs root (network namespaces), the lab's system packages (scripts/setup.sh installs them) and
# a built dist/. Traffic stays inside the lab's namespaces and their loopback.
#   npm run bench -- --help        options (runs, pct delay, timeout, scale sizes, sections)
set -euo pipefail
cd "$(dirname "$0")/.."
export OCLIF_SKIP_NEW_VERSION_CHECK=true

# A lab of its own beside the test suite's (phx-, .lab/): the suite may run at the same time.
export PHOENIX_LAB_PREFIX=${PHOENIX_LAB_PREFIX:-phb-}
export PHOENIX_LAB_STATE=${PHOENIX_LAB_STATE:-$PWD/.lab-bench}
if [ "$PHOENIX_LAB_PREFIX" = phx- ]; then echo "bench: phx- is the test suite's lab; use another PHOENIX_LAB_PREFIX" >&2; exit 64; fi

if [ "$(id -u)" != 0 ]; then echo "bench: needs root (network namespaces, nft, sshd): run it as root" >&2; exit 1; fi
if [ ! -f dist/commands/check.js ] || [ ! -f oclif.manifest.json ]; then
  # Not built here: `npm run build` deletes dist/, which would break a test run going on meanwhile.
  echo "bench: phoenix is not built (dist/, oclif.manifest.json): run npm run build (or scripts/setup.sh) first" >&2
  exit 1
fi
[ -d node_modules/tsx ] || { echo "bench: npm dependencies missing: run npm ci (or scripts/setup.sh) first" >&2; exit 1; }

# bench/run.ts tears its lab down itself, also on SIGTERM (passed on below: bash would otherwise
# wait for the driver to finish); the EXIT trap is the second net, for a crash of node itself.
trap 'node --import tsx test/lab/cli.ts down >/dev/null 2>&1 || true' EXIT
node --import tsx bench/run.ts "$@" &
bench=$!
trap 'kill -TERM "$bench" 2>/dev/null; wait "$bench"; exit 130' INT TERM
wait "$bench"
