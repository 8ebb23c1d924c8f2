"""Scoped reads of the dues module: a branch's monthly ledger, a committee's roll-up by child org,
the members in arrears, one member's dues history.

Everything starts from the account's scope (`dues.view`, or a member's own record). Sums are
set-based: the roll-up is one GROUP BY over the month's rows of a subtree (a range scan on
`(month, org_path)`), the arrears one query over the subtree's members with their latest settled
month as a subquery; nothing loops over members issuing queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from zugong.core.exceptions import NotInScope
from zugong.core.paths import subtree_q
from zugong.core.scope import Scope
from zugong.dues import rules
from zugong.dues.models import Dues, DuesBase, DuesPayment, DuesRelief
from zugong.dues.services import base_in_force
from zugong.members.models import Member
from zugong.orgs.models import Org

ZERO = Decimal("0.00")


def _money() -> DecimalField:
    return DecimalField(max_digits=14, decimal_places=2)


def dues_in_scope(*, scope: Scope) -> QuerySet[Dues]:
    if scope.is_self_only:
        return Dues.objects.filter(member_id=scope.member_id) if scope.member_id else Dues.objects.none()
    return scope.filter(Dues.objects.all(), field="org_path", perm="dues.view")


def payments_in_scope(*, scope: Scope) -> QuerySet[DuesPayment]:
    if scope.is_self_only:
        qs = DuesPayment.objects.all()
        return qs.filter(member_id=scope.member_id) if scope.member_id else qs.none()
    return scope.filter(DuesPayment.objects.all(), field="org_path", perm="dues.view")


def dues_org(*, scope: Scope, code: str) -> Org:
    """An org the account may see dues of (404 otherwise)."""
    if not scope.has("dues.view") or not code:
        raise NotInScope
    org = Org.objects.filter(code=code).first()
    if org is None or not scope.contains(org.path):
        raise NotInScope
    return org


def dues_member(*, scope: Scope, pk: int) -> Member:
    """A member whose dues the account may see: in its subtree, or itself for the member role."""
    qs = Member.objects.select_related("org")
    if scope.is_self_only:
        if scope.member_id != pk:
            raise NotInScope
        member = qs.filter(pk=pk).first()
    else:
        if not scope.has("dues.view"):
            raise NotInScope
        member = qs.filter(scope.path_q("org_path"), pk=pk).first()
    if member is None:
        raise NotInScope
    return member


def paid_through(member: Member) -> dt.date | None:
    """The latest month the member has paid for: 党费已交到X年X月 on a 组织关系介绍信."""
    return (
        Dues.objects.filter(member=member, payment__isnull=False)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def last_ended_month(as_of: dt.date) -> dt.date:
    """The latest month that has ended by `as_of` (a month counts as unpaid only once it is over)."""
    return rules.add_months(rules.month_start(as_of), -1)


# -- arrears -----------------------------------------------------------------------------------------
@dataclass
class ArrearsRow:
    member: Member
    months: int
    since: dt.date
    status: str  # "" | "warned" | "flagged"
    rule_id: str = ""
    cite: str = ""
    article: str = ""

    @property
    def status_label(self) -> str:
        from django.utils.translation import gettext as _

        return {"warned": _("提醒"), "flagged": _("视为自行脱党")}.get(self.status, "")


def _settled_month(month_filter: Q | None = None):
    """The latest month a member has paid for, as a subquery over Dues."""
    qs = Dues.objects.filter(member=OuterRef("pk"), payment__isnull=False)
    if month_filter is not None:
        qs = qs.filter(month_filter)
    return Subquery(qs.order_by("-month").values("month")[:1])


def unpaid_runs(members: QuerySet[Member], *, as_of: dt.date) -> dict[int, tuple[int, dt.date | None]]:
    """For each member of `members` (with a base): the consecutive months unpaid up to the last
    month ended by `as_of`, and the first of them. A paid month ends a run; so does a month exempt
    under an approved relief (DF-10), which is not owed. Members without a base are left out: their
    dues were never set up, which the ledger shows as its own problem."""
    last = last_ended_month(as_of)
    rows = (
        members.filter(joined_on__lt=rules.add_months(last, 1))
        .annotate(
            first_base=Subquery(
                DuesBase.objects.filter(member=OuterRef("pk"))
                .order_by("effective_from")
                .values("effective_from")[:1]
            ),
            settled=_settled_month(Q(month__lte=last)),
        )
        .filter(first_base__isnull=False, first_base__lte=last)
        .values_list("pk", "joined_on", "first_base", "settled")
    )
    found: dict[int, list] = {}
    for pk, joined_on, first_base, settled in rows.iterator(chunk_size=5000):
        start = max(rules.month_start(joined_on), first_base)
        if settled is not None and settled >= start:
            start = rules.add_months(settled, 1)
        found[pk] = [start]
    if not found:
        return {}
    # Exempt months (an approved 免交) are not owed: a run starts after the latest one before `last`.
    for relief in DuesRelief.objects.filter(
        member_id__in=list(found), kind=DuesRelief.Kind.EXEMPT, start_month__lte=last
    ).only("member_id", "start_month", "end_month"):
        end = min(relief.end_month or last, last)
        if end >= found[relief.member_id][0]:
            found[relief.member_id][0] = rules.add_months(end, 1)
    out: dict[int, tuple[int, dt.date | None]] = {}
    for pk, (start,) in found.items():
        n = rules.months_between(start, last) + 1 if start <= last else 0
        out[pk] = (n, start if n else None)
    return out


def arrears(
    *, scope: Scope, under: Org | None, as_of: dt.date, include_warned: bool = True
) -> list[ArrearsRow]:
    """Members in arrears at `as_of`: DF-13's warning months or more unpaid (or only those flagged
    under GX-05/党章第九条 with `include_warned=False`), by org then name."""
    if not scope.has("dues.view"):
        raise NotInScope
    members = Member.objects.filter(standing=Member.Standing.NORMAL).filter(scope.path_q("org_path"))
    if under is not None:
        if not scope.contains(under.path):
            raise NotInScope
        members = members.filter(subtree_q(under.path, "org_path"))
    thresholds = rules.arrears_rules(on=as_of, org=under.path if under is not None else None)
    runs = unpaid_runs(members, as_of=as_of)
    floor = thresholds.warn_months if include_warned else thresholds.lapse_months
    ids = [pk for pk, (n, _since) in runs.items() if n >= floor]
    out = []
    for m in Member.objects.filter(pk__in=ids).select_related("org").order_by("org_path", "name", "pk"):
        n, since = runs[m.pk]
        status = thresholds.status(n)
        rule = thresholds.rule_for(status)
        out.append(ArrearsRow(m, n, since or as_of, status, rule.rule_id, rule.cite, rules.article_of(rule)))
    return out


# -- a branch's monthly ledger -----------------------------------------------------------------------
@dataclass
class LedgerRow:
    member: Member
    dues: Dues | None
    base: DuesBase | None  # the base in force when the month has no row yet
    arrears: int = 0
    moved: bool = False  # the row belongs to this branch, the member has since left it

    @property
    def category(self) -> str:
        if self.dues is not None:
            return self.dues.get_category_display()
        return self.base.get_category_display() if self.base is not None else ""


@dataclass
class Ledger:
    org: Org
    month: dt.date
    rows: list[LedgerRow]
    due: Decimal = ZERO
    paid: Decimal = ZERO
    unpaid: Decimal = ZERO
    paid_count: int = 0
    unpaid_count: int = 0
    no_base: int = 0
    in_arrears: int = 0
    flagged: int = 0
    as_of: dt.date = field(default_factory=timezone.localdate)


def ledger(*, scope: Scope, org: Org, month: dt.date) -> Ledger:
    """Every member of the branch for `month`: the stored row (due, paid) or, without one, the base
    in force; and the consecutive unpaid months as of the month's end (or today)."""
    if not scope.has("dues.view") or not scope.contains(org.path):
        raise NotInScope
    month = rules.month_start(month)
    month_end = rules.add_months(month, 1)
    today = timezone.localdate()
    as_of = min(today, month_end)
    rows_by_member = {
        d.member_id: d
        for d in Dues.objects.filter(org=org, month=month).select_related(
            "member", "payment", "payment__paid_by"
        )
    }
    members = list(
        Member.objects.filter(org=org, standing=Member.Standing.NORMAL, joined_on__lt=month_end).order_by(
            "name", "pk"
        )
    )
    member_ids = {m.pk for m in members}
    missing = [m.pk for m in members if m.pk not in rows_by_member]
    bases: dict[int, list[DuesBase]] = {}
    if missing:
        for b in DuesBase.objects.filter(member_id__in=missing, effective_from__lte=month):
            bases.setdefault(b.member_id, []).append(b)
    thresholds = rules.arrears_rules(on=as_of, org=org.path)
    runs = unpaid_runs(Member.objects.filter(pk__in=member_ids | set(rows_by_member)), as_of=as_of)
    out = Ledger(org=org, month=month, rows=[], as_of=as_of)
    for m in members:
        d = rows_by_member.get(m.pk)
        out.rows.append(LedgerRow(m, d, None if d else base_in_force(bases.get(m.pk, []), month)))
    for pk, d in rows_by_member.items():
        if pk not in member_ids:
            out.rows.append(LedgerRow(d.member, d, None, moved=True))
    for row in out.rows:
        row.arrears = runs.get(row.member.pk, (0, None))[0]
        if row.dues is not None:
            out.due += row.dues.amount
            if row.dues.payment_id:
                out.paid += row.dues.amount
                out.paid_count += 1
            else:
                out.unpaid += row.dues.amount
                out.unpaid_count += 1
        elif row.base is None:
            out.no_base += 1
        if not row.moved and row.arrears >= thresholds.warn_months:
            out.in_arrears += 1
            if row.arrears >= thresholds.lapse_months:
                out.flagged += 1
    return out


# -- a committee's roll-up ---------------------------------------------------------------------------
@dataclass
class RollupRow:
    org: Org
    due: Decimal = ZERO
    paid: Decimal = ZERO
    rows: int = 0
    paid_count: int = 0
    voluntary: Decimal = ZERO
    to_centre: Decimal = ZERO

    @property
    def unpaid(self) -> Decimal:
        return self.due - self.paid

    @property
    def unpaid_count(self) -> int:
        return self.rows - self.paid_count

    @property
    def rate(self) -> int | None:
        """Per cent of the month's members who have paid."""
        return round(100 * self.paid_count / self.rows) if self.rows else None


def rollup(*, scope: Scope, org: Org, month: dt.date) -> tuple[list[RollupRow], RollupRow]:
    """The month's due and paid per child org of `org` (and a total): one GROUP BY over the
    subtree's rows by the child's path prefix, one over the month's payments for voluntary sums."""
    if not scope.has("dues.view") or not scope.contains(org.path):
        raise NotInScope
    month = rules.month_start(month)
    children = list(
        Org.objects.filter(
            path__gt=org.path, path__lt=org.path + "~", depth=org.depth + 1, is_active=True
        ).order_by("path")
    )
    width = len(org.path) + Org.steplen
    sums = (
        Dues.objects.filter(subtree_q(org.path, "org_path"), month=month)
        .annotate(child=Substr("org_path", 1, width))
        .values("child")
        .annotate(
            due=Coalesce(Sum("amount"), Value(ZERO), output_field=_money()),
            paid=Coalesce(Sum("amount", filter=Q(payment__isnull=False)), Value(ZERO), output_field=_money()),
            n=Count("id"),
            n_paid=Count("id", filter=Q(payment__isnull=False)),
        )
    )
    by_child: dict[str, dict[str, Any]] = {s["child"]: dict(s) for s in sums}
    month_end = rules.add_months(month, 1)
    extra = (
        DuesPayment.objects.filter(
            subtree_q(org.path, "org_path"),
            paid_on__gte=month,
            paid_on__lt=month_end,
            voided_at__isnull=True,
            voluntary_amount__gt=0,
        )
        .annotate(child=Substr("org_path", 1, width))
        .values("child")
        .annotate(
            voluntary=Sum("voluntary_amount"),
            central=Coalesce(
                Sum("voluntary_amount", filter=Q(to_centre=True)), Value(ZERO), output_field=_money()
            ),
        )
    )
    by_child_extra: dict[str, dict[str, Any]] = {s["child"]: dict(s) for s in extra}
    out = []
    total = RollupRow(org=org)
    for child in children:
        s = by_child.get(child.path, {})
        e = by_child_extra.get(child.path, {})
        row = RollupRow(
            child,
            due=s.get("due", ZERO),
            paid=s.get("paid", ZERO),
            rows=s.get("n", 0),
            paid_count=s.get("n_paid", 0),
            voluntary=e.get("voluntary") or ZERO,
            to_centre=e.get("central") or ZERO,
        )
        out.append(row)
    for s in by_child.values():
        total.due += s["due"]
        total.paid += s["paid"]
        total.rows += s["n"]
        total.paid_count += s["n_paid"]
    for e in by_child_extra.values():
        total.voluntary += e["voluntary"] or ZERO
        total.to_centre += e["central"] or ZERO
    return out, total


# -- one member --------------------------------------------------------------------------------------
@dataclass
class MemberDues:
    member: Member
    bases: list[DuesBase]
    reliefs: list[DuesRelief]
    months: list[Dues]
    payments: list[DuesPayment]
    arrears: int
    arrears_since: dt.date | None
    current: DuesBase | None


def member_dues(*, scope: Scope, member: Member, months: int = 24) -> MemberDues:
    """Bases, reliefs, the last `months` months and the payments of a member the scope may see."""
    if scope.is_self_only:
        if scope.member_id != member.pk:
            raise NotInScope
    elif not scope.has("dues.view") or not scope.contains(member.org_path):
        raise NotInScope
    today = timezone.localdate()
    bases = list(
        DuesBase.objects.filter(member=member).select_related("recorded_by").order_by("-effective_from")
    )
    reliefs = list(
        DuesRelief.objects.filter(member=member).select_related("approving_org").order_by("-start_month")
    )
    since = rules.add_months(rules.month_start(today), -months + 1)
    rows = list(
        Dues.objects.filter(member=member, month__gte=since)
        .select_related("payment", "org")
        .order_by("-month")
    )
    payments = list(
        DuesPayment.objects.filter(member=member)
        .select_related("paid_by", "collected_by")
        .order_by("-paid_on", "-id")
    )
    n, start = unpaid_runs(Member.objects.filter(pk=member.pk), as_of=today).get(member.pk, (0, None))
    return MemberDues(
        member, bases, reliefs, rows, payments, n, start, base_in_force(bases, rules.month_start(today))
    )


def members_without_base(*, org: Org) -> QuerySet[Member]:
    return Member.objects.filter(org=org, standing=Member.Standing.NORMAL).exclude(
        Exists(DuesBase.objects.filter(member=OuterRef("pk")))
    )


__all__ = [
    "ArrearsRow",
    "Ledger",
    "LedgerRow",
    "MemberDues",
    "RollupRow",
    "arrears",
    "dues_in_scope",
    "dues_member",
    "dues_org",
    "ledger",
    "member_dues",
    "payments_in_scope",
    "rollup",
    "unpaid_runs",
]
