#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, builds the
# plugin, starts the Docker Engine when none answers (and stops only what it
# started), type-checks, runs every jest project, and ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x node_modules/.bin/nx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # The lock was generated from scratch (every platform's optional nx binary, no registry host).
  npm ci --no-audit --no-fund
fi
npm run build

# Host tools the integration specs use besides the engine: archive formats for source
# extraction, git for sources and git-commit mode.
STAGECRAFT_TOOL=test
# shellcheck source=lib/common.sh
source tools/lib/common.sh
ensure_command bzip2 bzip2
ensure_command xz xz-utils
ensure_command git git
# The networked-stage spec builds a small Debian repository from .deb files.
ensure_command dpkg-deb dpkg
ensure_command dpkg-scanpackages dpkg-dev
# The registry specs: a real registry with htpasswd auth, and a second engine (tools/extra-engine.sh).
ensure_command docker-registry docker-registry
ensure_command htpasswd apache2-utils

# Stop the engine at the end only if this run had to start it.
if bash tools/docker-engine.sh status >/dev/null 2>&1; then
  started_engine=no
else
  bash tools/docker-engine.sh start
  started_engine=yes
fi
results_dir="$(mktemp -d)"
results="$results_dir/jest.json"
finish() {
  rm -rf "$results_dir"
  if [ "$started_engine" = yes ]; then bash tools/docker-engine.sh stop; fi
}
trap finish EXIT

status=0
# Type errors in product code, specs, testing/ and e2e count as one failure in the closing line.
typecheck_failed=0
npm run typecheck || { status=1; typecheck_failed=1; }

results="$(mktemp -d)/jest.json"
npx jest --ci --json --outputFile="$results" "$@" || status=$?
node tools/jest/closing-line.js "$results" "$typecheck_failed" || status=1
exit "$status"
