#!/usr/bin/env bash
# Builds the pod sandbox image the test node's containerd runs (sandbox_image): hack/image/pause, a
# static Go binary, as a `docker save` tarball for `ctr images import`. Cached outside the repository,
# keyed by its sources and this script; prints the tarball's path last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/docker-archive.sh"
command -v go >/dev/null 2>&1 || { echo "pause-image: Go is required" >&2; exit 1; }
key="$(cat "$0" "$here/docker-archive.sh" "$here/pause/go.mod" "$here/pause/main.go" | sha256sum | cut -c1-12)"
cache_root="$image_cache_root"
out="$cache_root/pause-$key.tar"
if [ ! -s "$out" ]; then
  mkdir -p "$cache_root"
  tmp="$(mktemp -d "$cache_root/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/rootfs"
  (cd "$here/pause" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/rootfs/pause" .)
  docker_archive "$tmp/rootfs" "$tmp/pause.tar" "localhost/sshtunnel-pause:$key" \
      '{"Entrypoint":["/pause"],"User":"65535:65535"}'
  mv -f "$tmp/pause.tar" "$out"
fi
echo "$out"
