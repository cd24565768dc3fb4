# The wasm module: the core plus the C ABI, a reactor with no entry point.
set(FRESHET_EXPORTS fr_abi_version fr_input fr_load_manifest fr_request fr_lookup fr_store
  fr_reason)

# HTTP semantics beyond the three phases (docs/abi.md).
list(APPEND FRESHET_EXPORTS fr_invalidate fr_vary fr_conditional fr_miss)

add_executable(freshet_wasm bindings/abi.cc bindings/wasi_stubs.c)
target_link_libraries(freshet_wasm PRIVATE freshet_core)
freshet_configure_target(freshet_wasm)
set_target_properties(freshet_wasm PROPERTIES OUTPUT_NAME freshet SUFFIX ".wasm")
# The stubs file is C and must not get C++ flags.
set_source_files_properties(bindings/wasi_stubs.c PROPERTIES COMPILE_OPTIONS "-Wno-unused-parameter")

if(EMSCRIPTEN)
  list(TRANSFORM FRESHET_EXPORTS PREPEND "_" OUTPUT_VARIABLE _em_exports)
  list(JOIN _em_exports "," _em_exports)
  target_link_options(freshet_wasm PRIVATE -Oz -flto -sSTANDALONE_WASM --no-entry
    -sEXPORTED_FUNCTIONS=${_em_exports} -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1MB
    -sTOTAL_STACK=256KB -sFILESYSTEM=0 -sERROR_ON_UNDEFINED_SYMBOLS=1)
else()
  target_link_options(freshet_wasm PRIVATE -mexec-model=reactor -Oz -flto
    -Wl,--strip-all -Wl,--gc-sections -Wl,--initial-memory=1048576 -Wl,-z,stack-size=262144)
endif()

add_custom_command(TARGET freshet_wasm POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E echo "freshet.wasm size:"
  COMMAND ${CMAKE_COMMAND} -E env wc -c $<TARGET_FILE:freshet_wasm>)
