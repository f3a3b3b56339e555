#!/usr/bin/env bash
# Forwarder start-up and idle memory: time from process start to /q/health/ready = 200 (session up,
# every forward active) and RSS after 10 s idle, for each JVM flag set, REPEAT times each.
# Usage: bench/startup.sh [REPEAT]      (needs sshd, a JDK; builds the jar if missing)
#        JAVA25=/path/to/jdk-25/bin/java bench/startup.sh   adds JDK 25 rows: pod flags, and its AOT cache
#        (JEP 483/514, trained by one start-to-ready run); defaults to Temurin 25 where it is installed
#        BEFORE_JAR=/other/checkout/target/quarkus-app/quarkus-run.jar bench/startup.sh   adds a JDK 25 row
#        for a jar built from an earlier commit (started without --admitted, which it may not know;
#        BEFORE_ADMITTED=1 passes it, for jars that know it)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
REPEAT=${1:-3}
SSHD=$(port)
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$W/host" && ssh-keygen -q -t ed25519 -N '' -f "$W/id"
cat > "$W/sshd_config" <<CFG
Port $SSHD
ListenAddress 127.0.0.1
HostKey $W/host
PidFile $W/sshd.pid
AuthorizedKeysFile $W/id.pub
StrictModes no
UsePAM no
PermitRootLogin yes
PasswordAuthentication no
AllowTcpForwarding yes
CFG
/usr/sbin/sshd -D -e -f "$W/sshd_config" 2>"$W/sshd.log" & pids+=($!)
sleep 0.5
mkdir -p "$W/secrets/key" && cp "$W/id" "$W/secrets/key/id"
cat > "$W/tunnel.yaml" <<YAML
apiVersion: sshtunnel.dev/v1alpha1
kind: SshTunnel
metadata: {name: startup}
spec:
  ssh:
    host: 127.0.0.1
    port: $SSHD
    user: $(whoami)
    privateKeySecretRef: {name: key, key: id}
    hostKey: {knownHosts: "[127.0.0.1]:$SSHD $(cut -d' ' -f1,2 "$W/host.pub")"}
  forwards:
    - {name: a, type: Local, port: $(port), target: {host: 127.0.0.1, port: 9}}
    - {name: b, type: Dynamic, port: $(port)}
YAML
JVM=java
# Pods pass --admitted (their document is the operator's rendering of an admitted SshTunnel); a row
# below runs without it, as on a workstation, where the CRD's schema and CEL rules judge the document.
ADMISSION=--admitted
measure() { # label, JVM flags...   (runs $JVM)
  local label=$1; shift
  local times="" rss=""
  for _ in $(seq "$REPEAT"); do
    HTTP=$(port)
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    "$JVM" "$@" -jar "$JAR" forward -f "$W/tunnel.yaml" --secrets-dir "$W/secrets" --http-port "$HTTP" --http-address 127.0.0.1 \
      $ADMISSION 2>/dev/null &
    pid=$!
    until curl -sf "127.0.0.1:$HTTP/q/health/ready" >/dev/null 2>&1; do sleep 0.02; done
    times+="$(( ($(date +%s%N) - start) / 1000000 )) "
    sleep 10
    rss+="$(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) "
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  echo "| $label | $times | $rss |"
}
echo "| JVM flags | start to ready, ms (each run) | idle RSS, MiB (each run) |"
echo "|---|---|---|"
IMAGE=$IMAGE_FLAGS   # the image's entrypoint flags (bench/common.sh reads them from pom.xml)
# AppCDS: one training run (start, reach ready, SIGTERM) dumps the classes it loaded into an
# archive; later runs map them instead of loading and verifying them again.
train() { # archive file, flags that write it...
  local archive=$1; shift
  HTTP=$(port)
  # shellcheck disable=SC2086
  "$JVM" "$@" -jar "$JAR" forward -f "$W/tunnel.yaml" --secrets-dir "$W/secrets" \
    --http-port "$HTTP" --http-address 127.0.0.1 $ADMISSION >/dev/null 2>&1 &
  local pid=$!
  until curl -sf "127.0.0.1:$HTTP/q/health/ready" >/dev/null 2>&1; do sleep 0.05; done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  for _ in $(seq 600); do [ -s "$archive" ] && break; sleep 0.1; done   # JDK 25 assembles its cache after exit
  [ -s "$archive" ] || { echo "no archive was written: $archive" >&2; exit 1; }
}
measure "defaults"
# shellcheck disable=SC2086
measure "image flags: $IMAGE" $IMAGE
# shellcheck disable=SC2086
measure "pod: image flags + heap from a 256Mi limit (POD_FLAGS)" $POD_FLAGS
# shellcheck disable=SC2086
measure "pod + -XX:TieredStopAtLevel=1 (the image's old flag; C1 only)" $POD_FLAGS -XX:TieredStopAtLevel=1
# shellcheck disable=SC2086
train "$W/forwarder.jsa" $POD_FLAGS -XX:ArchiveClassesAtExit="$W/forwarder.jsa"
# shellcheck disable=SC2086
measure "pod + AppCDS archive" $POD_FLAGS -XX:SharedArchiveFile="$W/forwarder.jsa"
# shellcheck disable=SC2086
measure "pod + AppCDS + -Xss256k -XX:ReservedCodeCacheSize=32m" $POD_FLAGS -XX:SharedArchiveFile="$W/forwarder.jsa" -Xss256k -XX:ReservedCodeCacheSize=32m

JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
if [ -x "$JAVA25" ]; then
  JVM=$JAVA25
  # shellcheck disable=SC2086
  measure "JDK 25 ($("$JVM" -version 2>&1 | head -1 | cut -d'"' -f2)), pod flags" $POD_FLAGS
  ADMISSION=
  # shellcheck disable=SC2086
  measure "JDK 25, pod flags, without --admitted (the CRD's rules judge the document, as on a workstation)" $POD_FLAGS
  ADMISSION=--admitted
  if [ -n "${BEFORE_JAR:-}" ]; then
    # This jar and BEFORE_JAR in turns, one run each per round, so that load from anything else on the machine
    # falls on both rows alike.
    JAR_NOW=$JAR; now_rows=""; before_rows=""
    for _ in $(seq "$REPEAT"); do
      JAR=$JAR_NOW; ADMISSION=--admitted
      # shellcheck disable=SC2086
      now_rows+="$(REPEAT=1 measure x $POD_FLAGS | cut -d'|' -f3,4)"$'\n'
      JAR=$BEFORE_JAR; ADMISSION=${BEFORE_ADMITTED:+--admitted}
      # shellcheck disable=SC2086
      before_rows+="$(REPEAT=1 measure x $POD_FLAGS | cut -d'|' -f3,4)"$'\n'
    done
    JAR=$JAR_NOW; ADMISSION=--admitted
    row() { echo "| $1 | $(echo "$2" | cut -d'|' -f1 | tr -s ' \n' ' ') | $(echo "$2" | cut -d'|' -f2 | tr -s ' \n' ' ') |"; }
    row "JDK 25, pod flags, this jar (in turns with the next row)" "$now_rows"
    row "JDK 25, pod flags, the jar from BEFORE_JAR ($BEFORE_JAR)" "$before_rows"
  fi
  # shellcheck disable=SC2086
  train "$W/forwarder.aot" $POD_FLAGS -XX:AOTCacheOutput="$W/forwarder.aot"
  # shellcheck disable=SC2086
  measure "JDK 25, pod + AOT cache (-XX:AOTCache, one training run)" $POD_FLAGS -XX:AOTCache="$W/forwarder.aot"
fi
