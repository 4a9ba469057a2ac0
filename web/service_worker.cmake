# Writes a site's service worker, ${SITE_DIR}/sw.js, from the template web/page/sw.js: the site's file list as
# sha256sum lines ("<sha256>  <path>") and a version, the first 16 hex digits of the SHA-256 of that list
# and the template. Any changed file, or a changed service worker, therefore makes a new version with caches
# of its own (web/page/sw.js: caching).
#   include()d by web/site.cmake, once every file is in place;
#   cmake -DSITE_DIR=<site> -P web/service_worker.cmake   by itself, on a site folder changed by hand
# Listed: every top-level file but sw.js, hidden files and the benchmark page (CONVPAD_BENCH: a developer's
# tool, not part of the app a visitor keeps), and the *.gz data files of the site's folders.
# sw.js is rewritten only when its text changes (configure_file), so a build that changed nothing leaves it.

function(convpad_write_service_worker site_dir template)
  if(NOT IS_DIRECTORY "${site_dir}" OR NOT EXISTS "${site_dir}/index.html")
    message(FATAL_ERROR "service_worker.cmake: SITE_DIR '${site_dir}' is not a site folder (no index.html)")
  endif()
  file(GLOB top_level RELATIVE ${site_dir} ${site_dir}/*)
  file(GLOB data_files RELATIVE ${site_dir} ${site_dir}/*/*.gz)
  set(listed "")
  foreach(path ${top_level} ${data_files})
    if(IS_DIRECTORY ${site_dir}/${path} OR path STREQUAL "sw.js" OR path MATCHES "^(\\.|bench\\.|convpad_bench)")
      continue()
    endif()
    if(NOT path MATCHES "^[A-Za-z0-9_-][A-Za-z0-9._/-]*$")   # sw.js reads the list as whitespace-separated words
      message(FATAL_ERROR "service_worker.cmake: '${path}' in ${site_dir}: site file names use letters, digits and ._- only")
    endif()
    list(APPEND listed ${path})
  endforeach()
  list(SORT listed)
  set(lines "")
  foreach(path ${listed})
    file(SHA256 ${site_dir}/${path} hash)
    string(APPEND lines "${hash}  ${path}\n")
  endforeach()
  file(SHA256 ${template} template_hash)
  string(SHA256 list_hash "${lines}${template_hash}  web/page/sw.js\n")
  string(SUBSTRING ${list_hash} 0 16 CONVPAD_SITE_VERSION)
  string(STRIP "${lines}" CONVPAD_SITE_FILES)
  configure_file(${template} ${site_dir}/sw.js @ONLY)
endfunction()

convpad_write_service_worker("${SITE_DIR}" "${CMAKE_CURRENT_LIST_DIR}/page/sw.js")
