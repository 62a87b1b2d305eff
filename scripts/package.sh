#!/usr/bin/env bash
# Builds AgentBar's Linux packages with the Tauri bundler:
#   scripts/package.sh
# -> target/release/bundle/deb/AgentBar_<version>_amd64.deb (always)
# -> target/release/bundle/appimage/AgentBar_<version>_amd64.AppImage (when the
#    bundler can make one on this machine; if not, the reason is printed and the
#    script still succeeds, because the .deb is the supported package).
# Idempotent; works as root and uses sudo otherwise. Needs Rust and Node.js 20+
# (scripts/dev.sh installs both).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

step() { printf '\n==> %s\n' "$*"; }

# What building and bundling needs from Debian 12 / Ubuntu: the WebKitGTK,
# tray and TLS development files, and `file` (the bundler probes binaries).
APT_PACKAGES=(
  build-essential pkg-config curl wget file ca-certificates
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing system packages: ${missing[*]}"
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
for tool in cargo node npm; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is missing: run scripts/dev.sh test (or run) once to install Rust and Node.js." >&2
    exit 1
  }
done

step "installing the Tauri CLI (packaging/, from npm)"
if [ ! -x packaging/node_modules/.bin/tauri ] || [ packaging/package-lock.json -nt packaging/node_modules/.package-lock.json ]; then
  (cd packaging && npm install --no-audit --no-fund)
fi
TAURI="$ROOT/packaging/node_modules/.bin/tauri"
"$TAURI" --version

step "building the connection bar UI"
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm install --no-audit --no-fund)
fi
(cd ui && npm run build)

step "building the release binary and the .deb"
rm -f target/release/bundle/deb/*.deb
(cd src-tauri && "$TAURI" build --bundles deb)
DEB=$(ls target/release/bundle/deb/*.deb)
echo "Built: $DEB ($(du -h "$DEB" | cut -f1))"
dpkg-deb --field "$DEB" Package Version Architecture Depends Recommends Installed-Size

step "trying the AppImage (from the same release binary)"
# The bundler downloads AppRun, linuxdeploy and its GTK plugin from GitHub at
# this step; where only the package registries are reachable that fails.
rm -f target/release/bundle/appimage/*.AppImage
if (cd src-tauri && "$TAURI" bundle --bundles appimage) > target/release/bundle/appimage-build.log 2>&1; then
  echo "Built: $(ls target/release/bundle/appimage/*.AppImage)"
else
  echo "AppImage NOT built on this machine (full log: target/release/bundle/appimage-build.log):"
  grep -E 'Downloading|Error' target/release/bundle/appimage-build.log | tail -3 || tail -3 target/release/bundle/appimage-build.log
  echo "The Tauri bundler fetches AppRun and linuxdeploy from GitHub to make an AppImage;"
  echo "build it on a machine that reaches GitHub. The .deb above is complete."
fi
