#!/usr/bin/env bash
# Runs the suite once per Django project: pytest-django loads one settings
# module per process. tests/common runs under both, since both projects
# install the common app; tests/e2e starts both services as processes. Any
# failing run fails the whole; pytest's exit 5 ("no tests collected") does
# too, unless the caller's own selection (-k, a path) left a run empty.
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
# With a selection of the caller's (`scripts/run_tests.sh -k outbox`), a run
# that selects nothing is fine as long as another run selects something;
# without one, every run must collect tests.
failed=0 selected=0
for i in "${!names[@]}"; do
  case "${codes[$i]}" in
    0)
      echo "pytest ${names[$i]}: passed"
      selected=1
      ;;
    5)
      if [ $# -gt 0 ]; then
        echo "pytest ${names[$i]}: no test matched the selection"
      else
        echo "pytest ${names[$i]}: FAILED (no test collected)"
        failed=1
      fi
      ;;
    *)
      echo "pytest ${names[$i]}: FAILED (exit ${codes[$i]})"
      failed=1
      ;;
  esac
done
if [ "$selected" = 0 ] && [ "$failed" = 0 ]; then
  echo "no test matched the selection in any run"
  failed=1
fi
exit $failed
