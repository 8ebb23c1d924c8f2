"""Members of a branch: plausible and consistent with the national member rules.

Each branch has a sector (village, organ, school …) that sets the age pyramid, the share of women,
education, occupation and job titles. Every person is consistent: the 公民身份号码 is valid
(GB 11643) and carries the birth date and sex; the member joined at 18 or later; 转正 is one year
after 入党; probationary members joined within the last year.

Historic dates (births, old joins) are drawn from calendar years relative to the as-of year, so
the same seed gives the same names and ID numbers all year; only recent dates (probation) follow
the as-of day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from itertools import accumulate

from zugong.core.idnumber import _CHECK, _WEIGHTS
from zugong.demo import names as N
from zugong.demo.builder import Ctx, Node


class Weighted:
    __slots__ = ("cum", "total", "values")

    def __init__(self, pairs) -> None:
        pairs = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


SURNAMES = Weighted(N.SURNAMES)
# (age from, age to, weight) at the as-of date.
AGES = {
    "village": (
        (22, 30, 6),
        (31, 40, 10),
        (41, 50, 15),
        (51, 60, 21),
        (61, 70, 24),
        (71, 80, 17),
        (81, 93, 7),
    ),
    "community": ((24, 35, 10), (36, 45, 12), (46, 55, 14), (56, 65, 22), (66, 75, 26), (76, 92, 16)),
    "organ": ((23, 30, 16), (31, 40, 30), (41, 50, 29), (51, 59, 25)),
    "institution": ((23, 30, 16), (31, 40, 30), (41, 50, 29), (51, 59, 25)),
    "school": ((23, 30, 20), (31, 40, 30), (41, 50, 29), (51, 59, 21)),
    "hospital": ((23, 30, 24), (31, 40, 33), (41, 50, 25), (51, 59, 18)),
    "soe": ((22, 30, 14), (31, 40, 30), (41, 50, 31), (51, 59, 25)),
    "private": ((22, 30, 20), (31, 40, 36), (41, 50, 29), (51, 63, 15)),
    "social_org": ((22, 30, 14), (31, 45, 34), (46, 60, 30), (61, 72, 22)),
    "retired": ((60, 70, 42), (71, 80, 36), (81, 96, 22)),
    "mobile": ((20, 30, 30), (31, 40, 36), (41, 50, 24), (51, 60, 10)),
    "student": ((19, 23, 100),),
}
# One pick per person: every single age, weighted by its band spread evenly over the band.
AGE_PICK = {
    k: Weighted((age, w / (hi - lo + 1)) for lo, hi, w in v for age in range(lo, hi + 1))
    for k, v in AGES.items()
}
WOMEN = {
    "village": 0.26,
    "community": 0.5,
    "organ": 0.38,
    "institution": 0.42,
    "school": 0.6,
    "hospital": 0.64,
    "soe": 0.26,
    "private": 0.3,
    "social_org": 0.42,
    "retired": 0.3,
    "mobile": 0.25,
    "student": 0.55,
}
# Age when joining the Party: (low, high, mode).
JOIN_AGE = {
    "village": (20, 55, 30),
    "community": (19, 50, 28),
    "retired": (18, 45, 27),
    "student": (18, 22, 20),
}
JOIN_AGE_DEFAULT = (19, 45, 26)
ETHNICITY = Weighted({"01": 990, "03": 5, "11": 3, "02": 2})
OLD, MID, YOUNG = 0, 1, 2
_EDU: dict[str, tuple] = {
    "village": (
        {"81": 30, "71": 45, "61": 20, "41": 5},
        {"71": 45, "61": 28, "44": 10, "31": 13, "21": 4},
        {"61": 25, "44": 10, "31": 35, "21": 30},
    ),
    "community": (
        {"71": 30, "61": 35, "41": 15, "31": 15, "21": 5},
        {"61": 25, "31": 40, "21": 35},
        {"31": 35, "21": 60, "14": 5},
    ),
    "organ": (
        {"31": 35, "21": 50, "41": 10, "14": 5},
        {"21": 65, "31": 15, "14": 20},
        {"21": 60, "14": 38, "11": 2},
    ),
    "school": ({"31": 40, "21": 50, "41": 10}, {"21": 75, "31": 10, "14": 15}, {"21": 65, "14": 35}),
    "hospital": (
        {"41": 20, "31": 35, "21": 40, "14": 5},
        {"21": 55, "31": 20, "14": 22, "11": 3},
        {"21": 55, "14": 35, "31": 10},
    ),
    "soe": (
        {"61": 30, "41": 25, "31": 25, "21": 20},
        {"31": 35, "21": 45, "14": 5, "61": 15},
        {"21": 60, "31": 30, "14": 10},
    ),
    "private": (
        {"71": 30, "61": 35, "31": 20, "21": 15},
        {"61": 25, "31": 35, "21": 35, "71": 5},
        {"31": 35, "21": 55, "14": 5, "61": 5},
    ),
    "retired": (
        {"71": 15, "61": 25, "41": 20, "31": 25, "21": 15},
        {"61": 20, "31": 40, "21": 40},
        {"21": 100},
    ),
    "mobile": (
        {"71": 50, "61": 50},
        {"71": 35, "61": 35, "31": 20, "21": 10},
        {"61": 30, "31": 40, "21": 30},
    ),
    "student": ({"20": 100}, {"20": 100}, {"20": 80, "30": 20}),
}
_EDU["institution"] = _EDU["organ"]
_EDU["social_org"] = _EDU["private"]
EDU = {k: tuple(Weighted(d) for d in v) for k, v in _EDU.items()}
DEGREE = {"21": ("4", 0.9), "14": ("3", 0.95), "11": ("2", 1.0)}
CATEGORY = {
    "village": Weighted({"20": 85, "10": 5, "70": 10}),
    "community": Weighted({"70": 40, "41": 20, "10": 20, "31": 20}),
    "organ": Weighted({"50": 100}),
    "institution": Weighted({"32": 50, "42": 40, "10": 10}),
    "school": Weighted({"32": 88, "42": 12}),
    "hospital": Weighted({"32": 85, "42": 15}),
    "soe": Weighted({"10": 40, "31": 25, "41": 35}),
    "private": Weighted({"10": 45, "31": 25, "41": 30}),
    "social_org": Weighted({"33": 50, "43": 50}),
    "retired": Weighted({"82": 100}),
    "mobile": Weighted({"10": 60, "70": 40}),
    "student": Weighted({"62": 70, "63": 30}),
}
JOBS = {k: Weighted(v) for k, v in N.JOBS.items()}
MOBILE_SHARE = {"village": 0.045, "community": 0.02, "private": 0.02, "mobile": 1.0}
PHONE_SECOND = Weighted({"3": 30, "5": 25, "8": 25, "7": 8, "9": 12})
OTHER_NATIVE = (
    "河南林州",
    "河南沁阳",
    "河北邯郸",
    "山东菏泽",
    "山西长治",
    "山西运城",
    "山西临汾",
    "陕西韩城",
)
SINGLE_SHARE = (0.3, 0.3, 0.35, 0.2)


class Person:
    """One member as drawn; the writer adds ids, groups and the encrypted columns."""

    __slots__ = (
        "address",
        "birth",
        "category",
        "converted",
        "degree",
        "education",
        "ethnicity",
        "id",
        "id_number",
        "job",
        "joined",
        "mobile",
        "name",
        "native",
        "phone",
        "sex",
        "standing",
        "status",
        "work_unit",
    )


def _plus_year(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


def _adult_from(birth: dt.date, years: int) -> dt.date:
    """The day of the `years`-th birthday (1 March for those born on 29 February)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


class People:
    def __init__(self, as_of: dt.date, *, min_join_age: int = 18, probation_months: int = 12) -> None:
        self.as_of = as_of
        self.as_of_ord = as_of.toordinal()
        self.year = as_of.year
        self.ids = IdMaker()
        self.jan1 = {y: dt.date(y, 1, 1).toordinal() for y in range(as_of.year - 120, as_of.year + 2)}
        self.min_join_age = min_join_age
        self.latest_formal_join = as_of.toordinal() - (probation_months * 366 + 11) // 12 - 1
        self.adult_days = lambda birth: _adult_from(birth, min_join_age).toordinal() - birth.toordinal()
        self.given = N.GIVEN

    # -- names -----------------------------------------------------------------------------------
    def name(self, rng: random.Random, birth_year: int, sex: str) -> str:
        era = 0
        for i, (start, _) in enumerate(self.given):
            if birth_year >= start:
                era = i
        first, second, single = self.given[era][1][sex]
        surname = SURNAMES.pick(rng)
        if rng.random() < SINGLE_SHARE[era]:
            return surname + rng.choice(single)
        a, b = rng.choice(first), rng.choice(second)
        if a == b and rng.random() < 0.7:
            b = rng.choice(second)
        return surname + a + b

    # -- one branch ------------------------------------------------------------------------------
    def branch(self, ctx: Ctx, node: Node, count: int) -> list[Person]:
        """`count` members for `node`. The hot loop of a province seed: plain arithmetic on
        ordinals and one `random()` per draw."""
        rng = ctx.rng
        r = rng.random
        sector = node.sector or "organ"
        ages = AGE_PICK[sector]
        women = WOMEN[sector]
        lo_j, hi_j, mode_j = JOIN_AGE.get(sector, JOIN_AGE_DEFAULT)
        edu = EDU[sector]
        cat = CATEGORY[sector]
        jobs = JOBS[sector]
        mobile_share = MOBILE_SHARE.get(sector, 0.005)
        as_of_ord = self.as_of_ord
        latest_formal = self.latest_formal_join
        adult_days = self.adult_days
        jan1 = self.jan1
        units = node.work_units or ("",)
        n_units = len(units)
        year = self.year
        in_village = bool(node.village) and sector == "village"
        place = node.address or ctx.address
        neighbours = ctx.neighbours
        native = ctx.native
        fromordinal = dt.date.fromordinal
        words = N.COMMUNITY_WORDS
        out: list[Person] = []
        for _ in range(count):
            p = Person()
            age = ages.pick(rng)
            sex = "2" if r() < women else "1"
            byear = year - age
            birth_ord = jan1[byear] + int(r() * 365)
            birth = fromordinal(birth_ord)
            p.sex = sex
            p.birth = birth
            p.name = self.name(rng, byear, sex)
            p.ethnicity = ETHNICITY.pick(rng)
            p.id_number = self._id_number(ctx, birth_ord, sex)
            x = r()
            if x < 0.86 or (x < 0.95 and not neighbours):
                p.native = native
            elif x < 0.95:
                p.native = neighbours[int(r() * len(neighbours))]
            else:
                p.native = OTHER_NATIVE[int(r() * len(OTHER_NATIVE))]
            p.education = edu[OLD if byear < 1965 else MID if byear < 1985 else YOUNG].pick(rng)
            deg = DEGREE.get(p.education)
            p.degree = deg[0] if deg and r() < deg[1] else ""
            p.category = cat.pick(rng)
            if sector == "community" and age >= 60 and r() < 0.8:
                p.category = "82"
            elif sector == "village" and age <= 22 and r() < 0.3:
                p.category = "62"
            p.work_unit = units[0] if n_units == 1 else units[int(r() * n_units)]
            p.job = jobs.pick(rng)
            # Joining: formal members joined at least a probation ago; a few are still probationary.
            adult = birth_ord + adult_days(birth)
            if r() < (0.065 if age <= 35 else 0.008) or adult > latest_formal:
                p.joined = fromordinal(min(max(adult, as_of_ord - 5 - int(r() * 355)), as_of_ord))
                p.converted = None
                p.status = "probationary"
            else:
                join_age = rng.triangular(lo_j, min(hi_j, age - 1), min(mode_j, age - 1))
                if r() < 0.12:
                    joined = dt.date(byear + int(join_age), 7, 1).toordinal()  # 七一
                else:
                    joined = birth_ord + int(join_age * 365.25) + int(r() * 120) - 60
                joined = fromordinal(min(max(joined, adult), latest_formal))
                p.joined = joined
                p.converted = _plus_year(joined)
                p.status = "formal"
            x = r()
            if age >= 70 and x < 0.035 and p.status == "formal":
                p.standing = "deceased"
            elif x < 0.002 and p.status == "formal":
                p.standing = "stopped"
            elif x < 0.004 and p.status == "formal":
                p.standing = "left"
            else:
                p.standing = "normal"
            p.mobile = r() < mobile_share
            if age >= 80 and r() < 0.3:
                p.phone = ""
            else:
                p.phone = f"1{PHONE_SECOND.pick(rng)}{int(r() * 10)}{int(r() * 100_000_000):08d}"
            if in_village:
                p.address = f"{place}{int(r() * 320) + 1}号"
            else:
                p.address = (
                    f"{place}{words[int(r() * len(words))]}小区{int(r() * 30) + 1}号楼"
                    f"{int(r() * 4) + 1}单元{int(r() * 18) + 1}0{int(r() * 4) + 1}室"
                )
            out.append(p)
        return out

    def _id_number(self, ctx: Ctx, birth_ord: int, sex: str) -> str:
        """A valid number, unique within the stream: one sequence per (birth date, sex)."""
        key = birth_ord * 2 + (sex == "2")
        state = ctx.id_seq.get(key)
        if state is None:
            state = ctx.id_seq[key] = [int(ctx.rng.random() * 100), 0]
        if state[1] >= 100:
            raise RuntimeError("more than 100 people born on one day in one county")
        seq = (state[0] + state[1] * 7) % 100
        state[1] += 1
        return self.ids.make(ctx.id_region, birth_ord, seq, sex)


class IdMaker:
    """`idnumber.make` with its parts' weighted sums cached (a province makes 8 million numbers);
    the result is the same string (tests compare the two)."""

    def __init__(self) -> None:
        self.regions: dict[str, int] = {}
        self.dates: dict[int, tuple[str, int]] = {}
        self.orders = []
        for order in range(1000):
            digits = f"{order:03d}"
            self.orders.append((digits, _weigh(digits, 14)))

    def make(self, region: str, birth_ord: int, seq: int, sex: str) -> str:
        rsum = self.regions.get(region)
        if rsum is None:
            rsum = self.regions[region] = _weigh(region, 0)
        date = self.dates.get(birth_ord)
        if date is None:
            digits = dt.date.fromordinal(birth_ord).strftime("%Y%m%d")
            date = self.dates[birth_ord] = (digits, _weigh(digits, 6))
        digits, osum = self.orders[(seq % 100) * 10 + (1 if sex == "1" else 2)]
        return f"{region}{date[0]}{digits}{_CHECK[(rsum + date[1] + osum) % 11]}"


def _weigh(digits: str, offset: int) -> int:
    return sum(int(c) * w for c, w in zip(digits, _WEIGHTS[offset : offset + len(digits)], strict=True))
