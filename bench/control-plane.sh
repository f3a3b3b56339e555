#!/usr/bin/env bash
# Control plane on the real Kubernetes control plane (the sandbox: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler from hack/kube-binaries.sh), the operator as its own
# ServiceAccount in its own process.
#  1. Scale: N SshTunnels already stored when the operator starts (as after an install or a
#     restart), no node (pods stay Pending): time from operator start until every tunnel has its
#     ConfigMap, Deployment and Service and a status for its generation; the operator's RSS.
#  2. Steady state (STEADY_TUNNELS > 0): that many tunnels with running forwarders (the sandbox's
#     node agent) to a private sshd, then STEADY_MINUTES of channels opening and closing through
#     them: status writes and API requests per tunnel per minute (kube-apiserver's
#     apiserver_request_total and audit log), and how long a transition (sshd killed) takes to reach
#     every status beyond the forwarders' keepalive bound.
# Usage: [STEADY_TUNNELS=100 STEADY_MINUTES=10] [HISTO=1] [NMT=1] bench/control-plane.sh [N]     (N=0: steady state only)
#        HISTO=1: the operator's live heap by class at the end; NMT=1: its native memory summary (sets the JVM flag)
#        (needs kubectl, python3, sshd, a JDK, Go for the control plane; builds what is missing)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
N=${1:-1000}
STEADY_TUNNELS=${STEADY_TUNNELS:-100}
STEADY_MINUTES=${STEADY_MINUTES:-10}
MANAGED=app.kubernetes.io/managed-by=sshtunnel-operator

# tunnels COUNT HOST PORT KNOWN_HOSTS TARGET_PORT FIRST_LOCAL_PORT: SshTunnel manifests
tunnels() {
  python3 - "$@" <<'PY'
import sys
n, host, port, known, target, first = sys.argv[1:7]
for i in range(int(n)):
    local = f"{int(first) + i}" if first != "0" else "5432"
    print(f"""apiVersion: sshtunnel.dev/v1alpha1
kind: SshTunnel
metadata: {{name: t{i:05d}, namespace: default}}
spec:
  ssh:
    host: {host}
    port: {port}
    user: root
    privateKeySecretRef: {{name: bastion-key, key: id_ed25519}}
    hostKey: {{knownHosts: "{known}"}}
    keepAlive: {{intervalSeconds: 1, maxMissed: 2}}
  forwards:
    - {{name: pg, type: Local, port: {local}, target: {{host: 127.0.0.1, port: {target}}}}}
---""")
PY
}
api_metric() {  # api_metric FILTER: sum of apiserver_request_total samples whose labels match FILTER (a regex)
  kubectl get --raw /metrics | awk -v f="$1" '/^apiserver_request_total\{/ && $0 ~ f {s += $NF} END {printf "%d\n", s}'
}

[ -z "${NMT:-}" ] || OPERATOR_FLAGS="${OPERATOR_FLAGS:-} -XX:NativeMemoryTracking=summary"
if [ "$N" -gt 0 ]; then
echo "== 1. $N tunnels stored before the operator starts (no node: pods stay Pending)"
sandbox "$W/scale" --no-pods
kubectl create secret generic bastion-key --from-literal=id_ed25519=placeholder --dry-run=client -o yaml | kubectl apply -f - >/dev/null
tunnels "$N" bastion.example.com 22 "bastion.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBgnfsI4ebRFVExEs2CVmLp6xwSMR9PLLomOavVGBHmQ" 5432 0 > "$W/scale.yaml"
t0=$(date +%s%N)
kubectl apply --server-side -f "$W/scale.yaml" > /dev/null
echo "applied $N SshTunnels (kubectl apply --server-side) in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
start=$(date +%s%N)
operator "$W/scale-operator.log"
of_sandbox() { for p in $(pgrep -x "$1"); do grep -qa "$W/scale" "/proc/$p/cmdline" && echo "$p"; done | head -1; }
apiserver=$(of_sandbox kube-apiserver); etcd=$(of_sandbox etcd)
api0=$(cpu_ticks "$apiserver"); etcd0=$(cpu_ticks "$etcd")
count() { kubectl get "$@" -l "$MANAGED" -o name 2>/dev/null | wc -l; }
while :; do
  d=$(count deployments); s=$(count services); c=$(count configmaps)
  # A status for generation 1: the Ready condition's own observedGeneration, as `kubectl wait --for=condition=Ready`
  # judges it (status.observedGeneration itself waits for a forwarder to answer, and these pods stay Pending).
  st=$(kubectl get sshtunnels -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].observedGeneration}{"\n"}{end}' | grep -c '^1$' || true)
  now=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "t=${now}ms deployments=$d services=$s configmaps=$c status=$st rss=$(rss "$op")MiB"
  if [ "$d" -ge "$N" ] && [ "$s" -ge "$N" ] && [ "$c" -ge "$N" ] && [ "$st" -ge "$N" ]; then break; fi
  if [ "$now" -gt 600000 ]; then echo "gave up after 600 s"; exit 1; fi
  sleep 2
done
# CPU seconds of the phase: the operator's own against the API server's and etcd's, which share the two cores.
cpu() { python3 -c "print(f'{$1 / 100:.1f} s = {$1 * 10 / $N:.0f} ms per tunnel')"; }
echo "| $N tunnels | $now ms until all objects and statuses | operator RSS $(rss "$op") MiB | operator CPU $(cpu "$(cpu_ticks "$op")") \
| kube-apiserver CPU $(cpu $(( $(cpu_ticks "$apiserver") - api0 ))) | etcd CPU $(cpu $(( $(cpu_ticks "$etcd") - etcd0 ))) | pods $(count pods) (Pending) |"
# What the operator asked the API server for during the phase (its audit events, by verb and resource).
python3 - "$W/scale/cluster/logs/audit.log" "$N" <<'PY'
import collections, json, sys
counts = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("stage") != "ResponseComplete" or e["user"]["username"] != "system:serviceaccount:sshtunnel-system:sshtunnel-operator":
        continue
    ref = e.get("objectRef", {})
    counts[(e["verb"], ref.get("resource", "") + ("/" + ref["subresource"] if ref.get("subresource") else ""))] += 1
n = int(sys.argv[2])
print(f"operator API requests: {sum(counts.values())} = {sum(counts.values()) / n:.2f} per tunnel; writes "
      f"{sum(c for (v, _), c in counts.items() if v in ('create', 'update', 'patch', 'delete')) / n:.2f} per tunnel")
for (verb, resource), c in counts.most_common(20):
    print(f"  {verb:8} {resource:36} {c:6}  {c / n:.2f}/tunnel")
PY
# How often the workflow ran per tunnel (JOSDK's own counter, on the operator's /q/metrics).
http=$(grep -o 'Listening on: http://[0-9.]*:[0-9]*' "$W/scale-operator.log" | head -1 | sed 's/.*://')
curl -s "127.0.0.1:$http/q/metrics" | awk -v n="$N" '/^operator_sdk_reconciliations_started_total/ && /SshTunnel/ {s += $NF}
  END {printf "SshTunnel reconciles started: %d = %.2f per tunnel\n", s, s / n}'
# HISTO=1: the live heap's largest classes at the end (jcmd forces a full GC first).
[ -z "${HISTO:-}" ] || jcmd "$op" GC.class_histogram | awk 'NR <= 32 || /^Total/'
# NMT=1: where the operator's resident memory goes besides the heap (threads, metaspace, code, GC, malloc).
# The operator's CPU by thread (names with their numbers dropped): JIT compilers, GC, reconcilers, informers, HTTP.
python3 - "$op" <<'PY'
import collections, glob, re, sys
by = collections.Counter(); threads = 0
for stat in glob.glob(f"/proc/{sys.argv[1]}/task/*/stat"):
    text = open(stat).read()
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    by[re.sub(r"[-#]?\d+$", "", name)] += int(fields[11]) + int(fields[12]); threads += 1
total = sum(by.values())
print(f"operator threads: {threads}; CPU by thread: " + ", ".join(f"{n} {t / 100:.1f} s" for n, t in by.most_common(8)))
PY
[ -z "${NMT:-}" ] || jcmd "$op" VM.native_memory summary | grep -E '^(Total|-) ' | grep -v ' 0KB, committed=0KB'

kill "$op"; kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
fi

[ "$STEADY_TUNNELS" -gt 0 ] || exit 0
echo "== 2. $STEADY_TUNNELS running tunnels, $STEADY_MINUTES minutes of channels opening and closing"
ECHO=$(port)
java bench/Bench.java serve "$ECHO" "$(port)" "$(port)" >/dev/null & pids+=($!)
start_sshd "MaxSessions 1000"
sshd_pid=$SSHD_PID
sandbox "$W/steady"
kubectl create secret generic bastion-key --from-file=id_ed25519="$W/id" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
FIRST=$(( 20000 + RANDOM % 10000 ))   # below the kernel's ephemeral ports (32768-), which tests and other tools get
tunnels "$STEADY_TUNNELS" 127.0.0.1 "$SSHD" "$KNOWN" "$ECHO" "$FIRST" > "$W/steady.yaml"
kubectl apply --server-side -f "$W/steady.yaml" > /dev/null
operator "$W/steady-operator.log"
t0=$(date +%s%N)
kubectl wait --for=condition=Ready sshtunnels --all --timeout=900s > /dev/null
echo "all $STEADY_TUNNELS tunnels Ready $(( ($(date +%s%N) - t0) / 1000000 )) ms after the operator started"
sleep 15   # let the last counter-only writes of the start-up settle
STATUS='resource="sshtunnels",scope="resource",subresource="status"'
writes0=$(api_metric "$STATUS"); all0=$(api_metric 'resource=')
audit=$W/steady/cluster/logs/audit.log; lines0=$(wc -l < "$audit")
opcpu0=$(cpu_ticks "$op"); t_steady=$(date +%s%N)
watch_events() { kubectl get --raw /metrics | awk '/^apiserver_watch_events_total\{/ {match($0, /resource="[^"]*"/); k = substr($0, RSTART + 10, RLENGTH - 11); s[k] += $NF} END {for (k in s) print k, s[k]}' | sort; }
watch_events > "$W/watch0"
python3 - "$FIRST" "$STEADY_TUNNELS" "$STEADY_MINUTES" <<'PY'
import random, socket, sys, threading, time
first, n, minutes = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
end = time.time() + minutes * 60
done = [0]; failed = [0]
def worker():
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", first + random.randrange(n)), timeout=10) as s:
                s.sendall(b"ping\n"); s.recv(16); time.sleep(random.uniform(0, 3))
            done[0] += 1
        except OSError:
            failed[0] += 1
        time.sleep(random.uniform(0, 0.5))
threads = [threading.Thread(target=worker) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
print(f"channels opened and closed: {done[0]}, failed: {failed[0]}, {done[0] / (minutes * 60):.1f}/s")
PY
writes1=$(api_metric "$STATUS"); all1=$(api_metric 'resource=')
writes=$((writes1 - writes0)); all=$((all1 - all0))
by_operator=$(tail -n +"$((lines0 + 1))" "$audit" | grep -c '"username":"system:serviceaccount:sshtunnel-system:sshtunnel-operator"' || true)
python3 - "$writes" "$all" "$by_operator" "$STEADY_TUNNELS" "$STEADY_MINUTES" <<'PY'
import sys
writes, total, operator, n, minutes = (float(x) for x in sys.argv[1:])
print(f"| steady state | status writes {writes:.0f} = {writes / n / minutes:.2f} per tunnel per minute "
      f"| operator API requests {operator:.0f} = {operator / n / minutes:.2f} per tunnel per minute "
      f"| all API requests {total / n / minutes:.2f} per tunnel per minute |")
PY
# The operator's CPU while the tunnels are settled: mostly reading every forwarder's /status each poll period.
python3 -c "import sys; t, s, n = (float(x) for x in sys.argv[1:]); print(f'operator CPU while settled (the traffic above flowing): {t / 100:.1f} s in {s:.0f} s = {t / s:.1f}% of a core for {n:.0f} tunnels, {t * 10 / s / n * 1000:.0f} us per tunnel per second')" \
  "$(( $(cpu_ticks "$op") - opcpu0 ))" "$(( ($(date +%s%N) - t_steady) / 1000000000 ))" "$STEADY_TUNNELS"
# Watch events the API server sent meanwhile (to every watcher: the operator's informers, the controller-manager...).
watch_events > "$W/watch1"
join "$W/watch0" "$W/watch1" | awk -v n="$STEADY_TUNNELS" -v m="$STEADY_MINUTES" '{d = $3 - $2; if (d > 0) printf "%s %d %.1f\n", $1, d, d / n / m}' \
  | sort -k2 -nr | head -8 | awk 'BEGIN {printf "watch events sent while settled, by resource (total, per tunnel per minute):"} {printf " %s %s (%s)", $1, $2, $3} END {print ""}'
echo "operator RSS $(rss "$op") MiB"
t0=$(date +%s%N)
pkill -P "$sshd_pid"; kill "$sshd_pid"   # the listener and every session's sshd
until [ "$(kubectl get sshtunnels -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)" -eq 0 ]; do sleep 0.2; done
echo "| transition | sshd killed -> all $STEADY_TUNNELS statuses Ready=False in $(( ($(date +%s%N) - t0) / 1000000 )) ms (keepalive detection alone: up to 3000 ms) |"
