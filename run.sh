#!/usr/bin/env bash
# Runs the whole Voice system locally: installs what is missing, builds, and starts the AppHost with its
# dashboard. Without a container runtime, Postgres, Redis and Azurite run as local processes.
#   API       http://localhost:${VOICE_API_PORT:-5080}
#   Portal    http://localhost:${VOICE_WEB_PORT:-5090}
#   Dashboard http://localhost:${VOICE_DASHBOARD_PORT:-15080}  (the login link is printed below)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

tools/install-deps.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Voice.AppHost -c Debug -v quiet -nologo

api="http://localhost:${VOICE_API_PORT:-5080}"
web="http://localhost:${VOICE_WEB_PORT:-5090}"
export ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development
export ASPNETCORE_URLS="http://localhost:${VOICE_DASHBOARD_PORT:-15080}"
export ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://localhost:${VOICE_OTLP_PORT:-19080}"
export ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="http://localhost:${VOICE_RESOURCE_SERVICE_PORT:-20080}"
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true

# Announce the URLs once the API and portal answer (double fork: nothing is left for dotnet to reap).
( (
  for _ in $(seq 1 180); do
    if curl -fs "$api/health" >/dev/null 2>&1 && curl -fs "$web/health" >/dev/null 2>&1; then
      echo
      echo "Voice is up:"
      echo "  API        $api   (OpenAPI: $api/openapi/v1.json)"
      echo "  Portal     $web"
      echo "  Dashboard  $ASPNETCORE_URLS   (use the login link above)"
      echo "  Demo key   ${VOICE_DEMO_API_KEY:+from VOICE_DEMO_API_KEY}${VOICE_DEMO_API_KEY:-in .voice/demo-api-key}"
      exit 0
    fi
    sleep 1
  done
  echo "Voice did not become healthy within 3 minutes; see the dashboard for resource logs." >&2
) & )

exec dotnet run --project Voice.AppHost -c Debug --no-build --no-launch-profile
