#!/usr/bin/env bash
# Screenshots of the desktop app's three areas for the README, taken under Xvfb:
# trains the demo study on the simulated backend, opens it in the app and saves
# docs/screenshots/{plan,train,analyze}.png (the app's own --screenshot option grabs each area).
#   bash packaging/screenshots.sh [BUILD_DIR]     (default: build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$(cd "${1:-$here/build}" && pwd)"
flopsfit="$build_dir/app/flopsfit"
out="$here/docs/screenshots"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

study="$work/demo-study"
"$flopsfit" --batch plan --preset "$here/presets/demo.jsonc" --out "$study" fit.bootstrap=200 >/dev/null
"$flopsfit" --batch train --study "$study" 2>/dev/null

# A clean settings folder, so the window opens at its default size and no recent list leaks in.
export XDG_CONFIG_HOME="$work/config"
export XDG_RUNTIME_DIR="$work/runtime"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
mkdir -p "$out"
xvfb-run --auto-servernum --server-args="-screen 0 1600x1000x24 -dpi 96" \
  "$flopsfit" --screenshot "$out" "$study"
ls -l "$out"
