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
