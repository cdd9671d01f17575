#!/usr/bin/env bash
# Runs a command with a private, throw-away redis-server: installs Debian's redis-server if missing,
# starts one on a free 127.0.0.1 port without persistence, exports its URL as WEFT_REDIS_URL (and the
# server binary as WEFT_REDIS_SERVER, its port as WEFT_REDIS_PORT), builds, runs the command, and
# stops the server by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis: installing Debian's redis-server" >&2
  apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
fi

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
  --daemonize no --logfile "$dir/redis.log" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  if redis-cli -p "$port" ping >/dev/null 2>&1; then break; fi
  sleep 0.05
done
redis-cli -p "$port" ping >/dev/null

export WEFT_REDIS_URL="redis://127.0.0.1:$port"
export WEFT_REDIS_PORT="$port"
export WEFT_REDIS_SERVER="$(command -v redis-server)"
npm run -s build:all
"$@"
