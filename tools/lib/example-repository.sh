# The example's git remote: a bare repository on disk that the `settings` stage follows (its main branch) through
# the lock. It is made by a script rather than committed, and made the same on every machine: fixed identity,
# fixed dates and fixed content give the same commit ids, so the pin committed in settings/stage.lock.json
# names a commit that every fresh clone's repository has.
#
#   make_example_repository <path of the bare repository>
make_example_repository() {
  local bare="$1" work
  if [ -d "$bare" ]; then
    log "settings: $bare exists; delete it to make it again"
    return 0
  fi
  work="$(mktemp -d "${TMPDIR:-/var/tmp}/stagecraft-example-repo.XXXXXX")"
  example_git() {
    GIT_AUTHOR_NAME='Stagecraft Example' GIT_AUTHOR_EMAIL='example@stagecraft.invalid' \
      GIT_COMMITTER_NAME='Stagecraft Example' GIT_COMMITTER_EMAIL='example@stagecraft.invalid' \
      GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" \
      git -C "$work" -c commit.gpgsign=false -c tag.gpgsign=false -c core.autocrlf=false "${@:2}"
  }
  git init -q --initial-branch=main "$work"
  printf 'hostname: openbmc\nlogging: info\nversion: 1.0.0\n' >"$work/settings.yaml"
  example_git '2026-01-05T12:00:00Z' add settings.yaml
  example_git '2026-01-05T12:00:00Z' commit -q -m 'settings 1.0.0'
  example_git '2026-01-05T12:00:00Z' tag v1.0.0
  printf 'hostname: openbmc\nlogging: debug\nversion: 1.1.0-dev\n' >"$work/settings.yaml"
  example_git '2026-02-02T12:00:00Z' commit -q -a -m 'settings: debug logging on main'
  mkdir -p "$(dirname "$bare")"
  git clone -q --bare "$work" "$bare.partial"
  mv "$bare.partial" "$bare"
  rm -rf "$work"
  log "settings: made $bare (main at $(git --git-dir="$bare" rev-parse main))"
}
