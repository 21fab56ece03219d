#!/usr/bin/env bash
# Sustained rating writes per second, with zero lost acknowledged writes, on SQLite and PostgreSQL.
# Usage: scripts/load-ratings.sh [sqlite|postgres|both]   (default: both)
# For each backend: starts a release server on a free port with a fresh database (rate limits
# off, a known signing secret), runs examples/load_ratings.rs against it for DURATION seconds with
# CONCURRENCY requests in flight, then counts the rows in the database: every acknowledged write
# (201) must be there, and the aggregates must equal a rebuild from the raw rows. Prints one JSON
# report per backend; exits non-zero on any lost write.
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH="${1:-both}"
DURATION="${DURATION:-20}"
CONCURRENCY="${CONCURRENCY:-32}"
WORKERS="${WORKERS:-2}"
ADMIN="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export HG_JWT_SECRET="load-test-secret-$(date +%s)-0123456789abcdef0123"

cargo build --release -q --bin heritage-guide --example load_ratings

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run() {
  local backend=$1 work db name="" port pid
  work=$(mktemp -d)
  case "$backend" in
    sqlite) db="sqlite://$work/load.db" ;;
    postgres)
      name="hg_load_$$_$RANDOM"
      psql "$ADMIN" -qc "CREATE DATABASE $name"
      db="${ADMIN%/*}/$name" ;;
  esac
  port=$(free_port)
  HG_LOG=warn HG_RATE_LIMIT_PER_MIN=0 HG_TOKEN_RATE_LIMIT_PER_MIN=0 HG_SNAPSHOT_INTERVAL_MIN=0 \
    ./target/release/heritage-guide --bind "127.0.0.1:$port" --database-url "$db" \
    --workers "$WORKERS" serve &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  local status=0
  ./target/release/examples/load_ratings --url "http://127.0.0.1:$port" --database-url "$db" \
    --duration-s "$DURATION" --concurrency "$CONCURRENCY" || status=$?
  echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
  [ -n "$name" ] && psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $name"
  return $status
}

echo "cores=$(nproc) server-workers=$WORKERS concurrency=$CONCURRENCY duration=${DURATION}s"
case "$WHICH" in
  sqlite|postgres) run "$WHICH" ;;
  both) run sqlite; run postgres ;;
  *) echo "backend: sqlite, postgres or both" >&2; exit 2 ;;
esac
