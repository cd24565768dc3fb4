#!/usr/bin/env bash
# Style checks: clang-format (fails on any difference) and, with --tidy,
# clang-tidy over the core and the ABI (slower; uses build/native).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.cc' 'src/*.h' 'bindings/*.cc' 'bindings/*.h' 'tests/unit/*.cc' 'fuzz/*.cc')
clang-format --dry-run --Werror $files
echo "clang-format: clean"
if [ "${1:-}" = "--tidy" ]; then
  clang-tidy -p build/native --quiet $(git ls-files 'src/*.cc' 'bindings/*.cc')
fi
