#!/usr/bin/env bash
# Makes sure a headless browser for the Selenium tests is installed: Debian's
# `chromium` and `chromium-driver` (no browser is downloaded at run time; these
# machines cannot). Idempotent: does nothing when both are present.
#
#   scripts/browser.sh ensure    install what is missing (as root), then print the paths
#   scripts/browser.sh axe       axe-core (npm), the accessibility checker the
#                                tests inject into pages; prints its axe.min.js
#
# axe-core's version is pinned by tests/e2e/browser/axe-core/package-lock.json;
# it is installed into .local/ (git-ignored) once, and again when that changes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AXE_LOCK="$ROOT/tests/e2e/browser/axe-core"
AXE_DIR="$ROOT/.local/axe-core"

LOG_PREFIX=browser
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

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

ensure_axe() {
  npm_install_pinned axe-core "$AXE_LOCK" "$AXE_DIR"
  echo "$AXE_DIR/node_modules/axe-core/axe.min.js"
}

case "${1:-ensure}" in
  ensure) ensure ;;
  axe) ensure_axe ;;
  *) die "usage: $0 ensure|axe" ;;
esac
