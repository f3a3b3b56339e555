#!/usr/bin/env bash
# A/B of forwarder variants on one workload through a Local or Remote forward, interleaved with one ssh -L/-R
# in the same run: each variant is "JAVA FLAGS..." (POD stands for the pod's flags, POD_FLAGS in common.sh).
# Prints each round and the medians, with the ratio to ssh and the relay's CPU ticks (1/100 s) per round;
# for the throughput workloads also the relay's CPU seconds per GiB and its ratio to ssh's.
# Usage: bench/ab.sh WORKLOAD ROUNDS SECONDS "java POD" "java POD -Dsshtunnel.forwarder.ioThreads=1" ...
#        WORKLOAD: throughput (client→target, 1 stream), download (target→client), connect, rtt (Local forwards);
#                  remote-throughput, remote-download (the same through Remote forwards: the client connects to sshd)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
WL=$1; ROUNDS=$2; SECS=$3; shift 3
SINK=$(port); SOURCE=$(port); ECHO=$(port)
java bench/Bench.java serve "$ECHO" "$SINK" "$SOURCE" >/dev/null & pids+=($!)
start_sshd "Ciphers aes128-gcm@openssh.com"
declare -A E S O RS RO P   # RS, RO: the ports sshd listens on for the Remote forwards to the sink and source
E[ssh]=$(port); S[ssh]=$(port); O[ssh]=$(port); RS[ssh]=$(port); RO[ssh]=$(port)
ssh -N -i "$W/id" -o UserKnownHostsFile="$W/known_hosts" -o Ciphers=aes128-gcm@openssh.com -L "127.0.0.1:${E[ssh]}:127.0.0.1:$ECHO" -L "127.0.0.1:${S[ssh]}:127.0.0.1:$SINK" -L "127.0.0.1:${O[ssh]}:127.0.0.1:$SOURCE" \
  -R "127.0.0.1:${RS[ssh]}:127.0.0.1:$SINK" -R "127.0.0.1:${RO[ssh]}:127.0.0.1:$SOURCE" -p "$SSHD" "$(whoami)@127.0.0.1" & P[ssh]=$!; pids+=($!)
names=(ssh); i=0
for variant in "$@"; do
  i=$((i+1)); n="v$i"; names+=($n)
  E[$n]=$(port); S[$n]=$(port); O[$n]=$(port); RS[$n]=$(port); RO[$n]=$(port)
  tunnel_yaml "$n" 1 "{name: echo, type: Local, port: ${E[$n]}, target: {host: 127.0.0.1, port: $ECHO}}" \
    "{name: sink, type: Local, port: ${S[$n]}, target: {host: 127.0.0.1, port: $SINK}}" \
    "{name: source, type: Local, port: ${O[$n]}, target: {host: 127.0.0.1, port: $SOURCE}}" \
    "{name: rsink, type: Remote, bindAddress: 127.0.0.1, port: ${RS[$n]}, target: {host: 127.0.0.1, port: $SINK}}" \
    "{name: rsource, type: Remote, bindAddress: 127.0.0.1, port: ${RO[$n]}, target: {host: 127.0.0.1, port: $SOURCE}}"
  # variant: "JAVA FLAGS..." with POD standing for POD_FLAGS
  eval "set -- ${variant//POD/$POD_FLAGS}"
  start_forwarder "$n" "$@"; P[$n]=$FWD_PID
  echo "$n = $variant"
done
for n in "${names[@]}"; do wait_port "${E[$n]}"; wait_port "${RS[$n]}"; wait_port "${RO[$n]}"; done
run() { case $WL in connect) java bench/Bench.java connect "${E[$1]}" "$2" | cut -d' ' -f1-3;; rtt) java bench/Bench.java rtt "${E[$1]}" 20000;;
  throughput) java bench/Bench.java throughput "${S[$1]}" "$2" 1;; download) java bench/Bench.java download "${O[$1]}" "$2" 1;;
  remote-throughput) java bench/Bench.java throughput "${RS[$1]}" "$2" 1;; remote-download) java bench/Bench.java download "${RO[$1]}" "$2" 1;; esac; }
for n in "${names[@]}"; do run $n 3 >/dev/null; run $n 3 >/dev/null; done  # warm-up
declare -A R C G   # G: relay CPU seconds per GiB, for the throughput workloads (MiB/s)
for r in $(seq $ROUNDS); do for n in "${names[@]}"; do
  c0=$(cpu_ticks ${P[$n]}); out=$(run $n $SECS); c1=$(cpu_ticks ${P[$n]})
  v=$(echo $out | cut -d' ' -f1); R[$n]+="$v "; C[$n]+="$((c1-c0)) "
  if [[ $WL == *throughput || $WL == *download ]]; then G[$n]+="$(python3 -c "print(round($((c1-c0)) / 100 / ($v * $SECS / 1024), 2))") "; fi
  echo "round $r $n: $out cpu_ticks=$((c1-c0))"
done; done
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for n in "${names[@]}"; do
  echo "$n median $(echo ${R[$n]} | med) (ratio to ssh $(python3 -c "print(round($(echo ${R[$n]} | med)/$(echo ${R[ssh]} | med),2))")) cpu ticks median $(echo ${C[$n]} | med) [${R[$n]}]"
  if [ -n "${G[$n]:-}" ]; then echo "$n CPU s/GiB median $(echo ${G[$n]} | med) (ratio to ssh $(python3 -c "print(round($(echo ${G[$n]} | med)/$(echo ${G[ssh]} | med),2))")) [${G[$n]}]"; fi
done
