#!/usr/bin/env bash
# npm run test:runtimes: installs Node 22 and 24, Bun and Deno from test/runtimes/package-lock.json
# (npm registry binaries, into test/runtimes/node_modules), builds weft, and runs the cross-worker
# contract on them and on the machine's Node (run.mjs). Ends with "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
start=$SECONDS

# Install from the lockfile, unless this very lockfile is already installed (a stamp records it).
if ! cmp -s package-lock.json node_modules/.weft-installed-lock 2>/dev/null; then
  echo "runtimes: npm ci (test/runtimes/package-lock.json)"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  cp package-lock.json node_modules/.weft-installed-lock
fi
echo "runtimes: installed in $((SECONDS - start)) s"

(cd ../.. && npm run -s build)
node run.mjs
