"""Importing dues payments (back-filling a paper 党费收缴登记表): one row a payment, the member found
by 公民身份号码 (the name must match), the months it covers, the amount and how it was paid.

Each row is checked by the payment service itself inside a savepoint that is rolled back, so the
file meets exactly the rules of the form (DF-07/08/09/11, the amount equal to the months' dues plus
any voluntary amount); the commit writes the rows through the same service in the import's single
transaction: all-or-nothing by default. A row whose months are already paid by a payment of the same
day and amount is unchanged, so importing a file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core import crypto
from zugong.core.importing.pipeline import Column, Importer, ImportRefused, Problem, WriteResult
from zugong.core.scope import scope_for
from zugong.dues import rules, services
from zugong.dues.models import Dues, DuesPayment
from zugong.members.models import Member

METHODS = {
    "本人交纳": DuesPayment.Method.IN_PERSON,
    "本人": DuesPayment.Method.IN_PERSON,
    "当面交纳": DuesPayment.Method.IN_PERSON,
    "in_person": DuesPayment.Method.IN_PERSON,
    "委托他人代交": DuesPayment.Method.BY_OTHER,
    "委托代交": DuesPayment.Method.BY_OTHER,
    "他人代交": DuesPayment.Method.BY_OTHER,
    "代交": DuesPayment.Method.BY_OTHER,
    "by_other": DuesPayment.Method.BY_OTHER,
}
# Spellings of an organization paying or deducting (DF-09): refused with the rule, not "unknown".
ORG_WORDS = ("垫交", "扣缴", "代扣", "工资扣", "支部代")
FIELD_COLUMNS = {
    "first_month": "first_month",
    "last_month": "last_month",
    "paid_on": "paid_on",
    "method": "method",
    "paid_by": "paid_by",
    "amount": "amount",
    "voluntary_amount": "voluntary_amount",
    "back_approved_by": "back_approved_by",
}


class _Rollback(Exception):
    pass


class DuesImporter(Importer):
    name = "dues"
    title = gettext_lazy("党费交纳记录")
    batch_size = 500
    columns = [
        Column("name", "姓名", (), required=True, example="张三"),
        Column(
            "id_number",
            "公民身份号码",
            ("身份证号", "身份证号码", "公民身份证号"),
            kind="id_number",
            required=True,
            example="140525198503140012",
        ),
        Column(
            "first_month",
            "所交首月",
            ("起始月份", "交纳月份", "月份", "所属月份"),
            kind="month",
            help="年-月,如 2026-01;只交自愿多交时可空",
            example="2026-01",
        ),
        Column(
            "last_month", "所交末月", ("截止月份",), kind="month", help="不填为与首月相同", example="2026-03"
        ),
        Column("paid_on", "交纳日期", ("缴纳日期", "日期"), kind="date", required=True, example="2026-03-05"),
        Column(
            "amount",
            "实交金额",
            ("金额", "交纳金额", "实交金额(元)", "金额(元)"),
            required=True,
            help="应等于所交月份的应交合计加自愿多交",
            example="135.00",
        ),
        Column("voluntary_amount", "自愿多交", ("自愿多交金额", "多交金额"), example=""),
        Column(
            "method",
            "交纳方式",
            ("方式",),
            help="本人交纳 或 委托他人代交;党组织不得垫交或扣缴",
            example="本人交纳",
        ),
        Column(
            "paid_by", "代交人", ("代交人姓名",), help="委托他人代交时填写同一党支部的党员姓名", example=""
        ),
        Column("back_approved_by", "超期补交批准人", ("补交批准人",), example=""),
        Column("note", "备注", ("说明",), example=""),
    ]
    notes = [
        gettext_lazy(
            "一行一次交纳。党员按公民身份号码查找,姓名须一致;所交月份按党员登记的党费基数计算应交金额。"
        ),
        gettext_lazy(
            "补交超过规定月数(DF-08)的须填写超期补交批准人;一次自愿多交达到规定金额的全部上缴中央(DF-07),系统自动标记。"
        ),
        gettext_lazy("所交月份已由同日同金额的交纳记录登记的行视为相同,再次导入不重复登记。"),
    ]

    def __init__(self, *, actor, update: bool = False, **options: Any) -> None:
        super().__init__(actor=actor, update=update, **options)
        self.scope = scope_for(actor) if actor is not None else None
        self.claimed: dict[int, dict[Any, int]] = {}

    def prepare(self) -> None:
        if self.scope is not None and not self.scope.has("dues.edit"):
            raise ImportRefused(_("该账号没有登记党费的权限,不能导入党费交纳记录"))

    def check_batch(self, rows: list[dict[str, Any]]) -> dict[int, list[Problem]]:
        rows = [row for row in rows if "_bad" not in row]
        hashes = {crypto.blind_index(row["id_number"]): row for row in rows}
        members = {
            m.id_number_hash: m
            for m in Member.objects.filter(id_number_hash__in=list(hashes)).select_related("org")
        }
        out: dict[int, list[Problem]] = {}
        for row in rows:
            problems = self._check(row, members.get(crypto.blind_index(row["id_number"])))
            if problems:
                out[row["_line"]] = problems
        return out

    def _payer(self, member: Member, name: str) -> Member | None:
        found = list(
            Member.objects.filter(org_id=member.org_id, name=name, standing=Member.Standing.NORMAL)[:2]
        )
        return found[0] if len(found) == 1 else None

    def _check(self, row: dict[str, Any], member: Member | None) -> list[Problem]:
        line = row["_line"]
        if member is None:
            return [
                self.problem(
                    line, "id_number", crypto.mask_id_number(row["id_number"]), _("系统中没有这名党员")
                )
            ]
        if self.scope is not None and not self.scope.contains(member.org_path):
            return [
                self.problem(line, "id_number", member.id_number_masked, _("该党员不在本账号的管理范围内"))
            ]
        if "".join(row["name"].split()) != member.name:
            return [
                self.problem(
                    line, "name", row["name"], _("与公民身份号码登记的姓名“%(n)s”不一致") % {"n": member.name}
                )
            ]
        try:
            amount = rules.money(row["amount"])
            voluntary = (
                rules.money(row["voluntary_amount"]) if row.get("voluntary_amount") else Decimal("0.00")
            )
        except ValueError as exc:
            key = (
                "amount"
                if "voluntary_amount" not in row or not row.get("voluntary_amount")
                else "voluntary_amount"
            )
            return [self.problem(line, key, row.get(key), str(exc))]
        raw_method = (row.get("method") or "本人交纳").strip()
        if any(word in raw_method for word in ORG_WORDS):
            method = "deduct"  # the service refuses it, citing DF-09
        else:
            method = METHODS.get(raw_method, raw_method)
        paid_by = None
        if method == DuesPayment.Method.BY_OTHER and row.get("paid_by"):
            paid_by = self._payer(member, row["paid_by"].strip())
            if paid_by is None:
                return [
                    self.problem(
                        line,
                        "paid_by",
                        row["paid_by"],
                        _("%(o)s没有这名党员(或有重名)") % {"o": member.org.name},
                    )
                ]
        first = row.get("first_month")
        last = row.get("last_month") or first
        if first is None and row.get("last_month"):
            return [self.problem(line, "first_month", "", _("填写了末月时须填写首月"))]
        months = rules.month_range(first, last) if first and last and last >= first else []
        claimed = self.claimed.setdefault(member.pk, {})
        for m in months:
            if m in claimed:
                return [
                    self.problem(
                        line, "first_month", f"{first:%Y-%m}", _("与第%(n)d行的月份重叠") % {"n": claimed[m]}
                    )
                ]
        kwargs = {
            "member": member,
            "paid_on": row["paid_on"],
            "method": method,
            "first_month": first,
            "last_month": last,
            "paid_by": paid_by,
            "voluntary_amount": voluntary,
            "amount": amount,
            "back_approved_by": row.get("back_approved_by") or "",
            "note": row.get("note") or "",
        }
        if self._same(member, months, row["paid_on"], amount):
            row["_action"] = "same"
        else:
            try:
                with transaction.atomic():
                    services.dues_payment_record(actor=self.actor, **kwargs)
                    raise _Rollback
            except _Rollback:
                pass
            except ValidationError as exc:
                field, messages = next(iter(exc.message_dict.items()))
                column = FIELD_COLUMNS.get(field, "")
                return [self.problem(line, column, row.get(column) if column else "", "".join(messages))]
            row["_action"] = "create"
        for m in months:
            claimed[m] = line
        row["_kwargs"] = {**kwargs, "member": member.pk, "paid_by": paid_by.pk if paid_by else None}
        return []

    @staticmethod
    def _same(member: Member, months: list, paid_on, amount: Decimal) -> bool:
        """Already imported: the months are paid by a payment of this day and amount."""
        payments = DuesPayment.objects.filter(
            member=member, paid_on=paid_on, amount=amount, voided_at__isnull=True
        )
        if not months:
            return payments.filter(months=0).exists()
        rows = Dues.objects.filter(member=member, month__in=months, payment__in=payments)
        return rows.count() == len(months)

    def write(self, rows: Iterable[dict[str, Any]]) -> WriteResult:
        result = WriteResult()
        for row in rows:
            if row["_action"] == "same":
                result.unchanged += 1
                continue
            kwargs = dict(row["_kwargs"])
            kwargs["member"] = Member.objects.get(pk=kwargs["member"])
            kwargs["paid_by"] = Member.objects.get(pk=kwargs["paid_by"]) if kwargs["paid_by"] else None
            services.dues_payment_record(actor=self.actor, **kwargs)
            result.imported += 1
        return result
