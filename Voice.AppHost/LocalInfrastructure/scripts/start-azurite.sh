#!/usr/bin/env bash
# Runs Azurite's blob service (installed by tools/install-deps.sh into tools/azurite) for the AppHost.
#   start-azurite.sh <azurite-dir> <port> <data-dir>
set -euo pipefail
azurite=$1 port=$2 dir=$3
main="$azurite/node_modules/azurite/dist/src/blob/main.js"
[ -f "$main" ] || { echo "Azurite is not installed at $azurite: run tools/install-deps.sh" >&2; exit 1; }
mkdir -p "$dir"
# Azurite needs Node.js 22+: install-deps.sh puts a pinned one in tools/node where the system's is older.
node=$(ls "$azurite"/../node/node_modules/node-linux-*/bin/node 2>/dev/null | head -1)
[ -n "$node" ] || node=node
exec "$node" "$main" --blobHost 127.0.0.1 --blobPort "$port" --location "$dir" --skipApiVersionCheck --loose --silent
