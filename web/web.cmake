# Browser app, compiled by Emscripten and assembled with web/ into ${CMAKE_BINARY_DIR}/site:
#   convpad_web.js/.wasm                     the UI on the page's main thread: Dear ImGui 1.86 + SDL2 2.26
#                                            (Debian sources, `tools/deps.sh web`), the pad and a copy of the model
#   convpad_engine.js/.wasm                  the engine in a Web Worker (web/worker/engine_worker.js): data, training
#   convpad_engine_mt.js/.wasm/.worker.js    the same with -pthread, for cross-origin isolated pages
# The threaded engine needs every object compiled with -pthread (CONVPAD_THREADS), so it comes from a second,
# nested build of this source tree in ${CMAKE_BINARY_DIR}/mt, configured and built by target convpad_mt_build;
# that build makes the threaded programs only (no UI, no site, no tests).
#
# Included from the top-level CMakeLists.txt when CONVPAD_WEB=ON (under emcmake). At build time target
# convpad_site runs web/site.cmake, which assembles the static site. Include root: the repository, so the
# page's C++ names its files "web/..." and the library's "session/...", "engine/...".

# [SECTION] Checks
if(NOT EMSCRIPTEN)
  message(FATAL_ERROR "CONVPAD_WEB needs Emscripten: emcmake cmake -S . -B build-web -DCONVPAD_WEB=ON (see tools/serve.sh)")
endif()
if(NOT CONVPAD_DEPS_DIR)
  if(DEFINED ENV{CONVPAD_DEPS_DIR})
    set(CONVPAD_DEPS_DIR $ENV{CONVPAD_DEPS_DIR})
  else()
    set(CONVPAD_DEPS_DIR ${CMAKE_SOURCE_DIR}/.deps)
  endif()
endif()
set(CONVPAD_IMGUI_DIR ${CONVPAD_DEPS_DIR}/imgui)
set(CONVPAD_SDL2_DIR ${CONVPAD_DEPS_DIR}/sdl2)
if(NOT CONVPAD_THREADS AND (NOT EXISTS ${CONVPAD_IMGUI_DIR}/imgui.h OR NOT EXISTS ${CONVPAD_SDL2_DIR}/lib/libSDL2.a))
  message(FATAL_ERROR "Dear ImGui sources or libSDL2.a not found under ${CONVPAD_DEPS_DIR}: run tools/deps.sh web")
endif()
set(CONVPAD_DATA_DIR /usr/share/datasets/fashion-mnist CACHE PATH "Fashion-MNIST .gz files copied into the site")
set(CONVPAD_UI_FONT /usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Medium.ttf
    CACHE FILEPATH "TTF compiled into the web app (fonts-roboto-unhinted); ImGui's built-in font if missing")

# emcc runs node (and its acorn-based JS optimizer at link time), which needs Debian's node modules
# (docs/emscripten.md, "NODE_PATH"). The build tool's environment may lack NODE_PATH, so the rules set it themselves.
set(CONVPAD_EMCC_ENV "\"${CMAKE_COMMAND}\" -E env NODE_PATH=/usr/share/nodejs")

# [SECTION] Programs of the page
# .js + .wasm, never .html (its minifier crashes); emcc with Debian's node modules; a factory function `factory`
# the page calls (-sMODULARIZE); memory that grows (models and the data set arrive at run time). C functions
# marked EMSCRIPTEN_KEEPALIVE are exported; malloc/free let JS pass buffers.
function(convpad_page_program target factory)
  set_target_properties(${target} PROPERTIES
    SUFFIX .js
    RULE_LAUNCH_COMPILE "${CONVPAD_EMCC_ENV}"
    RULE_LAUNCH_LINK "${CONVPAD_EMCC_ENV}")
  target_link_options(${target} PRIVATE
    -msimd128
    $<$<CONFIG:Release>:-O3>
    $<$<CONFIG:Debug>:-sASSERTIONS=2 -g>
    -sALLOW_MEMORY_GROWTH=1
    -sMODULARIZE=1 -sEXPORT_NAME=${factory})
endfunction()

if(NOT CONVPAD_THREADS)   # the UI is single-threaded: only the engine has a threaded build

# [SECTION] Third-party libraries
file(GLOB CONVPAD_IMGUI_SOURCES ${CONVPAD_IMGUI_DIR}/imgui*.cpp)
# ImGui's SDL2 backend for input; the drawing is our own (web/ui/gl_renderer.h says why).
add_library(convpad_imgui STATIC ${CONVPAD_IMGUI_SOURCES}
  ${CONVPAD_IMGUI_DIR}/backends/imgui_impl_sdl.cpp)
target_include_directories(convpad_imgui SYSTEM PUBLIC ${CONVPAD_IMGUI_DIR} ${CONVPAD_IMGUI_DIR}/backends)
# No file functions: there is no file system on the page. 32-bit indices: WebGL2 draws them natively, and a
# window may then hold more than 64k vertices (WebGL2 has no base-vertex draw to offset 16-bit ones).
target_compile_definitions(convpad_imgui PUBLIC IMGUI_DISABLE_FILE_FUNCTIONS "ImDrawIdx=unsigned int")
target_compile_options(convpad_imgui PRIVATE -w)   # third-party code: its warnings are not ours to fix
# The UI's own code is sized, not sped: it draws a few frames a second at most, while the network's code
# (convpad_core: the pad's and the Inside view's forward passes) stays at -O3. The app must stay within the
# 1 MB gzipped every visitor downloads (tests/browser/offline.mjs).
target_compile_options(convpad_imgui PRIVATE -Os)

add_library(convpad_sdl2 STATIC IMPORTED)
set_target_properties(convpad_sdl2 PROPERTIES
  IMPORTED_LOCATION ${CONVPAD_SDL2_DIR}/lib/libSDL2.a
  INTERFACE_INCLUDE_DIRECTORIES ${CONVPAD_SDL2_DIR}/include/SDL2)
target_link_libraries(convpad_imgui PUBLIC convpad_sdl2)

# [SECTION] UI font
# Compiled into the wasm as a byte array (no fetch, no file system). Regenerated when the font changes.
set(CONVPAD_UI_FONT_CPP ${CMAKE_BINARY_DIR}/generated/ui_font_data.cpp)
if(EXISTS ${CONVPAD_UI_FONT})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CONVPAD_UI_FONT})
  if(NOT EXISTS ${CONVPAD_UI_FONT_CPP} OR ${CONVPAD_UI_FONT} IS_NEWER_THAN ${CONVPAD_UI_FONT_CPP})
    file(READ ${CONVPAD_UI_FONT} hex HEX)
    string(LENGTH "${hex}" hex_len)
    math(EXPR font_size "${hex_len} / 2")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
    string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
    file(WRITE ${CONVPAD_UI_FONT_CPP}
      "// Generated by web/web.cmake from ${CONVPAD_UI_FONT}\n"
      "extern const unsigned char convpad_ui_font[] = {\n${bytes}};\n"
      "extern const unsigned int convpad_ui_font_size = ${font_size};\n")
  endif()
else()
  message(STATUS "ConvPad web: ${CONVPAD_UI_FONT} not found, using ImGui's built-in font (tools/deps.sh web installs it)")
endif()

# [SECTION] App
file(GLOB CONVPAD_UI_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/web/ui/*.cpp)
add_executable(convpad_web ${CONVPAD_UI_SOURCES})
target_include_directories(convpad_web PRIVATE ${CMAKE_SOURCE_DIR})
if(EXISTS ${CONVPAD_UI_FONT})
  target_sources(convpad_web PRIVATE ${CONVPAD_UI_FONT_CPP})
  target_compile_definitions(convpad_web PRIVATE CONVPAD_HAVE_UI_FONT=1)
endif()
target_link_libraries(convpad_web PRIVATE convpad_session convpad_imgui)
target_compile_options(convpad_web PRIVATE -Os)
convpad_page_program(convpad_web createConvPad)
target_link_options(convpad_web PRIVATE
  -sENVIRONMENT=web
  -sMIN_WEBGL_VERSION=2 -sMAX_WEBGL_VERSION=2  # WebGL2 only
  # boot.js passes the wasm it fetched (with progress) as wasmBinary; main() runs, frames come from JS.
  -sEXPORTED_FUNCTIONS=_main,_malloc,_free
  -sEXPORTED_RUNTIME_METHODS=ccall,UTF8ToString,HEAPU8,HEAPF32)

endif()

# [SECTION] Engine module: the engine alone (no SDL, no ImGui), for the engine worker
add_executable(convpad_engine ${CMAKE_SOURCE_DIR}/web/worker/engine_api.cpp)
target_include_directories(convpad_engine PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(convpad_engine PRIVATE convpad_session)
convpad_page_program(convpad_engine createConvPadEngine)
target_link_options(convpad_engine PRIVATE -sEXPORTED_FUNCTIONS=_malloc,_free -sEXPORTED_RUNTIME_METHODS=ccall,HEAPU8)
if(CONVPAD_THREADS)
  # The pool's workers must exist before main runs: engine_worker.js passes threadPoolSize (threads - 1).
  # Never 0: 3.1.6 would then never run main. The worker re-reads heap views after memory growth.
  set_target_properties(convpad_engine PROPERTIES OUTPUT_NAME convpad_engine_mt)
  target_link_options(convpad_engine PRIVATE
    -sENVIRONMENT=worker
    "-sPTHREAD_POOL_SIZE=Module.threadPoolSize||Math.max(1,Math.min(navigator.hardwareConcurrency||1,4)-1)")
else()
  target_link_options(convpad_engine PRIVATE -sENVIRONMENT=worker)
endif()

# [SECTION] Threaded app: the same tree built again with -DCONVPAD_THREADS=ON into ${CMAKE_BINARY_DIR}/mt
# That build makes the threaded programs only: no nested build of its own, no UI, no site. With
# CONVPAD_TESTS it also makes the threaded Catch2 runner and kernel check, which this build's CTest runs.
if(NOT CONVPAD_THREADS)
  include(ExternalProject)
  set(CONVPAD_MT_BUILD_DIR ${CMAKE_BINARY_DIR}/mt)
  set(mt_cache_args
    -DCMAKE_BUILD_TYPE:STRING=${CMAKE_BUILD_TYPE}
    -DCONVPAD_WEB:BOOL=ON
    -DCONVPAD_THREADS:BOOL=ON
    -DCONVPAD_TESTS:BOOL=${CONVPAD_TESTS}
    -DCONVPAD_KERNEL_CHECK_DIR:PATH=${CMAKE_BINARY_DIR}/kernel-check
    -DCONVPAD_BENCH:BOOL=${CONVPAD_BENCH}
    -DCONVPAD_DEPS_DIR:PATH=${CONVPAD_DEPS_DIR}
    -DCONVPAD_UI_FONT:FILEPATH=${CONVPAD_UI_FONT})
  if(CMAKE_TOOLCHAIN_FILE)
    list(APPEND mt_cache_args -DCMAKE_TOOLCHAIN_FILE:FILEPATH=${CMAKE_TOOLCHAIN_FILE})
  endif()
  if(CMAKE_CROSSCOMPILING_EMULATOR)
    list(APPEND mt_cache_args -DCMAKE_CROSSCOMPILING_EMULATOR:STRING=${CMAKE_CROSSCOMPILING_EMULATOR})
  endif()
  ExternalProject_Add(convpad_mt_build
    SOURCE_DIR ${CMAKE_SOURCE_DIR}
    BINARY_DIR ${CONVPAD_MT_BUILD_DIR}
    PREFIX ${CMAKE_BINARY_DIR}/mt-steps
    # Configuring runs emcc, which needs Debian's node modules (NODE_PATH) whatever the caller's environment.
    CMAKE_COMMAND ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs ${CMAKE_COMMAND}
    CMAKE_CACHE_ARGS ${mt_cache_args}
    BUILD_ALWAYS ON                               # its own build system knows what is out of date
    INSTALL_COMMAND ""
    USES_TERMINAL_BUILD ON)
endif()

# [SECTION] Static site: ${CMAKE_BINARY_DIR}/site = web/* + the UI + both engines (and any other convpad_*
# program of either build) + model + Fashion-MNIST
if(CONVPAD_THREADS)
  # The outer (single-thread) build assembles the site from this build's files. A target of this name
  # still exists, so modules included below may add dependencies to it in either build.
  add_custom_target(convpad_site)
else()
  set(CONVPAD_SITE_DIR ${CMAKE_BINARY_DIR}/site)
  add_custom_target(convpad_site ALL
    COMMAND ${CMAKE_COMMAND} -DSITE_DIR=${CONVPAD_SITE_DIR} -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
            -DDATA_DIR=${CONVPAD_DATA_DIR} -DDIGITS_DIR=${CONVPAD_SITE_DIGITS_DIR} -DQUICKDRAW_DIR=${CONVPAD_SITE_QUICKDRAW_DIR} -DBENCH=${CONVPAD_BENCH}
            -DST_DIR=$<TARGET_FILE_DIR:convpad_web>
            -DMT_DIR=${CONVPAD_MT_BUILD_DIR}
            -P ${CMAKE_CURRENT_LIST_DIR}/site.cmake
    COMMENT "Assembling ${CONVPAD_SITE_DIR}"
    VERBATIM)
  add_dependencies(convpad_site convpad_web convpad_engine convpad_mt_build convpad_data_digits convpad_data_quickdraw)
endif()

# [SECTION] Tests of the page's programs (needs `tools/deps.sh browser`)
# The browser suites are registered whenever the web app is built; the kernel check module and the threaded
# Catch2 runner only with CONVPAD_TESTS (tools/test.sh configures this build with it, and then also gets the
# single-thread runner and the wasm CLI from the top-level CMakeLists.txt). Each suite serves the site on its
# own free port; CONVPAD_CLI (a native convpad) and CONVPAD_WASM_CLI enable the comparisons with the CLI.
# tfjs_exchange.mjs needs no site: real TensorFlow.js in node against `convpad export` / `convpad import`.
# Labels: browser-slow marks the suites that take minutes; `tools/test.sh quick` leaves them out.
if(CONVPAD_TESTS)
  include(${CMAKE_SOURCE_DIR}/tests/kernel_check/kernel_check.cmake)
endif()
if(NOT CONVPAD_THREADS)
  enable_testing()
  if(CONVPAD_TESTS)
    add_test(NAME convpad_tests_wasm_threads
             COMMAND ${CONVPAD_NODE} ${CONVPAD_MT_BUILD_DIR}/convpad_tests.js "${CONVPAD_THREADED_CASES}")
    set_tests_properties(convpad_tests_wasm_threads PROPERTIES LABELS wasm)
  endif()
  # Default: tools/test.sh's layout, <build>/wasm beside <build>/native.
  get_filename_component(convpad_build_root ${CMAKE_BINARY_DIR} DIRECTORY)
  set(CONVPAD_NATIVE_CLI ${convpad_build_root}/native/convpad CACHE FILEPATH
      "native convpad for the browser tests' reference results (tools/test.sh native builds it)")
  if(TARGET convpad)
    set(convpad_wasm_cli $<TARGET_FILE:convpad>)
  else()
    set(convpad_wasm_cli ${convpad_build_root}/wasm/convpad.js)
  endif()
  # suite:seconds, the slowest first: CTest starts tests by COST, so with -j2 the long suites do not
  # end up last, alone on one core. The figures are the suites' own times in one run of all of them, two at a time.
  set(suites engine:210 chaos:170 inside:137 tfjs_exchange:117 sketches:100 config:95 tfjs_page:73 api:70
             sturdy:80 threads:54 offline:52 embed:40 loading:40 smoke:23 kernels:8)
  set(slow_suites sketches tfjs_exchange inside engine threads sturdy chaos)
  foreach(entry ${suites})
    string(REPLACE ":" ";" entry ${entry})
    list(GET entry 0 suite)
    list(GET entry 1 seconds)
    add_test(NAME convpad_web_${suite} COMMAND node --test ${CMAKE_SOURCE_DIR}/tests/browser/${suite}.mjs)
    set(label browser)
    if(suite IN_LIST slow_suites)
      set(label browser-slow)
    endif()
    # CTest's kill comes after every test's own timeout, so a stuck test reports itself.
    set_tests_properties(convpad_web_${suite} PROPERTIES LABELS ${label} COST ${seconds} TIMEOUT 1200
      ENVIRONMENT "CONVPAD_SITE_DIR=${CONVPAD_SITE_DIR};CONVPAD_ARTIFACTS_DIR=${CMAKE_BINARY_DIR}/test-artifacts/web;CONVPAD_CLI=${CONVPAD_NATIVE_CLI};CONVPAD_WASM_CLI=${convpad_wasm_cli};CONVPAD_KERNEL_CHECK_DIR=${CMAKE_BINARY_DIR}/kernel-check")
  endforeach()
  # The suite's short form: the regression seeds only, 20 s each, so that a CI failure replays
  # (docs/tests.md has the long runs, with new seeds).
  set_property(TEST convpad_web_chaos APPEND PROPERTY ENVIRONMENT CONVPAD_CHAOS_SECONDS=20 CONVPAD_CHAOS_REGRESSIONS_ONLY=1)
  # The suites that also run in Firefox ESR and WebKitGTK (tests/browser/engines.mjs), suite:seconds per engine.
  set(firefox_suites engine:240 config:185 api:65 embed:50 offline:45 smoke:35)
  set(webkit_suites engine:185 config:135 api:95 embed:70 offline:40 smoke:20)
  foreach(browser firefox webkit)
    foreach(entry ${${browser}_suites})
      string(REPLACE ":" ";" entry ${entry})
      list(GET entry 0 suite)
      list(GET entry 1 seconds)
      add_test(NAME convpad_web_${suite}_${browser} COMMAND node --test ${CMAKE_SOURCE_DIR}/tests/browser/${suite}.mjs)
      set_tests_properties(convpad_web_${suite}_${browser} PROPERTIES LABELS browser-slow COST ${seconds} TIMEOUT 1200
        ENVIRONMENT "CONVPAD_BROWSER=${browser};CONVPAD_SITE_DIR=${CONVPAD_SITE_DIR};CONVPAD_ARTIFACTS_DIR=${CMAKE_BINARY_DIR}/test-artifacts/web;CONVPAD_CLI=${CONVPAD_NATIVE_CLI};CONVPAD_WASM_CLI=${convpad_wasm_cli}")
    endforeach()
  endforeach()
endif()

# [SECTION] The benchmark page's modules, only when asked (tools/bench.sh)
if(CONVPAD_BENCH)
  include(${CMAKE_SOURCE_DIR}/tools/bench/web/bench_web.cmake)
endif()
