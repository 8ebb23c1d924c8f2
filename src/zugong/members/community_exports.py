"""Exports of the 双报到 and 志愿服务 pages, with the same selectors, scope and filters: a community's
reported members and activities; an employer's reports, 未报到 list, hours per member, per community
and per child org."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core import codes
from zugong.core.exporting import Column, Export
from zugong.members import community_selectors as selectors
from zugong.orgs.models import Org


class _CommunityExport(Export):
    perm = "community.view"
    param_names = ("org", "year")

    def check(self) -> None:
        if self.scope.is_self_only:
            raise PermissionDenied
        super().check()
        if self.under is None:
            raise PermissionDenied

    def resolve_under(self) -> Org | None:
        code = self.params.get("org", "")
        return selectors.org_get(scope=self.scope, code=code) if code else None

    @property
    def year(self) -> int:
        this = timezone.localdate().year
        try:
            year = int(self.params.get("year", ""))
        except ValueError:
            return this
        return year if this - 30 <= year <= this else this

    def subtitle(self) -> str:
        return _("党组织:%(o)s    年度:%(y)d    导出日期:%(d)s") % {
            "o": self.under.name if self.under is not None else "",
            "y": self.year,
            "d": timezone.localdate().isoformat(),
        }

    def conditions(self) -> list[tuple[str, str]]:
        out = []
        if self.under is not None:
            out.append((_("组织范围"), f"{self.under.name}({self.under.code})"))
        if "year" in self.param_names:
            out.append((_("年度"), str(self.year)))
        return out

    def _data(self) -> list[Any]:
        raise NotImplementedError

    def count(self) -> int:
        return len(self._data())

    def rows(self) -> Iterator[list]:
        columns = self.columns()
        for item in self._data():
            yield [c.value(item) for c in columns]


class CommunityReportsExport(_CommunityExport):
    """A community's reported members: only what the community may see of them."""

    name = "community_reports"
    title = gettext_lazy("社区报到党员名单")
    sheet_title = gettext_lazy("在职党员到社区报到名单")
    param_names = ("org", "year", "status")

    def resolve_under(self) -> Org | None:
        code = self.params.get("org", "")
        return selectors.community_get(scope=self.scope, code=code) if code else None

    def _data(self) -> list[Any]:
        status = self.params.get("status", "active")
        rows, _period = selectors.community_reports(scope=self.scope, org=self.under, status=status)
        return rows

    def columns(self) -> list[Column]:
        return [
            Column(_("姓名"), lambda r: r.report.member.name),
            Column(_("手机"), lambda r: r.report.member.phone_masked, "text_id"),
            Column(_("所在单位党组织"), lambda r: r.report.member.org.name),
            Column(_("工作单位"), lambda r: r.report.member.work_unit),
            Column(_("居住地址"), lambda r: r.report.residence),
            Column(_("报到日期"), lambda r: r.report.reported_on, "date"),
            Column(_("结束日期"), lambda r: r.report.ended_on, "date"),
            Column(_("本年服务时长(小时)"), lambda r: r.hours, "money"),
            Column(_("本期评议"), lambda r: r.evaluation.get_grade_display() if r.evaluation else ""),
        ]


class CommunityActivitiesExport(_CommunityExport):
    name = "community_activities"
    title = gettext_lazy("社区志愿服务活动")
    sheet_title = gettext_lazy("社区志愿服务活动")

    def resolve_under(self) -> Org | None:
        code = self.params.get("org", "")
        return selectors.community_get(scope=self.scope, code=code) if code else None

    def _data(self) -> list[Any]:
        return list(selectors.activities(scope=self.scope, org=self.under, year=self.year))

    def columns(self) -> list[Column]:
        return [
            Column(_("活动日期"), lambda a: a.started_on, "date"),
            Column(_("结束日期"), lambda a: a.ended_on, "date"),
            Column(_("活动名称"), lambda a: a.title),
            Column(_("类别"), lambda a: a.get_kind_display()),
            Column(_("地点"), lambda a: a.place),
            Column(_("组织者"), lambda a: a.organizer),
            Column(_("服务人数"), lambda a: a.people, "int"),
            Column(_("服务时长(小时)"), lambda a: a.hours, "money"),
            Column(_("待确认记录"), lambda a: a.pending, "int"),
        ]


class EmployerReportsExport(_CommunityExport):
    name = "community_employer_reports"
    title = gettext_lazy("党员到社区报到情况")
    sheet_title = gettext_lazy("党员到社区报到情况")

    def _data(self) -> list[Any]:
        return list(selectors.employer_reports(scope=self.scope, under=self.under))

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), lambda r: r.member.org.code, "text_id"),
            Column(_("所在党支部"), lambda r: r.member.org.name),
            Column(_("姓名"), lambda r: r.member.name),
            Column(_("公民身份号码"), lambda r: r.member.id_number_masked, "text_id"),
            Column(_("报到社区"), lambda r: r.community.name),
            Column(_("报到日期"), lambda r: r.reported_on, "date"),
            Column(_("居住地址"), lambda r: r.residence),
        ]


class UnreportedExport(_CommunityExport):
    name = "community_unreported"
    title = gettext_lazy("未报到在职党员名单")
    sheet_title = gettext_lazy("未向社区报到的在职党员名单")
    param_names = ("org",)

    def _data(self) -> list[Any]:
        return list(selectors.unreported(scope=self.scope, under=self.under))

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), lambda m: m.org.code, "text_id"),
            Column(_("所在党支部"), lambda m: m.org.name),
            Column(_("姓名"), lambda m: m.name),
            Column(_("公民身份号码"), lambda m: m.id_number_masked, "text_id"),
            Column(_("人员类别"), lambda m: codes.label("occupation", m.category)),
            Column(_("工作单位"), lambda m: m.work_unit),
            Column(_("住址"), lambda m: m.address),
        ]


class HoursByMemberExport(_CommunityExport):
    name = "community_hours_member"
    title = gettext_lazy("党员志愿服务时长")
    sheet_title = gettext_lazy("党员志愿服务时长")

    def _data(self) -> list[Any]:
        return selectors.hours_by_member(scope=self.scope, under=self.under, year=self.year)

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), lambda r: r.org.code, "text_id"),
            Column(_("所在党支部"), lambda r: r.org.name),
            Column(_("姓名"), lambda r: r.label),
            Column(_("服务社区数"), lambda r: r.extra["communities"], "int"),
            Column(_("人次"), lambda r: r.records, "int"),
            Column(_("服务时长(小时)"), lambda r: r.hours, "money"),
        ]


class HoursByCommunityExport(_CommunityExport):
    name = "community_hours_community"
    title = gettext_lazy("按社区统计的志愿服务时长")
    sheet_title = gettext_lazy("按社区统计的志愿服务时长")

    def _data(self) -> list[Any]:
        return selectors.hours_by_community(scope=self.scope, under=self.under, year=self.year)

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), lambda r: r.key, "text_id"),
            Column(_("社区党组织"), lambda r: r.label),
            Column(_("服务人数"), lambda r: r.people, "int"),
            Column(_("人次"), lambda r: r.records, "int"),
            Column(_("服务时长(小时)"), lambda r: r.hours, "money"),
        ]


class HoursByEmployerExport(_CommunityExport):
    """The roll-up: one row per child org (members' own orgs) and a total."""

    name = "community_hours_employer"
    title = gettext_lazy("双报到与志愿服务汇总")
    sheet_title = gettext_lazy("双报到与志愿服务汇总")

    def _data(self) -> list[Any]:
        rows, total = selectors.rollup(scope=self.scope, under=self.under, year=self.year)
        total.label = _("合计")
        return [*rows, total]

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), lambda r: r.key, "text_id"),
            Column(_("党组织"), lambda r: r.label),
            Column(_("在职党员"), lambda r: r.extra["in_service"], "int"),
            Column(_("已报到"), lambda r: r.extra["reported"], "int"),
            Column(_("未报到"), lambda r: r.extra["unreported"], "int"),
            Column(_("服务人数"), lambda r: r.people, "int"),
            Column(_("人次"), lambda r: r.records, "int"),
            Column(_("服务时长(小时)"), lambda r: r.hours, "money"),
            Column(_("社区评议"), lambda r: r.extra["evaluations"], "int"),
        ]
