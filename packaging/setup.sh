#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   bash packaging/setup.sh demo   install dependencies, build, train and fit the cpu_fast study
#   bash packaging/setup.sh test   install dependencies, build, run the test suite
#   bash packaging/setup.sh build  install dependencies and build
# Environment: BUILD_DIR (default build), PRESET (default cpu_fast: real training on the built-in
#              corpus; demo: the simulated sweep in seconds), STUDY (default ./<preset>-study),
#              JOBS (default: all cores).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
action="${1:-build}"
build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"

if [ "$action" = test ]; then
  bash packaging/install-deps.sh --tests
else
  bash packaging/install-deps.sh
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" -j "$jobs"

case "$action" in
  build) ;;
  demo)
    preset="${PRESET:-cpu_fast}"
    study="${STUDY:-$here/${preset}-study}"
    "$build_dir/app/flopsfit" --batch all --preset "presets/${preset}.jsonc" --out "$study"
    echo "figures: $study/figures"
    ;;
  test)
    QT_QPA_PLATFORM=offscreen ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
    ;;
  *)
    echo "usage: bash packaging/setup.sh [build|demo|test]" >&2
    exit 2
    ;;
esac
