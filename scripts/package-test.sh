#!/usr/bin/env bash
# Proves the built .deb installs, starts and uninstalls:
#   scripts/package-test.sh [--fresh-root|--host] [DEB]
#
# --fresh-root (default): a fresh Debian 12 root (debootstrap, minbase, cached
#   in target/pkgtest/base) from the same mirror this machine's apt uses; the
#   .deb is installed there with apt --no-install-recommends, so its declared
#   Depends alone must make the app run. Nothing is installed on this machine
#   but debootstrap.
# --host: installs the .deb on this machine (without Recommends), then removes it.
#
# Checks: apt installs it; no shared library is missing; /usr/bin/agentbar, a
# desktop entry that passes desktop-file-validate, hicolor icons and the admin
# example file are there; the installed app, with the example file as
# /etc/agentbar/defaults.json, starts under Xvfb with a session bus, stays up
# for 8 seconds, shows its window and draws something (screenshot saved to
# artifacts/screenshots/installed-app.png), and read the defaults without
# complaint; `apt-get purge` removes it. Prints PASS/FAIL lines; exits 1 on any
# FAIL. Run as root (or it uses sudo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
if [ "$(id -u)" -ne 0 ]; then exec sudo -E "$0" "$@"; fi

MODE=fresh-root
DEB=""
for arg in "$@"; do
  case "$arg" in
    --fresh-root) MODE=fresh-root ;;
    --host) MODE=host ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) DEB=$arg ;;
  esac
done
if [ -z "$DEB" ]; then
  shopt -s nullglob
  debs=(target/release/bundle/deb/*.deb)
  shopt -u nullglob
  if [ ${#debs[@]} -ne 1 ]; then
    echo "expected one .deb in target/release/bundle/deb (found ${#debs[@]}): run scripts/package.sh first" >&2
    exit 2
  fi
  DEB=${debs[0]}
fi
DEB=$(readlink -f "$DEB")
PKG=$(dpkg-deb --field "$DEB" Package)
SHOT="$ROOT/artifacts/screenshots/installed-app.png"
WORK="$ROOT/target/pkgtest"
mkdir -p "$WORK" "$(dirname "$SHOT")"

FAILED=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }
step() { printf '\n==> %s\n' "$*"; }
export DEBIAN_FRONTEND=noninteractive

# Everything below runs "in the target": the fresh root through chroot, or this machine.
TARGET=""
in_target() {
  if [ -n "$TARGET" ]; then chroot "$TARGET" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
  else "$@"; fi
}
MOUNTS=()
cleanup() {
  set +e
  if [ -n "$TARGET" ]; then
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null; done
    for m in "${MOUNTS[@]}"; do
      if mountpoint -q "$m"; then echo "still mounted: $m; not deleting $TARGET" >&2; return; fi
    done
    rm -rf --one-file-system "$TARGET"
  elif dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "install ok installed"; then
    apt-get purge -y "$PKG" >/dev/null 2>&1
  fi
}
trap cleanup EXIT

step "package $PKG from $DEB ($(du -h "$DEB" | cut -f1)); mode $MODE"
dpkg-deb --field "$DEB" Version Depends Recommends

if [ "$MODE" = fresh-root ]; then
  if ! command -v debootstrap >/dev/null; then
    apt-get update >/dev/null && apt-get install -y --no-install-recommends debootstrap >/dev/null
  fi
  # The mirror this machine's apt uses (deb822 sources or sources.list).
  MIRROR=$(grep -hoE '^URIs: *http[^ ]*/debian$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | sed 's/^URIs: *//')
  [ -n "$MIRROR" ] || MIRROR=$(grep -hoE '^deb +http[^ ]*/debian ' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
  [ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
  if [ ! -x "$WORK/base/usr/bin/apt-get" ]; then
    step "making a fresh Debian 12 root (debootstrap bookworm from $MIRROR; cached in $WORK/base)"
    rm -rf "$WORK/base.partial"
    debootstrap --variant=minbase bookworm "$WORK/base.partial" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap.log"; echo "FAIL: debootstrap"; exit 1; }
    mv "$WORK/base.partial" "$WORK/base"
  fi
  TARGET="$WORK/root"
  # A root left by an interrupted run: detach its mounts before deleting it.
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
  # The same suites as this machine (bookworm, -updates, -security) when it uses deb822 sources.
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    rm -f "$TARGET/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/*.sources "$TARGET/etc/apt/sources.list.d/"
  fi
  printf '#!/bin/sh\nexit 101\n' > "$TARGET/usr/sbin/policy-rc.d"; chmod +x "$TARGET/usr/sbin/policy-rc.d"
  cp "$DEB" "$TARGET/tmp/$PKG.deb"
  INSTALL_DEB="/tmp/$PKG.deb"
  APT_OPTS=(--no-install-recommends)   # Depends alone must be enough to run
  step "apt-get install $INSTALL_DEB in the fresh root"
  in_target apt-get update > "$WORK/apt.log" 2>&1
else
  if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "install ok installed"; then
    echo "$PKG is already installed on this machine; remove it first (apt-get purge $PKG)." >&2
    trap - EXIT; exit 2
  fi
  if [ -e /etc/agentbar ]; then
    echo "/etc/agentbar exists on this machine; this test would replace it. Use --fresh-root." >&2
    trap - EXIT; exit 2
  fi
  INSTALL_DEB="$DEB"
  APT_OPTS=(--no-install-recommends)   # leave this machine as it was
  step "apt-get install $DEB on this machine"
  apt-get update > "$WORK/apt.log" 2>&1 || true
fi

if in_target apt-get install -y "${APT_OPTS[@]}" "$INSTALL_DEB" > "$WORK/apt-install.log" 2>&1; then
  pass "apt-get install resolves the declared dependencies and installs $PKG $(dpkg-deb --field "$DEB" Version) ($(grep -E '^[0-9]+ upgraded' "$WORK/apt-install.log"))"
else
  tail -20 "$WORK/apt-install.log"; fail "apt-get install $PKG"; exit 1
fi

BIN=/usr/bin/agentbar
if in_target test -x "$BIN"; then pass "$BIN is installed"; else fail "$BIN is missing"; fi
missing_libs=$(in_target ldd "$BIN" | grep 'not found' || true)
if [ -z "$missing_libs" ]; then pass "every shared library of $BIN is present"; else fail "missing libraries: $missing_libs"; fi
if in_target sh -c 'ldconfig -p | grep -q libayatana-appindicator3.so.1'; then
  pass "the tray library (libayatana-appindicator3, loaded at run time) is present"
else fail "libayatana-appindicator3.so.1 is missing (the tray needs it)"; fi

# Test tools, installed only now so they cannot hide a missing dependency above.
TOOLS=(desktop-file-utils xvfb xauth dbus x11-utils imagemagick)
if [ -n "$TARGET" ]; then
  step "installing the test tools in the fresh root: ${TOOLS[*]}"
  in_target apt-get install -y --no-install-recommends "${TOOLS[@]}" >> "$WORK/apt.log" 2>&1 \
    || { tail -20 "$WORK/apt.log"; fail "installing the test tools"; exit 1; }
else
  need=()
  for t in "${TOOLS[@]}"; do dpkg-query -W -f='${Status}' "$t" 2>/dev/null | grep -q "install ok installed" || need+=("$t"); done
  [ ${#need[@]} -eq 0 ] || apt-get install -y --no-install-recommends "${need[@]}" >> "$WORK/apt.log" 2>&1
fi

DESKTOP=$(in_target sh -c "dpkg -L $PKG | grep '^/usr/share/applications/.*\.desktop$'" || true)
if [ -n "$DESKTOP" ]; then
  pass "desktop entry $DESKTOP: $(in_target grep -E '^(Exec|Icon|Categories)=' "$DESKTOP" | tr '\n' ' ')"
  if out=$(in_target desktop-file-validate "$DESKTOP" 2>&1) && [ -z "$out" ]; then
    pass "desktop-file-validate $DESKTOP"
  else fail "desktop-file-validate $DESKTOP: $out"; fi
else fail "no desktop entry under /usr/share/applications"; fi
ICONS=$(in_target sh -c "dpkg -L $PKG | grep '^/usr/share/icons/hicolor/.*\.png$'" || true)
if [ -n "$ICONS" ]; then pass "hicolor icons: $(echo $ICONS)"; else fail "no icons under /usr/share/icons/hicolor"; fi
EXAMPLE=/usr/share/doc/$PKG/defaults.example.json
if in_target test -f "$EXAMPLE"; then pass "administrator example $EXAMPLE"; else fail "$EXAMPLE is missing"; fi

step "starting the installed app (Xvfb, session bus, /etc/agentbar/defaults.json from the example) for 8 s"
in_target mkdir -p /etc/agentbar
in_target cp "$EXAMPLE" /etc/agentbar/defaults.json
RUNDIR=/tmp/agentbar-pkgtest-run
in_target rm -rf "$RUNDIR"
in_target mkdir -p "$RUNDIR/home"
# shellcheck disable=SC2016
in_target env HOME="$RUNDIR/home" RUNDIR="$RUNDIR" BIN="$BIN" \
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- sh -c '
    export XDG_RUNTIME_DIR=$RUNDIR/xdg-run; mkdir -m700 -p "$XDG_RUNTIME_DIR"
    "$BIN" > "$RUNDIR/app.log" 2>&1 &
    pid=$!
    sleep 8
    if kill -0 $pid 2>/dev/null; then echo alive > "$RUNDIR/alive"; fi
    xwininfo -root -tree > "$RUNDIR/windows.txt" 2>&1
    import -window root "$RUNDIR/shot.png" 2>> "$RUNDIR/app.log"
    kill -TERM $pid 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 $pid 2>/dev/null || break; sleep 0.5; done
    if kill -0 $pid 2>/dev/null; then echo "still running after SIGTERM" >> "$RUNDIR/app.log"; kill -KILL $pid; fi
    wait $pid 2>/dev/null || true' > "$WORK/session.log" 2>&1 || true
R="${TARGET}${RUNDIR}"
if [ -f "$R/alive" ]; then pass "the installed app is still running after 8 s"; else
  fail "the installed app exited within 8 s"; tail -20 "$R/app.log" 2>/dev/null; fi
# The main window is titled "AgentBar" (the tray's hidden helper window is "agentbar").
if win=$(grep '"AgentBar": (' "$R/windows.txt"); then
  pass "its window exists: $(echo "$win" | head -1 | sed 's/^ *//')"
else fail "no window titled AgentBar (xwininfo -root -tree)"; fi
if [ -f "$R/shot.png" ]; then
  cp "$R/shot.png" "$SHOT"
  sd=$(in_target /usr/bin/convert "$RUNDIR/shot.png" -format '%[standard-deviation]' info:)
  if awk -v s="$sd" 'BEGIN { exit !(s > 0) }'; then pass "the screen is drawn (standard deviation $sd), saved to ${SHOT#"$ROOT"/}"
  else fail "the screenshot is uniform (standard deviation $sd)"; fi
else fail "no screenshot"; fi
if grep -q "settings could not be read" "$R/app.log"; then
  fail "the app rejected /etc/agentbar/defaults.json: $(grep "settings could not be read" "$R/app.log")"
else pass "the app read /etc/agentbar/defaults.json (the example) without complaint"; fi
LOGS=$(ls "$R"/home/.local/share/com.agentbar.desktop/logs/agentbar.*.log 2>/dev/null || true)
if [ -n "$LOGS" ]; then pass "it logs to ~/.local/share/com.agentbar.desktop/logs/$(basename "$(echo "$LOGS" | head -1)")"
else fail "no log file under ~/.local/share/com.agentbar.desktop/logs"; fi

step "apt-get purge $PKG"
in_target rm -rf /etc/agentbar "$RUNDIR"
if in_target apt-get purge -y "$PKG" >> "$WORK/apt.log" 2>&1 && ! in_target test -e "$BIN" \
   && ! in_target dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "install ok installed"; then
  pass "apt-get purge $PKG removes it ($BIN is gone)"
else fail "apt-get purge $PKG"; fi

echo
if [ "$FAILED" -eq 0 ]; then echo "package test: all checks PASS ($MODE)"; else echo "package test: FAIL ($MODE)"; fi
exit "$FAILED"
