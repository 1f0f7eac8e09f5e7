#!/usr/bin/env bash
# Runs the suite once per Django project: pytest-django loads one settings
# module per process. tests/common runs under both, since both projects
# install the common app; tests/e2e starts both services as processes. Any failing run (including pytest's exit 5, "no
# tests collected") fails the whole.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"

declare -a names=() codes=()
run() {
  local name="$1"
  shift
  echo
  echo "=== pytest: $name ==="
  "$PY" -m pytest "$@"
  local code=$?
  names+=("$name")
  codes+=("$code")
}

run users --ds=users_project.settings.test tests/users tests/common "$@"
run games --ds=games_project.settings.test tests/games tests/common "$@"
# Both services as real processes; needs no project's test database.
run e2e --ds=users_project.settings.test tests/e2e "$@"
run deploy --ds=users_project.settings.test tests/deploy "$@"

echo
failed=0
for i in "${!names[@]}"; do
  if [ "${codes[$i]}" -eq 0 ]; then
    echo "pytest ${names[$i]}: passed"
  else
    echo "pytest ${names[$i]}: FAILED (exit ${codes[$i]})"
    failed=1
  fi
done
exit $failed
