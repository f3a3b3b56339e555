#!/usr/bin/env bash
# Builds the ecosystem tools the tests drive, from the Go modules pinned in hack/tools: helm (the real
# helm CLI, helm.sh/helm/v3/cmd/helm) and kstatus-check (Flux's kstatus library over objects on stdin),
# into a cache directory outside the repository keyed by those pins. Idempotent; prints the directory last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v go >/dev/null 2>&1 || { echo "tools: Go is required to build helm and kstatus-check" >&2; exit 1; }

helm_version="$(awk '$1 == "helm.sh/helm/v3" {print $2}' "$here/tools/go.mod")"
pins="$(cat "$here/tools/go.mod" "$here/tools/go.sum" "$here/tools/kstatus-check/main.go" "$0" | sha256sum | cut -c1-12)"
cache_root="${SSHTUNNEL_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sshtunnel-operator/tools}"
out="$cache_root/helm-${helm_version}-${pins}"

if [ ! -x "$out/helm" ] || [ ! -x "$out/kstatus-check" ]; then
  mkdir -p "$out"
  tmp="$(mktemp -d "$out/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  start=$SECONDS
  echo "tools: building helm $helm_version and kstatus-check into $out" >&2
  (cd "$here/tools" && CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version" \
      -o "$tmp/" helm.sh/helm/v3/cmd/helm ./kstatus-check)
  mv -f "$tmp/helm" "$tmp/kstatus-check" "$out/"
  echo "tools: built in $((SECONDS - start)) s" >&2
fi
echo "$out"
