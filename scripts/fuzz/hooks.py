"""Schemathesis hooks for scripts/fuzz-contract.sh: bearer tokens chosen by each operation's roles.

Each secured operation of openapi.yaml lists the roles it accepts in `x-roles`. Operations a
visitor may call get a visitor token of the fuzzed site (`POST /v1/auth/visitor`); the others get
an admin's access token from the sign-in route (`POST /v1/auth/login`), with the account that
scripts/fuzz-contract.sh created through the `heritage-guide user add` command. Tokens are fetched
again when an answer is 401 (an expired or revoked token), so a long run keeps its credentials.
Public operations are sent without credentials.
"""

import json
import os
import urllib.request

import schemathesis

BASE_URL = os.environ["FUZZ_BASE_URL"]
SITE = os.environ.get("FUZZ_SITE", "eling-no2-factory")
USERNAME = os.environ["FUZZ_ADMIN_USERNAME"]
PASSWORD = os.environ["FUZZ_ADMIN_PASSWORD"]


def _post(path, body):
    req = urllib.request.Request(
        BASE_URL + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def _role_of(operation):
    """`visitor`, `admin` or None (public) for an operation."""
    raw = operation.definition.raw
    if not raw.get("security"):
        return None
    roles = raw.get("x-roles") or []
    return "visitor" if "visitor" in roles else "admin"


def _cache_key(case, ctx):
    return _role_of(ctx.operation) or "public"


@schemathesis.auth(refresh_interval=600, cache_by_key=_cache_key)
class RoleTokens:
    def get(self, case, ctx):
        role = _role_of(ctx.operation)
        if role is None:
            return None
        if role == "visitor":
            return _post("/v1/auth/visitor", {"site": SITE})["access_token"]
        return _post("/v1/auth/login", {"username": USERNAME, "password": PASSWORD})[
            "access_token"
        ]

    def set(self, case, data, ctx):
        if data is None:
            return
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _spare_admin(case):
    if case.operation.path == "/v1/users/{username}" and (case.path_parameters or {}).get(
        "username"
    ) == USERNAME:
        case.path_parameters["username"] = USERNAME + "-other"
    return case


@schemathesis.hook
def map_case(context, case):
    """Keeps the run's own admin account as it is: a request that would change it (disable it,
    demote it, change its password) is sent for another username, so the credentials the run
    depends on stay valid. Schemathesis learns usernames from `GET /v1/users`."""
    return _spare_admin(case)


@schemathesis.hook
def before_call(context, case, kwargs):
    """The same for cases built outside generation (stateful steps, replays)."""
    _spare_admin(case)
    url = kwargs.get("url", "")
    if url.endswith("/v1/users/" + USERNAME):
        kwargs["url"] = url + "-other"
