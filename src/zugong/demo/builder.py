"""The shape of the demo tree: which organizations, host units and how many members, per scale.

A plan is a tree of `Node`s: names, kinds, host units and the number of members of each branch,
but not the members themselves (those are drawn while the tree is written, see people.py).
Counties are `Lazy` children, built only when the writer reaches them, so a province is
produced as a stream of counties and never held in memory at once.

Every random draw comes from the `random.Random` of the county (or of the city/province level)
being built, seeded from the seed and the region code: the same seed gives the same tree.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from zugong.core import codes
from zugong.demo import names as N

COMMITTEE = "committee"
WORKING = "working_committee"
GENERAL = "general_branch"
BRANCH = "branch"
JOINT = "joint_branch"
BRANCHES = {BRANCH, JOINT}

_SUFFIX = {
    COMMITTEE: "委员会",
    WORKING: "工作委员会",
    GENERAL: "总支部委员会",
    BRANCH: "支部委员会",
    JOINT: "联合支部委员会",
}
_SHORT = {COMMITTEE: "党委", WORKING: "党工委", GENERAL: "党总支", BRANCH: "党支部", JOINT: "联合党支部"}
_CN = "零一二三四五六七八九十"
_CITY_NAMES = {"太原": "140100", "北京": "110000", "上海": "310000", "天津": "120000", "郑州": "410100"}
AREA_CODES = {
    "140100": "0351",
    "140200": "0352",
    "140300": "0353",
    "140400": "0355",
    "140500": "0356",
    "140600": "0349",
    "140700": "0354",
    "140800": "0359",
    "140900": "0350",
    "141000": "0357",
    "141100": "0358",
}


def cn(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (ordinals of branches and groups)."""
    if n <= 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n - 10] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return _CN[tens] + "十" + (_CN[ones] if ones else "")


@dataclass(slots=True, eq=False)
class UnitSpec:
    name: str
    kind: str
    region: str
    township: str = ""
    village: str = ""
    employees: int | None = None
    credit_code: str = ""
    db_id: int = 0  # set when written: a unit hosting several orgs is one row


@dataclass(slots=True, eq=False)
class Ctx:
    """Where a county (or the organs of a city or province) is, and its random stream."""

    rng: random.Random
    level: str  # county | city | province
    id_region: str  # GB/T 2260 code used in members' ID numbers (unique to this stream)
    region: str  # code for orgs and units: a code present in the code table
    prefix: str  # 泽州县 / 晋城市 / 山西省
    short: str  # 泽州 / 晋城 / 山西
    address: str  # 山西省晋城市泽州县
    native: str  # 山西泽州
    area_code: str
    province_code: str
    neighbours: tuple[str, ...] = ()
    id_seq: dict = field(default_factory=dict)
    used: set = field(default_factory=set)
    unit_seq: int = 0


@dataclass(slots=True, eq=False)
class Node:
    name: str
    short: str
    kind: str
    ctx: Ctx
    sector: str = ""  # member profile of a branch (see people.py)
    size: int = 0  # members of a branch
    children: list = field(default_factory=list)  # Node | Lazy
    units: list = field(default_factory=list)  # host units, the first primary
    orphan_units: list = field(default_factory=list)  # units this org looks after that have no org
    region: str = ""
    code: str = ""
    term: str = "default"  # "village": 5-year terms of villages and communities (ZB-05)
    mobile: bool = False
    leader_pool: bool = False  # committee seats of the parent are drawn from here
    established: int = 1980
    work_units: tuple = ()
    township: str = ""
    village: str = ""
    address: str = ""


@dataclass(slots=True, eq=False)
class Lazy:
    """A county, built when the writer reaches it (possibly in another process: picklable)."""

    seed: int
    plan: CountyPlan
    region_ok: frozenset

    def build(self) -> Node:
        return build_county(self.seed, self.plan, self.region_ok)


# -- helpers -----------------------------------------------------------------------------------------
def org(ctx: Ctx, kind: str, where: str, short: str, **kw) -> Node:
    """An org named the official way: 中共{where}{支部委员会}, short {short}{党支部}."""
    kw.setdefault("region", ctx.region)
    return Node(f"中共{where}{_SUFFIX[kind]}", f"{short}{_SHORT[kind]}", kind, ctx, **kw)


def lognorm(rng: random.Random, median: float, sigma: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, round(median * math.exp(rng.gauss(0.0, sigma)))))


def distribute(rng: random.Random, total: int, parts: int, spread: float = 0.4) -> list[int]:
    """`total` split into `parts` uneven shares that add up exactly."""
    weights = [1.0 + rng.uniform(-spread, spread) for _ in range(parts)]
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(parts), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    sizes = distribute(rng, total, parts, spread=0.25)
    return [max(3, s) for s in sizes]


def unique(ctx: Ctx, make: Callable[[], str]) -> str:
    for _ in range(200):
        name = make()
        if name not in ctx.used:
            ctx.used.add(name)
            return name
    name = make() + str(len(ctx.used))
    ctx.used.add(name)
    return name


_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORGCODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code(rng: random.Random, kind: str, region: str) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015) with a valid 组织机构代码 (GB 11714) inside."""
    prefix = {
        "private": "91",
        "soe": "91",
        "collective": "93",
        "social_org": "52",
        "organ": "11",
        "public_institution": "12",
        "school": "12",
        "hospital": "12",
    }.get(kind)
    if prefix is None:
        return ""
    body = "".join(str(rng.randrange(10)) for _ in range(8))
    c = 11 - sum(int(ch) * w for ch, w in zip(body, _ORGCODE_WEIGHTS, strict=True)) % 11
    org_code = body + ("X" if c == 10 else "0" if c == 11 else str(c))
    first17 = prefix + region + org_code
    total = sum(_CREDIT_ALPHABET.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return first17 + _CREDIT_ALPHABET[(31 - total % 31) % 31]


def unit(
    ctx: Ctx, name: str, kind: str, *, township: str = "", village: str = "", employees=None
) -> UnitSpec:
    return UnitSpec(
        name=name,
        kind=kind,
        region=ctx.region,
        township=township,
        village=village,
        employees=employees,
        credit_code=credit_code(ctx.rng, kind, ctx.region),
    )


@functools.cache
def _region_items() -> dict[str, tuple[str, str]]:
    items = codes.shipped_tables()["region"]["items"]
    return {i["code"]: (i["name"], i.get("parent", "")) for i in items}


# -- villages, communities, townships ----------------------------------------------------------------
def village_name(ctx: Ctx) -> str:
    rng = ctx.rng

    def make() -> str:
        a = rng.choice(N.VILLAGE_PREFIXES)
        b = rng.choice(N.VILLAGE_MIDDLES)
        if b and b in "家庄" and rng.random() < 0.5:
            return a + b + "庄村" if b == "家" else a + "庄村"
        return a + b + rng.choice(N.VILLAGE_SUFFIXES) if not b else a + b + "村"

    return unique(ctx, make)


def village(ctx: Ctx, town: str, median: float) -> Node:
    rng = ctx.rng
    name = village_name(ctx)
    total = lognorm(rng, median, 0.5, 6, 170)
    return _grassroots(
        ctx,
        town,
        name,
        total,
        sector="village",
        unit_name="民委员会",
        single_max=50,
        parts=lambda: max(2, min(4, math.ceil(total / rng.choice((35, 40, 45))))),
        single_years=(1949, 1990),
        general_years=(1949, 1995),
        branch_years=(2000, 2020),
    )


def community(ctx: Ctx, town: str) -> Node:
    rng = ctx.rng
    name = unique(ctx, lambda: rng.choice(N.COMMUNITY_WORDS) + "社区")
    total = lognorm(rng, 45, 0.5, 10, 220)
    return _grassroots(
        ctx,
        town,
        name,
        total,
        sector="community",
        unit_name="居民委员会",
        single_max=70,
        parts=lambda: max(2, min(5, math.ceil(total / 40))),
        single_years=(1995, 2015),
        general_years=(1995, 2012),
        branch_years=None,
    )


def _grassroots(
    ctx: Ctx,
    town: str,
    name: str,
    total: int,
    *,
    sector: str,
    unit_name: str,
    single_max: int,
    parts,
    single_years: tuple[int, int],
    general_years: tuple[int, int],
    branch_years: tuple[int, int] | None,
) -> Node:
    """A village or community: one branch while it is small, else a 党总支 over several branches
    (ZB-03 keeps branches near 50). Random draws happen in the same order for every caller."""
    rng = ctx.rng
    where = f"{ctx.prefix}{town}{name}"
    u = unit(ctx, f"{ctx.prefix}{town}{name}{unit_name}", sector, township=town, village=name)
    common = {
        "term": "village",
        "township": town,
        "village": name,
        "work_units": (f"{town}{name}",),
        "address": f"{ctx.address}{town}{name}",
    }
    if total <= single_max:
        return org(
            ctx,
            BRANCH,
            where,
            name,
            sector=sector,
            size=total,
            units=[u],
            established=rng.randint(*single_years),
            **common,
        )
    count = parts()
    node = org(ctx, GENERAL, where, name, units=[u], established=rng.randint(*general_years), **common)
    for i, size in enumerate(split(total, count, rng), start=1):
        extra = {"established": rng.randint(*branch_years)} if branch_years else {}
        node.children.append(
            org(
                ctx,
                BRANCH,
                f"{where}第{cn(i)}",
                f"{name}第{cn(i)}",
                sector=sector,
                size=size,
                **extra,
                **common,
            )
        )
    return node


def enterprise_name(ctx: Ctx, *, cooperative: bool = False, town: str = "") -> str:
    rng = ctx.rng

    def make() -> str:
        if cooperative:
            return f"{ctx.prefix}{town}{rng.choice(N.BRANDS)}{rng.choice(N.COOPERATIVES)}"
        where = (
            rng.choice((ctx.prefix, ctx.prefix, "晋城市", "山西")) if ctx.level == "county" else ctx.prefix
        )
        return f"{where}{rng.choice(N.BRANDS)}{rng.choice(N.INDUSTRIES)}{rng.choice(N.ENTERPRISE_SUFFIXES)}"

    return unique(ctx, make)


def non_public(
    ctx: Ctx, manager: Node, n: int, *, town: str = "", label: str = "非公企业", cooperatives: int = 0
):
    """`n` private enterprises (and cooperatives) under `manager`: those with 3 or more members get a
    branch, small ones share joint branches of 2–5 units (ZB-01), and about 7 % have no org yet."""
    rng = ctx.rng
    small: list[UnitSpec] = []
    where_town = f"{ctx.prefix}{town}"
    for i in range(n + cooperatives):
        coop = i >= n
        name = enterprise_name(ctx, cooperative=coop, town=town)
        employees = lognorm(rng, 12 if coop else 45, 0.9, 3, 2000)
        u = unit(ctx, name, "collective" if coop else "private", township=town, employees=employees)
        r = rng.random()
        if r < 0.07:
            manager.orphan_units.append(u)
        elif coop or r < 0.40:
            small.append(u)
        else:
            size = lognorm(rng, 9, 0.6, 3, 60)
            short = name.removeprefix(ctx.prefix).removeprefix("晋城市").removeprefix("山西")
            manager.children.append(
                org(
                    ctx,
                    BRANCH,
                    name,
                    short,
                    sector="private",
                    size=size,
                    units=[u],
                    established=rng.randint(2005, 2022),
                    work_units=(name,),
                    township=town,
                    address=f"{ctx.address}{town}",
                )
            )
    for k, group in enumerate(_chunks(rng, small), start=1):
        manager.children.append(
            org(
                ctx,
                JOINT,
                f"{where_town}{label}第{cn(k)}",
                f"{town}{label}第{cn(k)}",
                sector="private",
                size=rng.randint(5, 22),
                units=group,
                established=rng.randint(2010, 2023),
                work_units=tuple(u.name for u in group),
                township=town,
                address=f"{ctx.address}{town}",
            )
        )
    if len(small) == 1:
        manager.orphan_units.extend(small)


def _chunks(rng: random.Random, units: list[UnitSpec]) -> list[list[UnitSpec]]:
    """Groups of 2–5 units for joint branches (ZB-01: a joint branch covers at most 5 units);
    a single unit left over has no org yet."""
    out: list[list[UnitSpec]] = []
    rest = list(units)
    while len(rest) >= 2:
        take = min(len(rest), rng.randint(2, 5))
        if len(rest) - take == 1:
            take = take + 1 if take < 5 else take - 1
        out.append(rest[:take])
        rest = rest[take:]
    return out


def social_orgs(ctx: Ctx, manager: Node, n: int) -> None:
    rng = ctx.rng
    small: list[UnitSpec] = []
    for _ in range(n):
        name = unique(ctx, lambda: f"{ctx.prefix}{rng.choice(N.SOCIAL_ORGS)}")
        u = unit(ctx, name, "social_org", employees=lognorm(rng, 10, 0.7, 2, 200))
        r = rng.random()
        if r < 0.08:
            manager.orphan_units.append(u)
        elif r < 0.55:
            small.append(u)
        else:
            manager.children.append(
                org(
                    ctx,
                    BRANCH,
                    name,
                    name.removeprefix(ctx.prefix),
                    sector="social_org",
                    size=lognorm(rng, 6, 0.5, 3, 30),
                    units=[u],
                    established=rng.randint(2012, 2023),
                    work_units=(name,),
                    address=ctx.address,
                )
            )
    for k, group in enumerate(_chunks(rng, small), start=1):
        manager.children.append(
            org(
                ctx,
                JOINT,
                f"{ctx.prefix}社会组织第{cn(k)}",
                f"社会组织第{cn(k)}",
                sector="social_org",
                size=rng.randint(5, 18),
                units=group,
                established=rng.randint(2015, 2023),
                work_units=tuple(u.name for u in group),
                address=ctx.address,
            )
        )
    if len(small) == 1:
        manager.orphan_units.extend(small)


def township(
    ctx: Ctx, name: str, villages: int, communities: int, f: float, village_median: float = 33
) -> Node:
    rng = ctx.rng
    street = name.endswith("街道")
    gov = f"{ctx.prefix}{name}{'办事处' if street else '人民政府'}"
    u = unit(ctx, gov, "subdistrict" if street else "township", township=name, employees=rng.randint(40, 120))
    node = org(
        ctx,
        WORKING if street else COMMITTEE,
        f"{ctx.prefix}{name}",
        name,
        units=[u],
        term="village",
        established=rng.randint(1950, 1985) if not street else rng.randint(1985, 2005),
        township=name,
    )
    staff = lognorm(rng, 30 * (0.8 + 0.2 * f), 0.3, 12, 110)
    parts = 1 if staff <= 50 else math.ceil(staff / 45)
    for i, size in enumerate(split(staff, parts, rng), start=1):
        label = "机关" if parts == 1 else f"机关第{cn(i)}"
        node.children.append(
            org(
                ctx,
                BRANCH,
                f"{ctx.prefix}{name}{label}",
                f"{name}{label}",
                sector="organ",
                size=size,
                units=[u],
                leader_pool=True,
                established=rng.randint(1960, 2000),
                work_units=(gov,),
                township=name,
                address=f"{ctx.address}{name}",
            )
        )
    for _ in range(communities):
        node.children.append(community(ctx, name))
    for _ in range(villages):
        node.children.append(village(ctx, name, village_median))
    n_private = round(rng.uniform(8, 14) * f)
    non_public(ctx, node, n_private, town=name, cooperatives=rng.randint(0, 3))
    return node


# -- county-level systems (also used, bigger, for cities and the province) ---------------------------------
def _dept(ctx: Ctx, dept: str) -> str:
    """A county department as named at this level (县财政局 → 市财政局 → 省财政厅)."""
    if ctx.level == "county":
        return dept
    lvl = "市" if ctx.level == "city" else "省"
    name = dept.replace("县委", lvl + "委").replace("团县委", "团" + lvl + "委").replace("县", lvl, 1)
    for old, new in N.UPPER_RENAMES.items():
        name = name.replace(old, new)
    if ctx.level == "province":
        for old, new in N.PROVINCE_RENAMES.items():
            if name.endswith(old):
                name = name[: -len(old)] + new
    return name


def _dept_unit_kind(dept: str) -> str:
    if dept.endswith(("中心", "馆", "党校", "队", "合作社")):
        return "public_institution"
    return "organ"


def organs(ctx: Ctx, f: float) -> Node:
    """机关工委 with a branch for every department, bigger departments as 党总支 or 党委."""
    rng = ctx.rng
    lvl = {"county": "县", "city": "市", "province": "省"}[ctx.level]
    node = org(
        ctx,
        WORKING,
        f"{ctx.prefix}直属机关",
        f"{lvl}直机关",
        established=rng.randint(1955, 1985),
        leader_pool=True,
    )
    node.units.append(
        unit(ctx, f"中共{ctx.prefix}委{lvl}直机关工作委员会", "organ", employees=rng.randint(8, 30))
    )
    depts = {"county": N.COUNTY_DEPARTMENTS, "city": N.CITY_DEPARTMENTS, "province": N.PROVINCE_DEPARTMENTS}
    listed = list(dict.fromkeys(_dept(ctx, d) for d in depts[ctx.level]))
    big = {_dept(ctx, d): n for d, n in N.COUNTY_BIG_DEPARTMENTS.items()}
    # One level up, departments are larger: more branches each.
    grow = {"county": 1.0, "city": 2.2, "province": 5.0}[ctx.level]
    unit_names = []
    for dept in list(dict.fromkeys([*listed, *big])):
        if dept.startswith("共青团"):
            full = where = f"共青团{ctx.prefix}委员会"
            short = f"团{lvl}委"
        elif dept.startswith(lvl + "委"):
            full, where, short = f"中共{ctx.short}{dept}", ctx.short + dept, dept
        else:
            full = ctx.short + dept
            where, short = full + "机关", dept + "机关"
        unit_names.append(full)
        kind = _dept_unit_kind(dept)
        u = unit(ctx, full, kind, employees=rng.randint(15, 120) * (1 if ctx.level == "county" else 3))
        sector = "organ" if kind == "organ" else "institution"
        n_branches = big.get(dept, 0) or (1 if grow == 1 else max(1, round(rng.uniform(0.5, 1.5) * grow)))
        n_branches = max(1, round(n_branches * (f if dept in big else 1)))
        common = {"work_units": (full,), "address": ctx.address, "established": rng.randint(1950, 2018)}
        if n_branches == 1:
            size = lognorm(rng, 14, 0.45, 5, 60)
            node.children.append(
                org(
                    ctx, BRANCH, where, short, sector=sector, size=size, units=[u], leader_pool=True, **common
                )
            )
            continue
        top = org(
            ctx,
            COMMITTEE if n_branches >= 5 else GENERAL,
            where,
            short,
            units=[u],
            leader_pool=True,
            **common,
        )
        for i in range(1, n_branches + 1):
            size = lognorm(rng, 22, 0.35, 6, 60)
            top.children.append(
                org(ctx, BRANCH, f"{where}第{cn(i)}", f"{short}第{cn(i)}", sector=sector, size=size, **common)
            )
        node.children.append(top)
    retired = org(
        ctx,
        GENERAL,
        f"{ctx.prefix}{lvl}直机关离退休干部",
        f"{lvl}直机关离退休干部",
        established=rng.randint(1985, 2005),
    )
    for i in range(1, max(2, round(3 * f * grow**0.5)) + 1):
        retired.children.append(
            org(
                ctx,
                BRANCH,
                f"{ctx.prefix}{lvl}直机关离退休干部第{cn(i)}",
                f"{lvl}直机关离退休干部第{cn(i)}",
                sector="retired",
                size=lognorm(rng, 35, 0.3, 12, 70),
                work_units=tuple(unit_names[:24]),
                address=ctx.address,
            )
        )
    node.children.append(retired)
    return node


def education(ctx: Ctx, towns: list[str], f: float) -> Node:
    rng = ctx.rng
    lvl = {"county": "县", "city": "市", "province": "省"}[ctx.level]
    bureau = ctx.prefix + ("教育局" if ctx.level != "province" else "教育厅")
    node = org(ctx, COMMITTEE, bureau, f"{lvl}教育系统", established=rng.randint(1960, 1990))
    bu = unit(ctx, bureau, "organ", employees=rng.randint(30, 90))
    node.units.append(bu)
    node.children.append(
        org(
            ctx,
            BRANCH,
            bureau + "机关",
            ("教育局" if ctx.level != "province" else "教育厅") + "机关",
            sector="organ",
            size=lognorm(rng, 20, 0.3, 8, 50),
            units=[bu],
            leader_pool=True,
            work_units=(bureau,),
            address=ctx.address,
        )
    )
    schools = list(N.SCHOOL_COUNTY)
    if ctx.level == "city":
        schools = [(s, n + 1 if n else 0) for s, n in schools] + [
            ("第四中学校", 2),
            ("第五中学校", 2),
            ("外国语学校", 0),
        ]
    for school, parts in schools:
        name = f"{ctx.prefix}{school}"
        u = unit(ctx, name, "school", employees=rng.randint(60, 400))
        common = {"work_units": (name,), "address": ctx.address, "established": rng.randint(1950, 2010)}
        if parts < 2:
            node.children.append(
                org(
                    ctx,
                    BRANCH,
                    name,
                    f"{lvl}{school}",
                    sector="school",
                    size=lognorm(rng, 22, 0.4, 6, 60),
                    units=[u],
                    **common,
                )
            )
            continue
        top = org(ctx, GENERAL, name, f"{lvl}{school}", units=[u], **common)
        labels = ["高一年级", "高二年级", "高三年级", "行政后勤", "离退休教师", "初中部"][:parts]
        for label in labels:
            top.children.append(
                org(
                    ctx,
                    BRANCH,
                    f"{name}{label}",
                    f"{lvl}{school}{label}",
                    sector="retired" if "离退休" in label else "school",
                    size=lognorm(rng, 22, 0.3, 8, 50),
                    **common,
                )
            )
        node.children.append(top)
    if ctx.level != "county":
        college = f"{ctx.short}职业技术学院" if ctx.level == "city" else f"{ctx.short}大学"
        node.children.append(_college(ctx, college, f))
    for town in towns:
        for label, median in (("中心学校", 16), ("初级中学", 14), ("中心幼儿园", 7)):
            if label == "中心幼儿园" and rng.random() > 0.6 * f:
                continue
            name = f"{ctx.prefix}{town}{label}"
            u = unit(ctx, name, "school", township=town, employees=rng.randint(15, 150))
            node.children.append(
                org(
                    ctx,
                    BRANCH,
                    name,
                    f"{town}{label}",
                    sector="school",
                    size=lognorm(rng, median, 0.4, 4, 45),
                    units=[u],
                    work_units=(name,),
                    township=town,
                    address=f"{ctx.address}{town}",
                    established=rng.randint(1960, 2012),
                )
            )
    return node


def _college(ctx: Ctx, name: str, f: float) -> Node:
    """A college or university: 党委 over school 党总支, each with staff and student branches."""
    rng = ctx.rng
    u = unit(ctx, name, "school", employees=rng.randint(500, 3000))
    top = org(
        ctx,
        COMMITTEE,
        name,
        name,
        units=[u],
        established=rng.randint(1958, 2000),
        work_units=(name,),
        address=ctx.address,
    )
    schools = (
        "机电工程",
        "信息工程",
        "经济管理",
        "医学护理",
        "建筑工程",
        "师范教育",
        "化学化工",
        "外国语",
        "马克思主义",
        "文学",
        "法学",
        "数学与统计",
        "物理与电子",
        "体育",
        "艺术",
    )
    n = max(4, round(len(schools) * (0.5 if ctx.level == "city" else 1.0) * f))
    for i in range(n):
        label = (
            schools[i % len(schools)]
            + ("学院" if ctx.level == "province" else "系")
            + (str(i // len(schools) + 1) if i >= len(schools) else "")
        )
        gb = org(
            ctx,
            GENERAL,
            name + label,
            label,
            work_units=(name,),
            address=ctx.address,
            established=rng.randint(1990, 2015),
        )
        gb.children.append(
            org(
                ctx,
                BRANCH,
                f"{name}{label}教工",
                f"{label}教工",
                sector="school",
                size=lognorm(rng, 24, 0.3, 8, 50),
                work_units=(name,),
                address=ctx.address,
            )
        )
        for k in range(1, rng.randint(2, 4)):
            gb.children.append(
                org(
                    ctx,
                    BRANCH,
                    f"{name}{label}学生第{cn(k)}",
                    f"{label}学生第{cn(k)}",
                    sector="student",
                    size=lognorm(rng, 18, 0.4, 5, 45),
                    work_units=(name,),
                    address=ctx.address,
                )
            )
        top.children.append(gb)
    top.children.append(
        org(
            ctx,
            BRANCH,
            name + "机关",
            name + "机关",
            sector="institution",
            size=lognorm(rng, 30, 0.3, 10, 55),
            leader_pool=True,
            work_units=(name,),
            address=ctx.address,
        )
    )
    top.children.append(
        org(
            ctx,
            BRANCH,
            name + "离退休",
            name + "离退休",
            sector="retired",
            size=lognorm(rng, 40, 0.3, 10, 70),
            work_units=(name,),
            address=ctx.address,
        )
    )
    return top


def health(ctx: Ctx, towns: list[str], f: float) -> Node:
    rng = ctx.rng
    lvl = {"county": "县", "city": "市", "province": "省"}[ctx.level]
    bureau = ctx.prefix + ("卫生健康和体育局" if ctx.level == "county" else "卫生健康委员会")
    node = org(ctx, COMMITTEE, bureau, f"{lvl}卫生健康系统", established=rng.randint(1960, 1990))
    bu = unit(ctx, bureau, "organ", employees=rng.randint(30, 90))
    node.units.append(bu)
    node.children.append(
        org(
            ctx,
            BRANCH,
            bureau + "机关",
            "卫健机关",
            sector="organ",
            size=lognorm(rng, 18, 0.3, 8, 50),
            units=[bu],
            leader_pool=True,
            work_units=(bureau,),
            address=ctx.address,
        )
    )
    hospitals = [
        ("人民医院", 8, COMMITTEE),
        ("中医医院", 3, GENERAL),
        ("妇幼保健院", 1, BRANCH),
        ("疾病预防控制中心", 1, BRANCH),
    ]
    if ctx.level != "county":
        hospitals = [
            ("人民医院", 12, COMMITTEE),
            ("第二人民医院", 8, COMMITTEE),
            ("中医医院", 5, COMMITTEE),
            ("妇幼保健院", 3, GENERAL),
            ("疾病预防控制中心", 2, GENERAL),
            ("精神卫生中心", 1, BRANCH),
            ("急救中心", 1, BRANCH),
        ]
    if ctx.level == "province":
        hospitals += [
            ("肿瘤医院", 10, COMMITTEE),
            ("心血管病医院", 8, COMMITTEE),
            ("儿童医院", 8, COMMITTEE),
            ("眼科医院", 4, GENERAL),
        ]
    for label, parts, kind in hospitals:
        name = f"{ctx.prefix}{label}"
        ukind = "hospital" if label.endswith("院") else "public_institution"
        u = unit(ctx, name, ukind, employees=rng.randint(80, 1500))
        common = {"work_units": (name,), "address": ctx.address, "established": rng.randint(1950, 2005)}
        parts = max(1, round(parts * (f if parts > 1 else 1)))
        if parts == 1:
            node.children.append(
                org(
                    ctx,
                    BRANCH,
                    name,
                    f"{lvl}{label}",
                    sector="hospital",
                    size=lognorm(rng, 22, 0.4, 6, 60),
                    units=[u],
                    **common,
                )
            )
            continue
        top = org(
            ctx,
            kind if parts >= 3 or kind != COMMITTEE else GENERAL,
            name,
            f"{lvl}{label}",
            units=[u],
            **common,
        )
        for i in range(parts):
            label_b = N.HOSPITAL_DEPARTMENTS[i] if i < len(N.HOSPITAL_DEPARTMENTS) else f"第{cn(i + 1)}党支部"
            body = label_b.removesuffix("党支部")
            top.children.append(
                org(
                    ctx,
                    BRANCH,
                    f"{name}{body}",
                    f"{lvl}{label}{body}",
                    sector="retired" if "离退休" in body else "hospital",
                    size=lognorm(rng, 24, 0.35, 8, 60),
                    **common,
                )
            )
        node.children.append(top)
    for town in towns:
        name = f"{ctx.prefix}{town}卫生院"
        u = unit(ctx, name, "hospital", township=town, employees=rng.randint(15, 90))
        node.children.append(
            org(
                ctx,
                BRANCH,
                name,
                f"{town}卫生院",
                sector="hospital",
                size=lognorm(rng, 9, 0.4, 3, 30),
                units=[u],
                work_units=(name,),
                township=town,
                address=f"{ctx.address}{town}",
                established=rng.randint(1960, 2005),
            )
        )
    return node


def state_owned(ctx: Ctx, f: float) -> Node:
    rng = ctx.rng
    lvl = {"county": "县", "city": "市", "province": "省"}[ctx.level]
    body = "国有资产服务中心" if ctx.level == "county" else "人民政府国有资产监督管理委员会"
    node = org(ctx, COMMITTEE, ctx.prefix + body, f"{lvl}国有企业", established=rng.randint(1995, 2010))
    node.units.append(
        unit(
            ctx,
            ctx.prefix + body,
            "public_institution" if ctx.level == "county" else "organ",
            employees=rng.randint(10, 40),
        )
    )
    count = {"county": 6, "city": 10, "province": 12}[ctx.level]
    per = {"county": 3, "city": 6, "province": 40}[ctx.level]
    for i in range(max(3, round(count * f**0.5))):
        label = (
            N.SOE_NAMES[i % len(N.SOE_NAMES)]
            if i < len(N.SOE_NAMES)
            else f"第{cn(i - len(N.SOE_NAMES) + 1)}投资有限公司"
        )
        if ctx.level == "province":
            label = label.replace("有限公司", "集团有限公司").replace("集团集团", "集团")
        name = ctx.prefix + label
        u = unit(ctx, name, "soe", employees=rng.randint(80, 600) * (1 if ctx.level == "county" else 8))
        common = {"work_units": (name,), "address": ctx.address, "established": rng.randint(1990, 2018)}
        size_rank = i / max(1, count)
        parts = max(1, round(per * f * (1.6 - size_rank) * rng.uniform(0.6, 1.4)))
        if parts == 1:
            node.children.append(
                org(
                    ctx,
                    BRANCH,
                    name,
                    label,
                    sector="soe",
                    size=lognorm(rng, 18, 0.4, 5, 60),
                    units=[u],
                    leader_pool=True,
                    **common,
                )
            )
            continue
        top = org(ctx, COMMITTEE if parts >= 4 else GENERAL, name, label, units=[u], **common)
        if ctx.level == "province" and parts > 12:
            # Group companies: subsidiaries with committees of their own.
            for s in range(1, max(2, parts // 10) + 1):
                sub_name = f"{name}第{cn(s)}子公司" if s > 10 else f"{name}{cn(s)}分公司"
                sub = org(ctx, COMMITTEE, sub_name, f"{label}{cn(s)}分公司", **common)
                for k in range(1, rng.randint(6, 14)):
                    sub.children.append(
                        org(
                            ctx,
                            BRANCH,
                            f"{sub_name}第{cn(k)}",
                            f"{cn(s)}分公司第{cn(k)}",
                            sector="soe",
                            size=lognorm(rng, 24, 0.4, 6, 60),
                            **common,
                        )
                    )
                top.children.append(sub)
        for k in range(1, min(parts, 12) + 1):
            top.children.append(
                org(
                    ctx,
                    BRANCH,
                    f"{name}第{cn(k)}",
                    f"{label}第{cn(k)}",
                    sector="soe",
                    size=lognorm(rng, 20, 0.4, 5, 60),
                    leader_pool=k == 1,
                    **common,
                )
            )
        node.children.append(top)
    return node


def two_new(ctx: Ctx, f: float) -> Node:
    """非公有制经济组织和社会组织 (两新组织) working committee."""
    rng = ctx.rng
    lvl = {"county": "县", "city": "市", "province": "省"}[ctx.level]
    node = org(
        ctx,
        WORKING,
        f"{ctx.prefix}非公有制经济组织和社会组织",
        f"{lvl}两新组织",
        established=rng.randint(2008, 2016),
    )
    node.units.append(unit(ctx, f"中共{ctx.prefix}委组织部", "organ", employees=rng.randint(15, 40)))
    counts = {"county": (70, 35), "city": (120, 60), "province": (200, 140)}[ctx.level]
    non_public(ctx, node, round(counts[0] * f), label="非公企业")
    social_orgs(ctx, node, round(counts[1] * f))
    return node


def mobile(ctx: Ctx, places: tuple[str, ...]) -> list[Node]:
    rng = ctx.rng
    out = []
    for place in places:
        out.append(
            org(
                ctx,
                BRANCH,
                f"{ctx.prefix}驻{place}流动党员",
                f"驻{place}流动党员",
                sector="mobile",
                size=rng.randint(12, 38),
                mobile=True,
                region=_CITY_NAMES[place],
                established=rng.randint(2008, 2020),
                work_units=(f"{place}市务工",),
                address=f"{place}市",
            )
        )
    return out


# -- counties, cities, the province ------------------------------------------------------------------------
@dataclass(slots=True)
class CountyPlan:
    code: str  # GB/T 2260 code (may be synthetic at province scale)
    name: str  # 泽州县
    city_code: str
    city_name: str
    townships: list[str]
    f: float = 1.0  # size factor (1 = the demo county, ≈1,500 orgs and 30,000 members)
    villages: int = 590
    village_f: float = 1.0
    village_median: float = 33.0  # members of a village
    communities: int = 25
    mobile_places: tuple[str, ...] = ("太原", "北京")


def county_ctx(seed: int, plan: CountyPlan, region_ok: set[str]) -> Ctx:
    rng = random.Random(f"zugong-demo/{seed}/{plan.code}")
    short = plan.name[:-1] if len(plan.name) > 2 else plan.name
    regions = _region_items()
    city_short = plan.city_name.removesuffix("市")
    neighbours = tuple(
        N.PROVINCE[2] + (city_short + name if name.endswith("区") else name[:-1])
        for code, (name, parent) in regions.items()
        if parent == plan.city_code and code != plan.code
    )
    return Ctx(
        rng=rng,
        level="county",
        id_region=plan.code,
        region=plan.code if plan.code in region_ok else plan.city_code,
        prefix=plan.name,
        short=short,
        address=f"{N.PROVINCE[1]}{plan.city_name}{plan.name}",
        native=f"{N.PROVINCE[2]}{short}",
        area_code=AREA_CODES.get(plan.city_code, "0351"),
        province_code=plan.code[:2],
        neighbours=neighbours,
    )


def build_county(seed: int, plan: CountyPlan, region_ok: set[str]) -> Node:
    ctx = county_ctx(seed, plan, region_ok)
    rng = ctx.rng
    ctx.used.update(plan.townships)
    root = Node(
        f"中共{plan.name}委员会",
        f"{plan.name}委",
        COMMITTEE,
        ctx,
        code=plan.code,
        region=ctx.region,
        term="village",
        established=rng.randint(1945, 1950),
        address=ctx.address,
    )
    towns = plan.townships
    street = [t.endswith("街道") for t in towns]
    villages = distribute(
        rng, round(plan.villages * plan.village_f) if not all(street) else 0, sum(1 for s in street if not s)
    )
    communities = distribute(rng, round(plan.communities * plan.f), max(1, min(len(towns), 3)))
    vi = iter(villages)
    root.children.append(organs(ctx, plan.f))
    root.children.append(education(ctx, towns, plan.f))
    root.children.append(health(ctx, towns, plan.f))
    root.children.append(state_owned(ctx, plan.f))
    root.children.append(two_new(ctx, plan.f))
    for i, town in enumerate(towns):
        if street[i]:
            n_comm = round(rng.randint(6, 12) * plan.f)
            root.children.append(township(ctx, town, 0, n_comm, plan.f, plan.village_median))
        else:
            n_comm = communities[i] if i < len(communities) else 0
            root.children.append(township(ctx, town, next(vi), n_comm, plan.f, plan.village_median))
    root.children.extend(mobile(ctx, plan.mobile_places))
    return root


def _upper_ctx(seed: int, level: str, code: str, name: str, city_name: str, id_region: str) -> Ctx:
    short = name[:-1]
    return Ctx(
        rng=random.Random(f"zugong-demo/{seed}/{code}/{level}"),
        level=level,
        id_region=id_region,
        region=code,
        prefix=name,
        short=short,
        address=N.PROVINCE[1] + (city_name if level == "city" else ""),
        native=N.PROVINCE[2] + (short if level == "city" else ""),
        area_code=AREA_CODES.get(code, "0351"),
        province_code=code[:2],
    )


def _synthetic_townships(rng: random.Random, n: int, district: bool) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        if not out and not district:
            name = "城关镇"
        else:
            base = rng.choice(N.PLACE_A) + rng.choice(N.PLACE_B)
            if district and len(out) < max(3, n * 2 // 3):
                name = base + "街道"
            else:
                name = base + ("镇" if rng.random() < 0.7 else "乡")
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def city_plans(
    seed: int, city_code: str, n_counties: int, f: float, taken: set[str], *, village_f: float = 1.0
) -> list[CountyPlan]:
    """The county-level divisions of a city: the real ones from the code table first, then
    synthetic codes (the shipped table lists only 晋城's counties)."""
    regions = _region_items()
    city_name = regions[city_code][0]
    rng = random.Random(f"zugong-demo/{seed}/{city_code}/counties")
    plans = []
    real = [c for c, (_, parent) in regions.items() if parent == city_code]
    for code in sorted(real)[:n_counties]:
        name = regions[code][0]
        towns = N.COUNTY_TOWNSHIPS.get(code) or _synthetic_townships(
            rng, rng.randint(9, 18), name.endswith("区")
        )
        rural = sum(1 for t in towns if not t.endswith("街道"))
        villages = 590 if code == ZEZHOU else 35 * rural
        plans.append(
            CountyPlan(code, name, city_code, city_name, towns, f=f, villages=villages, village_f=village_f)
        )
        taken.add(name)
    # A few urban districts, a county-level city, and counties.
    synthetic = n_counties - len(plans)
    districts = 0 if real else min(3, max(1, synthetic // 4))
    numbers = [*range(2, 2 + districts), *([81] if synthetic >= 5 and not real else []), *range(21, 80)]
    for code in (f"{city_code[:4]}{n:02d}" for n in numbers):
        if len(plans) >= n_counties:
            break
        if code in regions or code[4:] == "01":
            continue
        kind = "区" if int(code[4:]) < 20 else "市" if int(code[4:]) > 80 else "县"
        name = ""
        while not name or name in taken:
            name = rng.choice(N.COUNTY_NAME_A) + rng.choice(N.COUNTY_NAME_B) + kind
        taken.add(name)
        towns = _synthetic_townships(
            rng, rng.randint(12, 20) if kind != "区" else rng.randint(6, 10), kind == "区"
        )
        rural = sum(1 for t in towns if not t.endswith("街道"))
        villages = round(rng.uniform(30, 40) * rural)
        away = ("太原",) if city_code != "140100" else ("北京",)
        plans.append(
            CountyPlan(
                code,
                name,
                city_code,
                city_name,
                towns,
                f=f,
                villages=villages,
                village_f=village_f,
                mobile_places=away,
            )
        )
    return plans


def build_city(
    seed: int, city_code: str, counties: list[CountyPlan], f_direct: float, region_ok: set[str]
) -> Node:
    regions = _region_items()
    name = regions[city_code][0]
    ctx = _upper_ctx(seed, "city", city_code, name, name, f"{city_code[:4]}01")
    rng = ctx.rng
    root = Node(
        f"中共{name}委员会",
        f"{name}委",
        COMMITTEE,
        ctx,
        code=city_code,
        region=city_code,
        established=rng.randint(1945, 1950),
        address=ctx.address,
    )
    root.children.append(organs(ctx, f_direct))
    root.children.append(education(ctx, [], f_direct))
    root.children.append(health(ctx, [], f_direct))
    root.children.append(state_owned(ctx, f_direct))
    root.children.append(two_new(ctx, f_direct))
    root.children.extend(mobile(ctx, ("北京", "上海")))
    for plan in counties:
        root.children.append(Lazy(seed, plan, frozenset(region_ok)))
    return root


def build_province(seed: int, n_counties: int, f_county: float, f_city: float, region_ok: set[str]) -> Node:
    code, name, _ = N.PROVINCE
    ctx = _upper_ctx(seed, "province", code, name, "", "140100")
    root = Node(
        f"中共{name}委员会",
        f"{name}委",
        COMMITTEE,
        ctx,
        code=code,
        region=code,
        established=1949,
        address=ctx.address,
    )
    root.children.append(organs(ctx, 1.0))
    root.children.append(education(ctx, [], 1.0))
    root.children.append(health(ctx, [], 1.0))
    root.children.append(state_owned(ctx, 1.0))
    root.children.append(two_new(ctx, 1.0))
    root.children.extend(mobile(ctx, ("北京", "上海", "天津")))
    counts = N.CITY_COUNTY_COUNTS
    total = sum(counts.values())
    raw = {c: n_counties * k / total for c, k in counts.items()}
    per_city = {c: int(v) for c, v in raw.items()}
    for c in sorted(raw, key=lambda c: raw[c] - per_city[c], reverse=True)[
        : n_counties - sum(per_city.values())
    ]:
        per_city[c] += 1
    taken: set[str] = set()
    for city_code in sorted(counts):
        plans = city_plans(seed, city_code, per_city[city_code], f_county, taken, village_f=f_county)
        for plan in plans:
            plan.village_median = 25
        root.children.append(build_city(seed, city_code, plans, f_city, region_ok))
    return root


# -- the scales ----------------------------------------------------------------------------------------
SCALES = ("tiny", "county", "city", "province")
ZEZHOU = "140525"


def region_codes() -> set[str]:
    return set(_region_items())


def build(scale: str, seed: int) -> Node:
    region_ok = region_codes()
    if scale == "tiny":
        plan = CountyPlan(
            ZEZHOU,
            "泽州县",
            "140500",
            "晋城市",
            N.COUNTY_TOWNSHIPS[ZEZHOU][:3],
            f=0.12,
            villages=10,
            communities=10,
            mobile_places=("太原",),
        )
        return _tiny(build_county(seed, plan, region_ok))
    if scale == "county":
        plan = CountyPlan(ZEZHOU, "泽州县", "140500", "晋城市", N.COUNTY_TOWNSHIPS[ZEZHOU], f=1.0)
        return build_county(seed, plan, region_ok)
    if scale == "city":
        plans = city_plans(seed, "140500", 6, 1.8, set(), village_f=1.5)
        for plan in plans:
            plan.village_median = 48
        return build_city(seed, "140500", plans, 2.0, region_ok)
    if scale == "province":
        return build_province(seed, 150, 2.8, 1.2, region_ok)
    raise ValueError(scale)


def _tiny(root: Node) -> Node:
    """The county cut to a few orgs of every kind (for tests): same generator, smaller numbers."""
    rng = root.ctx.rng
    for child in root.children:
        if not isinstance(child, Node):
            continue
        if child.kind == WORKING and "机关" in child.short:
            retired = child.children[-1]
            retired.children = retired.children[:1]
            child.children = [*child.children[:2], retired]
        elif any(word in child.short for word in ("教育", "卫生", "国有")):
            child.children = child.children[:1] + [c for c in child.children[1:] if c.kind == BRANCH][:1]
        elif "两新" in child.short:
            joint = [c for c in child.children if c.kind == JOINT][:1]
            child.children = joint + [c for c in child.children if c.kind == BRANCH][:1]
            child.orphan_units = child.orphan_units[:2]
    for node in _all(root):
        if node.kind in BRANCHES:
            node.size = max(3, min(node.size, rng.randint(8, 32 if node.sector == "village" else 18)))
    return root


def _all(node: Node) -> Iterator[Node]:
    yield node
    for c in node.children:
        if isinstance(c, Node):
            yield from _all(c)


def groups_for(size: int) -> int:
    """党小组 of a branch of `size` members: from 25 members, one per dozen, 2 to 6."""
    return min(6, max(2, size // 12)) if size >= 25 else 0


def count(node: Node) -> dict[str, int]:
    """Rows a (county) plan will produce where ids must be reserved in advance."""
    orgs = members = groups = 0
    units: set[int] = set()
    for n in _all(node):
        orgs += 1
        units.update(id(u) for u in n.units)
        units.update(id(u) for u in n.orphan_units)
        if n.kind in BRANCHES:
            members += n.size
            groups += groups_for(n.size)
    return {"orgs": orgs, "units": len(units), "members": members, "groups": groups}
