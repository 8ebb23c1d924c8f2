"""The filter bar of the member list: a plain GET form whose values feed MemberFilters."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from zugong.core import codes
from zugong.members.models import Member
from zugong.members.selectors import AGE_BANDS, EDUCATION_LEVELS

ALL = "all"


def _blank(label) -> list[tuple[str, str]]:
    return [("", label)]


class MemberFilterForm(forms.Form):
    """Only renders the bar; `MemberFilters.from_mapping(request.GET)` is what filters."""

    org = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("姓名"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("姓名"), "type": "search", "autocomplete": "off"}),
    )
    sex = forms.ChoiceField(label=_("性别"), required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), required=False)
    age_band = forms.ChoiceField(label=_("年龄段"), required=False)
    education = forms.ChoiceField(label=_("学历"), required=False)
    category = forms.ChoiceField(label=_("人员类别"), required=False)
    status = forms.ChoiceField(label=_("党员类型"), required=False)
    join_year = forms.IntegerField(
        label=_("入党年份"),
        required=False,
        min_value=1921,
        widget=forms.NumberInput(attrs={"placeholder": _("入党年份"), "inputmode": "numeric"}),
    )
    is_mobile = forms.ChoiceField(
        label=_("流动党员"),
        required=False,
        choices=[("", _("流动党员：不限")), ("1", _("流动党员")), ("0", _("非流动党员"))],
    )
    standing = forms.ChoiceField(label=_("党籍状态"), required=False)
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("org", _("按组织排序")), ("name", _("按姓名排序")), ("-joined", _("按入党日期排序"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["sex"].choices = _blank(_("性别：不限")) + [c for c in codes.choices("sex") if c[0] in {"1", "2"}]
        f["ethnicity"].choices = _blank(_("民族：不限")) + codes.choices("ethnicity")
        f["age_band"].choices = _blank(_("年龄：不限")) + [(k, label) for k, label, _lo, _hi in AGE_BANDS]
        f["education"].choices = _blank(_("学历：不限")) + list(EDUCATION_LEVELS)
        f["category"].choices = _blank(_("人员类别：不限")) + codes.choices("occupation", parent="")
        f["status"].choices = _blank(_("党员类型：不限")) + list(Member.Status.choices)
        f["standing"].choices = [
            (Member.Standing.NORMAL, _("党籍正常")),
            *[(v, label) for v, label in Member.Standing.choices if v != Member.Standing.NORMAL],
            (ALL, _("党籍状态：全部")),
        ]
        f["join_year"].max_value = dt.date.today().year

    @classmethod
    def for_query(cls, data) -> MemberFilterForm:
        """An unbound form showing the current query (the default standing is 正常)."""
        initial = {"standing": Member.Standing.NORMAL, "sort": "org"}
        initial.update({k: v for k, v in data.items() if k in cls.base_fields and v != ""})
        return cls(initial=initial)
