"""Member exports: the member list as the page shows it, and the roster in the column layout of the
national 《党员基本信息采集表》. Both mask 公民身份号码 and 手机 unless a role with member.reveal asks
for the full version, which the export's audit entry records."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core import codes, crypto
from zugong.core.exporting import Column, Export, labels
from zugong.members import selectors
from zugong.members.filters import MemberFilterForm
from zugong.members.models import Member
from zugong.orgs.models import Org
from zugong.orgs.selectors import org_get, org_roots

FILTERS = (
    "name",
    "sex",
    "ethnicity",
    "age_band",
    "education",
    "category",
    "status",
    "join_year",
    "is_mobile",
    "standing",
)
SHORT_SEX = {"1": gettext_lazy("男"), "2": gettext_lazy("女")}


def _sex_labels():
    short = {k: str(v) for k, v in SHORT_SEX.items()}
    return lambda m: short.get(m.sex) or m.sex_label


def _work(m: Member) -> str:
    return " ".join(p for p in (m.work_unit, m.job_title) if p)


class _MemberExport(Export):
    perm = "member.view"
    param_names = ("org", *FILTERS, "sort")

    def check(self) -> None:
        if self.scope.is_self_only:
            raise PermissionDenied
        super().check()

    def may_export_full(self) -> bool:
        return self.scope.has("member.reveal")

    def resolve_under(self) -> Org | None:
        """?org=, else the account's own org or the single root (as the list page does)."""
        code = self.params.get("org", "")
        if code:
            return org_get(scope=self.scope, code=code)
        roots = list(org_roots(scope=self.scope)[:2])
        return roots[0] if len(roots) == 1 else None

    @property
    def filters(self) -> selectors.MemberFilters:
        return selectors.MemberFilters.from_mapping(self.params)

    def queryset(self) -> QuerySet[Member]:
        return selectors.member_list(
            scope=self.scope, under=self.under, filters=self.filters, sort=self.params.get("sort", "org")
        )

    def count(self) -> int:
        qs = self.queryset()
        if self.under is None:
            return qs.count()
        return selectors.member_count(scope=self.scope, under=self.under, filters=self.filters, qs=qs)

    def conditions(self) -> list[tuple[str, str]]:
        form = MemberFilterForm()
        out: list[tuple[str, str]] = []
        if self.under is not None:
            out.append((_("组织范围"), f"{self.under.name}({self.under.code})"))
        for key in FILTERS:
            value = self.params.get(key)
            if not value:
                continue
            field = form.fields[key]
            shown = dict((str(k), str(v)) for k, v in getattr(field, "choices", [])).get(value, value)
            out.append((str(field.label), shown))
        return out

    def _id_number(self, m: Member) -> str:
        return crypto.decrypt(m.id_number_enc) if self.full else m.id_number_masked

    def _phone(self, m: Member) -> str:
        if not m.phone_enc:
            return ""
        return crypto.decrypt(m.phone_enc) if self.full else m.phone_masked


class MemberListExport(_MemberExport):
    """The member list, all pages, with the columns the page shows."""

    name = "members"
    title = gettext_lazy("党员名册")

    def columns(self) -> list[Column]:
        sex, status, standing = _sex_labels(), labels(Member.Status.choices), labels(Member.Standing.choices)
        return [
            Column(_("姓名"), "name"),
            Column(_("性别"), sex),
            Column(_("民族"), "ethnicity_label"),
            Column(_("出生日期"), "birth_date", "date"),
            Column(_("学历"), "education_label"),
            Column(_("党员类型"), lambda m: status(m.status)),
            Column(_("入党日期"), "joined_on", "date"),
            Column(_("转正日期"), "converted_on", "date"),
            Column(_("所在党支部"), "org.name"),
            Column(_("公民身份号码"), self._id_number, "text_id"),
            Column(_("手机"), self._phone, "text_id"),
            Column(_("党籍状态"), lambda m: standing(m.standing)),
            Column(_("流动党员"), "is_mobile", "bool"),
        ]


class MemberRosterExport(_MemberExport):
    """《党员基本信息采集表》: the national collection sheet's columns, one member a row."""

    name = "roster"
    title = gettext_lazy("党员基本信息采集表")
    sheet_title = gettext_lazy("党员基本信息采集表")

    def subtitle(self) -> str:
        unit = self.under.name if self.under is not None else _("全部")
        return _("填报单位:%(u)s    导出日期:%(d)s") % {"u": unit, "d": timezone.localdate().isoformat()}

    def columns(self) -> list[Column]:
        sex, status, standing = _sex_labels(), labels(Member.Status.choices), labels(Member.Standing.choices)
        counter = iter(range(1, 1 << 62))
        return [
            Column(_("序号"), lambda m: next(counter), "int", width=7),
            Column(_("姓名"), "name"),
            Column(_("性别"), sex),
            Column(_("民族"), "ethnicity_label"),
            Column(_("公民身份号码"), self._id_number, "text_id", width=22),
            Column(_("出生日期"), "birth_date", "date"),
            Column(_("籍贯"), "native_place"),
            Column(_("学历"), "education_label"),
            Column(_("学位"), "degree_label"),
            Column(_("人员类别"), lambda m: codes.label("occupation", m.category)),
            Column(_("入党日期"), "joined_on", "date"),
            Column(_("转正日期"), "converted_on", "date"),
            Column(_("党员类型"), lambda m: status(m.status)),
            Column(_("工作单位及职务"), _work),
            Column(_("手机"), self._phone, "text_id", width=15),
            Column(_("家庭住址"), "address"),
            Column(_("党籍状态"), lambda m: standing(m.standing)),
            Column(_("是否流动党员"), "is_mobile", "bool"),
            Column(_("所在党支部"), "org.name"),
            Column(_("党组织代码"), "org.code", "text_id"),
        ]
