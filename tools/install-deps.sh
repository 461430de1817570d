#!/usr/bin/env bash
# Installs what Voice needs, skipping whatever is already there. Debian 12 and 13 and Ubuntu 24.04.
#   tools/install-deps.sh run    what running needs (run.sh): Postgres, Redis, espeak-ng, the audio codecs, ffmpeg,
#                                Node.js and Azurite
#   tools/install-deps.sh test   that, plus the test tools (test.sh): chromium, promtool, kustomize, sox/libsoxr,
#                                the image tools, Python modules and the node packages the tests use
# Only apt needs root: as a normal user it asks sudo for apt and nothing else. System services that apt starts
# and Voice does not use (Voice runs its own Postgres, Redis and registry processes) are stopped and disabled again.
# Package names follow the distribution (libflac12 or libflac14; Postgres is the distribution's default version);
# libraries are found by their soname, not by one path. Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
profile=${1:-test}
case "$profile" in run|test) ;; *) echo "usage: tools/install-deps.sh run|test" >&2; exit 2 ;; esac

sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "Installing system packages needs root: install sudo, or run this script as root once." >&2; exit 1; }
  sudo=sudo
fi

# A library is there when the dynamic linker knows its soname (any directory, any architecture).
has_lib() { /sbin/ldconfig -p 2>/dev/null | grep -q "[[:space:]]$1 "; }
# The first of these packages that the distribution has (libflac14 on Debian 13, libflac12t64 on Ubuntu 24.04).
pick() { for p in "$@"; do apt-cache show --no-all-versions "$p" >/dev/null 2>&1 && { echo "$p"; return; }; done; echo "$1"; }

missing=()
# need <package> <command, file or glob that proves it is there>
need() { [ -e "$2" ] || command -v "$2" >/dev/null 2>&1 || compgen -G "$2" >/dev/null || missing+=("$1"); }
need_lib() { has_lib "$2" || missing+=("$1"); }

need postgresql '/usr/lib/postgresql/*/bin/initdb'   # the distribution's default version
need redis-server redis-server
need espeak-ng espeak-ng
need_lib libespeak-ng1 libespeak-ng.so.1
need nodejs node
need npm npm
need curl curl
need xz-utils xz
need_lib libmp3lame0 libmp3lame.so.0                  # MP3 encoding
has_lib libFLAC.so.14 || has_lib libFLAC.so.12 || missing+=("$(pick libflac14 libflac12t64 libflac12)")   # FLAC
need ffmpeg ffmpeg                                    # AAC encoding
need_lib libsoxr0 libsoxr.so.0                        # resampling (Voice.Audio/Resampling)
if [ "$profile" = test ]; then
  need sox sox                                        # the resampler benchmark's reference
  need prometheus promtool                            # checks the shipped alert rules (deploy/k8s/monitoring)
  need chromium chromium                              # the portal's browser tests (Playwright drives it)
  need debootstrap debootstrap                        # the container images' base (deploy/images/build.sh)
  need docker-registry docker-registry                # ditto: the local registry the SDK publishes against
  need podman podman                                  # ditto: imports the base, runs an image in the tests
  need runc /usr/sbin/runc
  need python3-websockets /usr/lib/python3/dist-packages/websockets   # docs/realtime.md's Python example
  need python3-pydantic /usr/lib/python3/dist-packages/pydantic       # OpenAI's Python client (tools/openai-python)
  need python3-aiosmtpd /usr/lib/python3/dist-packages/aiosmtpd       # the SMTP server the mail tests send to
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages (apt, via ${sudo:-root}): ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  # apt starts these on systemd hosts; Voice starts its own processes on other ports, so give the ports back.
  if [ -d /run/systemd/system ]; then
    stopped=()
    for unit in postgresql redis-server docker-registry prometheus; do
      case " ${missing[*]} " in *" ${unit} "*) ;; *) continue ;; esac
      if systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl is-active --quiet "$unit" 2>/dev/null; then
        $sudo systemctl disable --now --quiet "$unit" && stopped+=("$unit")
      fi
    done
    [ ${#stopped[@]} -eq 0 ] || echo "Stopped and disabled the system services apt started, which Voice does not use: ${stopped[*]}"
  fi
fi

command -v dotnet >/dev/null || { echo "The .NET SDK 10 is required (dotnet not found on PATH): see the README's 'The .NET SDK'." >&2; exit 1; }

# Azurite needs Node.js 22 or newer; Debian 12 ships 18, Debian 13 and Ubuntu 24.04 ship 20. Then a pinned Node.js
# from npm (tools/node, its binary only) runs Azurite, and the system's node everything else.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  folders=(tools/node)
else
  folders=()
fi
# Node packages, pinned by their package-lock.json, reinstalled only when the lock file changes.
folders+=(tools/azurite)
[ "$profile" = test ] && folders+=(deploy/validate tools/qwen3-tokenizer tools/realtime-examples)
for folder in "${folders[@]}"; do
  stamp="$root/$folder/node_modules/.voice-installed"
  if [ ! -f "$stamp" ] || [ "$root/$folder/package-lock.json" -nt "$stamp" ]; then
    echo "Installing node packages into $folder"
    (cd "$root/$folder" && npm ci --no-audit --no-fund --loglevel=error)
    # npm forgives an optional package it could not fetch: tools/node's is the point of that folder.
    [ "$folder" != tools/node ] || compgen -G "$root/tools/node/node_modules/node-linux-*/bin/node" >/dev/null \
      || { echo "Node.js 22 for Azurite could not be installed into tools/node (npm: node-linux-*)" >&2; exit 1; }
    touch "$stamp"
  fi
done

if [ "$profile" = test ]; then
  bash "$root/tools/kustomize/fetch.sh"       # kustomize v5, which renders the Kubernetes overlays in the tests
  bash "$root/tools/openai-python/fetch.sh"   # OpenAI's official Python client, from Debian sid (no PyPI here)
fi
