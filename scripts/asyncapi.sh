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
PARSER_LOCK="$ROOT/tests/common/asyncapi-parser"
PARSER_DIR="$ROOT/.local/asyncapi-parser"

LOG_PREFIX=asyncapi
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

ensure_parser() {
  npm_install_pinned asyncapi-parser "$PARSER_LOCK" "$PARSER_DIR"
  echo "$PARSER_DIR/node_modules"
}

case "${1:-parser}" in
parser) ensure_parser ;;
*) die "usage: scripts/asyncapi.sh parser" ;;
esac
