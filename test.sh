#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit, integration and end-to-end
# against real Postgres, Redis, Azurite and espeak-ng started through the AppHost). Prints a summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

tools/install-deps.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Voice.sln -c Debug -v quiet -nologo
# The three container images (OCI archives in artifacts/images), which the deployment tests inspect and run.
deploy/images/build.sh

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
  # The failures again, last, so a log that keeps only its tail still names them.
  awk '/<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); print "FAILED: " substr($0, RSTART + 10, RLENGTH - 11); grab = 1 }
       grab && /<Message>/ { lines = 0; show = 1 }
       show { print "  " $0; if (/<\/Message>/ || ++lines > 12) { show = 0; grab = 0 } }' "$trx"
  echo "Voice tests: $(get passed) passed, $(get failed) failed, $(get notExecuted) skipped of $(get total) in $(( $(date +%s) - started )) s"
fi
exit $status
