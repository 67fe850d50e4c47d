#!/usr/bin/env bash
# The baseline: what the operators' shell scripts do today, run on the Proxmox host. Each check is
# its own command, one after another, each waiting out its own timeout: `pct exec CT -- …` for
# anything inside a CT (so a real host pays pct's Perl start and lxc-attach every time), then
# ping, nc and curl from the host, then nc and curl from the gateway CT, then curl through the
# gateway. It runs the checks phoenix runs, for the same services, with the same per-probe timeout.
#
# Where phoenix reads more (journal lines, nginx -T for every route, the hardening audit) the
# baseline reads less: one `systemctl status`, one `nginx -T` for the whole run. So every ratio
# against it is a lower bound.
#
#   baseline.sh PLAN TIMEOUT_MS       PLAN: one service per line (bench/baseline-plan.ts writes it)
#
# Prints one line per check: "<service> <check> rc=<exit code> http=<status or ->"; never stops.
set -uo pipefail

PLAN=$1
T=$(awk -v ms="$2" 'BEGIN { printf "%.1f", ms / 1000 }')   # curl --max-time takes fractions
TW=$(( ($2 + 999) / 1000 ))                                   # nc -w and ping -W take whole seconds

# Runs one check; prints its exit code and, for curl, the HTTP status (curl exits 0 on a 401).
check() {
  local svc=$1 id=$2 out rc; shift 2
  out=$("$@" 2>/dev/null); rc=$?
  [[ $out =~ ^[0-9]{3}$ ]] || out=-
  echo "$svc $id rc=$rc http=$out"
}
http() { curl -sS -o /dev/null -w '%{http_code}' --max-time "$T" "$@"; }
# A WebSocket upgrade through the route. curl 7.x has no WebSocket client: it asks for the upgrade,
# reads the 101, then waits for the connection to end (up to the timeout: an open socket is the
# healthy case). Success is the 101, whatever curl's exit code.
upgrade() {
  local code
  code=$(http --http1.1 -H "Origin: $1" -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: cGhvZW5peC1iYXNlbGluZQ==' "$1$2")
  echo "$code"
  [ "$code" = 101 ]
}
# The API key header for "ENV:api-key" or "ENV:bearer" (the operator exports the key, as for phoenix).
auth() {
  case $1 in
    -) ;;
    *:api-key) local var=${1%%:*}; printf '%s\n' -H "api-key: ${!var}" ;;
    *:bearer) local var=${1%%:*}; printf '%s\n' -H "Authorization: Bearer ${!var}" ;;
  esac
}

# One service's walk, inside out. Fields: see baseline-plan.ts (PlanLine).
walk() {
  local name=$1 ct=$2 addr=$3 port=$4 runtime=$5 unit=$6 health=$7 extras=$8 cli=$9 gwct=${10} gwurl=${11} client=${12} method=${13} ws=${14}
  local -a key
  mapfile -t key < <(auth "${15}")
  # service: inside the CT
  case $runtime in
    systemd) check "$name" service.runtime pct exec "$ct" -- systemctl status "$unit" --no-pager --lines=15 ;;
    docker) check "$name" service.runtime pct exec "$ct" -- docker inspect -f '{{.State.Status}}' "$unit" ;;
  esac
  check "$name" service.listen pct exec "$ct" -- ss -tlnp
  check "$name" service.http pct exec "$ct" -- curl -sS -o /dev/null -w '%{http_code}' --max-time "$T" "http://127.0.0.1:$port$health"
  local path
  [ "$extras" = - ] && extras=''
  for path in ${extras//,/ }; do
    check "$name" "service.extra$path" pct exec "$ct" -- curl -sS -o /dev/null -w '%{http_code}' --max-time "$T" "${key[@]}" "http://127.0.0.1:$port$path"
  done
  [ "$cli" = - ] || check "$name" service.cli pct exec "$ct" -- bash -lc "command -v $cli"
  # host: from the Proxmox host to the CT's address
  check "$name" host.ping ping -n -c 1 -W "$TW" "$addr"
  check "$name" host.tcp nc -z -w "$TW" "$addr" "$port"
  check "$name" host.http http "http://$addr:$port$health"
  # gateway: the hop nginx makes, from inside the gateway CT (the gateway itself skips it)
  if [ "$gwct" != - ]; then
    check "$name" gateway.tcp pct exec "$gwct" -- nc -z -w "$TW" "$addr" "$port"
    check "$name" gateway.http pct exec "$gwct" -- curl -sS -o /dev/null -w '%{http_code}' --max-time "$T" "http://$addr:$port$health"
  fi
  # client: through the gateway's route, as a user's request goes
  check "$name" client.http http -X "$method" "${key[@]}" "$gwurl$client"
  if [ "$ws" != - ]; then
    check "$name" client.websocket upgrade "$gwurl" "$ws"
  fi
}

# The gateway's own checks, as an operator reads nginx: config test, the loaded config, the log.
gateway_self() {
  local ct=$1 conf=$2 log=$3
  check gateway service.config pct exec "$ct" -- nginx -t -c "$conf"
  check gateway service.routes pct exec "$ct" -- nginx -T -c "$conf"
  check gateway service.errors pct exec "$ct" -- tail -n 200 "$log"
}

while IFS=$'\t' read -r -a f; do
  case ${f[0]} in
    '#'*|'') ;;
    gateway-self) gateway_self "${f[1]}" "${f[2]}" "${f[3]}" ;;
    auth) check gateway "client.auth.${f[1]}" http "${f[2]}" ;;   # an API route without credentials
    *) walk "${f[@]}" ;;
  esac
done < "$PLAN"
