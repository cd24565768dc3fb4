#!/usr/bin/env bash
# Runs every test of freshet (the README's test command, `npm test`):
#   1. set-up (Debian + npm packages) when missing
#   2. native build + GoogleTest (ctest), then again under ASan + UBSan;
#      a short run of every libFuzzer target (scripts/fuzz.sh)
#   3. both wasm builds (wasi and Emscripten)
#   4. node --test: the decision corpus against both wasm builds, every
#      worker test in workerd (Miniflare) once per wasm build, the demo and
#      the deploy bundle, and the soak (a faulty origin, about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc 2>/dev/null || echo 2)"

bash scripts/setup.sh
bash scripts/lint.sh
bash scripts/build.sh

echo "== native unit tests (ctest)"
ctest --test-dir build/native --output-on-failure -j"$jobs" | tail -n 3

echo "== native unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
if [ ! -f build/asan/Makefile ]; then
  cmake -S . -B build/asan -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Debug -DFRESHET_SANITIZE=ON >build/asan.configure.log
fi
make -s -C build/asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j"$jobs" | tail -n 3

echo "== fuzzers (libFuzzer + ASan + UBSan), a short run of each (docs/security.md)"
bash scripts/fuzz.sh "${FRESHET_FUZZ_SECONDS:-5}"

echo "== every worker test with the Emscripten build"
# (the demo and the deploy bundle use dist/freshet.wasm, the wasi build: once
# is enough; the soak, about a minute, runs once too, with the wasi build)
mapfile -t worker_tests < <(ls tests/worker/*.test.js | grep -v -e '/demo\.test\.js$' -e '/deploy\.test\.js$' -e '/soak\.test\.js$')
FRESHET_WASM_BUILD=emscripten node --test --test-concurrency=2 "${worker_tests[@]}"

echo "== all node tests (wasi build in the worker)"
mapfile -t node_tests < <(find tests -name '*.test.js' -o -name '*.test.mjs' | grep -v '/soak\.test\.js$' | sort)
FRESHET_WASM_BUILD=wasi node --test --test-concurrency=2 "${node_tests[@]}"

echo "== the soak: a faulty origin, 32 clients, every tier (about a minute, on its own)"
FRESHET_WASM_BUILD=wasi node --test tests/worker/soak.test.js
