#!/usr/bin/env bash
# Builds the real-CT lab's Debian rootfs once (debootstrap from the mirror apt uses) and caches it
# outside git: a gzip tarball and its extracted tree under PHOENIX_LAB_CACHE (/var/cache/phoenix-lab).
# Every lab's CTs boot from the extracted tree as a read-only overlay lower dir; quick when cached.
# Needs root, lxc's and debootstrap's packages (scripts/setup.sh installs them) and the mirror.
set -euo pipefail
CACHE=${PHOENIX_LAB_CACHE:-/var/cache/phoenix-lab}
# Bump when the package list changes: a new name builds a new tarball, the old one is left alone.
# qemu-guest-agent: a lab VM (test/lab/vms.ts) runs it; in a CT its unit waits for a virtio port and stays off.
NAME=rootfs-bookworm-v2
INCLUDE=systemd,systemd-sysv,dbus,iproute2,curl,procps,netcat-openbsd,libstdc++6,qemu-guest-agent
TARBALL="$CACHE/$NAME.tar.gz"
TREE="$CACHE/$NAME"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9    # two labs (or two setups) build it once

if [ ! -f "$TARBALL" ]; then
  started=$(date +%s)
  MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  build="$CACHE/build.$$"
  rm -rf "$build"; trap 'rm -rf "$build"' EXIT
  echo "lab-rootfs: debootstrap bookworm from $MIRROR (once; cached in $TARBALL)" >&2
  debootstrap --variant=minbase --include="$INCLUDE" bookworm "$build" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  chroot "$build" apt-get clean
  rm -rf "$build"/var/lib/apt/lists/*
  # Timers and units that do nothing useful in a lab CT and would only cost CPU at boot.
  for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
           dpkg-db-backup.timer systemd-pstore.service; do
    chroot "$build" systemctl mask "$u" >/dev/null 2>&1 || true
  done
  : >"$build/etc/machine-id"    # each CT writes its own at boot
  tar -C "$build" -czf "$TARBALL.tmp" --numeric-owner . && mv "$TARBALL.tmp" "$TARBALL"
  echo "lab-rootfs: built in $(( $(date +%s) - started )) s" >&2
fi

if [ ! -f "$TREE/.complete" ]; then
  rm -rf "$TREE.tmp"; mkdir -p "$TREE.tmp"
  tar -C "$TREE.tmp" -xzf "$TARBALL" --numeric-owner
  rm -rf "$TREE"; mv "$TREE.tmp" "$TREE"; : >"$TREE/.complete"
fi
echo "$TREE"
