#!/usr/bin/env bash
# Builds kube-proxy for the test node (src/test/java/dev/sshtunnel/testing/KubeletNode.java) from the Go module
# pinned in hack/kube-proxy, the same k8s.io/kubernetes release as hack/kube-control-plane (checked here), into a
# cache directory outside the repository keyed by that pin and this script. Idempotent: a complete directory
# is reused as it is. The last line printed is that directory.
# A script and module of their own, not a fifth binary of hack/kube-binaries.sh: that script's key covers
# itself and the control plane's go.sum, so adding kube-proxy there would rebuild the whole control plane on
# every warm machine. Built after it, kube-proxy shares its packages through Go's build cache (same release,
# same flags): only kube-proxy's own packages compile.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v go >/dev/null 2>&1 || { echo "kube-proxy: Go (1.25 or newer) is required to build kube-proxy" >&2; exit 1; }

kube_version="$(cd "$here/kube-proxy" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
control_plane="$(cd "$here/kube-control-plane" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
if [ "$kube_version" != "$control_plane" ]; then
  echo "kube-proxy: hack/kube-proxy pins k8s.io/kubernetes $kube_version, hack/kube-control-plane $control_plane:" \
       "pin the same release in both (go get k8s.io/kubernetes@VERSION, then go mod tidy)" >&2
  exit 1
fi
pins="$(cat "$here/kube-proxy/go.mod" "$here/kube-proxy/go.sum" "$0" | sha256sum | cut -c1-12)"
cache_root="${SSHTUNNEL_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sshtunnel-operator/kube-binaries}"
out="$cache_root/kube-proxy-${kube_version}-${pins}"

if [ ! -x "$out/kube-proxy" ]; then
  mkdir -p "$out"
  tmp="$(mktemp -d "$out/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # The same environment and flags as hack/kube-binaries.sh, so that the packages both build are cache hits.
  export CGO_ENABLED=0
  minor="${kube_version#v1.}"; minor="${minor%%.*}"
  build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  stamp=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    stamp+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
  done
  start=$SECONDS
  echo "kube-proxy: building kube-proxy $kube_version into $out" >&2
  (cd "$here/kube-proxy" && go build -trimpath -ldflags "-s -w$stamp" -o "$tmp/" k8s.io/kubernetes/cmd/kube-proxy)
  mv -f "$tmp/kube-proxy" "$out/kube-proxy"
  echo "kube-proxy: built in $((SECONDS - start)) s" >&2
fi
echo "$out"
