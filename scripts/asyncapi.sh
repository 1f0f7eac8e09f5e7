#!/usr/bin/env bash
# The AsyncAPI parser the event API's check needs (tests/common/test_asyncapi.py),
# installed idempotently into .local/ (git-ignored) and reused afterwards:
#
#   scripts/asyncapi.sh parser   @asyncapi/parser (an npm package); prints its node_modules folder
#
# The version, and every package under it, is pinned by
# tests/common/asyncapi-parser/package-lock.json; it is reinstalled when that changes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
PARSER_PACKAGE="@asyncapi/parser"
PARSER_LOCK="$ROOT/tests/common/asyncapi-parser"
PARSER_DIR="$LOCAL/asyncapi-parser"

LOG_PREFIX=asyncapi
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

ensure_parser() {
  local stamp="$PARSER_DIR/.installed-$(sha256sum "$PARSER_LOCK/package-lock.json" | cut -c1-16)"
  mkdir -p "$LOCAL"
  # Two test runs at once (or a test run and a person) install once.
  exec 9>"$LOCAL/.asyncapi-parser.lock"
  flock 9
  if [ ! -f "$stamp" ]; then
    command -v npm >/dev/null || die "npm is needed for the AsyncAPI parser: sudo apt-get install -y npm"
    log "installing $PARSER_PACKAGE (npm ci, tests/common/asyncapi-parser/package-lock.json)"
    rm -rf "$PARSER_DIR"
    mkdir -p "$PARSER_DIR"
    cp "$PARSER_LOCK/package.json" "$PARSER_LOCK/package-lock.json" "$PARSER_DIR/"
    npm ci --silent --no-audit --no-fund --ignore-scripts --prefix "$PARSER_DIR" >&2
    touch "$stamp"
  fi
  echo "$PARSER_DIR/node_modules"
}

case "${1:-parser}" in
parser) ensure_parser ;;
*) die "usage: scripts/asyncapi.sh parser" ;;
esac
