#!/usr/bin/env bash
# AgentBar's two set-up commands (see README.md):
#   scripts/dev.sh run    install what is missing, build, start the app on its demo
#   scripts/dev.sh test   install what is missing, then every check and test
# Both are idempotent, work as root, and use sudo otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian 12 / Ubuntu packages: WebKitGTK and tray/keyring/notification libraries
# to build the app; Xvfb, D-Bus, gnome-keyring, dunst and WebKitWebDriver to test it.
APT_PACKAGES=(
  build-essential pkg-config curl wget file ca-certificates
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools dunst
  jq libglib2.0-bin imagemagick x11-apps procps
)
TAURI_DRIVER_VERSION="2.0.6"

step() { printf '\n==> %s\n' "$*"; }

install_system_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing system packages: ${missing[*]}"
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

install_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    step "installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if command -v rustup >/dev/null 2>&1; then
    rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
    rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  fi
}

install_node() {
  local major=0
  if command -v node >/dev/null 2>&1; then major=$(node -p 'process.versions.node.split(".")[0]'); fi
  if [ "$major" -lt 20 ]; then
    step "installing Node.js"
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
    major=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$major" -lt 20 ]; then
      echo "AgentBar's UI build needs Node.js 20 or later; this system has $(node --version)." >&2
      exit 1
    fi
  fi
}

install_tauri_driver() {
  if ! cargo install --list | grep -q "^tauri-driver v${TAURI_DRIVER_VERSION}:"; then
    step "installing tauri-driver ${TAURI_DRIVER_VERSION}"
    cargo install tauri-driver --version "${TAURI_DRIVER_VERSION}" --locked
  fi
}

build_ui() {
  step "building the connection bar UI"
  if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    # `npm install` with the committed lockfile installs exactly the locked
    # versions; unlike `npm ci` it accepts lockfiles that list other
    # platforms' optional packages by version only.
    (cd ui && npm install --no-audit --no-fund)
  fi
  (cd ui && npm run build)
}

install_all() {
  install_system_packages
  install_rust
  install_node
  build_ui
}

run_app() {
  install_all
  step "building AgentBar"
  cargo build --locked -p agentbar
  step "starting AgentBar"
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No display: starting AgentBar under Xvfb (take a look with: DISPLAY=<shown below> import -window root shot.png)."
    exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
      dbus-run-session -- sh -c 'echo "DISPLAY=$DISPLAY"; exec ./target/debug/agentbar'
  fi
  exec ./target/debug/agentbar
}

run_tests() {
  install_all
  install_tauri_driver
  step "formatting"
  cargo fmt --all -- --check
  step "UI type check and unit tests"
  (cd ui && npm run typecheck && npm test)
  step "clippy"
  cargo clippy --locked --workspace --all-targets -- -D warnings
  step "building the binaries the end-to-end tests launch"
  cargo build --locked --workspace --bins
  step "Rust tests"
  cargo test --locked --workspace --exclude agentbar-e2e
  step "end-to-end tests (real app, Xvfb, WebDriver, keyring, notifications)"
  cargo test --locked -p agentbar-e2e -- --test-threads=1
}

case "${1:-}" in
  run) run_app ;;
  test) run_tests ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
