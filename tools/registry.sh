#!/usr/bin/env bash
# Starts or stops a local OCI registry (Debian's docker-registry) on 127.0.0.1 only.
#
#   tools/registry.sh start PORT DIR [HTPASSWD | token:CERT:REALM]
#                                      serve on 127.0.0.1:PORT with its storage in DIR; wait until /v2/ answers.
#                                      With HTPASSWD (a file from `htpasswd -Bbn user password`), every request
#                                      needs Basic auth with one of its users. With token:CERT:REALM, every request
#                                      needs a Bearer token from REALM (service stagecraft-test-registry, issuer
#                                      stagecraft-test-issuer) signed by the key of the certificate file CERT.
#   tools/registry.sh stop PORT        stop the registry this script started on PORT (DIR may follow; ignored)
#
# STAGECRAFT_REGISTRY_DELETE=0 starts it with manifest deletion disabled (DELETE answers 405 UNSUPPORTED);
# by default deletion is enabled.
#
# State (config, pid file, log) lives in ${STAGECRAFT_REGISTRY_STATE:-${TMPDIR:-/tmp}/stagecraft-registry}/PORT.
set -euo pipefail

STAGECRAFT_TOOL=registry
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { echo "usage: $0 start PORT DIR [HTPASSWD] | stop PORT" >&2; exit 2; }

ACTION="${1:-}"
PORT="${2:-}"
[ -n "$ACTION" ] && [ -n "$PORT" ] || usage
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "PORT must be a number from 1 to 65535, got '$PORT'"

STATE_DIR="${STAGECRAFT_REGISTRY_STATE:-${TMPDIR:-/tmp}/stagecraft-registry}/$PORT"
CONFIG_FILE="$STATE_DIR/config.yml"
PID_FILE="$STATE_DIR/registry.pid"
LOG_FILE="$STATE_DIR/registry.log"
URL="http://127.0.0.1:$PORT/v2/"
TIMEOUT="${STAGECRAFT_REGISTRY_TIMEOUT:-30}"
case "${STAGECRAFT_REGISTRY_DELETE:-1}" in
  1) DELETE_ENABLED=true ;;
  0) DELETE_ENABLED=false ;;
  *) die "STAGECRAFT_REGISTRY_DELETE must be 1 (deletion enabled) or 0 (disabled), got '${STAGECRAFT_REGISTRY_DELETE}'" ;;
esac

# Answers at all: 200, or 401 when it asks for credentials.
registry_answers() {
  local code
  code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$URL" 2>/dev/null)" || return 1
  [ "$code" = 200 ] || [ "$code" = 401 ]
}

# The pid of the registry we started on this port, if it is still that process.
our_pid() { pid_from "$PID_FILE" docker-registry; }

write_config() {
  local storage="$1" htpasswd="$2"
  cat >"$CONFIG_FILE" <<EOF
# Written by tools/registry.sh
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $storage
  delete:
    enabled: $DELETE_ENABLED
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$PORT
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: false
EOF
  if [[ "$htpasswd" == token:* ]]; then
    local rest="${htpasswd#token:}"
    cat >>"$CONFIG_FILE" <<EOF
auth:
  token:
    realm: ${rest#*:}
    service: stagecraft-test-registry
    issuer: stagecraft-test-issuer
    rootcertbundle: ${rest%%:*}
EOF
  elif [ -n "$htpasswd" ]; then
    cat >>"$CONFIG_FILE" <<EOF
auth:
  htpasswd:
    realm: stagecraft-test
    path: $htpasswd
EOF
  fi
}

start_registry() {
  local storage="${1:-}" htpasswd="${2:-}"
  [ -n "$storage" ] || usage
  if [ -n "$htpasswd" ] && [[ "$htpasswd" != token:* ]]; then
    [ -f "$htpasswd" ] || die "HTPASSWD '$htpasswd' is not a file"
    htpasswd="$(cd "$(dirname "$htpasswd")" && pwd)/$(basename "$htpasswd")"
  fi
  ensure_command curl curl
  if pid="$(our_pid)" && registry_answers; then
    log "registry $pid (started by this script) already serves $URL"
    return 0
  fi
  if registry_answers; then
    log "a registry not started by this script already answers at $URL; leaving it alone"
    return 0
  fi
  ensure_command docker-registry docker-registry

  mkdir -p "$STATE_DIR" "$storage"
  storage="$(cd "$storage" && pwd)"
  write_config "$storage" "$htpasswd"
  log "starting docker-registry on 127.0.0.1:$PORT, storage $storage (log: $LOG_FILE)"
  setsid docker-registry serve "$CONFIG_FILE" >"$LOG_FILE" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"

  await_answer docker-registry "$URL" "$pid" "$PID_FILE" "$LOG_FILE" "$TIMEOUT" registry_answers
  log "registry answers at $URL (pid $pid)"
}

stop_registry() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    log "no registry started by this script runs on port $PORT; nothing to stop"
    return 0
  fi
  kill -TERM "$pid"
  local waited=0
  while alive "$pid"; do
    if [ "$waited" -ge 100 ]; then
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
  log "registry $pid on port $PORT stopped"
}

case "$ACTION" in
  start) start_registry "${3:-}" "${4:-}" ;;
  stop) stop_registry ;;
  *) usage ;;
esac
