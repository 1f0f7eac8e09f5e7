#!/usr/bin/env bash
# Runs every process of the system in the foreground under honcho (Procfile).
# `make run` calls this after `make services migrate topics`;
# `scripts/run.sh PROCESS...` runs only the named Procfile processes, with the
# same environment (for example `scripts/run.sh users-consumer`). Ctrl-C or
# SIGTERM stops every process; consumers and relays finish what they hold.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export PYTHONUNBUFFERED=1
# .env at the repository root, read as the Python entry points read it
# (common/env.py): a variable already in the environment wins.
eval "$(python -m common.env)"
# Both projects run from here: each takes its own settings module, since one
# DJANGO_SETTINGS_MODULE would be the other project's (common/env.py).
if [ -n "${DJANGO_SETTINGS_MODULE:-}" ]; then
  echo "ERROR: DJANGO_SETTINGS_MODULE is set ($DJANGO_SETTINGS_MODULE) but would apply to both projects;" >&2
  echo "unset it and set USERS_DJANGO_SETTINGS_MODULE / GAMES_DJANGO_SETTINGS_MODULE instead." >&2
  exit 1
fi
export USERS_DJANGO_SETTINGS_MODULE="${USERS_DJANGO_SETTINGS_MODULE:-users_project.settings.local}"
export GAMES_DJANGO_SETTINGS_MODULE="${GAMES_DJANGO_SETTINGS_MODULE:-games_project.settings.local}"
export USERS_PORT="${USERS_PORT:-8001}" GAMES_PORT="${GAMES_PORT:-8002}"
export CATALOG_STUB_PORT="${CATALOG_STUB_PORT:-8009}"
export USERS_JWKS_URL="${USERS_JWKS_URL:-http://127.0.0.1:$USERS_PORT/.well-known/jwks.json}"
# Where the browser pages link to each other (login at users, back to games).
export USERS_URL="${USERS_URL:-http://127.0.0.1:$USERS_PORT}" GAMES_URL="${GAMES_URL:-http://127.0.0.1:$GAMES_PORT}"

processes=(users-web games-web users-consumer games-consumer users-relay games-relay
  celery-worker celery-beat)
# The metrics ports with the Procfile's defaults.
ports=("$USERS_PORT" "$GAMES_PORT" "${USERS_CONSUMER_METRICS_PORT:-9101}" "${GAMES_CONSUMER_METRICS_PORT:-9102}"
  "${USERS_RELAY_METRICS_PORT:-9103}" "${GAMES_RELAY_METRICS_PORT:-9104}")
if [ -z "${GAMES_API_BASE_URL:-}" ]; then
  # No upstream configured: use the stand-in (the machine has no internet).
  export GAMES_API_BASE_URL="http://127.0.0.1:$CATALOG_STUB_PORT/api"
  processes+=(catalog-stub)
  ports+=("$CATALOG_STUB_PORT")
else
  echo "Using the games API at $GAMES_API_BASE_URL"
fi
processes+=(ready)

if [ $# -gt 0 ]; then
  # Only the processes asked for; honcho itself says if a port is taken.
  processes=("$@")
  ports=()
fi

for port in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "ERROR: port $port on 127.0.0.1 is already taken (another 'make run'?)." >&2
    echo "Stop what holds it ('ss -ltnp | grep :$port' shows it) and try again." >&2
    exit 1
  fi
done

mkdir -p .local/metrics
echo "Development run: DEBUG settings ($USERS_DJANGO_SETTINGS_MODULE, $GAMES_DJANGO_SETTINGS_MODULE), plain HTTP, development keys; not for production (see docs/security.md)."
# --env /dev/null: .env is already in the environment above; honcho's own
# reading would let the file override variables set in the shell.
exec honcho --procfile Procfile --env /dev/null start "${processes[@]}"
