# The kernel check module (kernel_check.cpp): every hot kernel's fast path against its scalar reference, in
# the browser's own wasm engine. Included by web/web.cmake when CONVPAD_TESTS=ON, in both of its builds:
#   convpad_kernel_check.js/.wasm                  single thread
#   convpad_kernel_check_mt.js/.wasm/.worker.js    the nested -pthread build, for a cross-origin isolated page
# Both land in CONVPAD_KERNEL_CHECK_DIR with index.html, a folder of their own (never the app's site), which
# tests/browser/kernels.mjs serves.

if(NOT CONVPAD_KERNEL_CHECK_DIR)
  set(CONVPAD_KERNEL_CHECK_DIR ${CMAKE_BINARY_DIR}/kernel-check)
endif()
add_executable(convpad_kernel_check ${CMAKE_CURRENT_LIST_DIR}/kernel_check.cpp)
target_include_directories(convpad_kernel_check PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(convpad_kernel_check PRIVATE convpad_core)
convpad_page_program(convpad_kernel_check createKernelCheck)   # web/web.cmake
set_target_properties(convpad_kernel_check PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CONVPAD_KERNEL_CHECK_DIR})
target_link_options(convpad_kernel_check PRIVATE -sEXPORTED_RUNTIME_METHODS=ccall)
if(CONVPAD_THREADS)
  set_target_properties(convpad_kernel_check PROPERTIES OUTPUT_NAME convpad_kernel_check_mt)
  # Workers exist before the first call, so set_num_threads(2) called from the page finds them running.
  target_link_options(convpad_kernel_check PRIVATE -sENVIRONMENT=web,worker -sPTHREAD_POOL_SIZE=4)
else()
  target_link_options(convpad_kernel_check PRIVATE -sENVIRONMENT=web)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/index.html ${CONVPAD_KERNEL_CHECK_DIR}/index.html COPYONLY)
endif()
