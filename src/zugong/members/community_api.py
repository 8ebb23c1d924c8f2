"""REST endpoints of 双报到 and 志愿服务 (/api/community), with the scope of the pages: a community
sees the members reporting to it (name, masked phone, employer, hours), the member's own branch sees
its members' reports, hours and evaluations; anyone else gets 404. Hours are strings ("1.5")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from zugong.core.api import ERRORS, InputSchema, actor_of, scope_of
from zugong.core.exceptions import NotInScope
from zugong.core.paths import subtree_q
from zugong.members import community
from zugong.members import community_selectors as selectors
from zugong.members.models import (
    CommunityEvaluation,
    CommunityReport,
    Member,
    VolunteerActivity,
    VolunteerRecord,
)

router = Router(tags=["双报到与志愿服务"])


def _h(value: Decimal | None) -> str:
    return f"{(value or Decimal('0')):.1f}"


def _year(year: int | None) -> int:
    return year or timezone.localdate().year


# -- schemas -------------------------------------------------------------------------------------------
class ReportOut(Schema):
    id: int
    member_id: int
    name: str
    phone_masked: str
    employer_org: str
    employer_org_name: str
    work_unit: str
    community: str
    community_name: str
    residence: str
    reported_on: dt.date
    ended_on: dt.date | None
    status: str
    hours_this_year: str | None = None
    evaluated_this_period: str | None = None


def _report(r: CommunityReport, hours: Decimal | None = None, evaluation=None) -> dict:
    m = r.member
    return {
        "id": r.pk,
        "member_id": r.member_id,
        "name": m.name,
        "phone_masked": m.phone_masked,
        "employer_org": m.org.code,
        "employer_org_name": m.org.name,
        "work_unit": m.work_unit,
        "community": r.community.code,
        "community_name": r.community.name,
        "residence": r.residence,
        "reported_on": r.reported_on,
        "ended_on": r.ended_on,
        "status": r.status,
        "hours_this_year": _h(hours) if hours is not None else None,
        "evaluated_this_period": evaluation.grade if evaluation else None,
    }


class ReportIn(InputSchema):
    community: str = Field(description="社区党组织代码")
    id_number: str = Field(description="报到党员的公民身份号码")
    name: str = Field(description="报到党员姓名(须与公民身份号码相符)")
    reported_on: dt.date
    residence: str = Field(max_length=200, description="居住地址")
    note: str = Field("", max_length=300)


class EndIn(InputSchema):
    ended_on: dt.date
    reason: str = Field(max_length=200)


class ActivityOut(Schema):
    id: int
    community: str
    title: str
    kind: str
    started_on: dt.date
    ended_on: dt.date | None
    place: str
    organizer: str
    description: str
    people: int
    hours: str


class ActivityIn(InputSchema):
    community: str = Field(description="社区党组织代码")
    title: str = Field(max_length=200)
    kind: str = Field(description="governance | environment | civility | care | emergency | safety | other")
    started_on: dt.date
    ended_on: dt.date | None = None
    place: str = Field("", max_length=200)
    organizer: str = Field("", max_length=100)
    description: str = ""


class RecordOut(Schema):
    id: int
    activity_id: int
    activity: str
    community: str
    member_id: int
    name: str
    served_on: dt.date
    hours: str
    confirmed_on: dt.date | None


def _record(r) -> dict:
    return {
        "id": r.pk,
        "activity_id": r.activity_id,
        "activity": r.activity.title,
        "community": r.activity.community.code,
        "member_id": r.member_id,
        "name": r.member.name,
        "served_on": r.served_on,
        "hours": _h(r.hours),
        "confirmed_on": r.confirmed_on,
    }


class EntryIn(InputSchema):
    member_id: int
    hours: str = Field(description='小时,半小时为单位,如 "1.5"')
    note: str = Field("", max_length=200)


class RecordsIn(InputSchema):
    served_on: dt.date | None = None
    confirm: bool = True
    entries: list[EntryIn]


class EvaluationOut(Schema):
    id: int
    report_id: int
    member_id: int
    name: str
    community: str
    employer_org: str
    year: int
    period: str
    period_label: str
    grade: str
    comment: str
    evaluated_on: dt.date
    rule: str


def _evaluation(e: CommunityEvaluation) -> dict:
    return {
        "id": e.pk,
        "report_id": e.report_id,
        "member_id": e.member_id,
        "name": e.member.name,
        "community": e.community.code,
        "employer_org": e.member.org.code,
        "year": e.year,
        "period": e.period_key,
        "period_label": e.period_label,
        "grade": e.grade,
        "comment": e.comment,
        "evaluated_on": e.evaluated_on,
        "rule": f"{e.rule_id}/{e.rule_version}",
    }


class EvaluationIn(InputSchema):
    report_id: int
    grade: str = Field(description="excellent | qualified | basic | unqualified")
    evaluated_on: dt.date
    comment: str = Field("", max_length=500)


class RollupRowOut(Schema):
    org: str
    name: str
    in_service: int
    reported: int
    unreported: int
    people: int
    records: int
    hours: str
    evaluations: int


class SummaryOut(Schema):
    org: str
    year: int
    rule: str
    period: str
    in_service: int
    reported: int
    unreported: int
    reports_in_communities: int
    communities: int
    activities: int
    records: int
    people: int
    hours: str
    evaluations: dict[str, int]
    children: list[RollupRowOut]


class UnreportedOut(Schema):
    member_id: int
    name: str
    org: str
    org_name: str
    category: str
    work_unit: str


# -- reports -------------------------------------------------------------------------------------------
class ReportQuery(Schema):
    community: str | None = Field(None, description="社区党组织代码:向该社区报到的党员")
    org: str | None = Field(None, description="党组织代码:该组织及下级党员的报到")
    status: str = Field("active", description="active | ended | unevaluated(仅 community)")


@router.get("/reports", response={200: list[ReportOut], **ERRORS}, summary="报到党员(社区方或所在单位方)")
def reports(request, query: Query[ReportQuery]):
    scope = scope_of(request)
    if query.community:
        org = selectors.community_get(scope=scope, code=query.community)
        rows, _period = selectors.community_reports(scope=scope, org=org, status=query.status)
        return [_report(r.report, r.hours, r.evaluation) for r in rows]
    under = selectors.org_get(scope=scope, code=query.org or "")
    status = query.status if query.status in CommunityReport.Status.values else "active"
    return [_report(r) for r in selectors.employer_reports(scope=scope, under=under, status=status)]


@router.post("/reports", response={201: ReportOut, **ERRORS}, summary="登记报到(社区党组织)")
def report_create(request, payload: ReportIn):
    scope = scope_of(request)
    org = selectors.community_get(scope=scope, code=payload.community)
    scope.require("community.edit")
    member = community.member_by_id_number(id_number=payload.id_number, name=payload.name)
    report = community.report_register(
        actor=actor_of(request),
        member=member,
        community=org,
        reported_on=payload.reported_on,
        residence=payload.residence,
        note=payload.note,
    )
    return Status(201, _report(report))


@router.post("/reports/{report_id}/end", response={200: ReportOut, **ERRORS}, summary="结束报到")
def report_end(request, report_id: int, payload: EndIn):
    scope = scope_of(request)
    report = selectors.report_get(scope=scope, pk=report_id)
    scope.require("community.edit")
    report = community.report_end(
        actor=actor_of(request), report=report, ended_on=payload.ended_on, reason=payload.reason
    )
    return _report(report)


# -- activities and records ------------------------------------------------------------------------------
def _activity(a: VolunteerActivity) -> dict:
    return {
        "id": a.pk,
        "community": a.community.code,
        "title": a.title,
        "kind": a.kind,
        "started_on": a.started_on,
        "ended_on": a.ended_on,
        "place": a.place,
        "organizer": a.organizer,
        "description": a.description,
        "people": getattr(a, "people", 0),
        "hours": _h(getattr(a, "hours", None)),
    }


@router.get("/activities", response={200: list[ActivityOut], **ERRORS}, summary="社区志愿服务活动")
def activities(request, community_code: str = Query(..., alias="community"), year: int | None = None):
    scope = scope_of(request)
    org = selectors.community_get(scope=scope, code=community_code)
    qs = selectors.activities(scope=scope, org=org, year=_year(year)).select_related("community")
    return [_activity(a) for a in qs]


@router.post("/activities", response={201: ActivityOut, **ERRORS}, summary="新建志愿服务活动")
def activity_create(request, payload: ActivityIn):
    scope = scope_of(request)
    org = selectors.community_get(scope=scope, code=payload.community)
    scope.require("community.edit")
    data = payload.model_dump(exclude={"community"})
    activity = community.activity_create(actor=actor_of(request), community=org, **data)
    return Status(201, _activity(activity))


@router.get("/records", response={200: list[RecordOut], **ERRORS}, summary="志愿服务记录")
def records(request, activity: int | None = None, org: str | None = None, year: int | None = None):
    """One activity's records (the community), or the records of an org's members in a year."""
    scope = scope_of(request)
    if activity is not None:
        act = selectors.activity_get(scope=scope, pk=activity)
        return [_record(r) for r in act.records.select_related("member", "activity__community")]
    under = selectors.org_get(scope=scope, code=org or "")
    start, end = selectors.year_range(_year(year))
    qs = (
        VolunteerRecord.objects.filter(
            subtree_q(under.path, "member_org_path"), served_on__gte=start, served_on__lt=end
        )
        .select_related("member", "activity__community")
        .order_by("member_org_path", "member__name", "served_on")
    )
    return [_record(r) for r in qs]


@router.post(
    "/activities/{activity_id}/records", response={201: list[RecordOut], **ERRORS}, summary="批量登记服务时长"
)
def records_create(request, activity_id: int, payload: RecordsIn):
    scope = scope_of(request)
    act = selectors.activity_get(scope=scope, pk=activity_id)
    scope.require("community.edit")
    ids = [e.member_id for e in payload.entries]
    members = {m.pk: m for m in Member.objects.filter(pk__in=ids)}
    if len(members) != len(set(ids)):
        raise ValidationError({"entries": _("有党员编号不存在")})
    rows = community.volunteer_record_add(
        actor=actor_of(request),
        activity=act,
        entries=[community.HoursEntry(members[e.member_id], e.hours, e.note) for e in payload.entries],
        served_on=payload.served_on,
        confirm=payload.confirm,
    )
    for r in rows:
        r.activity = act
    return Status(201, [_record(r) for r in rows])


# -- evaluations -----------------------------------------------------------------------------------------
@router.get("/evaluations", response={200: list[EvaluationOut], **ERRORS}, summary="社区评议结果")
def evaluations(request, org: str, year: int | None = None):
    scope = scope_of(request)
    under = selectors.org_get(scope=scope, code=org)
    return [_evaluation(e) for e in selectors.evaluations_for(scope=scope, under=under, year=_year(year))]


@router.post("/evaluations", response={201: EvaluationOut, **ERRORS}, summary="登记社区评议(社区党组织)")
def evaluation_create(request, payload: EvaluationIn):
    scope = scope_of(request)
    report = selectors.report_get(scope=scope, pk=payload.report_id)
    if not scope.contains(report.community_path):
        raise NotInScope
    scope.require("community.edit")
    evaluation = community.evaluation_record(
        actor=actor_of(request),
        report=report,
        grade=payload.grade,
        evaluated_on=payload.evaluated_on,
        comment=payload.comment,
    )
    return Status(201, _evaluation(evaluation))


# -- summaries -------------------------------------------------------------------------------------------
@router.get("/summary", response={200: SummaryOut, **ERRORS}, summary="年度汇总与下级组织分列")
def summary(request, org: str, year: int | None = None):
    scope = scope_of(request)
    under = selectors.org_get(scope=scope, code=org)
    y = _year(year)
    s = selectors.summary(scope=scope, under=under, year=y)
    rows = s.rows
    return {
        "org": under.code,
        "year": y,
        "rule": s.rule.cite,
        "period": s.period.key,
        "in_service": s.in_service,
        "reported": s.reported,
        "unreported": s.unreported,
        "reports_in_communities": s.reports_in_communities,
        "communities": s.communities,
        "activities": s.activities,
        "records": s.records,
        "people": s.people,
        "hours": _h(s.hours),
        "evaluations": s.evaluations,
        "children": [
            {
                "org": r.key,
                "name": r.label,
                "in_service": r.extra["in_service"],
                "reported": r.extra["reported"],
                "unreported": r.extra["unreported"],
                "people": r.people,
                "records": r.records,
                "hours": _h(r.hours),
                "evaluations": r.extra["evaluations"],
            }
            for r in rows
        ],
    }


@router.get("/unreported", response={200: list[UnreportedOut], **ERRORS}, summary="未报到的在职党员")
def unreported(request, org: str):
    scope = scope_of(request)
    under = selectors.org_get(scope=scope, code=org)
    return [
        {
            "member_id": m.pk,
            "name": m.name,
            "org": m.org.code,
            "org_name": m.org.name,
            "category": m.category,
            "work_unit": m.work_unit,
        }
        for m in selectors.unreported(scope=scope, under=under)
    ]
