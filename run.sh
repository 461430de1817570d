#!/usr/bin/env bash
# Runs the whole Voice system locally: installs what running needs (tools/install-deps.sh run; sudo only for
# apt), builds, and starts the AppHost with its dashboard. Without a container runtime, Postgres, Redis and Azurite run as local processes.
#   API       http://localhost:${VOICE_API_PORT:-5080}   (reference: /docs)
#   Admin API http://localhost:${VOICE_ADMIN_PORT:-5081}  (operators only; token in .voice/admin-token)
#   Portal    http://localhost:${VOICE_WEB_PORT:-5090}
#   Dashboard http://localhost:${VOICE_DASHBOARD_PORT:-15080}  (the login link is printed below)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# Under sudo, run as the user who asked: the build, test and state files stay theirs, and apt asks sudo itself.
if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  echo "$(basename "$0"): running as $SUDO_USER, not root (only apt needs sudo, and asks for it)" >&2
  exec sudo -u "$SUDO_USER" -H --preserve-env=PATH -- "$0" "$@"
fi

tools/install-deps.sh run

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
      echo "  API        $api   (reference: $api/docs, OpenAPI: $api/openapi/v1.json)"
      echo "  Admin API  http://localhost:${VOICE_ADMIN_PORT:-5081}   (operator token: .voice/admin-token; docs/operators.md)"
      echo "  Portal     $web"
      echo "  Dashboard  $ASPNETCORE_URLS   (use the login link above)"
      if [ -n "${VOICE_DEMO_API_KEY:-}" ]; then echo "  Demo key   the one in VOICE_DEMO_API_KEY"; else echo "  Demo key   in .voice/demo-api-key"; fi
      exit 0
    fi
    sleep 1
  done
  echo "Voice did not become healthy within 3 minutes; see the dashboard for resource logs." >&2
) & )

exec dotnet run --project Voice.AppHost -c Debug --no-build --no-launch-profile
