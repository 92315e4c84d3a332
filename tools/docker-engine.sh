#!/usr/bin/env bash
# Starts, stops or reports the local Docker engine used by Stagecraft's tests and example.
#
#   tools/docker-engine.sh start    engine answering? nothing to do. Else install docker.io if needed and start
#                                   dockerd in the background (no bridge, no iptables), wait until it answers.
#   tools/docker-engine.sh stop     stop the engine only if `start` started it.
#   tools/docker-engine.sh status   say whether the engine answers and who started it; exit 1 if it does not answer.
#
# Environment: DOCKER_HOST (unix:// sockets are honoured; tcp:// engines are only pinged, never started),
# STAGECRAFT_ENGINE_DIR (state: pid file and log; default ${TMPDIR:-/tmp}/stagecraft-engine),
# STAGECRAFT_ENGINE_TIMEOUT (seconds to wait for the engine; default 60).
set -euo pipefail

STAGECRAFT_TOOL=docker-engine
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

DEFAULT_SOCKET=/var/run/docker.sock
STATE_DIR="${STAGECRAFT_ENGINE_DIR:-${TMPDIR:-/tmp}/stagecraft-engine}"
PID_FILE="$STATE_DIR/dockerd.pid"
LOG_FILE="$STATE_DIR/dockerd.log"
TIMEOUT="${STAGECRAFT_ENGINE_TIMEOUT:-60}"

engine_socket() {
  case "${DOCKER_HOST:-}" in
    '') printf '%s\n' "$DEFAULT_SOCKET" ;;
    unix://*) printf '%s\n' "${DOCKER_HOST#unix://}" ;;
    *) return 1 ;;
  esac
}

engine_answers() {
  local socket
  if socket="$(engine_socket)"; then
    [ -S "$socket" ] && curl -fsS --max-time 3 --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1
  else
    curl -fsS --max-time 3 "$(printf '%s' "$DOCKER_HOST" | sed 's#^tcp://#http://#')/_ping" >/dev/null 2>&1
  fi
}

engine_address() {
  local socket
  if socket="$(engine_socket)"; then echo "unix://$socket"; else echo "$DOCKER_HOST"; fi
}

# The pid of the dockerd we started, if it is still that process.
our_pid() { pid_from "$PID_FILE" dockerd; }

ensure_tools() {
  ensure_command curl curl
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io"
  # Bases are built from files (FROM scratch + busybox), never pulled.
  [ -x /bin/busybox ] || apt_install busybox-static
}

start_engine() {
  ensure_command curl curl
  if engine_answers; then
    log "engine already answers at $(engine_address); nothing to start"
    [ -x /bin/busybox ] || apt_install busybox-static
    return 0
  fi
  local socket
  socket="$(engine_socket)" || die "DOCKER_HOST=$DOCKER_HOST does not answer; this script starts local (unix socket) engines only"
  ensure_tools

  mkdir -p "$STATE_DIR"
  local pid
  if pid="$(our_pid)"; then
    log "dockerd $pid (started by this script) is still coming up; waiting"
  else
    local args=(--bridge=none --iptables=false --ip-forward=false)
    [ "$socket" = "$DEFAULT_SOCKET" ] || args+=(-H "unix://$socket")
    log "starting dockerd ${args[*]} (log: $LOG_FILE)"
    # setsid: the engine must outlive this script and its process group.
    if [ "$(id -u)" -eq 0 ]; then
      # A background job is no process group leader, so setsid execs dockerd in place: $! is dockerd.
      setsid dockerd "${args[@]}" >"$LOG_FILE" 2>&1 </dev/null &
      pid=$!
    else
      sudo setsid dockerd "${args[@]}" >"$LOG_FILE" 2>&1 </dev/null &
      sleep 1
      pid="$(pgrep -n -x dockerd)" || die "dockerd exited at once; last lines of $LOG_FILE:$(printf '\n'; tail -n 30 "$LOG_FILE")"
    fi
    echo "$pid" >"$PID_FILE"
  fi

  await_answer dockerd "unix://$socket" "$pid" "$PID_FILE" "$LOG_FILE" "$TIMEOUT" engine_answers
  log "engine answers at unix://$socket (dockerd pid $pid, started by this script)"
}

stop_engine() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    log "no engine started by this script is running; nothing to stop"
    return 0
  fi
  log "stopping dockerd $pid"
  as_root kill -TERM "$pid"
  # dockerd gives running containers 15 s to stop, then shuts its containerd down.
  local waited=0
  while alive "$pid"; do
    if [ "$waited" -ge 120 ]; then
      log "dockerd $pid still running after 60 s; sending KILL"
      as_root kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
  log "dockerd $pid stopped"
}

engine_status() {
  local pid owner="not started by this script"
  pid="$(our_pid)" && owner="started by this script, dockerd pid $pid"
  if engine_answers; then
    echo "engine answers at $(engine_address) ($owner)"
  else
    echo "engine does not answer at $(engine_address) ($owner)"
    return 1
  fi
}

case "${1:-}" in
  start) start_engine ;;
  stop) stop_engine ;;
  status) engine_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
