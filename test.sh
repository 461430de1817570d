#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit, integration and end-to-end
# against real Postgres, Redis, Azurite and espeak-ng started through the AppHost). Prints a summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

tools/install-deps.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Voice.sln -c Debug -v quiet -nologo

results=artifacts/test-results
rm -rf "$results"
started=$(date +%s)
status=0
dotnet test Voice.Tests/Voice.Tests.csproj -c Debug --no-build \
  --results-directory "$results" \
  --logger "trx;LogFileName=voice-tests.trx" \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m "$@" || status=$?

trx="$results/voice-tests.trx"
if [ -f "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  echo
  echo "Voice tests: $(get passed) passed, $(get failed) failed, $(get notExecuted) skipped of $(get total) in $(( $(date +%s) - started )) s"
fi
exit $status
