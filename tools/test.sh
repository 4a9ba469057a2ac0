#!/usr/bin/env bash
# Installs what the tests need, then builds and runs every test:
#   native   Catch2 unit and end-to-end tests (g++); the engine's session and pool again under ThreadSanitizer
#   wasm     the same tests compiled with Emscripten (-msimd128), run under node, single-thread and
#            with -pthread on 2 threads
#   fuzz     libFuzzer targets (clang, ASan+UBSan), each for FUZZ_SECONDS (default 60)
#   browser  the web app in headless Chromium (playwright-core), screenshots in build/web/test-artifacts/web
# Usage: tools/test.sh [native] [wasm] [fuzz] [browser]   (default: all)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${CONVPAD_BUILD_DIR:-$ROOT/build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
JOBS=$(nproc)
export NODE_PATH=/usr/share/nodejs   # Emscripten trap 1
cd "$ROOT"

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(native wasm fuzz browser)
wants() { [[ " ${suites[*]} " == *" $1 "* ]]; }

groups=(core)
wants wasm && groups+=(wasm)
wants browser && groups+=(web browser)
tools/deps.sh "${groups[@]}"

passed=0 failed=0 failed_names=()
run_ctest() {   # run_ctest NAME BUILD_DIR [ctest args...]
  local name=$1 dir=$2; shift 2
  echo "== $name: ctest"
  if ctest --test-dir "$dir" --output-on-failure "$@"; then passed=$((passed + 1))
  else failed=$((failed + 1)); failed_names+=("$name"); fi
}

if wants native; then
  echo "== native: build"
  cmake -S . -B "$BUILD/native" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD/native" -j "$JOBS"
  run_ctest native "$BUILD/native"
  echo "== native-tsan: the engine's session and worker pool under ThreadSanitizer (2 threads)"
  cmake -S . -B "$BUILD/tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONVPAD_SANITIZE=thread -DCONVPAD_BENCH=OFF > /dev/null
  cmake --build "$BUILD/tsan" -j "$JOBS" --target convpad_tests
  run_ctest native-tsan "$BUILD/tsan"
fi

if wants wasm; then
  echo "== wasm: build"
  emcmake cmake -S . -B "$BUILD/wasm" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD/wasm" -j "$JOBS" --target convpad_tests convpad
  run_ctest wasm "$BUILD/wasm"
  echo "== wasm-mt: build (-pthread, the whole suite on 2 threads)"
  emcmake cmake -S . -B "$BUILD/wasm-mt" -DCMAKE_BUILD_TYPE=Release -DCONVPAD_THREADS=ON > /dev/null
  cmake --build "$BUILD/wasm-mt" -j "$JOBS" --target convpad_tests
  run_ctest wasm-mt "$BUILD/wasm-mt"
fi

if wants fuzz; then
  echo "== fuzz: build (clang, libFuzzer, ASan+UBSan)"
  CC=clang CXX=clang++ cmake -S . -B "$BUILD/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONVPAD_FUZZ=ON \
    -DCONVPAD_TESTS=OFF -DCONVPAD_FUZZ_SECONDS="$FUZZ_SECONDS" > /dev/null
  cmake --build "$BUILD/fuzz" -j "$JOBS"
  run_ctest fuzz "$BUILD/fuzz" -j "$JOBS"
fi

if wants browser; then
  echo "== browser: build (and the wasm CLI the page's training run is compared with)"
  emcmake cmake -S . -B "$BUILD/wasm" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD/wasm" -j "$JOBS" --target convpad
  # CONVPAD_BENCH: the kernel checks run inside the benchmark page's modules (tests/web/kernels.mjs).
  emcmake cmake -S . -B "$BUILD/web" -DCMAKE_BUILD_TYPE=Release -DCONVPAD_WEB=ON -DCONVPAD_TESTS=OFF -DCONVPAD_BENCH=ON \
    -DCONVPAD_DEPS_DIR="${CONVPAD_DEPS_DIR:-$ROOT/.deps}" > /dev/null
  cmake --build "$BUILD/web" -j "$JOBS"
  run_ctest browser "$BUILD/web"
fi

echo
[ $failed -eq 0 ] || echo "failed suites: ${failed_names[*]}"
echo "suites: $passed passed, $failed failed"
[ $failed -eq 0 ]
