#!/usr/bin/env bash
# Builds the api, worker and web images without a Docker daemon, as OCI archives:
#   1. a base image like the official ASP.NET one (Debian bookworm + the ASP.NET Core runtime, user "app" 1654,
#      port 8080) plus the native audio libraries the services load (libFLAC, LAME, espeak-ng, ffmpeg for AAC),
#      made with debootstrap and the .NET runtime of the installed SDK;
#   2. served from a local registry (Debian's docker-registry, 127.0.0.1:5000), because the SDK's container
#      publishing takes its base from a registry;
#   3. `dotnet publish -t:PublishContainer` for each service against that base, written to artifacts/images/*.tar.
# Usage: deploy/images/build.sh [TAG]   (default tag: dev)
# Environment: VOICE_IMAGES_OUT (artifacts/images), VOICE_IMAGES_WORK (/var/tmp/voice-images: rootfs, registry),
#   VOICE_IMAGES_REGISTRY (127.0.0.1:5000), VOICE_IMAGES_PROJECTS ("api worker web"),
#   VOICE_WORKER_GPU_BASE: the GPU worker's base (CUDA 13 + cuDNN 9 + ASP.NET Core 10 + the audio libraries, in a
#   registry you can reach); when set, the worker is published on it with ONNX Runtime's CUDA build (VoiceOnnxGpu).
# For a real registry, push the base (podman push) and publish with -p:ContainerBaseImage=<it> -p:ContainerRegistry=<yours>;
# the production worker's base is CUDA 13 + cuDNN 9 (deploy/README.md), which this script does not build.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tag=${1:-dev}
out=${VOICE_IMAGES_OUT:-$root/artifacts/images}
work=${VOICE_IMAGES_WORK:-/var/tmp/voice-images}
registry=${VOICE_IMAGES_REGISTRY:-127.0.0.1:5000}
projects=${VOICE_IMAGES_PROJECTS:-api worker web}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The local registry speaks plain HTTP; the SDK assumes HTTPS for anything it is not told about.
export DOTNET_CONTAINER_INSECURE_REGISTRIES="$registry"

# debootstrap, chown to the image's user and podman's storage need root.
[ "$(id -u)" = 0 ] || { echo "deploy/images/build.sh needs root (debootstrap, podman): run it with sudo" >&2; exit 1; }

# Tools (Debian packages), installed when missing.
missing=()
for pair in debootstrap:debootstrap docker-registry:docker-registry podman:podman runc:runc curl:curl; do
  command -v "${pair#*:}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair#*:}" ] || missing+=("${pair%%:*}")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
# The newest 10.0 runtime (the projects' target), present for both frameworks.
runtime=$(dotnet --list-runtimes | sed -n 's/^Microsoft.AspNetCore.App \(10\.0\.[0-9]*\) .*/\1/p' | sort -V | tail -1)
[ -n "$runtime" ] && [ -d "$dotnet_root/shared/Microsoft.NETCore.App/$runtime" ] \
  || { echo "no ASP.NET Core and .NET 10.0 runtime of the same version in $dotnet_root" >&2; exit 1; }
packages=ca-certificates,libicu72,libssl3,tzdata,libgssapi-krb5-2,zlib1g,libflac12,libmp3lame0,libsoxr0,libespeak-ng1,espeak-ng-data,ffmpeg
base="$registry/voice/aspnet-audio:$runtime-bookworm"
stamp="$runtime $packages"
mkdir -p "$work" "$out"

# 1. The base file system (kept between runs: debootstrap takes a minute or two).
rootfs="$work/rootfs"
if [ "$(cat "$work/rootfs.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "Building the base file system (debootstrap, .NET $runtime)"
  rm -rf "$rootfs"
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  mkdir -p "$rootfs/usr/share/dotnet/shared" "$rootfs/app"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$rootfs/usr/share/dotnet/"
  for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
    mkdir -p "$rootfs/usr/share/dotnet/shared/$framework"
    cp -a "$dotnet_root/shared/$framework/$runtime" "$rootfs/usr/share/dotnet/shared/$framework/"
  done
  ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
  # The official images' unprivileged user.
  echo "app:x:1654:1654::/home/app:/usr/sbin/nologin" >>"$rootfs/etc/passwd"
  echo "app:x:1654:" >>"$rootfs/etc/group"
  mkdir -p "$rootfs/home/app" && chown 1654:1654 "$rootfs/home/app"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc "$rootfs"/usr/share/man
  echo "$stamp" >"$work/rootfs.stamp"
  rm -f "$work/base.pushed"
fi

# 2. The local registry.
if ! curl -sf "http://$registry/v2/" >/dev/null 2>&1; then
  mkdir -p "$work/registry"
  printf 'version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: "%s"}\n' "$work/registry" "$registry" >"$work/registry.yml"
  setsid nohup docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
  registry_pid=$!
  # Started here, stopped when the script ends: it is only needed while publishing.
  trap 'kill "$registry_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 50); do curl -sf "http://$registry/v2/" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -sf "http://$registry/v2/" >/dev/null || { cat "$work/registry.log" >&2; exit 1; }
fi

# The base image, once per file system (podman with the vfs driver: no overlay mounts needed).
podman=(podman --storage-driver vfs --root "$work/podman" --runroot "$work/podman-run")
if [ "$(cat "$work/base.pushed" 2>/dev/null)" != "$stamp" ] || ! curl -sf "http://$registry/v2/voice/aspnet-audio/manifests/$runtime-bookworm" -H 'Accept: application/vnd.oci.image.manifest.v1+json' >/dev/null; then
  echo "Publishing the base image $base"
  tar -C "$rootfs" -c . | "${podman[@]}" import \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" --change "ENV APP_UID=1654" \
    --change "ENV ASPNETCORE_HTTP_PORTS=8080" --change "ENV DOTNET_RUNNING_IN_CONTAINER=true" \
    --change "ENV DOTNET_VERSION=$runtime" --change "ENV ASPNET_VERSION=$runtime" \
    --change "WORKDIR /app" --change "USER 1654" --change "EXPOSE 8080" - "$base" >/dev/null
  "${podman[@]}" push --tls-verify=false --format oci "$base" >/dev/null
  "${podman[@]}" rmi "$base" >/dev/null
  echo "$stamp" >"$work/base.pushed"
fi

# 3. The services, published against the base.
for name in $projects; do
  case $name in api) project=Voice.ApiService ;; worker) project=Voice.Worker ;; web) project=Voice.Web ;; *) echo "unknown service $name" >&2; exit 2 ;; esac
  image_base=$base gpu=()
  if [ "$name" = worker ] && [ -n "${VOICE_WORKER_GPU_BASE:-}" ]; then
    image_base=$VOICE_WORKER_GPU_BASE gpu=(-p:VoiceOnnxGpu=true)
  fi
  echo "Publishing voice-$name:$tag on $image_base"
  dotnet publish "$root/$project/$project.csproj" -c Release -r linux-x64 --self-contained false -t:PublishContainer -v quiet -nologo \
    -p:ContainerBaseImage="$image_base" -p:ContainerRepository="voice-$name" -p:ContainerImageTag="$tag" "${gpu[@]}" \
    -p:ContainerArchiveOutputPath="$out/voice-$name.tar" >"$work/publish-$name.log" 2>&1 \
    || { tail -30 "$work/publish-$name.log" >&2; exit 1; }
done
ls -l "$out"
