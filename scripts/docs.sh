#!/usr/bin/env bash
# What the docs site needs beyond its Python packages, installed idempotently
# into .local/ (git-ignored) and reused afterwards:
#
#   scripts/docs.sh mermaid   Mermaid's browser bundle (npm `mermaid`); prints its path
#
# Material for MkDocs fetches Mermaid from a CDN when a page shows a diagram,
# unless the page has loaded it already. The site serves this pinned copy
# instead (scripts/docs_mermaid.py copies it in), so the diagrams are drawn
# offline too, and no third party sees who reads the docs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
# The 11.x series Material for MkDocs 9.7 is written against; the integrity
# is npm's own (`npm view mermaid@VERSION dist.integrity`).
MERMAID_VERSION=11.17.2
MERMAID_INTEGRITY="sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47lAbhMRD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg=="
MERMAID_DIR="$LOCAL/docs/mermaid-$MERMAID_VERSION"

LOG_PREFIX=docs
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

ensure_mermaid() {
  local bundle="$MERMAID_DIR/mermaid.min.js"
  mkdir -p "$LOCAL/docs"
  # Two builds at once (a test run and `make docs`) fetch once.
  exec 9>"$LOCAL/docs/.mermaid.lock"
  flock 9
  if [ ! -f "$bundle" ]; then
    command -v npm >/dev/null || die "npm is needed for the docs site's diagrams: sudo apt-get install -y npm"
    log "fetching mermaid $MERMAID_VERSION (npm pack)"
    local work
    work="$(mktemp -d)"
    # Only the one self-contained browser bundle is used: pack, not install.
    (cd "$work" && npm pack "mermaid@$MERMAID_VERSION" --silent >/dev/null)
    local got
    got="sha512-$(openssl dgst -sha512 -binary "$work/mermaid-$MERMAID_VERSION.tgz" | base64 -w0)"
    [ "$got" = "$MERMAID_INTEGRITY" ] || die "mermaid-$MERMAID_VERSION.tgz is not the pinned one ($got)"
    tar -xzf "$work/mermaid-$MERMAID_VERSION.tgz" -C "$work" package/dist/mermaid.min.js
    mkdir -p "$MERMAID_DIR"
    mv "$work/package/dist/mermaid.min.js" "$bundle.partial"
    mv "$bundle.partial" "$bundle"
    rm -rf "$work"
  fi
  echo "$bundle"
}

case "${1:-}" in
mermaid) ensure_mermaid ;;
*) die "usage: scripts/docs.sh mermaid" ;;
esac
