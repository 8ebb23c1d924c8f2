"""REST endpoints of 组织关系转接 (/api/transfers), with the scope and rules of the pages.

A letter is visible to accounts over its sending or its receiving org; each action is allowed to
the side the regulations give it to (the receiver accepts or returns, the sender cancels, records
the 回执 of a letter out of the system, reissues an overdue letter, settles a returned one).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from zugong.core.api import ERRORS, InputSchema, PageQuery, actor_of, paginate, scope_of
from zugong.core.exceptions import NotInScope
from zugong.members import selectors as member_selectors
from zugong.members import transfers as services
from zugong.members import transfers_selectors as selectors
from zugong.members.models import Transfer

router = Router(tags=["组织关系转接"])

Tab = Literal[tuple(key for key, _label in selectors.TABS)]  # type: ignore[valid-type]
Kind = Literal["", "within", "out", "in"]


class TransferOut(Schema):
    id: int
    member_id: int
    member_name: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    from_org: str | None = Field(description="转出党组织代码;从系统外转入时为空")
    from_name: str
    to_org: str | None = Field(description="接收党组织代码;转出本系统时为空")
    to_name: str
    to_province: str
    cross_province: bool
    letter_number: str
    issued_on: dt.date
    valid_until: dt.date
    days_left: int | None
    overdue: bool
    needs_sender: bool
    reason: str
    received_on: dt.date | None
    receipt_number: str
    returned_on: dt.date | None
    return_reason: str
    settled_on: dt.date | None
    reissue_of: int | None


class TransferPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[TransferOut]


def _out(t: Transfer) -> dict:
    today = dt.date.today()
    return {
        "id": t.pk,
        "member_id": t.member_id,
        "member_name": t.member.name,
        "kind": t.kind,
        "kind_label": str(t.get_kind_display()),
        "state": t.state,
        "state_label": str(t.get_state_display()),
        "from_org": t.from_org.code if t.from_org else None,
        "from_name": t.from_name,
        "to_org": t.to_org.code if t.to_org else None,
        "to_name": t.to_name,
        "to_province": t.to_province,
        "cross_province": t.cross_province,
        "letter_number": t.letter_number,
        "issued_on": t.issued_on,
        "valid_until": t.valid_until,
        "days_left": (t.valid_until - today).days if t.state == Transfer.State.PENDING else None,
        "overdue": services.is_overdue(t, today),
        "needs_sender": services.needs_sender(t),
        "reason": t.reason,
        "received_on": t.received_on,
        "receipt_number": t.receipt_number,
        "returned_on": t.returned_on,
        "return_reason": t.return_reason,
        "settled_on": t.settled_on,
        "reissue_of": t.reissue_of_id,
    }


def _editable(request, pk: int) -> Transfer:
    scope = scope_of(request)
    if scope.is_self_only:
        raise NotInScope
    transfer = selectors.transfer_get(scope=scope, pk=pk)
    scope.require("transfer.edit")
    return transfer


# -- reads ---------------------------------------------------------------------------------------
class ListQuery(Schema):
    org: str = Field("", description="组织代码:只看该组织子树转出或转入的;默认账号的全部范围")
    tab: Tab = Field(
        "open",
        description="open 办理中 | outgoing 转出中 | incoming 转入中 | overdue 逾期 | "
        "returned 被退回待处理 | closed 已办结 | all",
    )  # type: ignore[valid-type]
    kind: Kind = ""
    q: str = Field("", max_length=50, description="姓名或介绍信编号")


@router.get("", response={200: TransferPage, **ERRORS}, summary="组织关系转接列表")
def transfer_list(request, query: Query[ListQuery], paging: Query[PageQuery]):
    scope = scope_of(request)
    if scope.is_self_only:
        raise NotInScope
    scope.require("transfer.view")
    under = selectors.resolve_under(scope=scope, code=query.org.strip())
    filters = selectors.TransferFilters.from_mapping(query.dict())
    page = paginate(selectors.transfer_list(scope=scope, under=under, filters=filters), paging)
    page["results"] = [_out(t) for t in page["results"]]
    return page


@router.get("/{int:transfer_id}", response={200: TransferOut, **ERRORS}, summary="一封介绍信")
def transfer_detail(request, transfer_id: int):
    scope = scope_of(request)
    if scope.is_self_only:
        raise NotInScope
    return _out(selectors.transfer_get(scope=scope, pk=transfer_id))


# -- writes --------------------------------------------------------------------------------------
class StartIn(InputSchema):
    member_id: int
    kind: Literal["within", "out"]
    to_org: str = Field("", description="系统内转接:接收党支部的组织代码或全称(须完全一致)")
    to_name: str = Field("", max_length=200, description="转出本系统:接收党组织全称")
    to_province: str = Field("", max_length=2, description="转出本系统:接收地省份代码(两位,如 11 北京)")
    issued_on: dt.date | None = None
    valid_until: dt.date | None = Field(None, description="留空按 GX-03 的最长有效期")
    letter_number: str = Field("", max_length=40, description="留空自动编号,如 2026-0012")
    reason: str = Field("", max_length=300)
    note: str = Field("", max_length=300)


@router.post("", response={201: TransferOut, **ERRORS}, summary="开具组织关系介绍信")
def transfer_start(request, payload: StartIn):
    scope = scope_of(request)
    if scope.is_self_only:
        raise NotInScope
    member = member_selectors.member_get(scope=scope, pk=payload.member_id)
    scope.require("transfer.edit")
    to_org = services.find_receiving_org(payload.to_org) if payload.kind == "within" else None
    transfer = services.transfer_start(
        actor=actor_of(request),
        member=member,
        kind=payload.kind,
        to_org=to_org,
        to_name=payload.to_name,
        to_province=payload.to_province,
        issued_on=payload.issued_on,
        valid_until=payload.valid_until,
        letter_number=payload.letter_number,
        reason=payload.reason,
        note=payload.note,
    )
    return Status(201, _out(transfer))


class ReceiveIn(InputSchema):
    received_on: dt.date | None = None
    note: str = Field("", max_length=300)


@router.post("/{int:transfer_id}/receive", response={200: TransferOut, **ERRORS}, summary="接收(系统内)")
def transfer_receive(request, transfer_id: int, payload: ReceiveIn):
    transfer = _editable(request, transfer_id)
    done = services.transfer_receive(
        actor=actor_of(request), transfer=transfer, on=payload.received_on, note=payload.note
    )
    return _out(done)


class ReturnIn(InputSchema):
    reason: str = Field(max_length=300, description="退回原因(必填)")
    returned_on: dt.date | None = None


@router.post("/{int:transfer_id}/return", response={200: TransferOut, **ERRORS}, summary="退回")
def transfer_return(request, transfer_id: int, payload: ReturnIn):
    transfer = _editable(request, transfer_id)
    done = services.transfer_return(
        actor=actor_of(request), transfer=transfer, reason=payload.reason, on=payload.returned_on
    )
    return _out(done)


class CancelIn(InputSchema):
    reason: str = Field("", max_length=300)


@router.post("/{int:transfer_id}/cancel", response={200: TransferOut, **ERRORS}, summary="撤销介绍信")
def transfer_cancel(request, transfer_id: int, payload: CancelIn):
    transfer = _editable(request, transfer_id)
    return _out(services.transfer_cancel(actor=actor_of(request), transfer=transfer, reason=payload.reason))


class ReceiptIn(InputSchema):
    received_on: dt.date
    receipt_number: str = Field("", max_length=40)
    note: str = Field("", max_length=300)


@router.post(
    "/{int:transfer_id}/receipt", response={200: TransferOut, **ERRORS}, summary="登记回执(转出本系统)"
)
def transfer_receipt(request, transfer_id: int, payload: ReceiptIn):
    transfer = _editable(request, transfer_id)
    done = services.transfer_record_receipt(
        actor=actor_of(request),
        transfer=transfer,
        on=payload.received_on,
        receipt_number=payload.receipt_number,
        note=payload.note,
    )
    return _out(done)


class ReissueIn(InputSchema):
    issued_on: dt.date | None = None
    letter_number: str = Field("", max_length=40)


@router.post("/{int:transfer_id}/reissue", response={201: TransferOut, **ERRORS}, summary="过期重开")
def transfer_reissue(request, transfer_id: int, payload: ReissueIn):
    transfer = _editable(request, transfer_id)
    new = services.transfer_reissue(
        actor=actor_of(request),
        transfer=transfer,
        issued_on=payload.issued_on,
        letter_number=payload.letter_number,
    )
    return Status(201, _out(new))


class SettleIn(InputSchema):
    note: str = Field(max_length=300, description="处理结果(必填)")


@router.post("/{int:transfer_id}/settle", response={200: TransferOut, **ERRORS}, summary="记录退回处理结果")
def transfer_settle(request, transfer_id: int, payload: SettleIn):
    transfer = _editable(request, transfer_id)
    return _out(services.transfer_settle(actor=actor_of(request), transfer=transfer, note=payload.note))
