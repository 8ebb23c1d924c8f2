"""Filter forms of the organization and unit lists: they read the query string and never raise."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zugong.core import codes


class UnitFilterForm(forms.Form):
    q = forms.CharField(
        label=_("关键字"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("单位名称、代码或统一社会信用代码"), "type": "search"}
        ),
    )
    kind = forms.ChoiceField(label=_("单位类别"), required=False)
    has_org = forms.ChoiceField(
        label=_("党组织"),
        required=False,
        choices=[("", _("全部")), ("yes", _("已建党组织")), ("no", _("未建党组织"))],
    )
    region = forms.ChoiceField(label=_("行政区划"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部类别")), *codes.choices("unit_kind")]
        self.fields["region"].choices = [("", _("全部区划")), *codes.choices("region")]

    def values(self) -> dict[str, str]:
        """The valid filters (an invalid value is dropped, not an error page)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}


class TreeSearchForm(forms.Form):
    q = forms.CharField(
        label=_("搜索党组织"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("输入组织名称或代码"), "type": "search"}),
    )
    dissolved = forms.BooleanField(label=_("显示已撤销组织"), required=False)
