#!/usr/bin/env bash
# kustomize v5, which renders deploy/k8s's overlays in the tests. Used as found: `kustomize` v5 on PATH, or a kubectl
# that embeds kustomize v5. Otherwise the distribution's `kustomize` package where it has one (Debian 13), else
# Debian 13's package unpacked into tools/kustomize/bin (not installed, not committed): Debian 12 and Ubuntu 24.04
# have none, and its binary needs only glibc 2.34. Its SHA-256 is checked against Debian's index. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -x "$here/bin/kustomize" ] && exit 0
dpkg-query -W -f='${Version}' kustomize 2>/dev/null | grep -q '^5\.' && exit 0   # Debian's says "(devel)" as its version
kustomize version 2>/dev/null | grep -q '^v5\.' && exit 0
kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v5' && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
if apt-cache show --no-all-versions kustomize 2>/dev/null | grep -q '^Version: 5\.'; then
  echo "Installing kustomize (apt, via ${sudo:-root})"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends kustomize
  exit 0
fi
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Fetching kustomize from Debian 13 (trixie) into tools/kustomize/bin"
curl -fsS "$mirror/dists/trixie/main/binary-$arch/Packages.xz" | xz -dc > "$work/Packages"
read -r file sha < <(awk '$1 == "Package:" { hit = ($2 == "kustomize") } hit && $1 == "Filename:" { f = $2 }
  hit && $1 == "SHA256:" { print f, $2; exit }' "$work/Packages")
[ -n "${file:-}" ] || { echo "Debian 13 has no kustomize package for $arch" >&2; exit 1; }
curl -fsS -o "$work/kustomize.deb" "$mirror/$file"
echo "$sha  $work/kustomize.deb" | sha256sum -c --quiet
dpkg-deb -x "$work/kustomize.deb" "$work/root"
mkdir -p "$here/bin"
install -m 755 "$work/root/usr/bin/kustomize" "$here/bin/kustomize.partial"
mv "$here/bin/kustomize.partial" "$here/bin/kustomize"
