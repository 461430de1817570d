#!/usr/bin/env bash
# Runs a private redis-server for the AppHost. The password is fed through stdin as configuration so it
# never appears in the process list.
#   start-redis.sh <port> <dir>
set -euo pipefail
port=$1 dir=$2
: "${VOICE_REDIS_PASSWORD:?VOICE_REDIS_PASSWORD is required}"
mkdir -p "$dir"
exec redis-server - --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
  --protected-mode yes <<<"requirepass $VOICE_REDIS_PASSWORD"
