"""The dashboard summary of a subtree: members by sex, education level, age band, category and
党员类型; organizations by kind.

Exact at every moment. The member total is the org's stored subtree total; the breakdowns of an
org with children come from its rollup rows (`stats.rollups`, kept by the services in the same
transaction as every write, read by primary key: ≈ 1 ms at any level); a branch's are counted
from its members, a few dozen rows.

`count_summary` counts everything from the members table in one grouped query over the
subtree's path range: the reference answer the rollups must equal (tests compare the two after
random sequences of writes), ≈ 50 ms for a 60,000-member county and seconds for a province.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, F, Func, Value, When
from django.db.models.functions import Substr

from zugong.core import codes
from zugong.core.exceptions import NotInScope
from zugong.core.paths import PATH_END, subtree_q
from zugong.core.scope import Scope
from zugong.members.models import Member
from zugong.members.selectors import AGE_BANDS, birth_range
from zugong.orgs.models import Org
from zugong.stats import rollups
from zugong.stats.models import Rollup

Dim = Rollup.Dim

SEP = "|"  # never part of a code


class Joined(Func):
    """`a || b || …` of NOT NULL text columns (Concat wraps each part in COALESCE, which costs
    compiling and running for nothing here)."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = CharField()


@dataclass(frozen=True)
class Summary:
    """Counts of members in good standing (those in the stored totals) and of active orgs below.

    Keys are codes: sex (GB/T 2261.1), education level (first digit of the GB/T 4658 code, "" when
    not recorded), age band (AGE_BANDS keys, every band present), category (top-level 人员类别,
    "" when not recorded), org kind (OrgKind values).
    """

    org_code: str
    on: dt.date
    members: int
    orgs: int
    by_sex: dict[str, int] = field(default_factory=dict)
    by_education: dict[str, int] = field(default_factory=dict)
    by_age_band: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    orgs_by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "org_code": self.org_code,
            "on": self.on.isoformat(),
            "members": self.members,
            "orgs": self.orgs,
            "by_sex": dict(self.by_sex),
            "by_education": dict(self.by_education),
            "by_age_band": dict(self.by_age_band),
            "by_category": dict(self.by_category),
            "by_status": dict(self.by_status),
            "orgs_by_kind": dict(self.orgs_by_kind),
        }


def age_band_case(on: dt.date) -> Case:
    """The AGE_BANDS key of a member's age on `on`, from the birth date alone (index-friendly)."""
    whens = []
    default = AGE_BANDS[-1][0]
    for key, _label, _low, _high in AGE_BANDS:
        earliest, _latest = birth_range(key, on=on)
        if earliest is None:
            default = key
            continue
        whens.append(When(birth_date__gte=earliest, then=Value(key)))
    return Case(*whens, default=Value(default), output_field=CharField())


def top_categories() -> dict[str, str]:
    """Every 人员类别 code → its top-level code."""
    out: dict[str, str] = {}
    for top, _label in codes.choices("occupation", parent=""):
        out[top] = top
        for child, _child_label in codes.choices("occupation", parent=top):
            out[child] = top
    return out


def _check(scope: Scope, org: Org) -> None:
    if scope.is_self_only or not scope.has("stats.view") or not scope.contains(org.path):
        raise NotInScope


def dashboard_summary(*, scope: Scope, org: Org, on: dt.date | None = None) -> Summary:
    """The summary of `org`'s subtree as seen on `on` (ages); NotInScope outside the account's subtree."""
    _check(scope, org)
    on = on or dt.date.today()
    cells = rollups.counts(org, on)
    if cells is None:  # a branch: counting its members is as cheap as reading rows
        return count_summary(scope=scope, org=org, on=on)
    bands = {k: 0 for k, *_rest in AGE_BANDS}
    bands.update(cells[Dim.AGE_BAND])
    return Summary(
        org_code=org.code,
        on=on,
        members=org.member_total,
        orgs=org.org_total,
        by_sex=cells[Dim.SEX],
        by_education=cells[Dim.EDUCATION],
        by_age_band=bands,
        by_category=cells[Dim.CATEGORY],
        by_status=cells[Dim.STATUS],
        orgs_by_kind=cells[Dim.ORG_KIND],
    )


def count_summary(*, scope: Scope, org: Org, on: dt.date | None = None) -> Summary:
    """The same summary counted from the members and orgs tables (the reference implementation)."""
    _check(scope, org)
    on = on or dt.date.today()
    members = Member.objects.filter(standing=Member.Standing.NORMAL)
    if org.depth > 1 or Org.objects.filter(depth=1).exclude(pk=org.pk).exists():
        members = members.filter(subtree_q(org.path, "org_path"))
    # else the only tree's root: every member is in it, and SQLite scans the table faster than it
    # walks the path index fetching each row.
    # One narrow grouping key instead of five columns: with four, PostgreSQL guessed a hash table
    # bigger than work_mem and sorted the whole subtree on disk (2.4× slower at city scale); SQLite
    # compares one string per row instead of four (docs/performance.md).
    key = Joined(
        F("sex"), Value(SEP), Substr("education", 1, 1), Value(SEP), F("category"), Value(SEP),
        F("status"), Value(SEP), age_band_case(on),
    )  # fmt: skip
    rows = members.annotate(key=key).values_list("key").annotate(n=Count("pk")).order_by()
    tops = top_categories()
    by_sex: dict[str, int] = {}
    by_education: dict[str, int] = {}
    by_age_band: dict[str, int] = {k: 0 for k, *_rest in AGE_BANDS}
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for grouped, n in rows:
        sex, edu, category, status, band = grouped.split(SEP)
        by_sex[sex] = by_sex.get(sex, 0) + n
        by_education[edu] = by_education.get(edu, 0) + n
        by_age_band[band] += n
        top = tops.get(category, category)
        by_category[top] = by_category.get(top, 0) + n
        by_status[status] = by_status.get(status, 0) + n
    kinds = (
        Org.objects.filter(path__gt=org.path, path__lt=org.path + PATH_END, is_active=True)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Summary(
        org_code=org.code,
        on=on,
        members=org.member_total,
        orgs=org.org_total,
        by_sex=by_sex,
        by_education=by_education,
        by_age_band=by_age_band,
        by_category=by_category,
        by_status=by_status,
        orgs_by_kind=dict(kinds),
    )
