#!/usr/bin/env bash
# Installs every Debian 12 package that flops-fit needs to build, test, run its demo and
# benchmarks. Run as root (or with sudo). Safe to run again.
# With --tests it also installs what only the test suite needs (a local Slurm for the cluster
# test).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # Qt 6 (Charts' CMake config needs libqt6opengl6-dev)
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-svg-dev libqt6svg6 libgl-dev
  # science and training
  libtorch-dev libeigen3-dev libceres-dev libsentencepiece-dev sentencepiece
  # torch's matrix products run through the system BLAS: the OpenMP OpenBLAS scales to all cores
  libopenblas0-openmp
  # headless figures and screenshots
  xvfb xauth fonts-dejavu-core
  # the eager PyTorch reference the trainer benchmark compares against
  python3-torch
)
if [ "${1:-}" = "--tests" ]; then
  packages+=(munge slurm-wlm)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
