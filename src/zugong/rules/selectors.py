"""Scoped reads of rule packs and the calendar.

An account sees the national packs, the local packs of its org's ancestors (they govern it) and
the local packs inside its subtree. A local pack elsewhere is not found (404).
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from zugong.core.exceptions import NotInScope
from zugong.core.paths import ancestor_paths
from zugong.core.scope import Scope
from zugong.orgs.models import Org
from zugong.rules import calendar, engine
from zugong.rules.models import CalendarDay, CalendarYear, Rule, RulePack


def _visible_q(scope: Scope) -> Q:
    if scope.root_path is None:
        return Q(pk__in=[])
    national = Q(org__isnull=True)
    if scope.root_path == "":
        return Q()
    above = Q(org_path__in=ancestor_paths(scope.root_path, include_self=False))
    return national | above | scope.path_q("org_path")


def packs_in_scope(scope: Scope) -> QuerySet[RulePack]:
    """Every pack the account may read; nothing without `rules.view`."""
    if not scope.has("rules.view"):
        return RulePack.objects.none()
    return RulePack.objects.filter(_visible_q(scope))


def in_force_q(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}effective_from__lte": on}) & (
        Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gt": on})
    )


@dataclass
class PackFilters:
    level: str = ""
    kind: str = ""
    q: str = ""
    on: dt.date | None = None
    all_versions: bool = False


def pack_list(*, scope: Scope, filters: PackFilters | None = None) -> list[RulePack]:
    """Packs for the list page, each with `.shown_rules` (the rules matching the filters that are
    in force on the date, or every version with `all_versions`). Three queries."""
    filters = filters or PackFilters()
    on = filters.on or dt.date.today()
    qs = packs_in_scope(scope).select_related("org")
    if not filters.all_versions:
        qs = qs.filter(in_force_q(on))
    if filters.level:
        qs = qs.filter(level=filters.level)
    rules = Rule.objects.order_by("rule_id", "effective_from", "pk")
    if not filters.all_versions:
        rules = rules.filter(
            Q(effective_from__isnull=True) | Q(effective_from__lte=on),
            Q(effective_to__isnull=True) | Q(effective_to__gt=on),
        )
    if filters.kind:
        rules = rules.filter(kind=filters.kind)
        qs = qs.filter(rules__kind=filters.kind)
    if filters.q:
        text = filters.q.strip()
        match = Q(rule_id__icontains=text) | Q(title__icontains=text) | Q(basis__icontains=text)
        rules = rules.filter(match)
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(rules__rule_id__icontains=text)
            | Q(rules__title__icontains=text)
            | Q(rules__basis__icontains=text)
        )
    qs = qs.distinct().order_by("org_path", "level", "code", "-effective_from")
    packs: list[RulePack] = list(
        qs.prefetch_related(Prefetch("rules", queryset=rules, to_attr="shown_rules"))
    )
    if filters.q:
        # A pack found by its title shows all its rules; one found by a rule shows the matches.
        text = filters.q.strip().lower()
        for pack in packs:
            if text in pack.title.lower() and not pack.shown_rules:  # type: ignore[attr-defined]
                pack.shown_rules = list(pack.rules.all())  # type: ignore[attr-defined]
    return packs


def pack_get(*, scope: Scope, pk: int) -> RulePack:
    pack = packs_in_scope(scope).select_related("org").filter(pk=pk).first()
    if pack is None:
        raise NotInScope
    return pack


def pack_rules(pack: RulePack) -> list[Rule]:
    """Every rule row of the pack with its versions, by rule id then date."""
    return list(
        pack.rules.select_related("changed_by", "base_pack").order_by("rule_id", "effective_from", "pk")
    )


def can_edit_pack(scope: Scope, pack: RulePack) -> bool:
    return (
        bool(pack.org_id)
        and not pack.is_shipped
        and scope.has("rules.edit")
        and scope.contains(pack.org_path)
    )


@dataclass
class RuleExplained:
    rule_id: str
    on: dt.date
    current: engine.RuleVersion | None
    national_versions: list[engine.RuleVersion]
    local_versions: list[engine.RuleVersion]
    stale_overrides: list[engine.RuleVersion] = field(default_factory=list)


def rule_explain(
    *, scope: Scope, rule_id: str, on: dt.date | None = None, org: Org | None = None
) -> RuleExplained:
    """Every version of `rule_id` the account may see: the national ones, and the local overrides
    bound to its ancestors or inside its subtree; the one in force on `on` for `org` (by default
    the account's own org). Raises NotInScope for a rule id the account cannot see at all."""
    if not scope.has("rules.view"):
        raise NotInScope
    on = on or dt.date.today()
    all_versions = engine.versions(rule_id)
    visible_paths = _visible_local_paths(scope)

    def visible(v: engine.RuleVersion) -> bool:
        return v.org_path is None or visible_paths(v.org_path)

    shown = [v for v in all_versions if visible(v)]
    if not shown:
        raise NotInScope
    path = org.path if org is not None else (scope.root_path or None)
    try:
        current: engine.RuleVersion | None = engine.rule(rule_id, on=on, org=path)
    except engine.RuleNotFound:
        current = None
    national = [v for v in shown if v.org_path is None]
    local = [v for v in shown if v.org_path is not None]
    stale: list[engine.RuleVersion] = []
    if national:
        try:
            in_force = engine.rule(rule_id, on=on)
            stale = [
                v
                for v in local
                if v.in_force(on) and v.base_pack_id is not None and v.base_pack_id != in_force.pack_id
            ]
        except engine.RuleNotFound:
            pass
    return RuleExplained(rule_id, on, current, national, local, stale)


def _visible_local_paths(scope: Scope):
    root = scope.root_path
    if root is None:
        return lambda path: False
    ancestors = set(ancestor_paths(root, include_self=False)) if root else set()
    return lambda path: path.startswith(root) or path in ancestors


def org_for_code(*, scope: Scope, code: str) -> Org:
    """An org in the account's subtree, or one of its ancestors (whose packs govern it)."""
    org = Org.objects.filter(code=code).first()
    if org is None or scope.root_path is None:
        raise NotInScope
    if not (org.path.startswith(scope.root_path) or scope.root_path.startswith(org.path)):
        raise NotInScope
    return org


def editable_orgs_q(scope: Scope) -> Q:
    return scope.path_q("path") if scope.has("rules.edit") else Q(pk__in=[])


# -- calendar ------------------------------------------------------------------------------------------
@dataclass
class CalDay:
    date: dt.date
    is_workday: bool
    name: str
    is_exception: bool
    source: str
    note: str

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


@dataclass
class CalMonth:
    year: int
    month: int
    weeks: list[list[CalDay | None]]
    workdays: int


@dataclass
class CalYear:
    year: int
    loaded: CalendarYear | None
    months: list[CalMonth]
    exceptions: list[CalendarDay]
    workdays: int


def calendar_year(year: int) -> CalYear:
    """The month grids of `year` with its holidays and 调休 workdays. Two queries."""
    loaded = CalendarYear.objects.filter(year=year).first()
    rows = list(CalendarDay.objects.filter(date__year=year).select_related("changed_by").order_by("date"))  # type: ignore[misc]
    by_date = {r.date: r for r in rows}
    months = []
    total = 0
    for month in range(1, 13):
        weeks: list[list[CalDay | None]] = []
        count = 0
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[CalDay | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                exc = by_date.get(day)
                work = exc.is_workday if exc else day.weekday() < 5
                count += work
                row.append(
                    CalDay(
                        date=day,
                        is_workday=work,
                        name=exc.name if exc else "",
                        is_exception=exc is not None and exc.is_workday != (day.weekday() < 5),
                        source=exc.source if exc else "",
                        note=exc.note if exc else "",
                    )
                )
            weeks.append(row)
        total += count
        months.append(CalMonth(year, month, weeks, count))
    return CalYear(year, loaded, months, rows, total)


def calendar_years() -> list[int]:
    return list(CalendarYear.objects.order_by("year").values_list("year", flat=True))


__all__ = [
    "PackFilters",
    "calendar",
    "calendar_year",
    "calendar_years",
    "can_edit_pack",
    "pack_get",
    "pack_list",
    "pack_rules",
    "packs_in_scope",
    "rule_explain",
]
