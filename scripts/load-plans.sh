#!/usr/bin/env bash
# Storage of stored plans under load, on this machine.
# Usage: scripts/load-plans.sh [sqlite|postgres]   (needs python3; PostgreSQL also needs psql)
# Starts a release server on a free port with a fresh database and the default limits, then for
# each request kind runs CLIENTS clients (default 4) posting plans for DURATION seconds (default
# 10) from one address, and prints the answers by status, the plans stored, their bytes per row
# (typical and largest) and how much the plans table grew.
# REQUEST_LIMIT=0 also turns the per-address request limit (HG_RATE_LIMIT_PER_MIN) off, leaving
# only the plan quotas.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND="${1:-sqlite}"
DURATION="${DURATION:-10}"
CLIENTS="${CLIENTS:-4}"
PORT="${PORT:-18081}"
SITE=eling-no2-factory

cargo build --release -q --bin heritage-guide
BIN="${CARGO_TARGET_DIR:-target}/release/heritage-guide"
WORK=$(mktemp -d)
case "$BACKEND" in
  sqlite) DB="sqlite://$WORK/load.db" ;;
  postgres)
    ADMIN="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    NAME="hg_load_plans_$$"
    psql "$ADMIN" -qc "CREATE DATABASE $NAME"
    DB="${ADMIN%/*}/$NAME" ;;
  *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac
ENVS=(HG_LOG=warn)
if [ "${REQUEST_LIMIT:-}" = 0 ]; then ENVS+=(HG_RATE_LIMIT_PER_MIN=0 HG_TOKEN_RATE_LIMIT_PER_MIN=0); fi
env "${ENVS[@]}" "$BIN" --bind "127.0.0.1:$PORT" --database-url "$DB" --workers 2 serve &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"; [ "$BACKEND" = postgres ] && psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $NAME" || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

# Bytes of the plans: the rows' JSON, and on disk the plans table with its indexes (PostgreSQL)
# or the database file with its write-ahead log (SQLite).
measure() {
  case "$BACKEND" in
    sqlite) python3 - "$WORK/load.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n, avg, mx, tot = c.execute("SELECT count(*), coalesce(avg(length(body_json)),0), coalesce(max(length(body_json)),0), coalesce(sum(length(body_json)),0) FROM plans").fetchone()
import os
size = sum(os.path.getsize(sys.argv[1] + x) for x in ("", "-wal") if os.path.exists(sys.argv[1] + x))
print(f"{n} {avg:.0f} {mx} {tot} {size}")
PY
    ;;
    postgres) psql "$DB" -Atc "SELECT count(*) || ' ' || coalesce(round(avg(length(body_json))),0) || ' ' || coalesce(max(length(body_json)),0) || ' ' || coalesce(sum(length(body_json)),0) || ' ' || pg_total_relation_size('plans') FROM plans" ;;
  esac
}

load() {
  local name="$1" body="$2" source="$3"
  local before after
  before=$(measure)
  python3 - "$PORT" "$SITE" "$DURATION" "$CLIENTS" "$body" "$source" <<'PY'
import http.client, json, sys, threading, time, collections
port, site, duration, clients, body, source = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
def conn():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
counts = collections.Counter()
lock = threading.Lock()
def client():
    c = conn()
    end = time.time() + duration
    while time.time() < end:
        c.request("POST", f"/v1/sites/{site}/plans", body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        with lock: counts[r.status] += 1
        if r.getheader("Connection", "").lower() == "close":
            c.close(); c = conn()
ts = [threading.Thread(target=client) for _ in range(clients)]
[t.start() for t in ts]; [t.join() for t in ts]
print("  answers:", dict(sorted(counts.items())), f"({sum(counts.values())/duration:.0f} requests/s)")
PY
  after=$(measure)
  read -r n0 _ _ sum0 disk0 <<<"$before"
  read -r n1 avg1 max1 sum1 disk1 <<<"$after"
  printf '  %s: %d plans stored in %ss; all rows: mean %s B, largest %s B; JSON +%d B; table on disk +%d B\n' \
    "$name" $((n1 - n0)) "$DURATION" "$avg1" "$max1" $((sum1 - sum0)) $((disk1 - disk0))
}

# A request as an app sends it.
TYPICAL='{"start":"factory-main-square","start_time":"2026-05-16T10:00:00+08:00","budget_min":180,"interests":["photography","film"]}'
# One interest repeated 7,500 times (once a 111-161 KB row): refused now.
REPEATED=$(python3 -c 'import json; print(json.dumps({"start":"factory-main-square","start_time":"2026-05-16T10:00:00+08:00","budget_min":180,"interests":["film"]*7500}))')
# The largest accepted: a full day from a point to an end, every interest, every list at 64
# items (repeats dropped), the longest texts.
LARGEST=$(python3 -c 'import json; print(json.dumps({"start":{"lat":29.5538,"lon":106.5365},"end":"liziba-station","start_time":"2026-05-16T08:00:00.000000000+08:00","budget_min":1440,"interests":(["photography","film","fans","history","architecture","shopping","food","views"]*8),"avoid":["love-rooftop"]*64,"must":["memory-terrace"]*64,"lang":"zh","pace":"packed","meals":True}))')

echo "backend=$BACKEND clients=$CLIENTS duration=${DURATION}s cores=$(nproc) load=$(cut -d' ' -f1 /proc/loadavg) request-limit=${REQUEST_LIMIT:-default}"
# Each kind from its own loopback address, so each starts with fresh per-address quotas.
load "typical (3 h)" "$TYPICAL" 127.0.0.2
load "7,500 repeated interests" "$REPEATED" 127.0.0.3
load "largest accepted (full day)" "$LARGEST" 127.0.0.4
echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)"
