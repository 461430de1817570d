#!/usr/bin/env bash
# Installs what Voice needs on a Debian 12 machine, skipping whatever is already there:
# the system packages (Postgres, Redis, espeak-ng, audio codecs, ffmpeg, Node.js, image and Kubernetes tools) and the
# node packages (Azurite into tools/azurite, manifest validators into deploy/validate).
# Called by run.sh and test.sh; safe to run again.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

missing=()
# need <debian package> <command or file that proves it is there>
need() { [ -e "$2" ] || command -v "$2" >/dev/null 2>&1 || missing+=("$1"); }
need postgresql-15 /usr/lib/postgresql/15/bin/initdb
need redis-server redis-server
need espeak-ng espeak-ng
need libespeak-ng1 /usr/lib/x86_64-linux-gnu/libespeak-ng.so.1
need nodejs node
need npm npm
need libmp3lame0 /usr/lib/x86_64-linux-gnu/libmp3lame.so.0   # MP3 encoding
need libflac12 /usr/lib/x86_64-linux-gnu/libFLAC.so.12         # FLAC encoding and decoding
need ffmpeg ffmpeg                                             # AAC encoding; a reference decoder in tests
need sox sox                                                   # the resampler benchmark's reference
need libsoxr0 /usr/lib/x86_64-linux-gnu/libsoxr.so.0           # ditto (libsoxr, called directly)
need prometheus promtool                                       # checks the shipped alert rules (deploy/k8s/monitoring)
need chromium chromium                                         # the portal's browser tests (Playwright drives it)
need debootstrap debootstrap                                   # the container images' base (deploy/images/build.sh)
need docker-registry docker-registry                           # ditto: the local registry the SDK publishes against
need podman podman                                             # ditto: imports the base, runs an image in the tests
need runc /usr/sbin/runc
need python3-websockets /usr/lib/python3/dist-packages/websockets   # runs docs/realtime.md's Python example in the tests
need python3-pydantic /usr/lib/python3/dist-packages/pydantic       # OpenAI's Python client (tools/openai-python) needs it
need xz-utils xz                                                    # ditto: reads Debian sid's package index

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v dotnet >/dev/null || { echo "The .NET SDK 10 is required (dotnet not found on PATH)." >&2; exit 1; }
# kubectl renders the Kubernetes overlays; it needs kustomize v5 (kubectl 1.27+). Debian 12's kubernetes-client
# (1.20, kustomize v2) cannot read them, so this machine image's kubectl is used; say so where it is missing.
if ! kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v5'; then
  echo "warning: kubectl with kustomize v5 (kubectl 1.27+) not found; the deployment tests need it (deploy/README.md)" >&2
fi

# Node packages, pinned by their package-lock.json, reinstalled only when the lock file changes: Azurite (blob
# storage for runs and tests), the Kubernetes manifest validators (deploy/validate) and Qwen's real tokenizer
# vocabulary (tools/qwen3-tokenizer, which the tokenizer tests compare with the official processor's ids) and the
# WebSocket client docs/realtime.md's Node example uses (tools/realtime-examples, whose tests run that example).
for folder in tools/azurite deploy/validate tools/qwen3-tokenizer tools/realtime-examples; do
  stamp="$root/$folder/node_modules/.voice-installed"
  if [ ! -f "$stamp" ] || [ "$root/$folder/package-lock.json" -nt "$stamp" ]; then
    echo "Installing node packages into $folder"
    (cd "$root/$folder" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
done

# OpenAI's official Python client for the compatibility tests, from Debian sid's packages (no PyPI here).
bash "$root/tools/openai-python/fetch.sh"
