#!/usr/bin/env bash
# npm run test:redis: the weft-threading/redis suites against a private redis-server (with-server.sh).
# The glob is expanded after the build, inside the inner shell.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash test/redis/with-server.sh bash -c \
  'node --test --test-concurrency=1 --test-timeout=120000 build/test/redis/*.test.js'
