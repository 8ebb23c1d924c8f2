"""Scoped reads of the member registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zugong.core import codes, crypto, idnumber
from zugong.core.exceptions import NotInScope
from zugong.core.scope import Scope
from zugong.members.models import Member
from zugong.orgs.models import Org

# Age bands of the 党内统计 tables (years, inclusive).
AGE_BANDS: list[tuple[str, str | Promise, int | None, int | None]] = [
    ("-30", _("30岁及以下"), None, 30),
    ("31-35", _("31至35岁"), 31, 35),
    ("36-40", _("36至40岁"), 36, 40),
    ("41-45", _("41至45岁"), 41, 45),
    ("46-50", _("46至50岁"), 46, 50),
    ("51-55", _("51至55岁"), 51, 55),
    ("56-60", _("56至60岁"), 56, 60),
    ("61-", _("61岁及以上"), 61, None),
]
# Education levels: the first digit of the GB/T 4658 code.
EDUCATION_LEVELS = [
    ("1", _("研究生")),
    ("2", _("大学本科")),
    ("3", _("大学专科")),
    ("4", _("中专")),
    ("6", _("高中")),
    ("7", _("初中")),
    ("8", _("小学")),
    ("9", _("其他")),
]
SORTS = {"org": ("org_path", "name", "id"), "name": ("name", "id"), "-joined": ("-joined_on", "id")}


@dataclass
class MemberFilters:
    name: str = ""
    sex: str = ""
    ethnicity: str = ""
    age_band: str = ""
    education: str = ""
    category: str = ""
    status: str = ""
    join_year: int | None = None
    is_mobile: bool | None = None
    standing: str = Member.Standing.NORMAL

    @classmethod
    def from_mapping(cls, data) -> MemberFilters:
        out = cls()
        for f in fields(cls):
            raw = data.get(f.name)
            if raw in (None, ""):
                continue
            if f.name == "join_year":
                try:
                    out.join_year = int(raw)
                except (TypeError, ValueError):
                    continue
            elif f.name == "is_mobile":
                out.is_mobile = str(raw).lower() in {"1", "true", "yes", "on"}
            else:
                setattr(out, f.name, str(raw).strip())
        return out

    @property
    def is_default(self) -> bool:
        return self == MemberFilters()


def birth_range(band: str, *, on: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Birth dates (inclusive) of people whose age on `on` lies in the band."""
    for key, _label, low, high in AGE_BANDS:
        if key == band:
            earliest = on - relativedelta(years=high + 1) + dt.timedelta(days=1) if high is not None else None
            latest = on - relativedelta(years=low) if low is not None else None
            return earliest, latest
    raise ValueError(band)


def members_in_scope(*, scope: Scope) -> QuerySet[Member]:
    return scope.members(Member.objects.all())


def member_list(
    *,
    scope: Scope,
    under: Org | None = None,
    filters: MemberFilters | None = None,
    sort: str = "org",
    on: dt.date | None = None,
) -> QuerySet[Member]:
    filters = filters or MemberFilters()
    if under is not None and not scope.is_self_only:
        if not scope.contains(under.path):
            raise NotInScope
        # `under` lies inside the scope's subtree, so its own range is the whole filter (the scope's
        # range on org_path beside county_path would make every index entry fetch its row).
        qs = Member.objects.all() if scope.has("member.view") else Member.objects.none()
        qs = qs.filter(_subtree(under))
    else:
        qs = members_in_scope(scope=scope)
        if under is not None:
            qs = qs.filter(_subtree(under))
    f = filters
    if f.name:
        qs = qs.filter(name__startswith=f.name) if len(f.name) < 2 else qs.filter(name__contains=f.name)
    for field in ("sex", "ethnicity", "status"):
        value = getattr(f, field)
        if value:
            qs = qs.filter(**{field: value})
    if f.standing and f.standing != "all":
        qs = qs.filter(standing=f.standing)
    if f.category:  # a top-level 人员类别 takes in its sub-categories
        children = [code for code, _label in codes.choices("occupation", parent=f.category)]
        qs = qs.filter(category__in=[f.category, *children]) if children else qs.filter(category=f.category)
    if f.education:
        qs = qs.filter(education__startswith=f.education)
    if f.age_band:
        try:
            earliest, latest = birth_range(f.age_band, on=on or dt.date.today())
        except ValueError:
            earliest = latest = None
        if earliest:
            qs = qs.filter(birth_date__gte=earliest)
        if latest:
            qs = qs.filter(birth_date__lte=latest)
    if f.join_year:
        qs = qs.filter(
            joined_on__gte=dt.date(f.join_year, 1, 1), joined_on__lt=dt.date(f.join_year + 1, 1, 1)
        )
    if f.is_mobile is not None:
        qs = qs.filter(is_mobile=f.is_mobile)
    return qs.select_related("org").order_by(*SORTS.get(sort, SORTS["org"]))


def _subtree(under: Org) -> Q:
    """The members below `under`. A county (at the stored county depth) is one value of
    `county_path`: with the (county_path, name, id) index its list sorted by name needs no sort, and
    page 200 reads 10,000 index entries instead of sorting 50,000 rows (docs/performance.md §2)."""
    from zugong.stats.rollups import get_state

    if under.depth == get_state().county_depth:
        return Q(county_path=under.path)
    return Q(org_path__gte=under.path, org_path__lt=under.path + "~")


# The filters a count can be read from the rollups for: field → rollup dimension.
ROLLUP_FILTERS = {"sex": "s", "education": "e", "category": "c", "status": "t", "age_band": "a"}


def _rollup_filter(filters: MemberFilters) -> tuple[str, str] | None:
    """(dimension, value) when the list is narrowed by exactly one filter a rollup counts."""
    from zugong.stats.rollups import top_category

    for field, dim in ROLLUP_FILTERS.items():
        value = getattr(filters, field)
        if not value or replace(filters, **{field: ""}) != MemberFilters():  # type: ignore[arg-type]
            continue
        if field == "education" and len(value) != 1:
            return None
        if field == "category" and top_category(value) != value:
            return None
        if field == "age_band" and value not in {k for k, *_rest in AGE_BANDS}:
            return None
        return dim, value
    return None


def member_count(
    *, scope: Scope, under: Org, filters: MemberFilters, qs: QuerySet[Member], on: dt.date | None = None
) -> int:
    """Exact count: the stored subtree total when nothing narrows the list, a rollup count when
    one filter does (sex, education level, 人员类别, 党员类型, age band), else COUNT."""
    if scope.is_self_only:
        return qs.count()
    if filters.is_default:
        return under.member_total
    one = _rollup_filter(filters)
    if one is not None:
        from zugong.stats.rollups import counts

        cells = counts(under, on or dt.date.today())
        if cells is not None:
            return cells[one[0]].get(one[1], 0)
    return qs.count()


# What the list page shows of a member and of its branch (ids are paged first, then these rows).
LIST_COLUMNS = (
    "pk", "name", "sex", "ethnicity", "birth_date", "education", "status", "standing", "joined_on",
    "is_mobile", "id_number_masked", "phone_masked", "org__name", "org__short_name",
)  # fmt: skip


class MemberRow(NamedTuple):
    """One row of the member list: plain values, no model instance (building 50 members and 50
    orgs was a tenth of the page's CPU)."""

    pk: int
    name: str
    sex: str
    ethnicity: str
    birth_date: dt.date | None
    education: str
    status: str
    standing: str
    joined_on: dt.date | None
    is_mobile: bool
    id_number_masked: str
    phone_masked: str
    org_name: str
    org_short_name: str


def member_rows(ids: list[int]) -> list[MemberRow]:
    """The members of one page, in the page's order: one query by primary key."""
    found = {r[0]: MemberRow(*r) for r in Member.objects.filter(pk__in=ids).values_list(*LIST_COLUMNS)}
    return [found[i] for i in ids if i in found]


def member_get(*, scope: Scope, pk: int) -> Member:
    member = members_in_scope(scope=scope).select_related("org", "party_group").filter(pk=pk).first()
    if member is None:
        raise NotInScope
    return member


def member_by_id_number(*, scope: Scope, id_number: str) -> Member | None:
    """The member in scope holding this 公民身份号码 (found by its keyed hash), or None."""
    number = idnumber.normalize(id_number or "")
    if not number:
        return None
    qs = members_in_scope(scope=scope).select_related("org")
    return qs.filter(id_number_hash=crypto.blind_index(number)).first()
