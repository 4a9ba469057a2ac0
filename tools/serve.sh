#!/usr/bin/env bash
# Build the browser app and serve it at http://127.0.0.1:${PORT:-8080}/ until interrupted.
#   tools/serve.sh               deps (core wasm web), configure, build, serve
#   tools/serve.sh --no-serve    stop after the build (the site is in build-web/site)
# Environment: PORT, CONVPAD_DEPS_DIR (default <repo>/.deps), CONVPAD_WEB_BUILD (default <repo>/build-web),
# CONVPAD_BENCH=ON (also the benchmark page and its modules, for tools/bench.sh; the default site is the app alone).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CONVPAD_DEPS_DIR=${CONVPAD_DEPS_DIR:-$ROOT/.deps}
BUILD=${CONVPAD_WEB_BUILD:-$ROOT/build-web}
export NODE_PATH=/usr/share/nodejs   # emcc needs Debian's acorn (docs/emscripten.md)

serve=1
for arg in "$@"; do
  case "$arg" in
    --no-serve) serve=0 ;;
    *) echo "usage: tools/serve.sh [--no-serve]" >&2; exit 2 ;;
  esac
done

"$ROOT/tools/deps.sh" core wasm web

mkdir -p "$BUILD"
echo "serve: configure $BUILD"
emcmake cmake -S "$ROOT" -B "$BUILD" -DCONVPAD_WEB=ON -DCONVPAD_TESTS=OFF -DCONVPAD_BENCH="${CONVPAD_BENCH:-OFF}" \
  -DCONVPAD_DEPS_DIR="$CONVPAD_DEPS_DIR" -DCMAKE_BUILD_TYPE=Release > "$BUILD/configure.log" 2>&1 \
  || { cat "$BUILD/configure.log"; exit 1; }
echo "serve: build"
start=$(date +%s)
cmake --build "$BUILD" -j "$(nproc)"
echo "serve: built $BUILD/site in $(( $(date +%s) - start )) s"

if [ "$serve" -eq 0 ]; then
  echo "serve: the site is $BUILD/site ($(du -sh --apparent-size "$BUILD/site" | cut -f1)): copy that folder to any static host, into any sub-folder"
  echo "serve: it runs single-threaded there; the headers COOP: same-origin and COEP: require-corp enable threads (README \"Publishing the site\")"
  exit 0
fi
exec python3 "$ROOT/tools/server.py" --dir "$BUILD/site" --port "${PORT:-8080}"
