#!/usr/bin/env bash
# Installs what phoenix's build, tests, lab and demo need on a fresh Debian machine, then builds.
# Idempotent and quick when everything is already there. Needs root (apt, network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: dnsmasq (the lab host's DNS, as the operators run it), real nginx, sshd, ping, nc, curl, ss, nft for the lab; openssl for its CA; lxc
# and debootstrap for the real-CT lab (without recommends: those edit PAM and add AppArmor);
# prometheus for promtool (the --format prometheus and alert-rule tests), systemd for systemd-analyze.
PACKAGES=(dnsmasq-base nginx openssh-server openssh-client iputils-ping netcat-openbsd curl iproute2 procps nftables openssl lxc debootstrap prometheus systemd)
BINARIES=(/usr/sbin/dnsmasq /usr/sbin/nginx /usr/sbin/sshd /usr/bin/ssh-keygen /usr/bin/ping /usr/bin/nc /usr/bin/curl /usr/bin/ss /usr/sbin/nft /usr/bin/openssl /usr/bin/pgrep /usr/bin/lxc-start /usr/sbin/debootstrap /usr/bin/promtool /usr/bin/systemd-analyze)
missing=0
for b in "${BINARIES[@]}"; do [ -x "$b" ] || missing=1; done
if [ "$missing" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then echo "setup: missing system packages; run as root: apt-get install ${PACKAGES[*]}" >&2; exit 1; fi
  echo "setup: installing ${PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
  # Only promtool is wanted from the prometheus package: where systemd runs, its server is not.
  if [ -d /run/systemd/system ]; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
fi

# npm dependencies, exactly as locked; skipped when node_modules matches the lock already.
export OCLIF_SKIP_NEW_VERSION_CHECK=true
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# The real-CT lab's Debian rootfs and its docker layer (docker.io over it; the layer script builds
# the rootfs first): built once (a few minutes, then about 30 s) and cached in /var/cache/phoenix-lab.
if [ "$(id -u)" = 0 ]; then bash scripts/lab-docker-layer.sh >/dev/null; fi

npm run --silent build
