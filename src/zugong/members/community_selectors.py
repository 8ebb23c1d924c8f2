"""Scoped reads of 双报到 and 志愿服务 (docs/scope.md, "双报到与志愿服务").

Two sides see a report, a volunteer record or an evaluation: the community it was made to
(`community_path` in the account's subtree) and the member's own branch (`member_org_path` in the
subtree). Activities belong to the community only. The community side sees a reporting member's
name, masked phone, employer (branch and work unit), residence and hours — not the member's record
(the member detail page stays 404 for it). Anyone else: not found.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Length, Substr
from django.utils.translation import gettext as _

from zugong.core.exceptions import NotInScope
from zugong.core.paths import subtree_q
from zugong.core.scope import Scope
from zugong.members import community
from zugong.members.models import (
    CommunityEvaluation,
    CommunityReport,
    Member,
    VolunteerActivity,
    VolunteerRecord,
)
from zugong.orgs.models import Org, OrgUnit
from zugong.rules import engine

ZERO = Decimal("0")


def _view(scope: Scope) -> None:
    if not scope.has("community.view"):
        raise NotInScope


def either_side(scope: Scope) -> Q:
    """Rows the account sees: its subtree is the community's or the member's branch's."""
    return scope.path_q("community_path") | scope.path_q("member_org_path")


def year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


# -- orgs -------------------------------------------------------------------------------------------
def org_get(*, scope: Scope, code: str) -> Org:
    _view(scope)
    org = Org.objects.filter(code=code).first() if code else None
    if org is None or not scope.contains(org.path):
        raise NotInScope
    return org


def community_get(*, scope: Scope, code: str) -> Org:
    """A community org in scope (an org that is not a community is not found here either)."""
    org = org_get(scope=scope, code=code)
    if not community.is_community(org):
        raise NotInScope
    return org


def communities_in(*, scope: Scope, under: Org | None = None) -> QuerySet[Org]:
    _view(scope)
    ids = OrgUnit.objects.filter(unit__kind__in=community.COMMUNITY_UNIT_KINDS).values("org_id")
    qs = Org.objects.filter(scope.path_q("path"), pk__in=ids, is_active=True)
    if under is not None:
        qs = qs.filter(subtree_q(under.path, "path"))
    return qs.order_by("path")


# -- a community's page -------------------------------------------------------------------------------
@dataclass
class ReportRow:
    report: CommunityReport
    hours: Decimal = ZERO
    evaluation: CommunityEvaluation | None = None


def community_reports(
    *, scope: Scope, org: Org, status: str = "active", on: dt.date | None = None
) -> tuple[list[ReportRow], engine.Period]:
    """The members reporting to a community: status active / ended / unevaluated (active and not yet
    evaluated in the current CX-03 period), with this year's confirmed hours here and the current
    period's evaluation. Three queries whatever the number of rows."""
    _view(scope)
    if not scope.contains(org.path):
        raise NotInScope
    on = on or community._today()
    period = community.evaluation_period(on=on, org=org)
    qs = CommunityReport.objects.filter(community=org).select_related("member", "member__org")
    if status == "ended":
        qs = qs.filter(status=CommunityReport.Status.ENDED).order_by("-ended_on", "member__name")
    else:
        qs = qs.filter(status=CommunityReport.Status.ACTIVE).order_by("member__name", "pk")
    reports = list(qs)
    start, end = year_range(on.year)
    ids = [r.member_id for r in reports]
    hours = dict(
        VolunteerRecord.objects.filter(
            activity__community=org, member_id__in=ids, served_on__gte=start, served_on__lt=end
        )
        .exclude(confirmed_on__isnull=True)
        .values("member_id")
        .annotate(h=Sum("hours"))
        .values_list("member_id", "h")
    )
    evaluations = {
        e.member_id: e
        for e in CommunityEvaluation.objects.filter(community=org, member_id__in=ids, period_key=period.key)
    }
    rows = [ReportRow(r, hours.get(r.member_id) or ZERO, evaluations.get(r.member_id)) for r in reports]
    if status == "unevaluated":
        rows = [r for r in rows if r.evaluation is None]
    return rows, period


def report_get(*, scope: Scope, pk: int) -> CommunityReport:
    _view(scope)
    report = (
        CommunityReport.objects.filter(either_side(scope), pk=pk)
        .select_related("member", "member__org", "community")
        .first()
    )
    if report is None:
        raise NotInScope
    return report


def activities(*, scope: Scope, org: Org, year: int | None = None) -> QuerySet[VolunteerActivity]:
    """A community's activities with their confirmed hours and people (one query)."""
    _view(scope)
    if not scope.contains(org.path):
        raise NotInScope
    qs = VolunteerActivity.objects.filter(community=org)
    if year:
        start, end = year_range(year)
        qs = qs.filter(started_on__gte=start, started_on__lt=end)
    confirmed = Q(records__confirmed_on__isnull=False)
    return qs.annotate(
        hours=Coalesce(Sum("records__hours", filter=confirmed), Value(ZERO)),
        people=Count("records", filter=confirmed),
        pending=Count("records", filter=Q(records__confirmed_on__isnull=True)),
    ).order_by("-started_on", "-pk")


def activity_get(*, scope: Scope, pk: int) -> VolunteerActivity:
    _view(scope)
    activity = (
        VolunteerActivity.objects.filter(scope.path_q("community_path"), pk=pk)
        .select_related("community")
        .first()
    )
    if activity is None:
        raise NotInScope
    return activity


def activity_records(activity: VolunteerActivity) -> list[VolunteerRecord]:
    return list(
        activity.records.select_related("member", "member__org", "confirmed_by").order_by(
            "member__name", "pk"
        )
    )


def record_get(*, scope: Scope, pk: int) -> VolunteerRecord:
    _view(scope)
    record = (
        VolunteerRecord.objects.filter(scope.path_q("community_path"), pk=pk)
        .select_related("activity", "member")
        .first()
    )
    if record is None:
        raise NotInScope
    return record


def hour_candidates(*, activity: VolunteerActivity) -> list[tuple[Member, str, bool]]:
    """Who the batch form lists: members reporting to the community on the activity's day, then the
    community's own members; each with where they come from and whether they report here."""
    day = activity.started_on
    reporting = (
        Member.objects.filter(
            community_reports__community_id=activity.community_id, community_reports__reported_on__lte=day
        )
        .exclude(community_reports__ended_on__lt=day)
        .filter(standing=Member.Standing.NORMAL)
        .select_related("org")
        .distinct()
        .order_by("name", "pk")
    )
    own = (
        Member.objects.filter(subtree_q(activity.community_path, "org_path"), standing=Member.Standing.NORMAL)
        .select_related("org")
        .order_by("name", "pk")
    )
    out = [(m, m.org.name, True) for m in reporting]
    seen = {m.pk for m, _where, _reporting in out}
    out += [(m, m.org.name, False) for m in own if m.pk not in seen]
    return out


# -- the employer side ---------------------------------------------------------------------------------
def in_service(qs: QuerySet[Member], *, org: Org | str | None, on: dt.date) -> QuerySet[Member]:
    """在职党员 under CX-03: in normal standing, of the rule's categories, and not members of a village
    or community branch (or of a branch under one), who live where their branch is."""
    categories = community.in_service_categories(on=on, org=org)
    resident = OrgUnit.objects.filter(
        unit__kind__in=community.RESIDENT_UNIT_KINDS,
        org__path__in=[OuterRef("org_path"), OuterRef("parent_path")],
    )
    return (
        qs.filter(standing=Member.Standing.NORMAL, category__in=categories)
        .annotate(parent_path=Substr("org_path", 1, Length("org_path") - Org.steplen))
        .exclude(Exists(resident))
    )


def _active_report(on: dt.date):
    return CommunityReport.objects.filter(member=OuterRef("pk"), status=CommunityReport.Status.ACTIVE)


def employer_members(scope: Scope, under: Org) -> QuerySet[Member]:
    _view(scope)
    if not scope.contains(under.path):
        raise NotInScope
    return Member.objects.filter(scope.path_q("org_path"), subtree_q(under.path, "org_path"))


def unreported(*, scope: Scope, under: Org, on: dt.date | None = None) -> QuerySet[Member]:
    """In-service members of the subtree without an active report: 未报到."""
    on = on or community._today()
    qs = in_service(employer_members(scope, under), org=under, on=on)
    return qs.exclude(Exists(_active_report(on))).select_related("org").order_by("org_path", "name", "pk")


def employer_reports(*, scope: Scope, under: Org, status: str = "active") -> QuerySet[CommunityReport]:
    _view(scope)
    if not scope.contains(under.path):
        raise NotInScope
    qs = CommunityReport.objects.filter(subtree_q(under.path, "member_org_path")).select_related(
        "member", "member__org", "community"
    )
    if status in CommunityReport.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("member_org_path", "member__name", "pk")


@dataclass
class HoursRow:
    key: str
    label: str
    hours: Decimal = ZERO
    records: int = 0
    people: int = 0
    org: Org | None = None
    member: Member | None = None
    extra: dict = field(default_factory=dict)


def _records(scope: Scope, under: Org, year: int) -> QuerySet[VolunteerRecord]:
    _view(scope)
    if not scope.contains(under.path):
        raise NotInScope
    start, end = year_range(year)
    return VolunteerRecord.objects.filter(
        subtree_q(under.path, "member_org_path"),
        served_on__gte=start,
        served_on__lt=end,
        confirmed_on__isnull=False,
    )


def hours_by_member(*, scope: Scope, under: Org, year: int) -> list[HoursRow]:
    """Each member's confirmed hours in `year` (members of the subtree while they served), by branch
    and name: a record of service, not a ranking."""
    sums = (
        _records(scope, under, year)
        .values("member_id")
        .annotate(h=Sum("hours"), n=Count("id"), c=Count("activity__community", distinct=True))
    )
    by_member = {s["member_id"]: s for s in sums}
    members = Member.objects.filter(pk__in=list(by_member)).select_related("org").order_by("org_path", "name")
    return [
        HoursRow(
            key=str(m.pk),
            label=m.name,
            hours=by_member[m.pk]["h"],
            records=by_member[m.pk]["n"],
            people=1,
            member=m,
            org=m.org,
            extra={"communities": by_member[m.pk]["c"]},
        )
        for m in members
    ]


def hours_by_community(*, scope: Scope, under: Org, year: int) -> list[HoursRow]:
    """Where the subtree's members served in `year`: hours and people per community."""
    sums = (
        _records(scope, under, year)
        .values("activity__community_id")
        .annotate(h=Sum("hours"), n=Count("id"), p=Count("member_id", distinct=True))
    )
    by_org = {s["activity__community_id"]: s for s in sums}
    orgs = Org.objects.filter(pk__in=list(by_org)).order_by("path")
    return [
        HoursRow(
            key=o.code,
            label=o.name,
            hours=by_org[o.pk]["h"],
            records=by_org[o.pk]["n"],
            people=by_org[o.pk]["p"],
            org=o,
        )
        for o in orgs
    ]


def rollup(
    *, scope: Scope, under: Org, year: int, on: dt.date | None = None
) -> tuple[list[HoursRow], HoursRow]:
    """Per child org of `under` (the employer roll-up): in-service members, reported, 未报到, hours,
    people who served, evaluations. One GROUP BY over the subtree by the child's path prefix per
    figure, like dues.selectors.rollup."""
    on = on or community._today()
    members = employer_members(scope, under)
    children = list(
        Org.objects.filter(
            path__gt=under.path, path__lt=under.path + "~", depth=under.depth + 1, is_active=True
        ).order_by("path")
    )
    width = len(under.path) + Org.steplen
    staff = (
        in_service(members, org=under, on=on)
        .annotate(child=Substr("org_path", 1, width))
        .values("child")
        .annotate(n=Count("id"), reported=Count("id", filter=Exists(_active_report(on))))
    )
    staff_by: dict[str, dict[str, Any]] = {s["child"]: dict(s) for s in staff}
    served = (
        _records(scope, under, year)
        .annotate(child=Substr("member_org_path", 1, width))
        .values("child")
        .annotate(h=Sum("hours"), n=Count("id"), p=Count("member_id", distinct=True))
    )
    served_by: dict[str, dict[str, Any]] = {s["child"]: dict(s) for s in served}
    evaluated = (
        CommunityEvaluation.objects.filter(subtree_q(under.path, "member_org_path"), year=year)
        .annotate(child=Substr("member_org_path", 1, width))
        .values("child")
        .annotate(n=Count("id"))
    )
    evaluated_by = {s["child"]: s["n"] for s in evaluated}

    def row(key: str, label: str, org: Org | None, paths: list[str]) -> HoursRow:
        r = HoursRow(key=key, label=label, org=org, extra={"in_service": 0, "reported": 0, "evaluations": 0})
        for p in paths:
            s = staff_by.get(p, {})
            r.extra["in_service"] += s.get("n", 0)
            r.extra["reported"] += s.get("reported", 0)
            v = served_by.get(p, {})
            r.hours += v.get("h") or ZERO
            r.records += v.get("n", 0)
            r.people += v.get("p", 0)
            r.extra["evaluations"] += evaluated_by.get(p, 0)
        r.extra["unreported"] = r.extra["in_service"] - r.extra["reported"]
        return r

    rows = [row(c.code, c.name, c, [c.path]) for c in children]
    # Members of `under` itself (a branch asked for its own figures) group under its own path.
    keys = set(staff_by) | set(served_by) | set(evaluated_by)
    total = row("", _("合计"), None, sorted(keys))
    own = [k for k in keys if len(k) < width]
    if own:
        rows.insert(0, row(under.code, under.name, under, own))
    return rows, total


@dataclass
class Summary:
    year: int
    in_service: int
    reported: int
    unreported: int
    reports_in_communities: int
    communities: int
    activities: int
    records: int
    people: int
    hours: Decimal
    evaluations: dict[str, int]
    period: engine.Period
    rule: engine.RuleVersion
    rows: list[HoursRow] = field(default_factory=list)
    total: HoursRow | None = None


def summary(*, scope: Scope, under: Org, year: int, on: dt.date | None = None) -> Summary:
    """The yearly figures a secretary or a leader quotes: in-service members reported / not
    reported (employer side), members reporting to the subtree's communities, activities, service
    hours and people, evaluations by grade — each drillable to its list."""
    on = on or community._today()
    rows, total = rollup(scope=scope, under=under, year=year, on=on)
    start, end = year_range(year)
    community_rows = CommunityReport.objects.filter(
        subtree_q(under.path, "community_path"), status=CommunityReport.Status.ACTIVE
    ).count()
    n_communities = communities_in(scope=scope, under=under).count()
    n_activities = VolunteerActivity.objects.filter(
        subtree_q(under.path, "community_path"), started_on__gte=start, started_on__lt=end
    ).count()
    grades = dict(
        CommunityEvaluation.objects.filter(subtree_q(under.path, "member_org_path"), year=year)
        .values("grade")
        .annotate(n=Count("id"))
        .values_list("grade", "n")
    )
    return Summary(
        year=year,
        in_service=total.extra["in_service"],
        reported=total.extra["reported"],
        unreported=total.extra["unreported"],
        reports_in_communities=community_rows,
        communities=n_communities,
        activities=n_activities,
        records=total.records,
        people=total.people,
        hours=total.hours,
        evaluations={g: grades.get(g, 0) for g in CommunityEvaluation.Grade.values},
        period=community.evaluation_period(on=on, org=under),
        rule=community.rule(on=on, org=under),
        rows=rows,
        total=total,
    )


# -- one member (detail section, self-service) ---------------------------------------------------------
@dataclass
class MemberCommunity:
    reports: list[CommunityReport]
    records: list[VolunteerRecord]
    evaluations: list[CommunityEvaluation]
    hours_year: Decimal
    hours_total: Decimal
    year: int
    in_service: bool
    cap: community.GradeCap | None


def member_community(*, member: Member, on: dt.date | None = None) -> MemberCommunity:
    """Everything about one member's 双报到 and service. The caller has checked the member is in
    its scope (member detail, or the member's own account)."""
    on = on or community._today()
    reports = list(member.community_reports.select_related("community").order_by("-reported_on", "-pk"))
    records = list(
        member.volunteer_records.select_related("activity", "activity__community").order_by(
            "-served_on", "-pk"
        )
    )
    evaluations = list(member.community_evaluations.select_related("community").order_by("-evaluated_on"))
    confirmed = [r for r in records if r.confirmed_on is not None]
    hours_year = sum((r.hours for r in confirmed if r.served_on.year == on.year), ZERO)
    hours_total = sum((r.hours for r in confirmed), ZERO)
    categories = community.in_service_categories(on=on, org=member.org_path)
    is_in_service = (
        member.standing == Member.Standing.NORMAL
        and member.category in categories
        and not community.is_resident_member(member)
    )
    return MemberCommunity(
        reports=reports,
        records=records,
        evaluations=evaluations,
        hours_year=hours_year,
        hours_total=hours_total,
        year=on.year,
        in_service=is_in_service,
        cap=community.grade_cap(member=member, year=on.year) if is_in_service else None,
    )


def evaluations_for(*, scope: Scope, under: Org, year: int) -> QuerySet[CommunityEvaluation]:
    """Evaluations either side sees under `under` (community or member's branch in the subtree)."""
    _view(scope)
    if not scope.contains(under.path):
        raise NotInScope
    side = subtree_q(under.path, "community_path") | subtree_q(under.path, "member_org_path")
    return (
        CommunityEvaluation.objects.filter(side, year=year)
        .select_related("member", "member__org", "community")
        .order_by("member_org_path", "member__name", "period_key")
    )
