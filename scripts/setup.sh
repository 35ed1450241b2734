#!/usr/bin/env bash
# Shared set-up for scripts/run_app.sh and scripts/run_tests.sh: a venv with the pinned
# requirements and, for the tests, the Debian packages the integration tests drive.
# Idempotent: each step is skipped when already done.
#   usage: scripts/setup.sh [app|test]
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
PY="${PYTHON:-python3}"

need_apt=()
if [ "$mode" = test ]; then
  # headless browser for tests/browser; PostgreSQL + PostGIS for the PostGIS store tests
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/postgis.control ] || need_apt+=(postgresql-15-postgis-3)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "setup: installing Debian packages: ${need_apt[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# A stamp per requirements content: the test set includes the app set, so its stamp
# satisfies the app too.
app_stamp=".venv/.installed-app-$(cat requirements.txt | sha256sum | cut -c1-16)"
test_stamp=".venv/.installed-test-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)"
if [ "$mode" = test ]; then req="requirements-dev.txt"; stamp="$test_stamp"; else req="requirements.txt"; stamp="$app_stamp"; fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PY" -m venv .venv
fi
if [ ! -f "$stamp" ] && { [ "$mode" = test ] || [ ! -f "$test_stamp" ]; }; then
  echo "setup: installing $req into .venv" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
  touch "$stamp"
fi
