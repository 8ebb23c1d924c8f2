"""REST endpoints of 流动党员, 失联 and 党籍变动 (/api/mobility), with the scope of the pages.

Reads need `member.view`, writes `member.edit`; out of scope is 404. The clocks (`/tasks`) carry
their rule id and article, like the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zugong.core.api import ERRORS, InputSchema, PageQuery, actor_of, paginate, scope_of
from zugong.core.exceptions import NotInScope
from zugong.members import mobility as services
from zugong.members import mobility_selectors as selectors
from zugong.members.models import LostContact, Mobility, StandingChange
from zugong.members.selectors import member_get
from zugong.orgs.selectors import org_get, org_roots

router = Router(tags=["流动党员与党籍"])


def _root(request, code: str):
    scope = scope_of(request)
    if not scope.has("member.view"):
        raise NotInScope
    if code:
        return scope, org_get(scope=scope, code=code)
    roots = list(org_roots(scope=scope)[:2])
    if len(roots) != 1:
        raise NotInScope
    return scope, roots[0]


# -- schemas -------------------------------------------------------------------------------------------
class MobilityOut(Schema):
    id: int
    member_id: int
    name: str
    org: str
    left_on: dt.date
    destination: str
    region: str
    reason: str
    reason_note: str
    phone_masked: str
    certificate_no: str
    host_org: str | None
    host_name: str
    returned_on: dt.date | None
    last_report: dt.date | None = None


class MobilityPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[MobilityOut]


class LostOut(Schema):
    id: int
    member_id: int
    name: str
    org: str
    since: dt.date
    abroad: bool
    standing: str
    efforts: int = 0
    closed_on: dt.date | None
    outcome: str


class LostPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[LostOut]


class TaskOut(Schema):
    kind: str
    member_id: int
    name: str
    org: str
    id_number_masked: str
    title: str
    due: dt.date
    days_left: int
    status: str
    rule_id: str
    article: str
    cite: str


class ReportOut(Schema):
    id: int
    on: dt.date
    channel: str
    summary: str


class EffortOut(Schema):
    id: int
    on: dt.date
    method: str
    note: str


class ChangeOut(Schema):
    id: int
    member_id: int
    kind: str
    removal: str
    on: dt.date
    from_standing: str
    to_standing: str
    reason: str
    decided_by: str
    decision_ref: str
    cite: str


def _mobility(m: Mobility) -> dict:
    return {
        "id": m.pk,
        "member_id": m.member_id,
        "name": m.member.name,
        "org": m.member.org.code,
        "left_on": m.left_on,
        "destination": m.destination,
        "region": m.region,
        "reason": m.reason,
        "reason_note": m.reason_note,
        "phone_masked": m.phone_masked,
        "certificate_no": m.certificate_no,
        "host_org": m.host_org.code if m.host_org_id else None,
        "host_name": m.host_name,
        "returned_on": m.returned_on,
        "last_report": getattr(m, "last_report", None),
    }


def _lost(lost: LostContact) -> dict:
    return {
        "id": lost.pk,
        "member_id": lost.member_id,
        "name": lost.member.name,
        "org": lost.member.org.code,
        "since": lost.since,
        "abroad": lost.abroad,
        "standing": lost.member.standing,
        "efforts": getattr(lost, "effort_count", 0),
        "closed_on": lost.closed_on,
        "outcome": lost.outcome,
    }


def _change(c: StandingChange) -> dict:
    return {
        "id": c.pk,
        "member_id": c.member_id,
        "kind": c.kind,
        "removal": c.removal,
        "on": c.on,
        "from_standing": c.from_standing,
        "to_standing": c.to_standing,
        "reason": c.reason,
        "decided_by": c.decided_by,
        "decision_ref": c.decision_ref,
        "cite": c.cite,
    }


# -- reads ---------------------------------------------------------------------------------------------
class MobileQuery(PageQuery):
    org: str = Field("", description="组织代码:该组织及其下级;默认账号所在组织")
    status: Literal["open", "returned", "all"] = Field(
        "open", description="open 在外 | returned 已返回 | all"
    )
    reason: str = Field("", description="work | study | other")


@router.get("/mobile", response={200: MobilityPage, **ERRORS}, summary="流动党员名单")
def mobile_list(request, query: Query[MobileQuery]):
    scope, root = _root(request, query.org)
    qs = selectors.mobile_list(scope=scope, root=root, status=query.status, reason=query.reason)
    page = paginate(qs, query)
    page["results"] = [_mobility(m) for m in page["results"]]
    return page


class LostQuery(PageQuery):
    org: str = Field("", description="组织代码")
    status: Literal["open", "closed", "all"] = Field("open", description="open 仍失联 | closed 已结束 | all")


@router.get("/lost", response={200: LostPage, **ERRORS}, summary="失联党员名单")
def lost_list(request, query: Query[LostQuery]):
    scope, root = _root(request, query.org)
    page = paginate(selectors.lost_list(scope=scope, root=root, status=query.status), query)
    page["results"] = [_lost(lost) for lost in page["results"]]
    return page


class TaskQuery(Schema):
    org: str = Field("", description="组织代码")
    as_of: dt.date | None = Field(None, description="截至日期,默认今天")
    kind: str = Field("", description="report | transfer | suspend | abroad | remove")
    status: str = Field("", description="open | overdue | running | due | suggest")


@router.get("/tasks", response={200: list[TaskOut], **ERRORS}, summary="流动与失联待办(规则计时)")
def task_list(request, query: Query[TaskQuery]):
    scope, root = _root(request, query.org)
    found = selectors.tasks(
        scope=scope,
        root=root,
        as_of=query.as_of or timezone.localdate(),
        kind=query.kind,
        status=query.status,
    )
    return [
        {
            "kind": t.kind,
            "member_id": t.member.pk,
            "name": t.member.name,
            "org": t.org.code,
            "id_number_masked": t.member.id_number_masked,
            "title": t.title,
            "due": t.due,
            "days_left": t.days_left,
            "status": t.status,
            "rule_id": t.rule_id,
            "article": t.article,
            "cite": t.rule.cite,
        }
        for t in found
    ]


# -- writes --------------------------------------------------------------------------------------------
class StartIn(InputSchema):
    left_on: dt.date
    destination: str = Field(max_length=100)
    reason: Literal["work", "study", "other"]
    region: str = Field("", max_length=6)
    reason_note: str = Field("", max_length=200)
    phone: str = Field("", max_length=20, description="外出期间联系电话,加密保存")
    certificate_no: str = Field("", max_length=40, description="流动党员活动证编号")
    host_org: str = Field("", description="流入地党组织代码(本系统内,须在账号范围内)")
    host_name: str = Field("", max_length=100, description="流入地党组织名称(系统外)")
    note: str = Field("", max_length=300)


@router.post(
    "/members/{member_id}/start", response={201: MobilityOut, **ERRORS}, summary="登记外出流动(外出前报告)"
)
def mobility_start(request, member_id: int, payload: StartIn):
    scope = scope_of(request)
    member = member_get(scope=scope, pk=member_id)
    scope.require("member.edit")
    data = payload.dict()
    host = data.pop("host_org")
    data["host_org"] = org_get(scope=scope, code=host) if host else None
    mobility = services.mobility_start(actor=actor_of(request), member=member, **data)
    return Status(201, _mobility(mobility))


class ReportIn(InputSchema):
    on: dt.date
    channel: Literal["in_person", "phone", "written", "online"]
    summary: str = Field(max_length=500)


@router.post("/{mobility_id}/reports", response={201: ReportOut, **ERRORS}, summary="登记流动党员年度汇报")
def mobility_report(request, mobility_id: int, payload: ReportIn):
    scope = scope_of(request)
    mobility = selectors.mobility_get(scope=scope, pk=mobility_id)
    scope.require("member.edit")
    report = services.mobility_report(actor=actor_of(request), mobility=mobility, **payload.dict())
    return Status(
        201, {"id": report.pk, "on": report.on, "channel": report.channel, "summary": report.summary}
    )


class OnIn(InputSchema):
    on: dt.date
    note: str = Field("", max_length=300)


@router.post("/{mobility_id}/return", response={200: MobilityOut, **ERRORS}, summary="登记返回")
def mobility_return(request, mobility_id: int, payload: OnIn):
    scope = scope_of(request)
    mobility = selectors.mobility_get(scope=scope, pk=mobility_id)
    scope.require("member.edit")
    mobility = services.mobility_return(
        actor=actor_of(request), mobility=mobility, on=payload.on, note=payload.note
    )
    return _mobility(selectors.mobility_get(scope=scope, pk=mobility.pk))


class LostIn(InputSchema):
    since: dt.date = Field(description="最后联系日期;出国(境)学习研究的为出境日期")
    abroad: bool = False
    note: str = Field("", max_length=300)


@router.post("/members/{member_id}/lost", response={201: LostOut, **ERRORS}, summary="登记失联党员")
def lost_open(request, member_id: int, payload: LostIn):
    scope = scope_of(request)
    member = member_get(scope=scope, pk=member_id)
    scope.require("member.edit")
    lost = services.lost_contact_open(actor=actor_of(request), member=member, **payload.dict())
    return Status(201, _lost(selectors.lost_get(scope=scope, pk=lost.pk)))


class EffortIn(InputSchema):
    on: dt.date
    method: str = Field(max_length=50)
    note: str = Field(max_length=300)


@router.post("/lost/{lost_id}/efforts", response={201: EffortOut, **ERRORS}, summary="登记查找情况")
def lost_note(request, lost_id: int, payload: EffortIn):
    scope = scope_of(request)
    lost = selectors.lost_get(scope=scope, pk=lost_id)
    scope.require("member.edit")
    effort = services.lost_contact_note(actor=actor_of(request), lost=lost, **payload.dict())
    return Status(201, {"id": effort.pk, "on": effort.on, "method": effort.method, "note": effort.note})


@router.post("/lost/{lost_id}/found", response={200: LostOut, **ERRORS}, summary="登记已取得联系")
def lost_found(request, lost_id: int, payload: OnIn):
    scope = scope_of(request)
    lost = selectors.lost_get(scope=scope, pk=lost_id)
    scope.require("member.edit")
    services.lost_contact_found(actor=actor_of(request), lost=lost, on=payload.on, note=payload.note)
    return _lost(selectors.lost_get(scope=scope, pk=lost.pk))


class StandingIn(InputSchema):
    action: Literal["suspend", "restore", "remove", "died"] = Field(
        description="suspend 停止党籍 | restore 恢复党籍 | remove 出党 | died 死亡"
    )
    on: dt.date
    reason: str = Field("", max_length=300)
    removal: Literal["expelled", "struck_off", "persuaded", "lapsed", ""] = Field(
        "", description="出党方式:expelled 开除党籍 | struck_off 除名 | persuaded 劝退 | lapsed 自行脱党除名"
    )
    decided_by: str = Field("", max_length=100, description="决定(批准)机关")
    decision_ref: str = Field("", max_length=100, description="决定文号")


@router.post("/members/{member_id}/standing", response={201: ChangeOut, **ERRORS}, summary="党籍变动")
def standing(request, member_id: int, payload: StandingIn):
    scope = scope_of(request)
    member = member_get(scope=scope, pk=member_id)
    scope.require("member.edit")
    actor = actor_of(request)
    common = {"actor": actor, "member": member, "on": payload.on, "reason": payload.reason}
    if payload.action == "suspend":
        change = services.member_suspend(
            **common, decided_by=payload.decided_by, decision_ref=payload.decision_ref
        )
    elif payload.action == "restore":
        change = services.member_restore(
            **common, decided_by=payload.decided_by, decision_ref=payload.decision_ref
        )
    elif payload.action == "remove":
        change = services.member_remove(
            **common,
            removal=payload.removal,
            decided_by=payload.decided_by,
            decision_ref=payload.decision_ref,
        )
    else:
        change = services.member_died(**common)
    return Status(201, _change(change))
