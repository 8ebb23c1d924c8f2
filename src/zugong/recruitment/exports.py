"""Export of the applicant list: every file the 发展党员 list shows (same scope, subtree, filters and
sort), one row each, with the stage dates, the next step with its window and the number of problems.
公民身份号码 and 手机 are masked unless a role with recruitment.reveal asks for the full file, which the
export's audit entry records."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core import codes, crypto
from zugong.core.exporting import Column, Export
from zugong.orgs.models import Org
from zugong.orgs.selectors import org_get, org_roots
from zugong.recruitment import selectors
from zugong.recruitment.models import Applicant, Stage

SEX = {"1": gettext_lazy("男"), "2": gettext_lazy("女")}
STAGE_FILTER_LABELS = {"open": gettext_lazy("在发展"), "all": gettext_lazy("全部")}
DUE_LABELS = {"month": gettext_lazy("本月应办"), "overdue": gettext_lazy("已逾期")}


class ApplicantExport(Export):
    name = "applicants"
    title = gettext_lazy("发展党员名册")
    perm = "recruitment.view"
    param_names = ("org", "name", "stage", "due", "problems", "sort")

    def may_export_full(self) -> bool:
        return self.scope.has("recruitment.reveal")

    def resolve_under(self) -> Org | None:
        """?org=, else the account's own org when it is the scope's root, else the single root (as
        the list page does)."""
        code = self.params.get("org", "")
        if code:
            return org_get(scope=self.scope, code=code)
        own = getattr(self.actor, "org", None) if self.actor is not None else None
        if own is not None and own.path == self.scope.root_path:
            return own
        roots = list(org_roots(scope=self.scope)[:2])
        return roots[0] if len(roots) == 1 else None

    @property
    def filters(self) -> selectors.ApplicantFilters:
        return selectors.ApplicantFilters.from_mapping(self.params)

    def queryset(self) -> QuerySet[Applicant]:
        return selectors.applicant_list(
            scope=self.scope,
            under=self.under,
            filters=self.filters,
            sort=self.params.get("sort", "org"),
            on=dt.date.today(),
        )

    def conditions(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.under is not None:
            out.append((_("组织范围"), f"{self.under.name}({self.under.code})"))
        f = self.filters
        if f.name:
            out.append((_("姓名"), f.name))
        stage = STAGE_FILTER_LABELS.get(f.stage) or (
            Stage(f.stage).label if f.stage in Stage.values else f.stage
        )
        out.append((_("阶段"), str(stage)))
        if f.due:
            out.append((_("时限"), str(DUE_LABELS.get(f.due, f.due))))
        if f.problems:
            out.append((_("只含有问题的"), _("是")))
        if self.full:
            out.append((_("完整信息"), _("是")))
        return out

    def _id_number(self, a: Applicant) -> str:
        return crypto.decrypt(a.id_number_enc) if self.full else a.id_number_masked

    def _phone(self, a: Applicant) -> str:
        if not self.full:
            return a.phone_masked
        return crypto.decrypt(a.phone_enc) if a.phone_enc else ""

    def columns(self) -> list[Column]:
        return [
            Column(_("姓名"), "name"),
            Column(_("性别"), lambda a: str(SEX.get(a.sex, a.sex))),
            Column(_("民族"), lambda a: codes.label("ethnicity", a.ethnicity)),
            Column(_("公民身份号码"), self._id_number, "text_id"),
            Column(_("出生日期"), "birth_date", "date"),
            Column(_("学历"), lambda a: codes.label("education", a.education) if a.education else ""),
            Column(_("工作单位及职务"), lambda a: " ".join(p for p in (a.work_unit, a.job_title) if p)),
            Column(_("手机"), self._phone, "text_id"),
            Column(_("所在党支部"), "org.name"),
            Column(_("组织代码"), "org.code", "text_id"),
            Column(_("阶段"), lambda a: str(a.get_stage_display())),
            Column(_("申请日期"), "applied_on", "date"),
            Column(_("确定为积极分子"), "activist_on", "date"),
            Column(_("确定为发展对象"), "candidate_on", "date"),
            Column(_("支部大会通过"), "admitted_on", "date"),
            Column(_("上级党委批准"), "approved_on", "date"),
            Column(_("入党志愿书编号"), "form_serial", "text_id"),
            Column(_("预备期满"), "probation_end", "date"),
            Column(_("转正日期"), "converted_on", "date"),
            Column(_("下一步"), lambda a: str(a.get_next_step_display()) if a.next_step else ""),
            Column(_("最早可办"), "next_earliest", "date"),
            Column(_("最迟应办"), "next_latest", "date"),
            Column(_("问题数"), "breach_count", "int"),
            Column(_("终止日期"), "closed_on", "date"),
            Column(_("终止原因"), "closed_reason"),
        ]
