#!/usr/bin/env bash
# Try the operator on this machine, no cluster needed: builds what is missing (the operator's jar and the
# sandbox's, with ./mvnw; the Kubernetes control plane, with hack/kube-binaries.sh), then becomes the sandbox
# (exec: Ctrl-C and SIGTERM reach it) with the same options:
#   bash hack/sandbox.sh --demo          a loopback sshd, a web server behind it and a Ready tunnel to it
#   bash hack/sandbox.sh --help          every option (work dir, API port, --no-operator, --no-pods, ...)
# It prints `export KUBECONFIG=...` once the CRDs are established and the operator is ready.
# SSHTUNNEL_SANDBOX_BUILD=never: never build, fail when something is missing (the tests run it so).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SSHTUNNEL_SANDBOX_BUILD:-auto}"

sandbox_jar() { find "$root/target" -maxdepth 1 -name '*-sandbox.jar' -print -quit 2>/dev/null; }
operator_jar="$root/target/quarkus-app/quarkus-run.jar"
needs_build() {
  local jar; jar="$(sandbox_jar)"
  [ -n "$jar" ] && [ -f "$operator_jar" ] && [ -f "$root/target/sandbox.classpath" ] || return 0
  # Sources changed since the last build: build again (a newcomer editing the code sees their change).
  [ -n "$(find "$root/src" "$root/pom.xml" "$root/crds" "$root/deploy" -newer "$jar" -type f -print -quit)" ]
}
if [ "$build" != never ] && needs_build; then
  echo "hack/sandbox.sh: building the operator and the sandbox (./mvnw package -DskipTests -Dimage.skip=true)" >&2
  (cd "$root" && ./mvnw -B -q package -DskipTests -Dimage.skip=true) >&2
fi
jar="$(sandbox_jar)"
if [ -z "$jar" ] || [ ! -f "$operator_jar" ] || [ ! -f "$root/target/sandbox.classpath" ]; then
  echo "hack/sandbox.sh: target/*-sandbox.jar, $operator_jar or target/sandbox.classpath is missing: run ./mvnw package -DskipTests" >&2
  exit 2
fi

case " $* " in
  *" --kube-binaries "*|*" --kube-binaries="*|*" --help "*|*" -h "*|*" --version "*|*" -V "*) ;;
  *) bash "$root/hack/kube-binaries.sh" >&2 ;; # a warm cache answers at once; the sandbox finds it by default
esac

export SSHTUNNEL_OPERATOR_JAR="${SSHTUNNEL_OPERATOR_JAR:-$operator_jar}"
exec "${JAVA:-java}" -cp "$jar:$root/target/classes:$(cat "$root/target/sandbox.classpath")" \
  dev.sshtunnel.sandbox.SandboxCommand "$@"
