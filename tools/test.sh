#!/usr/bin/env bash
# Installs what the tests need, then builds and runs them stage by stage, printing each stage's minutes.
#   tools/test.sh                    every stage, as CI runs it
#   tools/test.sh quick              the loop to run often: the unit tests and the fast browser suites,
#                                    against what the last full run built (rebuilt where sources changed)
#   tools/test.sh STAGE...           chosen stages: native tsan wasm fuzz browser
# Stages (README "Tests" lists each one's budget):
#   native   g++: the whole Catch2 suite once, and the cases whose work the thread pool splits again on
#            2 threads (CTest label unit)
#   tsan     the session and the thread pool under ThreadSanitizer (label unit)
#   wasm     Emscripten, one build for everything the browser runs: the page, both engines, the wasm CLI,
#            the kernel check module and both Catch2 runners; the Catch2 suite under node, and its threaded
#            cases again in the -pthread build (label wasm)
#   fuzz     libFuzzer targets (clang, ASan+UBSan), FUZZ_SECONDS each (default 45), two at a time (label fuzz)
#   browser  the browser suites in headless Chromium against the wasm stage's site, two at a time
#            (labels browser and browser-slow); screenshots in build/wasm/test-artifacts/web
# Environment: CONVPAD_BUILD_DIR (default <repo>/build), CONVPAD_DEPS_DIR (default <repo>/.deps), FUZZ_SECONDS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${CONVPAD_BUILD_DIR:-$ROOT/build}
FUZZ_SECONDS=${FUZZ_SECONDS:-45}
JOBS=$(nproc)
export NODE_PATH=/usr/share/nodejs   # emcc needs Debian's acorn (docs/emscripten.md)
export CONVPAD_DEPS_DIR=${CONVPAD_DEPS_DIR:-$ROOT/.deps}
cd "$ROOT"

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
all_stages=(native tsan wasm fuzz browser)
quick=0
stages=()
for arg in "$@"; do
  case "$arg" in
    quick) quick=1 ;;
    native|tsan|wasm|fuzz|browser) stages+=("$arg") ;;
    -h|--help) usage ;;
    *) echo "test: unknown stage '$arg'" >&2; usage ;;
  esac
done
if [ $quick -eq 1 ]; then
  [ ${#stages[@]} -eq 0 ] || { echo "test: 'quick' runs on its own" >&2; usage; }
  stages=(native browser)
fi
[ ${#stages[@]} -gt 0 ] || stages=("${all_stages[@]}")
wants() { [[ " ${stages[*]} " == *" $1 "* ]]; }

# [SECTION] Stage timing
stage_names=() stage_seconds=() stage_results=()
failed=0
minutes() { awk -v s="$1" 'BEGIN { printf "%.1f", s / 60 }'; }
# stage NAME COMMAND...: runs COMMAND, prints its minutes, and records whether it passed.
stage() {
  local name=$1 start result=ok; shift
  echo
  echo "== $name"
  start=$(date +%s)
  "$@" || { result=FAILED; failed=$((failed + 1)); }
  local took=$(( $(date +%s) - start ))
  stage_names+=("$name") stage_seconds+=("$took") stage_results+=("$result")
  echo "== $name: $result in $(minutes "$took") min"
}
summary() {
  local total=0 i
  echo
  printf '%-16s %8s  %s\n' stage minutes result
  for i in "${!stage_names[@]}"; do
    printf '%-16s %8s  %s\n' "${stage_names[$i]}" "$(minutes "${stage_seconds[$i]}")" "${stage_results[$i]}"
    total=$((total + stage_seconds[i]))
  done
  printf '%-16s %8s\n' total "$(minutes "$total")"
}

# [SECTION] Stages
# Every Debian and npm package first. Dear ImGui's and SDL2's sources, and libSDL2.a (minutes of
# single-threaded configure checks), are then made in the background beside the native stages; the wasm
# stage waits for them.
install_deps() {
  local groups=(core)
  if wants wasm || wants browser; then groups+=(web-packages); fi
  if wants browser; then groups+=(browser); fi
  tools/deps.sh "${groups[@]}"
}

web_sources_pid=
start_web_sources() {
  mkdir -p "$BUILD"
  tools/deps.sh web > "$BUILD/deps-web.log" 2>&1 &
  web_sources_pid=$!
}
wait_web_sources() {
  [ -n "$web_sources_pid" ] || start_web_sources
  local status=0
  wait "$web_sources_pid" || status=$?
  web_sources_pid=
  cat "$BUILD/deps-web.log"
  return $status
}

# ctest_in DIR ARGS...: CTest in a build folder, with the output of failed tests.
ctest_in() { local dir=$1; shift; ctest --test-dir "$dir" --output-on-failure "$@"; }

native_build() {
  cmake -S . -B "$BUILD/native" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD/native" -j "$JOBS"
}

tsan_build() {
  cmake -S . -B "$BUILD/tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONVPAD_SANITIZE=thread -DCONVPAD_BENCH=OFF > /dev/null
  cmake --build "$BUILD/tsan" -j "$JOBS" --target convpad_tests
}

# One Emscripten build serves the wasm tests and the browser suites: the page with -DCONVPAD_TESTS=ON also
# builds the wasm CLI, both Catch2 runners and the kernel check module (web/web.cmake).
wasm_build() {
  emcmake cmake -S . -B "$BUILD/wasm" -DCMAKE_BUILD_TYPE=Release -DCONVPAD_WEB=ON -DCONVPAD_TESTS=ON \
    -DCONVPAD_BENCH=OFF -DCONVPAD_DEPS_DIR="$CONVPAD_DEPS_DIR" -DCONVPAD_NATIVE_CLI="$BUILD/native/convpad" > /dev/null
  cmake --build "$BUILD/wasm" -j "$JOBS"
}

fuzz_build() {
  CC=clang CXX=clang++ cmake -S . -B "$BUILD/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONVPAD_FUZZ=ON \
    -DCONVPAD_TESTS=OFF -DCONVPAD_FUZZ_SECONDS="$FUZZ_SECONDS" > /dev/null
  cmake --build "$BUILD/fuzz" -j "$JOBS"
}

# The browser suites compare the page with the native CLI: build it if the native stage did not run.
browser_prerequisites() {
  [ -x "$BUILD/native/convpad" ] || { native_build_cli || return 1; }
  [ -f "$BUILD/wasm/site/index.html" ] || wasm_build
}
native_build_cli() {
  cmake -S . -B "$BUILD/native" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD/native" -j "$JOBS" --target convpad
}

stage install install_deps
if wants wasm || wants browser; then start_web_sources; fi
if [ $quick -eq 1 ]; then
  stage native-build native_build
  stage native ctest_in "$BUILD/native" -L unit
  stage web-sources wait_web_sources
  stage wasm-build wasm_build
  stage browser ctest_in "$BUILD/wasm" -L '^browser$' -j "$JOBS"
else
  if wants native; then
    stage native-build native_build
    stage native ctest_in "$BUILD/native" -L unit
  fi
  if wants tsan; then
    stage tsan-build tsan_build
    stage tsan ctest_in "$BUILD/tsan" -L unit
  fi
  if wants wasm; then
    stage web-sources wait_web_sources
    stage wasm-build wasm_build
    stage wasm ctest_in "$BUILD/wasm" -L wasm -j "$JOBS"
  fi
  if wants fuzz; then
    stage fuzz-build fuzz_build
    stage fuzz ctest_in "$BUILD/fuzz" -L fuzz -j "$JOBS"
  fi
  if wants browser; then
    if ! wants wasm; then
      stage web-sources wait_web_sources
      stage wasm-build browser_prerequisites
    fi
    stage browser ctest_in "$BUILD/wasm" -L '^browser' -j "$JOBS"
  fi
fi

summary
if [ $failed -gt 0 ]; then
  echo "failed stages: $failed"
  exit 1
fi
