#!/usr/bin/env bash
# Runs wrangler with the settings that keep it off the network
# (no metrics, no cf.json download, no update check, no login prompts).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$root/.xdg}"
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_HIDE_BANNER=true
export CI="${CI:-true}"
exec "$root/node_modules/.bin/wrangler" "$@"
