# Benchmark page's engine module (tools/bench/web/bench.html, tools/bench.sh): the engine alone, no SDL/ImGui,
# with the C functions of bench_api.cpp here. Included by web/web.cmake only when CONVPAD_BENCH=ON: the site that
# tools/serve.sh builds holds the app alone. One target, convpad_bench, whose output name says which build it is:
#   convpad_bench.js/.wasm                    single thread (any page)
#   convpad_bench_mt.js/.wasm/.worker.js      CONVPAD_THREADS=ON: -pthread, for cross-origin isolated pages
# The site assembly then copies both builds' convpad_bench* and this folder's page next to the app.

if(NOT EMSCRIPTEN)
  message(FATAL_ERROR "tools/bench/web/bench_web.cmake needs Emscripten (included from web/web.cmake)")
endif()

add_executable(convpad_bench ${CMAKE_CURRENT_LIST_DIR}/bench_api.cpp)
target_include_directories(convpad_bench PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(convpad_bench PRIVATE convpad_session)
convpad_page_program(convpad_bench createConvPadBench)   # web/web.cmake
target_link_options(convpad_bench PRIVATE
  # bench_api.cpp's functions are EMSCRIPTEN_KEEPALIVE; malloc/free let the page pass buffers.
  -sEXPORTED_FUNCTIONS=_malloc,_free
  -sEXPORTED_RUNTIME_METHODS=ccall,UTF8ToString,HEAPU8,HEAPF32)

if(CONVPAD_THREADS)
  set_target_properties(convpad_bench PROPERTIES OUTPUT_NAME convpad_bench_mt)
  target_link_options(convpad_bench PRIVATE
    -sENVIRONMENT=web,worker
    # Workers are created while the module starts, so set_num_threads(n <= 5) called from the page's
    # main thread finds them running (parallel.h).
    -sPTHREAD_POOL_SIZE=4
    # Memory growth from a worker leaves the main thread's HEAP views stale until the runtime refreshes
    # them; starting with room for the whole data set avoids growing during a run.
    -sINITIAL_MEMORY=512MB)
else()
  set_target_properties(convpad_bench PROPERTIES OUTPUT_NAME convpad_bench)
  target_link_options(convpad_bench PRIVATE -sENVIRONMENT=web)
endif()

if(TARGET convpad_site)
  add_dependencies(convpad_site convpad_bench)
endif()
