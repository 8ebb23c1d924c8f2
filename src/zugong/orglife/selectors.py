"""Scoped reads of organizational life: meetings, attachments, 民主评议 results, 四议两公开 matters, the
compliance pages' figures and the branch secretary's inbox. Every function takes the caller's scope
first; anything outside it is NotInScope (404)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from zugong.core.exceptions import NotInScope
from zugong.core.paths import subtree_q
from zugong.core.scope import Scope
from zugong.members.models import Member
from zugong.orglife import compliance
from zugong.orglife.compliance import Window
from zugong.orglife.models import (
    Attachment,
    Meeting,
    MeetingKind,
    MeetingPart,
    MemberReview,
    VillageDecision,
)
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.rules import engine

PERM = "orglife.view"
# Above this many branches an inbox is not a to-do list any more: the overview is the tool.
INBOX_MAX_BRANCHES = 2000
# Committees with at most this many orgs beneath list their failing branches on the overview.
FAILING_LIST_MAX_ORGS = 400


# -- orgs -----------------------------------------------------------------------------------------
def orgs_in_scope(*, scope: Scope) -> QuerySet[Org]:
    return scope.filter(Org.objects.all(), field="path", perm=PERM)


def org_get(*, scope: Scope, pk: int | None = None, code: str | None = None) -> Org:
    qs = orgs_in_scope(scope=scope)
    org = qs.filter(pk=pk).first() if pk is not None else qs.filter(code=code or "").first()
    if org is None:
        raise NotInScope
    return org


def scope_root_org(*, scope: Scope) -> Org | None:
    """The org the account's pages start from: its own, or the single root of a global account."""
    if not scope.has(PERM) or scope.root_path is None:
        return None
    if scope.root_path:
        return Org.objects.filter(path=scope.root_path).first()
    roots = list(Org.objects.filter(depth=1).order_by("path")[:2])
    return roots[0] if len(roots) == 1 else None


def breadcrumbs(*, scope: Scope, org: Org) -> list[Org]:
    """Ancestors of `org` from the top of the account's scope down (the org itself excluded)."""
    root_len = len(scope.root_path or "")
    step = Org.steplen
    paths = [org.path[:i] for i in range(max(root_len, step), len(org.path), step)]
    return list(Org.objects.filter(path__in=paths).order_by("path")) if paths else []


def children(*, org: Org) -> QuerySet[Org]:
    return Org.objects.filter(
        path__gt=org.path, path__lt=org.path + "~", depth=org.depth + 1, is_active=True
    ).order_by("path")


def is_branch(org: Org) -> bool:
    return org.kind in BRANCH_KINDS


def branch_count(org: Org) -> int:
    return Org.objects.filter(subtree_q(org.path), kind__in=BRANCH_KINDS, is_active=True).count()


# -- meetings -------------------------------------------------------------------------------------
def meetings_in_scope(*, scope: Scope) -> QuerySet[Meeting]:
    return scope.filter(Meeting.objects.all(), field="org_path", perm=PERM)


@dataclass
class MeetingFilters:
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""

    @classmethod
    def from_mapping(cls, data) -> MeetingFilters:
        out = cls()
        for f in fields(cls):
            raw = data.get(f.name)
            if raw in (None, ""):
                continue
            raw = str(raw).strip()
            if f.name in ("date_from", "date_to"):
                try:
                    setattr(out, f.name, dt.date.fromisoformat(raw))
                except ValueError:
                    continue
            elif f.name == "kind":
                if raw in MeetingKind.values:
                    out.kind = raw
            else:
                out.q = raw[:100]
        return out

    @property
    def is_default(self) -> bool:
        return self == MeetingFilters()


def meeting_list(*, scope: Scope, under: Org | None, filters: MeetingFilters) -> QuerySet[Meeting]:
    """Meetings of the subtree, newest first, with their org and parts (a fixed number of queries)."""
    qs = meetings_in_scope(scope=scope)
    if under is not None:
        if not scope.contains(under.path):
            raise NotInScope
        qs = qs.filter(subtree_q(under.path, "org_path"))
    if filters.kind:
        qs = qs.filter(Exists(MeetingPart.objects.filter(meeting=OuterRef("pk"), kind=filters.kind)))
    if filters.date_from:
        qs = qs.filter(held_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(held_on__lte=filters.date_to)
    if filters.q:
        q = filters.q
        qs = qs.filter(
            Q(topic__contains=q) | Q(place__contains=q) | Q(host_name__contains=q) | Q(minutes__contains=q)
        )
    return qs.select_related("org").prefetch_related("parts").order_by("-held_on", "-id")


def meeting_get(*, scope: Scope, pk: int) -> Meeting:
    meeting = (
        meetings_in_scope(scope=scope)
        .select_related("org", "party_group", "village_decision", "created_by")
        .prefetch_related("parts")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise NotInScope
    return meeting


def meetings_in_window(*, org: Org, window: Window) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(
            subtree_q(org.path, "org_path"), held_on__gte=window.start, held_on__lt=window.end
        )
        .select_related("org")
        .prefetch_related("parts")
        .order_by("-held_on", "-id")
    )


def attachment_get(*, scope: Scope, pk: int) -> Attachment:
    attachment = (
        Attachment.objects.select_related("meeting")
        .filter(pk=pk)
        .filter(scope.path_q("meeting__org_path") if scope.has(PERM) else Q(pk__in=[]))
        .first()
    )
    if attachment is None:
        raise NotInScope
    return attachment


def roster(*, org: Org) -> list[Member]:
    """The members of a branch who take part in its organizational life (in good standing)."""
    return list(
        Member.objects.filter(org=org, standing=Member.Standing.NORMAL)
        .select_related("party_group")
        .order_by("party_group__name", "name", "id")
    )


# -- quorum rules in words --------------------------------------------------------------------------
def _share(op: str, fraction: str, base: str) -> str:
    words = {"1/2": _("半数"), "2/3": _("三分之二")}.get(fraction, fraction)
    if op == "gt":
        return _("超过%(b)s的%(f)s") % {"b": base, "f": words}
    return _("达到%(b)s的%(f)s以上") % {"b": base, "f": words}


def quorum_text(rule: engine.RuleVersion) -> str:
    """What a quorum rule asks, in words, from its parameters (never typed twice)."""
    q = rule.params.get("quorum") or {}
    parts = []
    if "present" in q:
        p = q["present"]
        parts.append(_("有表决权的到会人数须%(s)s") % {"s": _share(p["op"], p["fraction"], _("应到会人数"))})
    if "pass" in q:
        p = q["pass"]
        parts.append(_("赞成票须%(s)s") % {"s": _share(p["op"], p["fraction"], _("应到会有表决权党员人数"))})
    return ";".join(parts)


# -- compliance pages -----------------------------------------------------------------------------
def parse_window(key: str, *, today: dt.date) -> Window:
    """`2026-11` (a month), `2026Q4` (a quarter) or `2026` (a year); anything else: this month."""
    key = (key or "").strip().upper()
    try:
        if "Q" in key:
            year, quarter = key.split("Q", 1)
            window = Window(int(year), quarter=int(quarter))
        elif "-" in key:
            year, month = key.split("-", 1)
            window = Window(int(year), month=int(month))
        elif key:
            window = Window(int(key))
        else:
            raise ValueError(key)
    except ValueError:
        return Window(today.year, month=today.month)
    if not 2000 <= window.year <= today.year + 1:
        return Window(today.year, month=today.month)
    return window


def window_nav(window: Window, *, today: dt.date) -> dict[str, Window]:
    """The neighbouring windows of the same length, and the other lengths around the same time
    (today's month or quarter when the window holds today)."""
    here = window.start <= today < window.end
    if window.month:
        first = window.start
        prev_ = engine.add_months(first, -1)
        next_ = engine.add_months(first, 1)
        return {
            "prev": Window(prev_.year, month=prev_.month),
            "next": Window(next_.year, month=next_.month),
            "month": window,
            "quarter": Window(window.year, quarter=(window.month - 1) // 3 + 1),
            "year": Window(window.year),
        }
    if window.quarter:
        q = window.quarter
        return {
            "prev": Window(window.year - 1, quarter=4) if q == 1 else Window(window.year, quarter=q - 1),
            "next": Window(window.year + 1, quarter=1) if q == 4 else Window(window.year, quarter=q + 1),
            "month": Window(today.year, month=today.month) if here else Window(window.year, month=3 * q - 2),
            "quarter": window,
            "year": Window(window.year),
        }
    return {
        "prev": Window(window.year - 1),
        "next": Window(window.year + 1),
        "month": Window(today.year, month=today.month) if here else Window(window.year, month=1),
        "quarter": Window(today.year, quarter=(today.month - 1) // 3 + 1)
        if here
        else Window(window.year, quarter=1),
        "year": window,
    }


@dataclass
class ChildRow:
    org: Org
    tally: compliance.Tally | None
    attendance: tuple[int, int] | None

    @property
    def attendance_rate(self) -> float | None:
        if not self.attendance or not self.attendance[1]:
            return None
        return self.attendance[0] / self.attendance[1]


@dataclass
class BranchIssues:
    org_id: int
    org_name: str
    org_path: str
    tally: compliance.Tally = field(default_factory=compliance.Tally)
    missed: list[compliance.Row] = field(default_factory=list)
    due: list[compliance.Row] = field(default_factory=list)


def committee_overview(*, org: Org, window: Window, as_of: dt.date) -> dict[str, Any]:
    """A committee's children with their rolled-up figures, and (for a small subtree) its branches
    that fail, with the obligations they miss. A fixed number of queries, however many children."""
    kids = list(children(org=org))
    roll = compliance.rollup(org.path, window, as_of=as_of)
    rates = compliance.attendance_rates(org.path, window, group_len=len(org.path) + Org.steplen)
    rows = [ChildRow(k, roll.get(k.path), rates.get(k.path)) for k in kids]
    total = compliance.total(roll)
    present = sum(p for p, _e in rates.values())
    expected = sum(e for _p, e in rates.values())
    failing: list[BranchIssues] | None = None
    if org.org_total <= FAILING_LIST_MAX_ORGS:
        by_branch: dict[int, BranchIssues] = {}
        for r in compliance.rows(org.path, window, as_of=as_of):
            b = by_branch.setdefault(r.org_id, BranchIssues(r.org_id, r.org_name, r.org_path))
            if r.status == "missed":
                b.missed.append(r)
            elif r.status == "due":
                b.due.append(r)
            setattr(b.tally, r.status, getattr(b.tally, r.status) + 1)
            b.tally.failed += r.failed
        # Red branches with what they missed; amber ones are counted in the table above.
        failing = sorted((b for b in by_branch.values() if b.missed), key=lambda b: b.org_path)
    return {
        "children": rows,
        "total": total,
        "attendance": (present, expected),
        "failing": failing,
    }


@dataclass
class GridCell:
    row: compliance.Row | None  # None: months of the window not begun yet
    span: int
    resolve_on: dt.date | None = None  # the date a meeting that resolves it would be entered with


@dataclass
class GridRow:
    """One obligation of a branch across the periods of the window."""

    rule_id: str
    article: str
    cite: str
    label: str
    per: str
    kind: str
    cells: list[GridCell]


PER_LABELS = {"month": _("每月"), "quarter": _("每季度"), "year": _("每年")}


def window_columns(window: Window) -> list[engine.Period]:
    """The finest periods the grid shows: months of a month/quarter window, months of a year."""
    return window.periods("month")


def branch_grid(*, org: Org, window: Window, as_of: dt.date) -> tuple[list[engine.Period], list[GridRow]]:
    """The obligations × periods of one branch: each obligation a row, each period a cell spanning
    the months it covers inside the window."""
    columns = window_columns(window)
    col_index = {p.key: i for i, p in enumerate(columns)}
    grid: dict[tuple[str, str], GridRow] = {}
    for r in compliance.rows(org.path, window, as_of=as_of):
        ob = r.obligation
        key = (ob.okey, ob.kind)
        row = grid.get(key)
        if row is None:
            row = grid[key] = GridRow(ob.rule_id, ob.article, ob.cite, ob.label, ob.per, ob.kind, [])
        # The months of the period that fall inside the window.
        months = [
            p for p in engine.periods("month", start=ob.period.start, end=ob.period.end) if p.key in col_index
        ]
        last_day = ob.period.end - dt.timedelta(days=1)
        row.cells.append(GridCell(r, max(len(months), 1), min(last_day, as_of)))
    order = {"month": 0, "quarter": 1, "year": 2}
    rows = sorted(grid.values(), key=lambda g: (order.get(g.per, 3), g.rule_id, g.label))
    # Months of the window not begun have no rows yet: pad so every row spans the whole grid.
    for g in rows:
        used = sum(c.span for c in g.cells)
        if used < len(columns):
            g.cells.append(GridCell(None, len(columns) - used))
    return columns, rows


def without_orglife(*, org: Org, as_of: dt.date) -> QuerySet[Member]:
    return (
        compliance.members_without_orglife(org.path, as_of=as_of)
        .select_related("org")
        .order_by("org_path", "last_orglife_on", "name")
    )


# -- 民主评议党员 ---------------------------------------------------------------------------------------
def reviews_in_scope(*, scope: Scope) -> QuerySet[MemberReview]:
    return scope.filter(MemberReview.objects.all(), field="org_path", perm=PERM)


def review_get(*, scope: Scope, pk: int) -> MemberReview:
    review = reviews_in_scope(scope=scope).select_related("member", "org").filter(pk=pk).first()
    if review is None:
        raise NotInScope
    return review


def review_roster(*, org: Org, year: int) -> list[tuple[Member, MemberReview | None]]:
    members = roster(org=org)
    reviews = {r.member_id: r for r in MemberReview.objects.filter(member__in=members, year=year)}
    # Members who were reviewed here this year and have left since still show with their result.
    return [(m, reviews.get(m.pk)) for m in members]


def review_meetings(*, org: Org, year: int) -> list[Meeting]:
    return list(
        Meeting.objects.filter(org=org, held_on__year=year, parts__kind=MeetingKind.MEMBER_REVIEW).order_by(
            "-held_on", "-id"
        )
    )


def review_followups(*, scope: Scope, under: Org, year: int | None = None) -> QuerySet[MemberReview]:
    """不合格 results of the subtree: those of `year`, and any still open from earlier years."""
    qs = reviews_in_scope(scope=scope).filter(
        subtree_q(under.path, "org_path"), grade=MemberReview.Grade.UNQUALIFIED
    )
    if year is not None:
        qs = qs.filter(Q(year=year) | Q(closed_on__isnull=True, year__lt=year))
    return qs.select_related("member", "org").order_by("closed_on", "action_due", "org_path", "member__name")


def review_rollup(*, org: Org, year: int) -> dict[str, dict[str, int]]:
    """Per child of `org` (by path): how many results per grade, and open follow-ups. One query."""
    child_len = len(org.path) + Org.steplen
    sql = f"""
SELECT SUBSTR(r.org_path, 1, {child_len}) AS child, r.grade, COUNT(*),
       SUM(CASE WHEN r.grade = 'unqualified' AND r.closed_on IS NULL THEN 1 ELSE 0 END)
FROM orglife_memberreview r
WHERE r.org_path >= %s AND r.org_path < %s AND r.year = %s
GROUP BY SUBSTR(r.org_path, 1, {child_len}), r.grade
"""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with connection.cursor() as cursor:
        cursor.execute(sql, [org.path, org.path + "~", year])
        for child, grade, n, open_ in cursor.fetchall():
            out[child][grade] += int(n)
            out[child]["total"] += int(n)
            out[child]["open"] += int(open_ or 0)
    return out


# -- 四议两公开 ------------------------------------------------------------------------------------------
def decisions_in_scope(*, scope: Scope) -> QuerySet[VillageDecision]:
    return scope.filter(VillageDecision.objects.all(), field="org_path", perm=PERM)


def decision_list(*, scope: Scope, under: Org | None, status: str = "") -> QuerySet[VillageDecision]:
    qs = decisions_in_scope(scope=scope)
    if under is not None:
        qs = qs.filter(subtree_q(under.path, "org_path"))
    if status in VillageDecision.Status.values:
        qs = qs.filter(status=status)
    return (
        qs.select_related("org")
        .annotate(
            steps_done=Count("meetings__parts__kind", filter=Q(meetings__parts__counts=True), distinct=True),
            steps_failed=Count("meetings__parts", filter=Q(meetings__parts__counts=False)),
        )
        .order_by("-started_on", "-id")
    )


def decision_get(*, scope: Scope, pk: int) -> VillageDecision:
    decision = decisions_in_scope(scope=scope).select_related("org").filter(pk=pk).first()
    if decision is None:
        raise NotInScope
    return decision


def open_decisions(*, org: Org) -> QuerySet[VillageDecision]:
    return VillageDecision.objects.filter(org=org).exclude(status=VillageDecision.Status.DROPPED)


# -- the inbox ------------------------------------------------------------------------------------
@dataclass
class InboxItem:
    """One thing a branch owes: an obligation of the current or previous period, an open 不合格
    follow-up, or members caught by the six-month rule. `level`: red (overdue), amber (due soon),
    open (still running)."""

    level: str
    org: Org
    title: str
    detail: str = ""
    deadline: dt.date | None = None  # the last day, inclusive
    days_left: int | None = None  # days still to go counting today (0 or less: overdue)
    cite: str = ""
    kind: str = ""  # a meeting kind the item is resolved by
    resolve_on: dt.date | None = None  # the date the meeting form starts with
    review: MemberReview | None = None
    members: list[Member] = field(default_factory=list)

    @property
    def overdue_days(self) -> int:
        return 1 - self.days_left if self.days_left is not None and self.days_left <= 0 else 0

    @property
    def level_label(self) -> str:
        return {"red": _("已逾期"), "amber": _("即将到期"), "open": _("待完成")}[self.level]


@dataclass
class InboxGroup:
    org: Org
    items: list[InboxItem] = field(default_factory=list)

    @property
    def urgent(self) -> int:
        return sum(1 for i in self.items if i.level in ("red", "amber"))


@dataclass
class Inbox:
    groups: list[InboxGroup]
    as_of: dt.date
    too_big: bool = False

    @property
    def urgent(self) -> int:
        return sum(g.urgent for g in self.groups)

    @property
    def items(self) -> list[InboxItem]:
        return [i for g in self.groups for i in g.items]


# Last year's missed annual obligations stay in the inbox (to be back-filled) until this month ends;
# after that they are history, shown on the overview but no longer on a daily to-do list.
PREVIOUS_YEAR_UNTIL_MONTH = 3


def _days_left(deadline: dt.date, as_of: dt.date) -> int:
    """Days still to go counting today, as compliance counts them for 'due soon'."""
    return (deadline - as_of).days + 1


def _inbox_windows(as_of: dt.date) -> tuple[list[Window], set[str], set[str]]:
    """The windows to ask compliance about, the keys of the current periods and of the previous ones."""
    current: set[str] = set()
    previous: set[str] = set()
    for per in ("month", "quarter", "year"):
        p = engine.period_of(per, as_of)
        current.add(p.key)
        if per == "year" and as_of.month > PREVIOUS_YEAR_UNTIL_MONTH:
            continue
        previous.add(engine.period_of(per, p.start - dt.timedelta(days=1)).key)
    prev_month = engine.period_of("month", as_of.replace(day=1) - dt.timedelta(days=1)).start
    this_quarter = engine.period_of("quarter", as_of).start
    prev_quarter = engine.period_of("quarter", this_quarter - dt.timedelta(days=1)).start
    windows = {
        Window(as_of.year, month=as_of.month),
        Window(prev_month.year, month=prev_month.month),
        # Its periods include the previous quarter's year: last year's annual items in the first quarter.
        Window(prev_quarter.year, quarter=(prev_quarter.month - 1) // 3 + 1),
    }
    return sorted(windows, key=lambda w: w.key), current, previous


def inbox(*, scope: Scope, root: Org, as_of: dt.date | None = None) -> Inbox:
    """What the branches under `root` owe now, most urgent deadline first, grouped by branch."""
    as_of = as_of or dt.date.today()
    if not scope.contains(root.path) or not scope.has(PERM):
        raise NotInScope
    if not is_branch(root) and branch_count(root) > INBOX_MAX_BRANCHES:
        return Inbox([], as_of, too_big=True)
    windows, current, previous = _inbox_windows(as_of)
    seen: set[tuple[int, str, str]] = set()
    items: list[InboxItem] = []
    orgs: dict[int, Org] = {}
    raw: list[compliance.Row] = []
    for window in windows:
        for r in compliance.rows(root.path, window, as_of=as_of):
            key = (r.org_id, r.obligation.okey, r.obligation.period.key)
            if key in seen or r.status == "met":
                continue
            seen.add(key)
            pkey = r.obligation.period.key
            if pkey in current and r.status in ("due", "open"):
                raw.append(r)
            elif pkey in previous and r.status == "missed":
                raw.append(r)
    if raw:
        orgs = {o.pk: o for o in Org.objects.filter(pk__in={r.org_id for r in raw})}
    for r in raw:
        ob = r.obligation
        last_day = ob.period.end - dt.timedelta(days=1)
        level = {"missed": "red", "due": "amber"}.get(r.status, "open")
        detail = _("%(p)s应召开%(n)s次,已召开%(h)s次") % {"p": ob.period.label, "n": r.required, "h": r.held}
        if r.failed:
            detail += _(";另有%(f)s次到会人数不足,不计入") % {"f": r.failed}
        items.append(
            InboxItem(
                level=level,
                org=orgs[r.org_id],
                title=ob.label or str(MeetingKind(ob.kind).label),
                detail=detail,
                deadline=last_day,
                days_left=_days_left(last_day, as_of),
                cite=ob.cite,
                kind=ob.kind,
                resolve_on=as_of if level != "red" else last_day,
            )
        )
    # 不合格 follow-ups still open.
    soon = compliance.lead_days("month")
    followups = (
        MemberReview.objects.filter(
            subtree_q(root.path, "org_path"), grade=MemberReview.Grade.UNQUALIFIED, closed_on__isnull=True
        )
        .select_related("member", "org")
        .order_by("action_due", "member__name")
    )
    for review in followups:
        due = review.action_due
        days = _days_left(due, as_of) if due else None
        level = "open" if days is None else "red" if days <= 0 else "amber" if days <= soon else "open"
        items.append(
            InboxItem(
                level=level,
                org=review.org,
                title=_("民主评议不合格党员的处置:%(n)s") % {"n": review.member.name},
                detail=_("%(y)s年度评为不合格,处置方式:%(a)s")
                % {"y": review.year, "a": review.get_action_display() or _("未定")},
                deadline=due,
                days_left=days,
                review=review,
            )
        )
    # Members caught by the 党章 six-month rule (GX-05), one item per branch.
    _cutoff, rule = compliance.six_month_rule(as_of)
    lapsed: dict[int, list[Member]] = defaultdict(list)
    for m in (
        compliance.members_without_orglife(root.path, as_of=as_of)
        .select_related("org")
        .order_by("org_path", "name")
    ):
        lapsed[m.org_id].append(m)
    for members in lapsed.values():
        items.append(
            InboxItem(
                level="red",
                org=members[0].org,
                title=_("连续六个月未参加组织生活的党员(%(n)s人)") % {"n": len(members)},
                detail=_("请核实原因,按规定教育处置"),
                cite=rule.cite,
                members=members,
            )
        )
    order = {"red": 0, "amber": 1, "open": 2}
    items.sort(key=lambda i: (i.deadline or as_of, order[i.level], i.title))
    groups: dict[int, InboxGroup] = {}
    for item in items:
        groups.setdefault(item.org.pk, InboxGroup(item.org)).items.append(item)
    return Inbox(sorted(groups.values(), key=lambda g: g.org.path), as_of)
