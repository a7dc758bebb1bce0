#!/usr/bin/env bash
# Starts the web server, a Celery worker and Celery beat; Ctrl-C (or any of them dying) stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${PORT:-8000}
# The development profile for all three (DEBUG is off unless asked for); `make run` sets it too.
export DJANGO_DEBUG="${DJANGO_DEBUG:-True}"
# Links in emails and the issuer of logout tokens name the address this server listens on.
export PORTAL_BASE_URL="${PORTAL_BASE_URL:-http://127.0.0.1:$PORT}"
mkdir -p var

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$BIN/celery" -A foundry_licensing worker --loglevel INFO --concurrency 1 --hostname "worker@%h" &
pids+=($!)
"$BIN/celery" -A foundry_licensing beat --loglevel INFO &
pids+=($!)
"$BIN/python" manage.py runserver "127.0.0.1:$PORT" &
pids+=($!)

echo "Foundry licensing on http://127.0.0.1:$PORT/ (worker and beat running). Ctrl-C stops all."
# Return as soon as any of the three exits, so a crash is not hidden behind the others.
wait -n
