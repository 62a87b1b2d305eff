#!/usr/bin/env bash
# Runs the README's test command on a stock Debian 12: a fresh Debian 12 root
# (debootstrap, minbase, from the mirror this machine's apt uses) given
# nothing but the Rust toolchain (this machine's rustup toolchain, copied in)
# and a clean clone of this repository's HEAD; inside it `scripts/dev.sh test`
# must install everything else itself (apt packages, Node.js, npm packages,
# tauri-driver) and pass. Not part of the test command; needs root.
#
#   scripts/fresh-machine-test.sh            # the base root is cached in target/fresh/base
#   scripts/fresh-machine-test.sh --keep     # leave the root in target/fresh/root afterwards
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
WORK="$REPO/target/fresh"
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1

if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-machine-test.sh needs root (debootstrap, chroot, mounts)." >&2
  exit 2
fi
step() { printf '\n==> %s\n' "$*"; }

MOUNTS=()
cleanup() {
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null || true; done
  if [ "$KEEP" -eq 0 ] && [ -n "${TARGET:-}" ]; then rm -rf --one-file-system "$TARGET"; fi
}
trap cleanup EXIT

mkdir -p "$WORK"
if ! command -v debootstrap >/dev/null; then
  apt-get update >/dev/null && apt-get install -y --no-install-recommends debootstrap >/dev/null
fi
MIRROR=$(grep -hoE '^URIs: *http[^ ]*/debian$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | sed 's/^URIs: *//')
[ -n "$MIRROR" ] || MIRROR=$(grep -hoE '^deb +http[^ ]*/debian ' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
[ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
if [ ! -x "$WORK/base/usr/bin/apt-get" ]; then
  step "making a fresh Debian 12 root (debootstrap bookworm from $MIRROR; cached in $WORK/base)"
  rm -rf "$WORK/base.partial"
  debootstrap --variant=minbase --include=ca-certificates,git bookworm "$WORK/base.partial" "$MIRROR" \
    > "$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log"; echo "FAIL: debootstrap"; exit 1; }
  mv "$WORK/base.partial" "$WORK/base"
fi

TARGET="$WORK/root"
awk -v t="$TARGET/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
rm -rf --one-file-system "$TARGET"
cp -a "$WORK/base" "$TARGET"
for m in proc sys dev dev/pts dev/shm; do mkdir -p "$TARGET/$m"; done
mount -t proc proc "$TARGET/proc" && MOUNTS+=("$TARGET/proc")
mount --bind /sys "$TARGET/sys" && MOUNTS+=("$TARGET/sys")
mount --bind /dev "$TARGET/dev" && MOUNTS+=("$TARGET/dev")
mount --bind /dev/pts "$TARGET/dev/pts" && MOUNTS+=("$TARGET/dev/pts")
mount -t tmpfs shm "$TARGET/dev/shm" && MOUNTS+=("$TARGET/dev/shm")
cp /etc/resolv.conf "$TARGET/etc/resolv.conf"
# What the Debian installer writes and debootstrap leaves out: localhost resolves.
if ! grep -qw localhost "$TARGET/etc/hosts" 2>/dev/null; then
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$TARGET/etc/hosts"
fi
if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
  rm -f "$TARGET/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources "$TARGET/etc/apt/sources.list.d/"
fi
printf '#!/bin/sh\nexit 101\n' > "$TARGET/usr/sbin/policy-rc.d"; chmod +x "$TARGET/usr/sbin/policy-rc.d"
# This machine's own network trust (extra CA certificates, such as those of
# an intercepting proxy) goes in too, so the root reaches the same registries.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  mkdir -p "$TARGET/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$TARGET/usr/local/share/ca-certificates/"
  chroot "$TARGET" update-ca-certificates >/dev/null 2>&1
fi
PROXY_ENV=()
for var in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -n "${!var:-}" ] && PROXY_ENV+=("$var=${!var}")
done

step "giving it the Rust toolchain only (rustup and cargo from this machine)"
RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
mkdir -p "$TARGET/root/.cargo/bin"
cp -a "$RUSTUP_HOME" "$TARGET/root/.rustup"
for tool in rustup cargo rustc rustfmt cargo-fmt cargo-clippy clippy-driver rustdoc; do
  [ -e "$CARGO_HOME/bin/$tool" ] && cp -a "$CARGO_HOME/bin/$tool" "$TARGET/root/.cargo/bin/"
done
if chroot "$TARGET" sh -c 'command -v node || command -v npm || command -v tauri-driver'; then
  echo "FAIL: the fresh root already has Node.js or tauri-driver" >&2
  exit 1
fi

step "a clean clone of $(git rev-parse --short HEAD)"
git clone -q --no-local "$REPO" "$TARGET/root/agentbar"

step "scripts/dev.sh test inside the fresh Debian 12 root"
started=$(date +%s)
set +e
chroot "$TARGET" env -i HOME=/root TERM=dumb LANG=C.UTF-8 "${PROXY_ENV[@]}" \
  NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
  PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -c 'cd /root/agentbar && scripts/dev.sh test' 2>&1 | tee "$WORK/test.log"
status=${PIPESTATUS[0]}
set -e
elapsed=$(($(date +%s) - started))
# The run's logs and screenshots outlive the root.
rm -rf "$WORK/artifacts"
[ -d "$TARGET/root/agentbar/artifacts" ] && cp -a "$TARGET/root/agentbar/artifacts" "$WORK/artifacts"
printf '\nfresh Debian 12: scripts/dev.sh test exited %s after %dm%02ds (log: %s, artifacts: %s)\n' \
  "$status" $((elapsed / 60)) $((elapsed % 60)) "$WORK/test.log" "$WORK/artifacts"
exit "$status"
