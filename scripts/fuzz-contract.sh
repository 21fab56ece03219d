#!/usr/bin/env bash
# Fuzzes the HTTP contract: a fresh server (SQLite in a temporary data directory) is driven by
# Schemathesis from openapi.yaml with every check, positive and negative data, and stateful
# sequences along the spec's links. Any failure exits non-zero. The generated-client check
# (scripts/client-check.sh) runs first.
#
# Settings (environment):
#   FUZZ_MAX_EXAMPLES  test cases per operation and phase (default 30)
#   FUZZ_MAX_TIME      seconds the Schemathesis run may take at most (default: unbounded)
#   FUZZ_SEED          random seed (default: a new one each run, printed in the report)
#   FUZZ_WORKERS       concurrent Schemathesis workers (default 1; Hypothesis is not thread-safe
#                      on Python 3.11)
#   FUZZ_PROFILE       release (default) or debug: which build of the server to fuzz
#   FUZZ_BINARY        a server binary to fuzz as it is (no build)
#   FUZZ_REPORT_DIR    where the JUnit and NDJSON reports go (default target/fuzz-report)
#   FUZZ_SKIP_CLIENT_CHECK=1  skip the generated-client check
#   FUZZ_BASELINE_UPDATE=1    add this run's failures to scripts/fuzz/baseline.json (known
#                      failures that do not fail the run; each must be listed in docs/contract.md)
# The Python tools live in a virtualenv under target/ (created once, reused).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-30}"
WORKERS="${FUZZ_WORKERS:-1}"
PROFILE="${FUZZ_PROFILE:-release}"
REPORT_DIR="${FUZZ_REPORT_DIR:-target/fuzz-report}"
VENV=target/fuzz-venv

started=$(date +%s)

if [ "${FUZZ_SKIP_CLIENT_CHECK:-}" != 1 ]; then
  bash scripts/client-check.sh
fi

echo "== Schemathesis $SCHEMATHESIS_VERSION in $VENV"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ -n "${FUZZ_BINARY:-}" ]; then PROFILE=given; BIN="$FUZZ_BINARY"; fi
echo "== the server ($PROFILE build)"
case "$PROFILE" in
  given) ;;
  release) cargo build --release --bin heritage-guide; BIN=target/release/heritage-guide ;;
  # The binary as the test suite builds it (its feature set; `cargo build` alone would rebuild
  # the dependencies with another one), so after `scripts/test` this builds nothing.
  debug) cargo test -p heritage-guide --no-run --test cli; BIN=target/debug/heritage-guide ;;
  *) echo "FUZZ_PROFILE must be release or debug" >&2; exit 2 ;;
esac

DATA=$(mktemp -d "${TMPDIR:-/tmp}/hg-fuzz.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

# The server's settings: its own database and data directory, a free port, rate limits and
# sign-in throttling off (0) so thousands of requests from one address are not refused, and
# access tokens that outlive the run.
export HG_DATA_DIR="$DATA" DATABASE_URL="sqlite://$DATA/heritage-guide.db"
export HG_BIND=127.0.0.1:0 HG_WORKERS=2 HG_LOG="${FUZZ_SERVER_LOG:-warn,heritage_guide=info}"
export HG_RATE_LIMIT_PER_MIN=0 HG_TOKEN_RATE_LIMIT_PER_MIN=0
export HG_LOGIN_ATTEMPTS_PER_USERNAME=0 HG_LOGIN_ATTEMPTS_PER_IP=0
export HG_ACCESS_TOKEN_TTL_S=86400
unset REDIS_URL HG_CONFIG

"$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER_PID=$!
BASE=
for _ in $(seq 1 300); do
  BASE=$(grep -o 'listening on http://[0-9.:]*' "$DATA/server.log" | head -1 | sed 's/listening on //') || true
  [ -n "$BASE" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$BASE" ] || { echo "the server did not start" >&2; cat "$DATA/server.log" >&2; exit 1; }
curl -sf "$BASE/healthz" >/dev/null
echo "server at $BASE (data in $DATA)"

# An admin account from the shell, then the sign-in route and a visitor token to prove both work;
# the hooks fetch tokens the same way during the run.
ADMIN=fuzz-admin
PASSWORD="fuzz-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
echo "$PASSWORD" | "$BIN" user add --username "$ADMIN" --role admin >/dev/null
curl -sf -XPOST -H 'Content-Type: application/json' "$BASE/v1/auth/login" \
  -d "{\"username\":\"$ADMIN\",\"password\":\"$PASSWORD\"}" | grep -q access_token
curl -sf -XPOST -H 'Content-Type: application/json' "$BASE/v1/auth/visitor" \
  -d '{"site":"eling-no2-factory"}' | grep -q access_token

echo "== Schemathesis: every check, phases examples, coverage, fuzzing, stateful"
mkdir -p "$REPORT_DIR"
args=(--config-file scripts/fuzz/schemathesis.toml run openapi.yaml --url "$BASE" --checks all
  --phases examples,coverage,fuzzing,stateful --mode all
  --max-examples "$MAX_EXAMPLES" --workers "$WORKERS"
  --request-timeout 30 --continue-on-failure --suppress-health-check all
  --generation-database none --no-color
  --report junit,ndjson --report-dir "$REPORT_DIR")
[ -n "${FUZZ_MAX_TIME:-}" ] && args+=(--max-time "$FUZZ_MAX_TIME")
[ -n "${FUZZ_SEED:-}" ] && args+=(--seed "$FUZZ_SEED")
# Known failures not fixed yet (each listed in docs/contract.md); anything else fails the run.
BASELINE=scripts/fuzz/baseline.json
if [ -f "$BASELINE" ] || [ "${FUZZ_BASELINE_UPDATE:-}" = 1 ]; then args+=(--baseline "$BASELINE"); fi
[ "${FUZZ_BASELINE_UPDATE:-}" = 1 ] && args+=(--baseline-update)
status=0
FUZZ_BASE_URL="$BASE" FUZZ_ADMIN_USERNAME="$ADMIN" FUZZ_ADMIN_PASSWORD="$PASSWORD" \
  SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$PWD/scripts/fuzz" \
  "$VENV/bin/schemathesis" "${args[@]}" || status=$?

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "the server stopped during the run" >&2
  tail -50 "$DATA/server.log" >&2
  status=1
fi
if grep -q 'panicked' "$DATA/server.log"; then
  echo "the server panicked:" >&2
  grep -A5 'panicked' "$DATA/server.log" | head -40 >&2
  status=1
fi
echo "fuzz-contract: exit $status after $(($(date +%s) - started)) s (reports in $REPORT_DIR)"
exit "$status"
