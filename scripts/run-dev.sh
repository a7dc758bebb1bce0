#!/usr/bin/env bash
# Starts the web server, a Celery worker, Celery beat and the example application (the stand-in
# for the licensed product, signing in through the portal); Ctrl-C (or any of them dying) stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(cd "${BIN:-.venv/bin}" && pwd)
PORT=${PORT:-8000}
APP_PORT=${APP_PORT:-$((PORT + 1))}
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
app_line=""
# Its settings (issuer, client id and secret), written by `seed_demo --example-app`.
EXAMPLE_APP_ENV=${EXAMPLE_APP_ENV:-var/example-app.env}
if [ -f "$EXAMPLE_APP_ENV" ]; then
  (
    set -a
    . "$EXAMPLE_APP_ENV"
    set +a
    cd examples/foundry_app
    exec "$BIN/python" manage.py runserver "127.0.0.1:$APP_PORT"
  ) &
  pids+=($!)
  app_line=$'\n'"Foundry, the example application, on http://127.0.0.1:$APP_PORT/: sign in there as user1…user4@acme.example."
fi

echo "Foundry licensing on http://127.0.0.1:$PORT/ (worker and beat running). Ctrl-C stops all.$app_line"
# Return as soon as any of them exits, so a crash is not hidden behind the others.
wait -n
