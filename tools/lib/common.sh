# Shared helpers for the machine-side tools. Source it; do not run it.
# shellcheck shell=bash

log() { printf '[%s] %s\n' "${STAGECRAFT_TOOL:-stagecraft}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# True while the process exists and is not a zombie.
alive() {
  local state
  [ -r "/proc/$1/stat" ] && read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null && [ "$state" != Z ]
}

# pid_from PID_FILE PROGRAM: the pid recorded in PID_FILE, if it is still a live PROGRAM process.
pid_from() {
  [ -f "$1" ] || return 1
  local pid
  pid="$(cat "$1")"
  [ -n "$pid" ] && alive "$pid" || return 1
  [ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null || true)")" = "$2" ] || return 1
  printf '%s\n' "$pid"
}

# await_answer WHAT WHERE PID PID_FILE LOG_FILE TIMEOUT CHECK...: waits until CHECK succeeds.
# If the process exits first, or TIMEOUT seconds pass (then it is stopped), its pid file
# is removed and the script dies with the last lines of its log.
await_answer() {
  local what="$1" where="$2" pid="$3" pid_file="$4" log_file="$5" timeout="$6"
  shift 6
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if ! alive "$pid"; then
      rm -f "$pid_file"
      die "$what exited before answering; last lines of $log_file:$(printf '\n'; tail -n 30 "$log_file")"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      as_root kill "$pid" 2>/dev/null || true
      rm -f "$pid_file"
      die "$what did not answer at $where within ${timeout}s; stopped it. Last lines of $log_file:$(printf '\n'; tail -n 30 "$log_file")"
    fi
    sleep 0.2
  done
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "'$*' needs root and sudo is not installed"
  fi
}

# apt-get install of the given packages, always after a fresh `apt-get update`: non-interactive and
# quiet (no questions, no needrestart prompt or report); apt's output is shown only when it fails.
apt_install() {
  log "installing with apt: $*"
  local apt_log
  apt_log="$(mktemp)"
  if ! quiet_apt update >"$apt_log" 2>&1 || ! quiet_apt install -y --no-install-recommends "$@" >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    rm -f "$apt_log"
    die "apt-get ${*} failed (output above)"
  fi
  rm -f "$apt_log"
}

quiet_apt() {
  as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 NEEDRESTART_MODE=a \
    apt-get -qq -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

# Installs the package when the command is missing: ensure_command <command> <package>.
ensure_command() {
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
  command -v "$1" >/dev/null 2>&1 || die "'$1' is still missing after installing $2"
}

# The apt source files that apt itself reads (deb822 .sources and one-line .list files).
apt_source_files() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] && printf '%s\n' "$file"
  done
}

# Prints the URI of the machine's main Debian archive (the one that serves the given suite's `main`),
# read from the apt sources at run time. Security and third-party archives are skipped.
debian_mirror() {
  local suite="${1:-bookworm}" file
  for file in $(apt_source_files); do
    case "$file" in
      *.sources)
        awk -v suite="$suite" '
          function flush() {
            if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "") { split(uris, u, " "); print u[1]; found = 1; exit }
            types = ""; uris = ""; suites = ""
          }
          /^[ \t]*#/ { next }
          /^[ \t]*$/ { flush(); next }
          tolower($1) == "types:"  { $1 = ""; types = $0 }
          tolower($1) == "uris:"   { $1 = ""; uris = $0 }
          tolower($1) == "suites:" { $1 = ""; suites = $0 }
          END { if (!found) flush() }
        ' "$file" ;;
      *)
        awk -v suite="$suite" '
          $1 == "deb" {
            i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
            if ($(i + 1) == suite) { print $i; exit }
          }
        ' "$file" ;;
    esac
  done | head -n 1 | sed 's/[[:space:]]*$//'
}
