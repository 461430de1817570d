#!/usr/bin/env bash
# Runs a private PostgreSQL server for the AppHost: initdb on first use, then the server in the foreground
# (exec, so the orchestrator's signals reach postgres itself). Postgres refuses to run as root, so as root
# it drops to the 'postgres' user. The password comes from VOICE_PG_PASSWORD and is re-applied at every
# start, so a regenerated parameter still matches an existing data directory.
#   start-postgres.sh <data-dir> <port> <socket-dir>
set -euo pipefail
data=$1 port=$2 socket=$3
: "${VOICE_PG_PASSWORD:?VOICE_PG_PASSWORD is required}"

# The distribution's server (15 on Debian 12, 17 on Debian 13, 16 on Ubuntu 24.04): on PATH, or the newest installed.
bindir=$(dirname "$(command -v postgres || ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -1)")
[ -x "$bindir/postgres" ] || { echo "PostgreSQL's server is not installed: run tools/install-deps.sh" >&2; exit 1; }

as_postgres=()
if [ "$(id -u)" = 0 ]; then
  as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi

mkdir -p "$data" "$socket"
chmod 700 "$data"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$data" "$socket"

if [ ! -s "$data/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "$VOICE_PG_PASSWORD" > "$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  "${as_postgres[@]}" "$bindir/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --no-locale >/dev/null
  rm -f "$pwfile"
fi

escaped=${VOICE_PG_PASSWORD//\'/\'\'}
printf "ALTER USER postgres PASSWORD '%s';\n" "$escaped" \
  | "${as_postgres[@]}" "$bindir/postgres" --single -D "$data" postgres >/dev/null

exec "${as_postgres[@]}" "$bindir/postgres" -D "$data" -p "$port" -h 127.0.0.1 -k "$socket" \
  -c max_connections=200 -c shared_buffers=128MB ${VOICE_PG_OPTIONS:-}
