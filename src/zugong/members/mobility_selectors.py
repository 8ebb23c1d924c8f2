"""流动党员, 失联党员, 党籍变动: scoped reads and the clocks of the rules as tasks.

`tasks(scope=, root=, as_of=)` is the one place the clocks are computed; the page, the export, the
API, `zugong members tasks` and the member page all read it:

* GX-07 每年至少向流出地党组织汇报一次: a mobile member with no report in a year after the year they
  left owes one by 31 December (open until then, overdue after). Last year's missing report shows
  as overdue until a late report is recorded (any report since 1 January of that year counts) or
  the member returns.
* GX-02 外出6个月以上且地点相对固定应转接组织关系: a suggestion once the months have passed.
* GX-06 失联6个月 → 停止党籍; 停止2年仍无法联系 → 按自行脱党除名; 出国(境)学习研究超5年 → 停止党籍:
  each clock is "running" before its day and "due" from it.

The months and years come from the rule engine per member's branch (local packs may tighten GX-02).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core.exceptions import NotInScope
from zugong.core.paths import subtree_q
from zugong.core.scope import Scope
from zugong.members.mobility import removal_due, suspend_due
from zugong.members.models import LostContact, Member, Mobility, MobilityReport, StandingChange
from zugong.orgs.models import Org
from zugong.rules import engine

PERM = "member.view"


def _check(scope: Scope, root: Org) -> None:
    if not scope.has(PERM) or not scope.contains(root.path):
        raise NotInScope


# -- lists -------------------------------------------------------------------------------------------
def mobility_in_scope(*, scope: Scope) -> QuerySet[Mobility]:
    return scope.filter(Mobility.objects.all(), field="org_path", perm=PERM)


def lost_in_scope(*, scope: Scope) -> QuerySet[LostContact]:
    return scope.filter(LostContact.objects.all(), field="org_path", perm=PERM)


def mobile_list(
    *, scope: Scope, root: Org, status: str = "open", reason: str = "", q: str = ""
) -> QuerySet[Mobility]:
    """Mobile members of the subtree (open records by default), with their latest report."""
    _check(scope, root)
    qs = Mobility.objects.filter(subtree_q(root.path, "org_path"))
    if status == "open":
        qs = qs.filter(returned_on__isnull=True)
    elif status == "returned":
        qs = qs.filter(returned_on__isnull=False)
    if reason:
        qs = qs.filter(reason=reason)
    if q:
        qs = qs.filter(Q(member__name__contains=q) | Q(destination__contains=q))
    return (
        qs.select_related("member", "member__org", "host_org")
        .annotate(last_report=Max("reports__on"), report_count=Count("reports"))
        .order_by("org_path", "member__name", "-left_on", "id")
    )


def lost_list(
    *, scope: Scope, root: Org, status: str = "open", abroad: str = "", q: str = ""
) -> QuerySet[LostContact]:
    _check(scope, root)
    qs = LostContact.objects.filter(subtree_q(root.path, "org_path"))
    if status == "open":
        qs = qs.filter(closed_on__isnull=True)
    elif status == "closed":
        qs = qs.filter(closed_on__isnull=False)
    if abroad in ("1", "0"):
        qs = qs.filter(abroad=abroad == "1")
    if q:
        qs = qs.filter(member__name__contains=q)
    return (
        qs.select_related("member", "member__org")
        .annotate(effort_count=Count("efforts"), last_effort=Max("efforts__on"))
        .order_by("org_path", "since", "id")
    )


def standing_history(
    *, scope: Scope, root: Org, kind: str = "", year: int | None = None, q: str = ""
) -> QuerySet[StandingChange]:
    _check(scope, root)
    qs = StandingChange.objects.filter(subtree_q(root.path, "org_path"))
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(on__gte=dt.date(year, 1, 1), on__lt=dt.date(year + 1, 1, 1))
    if q:
        qs = qs.filter(member__name__contains=q)
    return qs.select_related("member", "member__org", "actor").order_by("-on", "-id")


def mobility_get(*, scope: Scope, pk: int) -> Mobility:
    found = (
        mobility_in_scope(scope=scope)
        .select_related("member", "member__org", "host_org")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotInScope
    return found


def lost_get(*, scope: Scope, pk: int) -> LostContact:
    found = lost_in_scope(scope=scope).select_related("member", "member__org").filter(pk=pk).first()
    if found is None:
        raise NotInScope
    return found


# -- the clocks as tasks -------------------------------------------------------------------------------
TASK_KINDS = {
    "report": gettext_lazy("年度汇报"),
    "transfer": gettext_lazy("应转接组织关系"),
    "suspend": gettext_lazy("停止党籍"),
    "abroad": gettext_lazy("出国(境)逾期停止党籍"),
    "remove": gettext_lazy("按自行脱党除名"),
}
STATUS_LABELS = {
    "open": gettext_lazy("待完成"),
    "overdue": gettext_lazy("已逾期"),
    "running": gettext_lazy("计时中"),
    "due": gettext_lazy("已到期,应办理"),
    "suggest": gettext_lazy("建议办理"),
}


@dataclass
class Task:
    kind: str
    member: Member
    org: Org
    title: str
    detail: str
    due: dt.date
    as_of: dt.date
    status: str
    rule: engine.RuleVersion
    action_url: str = ""
    action_label: str = ""
    mobility: Mobility | None = None
    lost: LostContact | None = None
    extra: dict = field(default_factory=dict)

    @property
    def days_left(self) -> int:
        """Days until the due date (negative: that many days past it)."""
        return (self.due - self.as_of).days

    @property
    def days_over(self) -> int:
        return max(0, -self.days_left)

    @property
    def kind_label(self) -> str:
        return str(TASK_KINDS[self.kind])

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def urgent(self) -> bool:
        return self.status in ("overdue", "due")

    @property
    def rule_id(self) -> str:
        return self.rule.rule_id

    @property
    def article(self) -> str:
        return f"《{self.rule.pack_title}》{self.rule.article}"


def _year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _mobility_url(mobility: Mobility, action: str) -> str:
    return reverse("members:mobility_action", args=[mobility.pk, action])


def _standing_url(member: Member, action: str) -> str:
    return reverse("members:standing", args=[member.pk, action])


def _report_tasks(m: Mobility, as_of: dt.date, reported: set[int]) -> list[Task]:
    """GX-07 for the current year and, if still missing, the last one (the year they left is
    covered by the report before leaving; a member who came back owes nothing more)."""
    out = []
    for year in (as_of.year - 1, as_of.year):
        if year <= m.left_on.year or year in reported:
            continue
        end = _year_end(year)
        rule = engine.rule("GX-07", on=min(as_of, end), org=m.org_path)
        status = "overdue" if as_of > end else "open"
        out.append(
            Task(
                kind="report",
                member=m.member,
                org=m.member.org,
                title=_("%(y)s年度向流出地党组织汇报") % {"y": year},
                detail=_("外出地点:%(d)s;自%(l)s外出") % {"d": m.destination, "l": m.left_on.isoformat()},
                due=end,
                as_of=as_of,
                status=status,
                rule=rule,
                action_url=_mobility_url(m, "report"),
                action_label=_("登记汇报"),
                mobility=m,
                extra={"year": year},
            )
        )
    return out


def _transfer_task(m: Mobility, as_of: dt.date) -> Task | None:
    rule = engine.rule("GX-02", on=as_of, org=m.org_path)
    months = int(rule.params["transfer_after_months"])
    due = engine.add_months(m.left_on, months)
    if as_of < due:
        return None
    return Task(
        kind="transfer",
        member=m.member,
        org=m.member.org,
        title=_("外出已满%(n)d个月,应转接组织关系") % {"n": months},
        detail=_("外出地点:%(d)s(地点相对固定的,应将组织关系转至流入地)") % {"d": m.destination},
        due=due,
        as_of=as_of,
        status="suggest",
        rule=rule,
        action_url=reverse("members:detail", args=[m.member_id]),
        action_label=_("查看党员"),
        mobility=m,
    )


def _lost_tasks(lost: LostContact, as_of: dt.date) -> list[Task]:
    """`lost` carries the annotations of `tasks`: effort_count and stopped_on (the last 停止党籍)."""
    member = lost.member
    efforts: int = getattr(lost, "effort_count", 0)
    stopped_on: dt.date | None = getattr(lost, "stopped_on", None)
    if member.standing == Member.Standing.NORMAL:
        due, rule = suspend_due(lost, on=as_of)
        kind = "abroad" if lost.abroad else "suspend"
        if lost.abroad:
            title = _("出国(境)学习研究满%(n)d年未归:停止党籍") % {"n": rule.params["abroad_suspend_years"]}
            detail = _("%(s)s出境") % {"s": lost.since.isoformat()}
        else:
            title = _("失去联系满%(n)d个月:停止党籍") % {"n": rule.params["lost_contact_months"]}
            detail = _("最后联系%(s)s;已查找%(e)d次") % {"s": lost.since.isoformat(), "e": efforts}
        return [
            Task(
                kind=kind,
                member=member,
                org=member.org,
                title=title,
                detail=detail,
                due=due,
                as_of=as_of,
                status="due" if as_of >= due else "running",
                rule=rule,
                action_url=_standing_url(member, "suspend"),
                action_label=_("停止党籍"),
                lost=lost,
            )
        ]
    if member.standing == Member.Standing.STOPPED and not lost.abroad and stopped_on:
        due, rule = removal_due(stopped_on, on=as_of, org_path=lost.org_path)
        return [
            Task(
                kind="remove",
                member=member,
                org=member.org,
                title=_("停止党籍满%(n)d年仍无法取得联系:按自行脱党除名")
                % {"n": rule.params["suspended_removal_years"]},
                detail=_("%(s)s停止党籍;最后联系%(l)s")
                % {"s": stopped_on.isoformat(), "l": lost.since.isoformat()},
                due=due,
                as_of=as_of,
                status="due" if as_of >= due else "running",
                rule=rule,
                action_url=_standing_url(member, "remove") + "?removal=lapsed",
                action_label=_("办理除名"),
                lost=lost,
            )
        ]
    return []


STATUS_ORDER = {"overdue": 0, "due": 1, "open": 2, "suggest": 3, "running": 4}


def tasks(
    *,
    scope: Scope,
    root: Org,
    as_of: dt.date,
    kind: str = "",
    status: str = "",
    member: Member | None = None,
) -> list[Task]:
    """Every item the clocks give for the subtree on `as_of`, most urgent first (a fixed number of
    queries: the open mobility records with their report years, the open lost-contact records
    with their stop dates)."""
    _check(scope, root)
    where = subtree_q(root.path, "org_path")
    if member is not None:
        where &= Q(member_id=member.pk)
    out: list[Task] = []
    if kind in ("", "report", "transfer"):
        years = (as_of.year - 1, as_of.year)
        lost_open = LostContact.objects.filter(member_id=OuterRef("member_id"), closed_on__isnull=True)
        mobilities = (
            Mobility.objects.filter(where, left_on__lte=as_of)
            .filter(Q(returned_on__isnull=True) | Q(returned_on__gt=as_of))
            .exclude(Exists(lost_open))
            .filter(member__standing=Member.Standing.NORMAL)
            .select_related("member", "member__org")
            .annotate(
                **{
                    f"r{y}": Exists(
                        MobilityReport.objects.filter(
                            mobility_id=OuterRef("pk"),
                            on__gte=dt.date(y, 1, 1),
                            on__lte=as_of,
                        )
                    )
                    for y in years
                }
            )
        )
        for m in mobilities:
            reported = {y for y in years if getattr(m, f"r{y}")}
            if kind in ("", "report"):
                out.extend(_report_tasks(m, as_of, reported))
            if kind in ("", "transfer"):
                t = _transfer_task(m, as_of)
                if t is not None:
                    out.append(t)
    if kind in ("", "suspend", "abroad", "remove"):
        stops = StandingChange.objects.filter(
            member_id=OuterRef("member_id"), kind=StandingChange.Kind.SUSPEND
        ).order_by("-on", "-id")
        lost_qs = (
            LostContact.objects.filter(where, closed_on__isnull=True, since__lte=as_of)
            .filter(member__standing__in=[Member.Standing.NORMAL, Member.Standing.STOPPED])
            .select_related("member", "member__org")
            .annotate(effort_count=Count("efforts"), stopped_on=Subquery(stops.values("on")[:1]))
        )
        for lost in lost_qs:
            out.extend(t for t in _lost_tasks(lost, as_of) if not kind or t.kind == kind)
    if status:
        out = [t for t in out if t.status == status]
    out.sort(key=lambda t: (STATUS_ORDER[t.status], t.due, t.org.path, t.member.name, t.kind))
    return out


@dataclass
class MemberStatus:
    """What the member page shows: the open records, the latest reports and changes, the clocks."""

    mobility: Mobility | None
    reports: list[MobilityReport]
    lost: LostContact | None
    efforts: list
    changes: list[StandingChange]
    tasks: list[Task]


def member_status(*, scope: Scope, member: Member, as_of: dt.date) -> MemberStatus:
    mobility = (
        Mobility.objects.filter(member_id=member.pk, returned_on__isnull=True)
        .select_related("host_org")
        .first()
    )
    lost = LostContact.objects.filter(member_id=member.pk, closed_on__isnull=True).first()
    reports = list(mobility.reports.all()[:5]) if mobility else []
    efforts = list(lost.efforts.all()[:5]) if lost else []
    changes = list(StandingChange.objects.filter(member_id=member.pk).order_by("-on", "-id")[:10])
    found: list[Task] = []
    if mobility is not None or lost is not None:
        found = tasks(scope=scope, root=member.org, as_of=as_of, member=member)
    return MemberStatus(mobility, reports, lost, efforts, changes, found)
