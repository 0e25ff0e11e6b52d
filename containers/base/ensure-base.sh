#!/usr/bin/env bash
# Makes sure the base image debian:bookworm-slim exists locally.
# No image registry is reachable on lab machines, so when a pull fails we build an
# equivalent minimal root file system with debootstrap and import it under the same tag.
set -euo pipefail
tag=debian:bookworm-slim
# The mirror this machine's apt already uses (deb822 or one-line format), unless given.
host_mirror() {
  { grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -h '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -v -e security -e '^$' | grep '/debian/*$' | head -1 || true
}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image $tag present"
  exit 0
fi
if timeout 60 docker pull "$tag" >/dev/null 2>&1; then
  echo "base image $tag pulled"
  exit 0
fi
mirror=${MIP6LAB_DEBIAN_MIRROR:-$(host_mirror)}
[ -n "$mirror" ] || { echo "no Debian mirror found in /etc/apt: set MIP6LAB_DEBIAN_MIRROR" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap missing: apt-get install debootstrap" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "cannot bootstrap $tag: debootstrap needs root. Run as root, or load $tag yourself (docker pull or docker load)" >&2; exit 1; }
root=$(mktemp -d /tmp/mip6lab-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "bootstrapping $tag from $mirror (one time, a few minutes)"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
# Keep the image small, as the slim image is: no apt lists, no docs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/var/cache/apt/*.bin
tar -C "$root" -c . | docker import - "$tag" >/dev/null
rm -f "$root.log"
echo "base image $tag imported"
