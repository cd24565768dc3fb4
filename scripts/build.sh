#!/usr/bin/env bash
# Builds freshet: the native library + tests, the wasi wasm and the
# Emscripten wasm, from the same sources; copies the wasi module to dist/
# for the worker. Prints the module sizes.
#   scripts/build.sh            everything
#   scripts/build.sh wasm       the two wasm builds only
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
jobs="$(nproc 2>/dev/null || echo 2)"

configure() { # dir, extra cmake args...
  local dir="$1"; shift
  if [ ! -f "$dir/Makefile" ]; then "$@" -B "$dir" -G "Unix Makefiles" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }; fi
}

mkdir -p build dist
if [ "$what" = all ] || [ "$what" = native ]; then
  configure build/native cmake -S . -DCMAKE_BUILD_TYPE=Debug
  make -s -C build/native -j"$jobs"
fi
if [ "$what" = all ] || [ "$what" = wasm ]; then
  configure build/wasi cmake -S . -DCMAKE_TOOLCHAIN_FILE=cmake/wasi-toolchain.cmake -DCMAKE_BUILD_TYPE=MinSizeRel
  make -s -C build/wasi -j"$jobs" >/dev/null
  configure build/emscripten emcmake cmake -S . -DCMAKE_BUILD_TYPE=MinSizeRel
  make -s -C build/emscripten -j"$jobs" >/dev/null
  cp build/wasi/freshet.wasm dist/freshet.wasm
  for b in wasi emscripten; do
    f="build/$b/freshet.wasm"
    printf 'freshet.wasm (%s): %s bytes, %s bytes gzipped\n' "$b" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
  done
  # Strict mode: a manifest with an error or a warning fails the build.
  node tools/freshet.mjs validate --strict freshet.manifest.json
fi
