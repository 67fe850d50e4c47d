#!/usr/bin/env bash
# phoenix demo on the namespace lab (test/lab): brings the lab up, checks every service, breaks
# one (Ollama bound to 127.0.0.1, the classic), shows `phoenix diag` naming the layer, the cause
# and the fix, heals it, checks again. The lab is torn down on exit, whatever happens.
# Needs root (network namespaces). Traffic stays inside the lab's namespaces (198.18.0.0/24).
set -euo pipefail
cd "$(dirname "$0")/.."
export OCLIF_SKIP_NEW_VERSION_CHECK=true

lab() { npx --no-install tsx test/lab/cli.ts "$@"; }
trap 'echo; echo "== tearing the lab down"; lab down || true' EXIT
trap 'exit 130' INT TERM   # so a Ctrl-C or a kill still runs the EXIT trap

SERVICE=${1:-ollama}
FAULT=${2:-loopback-bind}
STATE=${PHOENIX_LAB_STATE:-$PWD/.lab}
NS=${PHOENIX_LAB_PREFIX:-phx-}
# phoenix on the Proxmox host (the lab's pct on PATH), and on an admin machine over SSH.
on_host() { ip netns exec "${NS}pve" env PATH="$STATE/host-bin:$PATH" node bin/run.js "$@" --config "$STATE/phoenix-local.yaml"; }
on_admin() { ip netns exec "${NS}admin" node bin/run.js "$@" --config "$STATE/phoenix-ssh.yaml"; }

echo "== setting up (apt packages, npm dependencies, build)"
bash scripts/setup.sh
# The real-CT lab: every CT a real LXC container booting systemd, the docker-kind services real
# containers, VM 1002 with the real QEMU guest agent (PHOENIX_LAB_REAL=0: the shims alone, faster).
if [ "${PHOENIX_LAB_REAL:-1}" = 0 ]; then up=(up); else up=(up --real); fi
echo; echo "== bringing the lab up (${up[*]})"
lab "${up[@]}"
# The lab runs vllm-chat and Qdrant with API keys; phoenix reads them from the env vars the
# inventory names (apiKeyEnv): exported here, so no key is ever on a command line.
set -a; . "$STATE/api-keys.env"; set +a
# check exits with the Nagios code of the worst verdict: 0 on the healthy lab. The hardening the
# operators' plans recommend (the lab's nginx mirrors their current config) is audit's: exit 1.
code() { echo "(phoenix exited $1: 0 ok, 1 warning, 2 critical, 3 unknown)"; }
echo; echo "== phoenix check --all, on the Proxmox host"
on_host check --all || code $?
echo; echo "== phoenix audit: the gateway's hardening (posture, not health)"
on_host audit || code $?
echo; echo "== injecting $FAULT on $SERVICE"
lab fault "$SERVICE" "$FAULT"
echo; echo "== phoenix diag $SERVICE, from the admin machine over SSH"
on_admin diag "$SERVICE" --timeout 3s || code $?
echo; echo "== healing $SERVICE"
lab heal "$SERVICE"
echo; echo "== phoenix check --all again"
on_host check --all || code $?
