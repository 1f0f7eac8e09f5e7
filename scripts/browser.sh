#!/usr/bin/env bash
# Makes sure a headless browser for the Selenium tests is installed: Debian's
# `chromium` and `chromium-driver` (no browser is downloaded at run time; these
# machines cannot). Idempotent: does nothing when both are present.
#
#   scripts/browser.sh ensure    install what is missing (as root), then print the paths
set -euo pipefail

LOG_PREFIX=browser
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

present() { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }

ensure() {
  if ! present; then
    # Another process of the suite may be installing at the same moment.
    exec 9>/tmp/project-browser-install.lock
    flock 9
    present || apt_install chromium chromium chromium-driver fonts-dejavu-core
  fi
  printf '%s\n%s\n' "$(command -v chromium)" "$(command -v chromedriver)"
}

case "${1:-ensure}" in
  ensure) ensure ;;
  *) die "usage: $0 ensure" ;;
esac
