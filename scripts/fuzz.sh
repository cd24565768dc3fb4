#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-19, -fsanitize=fuzzer,address,
# undefined; build/fuzz) and runs each one for N seconds from its seed corpus
# (docs/security.md "Fuzzing").
#   scripts/fuzz.sh               every target, 5 s each (the short run in npm test)
#   scripts/fuzz.sh 300           every target, 300 s each (the long run)
#   scripts/fuzz.sh 60 fuzz_abi   one target
# Inputs that add coverage are kept in build/fuzz/corpus/<target> (not
# committed; reused by later runs); fuzz/corpus/<target> is the committed
# seed corpus, only read. A crash, a sanitizer report, a leak or a failed
# invariant stops the target, leaves the input in build/fuzz/artifacts/ and
# fails the script; reproduce with build/fuzz/fuzz/<target> <that file>.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
shift || true
jobs="$(nproc 2>/dev/null || echo 2)"

all=(fuzz_http_date fuzz_cache_control fuzz_structured_field fuzz_headers fuzz_manifest fuzz_routes fuzz_url_key
  fuzz_entry_meta fuzz_abi)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if [ ! -f build/fuzz/Makefile ]; then
  mkdir -p build
  CC=clang-19 CXX=clang++-19 cmake -S . -B build/fuzz -G "Unix Makefiles" \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1" -DCMAKE_C_FLAGS_DEBUG="-O1" \
    -DFRESHET_FUZZ=ON -DFRESHET_TESTS=OFF >build/fuzz.configure.log 2>&1 ||
    { cat build/fuzz.configure.log; exit 1; }
fi
# Every target: the default goal (one parallel make); a few: just those.
goals=("${targets[@]}")
[ $# -gt 0 ] || goals=(all)
make -s -C build/fuzz -j"$jobs" "${goals[@]}" >build/fuzz.build.log 2>&1 ||
  { tail -n 60 build/fuzz.build.log; exit 1; }

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
mkdir -p build/fuzz/artifacts build/fuzz/logs
failed=0
for t in "${targets[@]}"; do
  work="build/fuzz/corpus/$t"
  mkdir -p "$work"
  log="build/fuzz/logs/$t.$$.log" # one per run: concurrent runs must not share it
  if "build/fuzz/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$t-" \
    "$work" "fuzz/corpus/$t" >"$log" 2>&1; then
    execs="$(grep -a -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')"
    cov="$(grep -aoE 'cov: [0-9]+' "$log" | tail -n1 | awk '{print $2}')"
    printf '%-20s ok   %9s runs in %ss, %s coverage points, corpus %s files\n' \
      "$t" "$execs" "$seconds" "${cov:-?}" "$(ls "$work" | wc -l)"
    rm -f "$log"
  else
    failed=1
    echo "$t: FAILED (log: $log)"
    grep -aE 'ERROR|runtime error|fuzz invariant|SUMMARY|Test unit written' "$log" | head -n 20 || true
  fi
done
exit "$failed"
