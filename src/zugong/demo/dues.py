"""Demo dues for `zugong seed`: a base for every member in good standing (category from the 人员类别,
amounts from the rule packs through dues.services.compute), the monthly rows of the last few months
and the payments that make a believable county: most members pay monthly, mobile members quarterly,
some through another member, a few voluntary amounts, and a small share in arrears (DF-13 warnings
and GX-05 cases: their dues were set up months ago and nothing was paid since, which is all the
arrears need; no rows are written for months before the window). Deterministic for a seed and date.

Written as plain multi-row INSERTs of tuples (like the rest of the seed), not through the services:
the rows are what the services would write, without an audit entry per payment. Only the first
`MAX_MEMBERS` members (by tree path: the first county of a city or province) get dues, so a
province-sized seed does not grow by tens of millions of rows.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from zugong.core.importing import bulk
from zugong.dues import rules
from zugong.dues.models import Category, Dues, DuesBase, DuesPayment
from zugong.dues.services import Computed, base_in_force, compute, payment_kind
from zugong.members.models import Member
from zugong.rules import engine

WINDOW = 3  # months of rows before the as-of month
BATCH = 5000
MAX_MEMBERS = 40_000
ROWS_PER_INSERT = 500


def _category(code: str, rng: random.Random) -> tuple[str, Decimal | None, Decimal | None]:
    if code.startswith("2"):
        return Category.FARMER, None, rng.choice((Decimal("0.20"), Decimal("0.50"), Decimal("1.00")))
    if code.startswith("6"):
        return Category.STUDENT, None, None
    if code.startswith("8"):
        return Category.RETIREE, Decimal(rng.randrange(2200, 8200, 10)), None
    if code.startswith("7"):
        if rng.random() < 0.15:
            return Category.UNEMPLOYED, None, None
        return Category.SELF_EMPLOYED, Decimal(rng.randrange(1800, 7000, 10)), None
    if code.startswith("4") and rng.random() < 0.08:
        return Category.ANNUAL_SALARY, Decimal(rng.randrange(9000, 26000, 100)), None
    return Category.IN_SERVICE, Decimal(rng.randrange(2600, 13000, 10)), None


class _Table:
    """Rows as tuples into one table: COPY on PostgreSQL, multi-row INSERTs on SQLite (Decimal and
    datetime as text there)."""

    def __init__(self, model, columns: list[str]) -> None:
        quote = connection.ops.quote_name
        self.prefix = "INSERT INTO {} ({}) VALUES ".format(
            quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
        )
        self.one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        self.model, self.columns = model, columns
        self.rows: list[tuple] = []
        self.count = 0
        self.text = connection.vendor == "sqlite"

    def add(self, *values) -> None:
        if self.text:
            values = tuple(
                str(v)
                if isinstance(v, Decimal)
                else v.isoformat(sep=" ")
                if isinstance(v, dt.datetime)
                else v
                for v in values
            )
        self.rows.append(values)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows and bulk.is_postgres():
            bulk.copy_rows(self.model, self.columns, self.rows)
            self.count += len(self.rows)
            self.rows = []
        if self.rows:
            with connection.cursor() as cursor:
                # one statement per ROWS_PER_INSERT rows: a round trip per row is what makes
                # executemany slow on PostgreSQL
                for start in range(0, len(self.rows), ROWS_PER_INSERT):
                    chunk = self.rows[start : start + ROWS_PER_INSERT]
                    cursor.execute(
                        self.prefix + ", ".join([self.one] * len(chunk)), [v for row in chunk for v in row]
                    )
            self.count += len(self.rows)
            self.rows = []


def seed_dues(*, as_of: dt.date, seed: int = 2026) -> dict[str, int]:
    """Bases, monthly rows and payments for members in good standing; returns the counts."""
    rng = random.Random(f"dues-{seed}")
    current = rules.month_start(as_of)
    months = rules.month_range(rules.add_months(current, -WINDOW), current)
    central = Decimal(engine.rule("DF-07", on=current).params["central_min_amount"])
    now = timezone.now()
    bases = _Table(
        DuesBase, ["member_id", "category", "base", "fixed_amount", "effective_from", "note", "recorded_at"]
    )
    dues = _Table(
        Dues,
        ["member_id", "month", "org_id", "org_path", "category", "base", "amount", "rule_id", "rule_version",
         "payment_id", "paid_on"],
    )  # fmt: skip
    payments = _Table(
        DuesPayment,
        ["id", "member_id", "org_id", "org_path", "paid_on", "method", "kind", "paid_by_id", "first_month",
         "last_month", "months", "dues_amount", "voluntary_amount", "amount", "to_centre", "back_approved_by",
         "note", "recorded_at", "void_reason"],
    )  # fmt: skip
    next_id = (DuesPayment.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    memo: dict[tuple, Computed | None] = {}
    previous: dict[int, int] = {}  # org → the last member seen: who pays on a neighbour's behalf
    rows = (
        Member.objects.filter(standing=Member.Standing.NORMAL)
        .order_by("org_path", "id")
        .values_list("id", "org_id", "org_path", "joined_on", "category", "is_mobile")[:MAX_MEMBERS]
    )
    for pk, org_id, org_path, joined_on, code, is_mobile in rows.iterator(chunk_size=BATCH):
        payer = previous.get(org_id)
        previous[org_id] = pk
        joined = rules.month_start(joined_on)
        r = rng.random()
        unpaid = rng.randrange(6, 9) if r < 0.015 else rng.randrange(3, 6) if r < 0.05 else 0
        # in arrears: dues set up `unpaid` months before this one and nothing paid since
        start = max(joined, rules.add_months(current, -unpaid) if unpaid else months[0])
        if start > current:
            continue
        category, base, fixed = _category(code or "", rng)
        own = [DuesBase(category=category, base=base, fixed_amount=fixed, effective_from=start)]
        bases.add(pk, category, base, fixed, start, "", now)
        if base is not None and not unpaid and rng.random() < 0.12:  # a raise (DF-06)
            raised = rules.add_months(current, -rng.randrange(0, WINDOW))
            if raised > start:
                new = (base * Decimal("1.08")).quantize(Decimal("1"))
                own.append(DuesBase(category=category, base=new, fixed_amount=fixed, effective_from=raised))
                bases.add(pk, category, new, fixed, raised, "调资", now)
        owed: list[tuple[dt.date, Computed]] = []
        for month in months:
            b = base_in_force(own, month)
            if b is None:
                continue
            key = (b.category, b.base, b.fixed_amount, month)
            if key not in memo:  # a county has a few thousand distinct bases: ask the rules once each
                memo[key] = compute(month, [b], [])
            c = memo[key]
            if c is not None:
                owed.append((month, c))
        paying = [] if unpaid else [x for x in owed if x[0] < current or rng.random() < 0.65]
        quarterly = is_mobile and rng.random() < 0.7
        groups: list[list[tuple[dt.date, Computed]]] = []
        for item in paying:
            if quarterly and groups and _quarter(groups[-1][0][0]) == _quarter(item[0]):
                groups[-1].append(item)
            else:
                groups.append([item])
        by_other = payer is not None and rng.random() < 0.06
        paid: dict[dt.date, tuple[int, dt.date]] = {}
        for group in groups:
            first, last = group[0][0], group[-1][0]
            paid_on = min(as_of, first + dt.timedelta(days=rng.randrange(2, 26)))
            total = sum((c.amount for _m, c in group), Decimal("0.00"))
            voluntary = (
                Decimal(rng.choice((100, 200, 500, 1000, 2000))) if rng.random() < 0.004 else Decimal("0.00")
            )
            if total + voluntary <= 0:
                continue
            payments.add(
                next_id, pk, org_id, org_path, paid_on,
                DuesPayment.Method.BY_OTHER if by_other else DuesPayment.Method.IN_PERSON,
                payment_kind(first, last, paid_on), payer if by_other else None, first, last, len(group),
                total, voluntary, total + voluntary, voluntary >= central, "", "", now, "",
            )  # fmt: skip
            for month, _c in group:
                paid[month] = (next_id, paid_on)
            next_id += 1
        for month, c in owed:
            payment_id, paid_on = paid.get(month, (None, None))
            dues.add(
                pk, month, org_id, org_path, c.category, c.base, c.amount, c.rule_id, c.rule_version,
                payment_id, paid_on,
            )  # fmt: skip
    bases.flush()
    payments.flush()  # before the rows that point at them
    dues.flush()
    statements = connection.ops.sequence_reset_sql(no_style(), [DuesPayment])
    if statements:  # payments were written with their ids (PostgreSQL: move the sequence past them)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    return {"bases": bases.count, "dues": dues.count, "payments": payments.count}


def _quarter(month: dt.date) -> tuple[int, int]:
    return month.year, (month.month - 1) // 3
