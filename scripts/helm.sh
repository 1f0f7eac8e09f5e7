#!/usr/bin/env bash
# The tools the Helm chart's checks need (tests/deploy/test_helm_chart.py),
# installed idempotently into .local/ (git-ignored) and reused afterwards:
#
#   scripts/helm.sh helm      the helm binary, built from its Go module; prints its path
#   scripts/helm.sh strimzi   Strimzi's CRD schemas (an npm package); prints their folder
#   scripts/helm.sh ensure    both
#
# helm is built with `go install` (about 4 minutes on 2 cores the first time):
# the machines reach the Go module proxy but no download site for binaries.
# Strimzi publishes no schema package of its own; @kubernetes-models ships
# its CRDs' OpenAPI schemas, compiled into validators (ajv), in the npm
# package pinned by tests/deploy/strimzi-schemas/package-lock.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
HELM_VERSION="v4.3.2"
HELM_BIN="$LOCAL/bin/helm"
STRIMZI_PACKAGE="@kubernetes-models/strimzi-kafka-operator"
STRIMZI_LOCK="$ROOT/tests/deploy/strimzi-schemas"
STRIMZI_DIR="$LOCAL/strimzi-schemas"

LOG_PREFIX=helm
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

mkdir -p "$LOCAL/bin"
helm_ok() { [ -x "$HELM_BIN" ] && "$HELM_BIN" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; }

ensure_helm() {
  lock helm
  if ! helm_ok; then
    local go
    go="$(command -v go || echo /usr/local/go/bin/go)"
    [ -x "$go" ] || die "Go is needed to build helm $HELM_VERSION (https://go.dev/doc/install); or put helm $HELM_VERSION at $HELM_BIN"
    log "building helm $HELM_VERSION with $("$go" version | cut -d' ' -f3) (a few minutes, once)"
    # The flags helm's own Makefile sets for a release build. helm v4 takes
    # the Kubernetes version `helm template` and `helm lint` default to from
    # the k8s.io/client-go module it is built with (v0.37: Kubernetes 1.37),
    # which `go install` records in the binary.
    local ldflags="-w -s -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
    ldflags+=" -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
    GOBIN="$LOCAL/bin" GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
      "$go" install -ldflags "$ldflags" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
    helm_ok || die "built helm does not report $HELM_VERSION"
  fi
  echo "$HELM_BIN"
}

ensure_strimzi() {
  npm_install_pinned strimzi "$STRIMZI_LOCK" "$STRIMZI_DIR"
  echo "$STRIMZI_DIR/node_modules/$STRIMZI_PACKAGE"
}

case "${1:-ensure}" in
helm) ensure_helm ;;
strimzi) ensure_strimzi ;;
ensure)
  ensure_helm
  ensure_strimzi
  ;;
*) die "usage: scripts/helm.sh helm|strimzi|ensure" ;;
esac
