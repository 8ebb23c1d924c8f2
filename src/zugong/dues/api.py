"""REST endpoints of the dues module (/api/dues), with the scope of the pages.

Money is sent and returned as strings with two decimals ("45.00"), never as floats.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from zugong.core.api import ERRORS, InputSchema, actor_of, scope_of
from zugong.dues import rules, selectors, services
from zugong.dues.models import Category, DuesPayment
from zugong.orgs.models import BRANCH_KINDS

router = Router(tags=["党费"])

CategoryName = Literal[tuple(Category.values)]  # type: ignore[valid-type]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _month(value: str, field: str) -> dt.date:
    try:
        return rules.parse_month(value)
    except ValueError as exc:
        raise ValidationError({field: _("月份格式应为 YYYY-MM")}) from exc


# -- schemas -------------------------------------------------------------------------------------------
class QuoteOut(Schema):
    category: str
    base: str | None
    amount: str
    rule_id: str
    rule_version: str
    cite: str
    label: str
    line: str


class LedgerRowOut(Schema):
    member_id: int
    name: str
    category: str
    base: str | None
    amount: str | None
    paid: bool
    paid_on: dt.date | None
    method: str
    arrears_months: int
    moved: bool


class LedgerOut(Schema):
    org: str
    org_name: str
    month: str
    due: str
    paid: str
    unpaid: str
    paid_count: int
    unpaid_count: int
    no_base: int
    in_arrears: int
    rows: list[LedgerRowOut]


class MonthOut(Schema):
    month: str
    amount: str
    category: str
    base: str | None
    rule_id: str
    rule_version: str
    paid_on: dt.date | None
    payment_id: int | None


class BaseOut(Schema):
    effective_from: str
    category: str
    base: str | None
    fixed_amount: str | None


class PaymentOut(Schema):
    id: int
    member_id: int
    paid_on: dt.date
    method: str
    kind: str
    paid_by: int | None
    first_month: str | None
    last_month: str | None
    months: int
    dues_amount: str
    voluntary_amount: str
    amount: str
    to_centre: bool
    back_approved_by: str
    voided: bool


class MemberDuesOut(Schema):
    member_id: int
    name: str
    org: str
    arrears_months: int
    arrears_since: str | None
    bases: list[BaseOut]
    months: list[MonthOut]
    payments: list[PaymentOut]


class ArrearsOut(Schema):
    member_id: int
    name: str
    org: str
    org_name: str
    id_number_masked: str
    months: int
    since: str
    status: str
    rule_id: str
    article: str


class PaymentIn(InputSchema):
    member_id: int
    paid_on: dt.date
    method: str = Field(description="in_person 本人交纳 | by_other 委托他人代交(党组织不得垫交或扣缴)")
    first_month: str | None = Field(None, description="所交首月 YYYY-MM;只交自愿多交时不填")
    last_month: str | None = Field(None, description="所交末月 YYYY-MM;默认与首月相同")
    paid_by: int | None = Field(None, description="代交党员的编号")
    voluntary_amount: Decimal = Field(Decimal("0"), ge=0, decimal_places=2)
    amount: Decimal | None = Field(
        None, ge=0, decimal_places=2, description="实交金额,填写时须等于应交加自愿多交"
    )
    back_approved_by: str = Field("", max_length=100)
    note: str = Field("", max_length=200)


def _payment(p: DuesPayment) -> dict:
    return {
        "id": p.pk,
        "member_id": p.member_id,
        "paid_on": p.paid_on,
        "method": p.method,
        "kind": p.kind,
        "paid_by": p.paid_by_id,
        "first_month": f"{p.first_month:%Y-%m}" if p.first_month else None,
        "last_month": f"{p.last_month:%Y-%m}" if p.last_month else None,
        "months": p.months,
        "dues_amount": _money(p.dues_amount),
        "voluntary_amount": _money(p.voluntary_amount),
        "amount": _money(p.amount),
        "to_centre": p.to_centre,
        "back_approved_by": p.back_approved_by,
        "voided": p.voided,
    }


# -- endpoints -----------------------------------------------------------------------------------------
class QuoteQuery(Schema):
    category: CategoryName = Field(description="交纳类别")
    base: Decimal | None = Field(None, ge=0, decimal_places=2, description="月收入基数(元)")
    amount: Decimal | None = Field(None, ge=0, decimal_places=2, description="农民党员:每月交纳金额")
    on: dt.date | None = Field(None, description="按此日期有效的规则计算,默认今天")


@router.get("/quote", response={200: QuoteOut, **ERRORS}, summary="计算每月应交党费")
def quote(request, query: Query[QuoteQuery]):
    scope = scope_of(request)
    scope.require("dues.view")
    category = query.category
    q = rules.quote(
        category=category,
        base=query.base if rules.needs_base(category) else None,
        fixed_amount=query.amount,
        on=query.on,
    )
    return {
        "category": q.category,
        "base": _money(q.base),
        "amount": _money(q.amount),
        "rule_id": q.rule.rule_id,
        "rule_version": q.rule.version,
        "cite": q.rule.cite,
        "label": q.label,
        "line": q.line,
    }


@router.get("/ledger", response={200: LedgerOut, **ERRORS}, summary="党支部月度党费台账")
def ledger(request, org: str, month: str = ""):
    scope = scope_of(request)
    branch = selectors.dues_org(scope=scope, code=org)
    current = rules.month_start(timezone.localdate())
    m = _month(month, "month") if month else current
    if branch.kind not in BRANCH_KINDS:
        raise ValidationError({"org": _("台账按党支部查看;党委、党总支请查看汇总")})
    if m <= current:
        services.dues_fill(org=branch, month=m)
    led = selectors.ledger(scope=scope, org=branch, month=m)
    return {
        "org": branch.code,
        "org_name": branch.name,
        "month": f"{m:%Y-%m}",
        "due": _money(led.due),
        "paid": _money(led.paid),
        "unpaid": _money(led.unpaid),
        "paid_count": led.paid_count,
        "unpaid_count": led.unpaid_count,
        "no_base": led.no_base,
        "in_arrears": led.in_arrears,
        "rows": [
            {
                "member_id": r.member.pk,
                "name": r.member.name,
                "category": r.dues.category if r.dues else (r.base.category if r.base else ""),
                "base": _money(r.dues.base if r.dues else (r.base.base if r.base else None)),
                "amount": _money(r.dues.amount) if r.dues else None,
                "paid": bool(r.dues and r.dues.payment_id),
                "paid_on": r.dues.paid_on if r.dues else None,
                "method": r.dues.payment.method if r.dues and r.dues.payment_id else "",
                "arrears_months": r.arrears,
                "moved": r.moved,
            }
            for r in led.rows
        ],
    }


@router.get("/members/{int:member_id}", response={200: MemberDuesOut, **ERRORS}, summary="党员的党费")
def member_dues(request, member_id: int):
    scope = scope_of(request)
    member = selectors.dues_member(scope=scope, pk=member_id)
    info = selectors.member_dues(scope=scope, member=member)
    return {
        "member_id": member.pk,
        "name": member.name,
        "org": member.org.code,
        "arrears_months": info.arrears,
        "arrears_since": f"{info.arrears_since:%Y-%m}" if info.arrears_since else None,
        "bases": [
            {
                "effective_from": f"{b.effective_from:%Y-%m}",
                "category": b.category,
                "base": _money(b.base),
                "fixed_amount": _money(b.fixed_amount),
            }
            for b in info.bases
        ],
        "months": [
            {
                "month": f"{d.month:%Y-%m}",
                "amount": _money(d.amount),
                "category": d.category,
                "base": _money(d.base),
                "rule_id": d.rule_id,
                "rule_version": d.rule_version,
                "paid_on": d.paid_on,
                "payment_id": d.payment_id,
            }
            for d in info.months
        ],
        "payments": [_payment(p) for p in info.payments],
    }


@router.post("/payments", response={201: PaymentOut, **ERRORS}, summary="登记党费交纳")
def payment_create(request, payload: PaymentIn):
    scope = scope_of(request)
    member = selectors.dues_member(scope=scope, pk=payload.member_id)
    scope.require("dues.edit")
    paid_by = None
    if payload.paid_by is not None:
        paid_by = selectors.dues_member(scope=scope, pk=payload.paid_by)
    first = _month(payload.first_month, "first_month") if payload.first_month else None
    last = _month(payload.last_month, "last_month") if payload.last_month else first
    payment = services.dues_payment_record(
        actor=actor_of(request),
        member=member,
        paid_on=payload.paid_on,
        method=payload.method,
        first_month=first,
        last_month=last,
        paid_by=paid_by,
        voluntary_amount=payload.voluntary_amount,
        amount=payload.amount,
        back_approved_by=payload.back_approved_by,
        note=payload.note,
    )
    return Status(201, _payment(payment))


@router.get("/arrears", response={200: list[ArrearsOut], **ERRORS}, summary="连续欠交党费的党员")
def arrears(request, as_of: dt.date, org: str = ""):
    scope = scope_of(request)
    under = selectors.dues_org(scope=scope, code=org) if org else None
    rows = selectors.arrears(scope=scope, under=under, as_of=as_of)
    return [
        {
            "member_id": r.member.pk,
            "name": r.member.name,
            "org": r.member.org.code,
            "org_name": r.member.org.name,
            "id_number_masked": r.member.id_number_masked,
            "months": r.months,
            "since": f"{r.since:%Y-%m}",
            "status": r.status,
            "rule_id": r.rule_id,
            "article": r.article,
        }
        for r in rows
    ]
