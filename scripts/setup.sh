#!/usr/bin/env bash
# Installs what freshet needs on a Debian 12 machine when it is missing:
# Debian packages (compilers, wasm toolchains, test libraries) and the npm
# packages of package-lock.json. Safe to run again: it does nothing when
# everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake make g++ pkg-config clang-format # native build, style check
  libgtest-dev googletest              # unit tests
  nlohmann-json3-dev                   # manifest parsing
  clang-19 lld-19 llvm-19              # wasm32-wasi build
  libclang-rt-19-dev                   # libFuzzer + sanitizer runtimes (scripts/fuzz.sh)
  libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32 wasi-libc
  emscripten binaryen wabt             # Emscripten build, wasm tools
  curl                                 # the demo's readiness check
  wrk valgrind                         # npm run bench (load generator, callgrind)
)
# Node.js: use the machine's when there is one (it may not come from Debian).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "freshet setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "freshet setup: Node.js >= 20 is required (found $(node --version))" >&2
  exit 1
fi

# npm packages: install when node_modules is missing or older than the lock.
if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "freshet setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
