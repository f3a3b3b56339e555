#!/usr/bin/env bash
# How long the local sshd takes to drop a client that went silent (SIGSTOP: a host gone without a
# FIN) while it holds a remote forward — with no traffic, and with a new connection to the forwarded
# port every ~0.3 s. A standby forwarder can bind the port only once sshd lets go of it.
# Usage: bench/sshd-clientalive-under-traffic.sh [ClientAliveInterval] [ClientAliveCountMax]
set -euo pipefail
interval=${1:-1}
countmax=${2:-3}
work=$(mktemp -d)
trap 'kill "$(cat "$work/sshd.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sshd_port=$(free_port)
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$work/userkey"
cp "$work/userkey.pub" "$work/authorized_keys"
cat > "$work/sshd_config" <<CONF
ClientAliveInterval $interval
ClientAliveCountMax $countmax
Port $sshd_port
ListenAddress 127.0.0.1
HostKey $work/hostkey
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin yes
PasswordAuthentication no
AllowTcpForwarding yes
LogLevel VERBOSE
CONF
/usr/sbin/sshd -D -e -f "$work/sshd_config" > "$work/sshd.log" 2>&1 &
sleep 1
echo "$(/usr/sbin/sshd -V 2>&1 | head -1); ClientAliveInterval $interval, ClientAliveCountMax $countmax"

measure() { # $1: 1 = connect to the forwarded port while waiting
  local fwd; fwd=$(free_port)
  ssh -N -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ServerAliveInterval=0 -o ExitOnForwardFailure=yes \
    -i "$work/userkey" -p "$sshd_port" -R "$fwd:127.0.0.1:9" "$(id -un)@127.0.0.1" 2>/dev/null &
  local client=$!
  sleep 1.5
  local before; before=$(grep -c 'client not responding' "$work/sshd.log" || true)
  kill -STOP "$client"
  local t0; t0=$(date +%s%N)
  local result="not within 60 s"
  while (( $(date +%s%N) - t0 < 60000000000 )); do
    if [ "$(grep -c 'client not responding' "$work/sshd.log" || true)" != "$before" ]; then
      result="$(( ($(date +%s%N) - t0) / 1000000 )) ms"; break
    fi
    if [ "$1" = 1 ]; then timeout 0.25 bash -c "exec 3<>/dev/tcp/127.0.0.1/$fwd; echo hi >&3; sleep 1" 2>/dev/null || true; fi
    sleep 0.02
  done
  kill -9 "$client" 2>/dev/null || true
  wait "$client" 2>/dev/null || true
  echo "$result"
}
echo "frozen client dropped, no traffic on the forwarded port:       $(measure 0)"
echo "frozen client dropped, a connection to the port every ~0.3 s:  $(measure 1)"
