#!/usr/bin/env bash
# Builds the site relay's Debian package with cargo-deb:
#   scripts/package-relay.sh
# -> <target>/debian/agentbar-relay_<version>-1_<arch>.deb (path printed at the end)
# Installs cargo-deb (cargo install --locked) when it is missing; otherwise
# idempotent: a second run rebuilds only what changed. Honours
# CARGO_TARGET_DIR. Prints the package's fields and contents
# (dpkg-deb -I / -c) and checks what an administrator relies on: the binary,
# the unit, the sample settings as a conffile readable by root only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! cargo deb --version >/dev/null 2>&1; then
  echo "==> installing cargo-deb"
  cargo install cargo-deb --locked
fi
# `$auto` dependencies come from dpkg-shlibdeps (dpkg-dev).
if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg-dev
fi

echo "==> cargo deb -p agentbar-relay"
DEB=$(cargo deb -p agentbar-relay | tail -n 1)
DEB=$(readlink -f "$DEB")

echo "==> $DEB"
dpkg-deb -I "$DEB"
dpkg-deb -c "$DEB"

failed=0
check() {
  if eval "$2"; then echo "PASS: $1"; else echo "FAIL: $1"; failed=1; fi
}
listing=$(dpkg-deb -c "$DEB")
check "binary /usr/bin/agentbar-relay, mode 755" \
  'grep -Eq "^-rwxr-xr-x (root/root|0/0) .* \./usr/bin/agentbar-relay$" <<<"$listing"'
check "systemd unit agentbar-relay.service" \
  'grep -Eq "^-rw-r--r-- (root/root|0/0) .* \./(usr/)?lib/systemd/system/agentbar-relay\.service$" <<<"$listing"'
check "sample settings /etc/agentbar-relay/relay.env, mode 600 (root only)" \
  'grep -Eq "^-rw------- (root/root|0/0) .* \./etc/agentbar-relay/relay\.env$" <<<"$listing"'
check "relay.env is a conffile" \
  'dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles | grep -qx /etc/agentbar-relay/relay.env'
check "maintainer scripts present" \
  'dpkg-deb --ctrl-tarfile "$DEB" | tar -t | grep -q "^./postinst$"'
if [ "$failed" -ne 0 ]; then exit 1; fi
echo "$DEB"
