# Compile flags shared by every build of freshet (native, wasi, Emscripten).

if(CMAKE_SYSTEM_NAME STREQUAL "WASI" OR EMSCRIPTEN)
  set(FRESHET_WASM ON)
else()
  set(FRESHET_WASM OFF)
endif()

set(FRESHET_WASM_FEATURES -mnontrapping-fptoint -mbulk-memory)

option(FRESHET_SANITIZE "Build native code with AddressSanitizer + UBSan" OFF)

function(freshet_configure_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  target_compile_definitions(${target} PRIVATE
    JSON_HAS_FILESYSTEM=0 JSON_HAS_EXPERIMENTAL_FILESYSTEM=0)
  target_include_directories(${target} SYSTEM PRIVATE ${FRESHET_NLOHMANN_INCLUDE})
  if(FRESHET_WASM)
    # Debian's wasm libc++abi cannot link throw: no exceptions, and
    # nlohmann/json reports errors through is_discarded() instead.
    target_compile_options(${target} PRIVATE -fno-exceptions -fno-rtti -Oz -flto)
    # Size (docs/build.md "Sizes"): one thread, so no guards around static
    # locals; saturating float->int and bulk memory instructions instead of
    # the range checks and memcpy loops that the MVP needs (every Workers
    # runtime and Node >= 12 has both).
    target_compile_options(${target} PRIVATE ${FRESHET_WASM_FEATURES} -fno-threadsafe-statics)
    target_compile_definitions(${target} PRIVATE JSON_NOEXCEPTION)
    # Emscripten's libc++ declares std::string's members extern templates,
    # compiled into its library: every append and push_back is then a call
    # that LTO cannot inline. Instantiated here instead (about 5% fewer wasm
    # instructions per decision, 3 KB larger).
    if(EMSCRIPTEN)
      target_compile_definitions(${target} PRIVATE _LIBCPP_DISABLE_EXTERN_TEMPLATE)
    endif()
  elseif(FRESHET_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
