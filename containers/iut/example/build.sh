#!/usr/bin/env bash
# Builds the example IUT image: the Dockerfile next to this script, with the reference binary
# copied next to it in a throw-away build context (the source tree stays clean).
#   bash containers/iut/example/build.sh [TAG]        (default mip6lab-example-iut:latest)
# MIP6LAB_REFIMPL overrides the binary (default target/debug/mip6lab-refimpl).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tag=${1:-mip6lab-example-iut:latest}
bin=${MIP6LAB_REFIMPL:-$root/target/debug/mip6lab-refimpl}
[ -x "$bin" ] || { echo "no reference binary at $bin: run \`cargo build -p mip6lab-refimpl\` (or set MIP6LAB_REFIMPL)" >&2; exit 1; }
# The lab never pulls, and neither does this build.
bash "$root/containers/base/ensure-base.sh"
ctx=$(mktemp -d /tmp/mip6lab-example-iut.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
cp "$here/Dockerfile" "$ctx/"
cp "$bin" "$ctx/mip6lab-refimpl"
# The whole build log only when it fails (the legacy builder also warns on every build).
docker build -t "$tag" "$ctx" >"$ctx/build.log" 2>&1 || { tail -30 "$ctx/build.log" >&2; exit 1; }
echo "built $tag"
echo "check it:  ./target/debug/mip6lab iut check $tag --role mn --pics containers/iut/example/pics.toml"
