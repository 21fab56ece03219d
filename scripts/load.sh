#!/usr/bin/env bash
# HTTP load figures for the read API and planning, on this machine.
# Usage: scripts/load.sh [sqlite|postgres]   (needs wrk: apt-get install wrk)
# Starts a release server on a free port with a fresh database, runs wrk against
# GET places, GET bundle (plain and gzip) and POST plans, and prints requests/s, p99 and the
# server's peak resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND="${1:-sqlite}"
DURATION="${DURATION:-15s}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-2}"
PORT="${PORT:-18080}"
SITE=eling-no2-factory

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -q --bin heritage-guide
BIN="${CARGO_TARGET_DIR:-target}/release/heritage-guide"
WORK=$(mktemp -d)
case "$BACKEND" in
  sqlite) DB="sqlite://$WORK/load.db" ;;
  postgres)
    ADMIN="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    NAME="hg_load_$$"
    psql "$ADMIN" -qc "CREATE DATABASE $NAME"
    DB="${ADMIN%/*}/$NAME" ;;
  *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac
# All load comes from one client address, so the per-IP rate limit is turned off here.
HG_RATE_LIMIT_PER_MIN=0 HG_TOKEN_RATE_LIMIT_PER_MIN=0 HG_LOG=warn "$BIN" --bind "127.0.0.1:$PORT" --database-url "$DB" --workers 2 serve &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"; [ "$BACKEND" = postgres ] && psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $NAME" || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
B="http://127.0.0.1:$PORT"

cat > "$WORK/plan.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"start":"factory-main-square","start_time":"2026-05-16T10:00:00+08:00","budget_min":180,"interests":["photography","film"]}'
LUA

run() {
  local name="$1"; shift
  local out
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@")
  local rps p99 errs
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errs=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  printf '%-34s %10s req/s   p99 %8s   non-2xx %s\n' "$name" "$rps" "$p99" "${errs:-0}"
}

echo "backend=$BACKEND duration=$DURATION connections=$CONNS wrk-threads=$THREADS server-workers=2 cores=$(nproc)"
run "GET places (50 per page)" "$B/v1/sites/$SITE/places"
run "GET places near+radius" "$B/v1/sites/$SITE/places?near=29.5538,106.5365&radius_m=300"
run "GET bundle" "$B/v1/sites/$SITE/bundle"
run "GET bundle (gzip)" -H "Accept-Encoding: gzip" "$B/v1/sites/$SITE/bundle"
run "GET bundle (If-None-Match → 304)" -H "If-None-Match: $(curl -s -D - -o /dev/null "$B/v1/sites/$SITE/bundle" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')" "$B/v1/sites/$SITE/bundle"
run "POST plans (3 h)" -s "$WORK/plan.lua" "$B/v1/sites/$SITE/plans"
echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)"
