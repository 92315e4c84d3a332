#!/usr/bin/env bash
# The main job: builds the example workspace's stage images (examples/openbmc-mini) on a Debian 12 machine.
#
#   tools/example.sh [--prepare-only] [extra nx run-many arguments...]      (npm run example -- ...)
#
# 1. starts the Docker engine if none answers (tools/docker-engine.sh) and installs debootstrap and dpkg-dev;
# 2. prepares the inputs, kept out of git and made once:
#      base/rootfs.tar   a Debian 12 minbase rootfs with the build tools (debootstrap from the machine's apt mirror),
#      <stage>/source/   each library's source tree (apt-get source, Debian patches applied, debian/ removed),
#      repos/phosphor-settings.git   the git remote the settings stage follows (same commits on every machine);
# 3. installs the Node packages (npm ci at the repository root when node_modules is missing), builds the plugin,
#    links the example's node_modules to the repository's;
# 4. checks the committed pins (lock --check), fetches sources ahead (run-many -t sources), then runs
#    `nx run-many -t docker-stage` in the example workspace. Its tools stage ("network": "host") installs packages
#    with apt-get from the mirror debootstrap wrote into the base's /etc/apt/sources.list (the machine's own).
# Delete base/rootfs.tar or a <stage>/source directory to fetch it again.
set -euo pipefail

STAGECRAFT_TOOL=example
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$TOOLS_DIR/lib/common.sh"
# shellcheck source=lib/example-repository.sh
source "$TOOLS_DIR/lib/example-repository.sh"

REPO_ROOT="$(dirname "$TOOLS_DIR")"
WORKSPACE="$REPO_ROOT/examples/openbmc-mini"
SUITE=bookworm
BASE_PACKAGES=build-essential,cmake,meson,ninja-build,autoconf,automake,libtool,pkg-config
# stage directory : Debian source package
LIBRARY_SOURCES=(zlib:zlib libpng:libpng1.6 libyaml:libyaml fmt:fmtlib fribidi:fribidi)

PREPARE_ONLY=false
NX_ARGS=()
for arg in "$@"; do
  case "$arg" in
    --prepare-only) PREPARE_ONLY=true ;;
    *) NX_ARGS+=("$arg") ;;
  esac
done

SCRATCH="$(mktemp -d "${TMPDIR:-/var/tmp}/stagecraft-example.XXXXXX")"
cleanup() { as_root rm -rf "$SCRATCH"; }
trap cleanup EXIT

mirror_or_die() {
  local mirror
  mirror="$(debian_mirror "$SUITE")"
  [ -n "$mirror" ] || die "no apt source serves Debian '$SUITE' (looked in $(apt_source_files | tr '\n' ' '))"
  printf '%s\n' "$mirror"
}

install_host_tools() {
  "$TOOLS_DIR/docker-engine.sh" start
  local missing=()
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v dpkg-source >/dev/null 2>&1 || missing+=(dpkg-dev)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  [ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
  command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
  [ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
}

make_base_rootfs() {
  local tarball="$WORKSPACE/base/rootfs.tar"
  if [ -f "$tarball" ]; then
    log "base: $tarball exists; delete it to make it again"
    return 0
  fi
  local mirror root="$SCRATCH/rootfs" started=$SECONDS
  mirror="$(mirror_or_die)"
  log "base: debootstrap --variant=minbase $SUITE from the machine's mirror (a minute or two)"
  if ! as_root debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$root" "$mirror" >"$SCRATCH/debootstrap.log" 2>&1; then
    tail -n 30 "$SCRATCH/debootstrap.log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (output above)"
  fi
  as_root sh -c 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/debootstrap' sh "$root"
  as_root tar --numeric-owner --sort=name -C "$root" -cf "$tarball.partial" .
  as_root chown "$(id -u):$(id -g)" "$tarball.partial"
  mv "$tarball.partial" "$tarball"
  log "base: $tarball made in $((SECONDS - started)) s ($(du -h "$tarball" | cut -f1))"
}

# apt-get with a private source list (deb-src lines derived from the machine's mirror) and private state:
# the machine's apt configuration is neither read for sources nor changed.
source_apt() {
  local apt_dir="$SCRATCH/apt"
  apt-get -q \
    -o Dir::Etc::SourceList="$apt_dir/sources.sources" -o Dir::Etc::SourceParts="$apt_dir/none" \
    -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" \
    -o APT::Sandbox::User="$(id -un)" -o Debug::NoLocking=1 "$@"
}

init_source_apt() {
  local apt_dir="$SCRATCH/apt" mirror
  mirror="$(mirror_or_die)"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/none"
  cat >"$apt_dir/sources.sources" <<EOF
Types: deb-src
URIs: $mirror
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  source_apt update >"$SCRATCH/apt-update.log" 2>&1 || { cat "$SCRATCH/apt-update.log" >&2; die "apt-get update of the deb-src list failed"; }
}

fetch_library_sources() {
  local entry stage package target work tree apt_ready=false
  for entry in "${LIBRARY_SOURCES[@]}"; do
    stage="${entry%%:*}"
    package="${entry#*:}"
    target="$WORKSPACE/$stage/source"
    if [ -d "$target" ]; then
      log "$stage: $target exists; delete it to fetch again"
      continue
    fi
    $apt_ready || { init_source_apt; apt_ready=true; }
    work="$SCRATCH/src-$stage"
    mkdir -p "$work"
    log "$stage: apt-get source $package"
    if ! (cd "$work" && source_apt source "$package" >"$work.log" 2>&1); then
      tail -n 20 "$work.log" >&2
      die "apt-get source $package failed (output above)"
    fi
    tree="$(find "$work" -mindepth 1 -maxdepth 1 -type d)"
    [ -n "$tree" ] && [ "$(printf '%s\n' "$tree" | wc -l)" -eq 1 ] || die "apt-get source $package did not unpack one directory in $work"
    # The Debian packaging is not part of the library's source; its patches are already applied.
    rm -rf "$tree/debian" "$tree/.pc"
    mv "$tree" "$target"
    log "$stage: $(basename "$tree") -> ${target#"$REPO_ROOT"/}"
  done
}

install_node_packages() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || die "Node.js 20 or newer with npm is needed (https://nodejs.org); it is not installed"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js 20 or newer is needed; found $(node --version)"
  if [ ! -d "$REPO_ROOT/node_modules" ]; then
    log "npm ci at the repository root"
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund)
  fi
  log "building the plugin (npm run build)"
  (cd "$REPO_ROOT" && npm run build)
  # The example uses the repository's nx and plugin (npm workspaces link @stagecraft/nx there).
  if [ ! -e "$WORKSPACE/node_modules" ]; then
    ln -s ../../node_modules "$WORKSPACE/node_modules"
  fi
}

install_host_tools
make_base_rootfs
fetch_library_sources
make_example_repository "$WORKSPACE/repos/phosphor-settings.git"
if $PREPARE_ONLY; then
  log "inputs ready in ${WORKSPACE#"$REPO_ROOT"/}"
  exit 0
fi
install_node_packages
cd "$WORKSPACE"
# The settings stage follows a branch: its committed pin must still match the remote, and its source is fetched
# ahead, so the builds need no remote.
log "checking the pins: nx g @stagecraft/nx:lock --check"
npx nx g @stagecraft/nx:lock --check
log "fetching sources ahead: nx run-many -t sources"
npx nx run-many -t sources
log "running nx run-many -t docker-stage ${NX_ARGS[*]:-}"
npx nx run-many -t docker-stage "${NX_ARGS[@]}"
