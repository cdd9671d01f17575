#!/usr/bin/env bash
# npm run test:browser: installs Debian's chromium and firefox-esr if missing, builds weft, and runs
# the cross-worker contract in both, headless, from a local server that sends the cross-origin
# isolation headers (run.mjs). Ends with "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
start=$SECONDS

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v firefox-esr >/dev/null || missing+=(firefox-esr)
if ((${#missing[@]})); then
  echo "browsers: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "browsers: installed in $((SECONDS - start)) s ($(chromium --version 2>/dev/null | head -1); $(firefox-esr --version 2>/dev/null))"

cd "$here/../.."
if [ ! -d node_modules/playwright-core ]; then
  echo "test:browser needs the dev dependencies (playwright-core): run npm ci first" >&2
  exit 1
fi
npm run -s build
node test/browser/run.mjs "$@"
