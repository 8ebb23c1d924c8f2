"""The member form: every national field; the rules themselves are the service's (validate_member).

Fields are not `required` here, so one submit reports every problem the service finds at once;
the fields the service requires are marked with an asterisk through `REQUIRED`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zugong.core import codes
from zugong.members.models import Member, PartyGroup
from zugong.orgs.models import Org

DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def _with_current(choices: list, current: str | None, table: str) -> list:
    """Keep a value that is no longer offered (a retired code) selectable on edit."""
    if not current:
        return choices
    flat = {c for c, _label in choices if not isinstance(_label, list | tuple)}
    flat |= {c for _g, opts in choices if isinstance(opts, list | tuple) for c, _label in opts}
    if current in flat:
        return choices
    return [*choices, (current, codes.label(table, current))]


def education_choices() -> list:
    """GB/T 4658 grouped by level (研究生教育, 大学本科教育 …): the levels head the groups."""
    items = codes.choices("education")
    groups: list = []
    for code, label in items:
        kids = [(c, n) for c, n in items if c != code and c[0] == code[0]] if code.endswith("0") else None
        if kids:
            groups.append((label, kids))
        elif code.endswith("0"):
            groups.append((code, label))
    return groups


def occupation_choices() -> list:
    """人员类别: sub-categories indented under their top-level entry."""
    out = []
    for code, label in codes.choices("occupation"):
        parent = codes.choices("occupation", parent=code)
        out.append((code, label))
        out.extend((c, "\u3000" + n) for c, n in parent)
    return out


class MemberForm(forms.Form):
    REQUIRED = {"name", "sex", "ethnicity", "id_number", "joined_on", "status"}
    FIELDSETS = [
        (
            _("基本信息"),
            ["name", "sex", "ethnicity", "id_number", "birth_date", "native_place", "education", "degree"],
        ),
        # 党籍状态 and 流动党员 change through their own flows (members/mobility.py, members/transfers.py),
        # which keep the dated history: the form shows neither.
        (_("党籍信息"), ["status", "joined_on", "converted_on", "party_group"]),
        (_("工作与联系"), ["category", "work_unit", "job_title", "phone", "clear_phone", "address"]),
    ]

    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    sex = forms.ChoiceField(label=_("性别"), required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), required=False)
    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=30,
        required=False,
        help_text=_("18位，末位为校验码；出生日期和性别须与号码一致"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
    )
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, help_text=_("可留空，按公民身份号码自动填写"), **DATE_WIDGET
    )
    native_place = forms.CharField(label=_("籍贯"), max_length=100, required=False)
    education = forms.ChoiceField(label=_("学历"), required=False)
    degree = forms.ChoiceField(label=_("学位"), required=False)
    status = forms.ChoiceField(label=_("党员类型"), required=False)
    joined_on = forms.DateField(label=_("入党日期"), required=False, **DATE_WIDGET)
    converted_on = forms.DateField(
        label=_("转正日期"), required=False, help_text=_("正式党员必填，应晚于入党日期"), **DATE_WIDGET
    )
    party_group = forms.ModelChoiceField(
        label=_("所在党小组"), queryset=PartyGroup.objects.none(), required=False, empty_label=_("（未编入）")
    )
    category = forms.ChoiceField(label=_("人员类别"), required=False)
    work_unit = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    job_title = forms.CharField(label=_("职务"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("手机"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    clear_phone = forms.BooleanField(label=_("清除手机号码"), required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)

    def __init__(self, *args, org: Org, instance: Member | None = None, **kwargs):
        self.org = org
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{f: getattr(instance, f) for f in self.base_fields if hasattr(instance, f)},
                "id_number": "",
                "phone": "",
                "party_group": instance.party_group_id,
            }
        super().__init__(*args, **kwargs)
        f = self.fields
        current = instance or Member()
        pick = [("", _("请选择"))]
        unset = [("", _("（未填写）"))]
        f["sex"].choices = pick + codes.choices("sex")
        f["ethnicity"].choices = pick + _with_current(
            codes.choices("ethnicity"), current.ethnicity, "ethnicity"
        )
        f["education"].choices = unset + _with_current(education_choices(), current.education, "education")
        f["degree"].choices = [("", _("（无）")), *codes.choices("degree")]
        f["category"].choices = unset + _with_current(occupation_choices(), current.category, "occupation")
        f["status"].choices = pick + list(Member.Status.choices)
        f["party_group"].queryset = PartyGroup.objects.filter(org=org).order_by("name")
        if instance is None:
            del f["clear_phone"]
            f["phone"].help_text = _("11位手机号码，加密保存")
        else:
            f["id_number"].help_text = _("当前：%(m)s。留空则不修改；填写新号码将同时更新出生日期") % {
                "m": instance.id_number_masked
            }
            if instance.phone_masked:
                f["phone"].help_text = _("当前：%(m)s。留空则不修改") % {"m": instance.phone_masked}
            else:
                f["phone"].help_text = _("当前未登记")
                del f["clear_phone"]
        if not f["party_group"].queryset.exists():
            f["party_group"].help_text = _("该党支部未设党小组")

    @property
    def fieldsets(self) -> list[tuple[Any, list[tuple[forms.BoundField, str]]]]:
        """(title, [(bound field, wrapper CSS class)]) for the two-column layout."""
        out = []
        for title, names in self.FIELDSETS:
            row = []
            for name in names:
                if name not in self.fields:
                    continue
                required = name in self.REQUIRED and not (name == "id_number" and self.instance is not None)
                css = "col-12 col-md-6" + (" zg-req" if required else "")
                if name == "address":
                    css = "col-12"
                elif name == "clear_phone":
                    css = "col-12 col-md-6 offset-md-6 zg-under"
                row.append((self[name], css))
            out.append((title, row))
        return out

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as member_create / member_update take them."""
        data = dict(self.cleaned_data)
        clear_phone = data.pop("clear_phone", False)
        out: dict[str, Any] = {}
        for key, value in data.items():
            out[key] = value.strip() if isinstance(value, str) else value
        if self.instance is not None:
            if not out.get("id_number"):
                out.pop("id_number", None)
            if clear_phone:
                out["phone"] = ""
            elif not out.get("phone"):
                out.pop("phone", None)
        return out
