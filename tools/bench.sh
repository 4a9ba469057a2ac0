#!/usr/bin/env bash
# ConvPad vs TensorFlow.js in the same headless Chromium, on real Fashion-MNIST.
#   tools/bench.sh                 full run (~15 minutes: one 60k epoch per engine and seed, seeds 42,1,2)
#   tools/bench.sh --seeds 42,1,2  the seeds of the accuracy comparison (1 to 10 distinct integers)
#   tools/bench.sh --quick         short measurements, no epochs (a smoke check, ~2 minutes after the build)
#   tools/bench.sh --port 8090     serve the site on this port (default: any free port)
#   tools/bench.sh --site DIR      use an already built site instead of building one
#   tools/bench.sh --browsers [LIST]  instead: the served page in each browser engine (tools/bench/browsers.mjs:
#                                  ready, idle CPU, seed CNN training, TF.js wasm in the same engine; LIST
#                                  default chromium,firefox,webkit,webkit-sab; three rounds, ~25 minutes)
# Builds the site with tools/serve.sh --no-serve (CONVPAD_WEB_BUILD, default build/bench-web), copies TF.js
# 4.22 (npm ci in tools/bench) into <site>/tfjs/, runs the native CLI's benchmark (CONVPAD_CLI, default
# build/native/convpad, else built into build/bench-native), then drives <site>/bench.html through
# tools/bench/run.mjs. Prints progress, a table and, as the last line, one JSON object.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "bench: $*" >&2; exit 1; }
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

quick=0 port=0 site="" seeds="" browsers=""
while [ $# -gt 0 ]; do
  case "$1" in
    --browsers)
      browsers=chromium,firefox,webkit,webkit-sab
      if [ $# -ge 2 ] && [[ "$2" != --* ]]; then browsers=$2; shift; fi ;;
    --quick) quick=1 ;;
    --seeds) [ $# -ge 2 ] || usage; seeds=$2; shift ;;
    --port) [ $# -ge 2 ] || usage; port=$2; shift ;;
    --site) [ $# -ge 2 ] || usage; site=$2; shift ;;
    -h|--help) usage ;;
    *) echo "bench: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -le 65535 ] || die "--port must be a number from 0 to 65535 (got '$port')"
# The format only; run.mjs checks the count (1..10), the range and that the seeds are distinct.
[ -z "$seeds" ] || [[ "$seeds" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--seeds must be comma-separated integers, e.g. 42,1,2 (got '$seeds')"

# [SECTION] Site: the web build (both apps, both bench modules, web/*, Fashion-MNIST)
if [ -z "$site" ]; then
  export CONVPAD_WEB_BUILD=${CONVPAD_WEB_BUILD:-$ROOT/build/bench-web}
  echo "bench: building the site with the benchmark page in $CONVPAD_WEB_BUILD (CONVPAD_BENCH=ON tools/serve.sh --no-serve)"
  CONVPAD_BENCH=ON "$ROOT/tools/serve.sh" --no-serve || die "the site did not build (see above)"
  site=$CONVPAD_WEB_BUILD/site
fi
[ -d "$site" ] || die "site folder '$site' not found"
site=$(cd "$site" && pwd)
[ -f "$site/bench.html" ] || die "$site/bench.html missing: the site predates the benchmark page"
[ -f "$site/convpad_bench.js" ] || die "$site/convpad_bench.js missing: build the site with CONVPAD_BENCH=ON"
[ -f "$site/convpad_bench_mt.js" ] || echo "bench: $site/convpad_bench_mt.js missing: ConvPad threaded will be skipped"

# [SECTION] Browser and TF.js
"$ROOT/tools/deps.sh" browser
command -v npm >/dev/null || die "npm not found (tools/deps.sh browser installs it)"
tfdir=$ROOT/tools/bench
if [ -f "$tfdir/node_modules/@tensorflow/tfjs/package.json" ] &&
   [ "$tfdir/node_modules/.package-lock.json" -nt "$tfdir/package-lock.json" ]; then
  echo "bench: TF.js cached"
else
  echo "bench: npm ci (tools/bench: @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm)"
  (cd "$tfdir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in tools/bench"
fi
mkdir -p "$site/tfjs"
cp "$tfdir/node_modules/@tensorflow/tfjs/dist/tf.min.js" \
   "$tfdir/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js" \
   "$tfdir"/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm*.wasm "$site/tfjs/" \
  || die "could not copy TF.js into $site/tfjs"

if [ -n "$browsers" ]; then
  exec node "$ROOT/tools/bench/browsers.mjs" --site "$site" --browsers "$browsers"
fi

# [SECTION] Native CLI (for native vs wasm)
cli=${CONVPAD_CLI:-$ROOT/build/native/convpad}
if [ ! -x "$cli" ]; then
  native=${CONVPAD_NATIVE_BUILD:-$ROOT/build/bench-native}
  echo "bench: building the native CLI in $native"
  { cmake -S "$ROOT" -B "$native" -DCMAKE_BUILD_TYPE=Release -DCONVPAD_TESTS=OFF > "$native.configure.log" 2>&1 \
    && cmake --build "$native" -j "$(nproc)" --target convpad; } || die "native build failed (see $native.configure.log and above)"
  cli=$native/convpad
fi

# [SECTION] Run
args=(--site "$site" --port "$port" --cli "$cli")
[ "$quick" -eq 1 ] && args+=(--quick)
[ -n "$seeds" ] && args+=(--seeds "$seeds")
exec node "$ROOT/tools/bench/run.mjs" "${args[@]}"
