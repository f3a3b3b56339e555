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
# The JVM flags forwarder pods run with: JAVA_OPTS_APPEND of the image, plus the heap sizing that
# run-java.sh derives from the pod's memory limit (256Mi by default), simulated with MaxRAM.
IMAGE_FLAGS=$(sed -n 's/^ENV JAVA_OPTS_APPEND="\(.*\)"$/\1/p' src/main/docker/Dockerfile.jvm)
POD_FLAGS="$IMAGE_FLAGS -XX:MaxRAM=256m -XX:MaxRAMPercentage=80"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # user + system time of a process, in clock ticks
