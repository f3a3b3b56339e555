#!/usr/bin/env bash
# Where the forwarder's CPU goes under one bulk stream through a Local forward (after an 8 s warm-up):
# prints MiB/s and relay CPU s/GiB, and optionally records a profile of the measured seconds.
# Usage: bench/profile.sh JAVA throughput|download SECONDS [extra JVM flags]
#        PERF=1 ...   perf record (cpu-clock, call graphs) into /tmp/perf.data, JIT symbols via
#                     jcmd Compiler.perfmap (add -XX:+PreserveFramePointer); then
#                     perf report -i /tmp/perf.data --no-children --sort dso,sym -g none
#        JFR=1 ...    a JFR recording of the whole run in /tmp/prof.jfr (it includes the warm-up: bucket
#                     samples by time before reading them, see docs/benchmarks.md)
#        NMT=1 ...    RSS and the native memory summary at the end (add -XX:NativeMemoryTracking=summary)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
JAVA_BIN=$1; DIR=$2; SECS=$3; shift 3
SINK=$(port); SOURCE=$(port); ECHO=$(port)
java bench/Bench.java serve "$ECHO" "$SINK" "$SOURCE" >/dev/null & pids+=($!)
start_sshd "Ciphers aes128-gcm@openssh.com"
L=$(port); LO=$(port)
tunnel_yaml prof 1 "{name: sink, type: Local, port: $L, target: {host: 127.0.0.1, port: $SINK}}" \
  "{name: source, type: Local, port: $LO, target: {host: 127.0.0.1, port: $SOURCE}}"
# stdout kept for -XX:+PrintCompilation and the like
# shellcheck disable=SC2086
FWD_OUT=/tmp/prof.out start_forwarder prof "$JAVA_BIN" $POD_FLAGS "$@" ${JFR:+-XX:StartFlightRecording=filename=/tmp/prof.jfr,settings=profile}
F=$FWD_PID
T=$L; [ "$DIR" = download ] && T=$LO
java bench/Bench.java $DIR $T 8 1 >/dev/null   # warm-up
c0=$(cpu_ticks $F)
if [ -n "${PERF:-}" ]; then perf record -e cpu-clock -F 999 -g -p $F -o /tmp/perf.data -- sleep $SECS >/dev/null 2>&1 & PP=$!; fi
r=$(java bench/Bench.java $DIR $T $SECS 1)
c1=$(cpu_ticks $F)
if [ -n "${PERF:-}" ]; then wait $PP || true; jcmd $F Compiler.perfmap >/dev/null 2>&1 || true; fi
echo "$($JAVA_BIN -version 2>&1 | head -1) $DIR: $r MiB/s, relay CPU s/GiB $(python3 -c "print(round(($c1-$c0)/100/($r*$SECS/1024),2))")"
jcmd $F JFR.dump filename=/tmp/prof.jfr >/dev/null 2>&1 || true
if [ -n "${NMT:-}" ]; then echo "RSS $(( $(awk "/VmRSS/ {print \$2}" /proc/$F/status) / 1024 )) MiB"; jcmd $F VM.native_memory summary | grep -E "committed" | grep -E "Total|Java Heap|Class|Thread|Code|GC|Internal|Other|Symbol|Arena|Metaspace|Shared" | head -20; fi
sleep 1
