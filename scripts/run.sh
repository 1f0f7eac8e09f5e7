#!/usr/bin/env bash
# Runs every process of the system in the foreground under honcho (Procfile).
# `make run` calls this after `make services migrate topics`. Ctrl-C or
# SIGTERM stops every process; consumers and relays finish what they hold.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export PYTHONUNBUFFERED=1
export USERS_DJANGO_SETTINGS_MODULE="${USERS_DJANGO_SETTINGS_MODULE:-users_project.settings.local}"
export GAMES_DJANGO_SETTINGS_MODULE="${GAMES_DJANGO_SETTINGS_MODULE:-games_project.settings.local}"
export USERS_PORT="${USERS_PORT:-8001}" GAMES_PORT="${GAMES_PORT:-8002}"
export CATALOG_STUB_PORT="${CATALOG_STUB_PORT:-8009}"
export USERS_JWKS_URL="${USERS_JWKS_URL:-http://127.0.0.1:$USERS_PORT/.well-known/jwks.json}"

processes=(users-web games-web users-consumer games-consumer users-relay games-relay
  celery-worker celery-beat)
ports=("$USERS_PORT" "$GAMES_PORT" 9101 9102 9103 9104)
if [ -z "${GAMES_API_BASE_URL:-}" ]; then
  # No upstream configured: use the stand-in (the machine has no internet).
  export GAMES_API_BASE_URL="http://127.0.0.1:$CATALOG_STUB_PORT/api"
  processes+=(catalog-stub)
  ports+=("$CATALOG_STUB_PORT")
else
  echo "Using the games API at $GAMES_API_BASE_URL"
fi
processes+=(ready)

for port in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "ERROR: port $port on 127.0.0.1 is already taken (another 'make run'?)." >&2
    echo "Stop what holds it ('ss -ltnp | grep :$port' shows it) and try again." >&2
    exit 1
  fi
done

mkdir -p .local/metrics
echo "Development run: DEBUG settings ($USERS_DJANGO_SETTINGS_MODULE, $GAMES_DJANGO_SETTINGS_MODULE), plain HTTP, development keys; not for production (see README, Security)."
exec honcho --procfile Procfile start "${processes[@]}"
