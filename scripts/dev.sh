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
# to build the app; Xvfb, D-Bus, gnome-keyring, dunst and WebKitWebDriver to test it
# (systemd for busctl, which `dunstctl history` uses and a minimal root lacks;
# xdotool for real key presses on the X server).
APT_PACKAGES=(
  build-essential pkg-config curl wget file ca-certificates
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools dunst systemd xdotool
  jq libglib2.0-bin imagemagick x11-apps procps fonts-wqy-microhei openssl nats-server
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

# The UI toolchain (Vite 7) needs Node.js 20.19 or later. Debian 12 ships
# 18.20: then its npm fetches an official Node build from the npm registry
# (package node-linux-<arch>) into target/node, used for this run only.
NODE_VERSION="20.20.2"

node_is_recent() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}

install_node() {
  node_is_recent && return 0
  if ! command -v npm >/dev/null 2>&1; then
    step "installing Node.js and npm"
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
  fi
  node_is_recent && return 0
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "AgentBar's UI build needs Node.js 20.19 or later; no build for $(uname -m)." >&2; exit 1 ;;
  esac
  local dir="$PWD/target/node"
  local bin="$dir/node_modules/node-linux-$arch/bin"
  if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$NODE_VERSION" ]; then
    step "installing Node.js $NODE_VERSION from the npm registry (the system has $(node --version 2>/dev/null || echo none))"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock "node-linux-$arch@$NODE_VERSION"
  fi
  export PATH="$bin:$PATH"
  if ! node_is_recent; then
    echo "AgentBar's UI build needs Node.js 20.19 or later; $bin/node is $(node --version)." >&2
    exit 1
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

# The demo: a local simulated gateway playing a call-center day for agent 101,
# and the app signed in to it. The app gets its own config folder under
# target/demo, so a user's real settings are never touched.
DEMO_DIR="target/demo"
DEMO_AGENT="101"
DEMO_PASSWORD="Agent#101"

start_demo_gateway() {
  mkdir -p "$DEMO_DIR/config/agentbar"
  rm -f "$DEMO_DIR/gateway-ca.pem"
  ./target/debug/agentgateway-sim \
    --gateway-addr 127.0.0.1:8043 --control-addr 127.0.0.1:8044 \
    --ca-out "$DEMO_DIR/gateway-ca.pem" \
    --scenario day --agent "$DEMO_AGENT" --seed "${AGENTBAR_DEMO_SEED:-7}" --speed "${AGENTBAR_DEMO_SPEED:-1}" \
    > "$DEMO_DIR/gateway.log" 2>&1 &
  DEMO_GATEWAY_PID=$!
  trap 'kill "$DEMO_GATEWAY_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    [ -s "$DEMO_DIR/gateway-ca.pem" ] && break
    if ! kill -0 "$DEMO_GATEWAY_PID" 2>/dev/null; then
      echo "The demo gateway did not start (is port 8043 or 8044 in use?):" >&2
      cat "$DEMO_DIR/gateway.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  cat > "$DEMO_DIR/config/agentbar/settings.json" <<JSON
{
  "gateways": ["https://127.0.0.1:8043/agentgateway/resource"],
  "agentId": "$DEMO_AGENT",
  "phone": "6001",
  "mode": "poll",
  "trust": {"kind": "caFile", "path": "$PWD/$DEMO_DIR/gateway-ca.pem"}
}
JSON
  echo "Demo gateway: https://127.0.0.1:8043 (control API http://127.0.0.1:8044, log $DEMO_DIR/gateway.log)"
  echo "Signed in as agent $DEMO_AGENT; calls arrive through the day. Quit from the tray menu or with Ctrl-C."
}

run_app() {
  install_all
  step "building AgentBar and the demo gateway"
  cargo build --locked -p agentbar -p agentgateway-sim
  step "starting the demo: a simulated call-center day"
  start_demo_gateway
  export XDG_CONFIG_HOME="$PWD/$DEMO_DIR/config"
  export AGENTBAR_PASSWORD="$DEMO_PASSWORD"
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No display: starting AgentBar under Xvfb with its own session bus and keyring (in $DEMO_DIR)."
    # The demo's keyring lives under target/demo like its settings, never in
    # the user's own keyring folder.
    mkdir -p "$DEMO_DIR/data"
    export XDG_DATA_HOME="$PWD/$DEMO_DIR/data"
    xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- sh -c '
      echo "See it with: DISPLAY=$DISPLAY XAUTHORITY=$XAUTHORITY import -window root shot.png"
      printf demo | gnome-keyring-daemon --unlock --components=secrets >/dev/null
      exec ./target/debug/agentbar --sign-in'
  else
    ./target/debug/agentbar --sign-in
  fi
}

run_tests() {
  install_all
  install_tauri_driver
  step "formatting"
  cargo fmt --all -- --check
  step "the page's generated types match the Rust types (ui/src/bindings)"
  cargo test --locked -p agentbar --lib bindings
  step "UI type check and unit tests"
  (cd ui && npm run typecheck && npm test)
  step "clippy"
  cargo clippy --locked --workspace --all-targets -- -D warnings
  step "building the binaries the end-to-end tests launch"
  cargo build --locked --workspace --bins
  # One invocation for the whole workspace, so the dependencies are built once
  # with one feature set. The end-to-end tests (real app, Xvfb, WebDriver,
  # keyring, notifications) take turns for their desktops by themselves.
  step "Rust tests, end-to-end tests included"
  cargo test --locked --workspace
}

case "${1:-}" in
  run) run_app ;;
  test) run_tests ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
