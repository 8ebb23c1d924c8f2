"""Writes of the dues module: bases, hardship reliefs, the monthly amounts due, payments.

Every service is keyword-only, atomic, starts with `require(actor, "dues.edit", path)`, raises
ValidationError keyed by field in Chinese naming the rule, and writes its audit entry in the same
transaction. The monthly `Dues` rows are derived data: `dues_fill` computes the missing ones for a
subtree and month (the system does it, no audit entry per row); a base or relief recomputes the
unpaid months it changes; a paid month keeps the amount it was paid at (DF-06: a new base applies
from the month the new pay is received, never to months already settled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zugong.core import audit
from zugong.core.exceptions import NotInScope
from zugong.core.paths import subtree_q
from zugong.core.services import require
from zugong.dues import rules
from zugong.dues.models import Category, Dues, DuesBase, DuesPayment, DuesRelief
from zugong.members.models import Member
from zugong.orgs.models import Org
from zugong.rules import engine

# What people call an organization paying for a member or taking dues out of pay: refused (DF-09).
ORG_PAYS = {
    "by_org",
    "by_branch",
    "advance",
    "deduct",
    "deducted",
    "垫交",
    "代扣",
    "扣缴",
    "支部垫交",
    "工资扣缴",
}
FILL_BATCH = 2000


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _today() -> dt.date:
    return timezone.localdate()


def start_month(member: Member) -> dt.date:
    """The first month a member pays for (DF-11: a probationary member pays from the day the
    支部大会 adopts them, which is `joined_on`)."""
    return rules.month_start(member.joined_on)


def _cite(rule_id: str, on: dt.date | None = None) -> str:
    return engine.rule(rule_id, on=on).cite


# -- computing one month -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Computed:
    category: str
    base: Decimal | None
    amount: Decimal
    rule_id: str
    rule_version: str
    relief: DuesRelief | None


def base_in_force(bases: Sequence[DuesBase], month: dt.date) -> DuesBase | None:
    """The latest base whose month is not after `month` (`bases` in any order)."""
    best = None
    for b in bases:
        if b.effective_from <= month and (best is None or b.effective_from > best.effective_from):
            best = b
    return best


def compute(
    month: dt.date, bases: Sequence[DuesBase], reliefs: Sequence[DuesRelief], *, org_path: str | None = None
) -> Computed | None:
    """The amount due for `month` from a member's bases and reliefs; None without a base."""
    base = base_in_force(bases, month)
    if base is None:
        return None
    q = rules.quote(
        category=base.category, base=base.base, fixed_amount=base.fixed_amount, on=month, org=org_path
    )
    relief = next((r for r in reliefs if r.covers(month)), None)
    if relief is not None:
        df10 = engine.rule("DF-10", on=month, org=org_path)
        reduced = relief.amount if relief.amount is not None else Decimal("0.00")
        amount = Decimal("0.00") if relief.kind == DuesRelief.Kind.EXEMPT else min(q.amount, reduced)
        return Computed(base.category, base.base, amount, df10.rule_id, df10.version, relief)
    return Computed(base.category, base.base, q.amount, q.rule.rule_id, q.rule.version, None)


def _row(member: Member, month: dt.date, c: Computed) -> Dues:
    return Dues(
        member=member,
        month=month,
        org_id=member.org_id,
        org_path=member.org_path,
        category=c.category,
        base=c.base,
        amount=c.amount,
        rule_id=c.rule_id,
        rule_version=c.rule_version,
        relief=c.relief,
    )


def _recompute(member: Member, first: dt.date) -> int:
    """Recompute the unpaid stored months of `member` from `first` on; paid months keep their amount."""
    bases = list(DuesBase.objects.filter(member=member))
    reliefs = list(DuesRelief.objects.filter(member=member))
    changed = 0
    for row in Dues.objects.filter(member=member, month__gte=first, payment__isnull=True):
        c = compute(row.month, bases, reliefs, org_path=row.org_path)
        if c is None:
            row.delete()
            changed += 1
            continue
        new = (c.category, c.base, c.amount, c.rule_id, c.rule_version, c.relief.pk if c.relief else None)
        old = (row.category, row.base, row.amount, row.rule_id, row.rule_version, row.relief_id)
        if new != old:
            row.category, row.base, row.amount = c.category, c.base, c.amount
            row.rule_id, row.rule_version, row.relief = c.rule_id, c.rule_version, c.relief
            row.save(update_fields=["category", "base", "amount", "rule_id", "rule_version", "relief"])
            changed += 1
    return changed


# -- bases -------------------------------------------------------------------------------------------
BASE_FIELDS = ["category", "base", "fixed_amount", "effective_from", "note"]


@transaction.atomic
def dues_base_set(
    *,
    actor,
    member: Member,
    category: str,
    effective_from: dt.date,
    base: Decimal | None = None,
    fixed_amount: Decimal | None = None,
    note: str = "",
) -> DuesBase:
    """Record a member's category and base from a month on; a second entry for the same month
    corrects the first (the audit entry keeps both)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    require(actor, "dues.edit", member.org_path)
    month = rules.month_start(effective_from)
    errors: dict[str, list[str]] = {}
    first = start_month(member)
    if month < first:
        errors.setdefault("effective_from", []).append(
            _("起始月份不能早于入党(支部大会通过)的%(m)s(%(cite)s)")
            % {"m": f"{first:%Y年%m月}", "cite": _cite("DF-11", first)}
        )
    if month > rules.month_start(_today()):
        errors.setdefault("effective_from", []).append(
            _("新基数从按新标准领取工资的当月起执行,不能登记尚未到来的月份(%(cite)s)")
            % {"cite": _cite("DF-06")}
        )
    if not rules.needs_base(category):
        base = None
    if not rules.chooses_amount(category):
        fixed_amount = None
    try:
        q = rules.quote(
            category=category, base=base, fixed_amount=fixed_amount, on=month, org=member.org_path
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    else:
        base = q.base
        if rules.chooses_amount(category):
            fixed_amount = q.amount
    if errors:
        raise ValidationError(errors)
    existing = DuesBase.objects.filter(member=member, effective_from=month).first()
    before = audit.snapshot(existing, BASE_FIELDS) if existing else {}
    row = existing or DuesBase(member=member, effective_from=month)
    row.category, row.base, row.fixed_amount = category, base, fixed_amount
    row.note, row.recorded_by = note.strip()[:200], _user(actor)
    row.save()
    _recompute(member, month)
    b, a = audit.changes(before, audit.snapshot(row, BASE_FIELDS))
    audit.record(
        actor=actor,
        action="dues.base_set",
        obj=member,
        org_path=member.org_path,
        before=b or None,
        after=a,
    )
    return row


# -- reliefs (DF-10) ---------------------------------------------------------------------------------
@transaction.atomic
def dues_relief_create(
    *,
    actor,
    member: Member,
    kind: str,
    start_month: dt.date,
    approving_org: Org,
    document_number: str,
    approved_on: dt.date,
    end_month: dt.date | None = None,
    amount: Decimal | None = None,
    reason: str = "",
) -> DuesRelief:
    """A hardship reduction or exemption approved by the next-higher Party committee (DF-10)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    require(actor, "dues.edit", member.org_path)
    cite = _cite("DF-10", approved_on)
    errors: dict[str, list[str]] = {}

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    start = rules.month_start(start_month)
    end = rules.month_start(end_month) if end_month else None
    if kind not in DuesRelief.Kind.values:
        bad("kind", _("类型应为少交或免交"))
    if kind == DuesRelief.Kind.REDUCE:
        if amount is None or amount < 0:
            bad("amount", _("少交须填写减免后每月交纳的金额"))
    else:
        amount = None
    if end is not None and end < start:
        bad("end_month", _("截止月份不能早于起始月份"))
    if not (
        member.org_path.startswith(approving_org.path) and len(approving_org.path) < len(member.org_path)
    ):
        bad(
            "approving_org",
            _("少交或免交须报上一级党委批准,“%(o)s”不是该党员所在党支部的上级党组织(%(cite)s)")
            % {"o": approving_org.name, "cite": cite},
        )
    if not (document_number or "").strip():
        bad("document_number", _("请填写批准文号(%(cite)s)") % {"cite": cite})
    if approved_on > _today():
        bad("approved_on", _("批准日期不能晚于今天"))
    overlapping = DuesRelief.objects.filter(member=member, start_month__lte=end or dt.date.max).filter(
        Q(end_month__isnull=True) | Q(end_month__gte=start)
    )
    if overlapping.exists():
        bad("start_month", _("与已登记的少交免交期间重叠"))
    if errors:
        raise ValidationError(errors)
    relief = DuesRelief.objects.create(
        member=member,
        kind=kind,
        amount=amount,
        start_month=start,
        end_month=end,
        approving_org=approving_org,
        document_number=document_number.strip(),
        approved_on=approved_on,
        reason=reason.strip()[:300],
        recorded_by=_user(actor),
    )
    _recompute(member, start)
    audit.record(
        actor=actor,
        action="dues.relief",
        obj=member,
        org_path=member.org_path,
        after=audit.jsonable(
            {
                "kind": kind,
                "amount": amount,
                "start_month": start,
                "end_month": end,
                "approving_org": approving_org.code,
                "document_number": relief.document_number,
            }
        ),
    )
    return relief


# -- the monthly rows --------------------------------------------------------------------------------
def dues_fill(*, org: Org | None, month: dt.date) -> int:
    """Create the missing `Dues` rows of `month` for the members of `org`'s subtree (every org with
    None) who pay that month and have a base: the system's work, idempotent; returns the count."""
    month = rules.month_start(month)
    month_end = rules.add_months(month, 1)
    members = Member.objects.filter(standing=Member.Standing.NORMAL, joined_on__lt=month_end)
    if org is not None:
        members = members.filter(subtree_q(org.path, "org_path"))
    members = members.filter(
        Exists(DuesBase.objects.filter(member=OuterRef("pk"), effective_from__lte=month))
    ).exclude(Exists(Dues.objects.filter(member=OuterRef("pk"), month=month)))
    created = 0
    with transaction.atomic():
        batch: list[Member] = []
        for member in members.only("id", "org_id", "org_path", "joined_on").iterator(chunk_size=FILL_BATCH):
            batch.append(member)
            if len(batch) >= FILL_BATCH:
                created += _fill_batch(batch, month)
                batch = []
        if batch:
            created += _fill_batch(batch, month)
    return created


def _fill_batch(members: list[Member], month: dt.date) -> int:
    ids = [m.pk for m in members]
    bases: dict[int, list[DuesBase]] = {}
    for b in DuesBase.objects.filter(member_id__in=ids, effective_from__lte=month):
        bases.setdefault(b.member_id, []).append(b)
    reliefs: dict[int, list[DuesRelief]] = {}
    for r in DuesRelief.objects.filter(member_id__in=ids, start_month__lte=month).filter(
        Q(end_month__isnull=True) | Q(end_month__gte=month)
    ):
        reliefs.setdefault(r.member_id, []).append(r)
    rows = []
    for m in members:
        c = compute(month, bases.get(m.pk, []), reliefs.get(m.pk, []), org_path=m.org_path)
        if c is not None:
            rows.append(_row(m, month, c))
    Dues.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


def _ensure_months(member: Member, months: list[dt.date]) -> list[Dues]:
    """The member's rows for `months` (created where missing), in order, locked for the payment."""
    existing = {d.month: d for d in Dues.objects.select_for_update().filter(member=member, month__in=months)}
    missing = [m for m in months if m not in existing]
    if missing:
        bases = list(DuesBase.objects.filter(member=member))
        reliefs = list(DuesRelief.objects.filter(member=member))
        no_base = []
        for month in missing:
            c = compute(month, bases, reliefs, org_path=member.org_path)
            if c is None:
                no_base.append(month)
                continue
            existing[month] = _row(member, month, c)
            existing[month].save()
        if no_base:
            raise ValidationError(
                {
                    "first_month": _("%(m)s尚未核定交纳基数,请先登记党费基数(%(cite)s)")
                    % {"m": "、".join(f"{m:%Y年%m月}" for m in no_base), "cite": _cite("DF-01")}
                }
            )
    return [existing[m] for m in months]


# -- payments ----------------------------------------------------------------------------------------
PAYMENT_FIELDS = [
    "paid_on",
    "method",
    "kind",
    "paid_by",
    "first_month",
    "last_month",
    "months",
    "dues_amount",
    "voluntary_amount",
    "amount",
    "to_centre",
    "back_approved_by",
    "note",
]


def payment_kind(first: dt.date | None, last: dt.date | None, paid_on: dt.date) -> str:
    if first is None or last is None:
        return DuesPayment.Kind.VOLUNTARY
    paid_month = rules.month_start(paid_on)
    if first < paid_month:
        return DuesPayment.Kind.BACK
    if last > paid_month:
        return DuesPayment.Kind.QUARTERLY
    return DuesPayment.Kind.MONTHLY


@transaction.atomic
def dues_payment_record(
    *,
    actor,
    member: Member,
    paid_on: dt.date,
    method: str,
    first_month: dt.date | None = None,
    last_month: dt.date | None = None,
    paid_by: Member | None = None,
    voluntary_amount: Decimal = Decimal("0"),
    amount: Decimal | None = None,
    back_approved_by: str = "",
    note: str = "",
) -> DuesPayment:
    """Record one payment covering the months `first_month`..`last_month` (none: a voluntary payment
    only). `amount`, when given, must be exactly the months' dues plus the voluntary amount."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    require(actor, "dues.edit", member.org_path)
    errors: dict[str, list[str]] = {}

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    today = _today()
    if method in ORG_PAYS or method not in DuesPayment.Method.values:
        if method in ORG_PAYS:
            bad(
                "method",
                _("党组织不得为党员垫交或从工资中扣缴党费(%(cite)s)") % {"cite": _cite("DF-09", paid_on)},
            )
        else:
            bad("method", _("交纳方式应为本人交纳或委托他人代交"))
    if paid_on > today:
        bad("paid_on", _("交纳日期不能晚于今天"))
    if method == DuesPayment.Method.BY_OTHER:
        if paid_by is None:
            bad("paid_by", _("委托他人代交须填写代交的党员(%(cite)s)") % {"cite": _cite("DF-08", paid_on)})
        elif paid_by.pk == member.pk:
            bad("paid_by", _("代交人不能是本人,本人交纳请选“本人交纳”"))
        else:
            if actor is not None:
                from zugong.core.scope import scope_for

                if not scope_for(actor).contains(paid_by.org_path):
                    raise NotInScope
            if paid_by.standing != Member.Standing.NORMAL:
                bad("paid_by", _("代交人应为党籍正常的党员"))
    else:
        paid_by = None
    voluntary = Decimal(voluntary_amount or 0).quantize(rules.FEN)
    if voluntary < 0:
        bad("voluntary_amount", _("自愿多交金额不能为负数"))
    if (first_month is None) != (last_month is None):
        bad("last_month", _("请同时填写所交的首月和末月"))
    months: list[dt.date] = []
    if first_month is not None and last_month is not None:
        first, last = rules.month_start(first_month), rules.month_start(last_month)
        if last < first:
            bad("last_month", _("末月不能早于首月"))
        months = rules.month_range(first, last)
        begin = start_month(member)
        if months and months[0] < begin:
            bad(
                "first_month",
                _("%(name)s从%(m)s起交纳党费(%(cite)s)")
                % {"name": member.name, "m": f"{begin:%Y年%m月}", "cite": _cite("DF-11", begin)},
            )
        if months and months[-1] > rules.quarter_end(paid_on):
            bad(
                "last_month",
                _("党费按月交纳,经党支部同意可按季度交纳,不能预交%(m)s以后的党费(%(cite)s)")
                % {"m": f"{rules.quarter_end(paid_on):%Y年%m月}", "cite": _cite("DF-08", paid_on)},
            )
        back = engine.rule("DF-08", on=paid_on, org=member.org_path)
        max_back = int(back.params["max_back_months"])
        earliest = rules.add_months(rules.month_start(paid_on), -max_back)
        if months and months[0] < earliest and not back_approved_by.strip():
            bad(
                "back_approved_by",
                _("补交%(m)s的党费已超过%(n)d个月(%(cite)s);确需补交的,请填写批准补交的党组织或负责人")
                % {"m": f"{months[0]:%Y年%m月}", "n": max_back, "cite": back.cite},
            )
    elif voluntary <= 0:
        bad("first_month", _("请选择所交的月份,或填写自愿多交的金额"))
    if errors:
        raise ValidationError(errors)
    rows = _ensure_months(member, months) if months else []
    paid = [r for r in rows if r.payment_id is not None]
    if paid:
        raise ValidationError(
            {"first_month": _("%(m)s的党费已交纳") % {"m": "、".join(f"{r.month:%Y年%m月}" for r in paid)}}
        )
    dues_amount = sum((r.amount for r in rows), Decimal("0.00"))
    total = dues_amount + voluntary
    if amount is not None and Decimal(amount).quantize(rules.FEN) != total:
        raise ValidationError(
            {
                "amount": _(
                    "实交金额%(a)s元与应交不符:%(n)d个月应交%(d)s元,自愿多交%(v)s元,合计应为%(t)s元;"
                    "多交的部分请填在“自愿多交”中"
                )
                % {
                    "a": f"{Decimal(amount):.2f}",
                    "n": len(rows),
                    "d": f"{dues_amount:.2f}",
                    "v": f"{voluntary:.2f}",
                    "t": f"{total:.2f}",
                }
            }
        )
    if total <= 0:
        raise ValidationError({"first_month": _("所选月份应交金额为0(已批准免交),无须登记交纳")})
    central = engine.rule("DF-07", on=paid_on, org=member.org_path)
    payment = DuesPayment.objects.create(
        member=member,
        org_id=member.org_id,
        org_path=member.org_path,
        paid_on=paid_on,
        method=method,
        kind=payment_kind(months[0] if months else None, months[-1] if months else None, paid_on),
        paid_by=paid_by,
        first_month=months[0] if months else None,
        last_month=months[-1] if months else None,
        months=len(months),
        dues_amount=dues_amount,
        voluntary_amount=voluntary,
        amount=total,
        to_centre=voluntary >= Decimal(central.params["central_min_amount"]),
        back_approved_by=back_approved_by.strip()[:100],
        collected_by=_user(actor),
        note=note.strip()[:200],
    )
    if rows:
        Dues.objects.filter(pk__in=[r.pk for r in rows]).update(payment=payment, paid_on=paid_on)
    audit.record(
        actor=actor,
        action="dues.pay",
        obj=member,
        org_path=member.org_path,
        after=audit.snapshot(payment, PAYMENT_FIELDS),
    )
    return payment


@transaction.atomic
def dues_pay_month(
    *,
    actor,
    org: Org,
    month: dt.date,
    members: Iterable[Member],
    paid_on: dt.date,
    method: str = DuesPayment.Method.IN_PERSON,
) -> list[DuesPayment]:
    """The ledger's quick entry: each member paid `month` in person on `paid_on`. All or nothing;
    the error names every member whose payment was refused."""
    require(actor, "dues.edit", org.path)
    out: list[DuesPayment] = []
    problems: list[str] = []
    for member in members:
        if not member.org_path.startswith(org.path):
            raise NotInScope
        try:
            with transaction.atomic():
                out.append(
                    dues_payment_record(
                        actor=actor,
                        member=member,
                        paid_on=paid_on,
                        method=method,
                        first_month=month,
                        last_month=month,
                    )
                )
        except ValidationError as exc:
            problems.append(f"{member.name}:" + ";".join(m for ms in exc.message_dict.values() for m in ms))
    if problems:
        raise ValidationError({"members": problems})
    return out


@transaction.atomic
def dues_payment_void(*, actor, payment: DuesPayment, reason: str) -> DuesPayment:
    """Undo a payment entered by mistake: its months are unpaid again; the record is kept."""
    payment = DuesPayment.objects.select_for_update().get(pk=payment.pk)
    require(actor, "dues.edit", payment.org_path)
    if payment.voided_at is not None:
        raise ValidationError({"reason": _("该交纳记录已撤销")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤销原因")})
    Dues.objects.filter(payment=payment).update(payment=None, paid_on=None)
    payment.voided_at = timezone.now()
    payment.voided_by = _user(actor)
    payment.void_reason = reason.strip()[:200]
    payment.save(update_fields=["voided_at", "voided_by", "void_reason"])
    member = payment.member
    _recompute(member, payment.first_month or rules.month_start(payment.paid_on))
    audit.record(
        actor=actor,
        action="dues.void",
        obj=member,
        org_path=payment.org_path,
        before=audit.snapshot(payment, PAYMENT_FIELDS),
        after={"reason": payment.void_reason},
    )
    return payment


def category_label(value: str) -> str:
    return str(Category(value).label) if value in Category.values else value


def describe(payment: DuesPayment) -> dict[str, Any]:
    return audit.snapshot(payment, PAYMENT_FIELDS)
