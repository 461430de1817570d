#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit, integration and end-to-end
# against real Postgres, Redis, Azurite and espeak-ng started through the AppHost). Prints a summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# Under sudo, run as the user who asked: the build, test and state files stay theirs, and apt asks sudo itself.
if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  echo "$(basename "$0"): running as $SUDO_USER, not root (only apt needs sudo, and asks for it)" >&2
  exec sudo -u "$SUDO_USER" -H --preserve-env=PATH -- "$0" "$@"
fi

tools/install-deps.sh test

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Voice.sln -c Debug -v quiet -nologo
# The three container images (OCI archives in artifacts/images), which the deployment tests inspect and run.
# Building them needs root (debootstrap, podman's storage): as a normal user their tests are left out, and said so;
# CI runs as root and covers them.
filter=()
if [ "$(id -u)" = 0 ]; then
  deploy/images/build.sh
elif [[ " $* " != *" --filter "* ]]; then
  echo "Not root: the container images are not built and their tests (ContainerImageTests) are left out; CI builds and tests them." >&2
  filter=(--filter "FullyQualifiedName!~Voice.Tests.Deploy.ContainerImageTests")
fi

results=artifacts/test-results
rm -rf "$results"
started=$(date +%s)
status=0
dotnet test Voice.Tests/Voice.Tests.csproj -c Debug --no-build \
  --results-directory "$results" \
  --logger "trx;LogFileName=voice-tests.trx" \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m "${filter[@]}" "$@" || status=$?

trx="$results/voice-tests.trx"
if [ -f "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  echo
  # The failures again, last, so a log that keeps only its tail still names them.
  awk '/<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); print "FAILED: " substr($0, RSTART + 10, RLENGTH - 11); grab = 1 }
       grab && /<Message>/ { lines = 0; show = 1 }
       show { print "  " $0; if (/<\/Message>/ || ++lines > 12) { show = 0; grab = 0 } }' "$trx"
  # Slowest tests, then every failure's name on one line each: the tail of a long log still tells the story.
  awk '/<UnitTestResult / { match($0, /testName="[^"]*"/); n = substr($0, RSTART + 10, RLENGTH - 11)
       match($0, /duration="[^"]*"/); d = substr($0, RSTART + 10, RLENGTH - 11); split(d, t, ":"); printf "%.3f\t%s\n", t[1] * 3600 + t[2] * 60 + t[3], n }' "$trx" \
    | sort -rn | awk -F'\t' 'NR <= 8 { printf "slow: %5.0f s  %s\n", $1, substr($2, 1, 150) }'
  if grep -q 'outcome="Failed"' "$trx"; then
    # What the API and portal logged as errors (the app fixtures' logs, saved in $results/app-logs).
    for log in "$results"/app-logs/api-test-*.log "$results"/app-logs/web-test-*.log; do
      [ -f "$log" ] || continue
      errors=$(grep -cE '(fail|crit)[^:]*: |Exception' "$log" || true)
      echo "$(basename "$log"): $errors error lines; the last:"
      { grep -E '(fail|crit)[^:]*: |Exception' "$log" || true; } | tail -4 | cut -c1-300 | sed 's/^/    /'
    done
  fi
  awk '/<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); print "failed: " substr($0, RSTART + 10, RLENGTH - 11) }' "$trx"
  echo "Voice tests: $(get passed) passed, $(get failed) failed, $(get notExecuted) skipped of $(get total) in $(( $(date +%s) - started )) s"
fi
exit $status
