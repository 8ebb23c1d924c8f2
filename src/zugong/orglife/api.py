"""REST endpoints of organizational life (/api/orglife): meetings, compliance rows, 民主评议 results.

Same scope as the pages: reads through orglife.selectors, writes through orglife.services.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from zugong.core.api import ERRORS, InputSchema, PageQuery, actor_of, paginate, scope_of
from zugong.members.models import Member, PartyGroup
from zugong.orglife import compliance, selectors, services
from zugong.orglife.models import Meeting, MeetingKind, MemberReview, VillageDecision

router = Router(tags=["组织生活"])

Kind = Literal[tuple(MeetingKind.values)]  # type: ignore[valid-type]
Grade = Literal[tuple(MemberReview.Grade.values)]  # type: ignore[valid-type]
Action = Literal[tuple(["", *MemberReview.Action.values])]  # type: ignore[valid-type]


# -- schemas --------------------------------------------------------------------------------------
class AttendanceOut(Schema):
    member: int
    name: str
    status: str
    reason: str
    has_vote: bool

    @staticmethod
    def resolve_member(obj) -> int:
        return obj.member_id

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.member.name


class VoteOut(Schema):
    subject: str
    yes: int
    no: int
    abstain: int
    written_yes: int
    written_no: int
    written_abstain: int
    is_secret: bool
    passed: bool | None
    result_note: str


class MeetingOut(Schema):
    id: int
    org: str = Field(description="党组织代码")
    org_name: str
    kinds: list[str]
    held_on: dt.date
    topic: str
    place: str
    host_name: str
    expected: int
    present: int
    on_leave: int
    voting_expected: int | None
    voting_present: int | None
    attendance_taken: bool
    quorum_met: bool | None
    quorum_note: str

    @staticmethod
    def resolve_org(obj) -> str:
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_kinds(obj) -> list[str]:
        return [p.kind for p in obj.parts.all()]


class MeetingDetailOut(MeetingOut):
    starts_at: dt.time | None
    ends_at: dt.time | None
    recorder_name: str
    lecturer_name: str
    minutes: str
    theme_items: list[str]
    party_group: int | None
    village_decision: int | None
    attendance: list[AttendanceOut]
    votes: list[VoteOut]
    attachments: list[str]

    @staticmethod
    def resolve_party_group(obj) -> int | None:
        return obj.party_group_id

    @staticmethod
    def resolve_village_decision(obj) -> int | None:
        return obj.village_decision_id

    @staticmethod
    def resolve_attendance(obj):
        return list(obj.attendance.select_related("member").order_by("member__name"))

    @staticmethod
    def resolve_votes(obj):
        return list(obj.votes.all())

    @staticmethod
    def resolve_attachments(obj) -> list[str]:
        return [a.name for a in obj.attachments.all()]


class MeetingPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[MeetingOut]


class MeetingQuery(Schema):
    org: str = Field("", description="组织代码:该党组织及其下级的会议;默认为账号的管辖范围")
    kind: Literal[tuple(["", *MeetingKind.values])] = Field("", description="会议类型")  # type: ignore[valid-type]
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = Field("", max_length=100, description="主题、地点、主持人、记录中的文字")


class AttendanceIn(InputSchema):
    member: int = Field(description="党员编号")
    status: Literal["present", "leave", "absent"]
    reason: str = Field("", max_length=200)


class VoteIn(InputSchema):
    subject: str = Field(min_length=1, max_length=200)
    yes: int = Field(0, ge=0)
    no: int = Field(0, ge=0)
    abstain: int = Field(0, ge=0)
    written_yes: int = Field(0, ge=0)
    written_no: int = Field(0, ge=0)
    written_abstain: int = Field(0, ge=0)
    is_secret: bool = True


class MeetingIn(InputSchema):
    org: str = Field(min_length=1, description="党组织代码")
    kinds: list[Kind] = Field(min_length=1, description="会议类型,可多个(一次会议同时算作几项)")
    held_on: dt.date
    topic: str = Field(min_length=1, max_length=200)
    starts_at: dt.time | None = None
    ends_at: dt.time | None = None
    place: str = Field("", max_length=200)
    host_name: str = Field("", max_length=50)
    recorder_name: str = Field("", max_length=50)
    lecturer_name: str = Field("", max_length=50)
    minutes: str = ""
    theme_items: list[str] = Field(default_factory=list, description="主题党日清单项目代码")
    party_group: int | None = Field(None, description="党小组编号(党小组会)")
    village_decision: int | None = Field(None, description="四议两公开事项编号(其步骤)")
    attendance: list[AttendanceIn] | None = Field(None, description="逐人出席情况;不填则按人数补录")
    expected: int | None = Field(None, ge=0)
    present: int | None = Field(None, ge=0)
    on_leave: int | None = Field(None, ge=0)
    voting_expected: int | None = Field(None, ge=0)
    voting_present: int | None = Field(None, ge=0)
    votes: list[VoteIn] = Field(default_factory=list)


class ComplianceRowOut(Schema):
    org: str
    org_name: str
    rule_id: str
    cite: str
    kind: str
    label: str
    per: str
    period: str
    period_label: str
    required: int
    held: int
    failed: int = Field(description="到会人数不足、不计入的次数")
    status: str
    status_label: str


class ComplianceOut(Schema):
    org: str
    window: str
    window_label: str
    rows: list[ComplianceRowOut]


class ComplianceQuery(Schema):
    org: str = Field("", description="组织代码;默认为账号的管辖范围")
    window: str = Field("", description="期间:2026-11(月)、2026Q4(季度)或 2026(年);默认本月")


class ReviewOut(Schema):
    id: int
    member: int
    member_name: str
    org: str
    year: int
    grade: str
    grade_label: str
    meeting: int | None
    note: str
    action: str
    action_due: dt.date | None
    closed_on: dt.date | None
    outcome: str

    @staticmethod
    def resolve_member(obj) -> int:
        return obj.member_id

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_org(obj) -> str:
        return obj.org.code

    @staticmethod
    def resolve_grade_label(obj) -> str:
        return str(obj.get_grade_display())

    @staticmethod
    def resolve_meeting(obj) -> int | None:
        return obj.meeting_id


class ReviewPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ReviewOut]


class ReviewQuery(Schema):
    org: str = Field("", description="组织代码;默认为账号的管辖范围")
    year: int | None = Field(None, ge=1921, le=2100)
    grade: Literal[tuple(["", *MemberReview.Grade.values])] = ""  # type: ignore[valid-type]


class ReviewIn(InputSchema):
    member: int = Field(description="党员编号")
    year: int = Field(ge=1921, le=2100)
    grade: Grade
    meeting: int | None = Field(None, description="评议会议编号")
    note: str = Field("", max_length=300)
    action: Action = Field("", description="不合格时的处置方式")
    action_due: dt.date | None = None


# -- helpers --------------------------------------------------------------------------------------
def _org(scope, code: str):
    if code:
        return selectors.org_get(scope=scope, code=code)
    return selectors.scope_root_org(scope=scope)


def _member(scope, pk: int) -> Member:
    member = scope.filter(Member.objects.all(), field="org_path", perm="orglife.view").filter(pk=pk).first()
    if member is None:
        raise ValidationError({"member": _("没有编号为%(n)s的党员,或不在您的管辖范围内") % {"n": pk}})
    return member


# -- endpoints ------------------------------------------------------------------------------------
@router.get("/meetings", response={200: MeetingPage, **ERRORS}, summary="会议列表")
def meeting_list(request, query: Query[MeetingQuery], paging: Query[PageQuery]):
    scope = scope_of(request)
    scope.require("orglife.view")
    under = _org(scope, query.org)
    filters = selectors.MeetingFilters.from_mapping(query.dict())
    qs = selectors.meeting_list(scope=scope, under=under, filters=filters)
    return paginate(qs, paging)


@router.post("/meetings", response={201: MeetingDetailOut, **ERRORS}, summary="登记会议")
def meeting_create(request, payload: MeetingIn):
    """One meeting that may count as several kinds. With `attendance` the counts come from it;
    without, `expected`/`present` (and for 党员大会, 支委会 the voting counts) are required."""
    scope = scope_of(request)
    scope.require("orglife.view")
    org = selectors.org_get(scope=scope, code=payload.org)
    values = payload.dict(exclude={"org", "kinds", "attendance", "votes"})
    if values.get("party_group") is not None:
        group = PartyGroup.objects.filter(pk=values["party_group"], org=org).first()
        if group is None:
            raise ValidationError({"party_group": _("该党组织没有这个党小组")})
        values["party_group"] = group
    if values.get("village_decision") is not None:
        decision = VillageDecision.objects.filter(pk=values["village_decision"], org=org).first()
        if decision is None:
            raise ValidationError({"village_decision": _("该党组织没有这个“四议两公开”事项")})
        values["village_decision"] = decision
    attendance = None
    if payload.attendance is not None:
        attendance = [
            services.AttendanceRow(member=_member(scope, a.member), status=a.status, reason=a.reason)
            for a in payload.attendance
        ]
        for name in ("expected", "present", "on_leave", "voting_expected", "voting_present"):
            values.pop(name, None)
    else:
        values = {k: v for k, v in values.items() if v is not None or k not in ("on_leave",)}
        if values.get("on_leave") is None:
            values["on_leave"] = 0
    meeting = services.meeting_create(
        actor=actor_of(request),
        org=org,
        kinds=list(payload.kinds),
        attendance=attendance,
        votes=[services.VoteInput(**v.dict()) for v in payload.votes],
        **values,
    )
    return Status(201, selectors.meeting_get(scope=scope, pk=meeting.pk))


@router.get("/meetings/{int:meeting_id}", response={200: MeetingDetailOut, **ERRORS}, summary="会议详情")
def meeting_detail(request, meeting_id: int):
    scope = scope_of(request)
    scope.require("orglife.view")
    return selectors.meeting_get(scope=scope, pk=meeting_id)


@router.get("/compliance", response={200: ComplianceOut, **ERRORS}, summary="组织生活达标明细")
def compliance_rows(request, query: Query[ComplianceQuery]):
    """One row per branch of the subtree, obligation and period of the window: required, held,
    quorum failures and status (met 达标 / missed 未达标 / due 即将到期 / open 进行中)."""
    scope = scope_of(request)
    scope.require("orglife.view")
    org = _org(scope, query.org)
    if org is None:
        raise ValidationError({"org": _("请指定组织代码")})
    today = dt.date.today()
    window = selectors.parse_window(query.window, today=today)
    rows = [
        {
            "org": r.org_code,
            "org_name": r.org_name,
            "rule_id": r.obligation.rule_id,
            "cite": r.obligation.cite,
            "kind": r.obligation.kind,
            "label": r.obligation.label,
            "per": r.obligation.per,
            "period": r.obligation.period.key,
            "period_label": r.obligation.period.label,
            "required": r.required,
            "held": r.held,
            "failed": r.failed,
            "status": r.status,
            "status_label": r.status_label,
        }
        for r in compliance.rows(org.path, window, as_of=today)
    ]
    return {"org": org.code, "window": window.key, "window_label": window.label, "rows": rows}


@router.get("/reviews", response={200: ReviewPage, **ERRORS}, summary="民主评议党员结果")
def review_list(request, query: Query[ReviewQuery], paging: Query[PageQuery]):
    scope = scope_of(request)
    scope.require("orglife.view")
    org = _org(scope, query.org)
    qs = selectors.reviews_in_scope(scope=scope).select_related("member", "org")
    if org is not None:
        from zugong.core.paths import subtree_q

        qs = qs.filter(subtree_q(org.path, "org_path"))
    if query.year:
        qs = qs.filter(year=query.year)
    if query.grade:
        qs = qs.filter(grade=query.grade)
    return paginate(qs.order_by("-year", "org_path", "member__name", "id"), paging)


@router.post("/reviews", response={200: ReviewOut, **ERRORS}, summary="登记或更正民主评议结果")
def review_record(request, payload: ReviewIn):
    """A member's result for a year (one per member and year; posting again corrects it). 不合格 needs
    `action` (and for 限期改正 `action_due`)."""
    scope = scope_of(request)
    scope.require("orglife.view")
    member = (
        scope.filter(Member.objects.all(), field="org_path", perm="orglife.view")
        .filter(pk=payload.member)
        .first()
    )
    if member is None:
        from zugong.core.exceptions import NotInScope

        raise NotInScope
    meeting: Meeting | None = None
    if payload.meeting is not None:
        meeting = selectors.meetings_in_scope(scope=scope).filter(pk=payload.meeting).first()
        if meeting is None:
            raise ValidationError({"meeting": _("没有这个会议,或不在您的管辖范围内")})
    review = services.review_record(
        actor=actor_of(request),
        member=member,
        year=payload.year,
        grade=payload.grade,
        meeting=meeting,
        note=payload.note,
        action=payload.action,
        action_due=payload.action_due,
    )
    return selectors.review_get(scope=scope, pk=review.pk)
