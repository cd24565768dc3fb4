#!/usr/bin/env bash
# freshet's bench (npm run bench [-- --quick]): installs what it needs when
# missing (scripts/setup.sh: wrk, valgrind, wabt, npm packages), builds both wasm
# modules and the native bench driver, then runs bench/run.mjs, which prints
# a table and writes bench/RESULTS.md. Never part of npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh wasm
if [ ! -f build/bench/Makefile ]; then
  cmake -S bench/native -B build/bench -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Release >build/bench.configure.log 2>&1 \
    || { cat build/bench.configure.log; exit 1; }
fi
make -s -C build/bench -j"$(nproc 2>/dev/null || echo 2)" freshet_bench
# The wasm modules' own instruction counts: each build translated to C by
# wasm2c and linked with the same driver (bench/wasm2c/shim.cc).
for b in wasi emscripten; do bash bench/wasm2c/build.sh "build/$b/freshet.wasm" "build/bench/wasm2c-$b"; done
exec node bench/run.mjs "$@"
