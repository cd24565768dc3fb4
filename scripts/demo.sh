#!/usr/bin/env bash
# The demo (`npm start`): the bundled demo origin on 127.0.0.1:8788 and the
# freshet worker in front of it through `wrangler dev` (workerd, offline) on
# 127.0.0.1:8787. Ctrl-C stops both.
#   DEMO_PORT=8787 DEMO_ORIGIN_PORT=8788 npm start
set -euo pipefail
cd "$(dirname "$0")/.."
port="${DEMO_PORT:-8787}"
origin_port="${DEMO_ORIGIN_PORT:-8788}"

bash scripts/setup.sh
bash scripts/build.sh wasm

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

node demo/origin.mjs "$origin_port" &
pids+=($!)

# Extra vars for wrangler dev, e.g. DEMO_VARS="--var FRESHET_TEST_MODE:1".
# shellcheck disable=SC2086
bash scripts/wrangler-offline.sh dev --port "$port" --ip 127.0.0.1 \
  --var "ORIGIN:http://127.0.0.1:$origin_port" --var "FRESHET_DEV:1" ${DEMO_VARS:-} >.wrangler-dev.log 2>&1 &
pids+=($!)

for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then break; fi
  if ! kill -0 "${pids[1]}" 2>/dev/null; then cat .wrangler-dev.log; exit 1; fi
  sleep 0.5
done

cat <<MSG

freshet is running on http://127.0.0.1:$port/ in front of the demo origin on http://127.0.0.1:$origin_port/

Try (watch x-cache, cache-status and age):
  curl -si http://127.0.0.1:$port/blog/hello | grep -iE '^(x-cache|cache-status|age)|hit #'   # MISS
  curl -si http://127.0.0.1:$port/blog/hello | grep -iE '^(x-cache|cache-status|age)|hit #'   # HIT
  sleep 11; curl -si http://127.0.0.1:$port/blog/hello | grep -iE '^(x-cache|cache-status|age)|hit #'   # STALE, refreshed in the background
  curl -si http://127.0.0.1:$port/account/profile | grep -iE '^(x-cache|cache-status)'        # BYPASS (route-off)
  curl -si http://127.0.0.1:$port/pricing | grep -iE '^(x-cache|cache-control|cdn-)'          # CDN-Cache-Control stripped
Or run the whole tour: node demo/tour.mjs http://127.0.0.1:$port

Ctrl-C stops the worker and the origin.
MSG
wait -n "${pids[@]}"
