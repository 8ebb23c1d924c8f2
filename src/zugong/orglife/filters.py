"""The filter bars of the organizational-life lists: plain GET forms; the selectors' filter
dataclasses (`MeetingFilters.from_mapping(request.GET)`) are what filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zugong.orglife.models import MeetingKind, VillageDecision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeetingFilterForm(forms.Form):
    org = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("主题、地点、主持人"), "type": "search", "autocomplete": "off"}
        ),
    )
    kind = forms.ChoiceField(
        label=_("会议类型"), required=False, choices=[("", _("会议类型：不限")), *MeetingKind.choices]
    )
    date_from = forms.DateField(label=_("从"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("至"), required=False, widget=DATE)

    @classmethod
    def for_query(cls, data) -> MeetingFilterForm:
        return cls(initial={k: v for k, v in data.items() if k in cls.base_fields and v != ""})


class DecisionFilterForm(forms.Form):
    org = forms.CharField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("状态：不限")), *VillageDecision.Status.choices]
    )

    @classmethod
    def for_query(cls, data) -> DecisionFilterForm:
        return cls(initial={k: v for k, v in data.items() if k in cls.base_fields and v != ""})
