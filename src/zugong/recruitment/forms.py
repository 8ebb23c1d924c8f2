"""Forms of 发展党员: the applicant's person data, and one form per step built from the catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zugong.core import codes
from zugong.members.models import Member
from zugong.recruitment import steps
from zugong.recruitment.models import Applicant, StepRecord

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(table: str, parent: str | None = None) -> list[tuple[str, str]]:
    blank = [("", str(_("请选择")))]
    return blank + (codes.choices(table, parent=parent) if parent is not None else codes.choices(table))


class ApplicantForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_("出生日期和性别按号码核对"),
    )
    sex = forms.ChoiceField(label=_("性别"), choices=[("", _("请选择")), ("1", _("男")), ("2", _("女"))])
    ethnicity = forms.ChoiceField(label=_("民族"))
    education = forms.ChoiceField(label=_("学历"), required=False)
    category = forms.ChoiceField(label=_("人员类别"), required=False)
    native_place = forms.CharField(label=_("籍贯"), max_length=100, required=False)
    work_unit = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    job_title = forms.CharField(label=_("职务"), max_length=100, required=False)
    phone = forms.CharField(label=_("手机"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    leaving_on = forms.DateField(
        label=_("预计离开本单位日期"),
        required=False,
        widget=DATE,
        help_text=_("即将毕业、调动或外出的填写;三个月内离开的一般不办理接收手续"),
    )
    applied_on = forms.DateField(
        label=_("收到入党申请书日期"), widget=DATE, help_text=_("申请时须年满十八周岁")
    )
    done_by = forms.CharField(label=_("接收人"), max_length=100, required=False)

    def __init__(self, *args, instance: Applicant | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            initial = {k: getattr(instance, k) for k in self.person_keys() if k not in ("id_number", "phone")}
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["ethnicity"].choices = _choices("ethnicity")
        self.fields["education"].choices = _choices("education")
        self.fields["category"].choices = _choices("occupation", parent="")
        if instance is not None:
            del self.fields["applied_on"]
            del self.fields["done_by"]
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("不修改请留空(当前:%(m)s)") % {
                "m": instance.id_number_masked
            }
            self.fields["phone"].help_text = _("不修改请留空(当前:%(m)s)") % {
                "m": instance.phone_masked or "—"
            }

    @staticmethod
    def person_keys() -> list[str]:
        return [
            "name",
            "id_number",
            "sex",
            "ethnicity",
            "education",
            "category",
            "native_place",
            "work_unit",
            "job_title",
            "phone",
            "address",
            "leaving_on",
        ]

    fieldsets_spec = [
        (_("基本信息"), ["name", "id_number", "sex", "ethnicity", "education", "category", "native_place"]),
        (_("单位与联系方式"), ["work_unit", "job_title", "phone", "address", "leaving_on"]),
        (_("入党申请"), ["applied_on", "done_by"]),
    ]

    @property
    def fieldsets(self):
        out = []
        for title, names in self.fieldsets_spec:
            present = [(self[n], "col-12 col-md-6") for n in names if n in self.fields]
            if present:
                out.append((title, present))
        return out

    def service_fields(self) -> dict[str, Any]:
        data = {k: self.cleaned_data.get(k) for k in self.person_keys()}
        if self.instance is not None:
            for key in ("id_number", "phone"):
                if not data.get(key):
                    data.pop(key)
        return {k: ("" if v is None and k not in ("leaving_on",) else v) for k, v in data.items()}


class StepForm(forms.Form):
    """The fields of one step: date, who did it, note, a document, and what the step carries."""

    done_on = forms.DateField(label=_("日期"), widget=DATE)
    done_by = forms.CharField(label=_("经办人"), max_length=100, required=False)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(label=_("材料(可选)"), required=False, help_text=_("扫描件、照片或文档"))

    def __init__(self, *args, step: steps.Step, applicant: Applicant, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.step, self.applicant = step, applicant
        f = self.fields
        f["done_by"].label = step.done_by_label
        if step.code in ("contacts", "introducers"):
            word = _("培养联系人") if step.code == "contacts" else _("入党介绍人")
            choices = [("", _("请选择"))] + [(m.pk, m.name) for m in members]
            f["person_1"] = forms.TypedChoiceField(label=word + "一", choices=choices, coerce=int)
            f["person_2"] = forms.TypedChoiceField(
                label=word + "二",
                choices=choices,
                coerce=int,
                required=step.code == "introducers",
                empty_value=None,
            )
            if step.code == "contacts":
                f["person_2"].help_text = _("一至两名正式党员")
        if "method" in step.fields:
            f["method"] = forms.ChoiceField(label=_("产生方式"), choices=StepRecord.Method.choices)
        if "review" in step.fields:
            f["outcome"] = forms.ChoiceField(
                label=_("结论"),
                choices=[("passed", _("合格")), ("failed", _("不合格"))],
                widget=forms.RadioSelect,
            )
        if "approval" in step.fields:
            f["outcome"] = forms.ChoiceField(
                label=_("审批结果"),
                choices=[("approved", _("批准")), ("rejected", _("不批准"))],
                widget=forms.RadioSelect,
            )
            if step.code == "approval":
                f["special"] = forms.BooleanField(
                    label=_("遇党组织换届等特殊情况延长审批时间(不超过六个月)"), required=False
                )
        if "publicity" in step.fields:
            f["publicity_from"] = forms.DateField(label=_("公示开始日期"), required=False, widget=DATE)
            f["publicity_to"] = forms.DateField(
                label=_("公示结束日期"), required=False, widget=DATE, help_text=_("按工作日计算,节假日不计")
            )
        if "training" in step.fields:
            f["training_days"] = forms.DecimalField(
                label=_("培训天数"), required=False, min_value=0, max_digits=5, decimal_places=1
            )
            f["training_hours"] = forms.DecimalField(
                label=_("培训学时"), required=False, min_value=0, max_digits=5, decimal_places=1
            )
        if "leaving" in step.fields:
            f["leaving_on"] = forms.DateField(
                label=_("预计离开本单位日期"),
                required=False,
                widget=DATE,
                initial=applicant.leaving_on,
                help_text=_("未来三个月内离开的,一般不办理接收预备党员手续"),
            )
        if "serial" in step.fields:
            f["serial"] = forms.CharField(label=_("入党志愿书编号"), max_length=40)
        if "vote" in step.fields:
            for key, label, required in [
                ("expected", _("应到会有表决权的正式党员"), True),
                ("present", _("实到会有表决权的正式党员"), True),
                ("yes", _("赞成"), True),
                ("no", _("反对"), False),
                ("abstain", _("弃权"), False),
                ("written_yes", _("书面意见:赞成"), False),
                ("written_no", _("书面意见:反对"), False),
                ("written_abstain", _("书面意见:弃权"), False),
            ]:
                f[key] = forms.IntegerField(
                    label=label,
                    required=required,
                    min_value=0,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
            f["written_yes"].help_text = _("因故不能到会、会前正式提出书面意见的,计入票数")
        if "decision" in step.fields:
            f["decision"] = forms.ChoiceField(
                label=_("表决事项"),
                choices=StepRecord.Decision.choices,
                initial="convert",
                widget=forms.RadioSelect,
            )
            f["extension_months"] = forms.IntegerField(
                label=_("延长月数"),
                required=False,
                min_value=1,
                max_value=24,
                help_text=_("六个月至一年,只能延长一次"),
            )
        f["done_on"].initial = dt.date.today()

    @property
    def extra_fields(self):
        return [self[name] for name in self.fields if name not in ("done_on", "done_by", "note", "document")]

    def service_fields(self, members_by_pk: dict[int, Member]) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("document", None)
        out: dict[str, Any] = {}
        people = []
        for key in ("person_1", "person_2"):
            pk = data.pop(key, None)
            if pk:
                m = members_by_pk.get(pk)
                if m is not None and all(p["member"] != m.pk for p in people):
                    people.append(
                        {
                            "member": m.pk,
                            "name": m.name,
                            "formal": m.status == Member.Status.FORMAL
                            and m.standing == Member.Standing.NORMAL,
                        }
                    )
        if self.step.code in ("contacts", "introducers"):
            out["people"] = people
        for key, value in data.items():
            if key in ("done_on", "done_by", "note"):
                continue
            if key in ("written_yes", "written_no", "written_abstain") and value is None:
                value = 0
            out[key] = value
        return out


class CloseForm(forms.Form):
    on = forms.DateField(label=_("终止日期"), widget=DATE, initial=dt.date.today)
    reason = forms.CharField(
        label=_("终止原因"),
        max_length=200,
        help_text=_("如:本人撤回申请、调离本单位、经支部委员会研究不再列为培养对象"),
    )


class PlanForm(forms.Form):
    org = forms.CharField(widget=forms.HiddenInput)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quota = forms.IntegerField(label=_("计划发展名额"), min_value=0)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
