# The wasm module: the core plus the C ABI, a reactor with no entry point.
set(FRESHET_EXPORTS fr_abi_version fr_input fr_load_manifest fr_request fr_lookup fr_store
  fr_reason fr_route_info fr_manifest_info)

# HTTP semantics beyond the three phases (docs/abi.md).
list(APPEND FRESHET_EXPORTS fr_invalidate fr_vary fr_conditional fr_set_options)

# Size analysis: -DFRESHET_WASM_NAMES=ON keeps the function names
# (wasm-objdump -x, docs/performance.md); the shipped module has none.
option(FRESHET_WASM_NAMES "Keep the wasm name section for size analysis" OFF)

add_executable(freshet_wasm bindings/abi.cc bindings/wasi_stubs.c)
target_link_libraries(freshet_wasm PRIVATE freshet_core)
freshet_configure_target(freshet_wasm)
set_target_properties(freshet_wasm PROPERTIES OUTPUT_NAME freshet SUFFIX ".wasm")
# The stubs file is C and must not get C++ flags.
set_source_files_properties(bindings/wasi_stubs.c PROPERTIES COMPILE_OPTIONS "-Wno-unused-parameter")
# In place of wasi-libc's dlmalloc and Emscripten's emmalloc (docs/build.md
# "Sizes").
target_sources(freshet_wasm PRIVATE bindings/wasm_malloc.c)

if(EMSCRIPTEN)
  list(TRANSFORM FRESHET_EXPORTS PREPEND "_" OUTPUT_VARIABLE _em_exports)
  list(JOIN _em_exports "," _em_exports)
  # No Emscripten allocator: bindings/wasm_malloc.c is smaller than emmalloc.
  target_link_options(freshet_wasm PRIVATE -Oz -flto ${FRESHET_WASM_FEATURES} -sMALLOC=none
    -sSTANDALONE_WASM --no-entry
    -sEXPORTED_FUNCTIONS=${_em_exports} -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1MB
    -sTOTAL_STACK=256KB -sFILESYSTEM=0 -sERROR_ON_UNDEFINED_SYMBOLS=1)
  if(FRESHET_WASM_NAMES)
    target_link_options(freshet_wasm PRIVATE --profiling-funcs)
  endif()
else()
  target_link_options(freshet_wasm PRIVATE -mexec-model=reactor -Oz -flto ${FRESHET_WASM_FEATURES}
    -Wl,--gc-sections -Wl,--initial-memory=1048576 -Wl,-z,stack-size=262144)
  if(FRESHET_WASM_NAMES)
    target_link_options(freshet_wasm PRIVATE -Wl,--strip-debug)
  else()
    target_link_options(freshet_wasm PRIVATE -Wl,--strip-all)
  endif()
endif()

# binaryen's wasm-opt, explicitly (clang only runs it when it happens to be
# on PATH): -Oz again with --low-memory-unused (the data starts at 1024, so
# addresses below it are never used) saves ~2.5 KB. Emscripten runs wasm-opt
# -Oz itself; a second pass to a fixed point still saves ~0.4 KB gzipped.
#
# Emscripten's module gets -O3 instead: binaryen then inlines the small
# functions emcc's own -Oz pass left as calls, and V8 (Node 20) does not
# inline wasm calls itself. Its decision costs ~6% more than the wasi
# one's in Node with -O3, ~24% more with -Oz (7 KB smaller); the wasi module
# gains nothing from -O3 (docs/performance.md). Under bench/wasm2c the two
# passes count the same instructions: gcc inlines the translated calls.
find_program(FRESHET_WASM_OPT wasm-opt)
if(EMSCRIPTEN)
  set(FRESHET_WASM_OPT_LEVEL -O3)
else()
  set(FRESHET_WASM_OPT_LEVEL -Oz)
endif()
if(FRESHET_WASM_OPT AND NOT FRESHET_WASM_NAMES)
  add_custom_command(TARGET freshet_wasm POST_BUILD
    COMMAND ${FRESHET_WASM_OPT} ${FRESHET_WASM_OPT_LEVEL} --converge --low-memory-unused --enable-sign-ext
      --enable-mutable-globals --enable-nontrapping-float-to-int --enable-bulk-memory
      $<TARGET_FILE:freshet_wasm> -o $<TARGET_FILE:freshet_wasm>)
endif()

add_custom_command(TARGET freshet_wasm POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E echo "freshet.wasm size:"
  COMMAND ${CMAKE_COMMAND} -E env wc -c $<TARGET_FILE:freshet_wasm>)
