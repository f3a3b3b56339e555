#!/usr/bin/env bash
# Operator memory with many Secrets no tunnel refers to, on the real control plane (the sandbox, no
# node): one SshTunnel and its key Secret, the operator as its ServiceAccount with deploy/'s JVM flags
# and memory limit; measured once with no other Secrets and once after N unrelated Secrets of BYTES
# random bytes each are created. Each operator jar given is started in turn against the same cluster
# (e.g. a build of the commit before a change and one after it); after its tunnel has a status, the
# JVM is asked for a full GC (jcmd GC.run) and its used heap (GC.heap_info) and RSS are read.
# Usage: [N=5000] [BYTES=4096] bench/secret-memory.sh [JAR...]   (default: target/quarkus-app/quarkus-run.jar)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
N=${N:-5000}
BYTES=${BYTES:-4096}
JARS=("$@"); [ ${#JARS[@]} -gt 0 ] || JARS=("$JAR")

heap_used_mib() {  # the used heap of JVM $1 right after a full GC, MiB (Serial GC: young + tenured)
  jcmd "$1" GC.run > /dev/null
  jcmd "$1" GC.heap_info | awk '/generation +total/ {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i + 1); sub(/K,?$/, "", v); s += v}} END {printf "%.1f\n", s / 1024}'
}
measure() {  # measure LABEL: every jar against the cluster as it is now
  local i=0
  for jar in "${JARS[@]}"; do
    i=$((i + 1))
    operator "$W/operator-$LABEL-$i.log" "$jar"
    until [ "$(kubectl get sshtunnel t00000 -o jsonpath='{.status.observedGeneration}')" = 1 ] && \
          grep -q "SshTunnel default/t00000" "$W/operator-$LABEL-$i.log"; do
      sleep 1; kill -0 "$op"
    done
    sleep 10   # informers settled, the start-up's garbage collectable
    echo "| $1 | $jar | heap used after full GC $(heap_used_mib "$op") MiB | RSS $(rss "$op") MiB |"
    kill "$op"; wait "$op" 2>/dev/null || true
    # No operator runs now to remove its finalizer (every tunnel carries one): drop it, or the delete waits forever.
    kubectl patch sshtunnel t00000 --type=merge -p '{"metadata":{"finalizers":null}}' > /dev/null
    kubectl delete sshtunnel t00000 --wait=true > /dev/null; tunnel | kubectl apply -f - > /dev/null
  done
}
tunnel() {
  cat <<'YAML'
apiVersion: sshtunnel.dev/v1alpha1
kind: SshTunnel
metadata: {name: t00000, namespace: default}
spec:
  ssh:
    host: bastion.example.com
    user: tunnel
    privateKeySecretRef: {name: bastion-key, key: id_ed25519}
    hostKey: {knownHosts: "bastion.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBgnfsI4ebRFVExEs2CVmLp6xwSMR9PLLomOavVGBHmQ"}
  forwards:
    - {name: pg, type: Local, port: 5432, target: {host: db.internal, port: 5432}}
YAML
}

sandbox "$W/cluster" --no-pods
kubectl create secret generic bastion-key --from-literal=id_ed25519=placeholder > /dev/null
tunnel | kubectl apply -f - > /dev/null
LABEL=none measure "no other Secrets"

kubectl create namespace unrelated > /dev/null
t0=$(date +%s)
python3 - "$N" "$BYTES" <<'PY' | kubectl create -f - > /dev/null
import base64, json, os, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"unrelated-{i:05d}", "namespace": "unrelated"},
     "data": {"value": base64.b64encode(os.urandom(size)).decode()}} for i in range(n)]}))
PY
echo "created $(kubectl get secrets -n unrelated -o name | wc -l) Secrets of $BYTES bytes in $(( $(date +%s) - t0 )) s"
LABEL=many measure "$N unrelated Secrets of $BYTES bytes"
