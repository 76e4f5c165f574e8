#!/usr/bin/env bash
# setup.sh - install what is missing, build, and run the demo or the tests.
#
#   ./scripts/setup.sh demo    install + build + build examples/cbuild with pipeline -j2 and test it
#   ./scripts/setup.sh test    install + build + run every unit and integration test
#   ./scripts/setup.sh build   install + build only
#   ./scripts/setup.sh deps    install the Debian packages only
#
# Packages come from Debian 12's mirror only. As root, missing packages are installed
# with apt-get; otherwise the script prints the exact command to run and stops.
# BUILD_DIR (default: build) and JOBS (default: 2) may be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
# Build: compiler, cmake, ninja. Libraries: see DEVELOPERS.md. Tests and examples:
# procps (pgrep), gzip, bzip2, util-linux (script), time (peak RSS), python3 (the
# benchmark's generator, run at tiny sizes by the "bench: smoke" test).
PACKAGES=(g++ cmake ninja-build pkg-config git
  libtomlplusplus-dev libfmt-dev libuv1-dev catch2 libsqlite3-dev libxxhash-dev libcli11-dev
  procps gzip bzip2 util-linux time python3)

log() { echo "[setup] $*" >&2; }

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${missing[*]}"
    log "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -q >&2 || log "apt-get update failed; trying the install anyway"
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >&2
}

build() {
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIPELINE_WERROR=ON >&2
  cmake --build "$BUILD_DIR" -j "$JOBS" >&2
}

demo() {
  local bin=$PWD/$BUILD_DIR/pipeline
  log "building examples/cbuild with pipeline -j2"
  "$bin" -C examples/cbuild -j2 --explain
  log "testing the program it built (pipeline test)"
  "$bin" -C examples/cbuild test
  log "the program itself:"
  examples/cbuild/build/wordfreq -n 5 examples/cbuild/tests/sample.txt
  log "a second run has nothing to do:"
  "$bin" -C examples/cbuild -j2
}

case "${1:-}" in
  deps) install_missing ;;
  build) install_missing; build ;;
  demo) install_missing; build; demo ;;
  test) install_missing; build
        ctest --test-dir "$BUILD_DIR" -j "$JOBS" --output-on-failure ;;
  *) echo "usage: $0 demo|test|build|deps" >&2; exit 2 ;;
esac
