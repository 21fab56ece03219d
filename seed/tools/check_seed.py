#!/usr/bin/env python3
"""Validate a seed folder against docs/seed-format.md.

    python3 seed/tools/check_seed.py [SEED_DIR]

Exits 0 when every check passes (warnings do not fail), 1 otherwise. Needs PyYAML.
"""

import datetime
import heapq
import json
import math
import os
import re
import sys
from collections import Counter, defaultdict

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("PyYAML is required: pip install pyyaml")

PLACE_KINDS = set("photo_spot film_location fan_spot architecture graffiti footbridge rooftop viewpoint cafe "
                  "restaurant shop market transit gate restroom museum park".split())
EDGE_KINDS = set("walkway stairs footbridge elevator crossing road indoor".split())
PROVENANCE = {"sourced", "estimate", "study"}
FREQ = {"high", "medium", "low"}
SENTIMENT = {"positive", "neutral", "negative"}
INTERESTS = set("photography film fans history architecture shopping food views".split())
RULE_FIELDS = {
    "area_order": {"first", "then"},
    "daylight": {"kinds", "tags"},
    "value_for_money": {"kinds", "fee_weight_per_cny"},
    "free_alternative": {"kinds"},
    "crowding": {"peak_hours", "weekend_factor", "penalty", "kinds", "tags"},
    "combine_areas": {"areas", "bonus"},
    "popularity": {"tags", "weight"},
    "wayfinding": set(),
    "commercial_sameness": {"kinds", "max_per_plan"},
}
RULE_REQUIRED = {
    "area_order": {"first", "then"},
    "daylight": set(),
    "value_for_money": {"kinds", "fee_weight_per_cny"},
    "free_alternative": {"kinds"},
    "crowding": {"peak_hours", "weekend_factor", "penalty"},
    "combine_areas": {"areas", "bonus"},
    "popularity": {"tags", "weight"},
    "wayfinding": set(),
    "commercial_sameness": {"kinds", "max_per_plan"},
}
PLACE_PROPS = ["id", "area", "kind", "name", "description", "elevation_m", "level", "fee_cny", "fee_note", "hours",
               "dwell_min", "tags", "popularity", "node", "provenance", "sources", "coord_confidence_m", "notes"]
# Optional place properties and their defaults (what the loader assumes when one is absent).
PLACE_OPTIONAL = {"closed": False, "highlight": False, "container": False, "queue_min": 0, "booking": False}
NODE_PROPS = ["feature", "id", "elevation_m", "level", "area", "name", "provenance", "sources", "coord_confidence_m"]
EDGE_PROPS = ["feature", "id", "from", "to", "kind", "steps", "step_free", "name", "hint", "provenance", "sources",
              "closed"]
# Optional edge properties: which way the hints read and on which routes they are shown.
EDGE_HINT_PROPS = {"hint_reverse": None, "hint_both_ways": False, "hint_step_free": False}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
DAY_NAMES = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]

errors = []
warnings = []


def err(msg):
    errors.append(msg)


def warn(msg):
    warnings.append(msg)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def haversine(a, b):
    r = 6371008.8
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def check_bi(obj, where, nullable=False):
    if obj is None:
        if not nullable:
            err(f"{where}: bilingual text required")
        return
    if not isinstance(obj, dict) or set(obj) != {"zh", "en"}:
        err(f"{where}: bilingual text must be {{zh, en}}, got {obj!r}")
        return
    for lang in ("zh", "en"):
        if not isinstance(obj[lang], str) or not obj[lang].strip():
            err(f"{where}.{lang}: empty")
    if isinstance(obj.get("zh"), str) and not re.search(r"[\u4e00-\u9fff]", obj["zh"]):
        warn(f"{where}.zh has no Chinese characters")


# ---------------------------------------------------------------------------------------------
# opening hours (same grammar as crates/planner/src/hours.rs)
def parse_time(s, closing):
    m = re.fullmatch(r"(\d\d):(\d\d)", s)
    if not m:
        raise ValueError(f"bad time '{s}'")
    h, mi = int(m.group(1)), int(m.group(2))
    if mi > 59 or h > 24 or (h == 24 and (mi != 0 or not closing)):
        raise ValueError(f"bad time '{s}'")
    return h * 60 + mi


MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def parse_days(s):
    """A weekday selector: (mask, ph)."""
    mask, ph = 0, False
    for part in s.split(","):
        if not part:
            raise ValueError(f"empty day in '{s}'")
        if part == "PH":
            ph = True
        elif "-" in part:
            a, b = part.split("-", 1)
            if a not in DAY_NAMES or b not in DAY_NAMES:
                raise ValueError(f"bad day range '{part}'")
            d = DAY_NAMES.index(a)
            while True:
                mask |= 1 << d
                if d == DAY_NAMES.index(b):
                    break
                d = (d + 1) % 7
        else:
            if part not in DAY_NAMES:
                raise ValueError(f"bad day '{part}'")
            mask |= 1 << DAY_NAMES.index(part)
    return mask, ph


MONTH_RE = "(" + "|".join(MONTH_NAMES) + ")"
DATE_PART_RE = re.compile(rf"{MONTH_RE}(?: (\d{{1,2}}))?(?:-(?:{MONTH_RE}(?: (\d{{1,2}}))?|(\d{{1,2}})))?")


def check_day(month, day, item):
    if not 1 <= day <= MONTH_DAYS[month - 1]:
        raise ValueError(f"day {day} does not exist in {MONTH_NAMES[month - 1]} (in '{item}')")


def parse_dates(s):
    """A date selector (months, dates, ranges, comma lists); returns the parts."""
    parts = []
    for item in s.split(","):
        m = DATE_PART_RE.fullmatch(item)
        if not m:
            raise ValueError(f"bad month or date range '{item}'")
        m1, d1, m2, d2, d2same = m.groups()
        m1 = MONTH_NAMES.index(m1) + 1
        if d1 is not None:
            check_day(m1, int(d1), item)
        if m2 is None and d2same is None:
            parts.append(("date", (m1, int(d1)), (m1, int(d1))) if d1 else ("months", m1, m1))
        elif m2 is not None:
            m2 = MONTH_NAMES.index(m2) + 1
            if (d1 is None) != (d2 is None):
                raise ValueError(f"date range '{item}' needs a day on both ends or on neither")
            if d1 is None:
                parts.append(("months", m1, m2))
            else:
                check_day(m2, int(d2), item)
                parts.append(("date", (m1, int(d1)), (m2, int(d2))))
        else:
            if d1 is None:
                raise ValueError(f"bad month or date range '{item}'")
            check_day(m1, int(d2same), item)
            if int(d2same) < int(d1):
                raise ValueError(f"date range '{item}' runs backwards")
            parts.append(("date", (m1, int(d1)), (m1, int(d2same))))
    return parts


def parse_hours(s):
    """Returns the rules as (dates, day mask, ph, spans); raises ValueError on bad syntax.
    Same grammar as crates/planner/src/hours.rs: [dates] [days] (off | HH:MM-HH:MM[,...])."""
    if not isinstance(s, str) or not s.strip():
        raise ValueError("empty")
    if s == "24/7":
        return [([], None, False, [(0, 1440)])]
    rules = []
    for rule in s.split("; "):
        rule = rule.strip()
        if not rule:
            raise ValueError("empty rule")
        rest = rule
        dates = []
        m = re.match(rf"{MONTH_RE}[ ,-]|{MONTH_RE}$", rest)
        if m:
            # The date selector runs up to the first token that is a weekday list, a time or off.
            tokens = rest.split(" ")
            n = 1
            while n < len(tokens) and re.fullmatch(r"\d{1,2}(-.*)?|\d{1,2},.*|[A-Z][a-z][a-z].*", tokens[n]) \
                    and not re.match(r"\d\d:", tokens[n]) and tokens[n][:2] not in DAY_NAMES + ["PH"]:
                n += 1
            dates = parse_dates(" ".join(tokens[:n]))
            rest = " ".join(tokens[n:])
        mask, ph = None, False
        head = rest.split(" ", 1)[0]
        if head and not head[0].isdigit() and head not in ("off", "closed"):
            mask, ph = parse_days(head)
            rest = rest[len(head):].strip()
        if not rest:
            raise ValueError(f"rule '{rule}' names days but no times or 'off'")
        if rest in ("off", "closed"):
            spans = []
        else:
            spans = []
            for span in rest.split(","):
                if "-" not in span:
                    raise ValueError(f"bad span '{span}'")
                a, b = span.split("-", 1)
                o, c = parse_time(a, False), parse_time(b, True)
                if c == o:
                    raise ValueError(f"empty span '{span}'")
                if c < o:
                    c += 1440
                spans.append((o, c))
        rules.append((dates, mask or None, ph, spans))
    return rules


# ---------------------------------------------------------------------------------------------
def main():
    seed = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    load = lambda name: yaml.safe_load(open(os.path.join(seed, name), encoding="utf-8"))
    site = load("site.yaml")
    codebook = load("codebook.yaml")
    findings = load("findings.yaml")
    places_fc = json.load(open(os.path.join(seed, "places.geojson"), encoding="utf-8"))
    paths_fc = json.load(open(os.path.join(seed, "paths.geojson"), encoding="utf-8"))

    # ---- site
    for k in ("id", "name", "description", "utc_offset_min", "center", "bounds", "areas", "sources"):
        if k not in site:
            err(f"site.yaml: missing {k}")
    if not ID_RE.match(str(site.get("id", ""))):
        err("site.yaml: bad id")
    check_bi(site.get("name"), "site.name")
    check_bi(site.get("description"), "site.description")
    if site.get("utc_offset_min") != 480:
        err("site.yaml: utc_offset_min should be 480")
    b = site["bounds"]
    bounds = (b["min_lon"], b["min_lat"], b["max_lon"], b["max_lat"])
    if not (bounds[0] < bounds[2] and bounds[1] < bounds[3]):
        err("site.yaml: bounds inverted")

    def in_bounds(c):
        return bounds[0] <= c[0] <= bounds[2] and bounds[1] <= c[1] <= bounds[3]

    if not in_bounds(site["center"]):
        err("site.yaml: center outside bounds")
    areas = {}
    for a in site["areas"]:
        if a["id"] in areas:
            err(f"area {a['id']}: duplicate")
        if not ID_RE.match(a["id"]):
            err(f"area {a['id']}: bad id")
        areas[a["id"]] = a
        check_bi(a.get("name"), f"area {a['id']}.name")
        check_bi(a.get("description"), f"area {a['id']}.description")
    if set(areas) != {"factory", "liziba", "eling-park"}:
        err(f"areas should be factory, liziba, eling-park; got {sorted(areas)}")
    holidays = site.get("public_holidays") or []
    if not isinstance(holidays, list):
        err("site.yaml: public_holidays must be a list of ISO dates")
        holidays = []
    for i, d in enumerate(holidays):
        try:
            datetime.date.fromisoformat(str(d))
        except ValueError:
            err(f"site.yaml: public_holidays[{i}]: '{d}' is not a date of the form YYYY-MM-DD")
    if len(set(map(str, holidays))) != len(holidays):
        err("site.yaml: public_holidays lists a date twice")
    site_sources = site["sources"] or {}
    for k, v in site_sources.items():
        if not isinstance(v, str) or not v.strip():
            err(f"site.sources.{k}: empty description")
        if "http" in str(v) or "www." in str(v):
            warn(f"site.sources.{k}: contains a URL")
    used_sources = set()

    def check_sources(lst, where):
        if not isinstance(lst, list):
            err(f"{where}: sources must be a list")
            return
        for s in lst:
            used_sources.add(s)
            if s != "study" and s not in site_sources:
                err(f"{where}: unknown source key {s}")

    # ---- codebook
    themes = {t["id"]: t for t in codebook["themes"]}
    categories = {c["id"]: c for c in codebook["categories"]}
    codes = {}
    for sect, lst in (("themes", codebook["themes"]), ("categories", codebook["categories"])):
        ids = [x["id"] for x in lst]
        for i, n in Counter(ids).items():
            if n > 1:
                err(f"codebook {sect}: duplicate id {i}")
        for x in lst:
            if not CODE_RE.match(x["id"]):
                err(f"codebook {sect} {x['id']}: bad id")
            check_bi(x.get("name"), f"{sect} {x['id']}.name")
            check_bi(x.get("description"), f"{sect} {x['id']}.description")
    if len(themes) != 4:
        err(f"codebook: expected 4 themes, got {len(themes)}")
    if len(categories) != 6:
        err(f"codebook: expected 6 categories, got {len(categories)}")
    for t in themes.values():
        for c in t.get("categories", []):
            if c not in categories:
                err(f"theme {t['id']}: unknown category {c}")
    for c in codebook["codes"]:
        cid = c["id"]
        if cid in codes:
            err(f"code {cid}: duplicate")
        codes[cid] = c
        if not CODE_RE.match(cid):
            err(f"code {cid}: id must be snake_case")
        check_bi(c.get("name"), f"code {cid}.name")
        if c.get("category") not in categories:
            err(f"code {cid}: unknown category {c.get('category')}")
        if c.get("frequency") not in FREQ:
            err(f"code {cid}: bad frequency")
        if c.get("sentiment") not in SENTIMENT:
            err(f"code {cid}: bad sentiment")
        kw = c.get("keywords") or {}
        for lang in ("zh", "en"):
            words = kw.get(lang) or []
            if len(words) < 4:
                err(f"code {cid}: fewer than 4 {lang} keywords")
            for w in words:
                if not isinstance(w, str) or not w.strip():
                    err(f"code {cid}: empty {lang} keyword")
    freq_count = Counter(c["frequency"] for c in codes.values())
    if freq_count["high"] != 4 or freq_count["medium"] != 6:
        err(f"codebook: table 3 has 4 high and 6 medium codes; got {dict(freq_count)}")
    interests = {}
    for it in codebook.get("interests", []):
        interests[it["id"]] = it
        check_bi(it.get("name"), f"interest {it['id']}.name")
        for t in it.get("tags", []):
            if t not in codes:
                err(f"interest {it['id']}: unknown tag {t}")
        for k in it.get("kinds", []):
            if k not in PLACE_KINDS:
                err(f"interest {it['id']}: unknown kind {k}")
    if set(interests) != INTERESTS:
        err(f"interests should be {sorted(INTERESTS)}; got {sorted(interests)}")

    # ---- paths
    nodes, edges = {}, {}
    for f in paths_fc["features"]:
        p = f.get("properties", {})
        fid = p.get("id")
        if f.get("id") != fid:
            err(f"paths feature {fid}: Feature.id != properties.id")
        if not ID_RE.match(str(fid)):
            err(f"paths feature {fid}: bad id")
        if p.get("feature") == "node":
            if fid in nodes:
                err(f"node {fid}: duplicate")
            if not str(fid).startswith("n-"):
                warn(f"node {fid}: id does not start with n-")
            if f["geometry"]["type"] != "Point":
                err(f"node {fid}: not a Point")
            if sorted(p) != sorted(NODE_PROPS):
                err(f"node {fid}: properties {sorted(set(p) ^ set(NODE_PROPS))} missing/extra")
            nodes[fid] = f
        elif p.get("feature") == "edge":
            if fid in edges:
                err(f"edge {fid}: duplicate")
            if not str(fid).startswith("e-"):
                warn(f"edge {fid}: id does not start with e-")
            if f["geometry"]["type"] != "LineString":
                err(f"edge {fid}: not a LineString")
            given = set(p) - set(EDGE_HINT_PROPS)
            if sorted(given) != sorted(EDGE_PROPS):
                err(f"edge {fid}: properties {sorted(given ^ set(EDGE_PROPS))} missing/extra")
            for k, default in EDGE_HINT_PROPS.items():
                p.setdefault(k, default)
            edges[fid] = f
        else:
            err(f"paths feature {fid}: feature must be node or edge")

    for nid, f in nodes.items():
        p = f["properties"]
        c = f["geometry"]["coordinates"]
        if not in_bounds(c):
            err(f"node {nid}: outside bounds {c}")
        if not is_num(p["elevation_m"]):
            err(f"node {nid}: elevation_m must be a number")
        if not is_int(p["level"]):
            err(f"node {nid}: level must be an integer")
        if p["area"] not in areas:
            err(f"node {nid}: unknown area {p['area']}")
        check_bi(p["name"], f"node {nid}.name", nullable=True)
        if p["provenance"] not in PROVENANCE:
            err(f"node {nid}: bad provenance")
        check_sources(p["sources"], f"node {nid}")
        if not is_num(p["coord_confidence_m"]) or p["coord_confidence_m"] <= 0:
            err(f"node {nid}: coord_confidence_m must be > 0")

    adj = defaultdict(list)
    kind_count = Counter()
    hints = 0
    hints_reverse = 0
    total_len = 0.0
    for eid, f in edges.items():
        p = f["properties"]
        coords = f["geometry"]["coordinates"]
        kind_count[p["kind"]] += 1
        if p["kind"] not in EDGE_KINDS:
            err(f"edge {eid}: bad kind {p['kind']}")
        a, b_ = p["from"], p["to"]
        if a not in nodes or b_ not in nodes:
            err(f"edge {eid}: from/to not a node ({a}, {b_})")
            continue
        if a == b_:
            err(f"edge {eid}: loop")
        if len(coords) < 2:
            err(f"edge {eid}: fewer than 2 positions")
            continue
        for c in coords:
            if not in_bounds(c):
                err(f"edge {eid}: position outside bounds {c}")
        d0 = haversine(coords[0], nodes[a]["geometry"]["coordinates"])
        d1 = haversine(coords[-1], nodes[b_]["geometry"]["coordinates"])
        if d0 > 3 or d1 > 3:
            err(f"edge {eid}: endpoints {d0:.1f} m / {d1:.1f} m from its nodes (max 3 m)")
        length = sum(haversine(coords[i], coords[i + 1]) for i in range(len(coords) - 1))
        total_len += length
        if not is_int(p["steps"]) or p["steps"] < 0:
            err(f"edge {eid}: steps must be an integer >= 0")
        if p["kind"] == "stairs":
            if p["steps"] <= 0:
                err(f"edge {eid}: stairs need steps > 0")
            if p["step_free"] is not False:
                err(f"edge {eid}: stairs cannot be step_free")
            dz = abs(nodes[a]["properties"]["elevation_m"] - nodes[b_]["properties"]["elevation_m"])
            if dz < 0.5:
                warn(f"edge {eid}: stairs with no climb")
            elif abs(p["steps"] - dz / 0.16) > max(3, 0.15 * dz / 0.16):
                warn(f"edge {eid}: {p['steps']} steps for {dz:.1f} m climb")
        elif p["steps"] != 0:
            err(f"edge {eid}: steps > 0 only for stairs")
        if not isinstance(p["step_free"], bool):
            err(f"edge {eid}: step_free must be a bool")
        if p["kind"] == "elevator":
            if length > 3:
                err(f"edge {eid}: elevator line should be a metre or two long, is {length:.1f} m")
            if p["step_free"] is not True:
                err(f"edge {eid}: elevator should be step_free")
        if not isinstance(p["closed"], bool):
            err(f"edge {eid}: closed must be a bool")
        check_bi(p["name"], f"edge {eid}.name", nullable=True)
        check_bi(p["hint"], f"edge {eid}.hint", nullable=True)
        check_bi(p["hint_reverse"], f"edge {eid}.hint_reverse", nullable=True)
        for flag in ("hint_both_ways", "hint_step_free"):
            if not isinstance(p[flag], bool):
                err(f"edge {eid}: {flag} must be a bool")
        if p["hint_both_ways"] and (not p["hint"] or p["hint_reverse"]):
            err(f"edge {eid}: hint_both_ways needs a hint and no hint_reverse")
        if p["hint_step_free"] and not (p["hint"] or p["hint_reverse"]):
            err(f"edge {eid}: hint_step_free without a hint")
        if p["hint_step_free"] and p["step_free"] is not True:
            err(f"edge {eid}: hint_step_free on an edge that is not step_free")
        if p["hint"]:
            hints += 1
            if not p["hint_reverse"] and not p["hint_both_ways"]:
                warn(f"edge {eid}: hint has no reverse and is not marked hint_both_ways "
                     "(nothing is shown walking it the other way)")
        if p["hint_reverse"]:
            hints_reverse += 1
        if p["provenance"] not in PROVENANCE:
            err(f"edge {eid}: bad provenance")
        check_sources(p["sources"], f"edge {eid}")
        if p["kind"] not in ("elevator",) and length > 0:
            grade = abs(nodes[a]["properties"]["elevation_m"] - nodes[b_]["properties"]["elevation_m"]) / length
            if p["kind"] != "stairs" and grade > 0.25:
                warn(f"edge {eid}: {p['kind']} grade {grade:.0%}")
        if not p["closed"]:
            adj[a].append((b_, length, p["step_free"], p["kind"]))
            adj[b_].append((a, length, p["step_free"], p["kind"]))

    # connectivity
    if nodes:
        start = next(iter(nodes))
        seen = {start}
        stack = [start]
        while stack:
            u = stack.pop()
            for v, *_ in adj[u]:
                if v not in seen:
                    seen.add(v)
                    stack.append(v)
        if len(seen) != len(nodes):
            err(f"graph: {len(nodes) - len(seen)} nodes not connected to {start}: "
                f"{sorted(set(nodes) - seen)[:10]}")

    # ---- places
    place_ids = Counter()
    kinds = Counter()
    per_area = Counter()
    free_roofs, paid_roofs = [], []
    for f in places_fc["features"]:
        p = f.get("properties", {})
        pid = p.get("id")
        place_ids[pid] += 1
        if f.get("id") != pid:
            err(f"place {pid}: Feature.id != properties.id")
        if not ID_RE.match(str(pid)):
            err(f"place {pid}: bad id")
        missing = set(PLACE_PROPS) - set(p)
        extra = set(p) - set(PLACE_PROPS) - set(PLACE_OPTIONAL)
        if missing or extra:
            err(f"place {pid}: properties {sorted(missing | extra)} missing/extra")
            continue
        p = {**PLACE_OPTIONAL, **p}
        for k in ("closed", "highlight", "container", "booking"):
            if not isinstance(p[k], bool):
                err(f"place {pid}: {k} must be true or false")
        if not is_int(p["queue_min"]) or not 0 <= p["queue_min"] <= 600:
            err(f"place {pid}: queue_min must be an integer in 0..600")
        if p["container"] is True and p["highlight"] is True:
            err(f"place {pid}: a container (a park or area as a whole) cannot be a highlight")
        if f["geometry"]["type"] != "Point":
            err(f"place {pid}: not a Point")
        c = f["geometry"]["coordinates"]
        if not in_bounds(c):
            err(f"place {pid}: outside bounds {c}")
        if p["area"] not in areas:
            err(f"place {pid}: unknown area {p['area']}")
        per_area[p["area"]] += 1
        if p["kind"] not in PLACE_KINDS:
            err(f"place {pid}: bad kind {p['kind']}")
        kinds[p["kind"]] += 1
        check_bi(p["name"], f"place {pid}.name")
        check_bi(p["description"], f"place {pid}.description")
        check_bi(p["fee_note"], f"place {pid}.fee_note", nullable=True)
        if p["elevation_m"] is not None and not is_num(p["elevation_m"]):
            err(f"place {pid}: elevation_m must be a number or null")
        if not is_int(p["level"]):
            err(f"place {pid}: level must be an integer")
        if not is_num(p["fee_cny"]) or p["fee_cny"] < 0:
            err(f"place {pid}: fee_cny must be >= 0")
        try:
            parse_hours(p["hours"])
        except ValueError as e:
            err(f"place {pid}: hours '{p['hours']}' do not parse: {e}")
        if not is_int(p["dwell_min"]) or p["dwell_min"] < 0:
            err(f"place {pid}: dwell_min must be an integer >= 0")
        if not isinstance(p["tags"], list):
            err(f"place {pid}: tags must be a list")
        else:
            for t in p["tags"]:
                if t not in codes:
                    err(f"place {pid}: unknown tag {t}")
        if not is_num(p["popularity"]) or not 0 <= p["popularity"] <= 1:
            err(f"place {pid}: popularity must be in 0..1")
        if p["node"] not in nodes:
            err(f"place {pid}: node {p['node']} not in paths.geojson")
        else:
            if nodes[p["node"]]["properties"]["area"] != p["area"]:
                warn(f"place {pid}: its node {p['node']} is in area {nodes[p['node']]['properties']['area']}")
            d = haversine(c, nodes[p["node"]]["geometry"]["coordinates"])
            if d > 150:
                warn(f"place {pid}: {d:.0f} m from its node")
        if p["provenance"] not in PROVENANCE:
            err(f"place {pid}: bad provenance")
        check_sources(p["sources"], f"place {pid}")
        if not is_num(p["coord_confidence_m"]) or p["coord_confidence_m"] <= 0:
            err(f"place {pid}: coord_confidence_m must be > 0")
        if p["notes"] is not None and not isinstance(p["notes"], str):
            err(f"place {pid}: notes must be a string or null")
        if p["kind"] == "rooftop":
            (paid_roofs if p["fee_cny"] > 0 else free_roofs).append(pid)
    for pid, n in place_ids.items():
        if n > 1:
            err(f"place {pid}: duplicate id")

    # ---- findings
    fids = Counter()
    rule_types = Counter()
    for fd in findings["findings"]:
        fid = fd["id"]
        fids[fid] += 1
        if not ID_RE.match(fid):
            err(f"finding {fid}: bad id")
        if fd.get("code") not in codes:
            err(f"finding {fid}: unknown code {fd.get('code')}")
        elif codes[fd["code"]]["frequency"] != fd.get("frequency"):
            warn(f"finding {fid}: frequency {fd.get('frequency')} differs from code's {codes[fd['code']]['frequency']}")
        if fd.get("frequency") not in FREQ:
            err(f"finding {fid}: bad frequency")
        check_bi(fd.get("text"), f"finding {fid}.text")
        r = fd.get("rule") or {}
        t = r.get("type")
        rule_types[t] += 1
        if t not in RULE_FIELDS:
            err(f"finding {fid}: unknown rule type {t}")
            continue
        extra = set(r) - {"type"} - RULE_FIELDS[t]
        missing = RULE_REQUIRED[t] - set(r)
        if extra:
            err(f"finding {fid}: unexpected rule fields {sorted(extra)}")
        if missing:
            err(f"finding {fid}: missing rule fields {sorted(missing)}")
        for k in ("first", "then"):
            if k in r and r[k] not in areas:
                err(f"finding {fid}: unknown area {r[k]}")
        for a in r.get("areas", []):
            if a not in areas:
                err(f"finding {fid}: unknown area {a}")
        for k in r.get("kinds", []) or []:
            if k not in PLACE_KINDS:
                err(f"finding {fid}: unknown kind {k}")
        for tg in r.get("tags", []) or []:
            if tg not in codes:
                err(f"finding {fid}: unknown tag {tg}")
        for k in ("fee_weight_per_cny", "weekend_factor", "penalty", "bonus", "weight"):
            if k in r and (not is_num(r[k]) or r[k] < 0):
                err(f"finding {fid}: {k} must be a number >= 0")
        if "max_per_plan" in r and (not is_int(r["max_per_plan"]) or r["max_per_plan"] < 1):
            err(f"finding {fid}: max_per_plan must be a positive integer")
        for ph in r.get("peak_hours", []) or []:
            if not (isinstance(ph, list) and len(ph) == 2 and all(is_num(x) for x in ph) and 0 <= ph[0] < ph[1] <= 24):
                err(f"finding {fid}: bad peak_hours entry {ph}")
    for fid, n in fids.items():
        if n > 1:
            err(f"finding {fid}: duplicate id")
    for t in RULE_FIELDS:
        if rule_types[t] == 0:
            warn(f"findings: no rule of type {t}")
    pop_tags = {tg for fd in findings["findings"] if fd["rule"]["type"] == "popularity" for tg in fd["rule"]["tags"]}
    for cid, c in codes.items():
        if c["frequency"] in ("high", "medium") and cid not in pop_tags and cid not in ("route_suggestion", "rooftop_fee"):
            warn(f"findings: no popularity rule for {c['frequency']} code {cid}")

    # ---- sources
    for k in site_sources:
        if k not in used_sources:
            warn(f"site.sources.{k}: not used by any place, node or edge")

    # ---- counts
    n_places = sum(place_ids.values())
    if n_places < 50:
        err(f"counts: {n_places} places (< 50)")
    if len(edges) < 150:
        err(f"counts: {len(edges)} edges (< 150)")
    if len(free_roofs) < 2:
        err(f"counts: {len(free_roofs)} free rooftops (< 2)")
    if len(paid_roofs) < 1:
        err("counts: no paid rooftop")
    if hints < 15:
        warn(f"counts: only {hints} hints")

    # ---- report
    place_node = {f["properties"]["id"]: f["properties"]["node"] for f in places_fc["features"]}
    start_node = place_node.get("factory-main-square")

    def dijkstra(src, step_free_only):
        dist = {src: 0.0}
        pq = [(0.0, src)]
        while pq:
            d, u = heapq.heappop(pq)
            if d > dist[u]:
                continue
            for v, w, sf, _k in adj[u]:
                if step_free_only and not sf:
                    continue
                if d + w < dist.get(v, math.inf):
                    dist[v] = d + w
                    heapq.heappush(pq, (d + w, v))
        return dist

    print(f"places {n_places}: " + ", ".join(f"{a} {per_area[a]}" for a in areas))
    print("  kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print(f"  rooftops: free {free_roofs}, paid {paid_roofs}")
    print(f"nodes {len(nodes)}, edges {len(edges)}: " + ", ".join(f"{k} {n}" for k, n in sorted(kind_count.items())))
    print(f"  hints {hints} (reverse {hints_reverse}), named edges {sum(1 for e in edges.values() if e['properties']['name'])}, "
          f"total edge length {total_len / 1000:.2f} km, "
          f"stairs steps {sum(e['properties']['steps'] for e in edges.values())}")
    if start_node in nodes:
        sf = dijkstra(start_node, True)
        reach = [pid for pid, nid in place_node.items() if nid in sf]
        missing = sorted(pid for pid, nid in place_node.items() if nid not in sf)
        print(f"step-free from factory-main-square ({start_node}): {len(reach)}/{n_places} places reachable"
              f"; not reachable: {missing}")
        full = dijkstra(start_node, False)
        for target in ("n-lz-exit1", "n-ep-kansheng"):
            if target in nodes:
                z0 = nodes[start_node]["properties"]["elevation_m"]
                z1 = nodes[target]["properties"]["elevation_m"]
                print(f"  {start_node} -> {target}: shortest {full.get(target, math.inf):.0f} m, "
                      f"step-free {sf.get(target, math.inf):.0f} m, height {z1 - z0:+.0f} m")
    for w in warnings:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"FAILED: {len(errors)} errors", f"({len(warnings)} warnings)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
