# Shell helpers the scripts behind `make` share; each script sources this
# after setting LOG_PREFIX (its name in log lines).
#
#   log MESSAGE                 to stderr, prefixed
#   die MESSAGE                 to stderr, then exit 1
#   is_root
#   apt_install WHAT PACKAGE... install Debian packages (one `apt-get update`
#                               per script run); without root or apt-get, die
#                               with the command a person should run (and
#                               APT_HINT, when the script sets one)
#   lock NAME                   flock on $ROOT/.local/.NAME.lock until the script
#                               ends, so that two runs at once (or a test run
#                               and a person) install once
#   npm_install_pinned NAME LOCK_DIR INTO
#                               `npm ci` of LOCK_DIR's package.json and
#                               package-lock.json into INTO, once per version
#                               of the lock file (reinstalled when it changes),
#                               under `lock NAME`

log() { printf '[%s] %s\n' "$LOG_PREFIX" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$LOG_PREFIX" "$*" >&2
  exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }

APT_UPDATED=0
apt_install() {
  local what="$1"
  shift
  if ! is_root || ! command -v apt-get >/dev/null; then
    die "$what is missing. Install it with: sudo apt-get install -y $*${APT_HINT:+  $APT_HINT}"
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  log "installing $* from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

lock() {
  mkdir -p "$ROOT/.local"
  exec 9>"$ROOT/.local/.$1.lock"
  flock 9
}

npm_install_pinned() {
  local name="$1" lock_dir="$2" into="$3"
  local stamp="$into/.installed-$(sha256sum "$lock_dir/package-lock.json" | cut -c1-16)"
  lock "$name"
  if [ ! -f "$stamp" ]; then
    command -v npm >/dev/null || die "npm is needed for $name: sudo apt-get install -y npm"
    log "installing $name (npm ci, ${lock_dir#"$ROOT"/}/package-lock.json)"
    rm -rf "$into"
    mkdir -p "$into"
    cp "$lock_dir/package.json" "$lock_dir/package-lock.json" "$into/"
    npm ci --silent --no-audit --no-fund --ignore-scripts --prefix "$into" >&2
    touch "$stamp"
  fi
}
