# Sourced by the bench/ scripts: the packaged jar (built if missing), a scratch directory and the
# background processes, both cleaned up on exit, and loopback port helpers.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
JAR=target/quarkus-app/quarkus-run.jar
[ -f "$JAR" ] || ./mvnw -B -q package -DskipTests
W=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; exit 1; }
# The JVM flags forwarder pods run with: the image's entrypoint (pom.xml, jib-maven-plugin) between
# java and -jar, with the pod's memory limit (256Mi by default) simulated with MaxRAM. The flag that only
# silences a JDK 23+ warning is left out, so that the same flags start JDK 17 too.
IMAGE_FLAGS=$(sed -n '/<entrypoint>/,/<\/entrypoint>/s|.*<arg>\(.*\)</arg>.*|\1|p' pom.xml | sed '1d; /^-jar$/,$d' \
  | grep -v '^--sun-misc-unsafe-memory-access' | tr '\n' ' ')
POD_FLAGS="$IMAGE_FLAGS -XX:MaxRAM=256m"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # user + system time of a process, in clock ticks

# start_sshd [EXTRA_CONFIG_LINE...]: a private sshd on 127.0.0.1 with fresh host and user keys in $W;
# sets SSHD (port), SSHD_PID and KNOWN (its known_hosts line) and writes $W/known_hosts.
start_sshd() {
  SSHD=$(port)
  mkdir -p /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$W/host" && ssh-keygen -q -t ed25519 -N '' -f "$W/id"
  cp "$W/id.pub" "$W/authorized_keys"
  {
    printf '%s\n' "Port $SSHD" "ListenAddress 127.0.0.1" "HostKey $W/host" "PidFile $W/sshd.pid" \
      "AuthorizedKeysFile $W/authorized_keys" "StrictModes no" "UsePAM no" "PermitRootLogin yes" \
      "PasswordAuthentication no" "AllowTcpForwarding yes" "MaxStartups 1000" "$@"
  } > "$W/sshd_config"
  /usr/sbin/sshd -D -e -f "$W/sshd_config" 2>"$W/sshd.log" & SSHD_PID=$!; pids+=($SSHD_PID)
  wait_port "$SSHD"
  KNOWN="[127.0.0.1]:$SSHD $(cut -d' ' -f1,2 "$W/host.pub")"
  echo "$KNOWN" > "$W/known_hosts"
}

# tunnel_yaml NAME SESSIONS FORWARD...: writes $W/NAME.yaml, a tunnel to start_sshd's server with its user key
# (copied to $W/secrets), spec.ssh.sessions SESSIONS and the given forwards (YAML flow mappings).
tunnel_yaml() {
  local name=$1 sessions=$2 forward; shift 2
  mkdir -p "$W/secrets/key" && cp "$W/id" "$W/secrets/key/id"
  {
    printf '%s\n' "apiVersion: sshtunnel.dev/v1alpha1" "kind: SshTunnel" "metadata: {name: $name}" "spec:" \
      "  ssh: {host: 127.0.0.1, port: $SSHD, user: $(whoami), sessions: $sessions, privateKeySecretRef: {name: key, key: id}, hostKey: {knownHosts: \"$KNOWN\"}}" \
      "  forwards:"
    for forward in "$@"; do printf '    - %s\n' "$forward"; done
  } > "$W/$name.yaml"
}

# start_forwarder NAME JAVA [JVM FLAGS...]: `forward -f $W/NAME.yaml` with its status on a free loopback port,
# back once /q/health/ready answers 200 (else its log is printed and the script ends). Sets FWD_PID; stderr
# goes to $W/NAME.log, stdout to ${FWD_OUT:-/dev/null}.
start_forwarder() {
  local name=$1 jvm=$2 http; shift 2
  http=$(port)
  "$jvm" "$@" -jar "$JAR" forward -f "$W/$name.yaml" --secrets-dir "$W/secrets" --http-port "$http" --http-address 127.0.0.1 \
    --admitted >"${FWD_OUT:-/dev/null}" 2>"$W/$name.log" &
  FWD_PID=$!; pids+=($FWD_PID)
  for _ in $(seq 150); do curl -sf "127.0.0.1:$http/q/health/ready" >/dev/null && return 0; sleep 0.1; done
  { echo "forwarder $name not ready:"; cat "$W/$name.log"; } >&2
  exit 1
}

# The real control plane (bench/control-plane.sh, bench/secret-memory.sh):
# sandbox DIR [--no-pods]: starts one without an operator; sets KUBECONFIG and OPERATOR_KUBECONFIG.
sandbox() {
  local dir=$1; shift
  : "${BINARIES:=$(bash hack/kube-binaries.sh | tail -1)}"
  bash hack/sandbox.sh --no-operator "$@" --kube-binaries "$BINARIES" --work-dir "$dir" > "$dir.log" 2>&1 & pids+=($!)
  until grep -q "export KUBECONFIG=" "$dir.log"; do sleep 0.5; kill -0 "${pids[-1]}"; done
  export KUBECONFIG=$dir/kubeconfig
  OPERATOR_KUBECONFIG=$(grep -o 'KUBECONFIG=[^ ]* java' "$dir.log" | sed 's/KUBECONFIG=//; s/ java//')
}
# The operator as in deploy/: the image's JDK (a JDK 25, like the image's jlinked one: OPERATOR_JAVA, else the first
# Temurin 25 found, else java) with the image's entrypoint flags and deploy/'s memory limit (OPERATOR_MEMORY, 384m)
# simulated with MaxRAM, so the heap is what the pod's would be.
OPERATOR_JAVA=${OPERATOR_JAVA:-$(ls /usr/lib/jvm/temurin-25*/bin/java 2>/dev/null | head -1)}
OPERATOR_JAVA=${OPERATOR_JAVA:-java}
OPERATOR_MEMORY=${OPERATOR_MEMORY:-$(sed -n 's/.*limits: {memory: \([0-9]*\)Mi}.*/\1m/p' deploy/operator-deployment.yaml)}
deploy_env() {  # deploy_env NAME: the value deploy/'s operator container gives environment variable NAME
  python3 -c 'import sys, yaml; c = yaml.safe_load(open("deploy/operator-deployment.yaml"))["spec"]["template"]["spec"]["containers"][0]
print(next((e["value"] for e in c.get("env", []) if e["name"] == sys.argv[1] and "value" in e), ""))' "$1"
}
operator() {  # operator LOG [JAR]: the operator as its ServiceAccount, RBAC enforced, with deploy/'s JVM flags and memory limit
  # (OPERATOR_FLAGS: more JVM flags, e.g. -XX:StartFlightRecording=... or -XX:NativeMemoryTracking=summary)
  local flags=$IMAGE_FLAGS
  "$OPERATOR_JAVA" -version 2>&1 | grep -q '"17' || flags="$flags --sun-misc-unsafe-memory-access=allow"
  # The operator container's own JDK_JAVA_OPTIONS and MALLOC_ARENA_MAX, as deploy/ sets them.
  # shellcheck disable=SC2086
  JDK_JAVA_OPTIONS=$(deploy_env JDK_JAVA_OPTIONS) MALLOC_ARENA_MAX=$(deploy_env MALLOC_ARENA_MAX) "$OPERATOR_JAVA" $flags -XX:MaxRAM="$OPERATOR_MEMORY" ${OPERATOR_FLAGS:-} -Dquarkus.profile=sandbox -Dkubeconfig="$OPERATOR_KUBECONFIG" \
    -Dsshtunnel.forwarder.image=localhost/sshtunnel-operator:sandbox -Dquarkus.http.port=0 -Dquarkus.http.host=127.0.0.1 \
    -jar "${2:-$JAR}" operator > "$1" 2>&1 &
  op=$!; pids+=($op)
}
rss() { echo $(( $(awk '/VmRSS/ {print $2}' "/proc/$1/status") / 1024 )); }
