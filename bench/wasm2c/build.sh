#!/usr/bin/env bash
# Builds bench/native's driver against a freshet.wasm translated to C by
# wasm2c (wabt), for wasm instruction counts under callgrind (shim.cc).
#   bench/wasm2c/build.sh <freshet.wasm> <output binary>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
wasm="$(realpath "$1")"
out="$(realpath -m "$2")"
work="$out.d"
mkdir -p "$work"
wasm2c "$wasm" -n freshet -o "$work/module.c"
imports=()
if grep -q wasi_snapshot_preview1 "$work/module.h"; then imports=(-DFRESHET_WASM_IMPORTS_WASI); fi
rt=/usr/share/wabt/wasm2c/wasm-rt-impl.c
gcc -O2 -w -c "$work/module.c" -o "$work/module.o"
gcc -O2 -w -c "$rt" -o "$work/rt.o"
g++ -O2 -std=c++20 "${imports[@]}" -I"$root/bindings" -I"$work" \
  "$here/shim.cc" "$root/bench/native/driver.cc" "$work/module.o" "$work/rt.o" -o "$out" -lm
