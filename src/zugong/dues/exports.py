"""Dues exports, with the filters and scope of their pages: a month's ledger (a branch's members, or
every member-month of a committee's subtree), the roll-up by child org, the members in arrears."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core.exporting import Column, Export
from zugong.core.paths import subtree_q
from zugong.dues import rules, selectors
from zugong.dues.models import Dues
from zugong.members.models import Member
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.orgs.selectors import org_roots


class _DuesExport(Export):
    perm = "dues.view"

    def check(self) -> None:
        if self.scope.is_self_only:
            raise PermissionDenied
        super().check()

    def resolve_under(self) -> Org | None:
        code = self.params.get("org", "")
        if code:
            return selectors.dues_org(scope=self.scope, code=code)
        roots = list(org_roots(scope=self.scope)[:2])
        return roots[0] if len(roots) == 1 else None

    @property
    def month(self) -> dt.date:
        current = rules.month_start(timezone.localdate())
        try:
            return min(rules.parse_month(self.params.get("month", "")), current)
        except ValueError:
            return current

    def conditions(self) -> list[tuple[str, str]]:
        out = []
        if self.under is not None:
            out.append((_("组织范围"), f"{self.under.name}({self.under.code})"))
        if "month" in self.param_names:
            out.append((_("月份"), f"{self.month:%Y-%m}"))
        return out


def _status(d: Dues | None, has_base: bool) -> str:
    if d is None:
        return _("未核定基数") if not has_base else _("未生成")
    if d.payment_id:
        return _("已交")
    if d.amount == 0:
        return _("免交")
    return _("未交")


class DuesLedgerExport(_DuesExport):
    """One row per member-month: a branch's ledger as the page shows it (members without a base
    included), or every stored row of a committee's subtree."""

    name = "dues_ledger"
    title = gettext_lazy("党费收缴台账")
    sheet_title = gettext_lazy("党费收缴台账")
    param_names = ("org", "month")

    def subtitle(self) -> str:
        unit = self.under.name if self.under is not None else _("全部")
        return _("党组织:%(u)s    月份:%(m)s    导出日期:%(d)s") % {
            "u": unit,
            "m": f"{self.month:%Y年%m月}",
            "d": timezone.localdate().isoformat(),
        }

    def _is_branch(self) -> bool:
        return self.under is not None and self.under.kind in BRANCH_KINDS

    def count(self) -> int:
        if self._is_branch():
            return len(selectors.ledger(scope=self.scope, org=self.under, month=self.month).rows)
        return self._queryset().count()

    def _queryset(self):
        qs = selectors.dues_in_scope(scope=self.scope).filter(month=self.month)
        if self.under is not None:
            qs = qs.filter(subtree_q(self.under.path, "org_path"))
        return qs.select_related("member", "org", "payment", "payment__paid_by").order_by(
            "org_path", "member__name"
        )

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), lambda r: r[2].code, "text_id"),
            Column(_("党支部"), lambda r: r[2].name),
            Column(_("姓名"), lambda r: r[0].name),
            Column(_("公民身份号码"), lambda r: r[0].id_number_masked, "text_id"),
            Column(_("交纳类别"), lambda r: r[1].get_category_display() if r[1] else ""),
            Column(_("基数(元)"), lambda r: r[1].base if r[1] else None, "money"),
            Column(_("应交(元)"), lambda r: r[1].amount if r[1] else None, "money"),
            Column(_("交纳情况"), lambda r: _status(r[1], r[3])),
            Column(_("交纳日期"), lambda r: r[1].paid_on if r[1] else None, "date"),
            Column(
                _("交纳方式"),
                lambda r: r[1].payment.get_method_display() if r[1] and r[1].payment_id else "",
            ),
            Column(
                _("代交人"),
                lambda r: (
                    r[1].payment.paid_by.name if r[1] and r[1].payment_id and r[1].payment.paid_by_id else ""
                ),
            ),
            Column(_("连续未交月数"), lambda r: r[4], "int"),
            Column(_("依据"), lambda r: r[1].rule_id if r[1] else ""),
        ]

    def rows(self) -> Iterator[list]:
        columns = self.columns()
        if self._is_branch():
            led = selectors.ledger(scope=self.scope, org=self.under, month=self.month)
            for row in led.rows:
                yield [
                    c.value((row.member, row.dues, self.under, row.base is not None, row.arrears))
                    for c in columns
                ]
            return
        as_of = min(timezone.localdate(), rules.add_months(self.month, 1))
        members = Member.objects.filter(standing=Member.Standing.NORMAL).filter(self.scope.path_q("org_path"))
        if self.under is not None:
            members = members.filter(subtree_q(self.under.path, "org_path"))
        runs = selectors.unpaid_runs(members, as_of=as_of)
        for d in self._queryset().iterator(chunk_size=2000):
            record = (d.member, d, d.org, True, runs.get(d.member_id, (0, None))[0])
            yield [c.value(record) for c in columns]


class DuesRollupExport(_DuesExport):
    """The roll-up page: one row per child org and a total."""

    name = "dues_rollup"
    title = gettext_lazy("党费收缴汇总")
    sheet_title = gettext_lazy("党费收缴汇总")
    param_names = ("org", "month")

    def subtitle(self) -> str:
        unit = self.under.name if self.under is not None else _("全部")
        return _("党组织:%(u)s    月份:%(m)s") % {"u": unit, "m": f"{self.month:%Y年%m月}"}

    def check(self) -> None:
        super().check()
        if self.under is None:
            raise PermissionDenied

    def _data(self):
        return selectors.rollup(scope=self.scope, org=self.under, month=self.month)

    def count(self) -> int:
        rows, _total = self._data()
        return len(rows) + 1

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), lambda r: r[0], "text_id"),
            Column(_("党组织"), lambda r: r[1]),
            Column(_("应交(元)"), lambda r: r[2].due, "money"),
            Column(_("已交(元)"), lambda r: r[2].paid, "money"),
            Column(_("未交(元)"), lambda r: r[2].unpaid, "money"),
            Column(_("应交人数"), lambda r: r[2].rows, "int"),
            Column(_("已交人数"), lambda r: r[2].paid_count, "int"),
            Column(_("交纳率(%)"), lambda r: r[2].rate, "int"),
            Column(_("自愿多交(元)"), lambda r: r[2].voluntary, "money"),
            Column(_("其中上缴中央(元)"), lambda r: r[2].to_centre, "money"),
        ]

    def rows(self) -> Iterator[list]:
        rows, total = self._data()
        columns = self.columns()
        for r in rows:
            yield [c.value((r.org.code, r.org.name, r)) for c in columns]
        yield [c.value(("", _("合计"), total)) for c in columns]


class DuesArrearsExport(_DuesExport):
    """The arrears list: DF-13 warnings and GX-05 (党章第九条) cases, with their rule and article."""

    name = "dues_arrears"
    title = gettext_lazy("欠交党费党员名单")
    sheet_title = gettext_lazy("欠交党费党员名单")
    param_names = ("org", "as_of", "status")

    @property
    def as_of(self) -> dt.date:
        try:
            return dt.date.fromisoformat(self.params.get("as_of", ""))
        except ValueError:
            return timezone.localdate()

    def subtitle(self) -> str:
        unit = self.under.name if self.under is not None else _("全部")
        return _("党组织:%(u)s    截至:%(d)s") % {"u": unit, "d": self.as_of.isoformat()}

    def conditions(self) -> list[tuple[str, str]]:
        out = [*super().conditions(), (_("截至"), self.as_of.isoformat())]
        if self.params.get("status"):
            out.append((_("状态"), self.params["status"]))
        return out

    def _data(self) -> list[selectors.ArrearsRow]:
        status = self.params.get("status", "")
        rows = selectors.arrears(
            scope=self.scope, under=self.under, as_of=self.as_of, include_warned=status != "flagged"
        )
        return [r for r in rows if r.status == "warned"] if status == "warned" else rows

    def count(self) -> int:
        return len(self._data())

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), lambda r: r.member.org.code, "text_id"),
            Column(_("党支部"), lambda r: r.member.org.name),
            Column(_("姓名"), lambda r: r.member.name),
            Column(_("公民身份号码"), lambda r: r.member.id_number_masked, "text_id"),
            Column(_("连续未交月数"), lambda r: r.months, "int"),
            Column(_("起始月份"), lambda r: f"{r.since:%Y-%m}"),
            Column(_("状态"), lambda r: r.status_label),
            Column(_("规则"), lambda r: r.rule_id),
            Column(_("条款"), lambda r: r.article),
        ]

    def rows(self) -> Iterator[list]:
        columns = self.columns()
        for r in self._data():
            yield [c.value(r) for c in columns]
