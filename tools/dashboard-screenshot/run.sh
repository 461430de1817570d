#!/usr/bin/env bash
# Starts the whole system (../../run.sh) with an anonymous dashboard, submits one job with a known trace id,
# and saves the dashboard's view of that trace to docs/screenshots/dashboard-trace.png. Installs chromium and
# playwright-core (driving the system chromium; no browser download) if missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v chromium >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -q --no-install-recommends chromium; }
[ -d "$here/node_modules/playwright-core" ] || (cd "$here" && npm install --no-audit --no-fund --silent)

export VOICE_STATE_DIR="$(mktemp -d /var/tmp/voice/screenshot-XXXXXX)"
export ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true
export VOICE_API_PORT="${VOICE_API_PORT:-5180}" VOICE_WEB_PORT="${VOICE_WEB_PORT:-5190}" VOICE_DASHBOARD_PORT="${VOICE_DASHBOARD_PORT:-15180}"
export VOICE_OTLP_PORT="${VOICE_OTLP_PORT:-19180}" VOICE_RESOURCE_SERVICE_PORT="${VOICE_RESOURCE_SERVICE_PORT:-20180}"
log="$(mktemp)"
setsid "$root/run.sh" >"$log" 2>&1 &
apphost=$!
trap 'kill -- -$apphost 2>/dev/null || true; sleep 3; rm -rf "$VOICE_STATE_DIR"' EXIT

api="http://localhost:$VOICE_API_PORT"
for _ in $(seq 1 240); do curl -fs "$api/health" >/dev/null 2>&1 && break; sleep 1; done
key="$(cat "$root/.voice/demo-api-key")"
trace="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
span="$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
task="$(curl -fs "$api/api/v1/voice/generate" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -H "traceparent: 00-$trace-$span-01" -d '{"text":"A trace from the request, through the queue, to the worker.","format":"mp3"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["task_id"])')"
for _ in $(seq 1 60); do
  status="$(curl -fs "$api/api/v1/task/$task" -H "Authorization: Bearer $key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
  [ "$status" = completed ] && break; sleep 1
done
sleep 6 # the services export their spans in batches
mkdir -p "$root/docs/screenshots"
node "$here/screenshot.mjs" "http://localhost:$VOICE_DASHBOARD_PORT" "$trace" "$root/docs/screenshots/dashboard-trace.png"
echo "task $task, trace $trace"
