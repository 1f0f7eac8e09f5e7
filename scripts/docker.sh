#!/usr/bin/env bash
# Makes `docker compose up --build` possible on a Debian machine, idempotently:
# installs Docker's engine and compose from Debian's packages, starts dockerd
# when it is not running, and builds the one base image every Dockerfile of
# the repository starts from (debian:bookworm-slim) with debootstrap, from
# Debian's packages, when it cannot be had otherwise (no image is ever pulled).
#
#   scripts/docker.sh ensure        all of the above; prints why when it cannot
#   scripts/docker.sh why-not       exit 0 if an engine can run here, else say why (exit 3)
#   scripts/docker.sh base          the base image only
#   scripts/docker.sh compose ARGS  docker compose (v2 plugin or Debian's docker-compose)
#                                   on docker-compose.yml, with the build arguments set
#
# Environment:
#   DEBIAN_MIRROR     mirror for debootstrap (default: the host's apt mirror)
#   EXTRA_CA_BUNDLE   a PEM file of extra CA certificates the image builds must
#                     trust (a TLS-intercepting proxy); default: the certificates
#                     added to this host (/usr/local/share/ca-certificates/*.crt)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The FROM of every Dockerfile in the repository (tests/deploy checks they agree).
BASE_IMAGE=debian:bookworm-slim
SUITE="${BASE_IMAGE##*:}"
SUITE="${SUITE%%-*}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
CACHE="$ROOT/.local/docker"

LOG_PREFIX=docker
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
cannot() {
  # Not an error of the project: this machine cannot run an engine.
  printf '[docker] CANNOT RUN: %s\n' "$*" >&2
  exit 3
}
engine_answers() { docker info >/dev/null 2>&1; }

# Why no engine can run here, or nothing when one can (or already does).
why_not() {
  [ "$(uname -s)" = Linux ] || {
    echo "not Linux ($(uname -s)): use Docker Desktop or run without Docker (make run)"
    return
  }
  if command -v docker >/dev/null && engine_answers; then
    return
  fi
  is_root || {
    echo "no Docker engine answers and only root can install and start one (run as root, or start dockerd and let this user use it)"
    return
  }
  command -v dockerd >/dev/null || command -v apt-get >/dev/null || {
    echo "dockerd is missing and there is no apt-get to install it"
    return
  }
}

compose_cmd() {
  if docker compose version >/dev/null 2>&1; then
    echo "docker compose"
  elif command -v docker-compose >/dev/null; then
    echo "docker-compose"
  fi
}

install_tools() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  # Debian ships compose v1 (docker-compose 1.29); a v2 plugin, where one is
  # installed, is used instead.
  [ -n "$(compose_cmd)" ] || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
    # The package scripts start the daemon where there is an init system;
    # start_engine below does it where there is none.
    apt_install "${missing[*]}" "${missing[@]}" iptables
  fi
}

start_engine() {
  engine_answers && return
  log "starting dockerd (log: $DOCKERD_LOG)"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # setsid: the daemon outlives the make/pytest process that started it.
  # 9>&-: not the caller's lock (lib.sh's lock), which it would hold for good.
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 120); do
    engine_answers && break
    kill -0 $! 2>/dev/null || break
    sleep 0.5
  done
  if ! engine_answers; then
    tail -n 15 "$DOCKERD_LOG" >&2 || true
    cannot "dockerd did not start on this machine (see $DOCKERD_LOG above)"
  fi
  log "dockerd: $(docker info --format '{{.ServerVersion}}, storage {{.Driver}}')"
}

host_mirror() {
  # The mirror the host's apt uses reaches Debian from here; default deb.debian.org.
  local mirror
  mirror="$(grep -rhoE '^(URIs:|deb)\s+https?://[^ ]+/debian/?(\s|$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
    grep -oE 'https?://[^ ]+' | head -n 1 || true)"
  echo "${DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}"
}

build_base() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base image $BASE_IMAGE: present"
    return
  fi
  is_root || cannot "the base image $BASE_IMAGE is missing and only root can make it with debootstrap"
  local mirror rootfs started=$SECONDS
  mirror="$(host_mirror)"
  rootfs="$(mktemp -d /var/tmp/rootfs.XXXXXX)"
  log "base image $BASE_IMAGE: debootstrap $SUITE from $mirror (a few minutes, once)"
  if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    tail -n 20 "$rootfs.log" >&2
    rm -rf "$rootfs"
    die "debootstrap failed (see above); set DEBIAN_MIRROR to a reachable Debian mirror"
  fi
  # The same suites as the host: updates and security fixes, so the packages
  # (and their versions) are the ones `make services` installs.
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb ${mirror%/debian*}/debian-security $SUITE-security main
EOF
  # As the official slim image: no recommends, no docs, no caches.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$rootfs/etc/apt/apt.conf.d/90slim"
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-include /usr/share/doc/*/copyright\n' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/90slim"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  tar -C "$rootfs" -c . | docker import \
    --change 'CMD ["bash"]' \
    --change 'ENV LANG=C.UTF-8' \
    --message "debootstrap --variant=minbase $SUITE $mirror" \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
  log "base image $BASE_IMAGE: built in $((SECONDS - started))s"
}

extra_ca_certs() {
  # The PEM text of the extra CA certificates, for the EXTRA_CA_CERTS build
  # argument. The whole system bundle would be too long for one environment
  # variable (128 KiB), and the image has Debian's own anyway.
  if [ -n "${EXTRA_CA_BUNDLE:-}" ]; then
    [ -r "$EXTRA_CA_BUNDLE" ] || die "EXTRA_CA_BUNDLE=$EXTRA_CA_BUNDLE is not a readable file"
    cat "$EXTRA_CA_BUNDLE"
  elif compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cat /usr/local/share/ca-certificates/*.crt
  fi
}

ensure() {
  local reason started=$SECONDS
  reason="$(why_not)"
  [ -z "$reason" ] || cannot "$reason"
  install_tools
  start_engine
  build_base
  mkdir -p "$CACHE"
  log "ready in $((SECONDS - started))s: $(compose_cmd) ($($(compose_cmd) version --short 2>/dev/null || true))"
}

case "${1:-ensure}" in
  ensure) ensure ;;
  why-not)
    reason="$(why_not)"
    [ -z "$reason" ] || {
      echo "$reason"
      exit 3
    }
    ;;
  base) build_base ;;
  compose)
    shift
    cmd="$(compose_cmd)"
    [ -n "$cmd" ] || die "no docker compose: run 'scripts/docker.sh ensure' first"
    EXTRA_CA_CERTS="${EXTRA_CA_CERTS:-$(extra_ca_certs)}"
    export EXTRA_CA_CERTS
    cd "$ROOT"
    exec $cmd "$@"
    ;;
  *) die "usage: $0 ensure|why-not|base|compose ARGS" ;;
esac
