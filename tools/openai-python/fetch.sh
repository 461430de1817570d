#!/usr/bin/env bash
# OpenAI's official Python client (the `openai` package) for the compatibility tests, without PyPI: Debian sid
# packages it (python3-openai, patched to httpx2). Its pure-Python packages and their pure-Python dependencies are
# taken from sid's current index on deb.debian.org and unpacked into tools/openai-python/site (not installed, not
# committed); pydantic comes from the system (python3-pydantic, Debian 12's 1.10, which the client supports).
# pydantic-core is compiled for sid's Python and Debian 12 has none: the client imports only its from_json outside
# its pydantic-2 paths (chat streaming's partial JSON, never used by speech), so a named stand-in provides that.
# The tests run the system python3 with PYTHONPATH=tools/openai-python/site. Safe to run again: skips when present.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
site="$here/site"
[ -f "$site/.voice-installed" ] && exit 0
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(python3-openai python3-httpx2 python3-httpcore2 python3-truststore python3-h11 python3-anyio python3-sniffio
  python3-distro python3-typing-extensions python3-idna python3-certifi)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Fetching OpenAI's Python client from Debian sid into tools/openai-python/site"
curl -fsS "$mirror/dists/sid/main/binary-$(dpkg --print-architecture)/Packages.xz" | xz -dc > "$work/Packages"
rm -rf "$site.partial" && mkdir -p "$site.partial"
for package in "${packages[@]}"; do
  file=$(awk -v p="$package" '$1 == "Package:" { hit = ($2 == p) } hit && $1 == "Filename:" { print $2; exit }' "$work/Packages")
  [ -n "$file" ] || { echo "sid has no $package" >&2; exit 1; }
  curl -fsS -o "$work/package.deb" "$mirror/$file"
  dpkg-deb -x "$work/package.deb" "$work/root"
done
cp -r "$work/root/usr/lib/python3/dist-packages/." "$site.partial/"
# Debian 13 and Ubuntu 24.04 have pydantic 2 with its real pydantic-core: then no stand-in.
/usr/bin/python3 -c 'import pydantic_core' 2>/dev/null || { mkdir -p "$site.partial/pydantic_core"; cat > "$site.partial/pydantic_core/__init__.py" <<'PY'
"""A stand-in, not pydantic-core: Debian 12 has pydantic 1.10 and no pydantic-core. The openai client imports only
from_json from it on pydantic 1 (for chat completions' partial JSON, which the speech tests never use)."""
import json


def from_json(data, *, allow_partial=False):
    return json.loads(data)
PY
}
rm -rf "$site" && mv "$site.partial" "$site"
touch "$site/.voice-installed"
