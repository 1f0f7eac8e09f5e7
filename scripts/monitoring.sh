#!/usr/bin/env bash
# Tools the monitoring configuration (infra/prometheus, infra/grafana) is
# checked with. Idempotent: a second run finds what the first one fetched.
#
#   scripts/monitoring.sh promtool    print the path of a promtool, fetching
#                                     Debian's pinned prometheus package when
#                                     none is installed
#
# The package is unpacked into .local/tools (git-ignored), not installed: it
# needs no root, and no Prometheus daemon gets set up on the machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.local/tools"
PROMETHEUS_DEB_VERSION="2.42.0+ds-5+deb12u1"  # Debian 12's prometheus package

LOG_PREFIX=monitoring
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

ensure_promtool() {
  local unpacked="$TOOLS/prometheus-$PROMETHEUS_DEB_VERSION"
  if [ -x "$unpacked/usr/bin/promtool" ]; then
    echo "$unpacked/usr/bin/promtool"
    return
  fi
  if command -v promtool >/dev/null; then
    command -v promtool
    return
  fi
  command -v apt-get >/dev/null || { log "no promtool and no apt-get: install Prometheus' promtool"; exit 1; }
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  log "fetching Debian's prometheus $PROMETHEUS_DEB_VERSION for promtool"
  if ! (cd "$work" && apt-get download -q "prometheus=$PROMETHEUS_DEB_VERSION" >&2); then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq >&2
      (cd "$work" && apt-get download -q "prometheus=$PROMETHEUS_DEB_VERSION" >&2)
    else
      log "apt-get download failed; run 'sudo apt-get update' and try again"
      exit 1
    fi
  fi
  mkdir -p "$TOOLS"
  dpkg-deb -x "$work"/prometheus_*.deb "$work/unpacked"
  rm -rf "$unpacked"
  mv "$work/unpacked" "$unpacked"
  echo "$unpacked/usr/bin/promtool"
}

case "${1:-}" in
  promtool) ensure_promtool ;;
  *)
    echo "usage: $0 promtool" >&2
    exit 2
    ;;
esac
