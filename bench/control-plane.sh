#!/usr/bin/env bash
# Control plane: N SshTunnels already stored when the operator starts (as after an install or a
# restart), against the sandbox's API server with no pods running. Measures the time from operator
# process start until every tunnel has its ConfigMap, Deployment and Service and a status written
# for its generation, then the operator's RSS. The API server is the Fabric8 mock behind the
# sandbox: far slower than a kube-apiserver, so this is an upper bound for the operator's part.
# Usage: bench/control-plane.sh [N]      (needs kubectl, python3, a JDK; builds the jar if missing)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
N=${1:-1000}
java -jar "$JAR" sandbox --no-operator --no-pods --work-dir "$W/sandbox" > "$W/sandbox.log" 2>&1 & pids+=($!)
until grep -q "no operator runs here" "$W/sandbox.log"; do sleep 0.2; done
API=$(grep -o 'API server for an operator at [^ ]*' "$W/sandbox.log" | awk '{print $NF}')
export KUBECONFIG=$W/sandbox/kubeconfig
kubectl create secret generic bastion-key --from-literal=id_ed25519=placeholder --dry-run=client -o yaml \
  | kubectl apply -f - > /dev/null
python3 - "$N" > "$W/tunnels.yaml" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f"""apiVersion: sshtunnel.dev/v1alpha1
kind: SshTunnel
metadata: {{name: t{i:05d}, namespace: default}}
spec:
  ssh:
    host: bastion.example.com
    user: tunnel
    privateKeySecretRef: {{name: bastion-key, key: id_ed25519}}
    hostKey: {{knownHosts: "bastion.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBgnfsI4ebRFVExEs2CVmLp6xwSMR9PLLomOavVGBHmQ"}}
  forwards:
    - {{name: pg, type: Local, port: 5432, target: {{host: db.internal, port: 5432}}}}
---""")
PY
t0=$(date +%s%N)
kubectl apply -f "$W/tunnels.yaml" > /dev/null
echo "applied $N SshTunnels through kubectl in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

start=$(date +%s%N)
java -XX:+UseSerialGC -Dquarkus.profile=sandbox -Dquarkus.kubernetes-client.api-server-url="$API" \
  -Dsshtunnel.operator-namespace=sshtunnel-system -Dquarkus.http.port=0 -Dquarkus.http.host=127.0.0.1 \
  -jar "$JAR" operator > "$W/operator.log" 2>&1 &
op=$!
pids+=($op)
count() { kubectl get "$@" -o name 2>/dev/null | wc -l; }
while :; do
  d=$(count deployments); s=$(count services); c=$(count configmaps)
  st=$(kubectl get sshtunnels -o jsonpath='{range .items[*]}{.status.observedGeneration}{"\n"}{end}' | grep -c '^1$' || true)
  now=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "t=${now}ms deployments=$d services=$s configmaps=$c status=$st rss=$(( $(awk '/VmRSS/ {print $2}' /proc/$op/status) / 1024 ))MiB"
  if [ "$d" -ge "$N" ] && [ "$s" -ge "$N" ] && [ "$c" -ge "$N" ] && [ "$st" -ge "$N" ]; then break; fi
  if [ "$now" -gt 600000 ]; then echo "gave up after 600 s"; exit 1; fi
  sleep 2
done
echo "| $N tunnels | $now ms until all objects and statuses | operator RSS $(( $(awk '/VmRSS/ {print $2}' /proc/$op/status) / 1024 )) MiB |"
