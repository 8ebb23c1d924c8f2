"""The 组织关系转接 list as .xlsx: the page's scope, org, tab and filters."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core.exporting import Column, Export
from zugong.members import transfers, transfers_selectors
from zugong.members.models import Transfer
from zugong.orgs.models import Org


def _days_left(t: Transfer) -> int | None:
    return (t.valid_until - dt.date.today()).days if t.state == Transfer.State.PENDING else None


def _flag(t: Transfer) -> str:
    if transfers.is_overdue(t):
        return _("逾期未接收")
    if transfers.needs_sender(t):
        return _("被退回待处理")
    return ""


class TransferExport(Export):
    name = "transfers"
    title = gettext_lazy("组织关系转接")
    perm = "transfer.view"
    param_names = ("org", "tab", "q", "kind")

    def check(self) -> None:
        if self.scope.is_self_only:
            raise PermissionDenied
        super().check()

    def resolve_under(self) -> Org | None:
        return transfers_selectors.resolve_under(scope=self.scope, code=self.params.get("org", ""))

    @property
    def filters(self) -> transfers_selectors.TransferFilters:
        return transfers_selectors.TransferFilters.from_mapping(self.params)

    def queryset(self) -> QuerySet[Transfer]:
        return transfers_selectors.transfer_list(scope=self.scope, under=self.under, filters=self.filters)

    def columns(self) -> list[Column]:
        kinds = dict(Transfer.Kind.choices)
        states = dict(Transfer.State.choices)
        return [
            Column(_("姓名"), "member.name"),
            Column(_("公民身份号码"), "member.id_number_masked", "text_id"),
            Column(_("转接类型"), lambda t: str(kinds.get(t.kind, t.kind))),
            Column(_("转出党组织"), "from_name"),
            Column(_("接收党组织"), "to_name"),
            Column(_("跨省"), "cross_province", "bool"),
            Column(_("介绍信编号"), "letter_number", "text_id"),
            Column(_("开具日期"), "issued_on", "date"),
            Column(_("有效期至"), "valid_until", "date"),
            Column(_("剩余天数"), _days_left, "int"),
            Column(_("状态"), lambda t: str(states.get(t.state, t.state))),
            Column(_("提醒"), _flag),
            Column(_("接收日期"), "received_on", "date"),
            Column(_("回执编号"), "receipt_number", "text_id"),
            Column(_("退回日期"), "returned_on", "date"),
            Column(_("退回原因"), "return_reason"),
            Column(_("转接原因"), "reason"),
        ]

    def conditions(self) -> list[tuple[str, str]]:
        out = []
        if self.under is not None:
            out.append((_("组织范围"), f"{self.under.name}({self.under.code})"))
        tabs = {k: str(v) for k, v in transfers_selectors.TABS}
        out.append((_("类别"), tabs.get(self.filters.tab, self.filters.tab)))
        if self.filters.kind:
            out.append((_("转接类型"), str(dict(Transfer.Kind.choices)[self.filters.kind])))
        if self.filters.q:
            out.append((_("姓名或编号"), self.filters.q))
        return out
