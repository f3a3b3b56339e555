#!/usr/bin/env bash
# Builds the official Kubernetes control plane (kube-apiserver, kube-controller-manager, kube-scheduler),
# the kubelet of the same release (KubeletIT runs it with containerd)
# and etcd from the Go modules pinned in hack/kube-control-plane and hack/etcd, into a cache directory
# outside the repository keyed by those pins. Idempotent: a complete directory is reused as it is.
# The last line printed is that directory; tests and `sandbox` look there by default.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v go >/dev/null 2>&1 || { echo "kube-binaries: Go (1.25 or newer) is required to build the control plane" >&2; exit 1; }

kube_version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$here/kube-control-plane/go.mod")"
etcd_version="$(awk '$1 == "require" && $2 == "go.etcd.io/etcd/server/v3" {print $3}' "$here/etcd/go.mod")"
pins="$(cat "$here/kube-control-plane/go.mod" "$here/kube-control-plane/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" "$here/etcd/main.go" "$0" | sha256sum | cut -c1-12)"
cache_root="${SSHTUNNEL_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sshtunnel-operator/kube-binaries}"
out="$cache_root/kubernetes-${kube_version}-etcd-${etcd_version}-${pins}"

binaries=(kube-apiserver kube-controller-manager kube-scheduler kubelet etcd)
complete=true
for b in "${binaries[@]}"; do [ -x "$out/$b" ] || complete=false; done
if ! $complete; then
  mkdir -p "$out"
  tmp="$(mktemp -d "$out/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  export CGO_ENABLED=0
  minor="${kube_version#v1.}"; minor="${minor%%.*}"
  build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  stamp=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    stamp+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
  done
  start=$SECONDS
  echo "kube-binaries: building Kubernetes $kube_version into $out" >&2
  (cd "$here/kube-control-plane" && go build -trimpath -ldflags "-s -w$stamp" -o "$tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
      k8s.io/kubernetes/cmd/kubelet)
  echo "kube-binaries: building etcd $etcd_version" >&2
  (cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" .)
  for b in "${binaries[@]}"; do mv -f "$tmp/$b" "$out/$b"; done
  echo "kube-binaries: built in $((SECONDS - start)) s" >&2
fi
echo "$out"
