#!/usr/bin/env python3
"""Build seed/places.geojson and seed/paths.geojson for the Eling No.2 Factory site.

The graph and the places are defined compactly below and written deterministically
(stable order, fixed precision). Run from anywhere:

    python3 seed/tools/build_seed.py

Conventions
- Coordinates are WGS84 [lon, lat], six decimals.
- Positions inside the factory park and Eling Park are given as metre offsets (x east, y north)
  from the factory centre point on the OSM walkway, see `xy()`.
- The factory -> Liziba walking line uses the vertices of the OSM/Valhalla route stored in
  shared/reference/walk-factory-liziba.geojson (source S1); they are copied into ROUTE below so the
  build does not depend on that file.
- Edge geometry starts exactly at the `from` node and ends exactly at the `to` node.
- Stair step counts are estimated from the climb: round(|dz| / 0.16 m).
"""

import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.dirname(HERE)

# Factory centre: first vertex of the OSM walking route (S1), inside the park polygon.
C_LON, C_LAT = 106.53683, 29.553719
M_PER_DEG_LAT = 110860.0
M_PER_DEG_LON = 111320.0 * math.cos(math.radians(C_LAT))  # ~96,840 m


def xy(x, y):
    """Metre offsets from the factory centre -> [lon, lat]."""
    return [round(C_LON + x / M_PER_DEG_LON, 6), round(C_LAT + y / M_PER_DEG_LAT, 6)]


def ll(lon, lat):
    return [round(lon, 6), round(lat, 6)]


def haversine(a, b):
    r = 6371008.8
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def T(zh, en):
    return {"zh": zh, "en": en}


# ---------------------------------------------------------------------------------------------
# The OSM walking route factory -> Liziba station (S1: Valhalla pedestrian route on OSM ways).
# Index: comment marks the vertices that become graph nodes.
ROUTE = [
    (106.53683, 29.553719),   # 0  n-fac-centre
    (106.536753, 29.553743),  # 1
    (106.536658, 29.553773),  # 2
    (106.536429, 29.553844),  # 3  n-fac-square
    (106.536201, 29.5539),    # 4  n-fac-court
    (106.535896, 29.553937),  # 5  n-fac-walk-nw
    (106.535836, 29.55389),   # 6
    (106.535801, 29.553789),  # 7  n-fac-west-gate (Eling Zhengjie)
    (106.53543, 29.553844),   # 8  n-ez-bus
    (106.535363, 29.553826),  # 9
    (106.535249, 29.553764),  # 10 n-ez-w1
    (106.535194, 29.55383),   # 11 n-st1-top
    (106.535111, 29.553918),  # 12
    (106.535072, 29.554049),  # 13 n-st1-foot
    (106.535608, 29.554437),  # 14 n-st2-top
    (106.535503, 29.554624),  # 15 n-st2-foot
    (106.535401, 29.554585),  # 16 n-st3-top
    (106.535297, 29.554653),  # 17
    (106.535282, 29.554741),  # 18
    (106.535317, 29.554833),  # 19 n-st3-foot
    (106.535099, 29.554758),  # 20
    (106.535006, 29.554758),  # 21 n-st4-top
    (106.534964, 29.554926),  # 22
    (106.534918, 29.554948),  # 23
    (106.534954, 29.554959),  # 24
    (106.53492, 29.554971),   # 25
    (106.53499, 29.554992),   # 26
    (106.535025, 29.555026),  # 27 n-jx-stairs-foot
    (106.534825, 29.555053),  # 28
    (106.534615, 29.555047),  # 29 n-jx-2
    (106.534538, 29.554971),  # 30
    (106.534511, 29.554576),  # 31
    (106.534455, 29.554344),  # 32 n-jx-5
    (106.533491, 29.55424),   # 33 n-jx-6
    (106.532931, 29.55418),   # 34 n-jx-stilwell
    (106.532435, 29.5538),    # 35 n-jx-8
    (106.531975, 29.55344),   # 36
    (106.531372, 29.553306),  # 37 n-jx-10
    (106.530864, 29.553276),  # 38
    (106.529943, 29.553009),  # 39 n-jx-12
    (106.529679, 29.552927),  # 40 n-jx-hairpin
    (106.52972, 29.553165),   # 41
    (106.529775, 29.553292),  # 42 n-jx-hp-2
    (106.530311, 29.553425),  # 43
    (106.530408, 29.553415),  # 44
    (106.530503, 29.553455),  # 45 n-jx-hp-5
    (106.530743, 29.553498),  # 46
    (106.530935, 29.553522),  # 47
    (106.531049, 29.553507),  # 48 n-jx-hp-8
    (106.531162, 29.553544),  # 49
    (106.531272, 29.553511),  # 50
    (106.531282, 29.553608),  # 51 n-jx-hp-11
    (106.531087, 29.55367),   # 52
    (106.531207, 29.553696),  # 53
    (106.531234, 29.553727),  # 54 n-jx-low-1
    (106.531358, 29.553729),  # 55
    (106.531913, 29.554096),  # 56 n-jx-low-2
    (106.532007, 29.554247),  # 57
    (106.532133, 29.55434),   # 58
    (106.532339, 29.554505),  # 59 n-jx-low-3
    (106.53262, 29.554772),   # 60
    (106.532756, 29.55497),   # 61 n-lz-jct
    (106.53291, 29.555081),   # 62 n-lz-jct-b
    (106.532863, 29.555145),  # 63 n-lz-walk-b
    (106.533093, 29.555321),  # 64 n-lz-street-mid
    (106.533685, 29.555848),  # 65 n-lz-street-station
    (106.533743, 29.555796),  # 66 n-lz-station-front
    (106.533818, 29.555723),  # 67 n-lz-exit1
]
# The return route keeps to the other side of Liziba Zhengjie between these two nodes.
ROUTE_RETURN_MID = [(106.53311, 29.555248)]

# Elevations along the route. Fixed values at the factory end and at the stair landings; along
# the road from the foot of the stairs (271 m) to the Liziba Zhengjie junction (203 m) and on to
# Exit 1 (201 m, DEM value of the station node) they are interpolated by distance.
ROUTE_FIXED = {0: 334, 3: 334, 4: 333, 5: 332, 7: 331, 8: 330, 10: 329, 11: 328,
               13: 318, 14: 315, 15: 305, 16: 304, 19: 291, 21: 289, 27: 271, 61: 203, 67: 201}


def route_elevations():
    cum = [0.0]
    for i in range(1, len(ROUTE)):
        cum.append(cum[-1] + haversine(ROUTE[i - 1], ROUTE[i]))
    anchors = sorted(ROUTE_FIXED)
    out = {}
    for i in range(len(ROUTE)):
        if i in ROUTE_FIXED:
            out[i] = float(ROUTE_FIXED[i])
            continue
        lo = max(a for a in anchors if a < i)
        hi = min(a for a in anchors if a > i)
        t = (cum[i] - cum[lo]) / (cum[hi] - cum[lo])
        out[i] = ROUTE_FIXED[lo] + t * (ROUTE_FIXED[hi] - ROUTE_FIXED[lo])
    return out


RELEV = route_elevations()

# ---------------------------------------------------------------------------------------------
# Nodes
NODES = {}
NODE_ORDER = []


def N(nid, coord, elev, area, name=None, level=0, prov="estimate", src=("study",), conf=150):
    assert nid not in NODES, nid
    NODES[nid] = dict(id=nid, coord=[round(coord[0], 6), round(coord[1], 6)], elev=round(float(elev), 1),
                      area=area, name=name, level=level, prov=prov, src=list(src), conf=conf)
    NODE_ORDER.append(nid)


def RN(nid, idx, area, name=None, conf=20):
    """Node on an OSM route vertex."""
    N(nid, ROUTE[idx], RELEV[idx], area, name, prov="sourced", src=("S1",), conf=conf)


ROUTE_NODE_IDX = {}


def rn(nid, idx, area, name=None, conf=20):
    RN(nid, idx, area, name, conf)
    ROUTE_NODE_IDX[nid] = idx


FAC = ("S1", "S5", "S10")  # park polygon (S1) plus the descriptions that place things in it

# --- factory: the OSM walkway from the park centre to Eling Zhengjie
rn("n-fac-centre", 0, "factory", T("园区中心步道口", "Park centre walkway"))
rn("n-fac-square", 3, "factory", T("主广场（TESTBED2标识）", "Main square (TESTBED2 sign)"))
rn("n-fac-court", 4, "factory", T("入口庭院", "Entrance court"))
rn("n-fac-walk-nw", 5, "factory")
rn("n-fac-west-gate", 7, "factory", T("贰厂入口（鹅岭正街）", "Factory entrance on Eling Zhengjie"))
rn("n-ez-bus", 8, "factory", T("印制二厂公交站", "Yinzhi Erchang bus stop"))
rn("n-ez-w1", 10, "factory", T("鹅岭正街岔口", "Eling Zhengjie fork"))
# --- the public stairway down to Jialing Xinlu (four flights)
rn("n-st1-top", 11, "factory", T("梯道入口（鹅岭正街）", "Stairway entrance off Eling Zhengjie"))
rn("n-st1-foot", 13, "factory", T("鹅岭正街下段", "Lower Eling Zhengjie"))
rn("n-st2-top", 14, "factory", T("第二段梯道口", "Head of the second flight"))
rn("n-st2-foot", 15, "factory")
rn("n-st3-top", 16, "factory", T("第三段梯道口", "Head of the third flight"))
rn("n-st3-foot", 19, "factory")
rn("n-st4-top", 21, "factory", T("第四段梯道口", "Head of the fourth flight"))
rn("n-jx-stairs-foot", 27, "liziba", T("嘉陵新路梯道口", "Foot of the stairway on Jialing Xinlu"))
# --- Jialing Xinlu, the hairpin and Liziba Zhengjie
rn("n-jx-2", 29, "liziba")
rn("n-jx-5", 32, "liziba", T("嘉陵新路弯道", "Bend of Jialing Xinlu"))
rn("n-jx-6", 33, "liziba")
rn("n-jx-stilwell", 34, "liziba", T("史迪威博物馆门前", "Outside the Stilwell Museum"))
rn("n-jx-8", 35, "liziba")
rn("n-jx-10", 37, "liziba")
rn("n-jx-12", 39, "liziba")
rn("n-jx-hairpin", 40, "liziba", T("嘉陵新路回头弯", "Jialing Xinlu hairpin"))
rn("n-jx-hp-2", 42, "liziba")
rn("n-jx-hp-5", 45, "liziba")
rn("n-jx-hp-8", 48, "liziba")
rn("n-jx-hp-11", 51, "liziba", T("回头弯内侧人行道", "Inner walkway of the hairpin"))
rn("n-jx-low-1", 54, "liziba")
rn("n-jx-low-2", 56, "liziba")
rn("n-jx-low-3", 59, "liziba")
rn("n-lz-jct", 61, "liziba", T("嘉陵新路/李子坝正街路口", "Jialing Xinlu / Liziba Zhengjie junction"))
rn("n-lz-jct-b", 62, "liziba")
rn("n-lz-walk-b", 63, "liziba")
rn("n-lz-street-mid", 64, "liziba")
rn("n-lz-street-station", 65, "liziba", T("李子坝正街（车站前）", "Liziba Zhengjie by the station"))
rn("n-lz-station-front", 66, "liziba", T("李子坝站前红绿灯", "Traffic lights outside Liziba station"))
rn("n-lz-exit1", 67, "liziba", T("李子坝站1号口", "Liziba station Exit 1"))

# --- factory interior (estimates inside the OSM polygon)
N("n-fac-bldg2", xy(-20, 22), 334, "factory", T("2号楼 OurFilm", "Building 2 (OurFilm)"), src=FAC, conf=100)
N("n-fac-monkey-2f", xy(-62, 10), 337, "factory", T("奇丑的猴子咖啡（二楼）", "Ugly Monkey Cafe (2F)"), level=1,
  src=("S9",), conf=100)
N("n-fac-wc", xy(-40, -5), 334, "factory", T("公共卫生间", "Public toilets"), src=FAC, conf=150)
N("n-fac-td-w", xy(-10, -15), 334, "factory", T("TestDesign街西口", "TestDesign Street (west end)"),
  src=("S1", "S11"), conf=100)
N("n-fac-td-e", xy(28, -20), 333, "factory", T("TestDesign街东口", "TestDesign Street (east end)"),
  src=("S1", "S11"), conf=100)
N("n-fac-memory", xy(38, -8), 333, "factory", T("二厂记忆博物馆门楼", "Memory Museum gateway"),
  src=("S1", "S6", "S10"), conf=100)
N("n-fac-memory-terrace", xy(52, -32), 333, "factory", T("二厂记忆露台", "Memory Museum terrace"), level=1,
  src=("S10",), conf=150)
N("n-fac-east", xy(60, 8), 333, "factory", T("园区东侧巷", "East lane"), src=("S1",), conf=150)
N("n-fac-h-foot", xy(-25, -28), 333, "factory", T("H楼", "Building H"), src=("S1", "S48"), conf=150)
N("n-fac-h-3f", xy(-38, -36), 341, "factory", T("H楼三层涂鸦大厅", "Building H graffiti hall (3F)"), level=2,
  src=("S48",), conf=150)
N("n-fac-t2", xy(-62, -36), 332, "factory", T("T2国际当代艺术中心", "T2 art centre"), src=("S1", "S51"), conf=150)
N("n-fac-sw", xy(-115, -45), 331, "factory", T("贰厂西南侧门", "Factory south-west side gate"), src=("S1",),
  conf=150)
N("n-fac-graffiti", xy(-15, -50), 330, "factory", T("涂鸦通道", "Graffiti passage"), src=("S50",), conf=150)
N("n-fac-south", xy(15, -55), 329, "factory", T("南侧巷道", "South lane"), src=("S1",), conf=150)
N("n-fac-yangtze", xy(36, -69), 328, "factory", T("长江面观景平台", "Yangtze-side viewing platform"),
  src=("S1", "S4", "S5"), conf=100)
N("n-fac-north-terrace", xy(5, 32), 333, "factory", T("北侧平台", "North terrace"), src=FAC, conf=100)
N("n-fac-tea-base", xy(-3, 38), 333, "factory", T("屋顶茶室电梯口", "Lift to the rooftop tea room"),
  src=("S16",), conf=150)
N("n-fac-tea-roof", xy(-2, 38), 349, "factory", T("屋顶茶室", "Rooftop tea room"), level=4, src=("S16",),
  conf=150)
N("n-fac-bridge-s", xy(-32, 34), 333, "factory", T("红色天桥南端", "Red footbridge, south end"), conf=200)
N("n-fac-bridge-n", xy(-32, 66), 334, "factory", T("红色天桥北端屋顶平台", "Roof deck at the red footbridge"),
  level=3, conf=200)
N("n-fac-city-radio", xy(-22, 74), 335, "factory", T("城市电台天台", "City Radio rooftop"), level=3,
  src=("S7", "S6"), conf=150)
N("n-fac-love-roof", xy(-3, 80), 335, "factory", T("爱情天台", "Love Rooftop"), level=3, src=("S6", "S13"),
  conf=150)
N("n-fac-iron-top", xy(-80, 30), 332, "factory", T("铁楼梯（上）", "Iron staircase (top)"), src=("S9", "S50"),
  conf=150)
N("n-fac-mid-w", xy(-78, 52), 324, "factory", T("斑驳墙小巷", "Mottled-wall lane"), src=("S9", "S50"), conf=150)
N("n-fac-mid-c", xy(-32, 50), 324, "factory", T("天桥下小巷", "Lane under the footbridge"), conf=150)
N("n-fac-huajiang", xy(16, 52), 324, "factory", T("华江楼", "Huajiang Building"), src=("S10",), conf=100)
N("n-fac-huajiang-roof", xy(18, 57), 340, "factory", T("华江楼天台", "Huajiang rooftop"), level=4,
  src=("S10",), conf=100)
N("n-fac-mid-e", xy(70, 50), 324, "factory", T("北侧小巷东口", "North lane (east end)"), src=("S1",), conf=150)

# --- Eling Zhengjie: step-free road switchbacks around the stairway (estimated geometry)
N("n-ez-loop", xy(-215, 20), 323, "factory", T("鹅岭正街转弯处", "Eling Zhengjie bend"), src=("S1",), conf=200)
N("n-ez-low-1", xy(-80, 105), 313, "factory", T("鹅岭正街下段（贰厂北侧）", "Lower Eling Zhengjie below the factory"),
  src=("S1",), conf=200)
N("n-ez-low-2", xy(0, 118), 311, "factory", src=("S1",), conf=250)
N("n-ez-low-3", xy(80, 122), 308, "factory", src=("S1",), conf=250)
N("n-ez-low-4", xy(150, 135), 303, "factory", src=("S1",), conf=300)
N("n-ez-low-5", xy(220, 150), 297, "factory", src=("S1",), conf=300)
N("n-ez-low-6", xy(275, 180), 291, "factory", src=("S1",), conf=300)
N("n-jx-east-jct", xy(255, 225), 283, "factory", T("嘉陵新路东段路口", "Jialing Xinlu east junction"),
  src=("S1",), conf=300)
N("n-jx-e1", xy(-100, 165), 273, "liziba", src=("S1",), conf=250)
N("n-jx-e2", xy(0, 180), 276, "liziba", src=("S1",), conf=300)
N("n-jx-e3", xy(100, 192), 279, "liziba", src=("S1",), conf=300)
N("n-jx-e4", xy(180, 205), 281, "liziba", src=("S1",), conf=300)

# --- Eling Zhengjie west: factory -> Eling Park -> Eling station (estimated geometry)
N("n-ez-sw-jct", xy(-200, -35), 331, "factory", T("鹅岭正街（贰厂西南侧）", "Eling Zhengjie by the factory's south-west gate"),
  src=("S1", "S4"), conf=200)
N("n-ez-woods-foot", xy(-232, -62), 332, "eling-park", T("林间步道口（鹅岭正街）", "Foot of the woodland steps on Eling Zhengjie"),
  src=("S12", "S44"), conf=250)
N("n-ez-bend", xy(-275, -120), 334, "eling-park", src=("S24", "S26"), conf=250)
N("n-ez-mid", xy(-330, -165), 338, "eling-park", src=("S24", "S26"), conf=250)
N("n-ep-gate", xy(-448, -213), 340, "eling-park", T("鹅岭公园大门", "Eling Park main gate"), src=("S24", "S26", "S20"),
  conf=150)
N("n-ez-west-1", xy(-600, -285), 342, "eling-park", src=("S24", "S26"), conf=200)
N("n-ep-eling-stn", ll(106.529479, 29.550849), 342, "eling-park", T("鹅岭站", "Eling station"), prov="sourced",
  src=("S1",), conf=20)
N("n-ep-fotuguan-gate", ll(106.5292, 29.5510), 345, "eling-park", T("佛图关公园南门", "Fotuguan Park south gate"),
  src=("S26", "S28"), conf=150)

# --- the woodland steps from Eling Zhengjie up into Eling Park
N("n-ep-woods-start", xy(-242, -75), 333, "eling-park", T("林间台阶起点", "Start of the woodland steps"),
  src=("S12", "S44"), conf=250)
N("n-ep-woods-mid", xy(-280, -90), 343, "eling-park", T("林间台阶平台", "Landing on the woodland steps"),
  src=("S12", "S44"), conf=250)
N("n-ep-east-gate", xy(-305, -80), 353, "eling-park", T("鹅岭公园东侧门", "Eling Park east side gate"),
  src=("S12", "S44"), conf=250)

# --- Eling Park interior (placeholders spread inside the park; ±200 m)
EP = ("S18", "S22", "S23")
N("n-ep-gate-in", xy(-450, -198), 342, "eling-park", T("大门内广场", "Plaza inside the main gate"), src=EP, conf=150)
N("n-ep-stele", xy(-430, -188), 344, "eling-park", T("鹅岭碑", "Eling stele"), src=EP, conf=200)
N("n-ep-yihui", xy(-515, -210), 343, "eling-park", T("艺卉园", "Yihui Garden"), src=("S18",), conf=150)
N("n-ep-hub", xy(-455, -165), 348, "eling-park", T("园内十字路口", "Central crossroads"), src=EP, conf=200)
N("n-ep-rope", xy(-475, -182), 346, "eling-park", T("绳桥", "Rope Bridge"), src=("S22", "S23"), conf=200)
N("n-ep-lake", xy(-505, -188), 346, "eling-park", T("榕湖", "Ronghu Lake"), src=("S22",), conf=200)
N("n-ep-bonsai", xy(-540, -175), 348, "eling-park", T("盆景园", "Bonsai Garden"), src=("S22", "S23"), conf=200)
N("n-ep-tree", xy(-500, -150), 350, "eling-park", T("树王", "King of Trees"), src=("S18",), conf=200)
N("n-ep-bell", xy(-420, -148), 352, "eling-park", T("和平钟", "Peace Bell"), src=("S18",), conf=200)
N("n-ep-teahouse", xy(-395, -170), 348, "eling-park", T("公园茶馆", "Park teahouse"), src=("S21",), conf=200)
N("n-ep-feige", xy(-470, -128), 355, "eling-park", T("飞阁", "Feige Pavilion"), src=("S18",), conf=200)
N("n-ep-embassy", xy(-510, -132), 356, "eling-park", T("使馆旧址", "Wartime embassy sites"), src=("S25",), conf=200)
N("n-ep-tomb", xy(-565, -160), 352, "eling-park", T("苏军烈士墓", "Soviet airmen's tomb"), src=("S18",), conf=200)
N("n-ep-tiger", xy(-600, -150), 358, "eling-park", T("虎台", "Tiger Terrace"), src=("S23",), conf=200)
N("n-ep-west", xy(-625, -172), 352, "eling-park", T("栈道入口（园内）", "Boardwalk entrance inside the park"),
  src=("S28",), conf=200)
N("n-ep-kansheng-foot", xy(-395, -125), 357, "eling-park", T("瞰胜楼下", "Below Kansheng Tower"), src=EP, conf=200)
N("n-ep-kansheng", xy(-371, -110), 380, "eling-park", T("瞰胜楼", "Kansheng Tower"), src=("S18", "S19"), conf=150)
N("n-ep-east-path", xy(-335, -95), 357, "eling-park", src=("S12", "S44"), conf=250)
# --- the cliff boardwalk (鹅岭栈道) to the Fotuguan south gate
N("n-ep-bw-east", xy(-650, -172), 345, "eling-park", T("鹅岭栈道东端", "Eling boardwalk, east end"), src=("S28",),
  conf=250)
N("n-ep-bw-mid", xy(-750, -212), 345, "eling-park", T("鹅岭栈道", "Eling boardwalk"), src=("S28",), conf=300)

# --- Liziba: station building, viewing platform, relics park (estimates)
N("n-lz-concourse", ll(106.533922, 29.555662), 201, "liziba", T("李子坝站站厅（楼内6层）", "Liziba concourse (building 6F)"),
  prov="sourced", src=("S1", "S29", "S30"), conf=20)
N("n-lz-platform", ll(106.533934, 29.555668), 209, "liziba", T("李子坝站站台（楼内8层）", "Liziba platform (building 8F)"),
  level=2, src=("S29", "S30"), conf=30)
N("n-lz-exit2", ll(106.53404, 29.5556), 209, "liziba", T("李子坝站2号口", "Liziba station Exit 2"), level=2,
  src=("S30",), conf=80)
N("n-lz-hill-lane", ll(106.53428, 29.55552), 210, "liziba", T("小黄楼", "Little Yellow Building"), src=("S43",),
  conf=120)
N("n-lz-hill-steps-top", ll(106.53456, 29.5559), 209, "liziba", T("车站东侧台阶口", "Steps east of the station"),
  conf=150)
N("n-lz-street-ne", ll(106.53445, 29.55651), 200, "liziba", T("李子坝正街（大巴停靠点旁）", "Liziba Zhengjie by the coach stop"),
  src=("S1", "S34"), conf=100)
N("n-lz-vp-entrance", ll(106.5336, 29.55595), 201, "liziba", T("观景平台入口", "Viewing platform entrance"),
  src=("S31", "S34"), conf=80)
N("n-lz-vp", ll(106.53375, 29.55625), 200, "liziba", T("李子坝观景平台", "Liziba viewing platform"),
  src=("S31", "S32"), conf=80)
N("n-lz-glass", ll(106.534, 29.55642), 200, "liziba", T("玻璃桥观景区", "Glass-bridge viewing area"),
  src=("S31", "S32"), conf=100)
N("n-lz-coach", ll(106.5343, 29.55665), 200, "liziba", T("旅游大巴停靠点", "Tour-coach stop"), src=("S34",), conf=100)
N("n-lz-relics-gate", ll(106.5337, 29.55652), 190, "liziba", T("抗战遗址公园入口", "Relics park entrance"),
  src=("S35",), conf=100)
N("n-lz-gao", ll(106.533, 29.5566), 188, "liziba", T("高公馆", "Gao Residence"), src=("S35",), conf=150)
N("n-lz-council", ll(106.5327, 29.55648), 188, "liziba", T("军事参议院旧址", "Military Council site"), src=("S35",),
  conf=150)
N("n-lz-ligengu", ll(106.5318, 29.5562), 191, "liziba", T("李根固旧居", "Li Gengu residence"), src=("S35", "S37"),
  conf=150)
N("n-lz-liuxiang", ll(106.531, 29.55598), 194, "liziba", T("刘湘公馆", "Liu Xiang Residence"), src=("S36",),
  conf=150)
N("n-lz-bank", ll(106.53, 29.55558), 197, "liziba", T("交通银行学校旧址", "Bank of Communications school site"),
  src=("S35",), conf=150)
N("n-lz-riverside-e", ll(106.53352, 29.55694), 184, "liziba", T("嘉陵江滨江步道（东）", "Jialing riverside walk (east)"),
  src=("S35",), conf=200)
N("n-lz-riverside-w", ll(106.5318, 29.55655), 184, "liziba", T("嘉陵江滨江步道（西）", "Jialing riverside walk (west)"),
  src=("S35",), conf=200)
N("n-lz-relics-west", ll(106.5292, 29.55515), 203, "liziba", T("遗址公园西口", "Relics park, west exit"),
  src=("S35", "S38"), conf=200)
N("n-lz-st-liuxiang", ll(106.5311, 29.55532), 205, "liziba", T("李子坝正街186号", "186 Liziba Zhengjie"),
  src=("S36",), conf=150)
N("n-lz-st-bank", ll(106.53, 29.55505), 206, "liziba", src=("S35",), conf=200)
N("n-lz-bus-stop", ll(106.5288, 29.55465), 207, "liziba", T("李子坝公交站", "Liziba bus stop"), src=("S38",), conf=200)
N("n-lz-enclave", ll(106.5285, 29.5544), 209, "liziba", T("遗址公园飞地艺术馆", "Relics-park enclave art museum"),
  src=("S38",), conf=200)
N("n-jx-flying-tigers", ll(106.53296, 29.554), 254, "liziba", T("飞虎队纪念馆", "Flying Tigers memorial"),
  src=("S40",), conf=300)

# ---------------------------------------------------------------------------------------------
# Edges
EDGES = []
EDGE_IDS = set()


def E(eid, a, b, kind, mids=(), name=None, hint=None, prov=None, src=None, step_free=None, closed=False,
      hint_reverse=None, hint_both_ways=False, hint_step_free=False):
    """An edge from node `a` to node `b`.

    `hint` is written for walking a -> b and `hint_reverse` for b -> a; `hint_both_ways` marks a
    `hint` that reads right either way; `hint_step_free` keeps the hints to step-free routes.
    """
    assert eid not in EDGE_IDS, eid
    assert not (hint_both_ways and (hint is None or hint_reverse is not None)), eid
    assert not hint_step_free or hint is not None or hint_reverse is not None, eid
    assert a in NODES and b in NODES, (eid, a, b)
    EDGE_IDS.add(eid)
    coords = [NODES[a]["coord"]] + [[round(p[0], 6), round(p[1], 6)] for p in mids] + [NODES[b]["coord"]]
    dz = abs(NODES[a]["elev"] - NODES[b]["elev"])
    steps = int(round(dz / 0.16)) if kind == "stairs" else 0
    if kind == "stairs":
        assert steps > 0, eid
        sf = False
    elif step_free is None:
        sf = True
    else:
        sf = step_free
    if prov is None:
        prov = "estimate"
    if src is None:
        src = sorted(set(NODES[a]["src"]) | set(NODES[b]["src"]))
    EDGES.append(dict(id=eid, a=a, b=b, kind=kind, coords=coords, steps=steps, step_free=sf, name=name,
                      hint=hint, hint_reverse=hint_reverse, hint_both_ways=hint_both_ways,
                      hint_step_free=hint_step_free, prov=prov, src=list(src), closed=closed))


def R(eid, a, b, kind, name=None, hint=None, **kw):
    """Edge along the OSM route between two route nodes (uses the route's own vertices)."""
    i, j = ROUTE_NODE_IDX[a], ROUTE_NODE_IDX[b]
    assert i < j
    E(eid, a, b, kind, mids=ROUTE[i + 1:j], name=name, hint=hint, prov="sourced", src=("S1",), **kw)


EZ = T("鹅岭正街", "Eling Zhengjie")
JX = T("嘉陵新路", "Jialing Xinlu")
LZ = T("李子坝正街", "Liziba Zhengjie")
W01 = T("鹅岭正街—嘉陵新路梯道", "Eling Zhengjie–Jialing Xinlu stairway")
TD = T("TestDesign街", "TestDesign Street")
BW = T("鹅岭栈道", "Eling cliff boardwalk")

# --- OSM route: factory walkway, Eling Zhengjie, the stairway, Jialing Xinlu, Liziba Zhengjie
R("e-fac-centre-square", "n-fac-centre", "n-fac-square", "walkway")
R("e-fac-square-court", "n-fac-square", "n-fac-court", "walkway")
R("e-fac-court-walk-nw", "n-fac-court", "n-fac-walk-nw", "walkway")
R("e-fac-walk-nw-gate", "n-fac-walk-nw", "n-fac-west-gate", "walkway",
  hint=T("园区步道在贰厂入口处接上鹅岭正街，出口旁就是印制二厂公交站。",
         "The park walkway meets Eling Zhengjie at the factory entrance, right by the Yinzhi Erchang bus stop."),
  hint_reverse=T("从鹅岭正街上的贰厂入口（印制二厂公交站旁）进园，园区步道通往入口庭院。",
                 "From the factory entrance on Eling Zhengjie, by the Yinzhi Erchang bus stop, the park walkway "
                 "leads into the entrance court."))
R("e-ez-gate-bus", "n-fac-west-gate", "n-ez-bus", "road", name=EZ)
R("e-ez-bus-w1", "n-ez-bus", "n-ez-w1", "road", name=EZ)
R("e-ez-w1-st1", "n-ez-w1", "n-st1-top", "walkway", name=W01,
  hint=T("过了印制二厂公交站约50米，在鹅岭正街右手（朝嘉陵江一侧）找窄窄的下行梯道口，路口容易错过。",
         "About 50 m past the Yinzhi Erchang bus stop, look for the narrow stair opening on the right (river) side "
         "of Eling Zhengjie; it is easy to walk past."),
  hint_reverse=T("从梯道口上来就是鹅岭正街的岔口，印制二厂公交站在东北方向沿街约50米处。",
                 "From the top of the stairway step out onto Eling Zhengjie at the fork; the Yinzhi Erchang bus stop "
                 "is about 50 m up the street to the north-east."))
R("e-st1", "n-st1-top", "n-st1-foot", "stairs", name=W01)
R("e-ez-low-st1-st2", "n-st1-foot", "n-st2-top", "road", name=EZ,
  hint=T("第一段台阶下来是鹅岭正街下段，右转沿路走约70米，左手边是第二段梯道口。",
         "The first flight ends on the lower part of Eling Zhengjie: turn right and after about 70 m the second "
         "flight opens on your left."),
  hint_reverse=T("沿鹅岭正街下段往西南走约70米，左手边是第一段梯道口，上去就是鹅岭正街上段。",
                 "Follow lower Eling Zhengjie south-west for about 70 m; the first flight of the stairway, up to the "
                 "upper street, opens on your left."))
R("e-st2", "n-st2-top", "n-st2-foot", "stairs", name=W01)
R("e-st2-st3", "n-st2-foot", "n-st3-top", "walkway", name=W01,
  hint=T("第二段台阶底部左转，几步之后接着下第三段。", "At the foot of the second flight turn left; the third flight starts a few steps on."),
  hint_reverse=T("第三段台阶上来，走几步就是第二段台阶，继续往上。",
                 "At the top of the third flight the second flight starts a few steps on; keep climbing."))
R("e-st3", "n-st3-top", "n-st3-foot", "stairs", name=W01)
R("e-st3-st4", "n-st3-foot", "n-st4-top", "walkway", name=W01,
  hint=T("第三段台阶下来左转，沿小路走约30米找到最后一段台阶。",
         "After the third flight turn left along the path for about 30 m to the last flight."),
  hint_reverse=T("沿小路往东走约30米，到第三段台阶底部继续上行。",
                 "Follow the path east for about 30 m to the foot of the third flight and climb on."))
R("e-st4", "n-st4-top", "n-jx-stairs-foot", "stairs", name=W01,
  hint=T("最后一段台阶出口在嘉陵新路上，去李子坝要左转（往西），不要右转。",
         "The last flight comes out on Jialing Xinlu: turn left (west) for Liziba, not right."),
  hint_reverse=T("从嘉陵新路上去，这是通往鹅岭正街和贰厂的四段台阶中的第一段。",
                 "From Jialing Xinlu this is the first of four flights up to Eling Zhengjie and the No.2 Factory."))
R("e-jx-foot-2", "n-jx-stairs-foot", "n-jx-2", "road", name=JX)
R("e-jx-2-5", "n-jx-2", "n-jx-5", "road", name=JX)
R("e-jx-5-6", "n-jx-5", "n-jx-6", "road", name=JX)
R("e-jx-6-stilwell", "n-jx-6", "n-jx-stilwell", "road", name=JX)
R("e-jx-stilwell-8", "n-jx-stilwell", "n-jx-8", "road", name=JX)
R("e-jx-8-10", "n-jx-8", "n-jx-10", "road", name=JX)
R("e-jx-10-12", "n-jx-10", "n-jx-12", "road", name=JX)
R("e-jx-12-hairpin", "n-jx-12", "n-jx-hairpin", "road", name=JX,
  hint=T("沿嘉陵新路一直下行到回头弯，路会在这里折返向东北，别走进岔路上坡。",
         "Keep descending on Jialing Xinlu to the hairpin, where the road doubles back north-east; do not take a "
         "branch uphill."),
  hint_reverse=T("从回头弯沿嘉陵新路往东上坡，别拐进岔路。",
                 "From the hairpin keep climbing east on Jialing Xinlu; ignore the side branches."))
R("e-jx-hairpin-hp2", "n-jx-hairpin", "n-jx-hp-2", "walkway", name=JX,
  hint=T("在回头弯处转到内侧人行道，掉头朝东北方向（李子坝）走。",
         "At the hairpin switch to the inner walkway and turn back north-east towards Liziba."),
  hint_reverse=T("内侧人行道在回头弯处结束，回到嘉陵新路上，往东上坡朝贰厂方向走。",
                 "The inner walkway ends at the hairpin: rejoin Jialing Xinlu there and follow it uphill (east) "
                 "towards the factory."))
R("e-jx-hp-2-5", "n-jx-hp-2", "n-jx-hp-5", "walkway", name=JX)
R("e-jx-hp-5-8", "n-jx-hp-5", "n-jx-hp-8", "walkway", name=JX)
R("e-jx-hp-8-11", "n-jx-hp-8", "n-jx-hp-11", "walkway", name=JX)
R("e-jx-hp-11-low1", "n-jx-hp-11", "n-jx-low-1", "walkway", name=JX,
  hint=T("人行道在这里拐一个小弯（先左后右），然后回到嘉陵新路下段的路边。",
         "The walkway jinks here (left, then right) before rejoining the lower branch of Jialing Xinlu."),
  hint_reverse=T("人行道离开嘉陵新路下段时拐一个小弯（先左后右），接上回头弯的内侧人行道。",
                 "Leaving the lower branch of Jialing Xinlu, the walkway jinks (left, then right) onto the inner "
                 "walkway of the hairpin."))
R("e-jx-low-1-2", "n-jx-low-1", "n-jx-low-2", "road", name=JX)
R("e-jx-low-2-3", "n-jx-low-2", "n-jx-low-3", "road", name=JX,
  hint=T("岔路口靠左，继续走嘉陵新路，前方就是李子坝正街路口。",
         "Keep left at the fork to stay on Jialing Xinlu; the Liziba Zhengjie junction is just ahead."),
  hint_reverse=T("沿嘉陵新路上坡，离开李子坝正街路口，岔路口不要拐进旁边的路。",
                 "Stay on Jialing Xinlu uphill, away from the Liziba Zhengjie junction; ignore the side road that "
                 "joins at the fork."))
R("e-jx-low-3-jct", "n-jx-low-3", "n-lz-jct", "road", name=JX)
R("e-lz-jct-b", "n-lz-jct", "n-lz-jct-b", "road", name=LZ)
R("e-lz-jct-b-walk", "n-lz-jct-b", "n-lz-walk-b", "walkway", name=LZ)
R("e-lz-walk-mid", "n-lz-walk-b", "n-lz-street-mid", "road", name=LZ)
R("e-lz-mid-station", "n-lz-street-mid", "n-lz-street-station", "road", name=LZ)
R("e-lz-station-front", "n-lz-street-station", "n-lz-station-front", "walkway", name=LZ)
R("e-lz-front-exit1", "n-lz-station-front", "n-lz-exit1", "walkway",
  hint=T("1号口就在车站大楼底部、游客服务中心旁边，看到红绿灯就到了。",
         "Exit 1 is at the foot of the station building beside the visitor centre, by the traffic lights."),
  hint_reverse=T("从1号口出来，红绿灯就在车站门前、游客服务中心旁边的李子坝正街上。",
                 "Leaving by Exit 1, the traffic lights on Liziba Zhengjie are right in front of the station, beside "
                 "the visitor centre."))
E("e-lz-front-jct-b", "n-lz-station-front", "n-lz-jct-b", "walkway", mids=ROUTE_RETURN_MID, name=LZ,
  prov="sourced", src=("S1",))

# --- factory interior
E("e-fac-square-bldg2", "n-fac-square", "n-fac-bldg2", "walkway")
E("e-fac-bldg2-centre", "n-fac-bldg2", "n-fac-centre", "walkway")
E("e-fac-court-monkey", "n-fac-court", "n-fac-monkey-2f", "stairs", mids=[xy(-62, 16)],
  hint=T("咖啡馆在入口那栋楼的二楼，认准白色字母招牌从楼侧楼梯上去。",
         "The café is on the first floor up in the building at the entrance: take the side stairs under the white "
         "letter sign."),
  hint_reverse=T("从咖啡馆沿楼侧楼梯下到入口庭院。",
                 "From the café take the side stairs back down to the entrance court."))
E("e-fac-square-wc", "n-fac-square", "n-fac-wc", "walkway")
E("e-fac-wc-td-w", "n-fac-wc", "n-fac-td-w", "walkway")
E("e-fac-centre-td-w", "n-fac-centre", "n-fac-td-w", "walkway", name=TD,
  hint=T("TestDesign街藏在TESTBED2大楼背后，从大楼左侧的窄巷穿进去。",
         "TestDesign Street hides behind the TESTBED2 building: slip into the narrow lane on the building's left."),
  hint_reverse=T("从TestDesign街西头沿TESTBED2大楼旁的窄巷出来，就是园区中心步道。",
                 "From the west end of TestDesign Street the narrow lane beside the TESTBED2 building leads out to "
                 "the park centre walkway."))
E("e-fac-td", "n-fac-td-w", "n-fac-td-e", "walkway", mids=[xy(10, -18)], name=TD)
E("e-fac-td-e-memory", "n-fac-td-e", "n-fac-memory", "walkway")
E("e-fac-memory-centre", "n-fac-memory", "n-fac-centre", "walkway")
E("e-fac-memory-east", "n-fac-memory", "n-fac-east", "walkway")
E("e-fac-east-centre", "n-fac-east", "n-fac-centre", "walkway", mids=[xy(30, 6)])
E("e-fac-memory-terrace", "n-fac-memory", "n-fac-memory-terrace", "walkway", mids=[xy(48, -20)])
E("e-fac-led-steps", "n-fac-td-e", "n-fac-south", "stairs", mids=[xy(22, -38)])
E("e-fac-wc-h", "n-fac-wc", "n-fac-h-foot", "walkway")
E("e-fac-h-stairs", "n-fac-h-foot", "n-fac-h-3f", "stairs", mids=[xy(-30, -31), xy(-40, -30), xy(-30, -36)],
  hint=T("H楼的宽楼梯从底层直通三楼涂鸦大厅。", "Building H's wide staircase runs straight up to the graffiti hall on the third floor."),
  hint_reverse=T("H楼的宽楼梯从三楼涂鸦大厅直通底层。",
                 "Building H's wide staircase runs straight down from the graffiti hall to the ground floor."))
E("e-fac-h-t2", "n-fac-h-foot", "n-fac-t2", "walkway")
E("e-fac-t2-sw", "n-fac-t2", "n-fac-sw", "walkway", mids=[xy(-90, -42)])
E("e-fac-t2-graffiti", "n-fac-t2", "n-fac-graffiti", "walkway", mids=[xy(-40, -46)])
E("e-fac-h-graffiti", "n-fac-h-foot", "n-fac-graffiti", "walkway")
E("e-fac-graffiti-south", "n-fac-graffiti", "n-fac-south", "walkway")
E("e-fac-south-yangtze", "n-fac-south", "n-fac-yangtze", "walkway")
E("e-fac-east-south", "n-fac-east", "n-fac-south", "walkway", mids=[xy(58, -20), xy(40, -45)])
E("e-fac-yangtze-terrace", "n-fac-yangtze", "n-fac-memory-terrace", "stairs", mids=[xy(46, -52)])
E("e-fac-bldg2-north", "n-fac-bldg2", "n-fac-north-terrace", "walkway")
E("e-fac-centre-north", "n-fac-centre", "n-fac-north-terrace", "walkway", mids=[xy(3, 15)])
E("e-fac-north-tea", "n-fac-north-terrace", "n-fac-tea-base", "walkway")
E("e-fac-tea-lift", "n-fac-tea-base", "n-fac-tea-roof", "elevator",
  hint=T("电梯在北侧平台边那栋楼里，上到顶层就是屋顶茶室。",
         "The lift is in the building on the edge of the north terrace; ride it to the top for the rooftop tea room."),
  hint_reverse=T("乘电梯下到底层，出来就是北侧平台。",
                 "Ride the lift down to the ground floor; it comes out by the north terrace."))
E("e-fac-tea-stairs", "n-fac-north-terrace", "n-fac-tea-roof", "stairs",
  mids=[xy(2, 36), xy(-6, 40), xy(2, 41), xy(-6, 43), xy(2, 44), xy(-6, 40)])  # stairwell drawn as flights
E("e-fac-bldg2-bridge", "n-fac-bldg2", "n-fac-bridge-s", "walkway")
E("e-fac-red-footbridge", "n-fac-bridge-s", "n-fac-bridge-n", "footbridge", src=("study",),
  hint=T("红色天桥从北侧平台西头伸出，跨过下方小巷，走过去就是屋顶平台。",
         "The red footbridge leaves the west end of the north terrace and crosses the lane below to the roof deck."),
  hint_reverse=T("从屋顶平台走红色天桥，跨过下方小巷回到北侧平台西头。",
                 "From the roof deck the red footbridge crosses the lane below back to the west end of the north "
                 "terrace."))
E("e-fac-deck-city-radio", "n-fac-bridge-n", "n-fac-city-radio", "walkway",
  hint=T("过天桥后向东北走，屋顶上的“城市电台”取景处就在平台尽头。",
         "After the footbridge head north-east across the roofs; the City Radio film spot is at the far end of the deck."),
  hint_reverse=T("从“城市电台”取景处沿屋顶往西南走，到红色天桥。",
                 "From the City Radio film spot head south-west across the roofs to the red footbridge."))
E("e-fac-deck-love-roof", "n-fac-bridge-n", "n-fac-love-roof", "walkway")
E("e-fac-city-radio-love", "n-fac-city-radio", "n-fac-love-roof", "walkway")
E("e-fac-bridge-s-iron", "n-fac-bridge-s", "n-fac-iron-top", "walkway")
E("e-fac-court-iron", "n-fac-court", "n-fac-iron-top", "walkway", mids=[xy(-70, 26)])
E("e-fac-iron-stairs", "n-fac-iron-top", "n-fac-mid-w", "stairs",
  hint=T("铁楼梯在北侧平台西端，锈色扶手一路通到下面的斑驳墙小巷。",
         "The iron staircase drops from the west end of the north terrace to the mottled-wall lane, rusty rails all the way."),
  hint_reverse=T("铁楼梯从斑驳墙小巷一路爬上北侧平台西端，全程锈色扶手。",
                 "The iron staircase climbs from the mottled-wall lane to the west end of the north terrace, rusty "
                 "rails all the way."))
E("e-fac-city-radio-stairs", "n-fac-city-radio", "n-fac-mid-c", "stairs", mids=[xy(-26, 62)])
E("e-fac-mid-w-c", "n-fac-mid-w", "n-fac-mid-c", "walkway")
E("e-fac-mid-c-huajiang", "n-fac-mid-c", "n-fac-huajiang", "walkway")
E("e-fac-huajiang-mid-e", "n-fac-huajiang", "n-fac-mid-e", "walkway")
E("e-fac-huajiang-roof", "n-fac-huajiang", "n-fac-huajiang-roof", "stairs",
  mids=[xy(24, 52), xy(14, 54), xy(24, 56), xy(14, 58), xy(24, 60), xy(14, 57)])  # stairwell drawn as flights
E("e-fac-service-ramp", "n-fac-east", "n-fac-mid-e", "walkway", mids=[xy(92, 22)],
  hint=T("无台阶路线：从园区东侧巷沿坡道下到北侧小巷，可到华江楼底层。",
         "Step-free: from the east lane a sloping service lane leads down to the north lane and the Huajiang Building."),
  hint_reverse=T("无台阶路线：从北侧小巷沿坡道上到园区东侧巷。",
                 "Step-free: from the north lane a sloping service lane leads up to the east lane of the park."),
  hint_step_free=True)
E("e-fac-north-steps", "n-fac-mid-w", "n-ez-low-1", "stairs", mids=[xy(-82, 80)])
E("e-fac-east-steps", "n-fac-mid-e", "n-ez-low-3", "stairs", mids=[xy(76, 90)])
E("e-fac-sw-road", "n-fac-sw", "n-ez-sw-jct", "walkway", mids=[xy(-160, -42)],
  hint=T("西南侧门出去就是鹅岭正街，往西南走可去鹅岭公园。",
         "The south-west side gate opens onto Eling Zhengjie; go south-west for Eling Park."),
  hint_reverse=T("贰厂西南侧门就在鹅岭正街边，进门后小路通往T2艺术中心和南侧小巷。",
                 "The factory's south-west side gate opens off Eling Zhengjie here; through it the path leads to the "
                 "T2 art centre and the south lane."))

E("e-fac-court-bldg2", "n-fac-court", "n-fac-bldg2", "walkway")
E("e-fac-north-east", "n-fac-north-terrace", "n-fac-east", "walkway", mids=[xy(35, 22)])
E("e-fac-wc-t2", "n-fac-wc", "n-fac-t2", "walkway", mids=[xy(-55, -20)])
E("e-fac-south-sw", "n-fac-south", "n-fac-sw", "walkway", mids=[xy(-50, -62), xy(-95, -55)])

# --- step-free road alternative to the stairway (Eling Zhengjie switchbacks; estimated)
E("e-ez-loop-1", "n-ez-w1", "n-ez-loop", "road", mids=[xy(-190, 2)], name=EZ,
  hint=T("无台阶路线：在岔口不下梯道，沿鹅岭正街向西绕一个弯下到下段。",
         "Step-free: at the fork skip the stairway and follow Eling Zhengjie round the bend to its lower part."),
  hint_reverse=T("无台阶路线：沿鹅岭正街绕弯上行，到离印制二厂公交站约50米的岔口。",
                 "Step-free: follow Eling Zhengjie up round the bend to the fork about 50 m from the Yinzhi Erchang "
                 "bus stop."),
  hint_step_free=True)
E("e-ez-loop-2", "n-ez-loop", "n-st1-foot", "road", mids=[xy(-205, 40)], name=EZ)
E("e-ez-low-st2-1", "n-st2-top", "n-ez-low-1", "road", name=EZ,
  hint=T("无台阶路线：在第二段梯道口不下台阶，沿鹅岭正街下段向东走，绕到嘉陵新路。",
         "Step-free: at the head of the second flight stay on lower Eling Zhengjie eastwards; it winds down to Jialing Xinlu."),
  hint_reverse=T("无台阶路线：沿鹅岭正街下段往西走，经过第二段梯道口不下台阶，绕弯上到鹅岭正街上段。",
                 "Step-free: stay on lower Eling Zhengjie westwards past the head of the second flight; it climbs "
                 "round the bend to the upper street."),
  hint_step_free=True)
E("e-ez-low-1-2", "n-ez-low-1", "n-ez-low-2", "road", name=EZ)
E("e-ez-low-2-3", "n-ez-low-2", "n-ez-low-3", "road", name=EZ)
E("e-ez-low-3-4", "n-ez-low-3", "n-ez-low-4", "road", name=EZ)
E("e-ez-low-4-5", "n-ez-low-4", "n-ez-low-5", "road", name=EZ)
E("e-ez-low-5-6", "n-ez-low-5", "n-ez-low-6", "road", name=EZ)
E("e-ez-low-6-jct", "n-ez-low-6", "n-jx-east-jct", "road", mids=[xy(285, 205)], name=EZ,
  hint=T("鹅岭正街下段在此折向西北并入嘉陵新路，沿嘉陵新路向西可到梯道口和李子坝。",
         "Lower Eling Zhengjie turns north-west here and joins Jialing Xinlu; follow Jialing Xinlu west to the "
         "stair foot and on to Liziba."),
  hint_reverse=T("在嘉陵新路东路口转上鹅岭正街下段，往东南上坡，绕回贰厂下方。",
                 "At the Jialing Xinlu east junction take lower Eling Zhengjie, which climbs south-east and winds "
                 "back up below the factory."))
E("e-jx-east-4", "n-jx-east-jct", "n-jx-e4", "road", name=JX)
E("e-jx-east-3", "n-jx-e4", "n-jx-e3", "road", name=JX)
E("e-jx-east-2", "n-jx-e3", "n-jx-e2", "road", name=JX)
E("e-jx-east-1", "n-jx-e2", "n-jx-e1", "road", name=JX)
E("e-jx-east-foot", "n-jx-e1", "n-jx-stairs-foot", "road", name=JX)

# --- Eling Zhengjie west to Eling Park and Eling station (estimated)
E("e-ez-w1-sw", "n-ez-w1", "n-ez-sw-jct", "road", mids=[xy(-185, -15)], name=EZ)
E("e-ez-sw-woods", "n-ez-sw-jct", "n-ez-woods-foot", "road", name=EZ)
E("e-ez-woods-bend", "n-ez-woods-foot", "n-ez-bend", "road", name=EZ)
E("e-ez-bend-mid", "n-ez-bend", "n-ez-mid", "road", name=EZ)
E("e-ez-mid-gate", "n-ez-mid", "n-ep-gate", "road", mids=[xy(-395, -200)], name=EZ)
E("e-ez-gate-west", "n-ep-gate", "n-ez-west-1", "road", mids=[xy(-520, -245)], name=EZ)
E("e-ez-west-station", "n-ez-west-1", "n-ep-eling-stn", "road", mids=[xy(-660, -310)], name=EZ,
  hint=T("沿鹅岭正街往西约300米到鹅岭站，2A出口在路边。",
         "Follow Eling Zhengjie west for about 300 m to Eling station; Exit 2A is on the street."),
  hint_reverse=T("从鹅岭站沿鹅岭正街往东约300米到鹅岭公园正门。",
                 "From Eling station follow Eling Zhengjie east for about 300 m to the Eling Park main gate."))
E("e-ep-station-fotuguan", "n-ep-eling-stn", "n-ep-fotuguan-gate", "crossing",
  hint=T("出鹅岭站过马路就是佛图关公园南门，门内有“巴渝风”石雕。",
         "Cross the road from Eling station to Fotuguan Park's south gate, marked by the 'Bayu Feng' stone sculpture."),
  hint_reverse=T("从佛图关公园南门（“巴渝风”石雕处）过马路就是鹅岭站。",
                 "From Fotuguan Park's south gate (the 'Bayu Feng' stone sculpture) cross the road to Eling station."))

# --- the woodland steps (a hundred-odd steps) from Eling Zhengjie into Eling Park
E("e-ep-woods-crossing", "n-ez-woods-foot", "n-ep-woods-start", "crossing",
  hint=T("在鹅岭正街这一段过马路，对面树林里的石阶就是上鹅岭公园的近路。",
         "Cross Eling Zhengjie here: the stone steps in the trees opposite are the short way up into Eling Park."),
  hint_reverse=T("林间石阶下来后过鹅岭正街，沿街往东北走一小段就是贰厂西南侧门。",
                 "At the foot of the woodland steps cross Eling Zhengjie; the factory's south-west gate is a short "
                 "walk north-east along the street."))
E("e-ep-woods-1", "n-ep-woods-start", "n-ep-woods-mid", "stairs", mids=[xy(-255, -90), xy(-270, -95)],
  hint=T("林间台阶共一百多级，中途有一处平台可歇脚。", "About a hundred-odd steps through the woods, with a landing halfway."),
  hint_both_ways=True)
E("e-ep-woods-2", "n-ep-woods-mid", "n-ep-east-gate", "stairs", mids=[xy(-296, -92)],
  hint=T("台阶尽头是鹅岭公园东侧门，进门后沿上坡路可到瞰胜楼。",
         "The steps end at Eling Park's east side gate; inside, the uphill path leads to Kansheng Tower."),
  hint_reverse=T("从鹅岭公园东侧门沿林间石阶下行，可到鹅岭正街。",
                 "From Eling Park's east side gate the woodland steps lead down through the trees to Eling Zhengjie."))

# --- Eling Park interior
E("e-ep-gate-in", "n-ep-gate", "n-ep-gate-in", "walkway")
E("e-ep-gate-stele", "n-ep-gate-in", "n-ep-stele", "walkway")
E("e-ep-gate-yihui", "n-ep-gate-in", "n-ep-yihui", "walkway", mids=[xy(-480, -205)])
E("e-ep-stele-hub", "n-ep-stele", "n-ep-hub", "walkway")
E("e-ep-gate-hub", "n-ep-gate-in", "n-ep-hub", "walkway", mids=[xy(-458, -180)])
E("e-ep-gate-rope", "n-ep-gate-in", "n-ep-rope", "walkway")
E("e-ep-hub-teahouse", "n-ep-hub", "n-ep-teahouse", "walkway")
E("e-ep-hub-rope", "n-ep-hub", "n-ep-rope", "walkway")
E("e-ep-rope-lake", "n-ep-rope", "n-ep-lake", "walkway")
E("e-ep-yihui-lake", "n-ep-yihui", "n-ep-lake", "walkway")
E("e-ep-lake-bonsai", "n-ep-lake", "n-ep-bonsai", "walkway")
E("e-ep-bonsai-tree", "n-ep-bonsai", "n-ep-tree", "walkway")
E("e-ep-tree-hub", "n-ep-tree", "n-ep-hub", "walkway")
E("e-ep-bonsai-tomb", "n-ep-bonsai", "n-ep-tomb", "walkway")
E("e-ep-tomb-tiger", "n-ep-tomb", "n-ep-tiger", "walkway")
E("e-ep-tiger-west", "n-ep-tiger", "n-ep-west", "walkway")
E("e-ep-tomb-west", "n-ep-tomb", "n-ep-west", "walkway", mids=[xy(-600, -172)])
E("e-ep-tree-feige", "n-ep-tree", "n-ep-feige", "walkway")
E("e-ep-feige-embassy", "n-ep-feige", "n-ep-embassy", "walkway")
E("e-ep-embassy-tiger", "n-ep-embassy", "n-ep-tiger", "walkway", mids=[xy(-560, -138)])
E("e-ep-hub-bell", "n-ep-hub", "n-ep-bell", "walkway")
E("e-ep-stele-teahouse", "n-ep-stele", "n-ep-teahouse", "walkway")
E("e-ep-teahouse-bell", "n-ep-teahouse", "n-ep-bell", "walkway")
E("e-ep-bell-kansheng-foot", "n-ep-bell", "n-ep-kansheng-foot", "walkway")
E("e-ep-feige-kansheng-foot", "n-ep-feige", "n-ep-kansheng-foot", "walkway", mids=[xy(-430, -122)])
E("e-ep-kansheng-ramp", "n-ep-kansheng-foot", "n-ep-kansheng", "walkway",
  mids=[xy(-410, -110), xy(-385, -100), xy(-405, -92), xy(-380, -88), xy(-365, -98)],
  hint=T("瞰胜楼下的之字形坡道比台阶平缓，沿塔的方向上坡即可。",
         "The zig-zag path below Kansheng Tower is gentler than the steps; keep heading uphill towards the tower."),
  hint_reverse=T("从瞰胜楼下山走之字形坡道比台阶平缓，一路下坡即可。",
                 "The zig-zag path down from Kansheng Tower is gentler than the steps; keep heading downhill away "
                 "from the tower."))
E("e-ep-kansheng-steps", "n-ep-east-path", "n-ep-kansheng", "stairs", mids=[xy(-352, -104)])
E("e-ep-east-gate-path", "n-ep-east-gate", "n-ep-east-path", "walkway", mids=[xy(-318, -96)],
  hint=T("从东侧门进园后沿林荫路往西，看到瞰胜楼塔顶就不会走错。",
         "From the east side gate follow the shaded path west; keep the top of Kansheng Tower in sight."),
  hint_reverse=T("沿林荫路往东下坡到公园东侧门，门外林间石阶可下到鹅岭正街。",
                 "Follow the shaded path east and downhill to the park's east side gate, where the woodland steps "
                 "lead down to Eling Zhengjie."))
E("e-ep-east-path-foot", "n-ep-east-path", "n-ep-kansheng-foot", "walkway", mids=[xy(-365, -120)])
E("e-ep-teahouse-road", "n-ep-teahouse", "n-ez-mid", "walkway", mids=[xy(-360, -175)],
  hint=T("茶馆旁有一条小路通到鹅岭正街，可作东侧出口。",
         "A path beside the teahouse leads out to Eling Zhengjie, a handy eastern way out."),
  hint_reverse=T("从鹅岭正街有一条小路上坡进园，直通茶馆，是东侧的便捷入口。",
                 "From Eling Zhengjie a path leads up into the park to the teahouse, a handy eastern way in."))
# the cliff boardwalk to the Fotuguan south gate
E("e-ep-bw-spiral", "n-ep-west", "n-ep-bw-east", "walkway", step_free=False,
  mids=[xy(-632, -164), xy(-642, -162), xy(-648, -172), xy(-640, -180), xy(-632, -174), xy(-640, -166)], name=BW,
  hint=T("栈道在公园西头以螺旋通道接入，找“鹅岭栈道”指示牌。",
         "The boardwalk joins the park by a spiral at its west end; follow the 'Eling boardwalk' signs."),
  hint_reverse=T("栈道在这一头以螺旋通道上到鹅岭公园，上去就是园内道路。",
                 "At this end the boardwalk climbs into Eling Park by a spiral; the park's paths start at the top."))
E("e-ep-bw-1", "n-ep-bw-east", "n-ep-bw-mid", "walkway", mids=[xy(-690, -178), xy(-725, -190)], name=BW)
E("e-ep-bw-2", "n-ep-bw-mid", "n-ep-fotuguan-gate", "walkway", mids=[xy(-775, -230), xy(-785, -265), xy(-765, -292)],
  name=BW,
  hint=T("栈道需提前在“渝中公园”微信预约，排队从佛图关公园南门开始。",
         "The boardwalk needs a booking through the 'Yuzhong Parks' WeChat service; the queue starts at "
         "Fotuguan Park's south gate."),
  hint_both_ways=True)

# --- Liziba: station building (indoor/elevator), platform, coach stop, relics park
E("e-lz-exit1-concourse", "n-lz-exit1", "n-lz-concourse", "indoor")
E("e-lz-lift", "n-lz-concourse", "n-lz-platform", "elevator",
  hint=T("站厅（楼内6层）有直梯上到站台层（8层）。", "A lift runs from the concourse (building 6F) to the platform level (8F)."),
  hint_reverse=T("站台层（楼内8层）有直梯下到站厅（6层）。",
                 "A lift runs from the platform level (building 8F) down to the concourse (6F)."))
E("e-lz-platform-exit2", "n-lz-platform", "n-lz-exit2", "indoor")
E("e-lz-exit2-lane", "n-lz-exit2", "n-lz-hill-lane", "walkway",
  hint=T("2号口开在站台层，出口外是车站背后的山坡小巷，小黄楼就在旁边。",
         "Exit 2 opens at platform level onto the hillside lane behind the station, next to the Little Yellow Building."),
  hint_reverse=T("李子坝站2号口就在小黄楼旁，从这里进站就是站台层。",
                 "Exit 2 of Liziba station is right next to the Little Yellow Building; it leads in at platform "
                 "level."))
E("e-lz-lane-steps-top", "n-lz-hill-lane", "n-lz-hill-steps-top", "walkway")
E("e-lz-hill-steps", "n-lz-hill-steps-top", "n-lz-street-ne", "stairs", mids=[ll(106.53462, 29.55622)])
E("e-lz-street-ne", "n-lz-street-station", "n-lz-street-ne", "road", mids=[ll(106.53412, 29.55624)], name=LZ)
E("e-lz-crossing-platform", "n-lz-station-front", "n-lz-vp-entrance", "crossing",
  hint=T("出1号口在红绿灯处过李子坝正街，对面临江一侧就是观景平台。",
         "From Exit 1 cross Liziba Zhengjie at the traffic lights; the viewing platform is on the river side opposite."),
  hint_reverse=T("从观景平台在红绿灯处过李子坝正街，对面就是李子坝站1号口。",
                 "From the viewing platform cross Liziba Zhengjie at the traffic lights; Liziba station's Exit 1 is "
                 "on the opposite side."))
E("e-lz-vp-entrance", "n-lz-vp-entrance", "n-lz-vp", "walkway")
E("e-lz-vp-glass", "n-lz-vp", "n-lz-glass", "walkway")
E("e-lz-glass-coach", "n-lz-glass", "n-lz-coach", "walkway")
E("e-lz-coach-crossing", "n-lz-coach", "n-lz-street-ne", "crossing")
E("e-lz-vp-relics", "n-lz-vp", "n-lz-relics-gate", "stairs", mids=[ll(106.53368, 29.55638)],
  hint=T("抗战遗址公园的入口在观景平台下方，从平台西头的台阶往下走。",
         "The relics park entrance lies below the viewing platform: take the steps down from the platform's west end."),
  hint_reverse=T("从抗战遗址公园入口沿台阶上到观景平台西头。",
                 "From the relics park entrance take the steps up to the west end of the viewing platform."))
E("e-lz-relics-gao", "n-lz-relics-gate", "n-lz-gao", "walkway", mids=[ll(106.53335, 29.55662)])
E("e-lz-gao-council", "n-lz-gao", "n-lz-council", "walkway")
E("e-lz-council-ligengu", "n-lz-council", "n-lz-ligengu", "walkway", mids=[ll(106.5322, 29.55638)])
E("e-lz-ligengu-liuxiang", "n-lz-ligengu", "n-lz-liuxiang", "walkway")
E("e-lz-liuxiang-bank", "n-lz-liuxiang", "n-lz-bank", "walkway", mids=[ll(106.5305, 29.55582)])
E("e-lz-bank-west", "n-lz-bank", "n-lz-relics-west", "walkway")
E("e-lz-west-bus", "n-lz-relics-west", "n-lz-bus-stop", "walkway")
E("e-lz-bus-enclave", "n-lz-bus-stop", "n-lz-enclave", "crossing",
  hint=T("遗址公园的飞地在公交站马路对面，加油站过去就是。",
         "The relics-park enclave is across the road from the bus stop, just past the petrol station."),
  hint_reverse=T("李子坝公交站在遗址公园飞地的马路对面。",
                 "The Liziba bus stop is across the road from the relics-park enclave."))
E("e-lz-relics-riverside", "n-lz-relics-gate", "n-lz-riverside-e", "stairs", mids=[ll(106.53362, 29.55675)],
  hint=T("遗址公园入口处再往下走台阶就到嘉陵江边的滨江步道。",
         "From the relics park entrance more steps lead down to the riverside walk along the Jialing."),
  hint_reverse=T("从滨江步道沿台阶往上就是遗址公园入口。",
                 "From the riverside walk steps lead up to the relics park entrance."))
E("e-lz-riverside", "n-lz-riverside-e", "n-lz-riverside-w", "walkway", mids=[ll(106.5328, 29.55688), ll(106.5323, 29.55672)])
E("e-lz-riverside-ligengu", "n-lz-riverside-w", "n-lz-ligengu", "stairs")
E("e-lz-west-1", "n-lz-jct", "n-lz-st-liuxiang", "road", mids=[ll(106.5322, 29.55512)], name=LZ)
E("e-lz-west-2", "n-lz-st-liuxiang", "n-lz-st-bank", "road", name=LZ)
E("e-lz-west-3", "n-lz-st-bank", "n-lz-bus-stop", "road", name=LZ)
E("e-lz-liuxiang-side", "n-lz-st-liuxiang", "n-lz-liuxiang", "walkway",
  hint=T("无台阶入口：李子坝正街186号刘湘公馆旁的坡道通进遗址公园。",
         "Step-free way in: a ramp beside Liu Xiang Residence at 186 Liziba Zhengjie leads into the relics park."),
  hint_reverse=T("无台阶出口：从刘湘公馆沿坡道上到李子坝正街186号。",
                 "Step-free way out: from Liu Xiang Residence the ramp leads up to Liziba Zhengjie at number 186."),
  hint_step_free=True)
E("e-lz-bank-steps", "n-lz-st-bank", "n-lz-bank", "stairs")
E("e-jx-stilwell-tigers", "n-jx-stilwell", "n-jx-flying-tigers", "crossing",
  hint=T("飞虎队纪念馆在史迪威博物馆的马路对面。", "The Flying Tigers memorial is across the road from the Stilwell Museum."),
  hint_reverse=T("史迪威博物馆在飞虎队纪念馆的马路对面。",
                 "The Stilwell Museum is across the road from the Flying Tigers memorial."))


# ---------------------------------------------------------------------------------------------
# Places
PLACES = []

HIGH = {"artistic_landmark", "photo_spot", "industrial_architecture", "film_location"}
MED = {"tnt_same_style", "creative_park", "banknote_history", "graffiti_retro_street"}
UTILITY_KINDS = {"transit", "gate", "restroom"}

FACTORY_HOURS = "09:00-22:00"   # S4
ELING_HOURS = "08:00-22:30"     # S20, S21
METRO_HOURS = "06:30-23:00"     # Line 2 service at Liziba, approx. (S49, unverified)


def popularity(tags, kind):
    h = sorted(t for t in tags if t in HIGH)
    m = sorted(t for t in tags if t in MED)
    if h:
        return min(1.0, 0.8 + 0.05 * (len(h) - 1) + 0.03 * len(m))
    if m:
        return min(0.7, 0.5 + 0.05 * (len(m) - 1))
    if kind in UTILITY_KINDS:
        return 0.1
    return 0.3 if tags else 0.2


PARK_HOURS_NOTE = {FACTORY_HOURS: "Hours follow the park's (S4).", ELING_HOURS: "Hours follow Eling Park's (S20, S21)."}


def P(pid, area, kind, name, desc, pos, node, *, hours, dwell, tags, prov, src, conf, elev=None, level=0, fee=0,
      fee_note=None, notes=None, pop=None):
    # Places open with their park say where the hours come from, unless their notes already do.
    if hours in PARK_HOURS_NOTE and kind != "park" and "hours" not in (notes or "").lower():
        notes = f"{notes} {PARK_HOURS_NOTE[hours]}" if notes else PARK_HOURS_NOTE[hours]
    PLACES.append(dict(id=pid, area=area, kind=kind, name=name, desc=desc, pos=[round(pos[0], 6), round(pos[1], 6)],
                       node=node, hours=hours, dwell=dwell, tags=list(tags), prov=prov, src=list(src), conf=conf,
                       elev=elev, level=level, fee=fee, fee_note=fee_note, notes=notes,
                       pop=round(pop if pop is not None else popularity(tags, kind), 2)))


NO_HOURS = "Opening hours not found; the park's hours are used."
SPREAD = "Fact sheet gives only a placeholder point; spread to a plausible distinct spot, keep as estimate."

# --- Factory park ------------------------------------------------------------------------------
P("factory-park", "factory", "park",
  T("鹅岭贰厂文创公园", "Eling No.2 Factory creative park (TESTBED2)"),
  T("这里原是1937年建成的中央银行印钞厂，后来改名重庆印制二厂。工厂在2011至2012年间迁走后，沿山脊层层叠落的老厂房被改造成文创园，2017年开园，如今聚集着咖啡馆、小店、工作室和展览空间，是山城人气最旺的拍照目的地之一。",
    "Built in 1937 as the Central Bank's banknote works and later known as Chongqing Printing Plant No.2, the "
    "site was vacated in 2011–12 and reopened in 2017 as a creative park. Its old workshops step down the ridge in "
    "terraces and now house cafés, small shops, studios and exhibition rooms, making it one of the city's most "
    "visited places to take photos."),
  ll(106.536848, 29.553764), "n-fac-centre", elev=334, hours=FACTORY_HOURS, dwell=120,
  tags=["artistic_landmark", "creative_park", "industrial_architecture", "banknote_history", "trendy_landmark",
        "walkable_afternoon", "parasitic_architecture", "cultural_innovation"],
  prov="sourced", src=["S1", "S4", "S5b", "S8", "S9", "S13", "S14"], conf=30, pop=1.0,
  notes="Opening time differs between sources (09:00 per S4, 10:00 in another dataset); 09:00-22:00 used. "
        "About 30,000 m²; more than 3.5 million visitors in 2019 (S8).")
P("factory-west-entrance", "factory", "gate",
  T("贰厂入口（鹅岭正街）", "Factory entrance on Eling Zhengjie"),
  T("从鹅岭正街走进园区的步行入口，沿步道往东约110米就到主广场。", "The walk-in entrance from Eling Zhengjie; a footway runs about 110 m east to the main square."),
  ll(106.535801, 29.553789), "n-fac-west-gate", hours=FACTORY_HOURS, dwell=0, tags=["route_suggestion"],
  prov="sourced", src=["S1"], conf=20, notes="Position is an OSM footway junction used by the walking routes.")
P("factory-main-square", "factory", "photo_spot",
  T("主广场与TESTBED2标识", "Main square and TESTBED2 sign"),
  T("进园后的第一片开阔地，TESTBED2大字和园区导览图都在这里。先拍一张到此一游，再看看地图规划路线。",
    "The first open space inside, with the big TESTBED2 letters and the park map: take an arrival photo, then plan your loop."),
  ll(106.5365, 29.5538), "n-fac-square", hours=FACTORY_HOURS, dwell=10,
  tags=["photo_spot", "artistic_landmark", "trendy_landmark"], prov="estimate", src=["S5", "S11"], conf=100)
P("ourfilm-building-2", "factory", "cafe",
  T("2号楼 OurFilm", "Building 2: OurFilm studio and coffee bar"),
  T("外墙挂着巨大的OurFilm招牌，二楼是一位导演的电影工作室，楼里还有咖啡吧，不时办放映和分享会。",
    "A giant OurFilm sign marks the building; a director's film studio fills the upper floor, with a coffee bar and "
    "occasional screenings and talks."),
  ll(106.5366, 29.5539), "n-fac-bldg2", hours=FACTORY_HOURS, dwell=20, tags=["cafes", "art_spaces", "creative_park"],
  prov="estimate", src=["S5"], conf=100, notes="Placed to the right of the main square per S5. " + NO_HOURS)
P("ugly-monkey-cafe", "factory", "cafe",
  T("奇丑的猴子咖啡", "Ugly Monkey Cafe"),
  T("入口那栋楼二楼的咖啡馆，白色字母招牌和猴子雕塑很好认，店主是川美毕业生。",
    "Café one floor up in the building by the entrance, easy to spot by its white letter sign and monkey "
    "sculptures; its founder studied at the Sichuan Fine Arts Institute."),
  ll(106.5362, 29.5538), "n-fac-monkey-2f", level=1, hours=FACTORY_HOURS, dwell=45,
  tags=["cafes", "trendy_landmark"], prov="estimate", src=["S9", "S17"], conf=100, pop=0.5,
  notes="Reached by stairs only (no lift known). " + NO_HOURS)
P("testdesign-street", "factory", "shop",
  T("TestDesign街", "TestDesign Street"),
  T("TESTBED2大楼背后的一条窄巷，两边是霓虹招牌的小店，卖衣服、首饰，也有咖啡。",
    "A narrow lane behind the TESTBED2 building, lined with neon-signed shops for clothes and jewellery, plus coffee."),
  ll(106.5368, 29.5536), "n-fac-td-w", hours=FACTORY_HOURS, dwell=20,
  tags=["specialty_shops", "creative_shops", "graffiti_retro_street"], prov="estimate", src=["S11"], conf=100,
  notes=NO_HOURS)
P("memory-museum", "factory", "museum",
  T("二厂记忆博物馆", "No.2 Factory Memory Museum"),
  T("讲述印制厂往事的小博物馆。造型醒目的门楼是合影热门背景，馆内用一扇扇小窗陈列不同年代的老物件。",
    "A small museum about the printing works. Its striking gateway is a favourite group-photo backdrop, and inside, "
    "little windows frame objects from different decades."),
  ll(106.5372, 29.5536), "n-fac-memory", hours="10:00-18:00", dwell=20,
  tags=["banknote_history", "industrial_architecture", "photo_spot", "art_spaces"], prov="estimate",
  src=["S6", "S10", "S13"], conf=100, notes="Museum hours not found; 10:00-18:00 is an estimate.")
P("memory-terrace", "factory", "rooftop",
  T("二厂记忆露台", "Memory Museum terrace"),
  T("博物馆旁与上层平台齐平的露台，可以看园区东南侧层叠的老楼，不收费。",
    "An open terrace beside the museum, level with the upper terrace, looking over the park's stacked south-east "
    "buildings; free."),
  xy(55, -34), "n-fac-memory-terrace", level=1, hours=FACTORY_HOURS, dwell=15,
  tags=["rooftop_terraces", "free_rooftops", "photo_spot"], prov="estimate", src=["S10"], conf=150,
  notes="S10 mentions the view from this terrace; its access and free entry are assumptions.")
P("huajiang-building", "factory", "shop",
  T("华江楼", "Huajiang Building"),
  T("由华江印务老车间改造，面朝嘉陵江。楼里有极限运动俱乐部、咖啡馆、花店和杂货铺。",
    "The former Huajiang print workshop, facing the Jialing River, now holding an extreme-sports club, a café, a "
    "florist and a curiosity shop."),
  ll(106.537, 29.5542), "n-fac-huajiang", hours=FACTORY_HOURS, dwell=30,
  tags=["creative_shops", "specialty_shops", "industrial_architecture", "banknote_history"], prov="estimate",
  src=["S10"], conf=100, notes=NO_HOURS)
P("huajiang-snacks", "factory", "restaurant",
  T("华江楼底层重庆小吃", "Chongqing snacks in the Huajiang Building"),
  T("华江楼底层的小吃档口，主打重庆小面、油茶和包子，便宜又快。",
    "Ground-floor stalls in the Huajiang Building for Chongqing noodles, oil tea and steamed buns — cheap and quick."),
  xy(24, 48), "n-fac-huajiang", hours="08:00-20:00", dwell=30, tags=["restaurants"], prov="estimate", src=["S10"],
  conf=100, notes="Hours not found; 08:00-20:00 is an estimate.")
P("huajiang-rooftop", "factory", "rooftop",
  T("华江楼天台", "Huajiang rooftop"),
  T("华江楼顶层的天台，正对嘉陵江，视野开阔。", "The Huajiang Building's top-floor roof, looking straight out over the Jialing River."),
  xy(18, 60), "n-fac-huajiang-roof", level=4, hours=FACTORY_HOURS, dwell=15,
  tags=["rooftop_terraces", "free_rooftops", "photo_spot"], prov="estimate", src=["S10"], conf=100,
  notes="S10 states no fee; treated as free. Reached by the building's stairs (no lift known).")
P("city-radio-rooftop", "factory", "film_location",
  T("《从你的全世界路过》城市电台天台", "'City Radio' rooftop from I Belonged to You"),
  T("电影《从你的全世界路过》里“城市电台”的戏是在贰厂屋顶拍的，现实中并没有这家电台。影迷常来这里还原片中画面。",
    "The 'City Radio' scenes of the film I Belonged to You were shot on a roof here; the station never existed. "
    "Fans come to restage the film's shots."),
  ll(106.5366, 29.5543), "n-fac-city-radio", level=3, hours=FACTORY_HOURS, dwell=15,
  tags=["film_location", "rooftop_terraces", "photo_spot", "artistic_landmark"], prov="estimate", src=["S6", "S7"],
  conf=150, fee_note=T("未查到收费信息，以现场为准", "No fee found in sources; check on site"),
  notes="The exact roof is not located in sources; placed on the north rim. Some rooftops charge visitors.")
P("love-rooftop", "factory", "rooftop",
  T("爱情天台", "Love Rooftop"),
  T("以爱情主题出名的天台，可以远眺嘉陵江，常被和电影联系在一起。园区部分天台收费，这里按收费天台处理，票价以现场为准。",
    "A rooftop known for its romantic theme and Jialing view, often linked with the film. Some of the park's "
    "rooftops charge for entry; this one is listed as paid — check the price on site."),
  ll(106.5368, 29.5544), "n-fac-love-roof", level=3, hours=FACTORY_HOURS, dwell=15, fee=25,
  fee_note=T("票价未查到，¥25为估计值（约¥20–30）", "Price not found; ¥25 is an estimate (about ¥20–30)"),
  tags=["rooftop_terraces", "paid_rooftops", "rooftop_fee", "film_location", "photo_spot"], prov="estimate",
  src=["S6", "S13"], conf=150,
  notes="Whether it charges, and how much, was not found; modelled as the park's paid rooftop after the study's "
        "'rooftop access fee' code. Verify the fee on site.")
P("footbridge-roof-deck", "factory", "rooftop",
  T("天桥屋顶平台", "Roof deck by the red footbridge"),
  T("红色天桥北端连着的一片屋顶平台，不收费，一样能看到江景和脚下层层叠叠的屋顶。",
    "A free roof deck at the north end of the red footbridge, with the same river view and a jumble of roofs below."),
  xy(-30, 70), "n-fac-bridge-n", level=3, hours=FACTORY_HOURS, dwell=15,
  tags=["rooftop_terraces", "free_rooftops", "red_footbridge", "photo_spot"], prov="estimate", src=["study"],
  conf=200, notes="Stands for the study's finding that free rooftops are also worth it; no source gives its position.")
P("yangtze-viewing-platform", "factory", "viewpoint",
  T("观景平台（长江面）", "Observation platform (Yangtze side)"),
  T("园区南缘的观景平台，面向长江和渝中半岛的高楼，视野极好。",
    "A viewing platform on the park's south rim facing the Yangtze and the towers of the Yuzhong peninsula."),
  ll(106.5372, 29.5531), "n-fac-yangtze", hours=FACTORY_HOURS, dwell=15, tags=["photo_spot", "artistic_landmark"],
  prov="estimate", src=["S4", "S5"], conf=100, notes="No fee mentioned (S5); treated as free.")
P("rooftop-tea-room", "factory", "cafe",
  T("屋顶茶室", "Rooftop tea room"),
  T("坐电梯直上楼顶的茶室，点一杯老鹰茶就能坐着看江景，再坐电梯下来。",
    "A tea room on a roof reached by lift: order a cup of laoying tea, sit with the river view, and ride back down."),
  ll(106.5368, 29.5541), "n-fac-tea-roof", level=4, hours=FACTORY_HOURS, dwell=45,
  tags=["cafes", "rooftop_terraces"], prov="estimate", src=["S16"], conf=150,
  fee_note=T("需点一杯饮品（如老鹰茶）", "Buy a drink (e.g. laoying tea)"), notes=NO_HOURS)
P("building-h-graffiti-hall", "factory", "graffiti",
  T("H楼涂鸦大厅", "Building H graffiti hall"),
  T("H楼的宽楼梯通往三楼大厅，白墙上画满涂鸦，双喜窗花和一对扶手椅是常用的拍照道具。",
    "Building H's wide stairs lead to a third-floor hall whose white walls are covered in graffiti; a "
    "double-happiness window lattice and a pair of armchairs serve as props."),
  xy(-35, -40), "n-fac-h-3f", level=2, hours=FACTORY_HOURS, dwell=15,
  tags=["graffiti_retro_street", "photo_spot", "industrial_architecture"], prov="estimate", src=["S48"], conf=150,
  notes="Position is a placeholder inside the park. Stairs only.")
P("mottled-wall-lane", "factory", "architecture",
  T("斑驳墙小巷", "Mottled-wall lane"),
  T("北侧下层的小巷留着斑驳的墙皮、生锈的铁门和磨亮的石阶，是园区最有旧厂味道的角落。",
    "A lower lane on the north side keeps peeling walls, rusting iron doors and worn stone steps — the park's most "
    "weathered corner."),
  xy(-55, 54), "n-fac-mid-c", hours=FACTORY_HOURS, dwell=15,
  tags=["mottled_walls", "industrial_architecture", "photo_spot"], prov="estimate", src=["S9", "S50"], conf=150,
  notes="Such details are found park-wide (S9, S50); this point stands for them.")
P("iron-staircase", "factory", "architecture",
  T("铁楼梯与铁扶手", "Iron staircase and handrails"),
  T("连接上下平台的铁楼梯，扶手的漆早已剥落，留着工厂年代的痕迹。",
    "An iron staircase between the upper and lower terraces, its handrails long stripped of paint by the factory years."),
  xy(-82, 34), "n-fac-iron-top", hours=FACTORY_HOURS, dwell=10,
  tags=["iron_stairs", "industrial_architecture", "photo_spot", "mottled_walls"], prov="estimate",
  src=["S9", "S50"], conf=150, notes="No source pins one iron staircase; placed where the upper terrace meets the north lane.")
P("old-tv-wall", "factory", "photo_spot",
  T("老电视墙", "Wall of old TVs"),
  T("整面墙堆满老式电视机，复古味十足的拍照背景。", "A whole wall stacked with old television sets — a retro backdrop."),
  xy(66, 2), "n-fac-east", hours=FACTORY_HOURS, dwell=10, tags=["photo_spot", "graffiti_retro_street"],
  prov="estimate", src=["S50"], conf=200, notes="Mentioned in a visitor review (S50); position not found.")
P("led-steps", "factory", "photo_spot",
  T("灯光台阶", "LED-lit steps"),
  T("台阶里嵌着灯带，傍晚亮灯后格外上镜，白天也是一段有意思的过道。",
    "Steps with lights set into them; most striking once lit at dusk, and a fun passage by day too."),
  xy(24, -30), "n-fac-td-e", hours=FACTORY_HOURS, dwell=10, tags=["photo_spot", "trendy_landmark"], prov="estimate",
  src=["S50"], conf=200, notes="Mentioned in a visitor review (S50); position not found.")
P("graffiti-passage", "factory", "graffiti",
  T("涂鸦通道与彩绘台阶", "Graffiti passage and painted steps"),
  T("一段画满涂鸦的通道连着彩绘台阶，颜色浓烈，最适合拍街头风。",
    "A passage covered in graffiti running into painted steps, loud with colour and ideal for street-style shots."),
  xy(-18, -54), "n-fac-graffiti", hours=FACTORY_HOURS, dwell=15, tags=["graffiti_retro_street", "photo_spot"],
  prov="estimate", src=["S50"], conf=150, notes="Mentioned in a visitor review (S50); position not found.")
P("t2-art-center", "factory", "museum",
  T("T2国际当代艺术中心", "T2 International Contemporary Art Center"),
  T("做沉浸式艺术展的当代艺术空间，展览轮换，去之前可以先查当期展讯。",
    "A contemporary art space for immersive exhibitions that rotate; check what is on before you go."),
  ll(106.5362, 29.5534), "n-fac-t2", hours="Tu-Su 10:00-18:00; Mo off", dwell=30,
  tags=["art_spaces", "cultural_innovation", "creative_park"], prov="estimate", src=["S51"], conf=150,
  notes="A 2018 show was closed on Mondays; the times are estimates. Position is a placeholder.")
P("tibetan-restaurant", "factory", "restaurant",
  T("新派藏餐厅", "New-style Tibetan restaurant"),
  T("两位重庆年轻设计师开的新派藏餐，店里还有一块举办手作活动的共享空间。",
    "A new-style Tibetan restaurant run by two young Chongqing designers, with a shared corner for craft workshops."),
  xy(18, 10), "n-fac-centre", hours="11:00-14:00,17:00-21:00", dwell=60, tags=["restaurants", "art_spaces"],
  prov="estimate", src=["S10"], conf=200, notes="Name not found. " + SPREAD + " Hours are an estimate.")
P("creative-market", "factory", "market",
  T("二厂市集", "No.2 Factory creative market"),
  T("园区起家的品牌活动。赶上市集日，摊位和人流会一直挤到门外的街上。",
    "The market the park grew out of; on market days stalls and crowds spill out onto the street."),
  xy(-45, 8), "n-fac-square", hours=FACTORY_HOURS, dwell=60,
  tags=["creative_market", "creative_park", "creative_shops", "crowded"], prov="estimate", src=["S15"], conf=100,
  notes="Held about every two months in 2017 (S15). Market days cannot be expressed in the hours syntax, so park "
        "hours are given; check the schedule. A weekly-market claim from an unreliable page is not used.")
P("red-footbridge", "factory", "footbridge",
  T("红色工业风天桥", "Red industrial footbridge"),
  T("横跨北侧小巷的红色钢天桥，是园区最有辨识度的画面之一，也是通往屋顶平台的捷径。",
    "A red steel footbridge over the north lane, one of the park's signature images and the short way onto the roof deck."),
  xy(-32, 50), "n-fac-bridge-s", hours=FACTORY_HOURS, dwell=10,
  tags=["red_footbridge", "photo_spot", "industrial_architecture"], prov="estimate", src=["study"], conf=200,
  notes="The study names it, but no source gives its position or name; placed inside the park as an estimate.")
P("tnt-roof-deck-spot", "factory", "fan_spot",
  T("时代少年团同款打卡点（屋顶平台）", "TNT same-pose spot on the roof deck"),
  T("时代少年团（TNT）的粉丝会来园区拍“同款”照片，这个点代表屋顶平台一带的打卡位。",
    "Fans of TNT (Teens in Times) come to the park to copy the group's photos; this point stands for the check-in "
    "spot around the roof deck."),
  xy(-36, 72), "n-fac-bridge-n", level=3, hours=FACTORY_HOURS, dwell=10,
  tags=["tnt_same_style", "star_chasing", "rooftop_terraces"], prov="estimate", src=["study"], conf=250, pop=0.65,
  notes="The study reports TNT same-style check-ins, but no source locates them; position is an estimate.")
P("tnt-graffiti-spot", "factory", "fan_spot",
  T("时代少年团同款打卡点（涂鸦通道）", "TNT same-pose spot in the graffiti passage"),
  T("另一个粉丝常去的“同款”机位，以涂鸦墙为背景。", "Another same-pose spot fans favour, with the graffiti wall as backdrop."),
  xy(-8, -46), "n-fac-graffiti", hours=FACTORY_HOURS, dwell=10,
  tags=["tnt_same_style", "star_chasing", "graffiti_retro_street"], prov="estimate", src=["study"],
  conf=250, pop=0.65, notes="The study reports TNT same-style check-ins, but no source locates them; position is an estimate.")
P("factory-bus-stop", "factory", "transit",
  T("印制二厂公交站", "Yinzhi Erchang bus stop"),
  T("鹅岭正街上的公交站，829路、山城小巴T083和旅游专线T032在此停靠。",
    "Bus stop on Eling Zhengjie served by route 829, minibus T083 and tourist line T032."),
  ll(106.5357, 29.5539), "n-ez-bus", hours="06:30-22:00", dwell=0, tags=["route_suggestion"], prov="estimate",
  src=["S4"], conf=100, fee_note=T("公交票价", "Bus fare"), notes="Service hours not found; 06:30-22:00 is an estimate.")
P("factory-restroom", "factory", "restroom",
  T("园区公共卫生间", "Park toilets"),
  T("园区内的公共卫生间，位置为估计。", "Public toilets in the park (estimated position)."),
  xy(-42, -8), "n-fac-wc", hours=FACTORY_HOURS, dwell=5, tags=[], prov="estimate", src=[], conf=200,
  notes="No source locates toilets in the park; assumed near the main square.")

# --- Liziba -------------------------------------------------------------------------------------
P("liziba-station", "liziba", "transit",
  T("李子坝站（轨道2号线）", "Liziba station (Line 2)"),
  T("2号线李子坝站修在一栋19层住宅楼的6到8层，列车直接从楼里穿过。车站和大楼同时建造，2005年投入使用，如今是重庆的招牌奇观。",
    "Line 2's Liziba station sits on floors 6–8 of a 19-storey apartment block, so trains run straight through the "
    "building. Station and block were built together and opened in 2005; it is now one of Chongqing's signature sights."),
  ll(106.533922, 29.555662), "n-lz-concourse", elev=201, hours=METRO_HOURS, dwell=10,
  tags=["photo_spot", "trendy_landmark", "combine_liziba_eling", "crowded"], prov="sourced", src=["S1", "S29", "S31", "S33b", "S49"],
  conf=20, fee_note=T("地铁票价", "Metro fare"), pop=0.95,
  notes="First/last Line 2 trains at Liziba roughly 06:40 and 22:40-23:05 (unverified timetable, S49).")
P("liziba-exit-1", "liziba", "transit",
  T("李子坝站1号出入口", "Liziba station Exit 1"),
  T("站厅层（楼内6层）的出入口，直通李子坝正街，门口有红绿灯；对面是观景平台和抗战遗址公园。站厅层有卫生间。",
    "Exit on the concourse level (the building's 6th floor) opening onto Liziba Zhengjie at traffic lights, with the "
    "viewing platform and relics park opposite. Toilets on the concourse."),
  ll(106.5338, 29.5558), "n-lz-exit1", elev=201, hours=METRO_HOURS, dwell=0, tags=["route_suggestion"],
  prov="estimate", src=["S30", "S31", "S34"], conf=80)
P("liziba-exit-2", "liziba", "transit",
  T("李子坝站2号出入口", "Liziba station Exit 2"),
  T("开在站台层（楼内8层）的出入口。", "Exit on the platform level (the building's 8th floor)."),
  ll(106.534, 29.5556), "n-lz-exit2", level=2, hours=METRO_HOURS, dwell=0, tags=["hard_to_find"], prov="estimate",
  src=["S30"], conf=80, notes="Where it comes out was not found; linked to the hillside lane behind the station as an estimate.")
P("liziba-viewing-platform", "liziba", "viewpoint",
  T("李子坝观景平台", "Liziba viewing platform"),
  T("2018年开放的观景平台，在车站马路对面临江一侧，正对着列车穿楼而过的画面：一边是嘉陵江，一边是轻轨。",
    "Opened in 2018 across the road from the station on the river side, it faces the trains head-on as they enter "
    "the building — river on one side, train on the other."),
  ll(106.53375, 29.55625), "n-lz-vp", hours=METRO_HOURS, dwell=30,
  tags=["photo_spot", "trendy_landmark", "crowded", "daytime_visit", "combine_liziba_eling"], prov="estimate",
  src=["S31", "S32", "S33", "S49", "S54"], conf=80, pop=1.0,
  notes="Open-air; trains pass only during service hours, so the hours follow Line 2's (S49, unverified). Sizes differ between sources (1,500 m² built vs 1,367 m² "
        "planned). Placed on the river side of Liziba Zhengjie, about 65 m from the station.")
P("liziba-glass-bridge", "liziba", "viewpoint",
  T("观景平台玻璃桥观景区", "Glass-bridge viewing area"),
  T("观景平台的四个分区之一，换个角度看列车进出大楼。", "One of the platform's four zones, giving another angle on trains entering the building."),
  ll(106.534, 29.55642), "n-lz-glass", hours=METRO_HOURS, dwell=10, tags=["photo_spot", "crowded"],
  prov="estimate", src=["S31", "S32"], conf=100)
P("liziba-coach-stop", "liziba", "transit",
  T("旅游大巴临时停靠点", "Tour-coach stop"),
  T("为了不让旅游大巴堵住李子坝正街而专门设的临时停靠点。", "A temporary stop built so tour coaches no longer block Liziba Zhengjie."),
  ll(106.5343, 29.55665), "n-lz-coach", hours="24/7", dwell=0, tags=["route_suggestion"], prov="estimate",
  src=["S34"], conf=100, notes="Hours not applicable; shown as 24/7.")
P("liziba-visitor-centre", "liziba", "shop",
  T("轨道游客服务中心暨李子坝文创主题馆", "Rail visitor centre and Liziba creative hall"),
  T("车站楼里约500平方米的游客中心兼文创馆，有文创商品、互动屏和仿车厢拍照区，还提供免费饮水。",
    "About 500 m² in the station building: a visitor centre and creative-goods hall with interactive screens, a mock "
    "train carriage for photos and free drinking water."),
  ll(106.5337, 29.5557), "n-lz-exit1", elev=201, hours="09:00-18:00", dwell=15, tags=["creative_shops", "specialty_shops"],
  prov="estimate", src=["S31"], conf=80, notes="Hours not found; 09:00-18:00 is an estimate.")
P("liziba-toilets", "liziba", "restroom",
  T("游客中心卫生间", "Visitor-centre toilets"),
  T("游客服务中心的免费卫生间；车站站厅层也有卫生间。", "Free toilets at the visitor centre; the station concourse has toilets too."),
  ll(106.53372, 29.55565), "n-lz-exit1", hours=METRO_HOURS, dwell=5, tags=[], prov="estimate", src=["S30", "S31"],
  conf=80, notes="Hours assumed to follow the station.")
P("little-yellow-building", "liziba", "photo_spot",
  T("小黄楼", "Little Yellow Building"),
  T("车站旁的一栋黄色小楼，配上路过的黄色出租车，成了新晋拍照点。",
    "A small yellow building beside the station; with the city's yellow taxis passing, it has become a newer photo spot."),
  ll(106.5343, 29.5555), "n-lz-hill-lane", hours="24/7", dwell=10, tags=["photo_spot", "trendy_landmark"],
  prov="estimate", src=["S43"], conf=120, notes="Seen from the street; no hours apply.")
P("relics-park-gate", "liziba", "gate",
  T("李子坝抗战遗址公园入口", "Liziba war-relics park entrance"),
  T("从观景平台走台阶下去就是抗战遗址公园的入口。", "The relics park entrance, down the steps from the viewing platform."),
  ll(106.5337, 29.5565), "n-lz-relics-gate", hours="24/7", dwell=0, tags=["hard_to_find", "combine_liziba_eling"],
  prov="estimate", src=["S35"], conf=100, notes="Opening hours not found (open park).")
P("liziba-relics-park", "liziba", "park",
  T("李子坝抗战遗址公园", "Liziba Anti-Japanese War Relics Park"),
  T("重庆第一座抗战遗址公园，长约1.8公里，背靠鹅岭、北接嘉陵江滨江步道，把五组民国建筑串成一条散步线。",
    "Chongqing's first park built around wartime relics: about 1.8 km long, backed by the Eling slope and edged by "
    "the Jialing riverside walk, stringing five groups of Republican-era buildings into one stroll."),
  ll(106.5318, 29.5559), "n-lz-council", hours="24/7", dwell=75, tags=["walkable_afternoon", "combine_liziba_eling"],
  prov="estimate", src=["S35", "S36", "S38"], conf=200,
  notes="Opening hours not found (open park). Opening date differs between sources (Feb vs Jun 2010).")
P("gao-residence", "liziba", "architecture",
  T("高公馆", "Gao Residence"),
  T("遗址公园的核心建筑，原是高显鉴的公馆，与军事参议院旧址隔路相望。",
    "The relics park's centrepiece, once Gao Xianjian's mansion, facing the Military Council site."),
  ll(106.533, 29.5566), "n-lz-gao", hours="24/7", dwell=15, tags=["walkable_afternoon"], prov="estimate",
  src=["S35"], conf=150, notes="Exterior viewing; interior opening not found.")
P("military-council-site", "liziba", "architecture",
  T("国民政府军事参议院旧址", "Former Military Council site"),
  T("抗战时期军事参议院的旧址，是公园五组遗址之一。", "The wartime Military Council's former seat, one of the park's five relic groups."),
  ll(106.5327, 29.5565), "n-lz-council", hours="24/7", dwell=10, tags=["walkable_afternoon"], prov="estimate",
  src=["S35"], conf=150, notes="Exterior viewing; interior opening not found.")
P("li-gengu-residence", "liziba", "cafe",
  T("李根固旧居", "Li Gengu former residence"),
  T("老宅如今做起了咖啡、茶饮和民国风私宴，可以在旧居里坐下歇歇脚。",
    "The old house now serves coffee, tea and Republican-style private dinners — a place to sit down inside a historic home."),
  ll(106.5318, 29.5562), "n-lz-ligengu", hours="10:00-21:00", dwell=30, tags=["cafes", "restaurants"],
  prov="estimate", src=["S35", "S37"], conf=150, notes="Hours not found; 10:00-21:00 is an estimate.")
P("liu-xiang-residence", "liziba", "architecture",
  T("刘湘公馆", "Liu Xiang Residence"),
  T("位于李子坝正街186号，曾是川军第二十一军军部；2008年被鉴定为危房，随后重建。",
    "At 186 Liziba Zhengjie, once the 21st Army's headquarters; declared unsafe in 2008 and then rebuilt."),
  ll(106.531, 29.556), "n-lz-liuxiang", hours="24/7", dwell=15, tags=["walkable_afternoon"], prov="estimate",
  src=["S36"], conf=150, notes="Exterior viewing; interior opening not found.")
P("bank-vault-site", "liziba", "architecture",
  T("交通银行学校旧址", "Bank of Communications school and vault"),
  T("交通银行学校的旧址，保留着办公楼和一座地下金库。", "The former Bank of Communications school, with its office building and an underground vault."),
  ll(106.53, 29.5556), "n-lz-bank", hours="24/7", dwell=10, tags=["walkable_afternoon"], prov="estimate",
  src=["S35"], conf=150, notes="Exterior viewing; interior opening not found.")
P("jialing-riverside-walk", "liziba", "viewpoint",
  T("嘉陵江滨江步道", "Jialing riverside walk"),
  T("遗址公园北缘沿嘉陵江的步道，可以在江边走上一段。",
    "The walkway along the Jialing at the relics park's northern edge, for a stretch beside the water."),
  ll(106.5328, 29.55688), "n-lz-riverside-e", hours="24/7", dwell=20, tags=["walkable_afternoon", "combine_liziba_eling"],
  prov="estimate", src=["S35"], conf=200, notes="S35 places the park's north edge on the riverside walk; path position estimated.")
P("relics-enclave-art-museum", "liziba", "museum",
  T("遗址公园飞地艺术馆", "Relics-park enclave art museum"),
  T("遗址公园越过加油站后的一块飞地，里面有一座艺术馆，对面就是李子坝公交站。",
    "A detached part of the relics park beyond the petrol station, holding an art museum; the Liziba bus stop is opposite."),
  ll(106.5285, 29.5545), "n-lz-enclave", hours="09:00-17:00", dwell=30, tags=["art_spaces"], prov="estimate",
  src=["S38"], conf=200, notes="Museum name and hours not found; 09:00-17:00 is an estimate.")
P("liziba-bus-stop", "liziba", "transit",
  T("李子坝公交站", "Liziba bus stop"),
  T("李子坝公交站。从这里穿过窄巷、再爬约百米台阶可上到佛图关公园北门。",
    "Liziba bus stop. Narrow lanes and about 100 m of stairs climb from here to Fotuguan Park's north gate."),
  ll(106.5288, 29.55465), "n-lz-bus-stop", hours="06:30-22:00", dwell=0, tags=["route_suggestion"],
  prov="estimate", src=["S38"], conf=200, fee_note=T("公交票价", "Bus fare"),
  notes="Service hours not found; 06:30-22:00 is an estimate.")
P("stilwell-museum", "liziba", "museum",
  T("史迪威博物馆（史迪威将军旧居）", "General Joseph W. Stilwell Museum"),
  T("嘉陵新路63号的史迪威将军旧居，1991年辟为博物馆，讲述抗战时期中美合作的故事。",
    "General Stilwell's wartime home at 63 Jialing Xinlu, a museum since 1991 telling the story of Sino-American "
    "cooperation in the war."),
  ll(106.533, 29.5542), "n-jx-stilwell", hours="Jan-Feb off; Mar-Dec 09:00-17:00", dwell=45, fee=5,
  fee_note=T("票价来自较早的资料，以现场为准", "Price from an older source; check on site"),
  tags=["walkable_afternoon"], prov="estimate", src=["S39", "S40"], conf=300,
  notes="Open 09:00-17:00, closed in January and February (S39). "
        "Position on Jialing Xinlu between the factory and Liziba, ±300 m.")
P("flying-tigers-memorial", "liziba", "museum",
  T("飞虎队纪念馆", "Flying Tigers memorial"),
  T("史迪威博物馆马路对面的飞虎队纪念馆，纪念援华作战的美国志愿航空队。",
    "Memorial to the American volunteer airmen of the Flying Tigers, across the road from the Stilwell Museum."),
  ll(106.53296, 29.55398), "n-jx-flying-tigers", hours="09:00-17:00", dwell=30, tags=["walkable_afternoon"],
  prov="estimate", src=["S40"], conf=300,
  notes="Hours and fee not found; the Stilwell Museum's daily hours (S39) are assumed, without its January-February "
        "closure, which no source states for the memorial.")

# --- Eling Park ---------------------------------------------------------------------------------
P("eling-park", "eling-park", "park",
  T("鹅岭公园", "Eling Park (Goose Ridge)"),
  T("1909年富商李耀庭在此修建私家园林“礼园”，1958年定名鹅岭公园。园子坐落在两江之间山脊的高处，2005年起免费开放。",
    "Begun in 1909 as merchant Li Yaoting's private Li Garden and renamed Eling Park in 1958, it sits high on the ridge "
    "between the two rivers and has been free to enter since 2005."),
  ll(106.5324, 29.5523), "n-ep-hub", elev=350, hours=ELING_HOURS, dwell=75,
  tags=["combine_liziba_eling", "walkable_afternoon"], prov="sourced", src=["S2", "S3", "S18", "S20", "S21", "S22", "S55"],
  conf=80, pop=0.6,
  notes="Position: Baidu point converted to WGS84; agrees with a published coordinate within 78 m. Weaker sources "
        "give 06:00/07:00-22:00; 08:00-22:30 (S20, S21) is used.")
P("eling-park-main-gate", "eling-park", "gate",
  T("鹅岭公园大门", "Eling Park main gate"),
  T("鹅岭正街176号的公园正门。出门右转约300米是佛图关公园南门，门口有403路“鹅岭”公交站。",
    "The main gate at 176 Eling Zhengjie. Turn right outside for Fotuguan Park's south gate about 300 m on; bus 403 "
    "stops at 'Eling'."),
  ll(106.5322, 29.5518), "n-ep-gate", hours=ELING_HOURS, dwell=0, tags=["route_suggestion", "combine_liziba_eling"],
  prov="estimate", src=["S20", "S24", "S26"], conf=150)
P("kansheng-tower", "eling-park", "viewpoint",
  T("瞰胜楼（两江亭）", "Kansheng Tower (Liangjiang Pavilion)"),
  T("1984年建成的七层塔楼，高约41米，登顶可360度俯瞰长江、嘉陵江和整座山城，夜景同样出名。2018年起免费。",
    "A seven-storey tower of 1984, about 41 m tall, with a 360° view over both rivers and the whole city — famous at "
    "night as well. Free since 2018."),
  ll(106.533, 29.5528), "n-ep-kansheng", elev=380, hours=ELING_HOURS, dwell=30,
  tags=["photo_spot", "combine_liziba_eling"], prov="estimate", src=["S18", "S19", "S21"], conf=150, pop=0.8,
  notes="Some app text still says ¥5. Tower hours not found; park hours assumed. The 380 m figure (S19) may be "
        "the base or the top.")
P("yihui-garden", "eling-park", "photo_spot",
  T("艺卉园", "Yihui Garden"),
  T("进大门左手边的小园子，有水池、假山和花木。", "A small garden on the left just inside the main gate, with a pool, rockery and flowers."),
  ll(106.5318, 29.5517), "n-ep-yihui", hours=ELING_HOURS, dwell=15, tags=["walkable_afternoon"], prov="estimate",
  src=["S18"], conf=150)
P("peace-bell", "eling-park", "photo_spot",
  T("和平钟", "Peace Bell"),
  T("1986年重庆与广岛结为友好城市时，广岛赠送的和平钟。", "A bell presented by Hiroshima when it and Chongqing became sister cities in 1986."),
  xy(-416, -144), "n-ep-bell", hours=ELING_HOURS, dwell=5, tags=["walkable_afternoon"], prov="estimate",
  src=["S18"], conf=200, notes=SPREAD)
P("feige-pavilion-cafe", "eling-park", "cafe",
  T("飞阁咖啡", "Feige Pavilion café"),
  T("砖木结构、飞檐翘角的老楼，1939年蒋介石和宋美龄曾在这里住过，如今开成了咖啡馆。",
    "A brick-and-timber house with upturned eaves where Chiang Kai-shek and Soong Mei-ling stayed in 1939; now a café."),
  xy(-474, -124), "n-ep-feige", hours=ELING_HOURS, dwell=30, tags=["cafes", "walkable_afternoon"], prov="estimate",
  src=["S18"], conf=200, notes=SPREAD + " Café hours not found; park hours used.")
P("king-of-trees", "eling-park", "photo_spot",
  T("树王", "King of Trees"),
  T("园中的“树王”，树干要六七个成年人手拉手才围得过来。", "The park's 'King of Trees', whose trunk takes six or seven adults holding hands to ring."),
  xy(-504, -146), "n-ep-tree", hours=ELING_HOURS, dwell=5, tags=["walkable_afternoon"], prov="estimate",
  src=["S18"], conf=200, notes=SPREAD)
P("soviet-airmen-tomb", "eling-park", "architecture",
  T("苏军烈士墓", "Soviet airmen's tomb"),
  T("安葬着两位在抗战中牺牲的苏联志愿航空队军官。", "The grave of two Soviet volunteer officers who fell in the war against Japan."),
  xy(-568, -156), "n-ep-tomb", hours=ELING_HOURS, dwell=5, tags=["walkable_afternoon"], prov="estimate",
  src=["S18"], conf=200, notes=SPREAD)
P("rope-bridge", "eling-park", "photo_spot",
  T("绳桥", "Rope Bridge"),
  T("一座石桥，栏杆被雕成粗绳的模样。", "A stone bridge whose handrails are carved to look like thick rope."),
  xy(-478, -186), "n-ep-rope", hours=ELING_HOURS, dwell=5, tags=["walkable_afternoon"], prov="estimate",
  src=["S22", "S23"], conf=200, notes=SPREAD)
P("ronghu-lake", "eling-park", "photo_spot",
  T("榕湖", "Ronghu Lake"),
  T("盆景园旁的人工湖，也有游客叫它天鹅湖。", "A man-made lake beside the bonsai garden, which some visitors call Swan Lake."),
  xy(-508, -192), "n-ep-lake", hours=ELING_HOURS, dwell=10, tags=["walkable_afternoon"], prov="estimate",
  src=["S12", "S22"], conf=200, notes=SPREAD)
P("bonsai-garden", "eling-park", "photo_spot",
  T("盆景园", "Bonsai Garden"),
  T("收集了上百种珍稀盆栽，鹅岭还有自成一派的盆景风格。", "Over a hundred kinds of rare potted plants; Eling has a bonsai school of its own."),
  xy(-545, -178), "n-ep-bonsai", hours=ELING_HOURS, dwell=15, tags=["walkable_afternoon"], prov="estimate",
  src=["S22", "S23"], conf=200, notes=SPREAD)
P("eling-stele", "eling-park", "architecture",
  T("鹅岭碑", "'Eling' stele"),
  T("石碑上刻着书法家赵熙题写的“鹅岭”二字。", "A stele carved with the name 'Eling' in the hand of the calligrapher Zhao Xi."),
  xy(-426, -190), "n-ep-stele", hours=ELING_HOURS, dwell=5, tags=["walkable_afternoon"], prov="estimate",
  src=["S23"], conf=200, notes=SPREAD)
P("tiger-terrace", "eling-park", "viewpoint",
  T("虎台与江山一览台", "Tiger Terrace and Jiangshan Yilan Terrace"),
  T("公园西北边的两处观景台，名字就点明了一眼看尽江山的意思。",
    "Two lookout terraces on the park's north-west side, named for taking in river and hills at a glance."),
  xy(-604, -146), "n-ep-tiger", hours=ELING_HOURS, dwell=10, tags=["walkable_afternoon"], prov="estimate",
  src=["S23"], conf=200, notes=SPREAD)
P("wartime-embassy-sites", "eling-park", "architecture",
  T("抗战使馆旧址（英、澳、土耳其）", "Wartime embassy sites"),
  T("抗战时期，公园办公楼曾是英国和澳大利亚使馆，园内平房则住过土耳其使馆。",
    "During the war the park office served as the British and Australian embassies, and its bungalows as the Turkish embassy."),
  xy(-514, -128), "n-ep-embassy", hours=ELING_HOURS, dwell=10, tags=["walkable_afternoon"], prov="estimate",
  src=["S25"], conf=200, notes=SPREAD)
P("eling-park-teahouse", "eling-park", "restaurant",
  T("公园茶馆与餐厅", "Park teahouse and restaurant"),
  T("园里的茶馆和餐厅，喝茶、吃饭、歇脚都可以。", "The park's teahouse and restaurant, for tea, a meal or simply a rest."),
  xy(-398, -174), "n-ep-teahouse", hours=ELING_HOURS, dwell=60, tags=["restaurants", "walkable_afternoon"],
  prov="estimate", src=["S21"], conf=200, notes=SPREAD + " Hours not found; park hours used.")
P("eling-boardwalk", "eling-park", "viewpoint",
  T("鹅岭栈道（浮图关栈道）", "Eling cliff boardwalk"),
  T("2025年11月开放的悬崖栈道，约460米长，钢格栅步道最高离地约28米，尽头以螺旋通道接入鹅岭公园，可以俯看李子坝。需提前在“渝中公园”微信预约。",
    "A cliff boardwalk opened in November 2025: about 460 m of steel grating, up to roughly 28 m above the ground, "
    "ending in a spiral into Eling Park, with views down to Liziba. Book ahead through the 'Yuzhong Parks' WeChat service."),
  xy(-690, -182), "n-ep-bw-east", hours=ELING_HOURS, dwell=45,
  tags=["photo_spot", "crowded", "combine_liziba_eling"], prov="estimate", src=["S28"], conf=300,
  fee_note=T("需实名预约，未查到收费信息", "Booking with ID required; no fee found"),
  notes="The fact sheet's estimate fell on Jialing Xinlu, so the point is moved onto the cliff south of the road. "
        "The drawn line is shorter than the stated 460 m. Queues of about 1 km seen on a Saturday. Hours not found; "
        "park hours used. The spiral is modelled as not step-free (its form is unknown).")
P("eling-station", "eling-park", "transit",
  T("鹅岭站（轨道1号线）", "Eling station (Line 1)"),
  T("1号线鹅岭站。2A出口步行约360米到鹅岭公园大门，往东北约800米是贰厂；佛图关公园就在站旁。",
    "Line 1's Eling station. Exit 2A is about 360 m from Eling Park's main gate and roughly 800 m south-west of the "
    "factory; Fotuguan Park is right beside it."),
  ll(106.529479, 29.550849), "n-ep-eling-stn", hours=METRO_HOURS, dwell=0, tags=["route_suggestion"],
  prov="sourced", src=["S1", "S4", "S24", "S26"], conf=20, fee_note=T("地铁票价", "Metro fare"),
  notes="Line 1 service hours not found; the Line 2 figure is used as an estimate.")
P("fotuguan-south-gate", "eling-park", "gate",
  T("佛图关公园南门", "Fotuguan Park south gate"),
  T("佛图关公园的南门，进门就能看到“巴渝风”石雕，也是鹅岭栈道排队的起点。",
    "Fotuguan Park's south gate, with the 'Bayu Feng' stone sculpture just inside; the Eling boardwalk queue starts here."),
  ll(106.5292, 29.551), "n-ep-fotuguan-gate", hours="06:00-22:00", dwell=0, tags=["route_suggestion"],
  prov="estimate", src=["S26", "S28"], conf=150, notes="Fotuguan Park hours not found; 06:00-22:00 is an estimate.")
P("eling-park-east-gate", "eling-park", "gate",
  T("鹅岭公园东侧门（林间步道）", "Eling Park east side gate (woodland steps)"),
  T("公园靠贰厂一侧的林间入口，从鹅岭正街顺着林中台阶爬一百多级就到。",
    "The woodland entrance on the factory side of the park, a climb of a hundred-odd steps through the trees from "
    "Eling Zhengjie."),
  xy(-305, -80), "n-ep-east-gate", hours=ELING_HOURS, dwell=0, tags=["hard_to_find", "combine_liziba_eling"],
  prov="estimate", src=["S12", "S44"], conf=250,
  notes="Sources describe the walk through the woods, not a gate; position estimated between the factory and Kansheng Tower.")
P("eling-park-restroom", "eling-park", "restroom",
  T("鹅岭公园卫生间", "Eling Park toilets"),
  T("大门附近的公共卫生间，位置为估计。", "Public toilets near the main gate (estimated position)."),
  xy(-462, -202), "n-ep-gate-in", hours=ELING_HOURS, dwell=5, tags=[], prov="estimate", src=[], conf=200,
  notes="No source locates toilets in the park; assumed near the main gate.")


# ---------------------------------------------------------------------------------------------
def node_feature(n):
    return {
        "type": "Feature",
        "id": n["id"],
        "geometry": {"type": "Point", "coordinates": n["coord"]},
        "properties": {
            "feature": "node",
            "id": n["id"],
            "elevation_m": n["elev"],
            "level": n["level"],
            "area": n["area"],
            "name": n["name"],
            "provenance": n["prov"],
            "sources": n["src"],
            "coord_confidence_m": n["conf"],
        },
    }


def edge_feature(e):
    props = {
        "feature": "edge",
        "id": e["id"],
        "from": e["a"],
        "to": e["b"],
        "kind": e["kind"],
        "steps": e["steps"],
        "step_free": e["step_free"],
        "name": e["name"],
        "hint": e["hint"],
    }
    # The hint's direction and profile are written out only for edges with hints.
    if e["hint"] is not None or e["hint_reverse"] is not None:
        props["hint_reverse"] = e["hint_reverse"]
        props["hint_both_ways"] = e["hint_both_ways"]
        props["hint_step_free"] = e["hint_step_free"]
    props["provenance"] = e["prov"]
    props["sources"] = e["src"]
    props["closed"] = e["closed"]
    return {
        "type": "Feature",
        "id": e["id"],
        "geometry": {"type": "LineString", "coordinates": e["coords"]},
        "properties": props,
    }


# Visit attributes the planner reads (docs/seed-format.md), with the sources behind them.
# Highlights: what the study's high-frequency codes point at (the train through the building,
# the film rooftop, the red footbridge, the graffiti hall, the printing-works museum, the tower).
HIGHLIGHT = {"liziba-viewing-platform", "city-radio-rooftop", "kansheng-tower", "red-footbridge",
             "building-h-graffiti-hall", "memory-museum"}
# A park or area as a whole: a region, never a stop.
CONTAINER = {"factory-park", "liziba-relics-park", "eling-park"}
# Expected queue at peak hours (minutes) and its source; estimates from reported queues.
QUEUE = {"liziba-viewing-platform": (10, "S54"), "city-radio-rooftop": (10, "S47"),
         "eling-boardwalk": (30, "S28")}
BOOKING = {"eling-boardwalk": "S28"}
# Worth seeing after dark (tag night_view), with the source that says so.
NIGHT_VIEW = {"liziba-viewing-platform": "S49", "kansheng-tower": "S21", "led-steps": "S14",
              "yangtze-viewing-platform": "S14"}


def visit_attributes(p):
    """The visit attributes of a place, only where they differ from the defaults."""
    out = {}
    if p["id"] in HIGHLIGHT:
        out["highlight"] = True
    if p["id"] in CONTAINER:
        out["container"] = True
    if p["id"] in QUEUE:
        out["queue_min"] = QUEUE[p["id"]][0]
    if p["id"] in BOOKING:
        out["booking"] = True
    return out


def place_tags(p):
    return p["tags"] + (["night_view"] if p["id"] in NIGHT_VIEW and "night_view" not in p["tags"] else [])


def place_sources(p):
    extra = [QUEUE.get(p["id"], (0, None))[1], BOOKING.get(p["id"]), NIGHT_VIEW.get(p["id"])]
    out = list(p["src"])
    for s in extra:
        if s and s not in out:
            out.append(s)
    return out


def place_feature(p):
    return {
        "type": "Feature",
        "id": p["id"],
        "geometry": {"type": "Point", "coordinates": p["pos"]},
        "properties": {
            "id": p["id"],
            "area": p["area"],
            "kind": p["kind"],
            "name": p["name"],
            "description": p["desc"],
            "elevation_m": p["elev"],
            "level": p["level"],
            "fee_cny": p["fee"],
            "fee_note": p["fee_note"],
            "hours": p["hours"],
            "dwell_min": p["dwell"],
            "tags": place_tags(p),
            "popularity": p["pop"],
            "node": p["node"],
            **visit_attributes(p),
            "provenance": p["prov"],
            "sources": place_sources(p),
            "coord_confidence_m": p["conf"],
            "notes": p["notes"],
        },
    }


def dump(obj, path):
    """Pretty JSON with short arrays ([lon, lat], tag lists) kept on one line."""
    text = json.dumps(obj, ensure_ascii=False, indent=1)
    # collapse arrays of scalars onto one line
    import re
    pat = re.compile(r"\[\s*((?:-?[0-9.]+|\"[^\"\n]*\"|true|false|null)(?:,\s*(?:-?[0-9.]+|\"[^\"\n]*\"|true|false|null))*)\s*\]")
    text = pat.sub(lambda m: "[" + ", ".join(s.strip() for s in m.group(1).split(",")) + "]"
                   if "\"" not in m.group(1) or all(s.strip().startswith("\"") for s in m.group(1).split(","))
                   else m.group(0), text)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def main():
    paths = {
        "type": "FeatureCollection",
        "features": [node_feature(NODES[n]) for n in NODE_ORDER] + [edge_feature(e) for e in EDGES],
    }
    places = {"type": "FeatureCollection", "features": [place_feature(p) for p in PLACES]}
    dump(paths, os.path.join(SEED, "paths.geojson"))
    dump(places, os.path.join(SEED, "places.geojson"))
    total = sum(sum(haversine(e["coords"][i], e["coords"][i + 1]) for i in range(len(e["coords"]) - 1)) for e in EDGES)
    print(f"nodes {len(NODES)}  edges {len(EDGES)}  places {len(PLACES)}  total edge length {total:.0f} m",
          file=sys.stderr)


if __name__ == "__main__":
    main()
