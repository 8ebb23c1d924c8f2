"""Exports of the 流动与失联 page, one per tab, with the page's scope and filters: 流动党员名单,
失联党员名单, 流动与失联待办 (the clocks, with rule id and article) and 党籍变动记录."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core.exporting import Column, Export
from zugong.members import mobility_selectors as selectors
from zugong.orgs.models import Org
from zugong.orgs.selectors import org_get, org_roots


class _MobilityExport(Export):
    perm = "member.view"

    def check(self) -> None:
        if self.scope.is_self_only:
            raise PermissionDenied
        super().check()
        if self.under is None:
            raise PermissionDenied

    def resolve_under(self) -> Org | None:
        code = self.params.get("org", "")
        if code:
            return org_get(scope=self.scope, code=code)
        roots = list(org_roots(scope=self.scope)[:2])
        return roots[0] if len(roots) == 1 else None

    def conditions(self) -> list[tuple[str, str]]:
        out = [(_("组织范围"), f"{self.under.name}({self.under.code})")] if self.under is not None else []
        return out + [(k, v) for k, v in self.params.items() if k != "org"]


def _member_columns() -> list[Column]:
    return [
        Column(_("组织代码"), "member.org.code", "text_id"),
        Column(_("党支部"), "member.org.name"),
        Column(_("姓名"), "member.name"),
        Column(_("公民身份号码"), "member.id_number_masked", "text_id"),
    ]


class MobileMemberExport(_MobilityExport):
    name = "mobility_members"
    title = gettext_lazy("流动党员名单")
    param_names = ("org", "status", "reason", "q")

    def queryset(self) -> QuerySet:
        return selectors.mobile_list(
            scope=self.scope,
            root=self.under,
            status=self.params.get("status", "open"),
            reason=self.params.get("reason", ""),
            q=self.params.get("q", ""),
        )

    def columns(self) -> list[Column]:
        return [
            *_member_columns(),
            Column(_("外出日期"), "left_on", "date"),
            Column(_("外出地点"), "destination"),
            Column(_("外出原因"), lambda m: m.get_reason_display()),
            Column(_("外出事由"), "reason_note"),
            Column(_("联系电话"), "phone_masked", "text_id"),
            Column(_("流动党员活动证编号"), "certificate_no", "text_id"),
            Column(_("流入地党组织"), lambda m: m.host_label),
            Column(_("最近汇报"), "last_report", "date"),
            Column(_("汇报次数"), "report_count", "int"),
            Column(_("返回日期"), "returned_on", "date"),
        ]


class LostMemberExport(_MobilityExport):
    name = "mobility_lost"
    title = gettext_lazy("失联党员名单")
    param_names = ("org", "status", "abroad", "q")

    def queryset(self) -> QuerySet:
        return selectors.lost_list(
            scope=self.scope,
            root=self.under,
            status=self.params.get("status", "open"),
            abroad=self.params.get("abroad", ""),
            q=self.params.get("q", ""),
        )

    def columns(self) -> list[Column]:
        return [
            *_member_columns(),
            Column(_("类别"), lambda lost: _("出国(境)学习研究") if lost.abroad else _("失去联系")),
            Column(_("最后联系/出境日期"), "since", "date"),
            Column(_("党籍状态"), lambda lost: lost.member.get_standing_display()),
            Column(_("查找次数"), "effort_count", "int"),
            Column(_("最近查找"), "last_effort", "date"),
            Column(_("情况说明"), "note"),
            Column(_("结束日期"), "closed_on", "date"),
            Column(_("结果"), lambda lost: lost.get_outcome_display()),
        ]


class MobilityTaskExport(_MobilityExport):
    name = "mobility_tasks"
    title = gettext_lazy("流动与失联待办")
    param_names = ("org", "as_of", "kind", "status", "q")

    @property
    def as_of(self) -> dt.date:
        try:
            return dt.date.fromisoformat(self.params.get("as_of", ""))
        except ValueError:
            return timezone.localdate()

    def _data(self) -> list[selectors.Task]:
        found = selectors.tasks(
            scope=self.scope,
            root=self.under,
            as_of=self.as_of,
            kind=self.params.get("kind", ""),
            status=self.params.get("status", ""),
        )
        q = self.params.get("q", "")
        return [t for t in found if q in t.member.name] if q else found

    def count(self) -> int:
        return len(self._data())

    def columns(self) -> list[Column]:
        return [
            *_member_columns(),
            Column(_("事项"), "kind_label"),
            Column(_("说明"), lambda t: f"{t.title};{t.detail}"),
            Column(_("期限"), "due", "date"),
            Column(_("剩余天数(负数为已过)"), "days_left", "int"),
            Column(_("状态"), "status_label"),
            Column(_("规则"), "rule_id"),
            Column(_("条款"), "article"),
        ]

    def rows(self) -> Iterator[list]:
        columns = self.columns()
        for t in self._data():
            yield [c.value(t) for c in columns]


class StandingChangeExport(_MobilityExport):
    name = "standing_changes"
    title = gettext_lazy("党籍变动记录")
    param_names = ("org", "kind", "year", "q")

    def queryset(self) -> QuerySet:
        try:
            year = int(self.params.get("year", "")) or None
        except ValueError:
            year = None
        return selectors.standing_history(
            scope=self.scope,
            root=self.under,
            kind=self.params.get("kind", ""),
            year=year,
            q=self.params.get("q", ""),
        )

    def columns(self) -> list[Column]:
        return [
            *_member_columns(),
            Column(_("日期"), "on", "date"),
            Column(_("变动"), lambda c: c.get_removal_display() if c.removal else c.get_kind_display()),
            Column(_("事由"), "reason"),
            Column(_("决定(批准)机关"), "decided_by"),
            Column(_("决定文号"), "decision_ref", "text_id"),
            Column(_("依据"), "cite"),
        ]
