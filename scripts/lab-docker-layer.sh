#!/usr/bin/env bash
# Builds the real-CT lab's docker layer once and caches it next to the rootfs (scripts/lab-rootfs.sh):
# Debian's docker.io installed on top of the rootfs, kept as an overlay upper dir (what the install
# added or changed), so a docker CT mounts overlay:LAYER:ROOTFS:DELTA. The install runs in a chroot
# with a policy-rc.d that exits 101 (nothing starts during it), inside a private mount namespace (a
# killed build leaks no mount). Prints the layer's tree; quick when cached. Needs root and the mirror.
set -euo pipefail
CACHE=${PHOENIX_LAB_CACHE:-/var/cache/phoenix-lab}
export ROOTFS; ROOTFS=$(bash "$(dirname "$0")/lab-rootfs.sh" | tail -1)
# Bump when the package list changes: a new name builds a new layer, the old one is left alone. The
# layer only fits the rootfs it was installed over, so a new rootfs gets its own too.
# docker-compose: Debian's (v1; bookworm has no compose v2), for the VM's compose stack.
NAME=docker-v2-on-$(basename "$ROOTFS")
PACKAGES=(docker.io docker-compose)
TARBALL="$CACHE/$NAME.tar.gz"
TREE="$CACHE/$NAME"

exec 9>"$CACHE/.lock-docker"
flock 9    # two labs (or two setups) build it once

if [ ! -f "$TARBALL" ]; then
  started=$(date +%s)
  build="$CACHE/build-docker.$$"
  rm -rf "$build"; trap 'rm -rf "$build"' EXIT
  mkdir -p "$build/upper" "$build/work" "$build/merged"
  echo "lab-docker-layer: apt-get install ${PACKAGES[*]} over $ROOTFS (once; cached in $TARBALL)" >&2
  # The mounts live only in this private namespace: gone when it ends, however it ends.
  unshare --mount --propagation private bash -euc '
    m=$1; shift
    mount -t overlay overlay -o "lowerdir=$ROOTFS,upperdir=$m/../upper,workdir=$m/../work" "$m"
    mount -t proc proc "$m/proc"; mount --rbind /dev "$m/dev"
    cp /etc/resolv.conf "$m/etc/resolv.conf"
    printf "#!/bin/sh\nexit 101\n" >"$m/usr/sbin/policy-rc.d"; chmod 755 "$m/usr/sbin/policy-rc.d"
    export DEBIAN_FRONTEND=noninteractive
    chroot "$m" apt-get update -qq
    chroot "$m" apt-get install -y -qq --no-install-recommends "$@"
    chroot "$m" apt-get clean
    rm -rf "$m"/var/lib/apt/lists/* "$m/usr/sbin/policy-rc.d" "$m"/var/log/apt/* "$m/var/log/dpkg.log"
    : >"$m/etc/resolv.conf"
  ' layer "$build/merged" "${PACKAGES[@]}" >"$CACHE/docker-layer.log" 2>&1 \
    || { tail -20 "$CACHE/docker-layer.log" >&2; exit 1; }
  # Whiteouts (character devices) and opaque directories (trusted.overlay.* xattrs) are the layer too.
  tar -C "$build/upper" -czf "$TARBALL.tmp" --numeric-owner --xattrs --xattrs-include='trusted.overlay.*' . && mv "$TARBALL.tmp" "$TARBALL"
  echo "lab-docker-layer: built in $(( $(date +%s) - started )) s ($(du -sh "$build/upper" | cut -f1))" >&2
fi

if [ ! -f "$TREE/.complete" ]; then
  rm -rf "$TREE.tmp"; mkdir -p "$TREE.tmp"
  tar -C "$TREE.tmp" -xzf "$TARBALL" --numeric-owner --xattrs --xattrs-include='trusted.overlay.*'
  rm -rf "$TREE"; mv "$TREE.tmp" "$TREE"; : >"$TREE/.complete"
fi
echo "$TREE"
