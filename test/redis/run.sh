#!/usr/bin/env bash
# npm run test:redis: the weft-threading/redis suites against a private redis-server (with-server.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash test/redis/with-server.sh node --test --test-concurrency=1 --test-timeout=120000 build/test/redis/*.test.js
