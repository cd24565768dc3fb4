# Toolchain file for wasm32-wasi.
#   Debian:   clang-19 + wasi-libc + libc++-19-dev-wasm32 (the default)
#   wasi-sdk: cmake -DWASI_SDK_PREFIX=/opt/wasi-sdk ...
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
list(APPEND CMAKE_MODULE_PATH ${CMAKE_CURRENT_LIST_DIR})

if(DEFINED ENV{WASI_SDK_PREFIX} AND NOT WASI_SDK_PREFIX)
  set(WASI_SDK_PREFIX $ENV{WASI_SDK_PREFIX})
endif()

if(WASI_SDK_PREFIX)
  set(CMAKE_C_COMPILER ${WASI_SDK_PREFIX}/bin/clang)
  set(CMAKE_CXX_COMPILER ${WASI_SDK_PREFIX}/bin/clang++)
  set(CMAKE_AR ${WASI_SDK_PREFIX}/bin/llvm-ar CACHE FILEPATH "")
  set(CMAKE_RANLIB ${WASI_SDK_PREFIX}/bin/llvm-ranlib CACHE FILEPATH "")
  set(CMAKE_SYSROOT ${WASI_SDK_PREFIX}/share/wasi-sysroot)
else()
  set(CMAKE_C_COMPILER clang-19)
  set(CMAKE_CXX_COMPILER clang++-19)
  set(CMAKE_AR llvm-ar-19 CACHE FILEPATH "")
  set(CMAKE_RANLIB llvm-ranlib-19 CACHE FILEPATH "")
endif()

set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
