#!/usr/bin/env bash
# Generates the Python client from openapi.yaml with openapi-python-client (PyPI, pinned) and the
# settings in scripts/openapi-python-client.yaml, and fails when the generator warns about
# anything (an operation or schema it skipped or could not read) or misses an operation.
# The tool lives in the virtualenv target/fuzz-venv (created once, reused).
set -euo pipefail
cd "$(dirname "$0")/.."

GENERATOR_VERSION=0.29.1
VENV=target/fuzz-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-python-client"))' 2>/dev/null)" != "$GENERATOR_VERSION" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check "openapi-python-client==$GENERATOR_VERSION"
fi

echo "== openapi-python-client $GENERATOR_VERSION"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/hg-client.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
log="$OUT/generate.log"
"$VENV/bin/openapi-python-client" generate --path openapi.yaml \
  --config scripts/openapi-python-client.yaml --output-path "$OUT/client" >"$log" 2>&1 || {
  cat "$log" >&2
  exit 1
}
if grep -qi 'warning' "$log"; then
  echo "openapi-python-client warned:" >&2
  cat "$log" >&2
  exit 1
fi
# Every operationId of the spec is a generated module.
missing=0
for op in $(awk '/^      operationId: / {print $2}' openapi.yaml); do
  if ! find "$OUT/client" -path '*/api/*' -name "$op.py" | grep -q .; then
    echo "no generated function for $op" >&2
    missing=1
  fi
done
[ "$missing" = 0 ] || exit 1
echo "every operation generated, without warnings ($(grep -c '^      operationId:' openapi.yaml) operations)"
