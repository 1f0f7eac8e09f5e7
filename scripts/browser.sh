#!/usr/bin/env bash
# Makes sure a headless browser for the Selenium tests is installed: Debian's
# `chromium` and `chromium-driver` (no browser is downloaded at run time; these
# machines cannot). Idempotent: does nothing when both are present.
#
#   scripts/browser.sh ensure    install what is missing (as root), then print the paths
set -euo pipefail

log() { printf '[browser] %s\n' "$*" >&2; }
die() {
  printf '[browser] ERROR: %s\n' "$*" >&2
  exit 1
}

present() { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }

ensure() {
  if ! present; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
      die "chromium is missing. Install it with: sudo apt-get install -y chromium chromium-driver"
    fi
    # Another process of the suite may be installing at the same moment.
    exec 9>/tmp/project-browser-install.lock
    flock 9
    if ! present; then
      log "apt-get update"
      apt-get update -qq >/dev/null
      log "installing chromium chromium-driver from Debian's packages"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver fonts-dejavu-core >/dev/null
    fi
  fi
  printf '%s\n%s\n' "$(command -v chromium)" "$(command -v chromedriver)"
}

case "${1:-ensure}" in
  ensure) ensure ;;
  *) die "usage: $0 ensure" ;;
esac
