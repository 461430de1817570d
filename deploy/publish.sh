#!/usr/bin/env bash
# Writes the deployment from the AppHost: the Aspire manifest (deploy/aspire-manifest.json, the AppHost's
# publish-manifest step — no container runtime needed), then the Kubernetes manifests generated from it
# (deploy/k8s/base and overlays/dev, overlays/prod) and, if missing, a development secrets file.
#   deploy/publish.sh [--pools P] [--registry R] [--tag T] [--domain D]
# Defaults: registry.example.com/voice, 0.1.0, voice.example.com, and the worker pools of the documented example
# (VOICE_POOLS syntax, see deploy/README.md): an espeak pool and two Qwen3-TTS pools on GPUs.
# Then: kubectl apply -k deploy/k8s/overlays/dev   (see deploy/README.md)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

pools=espeak,qwen3-base=qwen3-onnx:/models/qwen3-base,qwen3-design=qwen3-onnx:/models/qwen3-design
generator_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pools) pools=${2:?--pools needs a value}; shift 2 ;;
    *) generator_args+=("$1"); shift ;;
  esac
done

dotnet build Voice.AppHost -c Debug -v quiet -nologo
dotnet build Voice.Deploy -c Debug -v quiet -nologo
# Publish mode ignores the run-mode switches; clear them and name the pools, so the manifest is the same on every machine.
env -u VOICE_SPEECH_ENGINE -u VOICE_MODEL_DIR -u VOICE_SECOND_API -u VOICE_LOCAL_INFRA VOICE_POOLS="$pools" \
  dotnet Voice.AppHost/bin/Debug/net10.0/Voice.AppHost.dll --operation publish --step publish-manifest --output-path "$root/deploy" >/dev/null
dotnet Voice.Deploy/bin/Debug/net10.0/Voice.Deploy.dll generate --manifest deploy/aspire-manifest.json --out deploy/k8s "${generator_args[@]}"

secrets=deploy/k8s/overlays/dev/secrets.env
if [ ! -f "$secrets" ]; then
  (umask 077 && dotnet Voice.Deploy/bin/Debug/net10.0/Voice.Deploy.dll dev-secrets --manifest deploy/aspire-manifest.json > "$secrets")
  echo "Wrote $secrets (development secrets, git-ignored)"
fi
