#!/usr/bin/env bash
# AgentBar's benchmarks (see README.md): builds the release binaries and a
# bare Tauri window to compare with, then runs every measurement and prints
# the tables. Figures go to artifacts/bench/<name>.json and
# artifacts/bench/summary.md. Idempotent; the measuring takes about 25 minutes on 2 cores.
# Not part of `scripts/dev.sh test`: the figures depend on the machine.
#
#   scripts/bench.sh                 everything (agentbar-bench all)
#   scripts/bench.sh latency --events 200   one measurement, with options
#
# Needs what `scripts/dev.sh test` installs (WebKitGTK, Xvfb, D-Bus,
# gnome-keyring, tauri-driver, Node.js for the page); run that once first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi

step() { printf '\n==> %s\n' "$*" >&2; }
started=$(date +%s)

if [ ! -f ui/dist/index.html ] || [ -n "$(find ui/src ui/index.html -newer ui/dist/index.html -print -quit 2>/dev/null)" ]; then
  step "building the connection bar page"
  if [ ! -f ui/node_modules/.package-lock.json ]; then (cd ui && npm install --no-audit --no-fund); fi
  (cd ui && npm run build)
fi

# One build for all four: the dependency tree is compiled once, with one
# feature set (building them one by one compiled much of it four times).
step "building the release binaries (agentbar, agentbar-cli, agentgateway-sim, agentbar-bench)"
cargo build --release --locked -p agentbar -p agentbar-cli -p agentgateway-sim -p agentbar-bench

step "building the bare Tauri window (target/bare-window)"
cargo build --release --manifest-path bench/bare-window/Cargo.toml --target-dir target/bare-window

step "running the benchmarks"
if [ $# -eq 0 ]; then set -- all; fi
status=0
target/release/agentbar-bench "$@" || status=$?
echo "scripts/bench.sh: $(( $(date +%s) - started )) s in all" >&2
exit $status
