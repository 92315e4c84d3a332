#!/usr/bin/env bash
# Starts or stops an extra, fully separate Docker engine: a second "machine" for the tests and benchmarks.
#
#   tools/extra-engine.sh start DIR [DOCKERD_ARGS...]
#                                      start dockerd with everything under DIR and wait until DIR/docker.sock answers;
#                                      more dockerd arguments may follow (say, a TLS tcp listener)
#   tools/extra-engine.sh stop DIR     stop the dockerd (and its containerd) that `start DIR` started; unmount what
#                                      it left under DIR. DIR itself (its image store) stays; remove it yourself.
#   tools/extra-engine.sh status DIR   say whether DIR/docker.sock answers; exit 1 if it does not.
#
# The engine has its own data root (DIR/data), exec root (DIR/exec, where it starts its own containerd),
# pid file (DIR/pid), log (DIR/log), an empty daemon.json (the machine's /etc/docker is not read) and
# socket: DOCKER_HOST=unix://DIR/docker.sock. No bridge, no iptables, no forwarding. Keep DIR short: unix
# socket paths end at about 107 characters (containerd's lives at DIR/exec/containerd/containerd.sock).
# Environment: STAGECRAFT_ENGINE_TIMEOUT (seconds to wait for the engine; default 60).
set -euo pipefail

STAGECRAFT_TOOL=extra-engine
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { echo "usage: $0 start|stop|status DIR" >&2; exit 2; }

ACTION="${1:-}"
DIR="${2:-}"
[ -n "$ACTION" ] && [ -n "$DIR" ] || usage
shift 2
EXTRA_ARGS=("$@")
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
SOCKET="$DIR/docker.sock"
PID_FILE="$DIR/pid"
LOG_FILE="$DIR/log"
CONTAINERD_PID_FILE="$DIR/exec/containerd/containerd.pid"
TIMEOUT="${STAGECRAFT_ENGINE_TIMEOUT:-60}"
# Containers of this engine live in their own cgroup, so a stop after a killed dockerd finds them.
CGROUP_PARENT="/stagecraft-$(printf '%s' "$DIR" | sha256sum | cut -c1-12)"

[ "${#DIR}" -le 60 ] || die "DIR '$DIR' is too long (${#DIR} characters; at most 60 keeps unix socket paths under their limit)"

engine_answers() { [ -S "$SOCKET" ] && curl -fsS --max-time 3 --unix-socket "$SOCKET" http://localhost/_ping >/dev/null 2>&1; }

our_pid() { pid_from "$PID_FILE" dockerd; }

start_engine() {
  ensure_command curl curl
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io"
  local pid
  if pid="$(our_pid)" && engine_answers; then
    log "engine $pid already answers at unix://$SOCKET"
    return 0
  fi
  if [ -z "${pid:-}" ]; then
    # A dockerd killed earlier may have left its pid file, mounts and containerd behind.
    rm -f "$PID_FILE"
    cleanup_leftovers
    mkdir -p "$DIR/data" "$DIR/exec"
    [ -f "$DIR/daemon.json" ] || echo '{}' >"$DIR/daemon.json"
    local args=(
      --config-file "$DIR/daemon.json"
      --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$PID_FILE"
      -H "unix://$SOCKET"
      --bridge=none --iptables=false --ip-forward=false --ip-masq=false
      --cgroup-parent "$CGROUP_PARENT"
      ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}
    )
    log "starting dockerd ${args[*]} (log: $LOG_FILE)"
    # setsid: the engine outlives this script and its process group. As root, setsid execs dockerd in place.
    if [ "$(id -u)" -eq 0 ]; then
      setsid dockerd "${args[@]}" >"$LOG_FILE" 2>&1 </dev/null &
      pid=$! # dockerd writes it to DIR/pid itself (and refuses to start while that file exists)
    else
      die "the extra engine needs root (dockerd runs as root)"
    fi
  fi
  await_answer dockerd "unix://$SOCKET" "$pid" "$PID_FILE" "$LOG_FILE" "$TIMEOUT" engine_answers
  log "engine answers at unix://$SOCKET (dockerd pid $pid)"
}

# Stops what a killed dockerd left behind (its containerd, container shims and container processes)
# and unmounts whatever is still mounted under DIR.
cleanup_leftovers() {
  local pid
  if pid="$(pid_from "$CONTAINERD_PID_FILE" containerd)"; then
    log "stopping containerd $pid left by an earlier engine in $DIR"
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 40
  fi
  rm -f "$CONTAINERD_PID_FILE"
  for pid in $(our_shims); do
    log "killing container shim $pid left by an earlier engine in $DIR"
    kill -KILL "$pid" 2>/dev/null || true
  done
  kill_cgroup_processes
  local mount
  # Deepest first, so nested mounts come off before their parents.
  awk -v dir="$DIR/" 'index($5, dir) == 1 { print length($5) " " $5 }' /proc/self/mountinfo | sort -rn | cut -d' ' -f2- |
    while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
}

# The containerd shims whose -address is this engine's containerd socket.
our_shims() {
  local proc address="$DIR/exec/containerd/containerd.sock"
  for proc in /proc/[0-9]*; do
    [ "$(basename "$(readlink "$proc/exe" 2>/dev/null || true)")" = containerd-shim-runc-v2 ] || continue
    tr '\0' '\n' <"$proc/cmdline" 2>/dev/null | grep -qxF -- "$address" && basename "$proc"
  done
  return 0
}

# Kills every process in this engine's container cgroups (cgroup v1 pids controller or v2) and removes them.
kill_cgroup_processes() {
  local root procs pid
  for root in "/sys/fs/cgroup/pids$CGROUP_PARENT" "/sys/fs/cgroup$CGROUP_PARENT"; do
    [ -d "$root" ] || continue
    for procs in $(find "$root" -name cgroup.procs); do
      for pid in $(cat "$procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    done
  done
  sleep 0.2
  local controller
  for controller in /sys/fs/cgroup/*"$CGROUP_PARENT" "/sys/fs/cgroup$CGROUP_PARENT"; do
    [ -d "$controller" ] && find "$controller" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# wait_gone PID TENTHS: waits up to TENTHS/10 s for PID to exit, then kills it.
wait_gone() {
  local waited=0
  while alive "$1"; do
    if [ "$waited" -ge "$2" ]; then
      kill -KILL "$1" 2>/dev/null || true
      sleep 0.2
      return
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

stop_engine() {
  local pid
  if pid="$(our_pid)"; then
    log "stopping dockerd $pid"
    kill -TERM "$pid"
    # dockerd gives running containers 15 s to stop, then shuts its containerd down.
    wait_gone "$pid" 600
    log "dockerd $pid stopped"
  else
    log "no engine started by this script runs in $DIR"
  fi
  rm -f "$PID_FILE"
  cleanup_leftovers
  rm -f "$SOCKET"
}

engine_status() {
  if engine_answers; then
    echo "engine answers at unix://$SOCKET"
  else
    echo "engine does not answer at unix://$SOCKET"
    return 1
  fi
}

case "$ACTION" in
  start) start_engine ;;
  stop) stop_engine ;;
  status) engine_status ;;
  *) usage ;;
esac
