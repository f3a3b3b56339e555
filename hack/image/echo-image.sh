#!/usr/bin/env bash
# Builds the backend image of the test node's Service tests: hack/image/echo, a static Go TCP echo server that
# is also its own client (`/echo -dial HOST:PORT` exits 0 when the echo came back), as a `docker save`
# tarball for `ctr images import`, running as a non-root user. Cached outside the repository, keyed by its
# sources and this script; prints the tarball's path last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/docker-archive.sh"
command -v go >/dev/null 2>&1 || { echo "echo-image: Go is required" >&2; exit 1; }
key="$(cat "$0" "$here/docker-archive.sh" "$here/echo/go.mod" "$here/echo/main.go" | sha256sum | cut -c1-12)"
cache_root="$image_cache_root"
out="$cache_root/echo-$key.tar"
if [ ! -s "$out" ]; then
  mkdir -p "$cache_root"
  tmp="$(mktemp -d "$cache_root/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/rootfs"
  (cd "$here/echo" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/rootfs/echo" .)
  docker_archive "$tmp/rootfs" "$tmp/echo.tar" "localhost/sshtunnel-echo:$key" \
      '{"Entrypoint":["/echo"],"User":"65532:65532"}'
  mv -f "$tmp/echo.tar" "$out"
fi
echo "$out"
