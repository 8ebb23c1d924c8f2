"""Ask the rules, never hard-code a number from a regulation.

    r = engine.rule("ZB-05", on=date, org=org)   # the version in force on that date, for that org
    r.params["village_community_years"], r.cite  # "ZB-05《…》第…条"

Every answer (a window, a vote, a due list, a bracket) carries the `RuleVersion` it used, so a
warning can name its rule id, version and article. Versions: a rule id may have several versions
(one per pack version, e.g. 发展党员工作细则 2014 and 2026, and dated versions of a local rule); the
one in force on the date being judged answers. Local packs bound to an org apply to its subtree and
may only tighten a national rule (services check that); the deepest pack wins.

Calendar months are calendar arithmetic (relativedelta: 31 January + 1 month = 28/29 February);
working days use the holiday calendar (`zugong.rules.calendar`), provisional where a year is not
loaded.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from zugong.rules import calendar
from zugong.rules.calendar import (
    CountAnswer,
    DateAnswer,
    DayAnswer,
    add_workdays,
    is_workday,
    workdays_between,
)

if TYPE_CHECKING:
    from zugong.orgs.models import Org

__all__ = [
    "BracketResult",
    "CountAnswer",
    "DateAnswer",
    "DayAnswer",
    "Obligation",
    "Period",
    "RuleNotFound",
    "RuleVersion",
    "VoteResult",
    "Window",
    "add_months",
    "add_workdays",
    "bracket",
    "due",
    "invalidate",
    "is_workday",
    "period_of",
    "periods",
    "quorum",
    "quota",
    "rule",
    "variants",
    "window",
    "workdays_between",
]

_lock = threading.Lock()
_cache: dict[str, list[RuleVersion]] | None = None
_cache_at = 0.0
# Writes invalidate this process at once; other processes (web workers) within this many seconds.
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class RuleVersion:
    rule_id: str
    title: str
    kind: str
    params: dict[str, Any]
    article: str
    pack_title: str
    pack_version: str
    effective_from: dt.date
    effective_to: dt.date | None
    basis: str = ""
    pack_code: str = ""
    level: str = "national"
    source_url: str = ""
    confidence: str = "V"
    local_org_name: str | None = None
    org_path: str | None = None  # the local pack's org path; None for national rules
    pack_id: int | None = None
    pk: int | None = None
    tighten: dict[str, Any] = field(default_factory=dict)
    base_pack_id: int | None = None

    @property
    def is_local(self) -> bool:
        return self.org_path is not None

    @property
    def version(self) -> str:
        """The pack version, plus the date of a later version of a local rule within its pack."""
        return self.pack_version

    @property
    def cite(self) -> str:
        text = f"{self.rule_id}《{self.pack_title}》{self.article}"
        if self.local_org_name:
            text += _("(%(org)s本地规定)") % {"org": self.local_org_name}
        return text

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


class RuleNotFound(LookupError):
    pass


def invalidate() -> None:
    """Forget cached rules and calendar days; every write to packs, rules or the calendar calls it."""
    global _cache
    with _lock:
        _cache = None
    calendar.invalidate()


def preload(rules: dict[str, list[RuleVersion]]) -> None:
    """Answer from these versions alone, without reading the database, for the life of this process:
    the seed's worker processes get the versions with their task and must not open a connection."""
    global _cache, _cache_at
    with _lock:
        _cache = dict(rules)
        _cache_at = math.inf


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return a if b is None else b if a is None else max(a, b)


def _earlier_end(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return a if b is None else b if a is None else min(a, b)


def _all() -> dict[str, list[RuleVersion]]:
    global _cache, _cache_at
    with _lock:
        if _cache is not None and time.monotonic() - _cache_at < CACHE_SECONDS:
            return _cache
    from zugong.rules.models import Rule

    out: dict[str, list[RuleVersion]] = {}
    rows = Rule.objects.select_related("pack", "pack__org").order_by("rule_id", "pack__effective_from", "pk")
    for r in rows:
        p = r.pack
        start = _later(p.effective_from, r.effective_from) or p.effective_from
        end = _earlier_end(p.effective_to, r.effective_to)
        if end is not None and end <= start:
            continue
        version = (
            p.version if r.effective_from in (None, p.effective_from) else f"{p.version}·{start:%Y-%m-%d}"
        )
        out.setdefault(r.rule_id, []).append(
            RuleVersion(
                rule_id=r.rule_id,
                title=r.title,
                kind=r.kind,
                params=r.params,
                article=r.article,
                pack_title=p.title,
                pack_version=version,
                effective_from=start,
                effective_to=end,
                basis=r.basis,
                pack_code=p.code,
                level=p.level,
                source_url=r.source_url or p.source_url,
                confidence=r.confidence,
                local_org_name=p.org.name if p.org is not None else None,
                org_path=p.org_path if p.org_id else None,
                pack_id=p.pk,
                pk=r.pk,
                tighten=r.tighten or {},
                base_pack_id=r.base_pack_id,
            )
        )
    with _lock:
        _cache = out
        _cache_at = time.monotonic()
    return out


def versions(rule_id: str) -> list[RuleVersion]:
    """Every version of `rule_id`, national and local, oldest first."""
    return list(_all().get(rule_id, []))


def rule_ids() -> list[str]:
    return sorted(_all())


def _path_of(org: Org | str | None) -> str | None:
    if org is None:
        return None
    return org if isinstance(org, str) else org.path


def _national(rule_id: str, on: dt.date) -> RuleVersion:
    found = [v for v in _all().get(rule_id, []) if v.org_path is None]
    if not found:
        raise RuleNotFound(rule_id)
    in_force = [v for v in found if v.in_force(on)]
    if in_force:
        return max(in_force, key=lambda v: v.effective_from)
    first = min(found, key=lambda v: v.effective_from)
    if on < first.effective_from and not _pack_code_in_force(first.pack_code, on):
        # A date before the first version we know: judge by the oldest rule, never by none.
        return first
    # The document was in force on that date but had no such rule (a rule added by a revision),
    # or every version has ended: there is no national rule to apply.
    raise RuleNotFound(_("%(id)s 在 %(on)s 没有有效的版本") % {"id": rule_id, "on": on.isoformat()})


def _pack_code_in_force(code: str, on: dt.date) -> bool:
    for v in _national_by_pack().get(code, ()):
        if v.in_force(on):
            return True
    return False


_by_pack: tuple[object, dict[str, list[RuleVersion]]] = (None, {})


def _national_by_pack() -> dict[str, list[RuleVersion]]:
    """The national versions of each pack code, for the versions loaded now."""
    global _by_pack
    loaded = _all()
    of, table = _by_pack
    if of is not loaded:
        table = {}
        for items in loaded.values():
            for v in items:
                if v.org_path is None:
                    table.setdefault(v.pack_code, []).append(v)
        _by_pack = (loaded, table)
    return table


def _override_applies(v: RuleVersion, national: RuleVersion | None) -> bool:
    """A local override stands only against the national version it was checked against."""
    if national is None or v.base_pack_id is None:
        return True
    return v.base_pack_id == national.pack_id


def _local_candidates(rule_id: str, on: dt.date, national: RuleVersion | None) -> list[RuleVersion]:
    return [
        v
        for v in _all().get(rule_id, [])
        if v.org_path is not None and v.in_force(on) and _override_applies(v, national)
    ]


def _deepest(candidates: Iterable[RuleVersion]) -> RuleVersion | None:
    best: RuleVersion | None = None
    for v in candidates:
        key = (len(v.org_path or ""), v.effective_from)
        if best is None or key > (len(best.org_path or ""), best.effective_from):
            best = v
    return best


# rule()'s answers for the versions loaded now: the importer asks for the same (rule, date) a
# million times. Tied to the loaded dict, so a reload (invalidate, CACHE_SECONDS) starts afresh.
_answers: dict[tuple[str, dt.date, str | None], RuleVersion] = {}
_answers_of: object = None
_ANSWERS_MAX = 100_000


def rule(rule_id: str, *, on: dt.date | None = None, org: Org | str | None = None) -> RuleVersion:
    """The version of `rule_id` in force on `on` (today by default); with `org` (an Org or its
    path), the local override of the deepest pack bound to that org or an ancestor wins."""
    global _answers, _answers_of
    on = on or dt.date.today()
    loaded, answers = _all(), _answers
    if _answers_of is not loaded or len(answers) > _ANSWERS_MAX:
        answers = {}
        _answers, _answers_of = answers, loaded
    key = (rule_id, on, _path_of(org))
    found = answers.get(key)
    if found is None:
        found = answers[key] = _rule(rule_id, on, org)
    return found


def _rule(rule_id: str, on: dt.date, org: Org | str | None) -> RuleVersion:
    try:
        national: RuleVersion | None = _national(rule_id, on)
    except RuleNotFound:
        national = None
        if not rule_id.startswith("L-") or org is None:
            raise
    path = _path_of(org)
    if path is not None:
        local = _deepest(
            v for v in _local_candidates(rule_id, on, national) if path.startswith(v.org_path or "~")
        )
        if local is not None:
            return local
    if national is None:
        raise RuleNotFound(
            _("%(id)s 在 %(on)s 对该组织没有有效的版本") % {"id": rule_id, "on": on.isoformat()}
        )
    return national


def variants(rule_id: str, *, on: dt.date, within: str) -> list[tuple[str, RuleVersion]]:
    """The versions of `rule_id` that apply somewhere in the subtree `within` (a path prefix, ""
    for the whole tree), for set-based SQL: first `(within, default)` where default is the version
    that applies at `within` itself (national, or an ancestor's or its own local override), then
    `(org_path, version)` for each local override bound strictly inside the subtree, shortest
    prefix first. Build `CASE WHEN path >= p AND path < p || '~' THEN …` from the last (deepest)."""
    default = rule(rule_id, on=on, org=within or None)
    try:
        national: RuleVersion | None = _national(rule_id, on)
    except RuleNotFound:
        national = None
    inside: dict[str, RuleVersion] = {}
    for v in _local_candidates(rule_id, on, national):
        p = v.org_path or ""
        if p.startswith(within) and len(p) > len(within):
            if p not in inside or v.effective_from > inside[p].effective_from:
                inside[p] = v
    return [(within, default), *sorted(inside.items(), key=lambda item: (len(item[0]), item[0]))]


# -- calendar arithmetic ---------------------------------------------------------------------------
def add_months(day: dt.date, n: int) -> dt.date:
    """Calendar months: 31 January + 1 month = 28 (or 29) February; 29 February + 12 = 28 February."""
    return day + relativedelta(months=n)


_QUARTER_NAMES = ["一", "二", "三", "四"]
PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    per: str
    key: str
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day < self.end


def period_of(per: str, day: dt.date) -> Period:
    if per == "month":
        start = day.replace(day=1)
        return Period(
            start,
            add_months(start, 1),
            per,
            f"{start:%Y-%m}",
            _("%(y)d年%(m)d月") % {"y": start.year, "m": start.month},
        )
    if per == "quarter":
        q = (day.month - 1) // 3
        start = dt.date(day.year, q * 3 + 1, 1)
        return Period(
            start,
            add_months(start, 3),
            per,
            f"{day.year}Q{q + 1}",
            _("%(y)d年第%(q)s季度") % {"y": day.year, "q": _QUARTER_NAMES[q]},
        )
    if per == "half_year":
        h = (day.month - 1) // 6
        start = dt.date(day.year, h * 6 + 1, 1)
        return Period(
            start,
            add_months(start, 6),
            per,
            f"{day.year}H{h + 1}",
            _("%(y)d年%(h)s") % {"y": day.year, "h": _("上半年") if h == 0 else _("下半年")},
        )
    if per == "year":
        start = dt.date(day.year, 1, 1)
        return Period(start, dt.date(day.year + 1, 1, 1), per, str(day.year), _("%(y)d年") % {"y": day.year})
    raise ValueError(f"unknown period {per!r}: month, quarter, half_year or year")


def periods(per: str, *, start: dt.date, end: dt.date) -> list[Period]:
    """The `per` periods that cover [start, end): the first contains `start`, the last contains
    the day before `end`."""
    out: list[Period] = []
    if end <= start:
        return out
    current = period_of(per, start)
    while current.start < end:
        out.append(current)
        current = period_of(per, current.end)
    return out


# -- windows (deadline / earliest) -----------------------------------------------------------------
_DURATION = re.compile(r"^(?P<prefix>within|max|min)_(?:.*_)?(?P<unit>years|months|days|workdays)$")
_UNIT = re.compile(r"_(?P<unit>years|months|days|workdays)$")


@dataclass(frozen=True)
class Window:
    earliest: dt.date | None
    latest: dt.date | None
    provisional: bool
    rule: RuleVersion
    reason: str


def _shift(start: dt.date, amount: int, unit: str) -> tuple[dt.date, bool]:
    if unit == "years":
        return start + relativedelta(years=amount), False
    if unit == "months":
        return add_months(start, amount), False
    if unit == "days":
        return start + dt.timedelta(days=amount), False
    answer = add_workdays(start, amount)
    return answer.date, answer.provisional


_UNIT_LABEL = {"years": "年", "months": "个月", "days": "日", "workdays": "个工作日"}


def window_params(version: RuleVersion) -> list[str]:
    """The duration parameters `window()` reads without being told: within_…/max_…/min_… with a
    unit suffix (_years, _months, _days, _workdays)."""
    return [k for k, v in version.params.items() if _DURATION.match(k) and isinstance(v, int)]


def window(
    rule_id: str,
    start: dt.date,
    *,
    on: dt.date | None = None,
    org: Org | str | None = None,
    param: str | None = None,
) -> Window:
    """Earliest and latest allowed dates of a step that follows `start` under a deadline or
    earliest-date rule. `within_*`/`max_*` parameters give the latest date, `min_*` the earliest;
    a parameter named explicitly follows the rule's kind (deadline → latest, earliest → earliest).
    The version is the one in force on `on`, by default on `start`."""
    version = rule(rule_id, on=on or start, org=org)
    names = [param] if param else window_params(version)
    if not names:
        raise ValueError(f"{rule_id} has no duration parameter; name one with param=")
    earliest: dt.date | None = None
    latest: dt.date | None = None
    provisional = False
    reasons: list[str] = []
    for name in names:
        if name not in version.params:
            raise KeyError(f"{rule_id} has no parameter {name!r}")
        m = _DURATION.match(name)
        unit_m = _UNIT.search(name)
        if unit_m is None:
            raise ValueError(f"{name!r} carries no unit (_years, _months, _days, _workdays)")
        unit = unit_m.group("unit")
        if m is not None:
            side = "earliest" if m.group("prefix") == "min" else "latest"
        else:
            side = "earliest" if version.kind == "earliest" else "latest"
        amount = int(version.params[name])
        day, prov = _shift(start, amount, unit)
        provisional = provisional or prov
        n_label = f"{amount}{_UNIT_LABEL[unit]}"
        if side == "earliest":
            earliest = day if earliest is None else max(earliest, day)
            reasons.append(
                _("自%(s)s起满%(n)s,%(d)s起方可进行(%(cite)s)")
                % {"s": start.isoformat(), "n": n_label, "d": day.isoformat(), "cite": version.cite}
            )
        else:
            latest = day if latest is None else min(latest, day)
            reasons.append(
                _("自%(s)s起%(n)s内,最迟%(d)s(%(cite)s)")
                % {"s": start.isoformat(), "n": n_label, "d": day.isoformat(), "cite": version.cite}
            )
    if provisional:
        reasons.append(_("工作日按暂定日历推算(该年节假日安排尚未载入)"))
    return Window(earliest, latest, provisional, version, ";".join(reasons))


# -- quorum and votes --------------------------------------------------------------------------------
@dataclass(frozen=True)
class VoteResult:
    quorum_met: bool
    passed: bool | None
    min_present: int
    min_yes: int | None
    reasons: list[str]
    rule: RuleVersion


_OP_TEXT = {"gt": "超过", "gte": "不少于"}


def threshold_count(op: str, fraction: str | Fraction, base: int) -> int:
    """The smallest whole count satisfying `op fraction × base`: gt 1/2 of 7 → 4, gte 2/3 of 9 → 6,
    gt 4/5 of 10 → 9."""
    f = Fraction(fraction)
    if op == "gt":
        return math.floor(f * base) + 1
    if op == "gte":
        return math.ceil(f * base)
    raise ValueError(f"unknown comparison {op!r}: gt or gte")


def _fraction_text(fraction: str) -> str:
    f = Fraction(fraction)
    return {Fraction(1, 2): "半数", Fraction(2, 3): "三分之二", Fraction(4, 5): "五分之四"}.get(f, str(f))


def quorum(
    rule_id: str,
    *,
    expected: int,
    present: int,
    yes: int | None = None,
    no: int | None = None,
    abstain: int | None = None,
    written_yes: int = 0,
    written_no: int = 0,
    written_abstain: int = 0,
    on: dt.date | None = None,
    org: Org | str | None = None,
) -> VoteResult:
    """Whether a meeting could proceed and whether a vote passed under `rule_id`'s
    params["quorum"] = {"present": {"op", "fraction", "base"}, "pass": {...}}. `expected` is 应到
    (members with a vote who should attend), `present` 实到 with a vote. Written opinions sent in
    advance by absent members count toward yes/no; the pass threshold is a fraction of 应到, not
    of 实到."""
    version = rule(rule_id, on=on, org=org)
    clauses = version.params.get("quorum")
    if not clauses or "present" not in clauses:
        raise ValueError(f"{rule_id} has no quorum clause")
    counts = {
        "expected": expected,
        "present": present,
        "yes": yes or 0,
        "no": no or 0,
        "abstain": abstain or 0,
        "written_yes": written_yes,
        "written_no": written_no,
        "written_abstain": written_abstain,
    }
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{name} cannot be negative")
    if present > expected:
        raise ValueError("present cannot exceed expected")
    votes_given = yes is not None or no is not None or abstain is not None
    if votes_given and counts["yes"] + counts["no"] + counts["abstain"] > present:
        raise ValueError("more votes than members present")
    if written_yes + written_no + written_abstain > expected - present:
        raise ValueError("more written opinions than absent members")
    cite = version.cite
    p = clauses["present"]
    min_present = threshold_count(p["op"], p["fraction"], expected)
    quorum_met = present >= min_present
    reasons = [
        _("应到%(e)d人,实到%(p)d人,到会须%(op)s应到的%(f)s即至少%(n)d人:%(ok)s(%(cite)s)")
        % {
            "e": expected,
            "p": present,
            "op": _OP_TEXT[p["op"]],
            "f": _fraction_text(p["fraction"]),
            "n": min_present,
            "ok": _("符合") if quorum_met else _("不足,会议不能召开"),
            "cite": cite,
        }
    ]
    passed: bool | None = None
    min_yes: int | None = None
    clause = clauses.get("pass")
    if clause:
        min_yes = threshold_count(clause["op"], clause["fraction"], expected)
        if votes_given:
            total_yes = counts["yes"] + written_yes
            passed = quorum_met and total_yes >= min_yes
            written = (
                _("(含书面意见%(w)d票)") % {"w": written_yes}
                if written_yes or written_no or written_abstain
                else ""
            )
            reasons.append(
                _("赞成%(y)d票%(w)s,须%(op)s应到的%(f)s即至少%(n)d票:%(ok)s(%(cite)s)")
                % {
                    "y": total_yes,
                    "w": written,
                    "op": _OP_TEXT[clause["op"]],
                    "f": _fraction_text(clause["fraction"]),
                    "n": min_yes,
                    "ok": _("通过") if passed else _("未通过"),
                    "cite": cite,
                }
            )
            if not quorum_met:
                reasons.append(_("到会人数不足,表决无效(%(cite)s)") % {"cite": cite})
    return VoteResult(quorum_met, passed, min_present, min_yes, reasons, version)


# -- frequency: what is due -----------------------------------------------------------------------
@dataclass(frozen=True)
class Obligation:
    meeting_kind: str
    label: str
    times: int
    per: str
    applies_to: str
    period: Period
    rule: RuleVersion


def due(
    rule_id: str, *, period: Period, on: dt.date | None = None, org: Org | str | None = None
) -> list[Obligation]:
    """What an org must hold in `period` under the frequency rule `rule_id`: one Obligation per
    obligation of the rule and per period of the obligation's own length within `period` (a year
    asked of a monthly rule gives 12). An obligation longer than `period` (a yearly one asked of a
    month) is answered with its whole period. Without `on`, each sub-period is judged by the version
    in force on its first day, so a rule revised mid-year changes the months after the revision."""
    out: list[Obligation] = []
    base = rule(rule_id, on=on or period.start, org=org)
    pers: list[str] = []
    for v in [base, *(versions(rule_id) if on is None else [])]:
        for obligation in v.params.get("obligations", []):
            if obligation["per"] not in pers:
                pers.append(obligation["per"])
    pers.sort(key=lambda p: PERIOD_MONTHS[p])
    for per in pers:
        if PERIOD_MONTHS[per] >= PERIOD_MONTHS[period.per]:
            subs = [period_of(per, period.start)]
        else:
            subs = periods(per, start=period.start, end=period.end)
        for sub in subs:
            try:
                version = base if on is not None else rule(rule_id, on=sub.start, org=org)
            except RuleNotFound:
                continue
            for obligation in version.params.get("obligations", []):
                if obligation["per"] == per:
                    out.append(
                        Obligation(
                            meeting_kind=obligation["meeting_kind"],
                            label=obligation["label"],
                            times=int(obligation["times"]),
                            per=per,
                            applies_to=obligation.get("applies_to", ""),
                            period=sub,
                            rule=version,
                        )
                    )
    out.sort(key=lambda o: (o.period.start, PERIOD_MONTHS[o.per], o.meeting_kind))
    return out


# -- brackets and quotas ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BracketResult:
    rate: Decimal | None
    fixed: Decimal | None
    label: str
    rule: RuleVersion
    fixed_max: Decimal | None = None

    def monthly(self, amount: Decimal) -> Decimal:
        """The monthly amount: the rate applied to the whole base (not marginally), to the fen."""
        if self.rate is not None:
            return (amount * self.rate).quantize(Decimal("0.01"))
        return self.fixed if self.fixed is not None else Decimal("0")


def bracket(
    rule_id: str, *, amount: Decimal, category: str, on: dt.date | None = None, org: Org | str | None = None
) -> BracketResult:
    """The bracket of `amount` for a member of `category` under `rule_id` (DF-02 salaried, DF-04
    retired, DF-05 farmers, students, unemployed, relief). Upper bounds are inclusive; the rate
    applies to the whole base."""
    version = rule(rule_id, on=on, org=org)
    params = version.params
    if category not in params.get("categories", []):
        raise ValueError(f"{rule_id} does not cover category {category!r}")
    fixed = params.get("fixed", {}).get(category)
    if fixed is not None:
        return BracketResult(
            rate=None,
            fixed=Decimal(fixed["min"]),
            fixed_max=Decimal(fixed["max"]) if fixed.get("max") else None,
            label=fixed["label"],
            rule=version,
        )
    amount = Decimal(amount)
    for row in params["brackets"]:
        upto = row.get("upto")
        if upto is None or amount <= Decimal(upto):
            return BracketResult(rate=Decimal(row["rate"]), fixed=None, label=row["label"], rule=version)
    raise ValueError(f"{rule_id}: no bracket for {amount}")


def quota(
    rule_id: str,
    *,
    total: int,
    on: dt.date | None = None,
    org: Org | str | None = None,
    param: str = "max_fraction",
) -> int:
    """How many of `total` a "no more than fraction" quota allows (rounded down): GB-04 20 % of 12 → 2."""
    version = rule(rule_id, on=on, org=org)
    if total < 0:
        raise ValueError("total cannot be negative")
    return math.floor(Fraction(version.params[param]) * total)
