"""Forms of the 双报到 and 志愿服务 pages; they only parse, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zugong.members.models import CommunityEvaluation, VolunteerActivity

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("公民身份号码"), max_length=20, help_text=_("按姓名和公民身份号码查找报到党员")
    )
    reported_on = forms.DateField(label=_("报到日期"), widget=DATE)
    residence = forms.CharField(label=_("居住地址"), max_length=200)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("结束日期"), widget=DATE)
    end_reason = forms.CharField(
        label=_("结束原因"), max_length=200, help_text=_("如迁居、调离、组织关系转出")
    )


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    kind = forms.ChoiceField(label=_("活动类别"), choices=VolunteerActivity.Kind.choices)
    started_on = forms.DateField(label=_("活动日期"), widget=DATE)
    ended_on = forms.DateField(
        label=_("结束日期"), widget=DATE, required=False, help_text=_("一天的活动不填")
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    organizer = forms.CharField(label=_("组织者"), max_length=100, required=False)
    description = forms.CharField(
        label=_("活动内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class EvaluationForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("评议等次"), choices=CommunityEvaluation.Grade.choices, widget=forms.RadioSelect
    )
    evaluated_on = forms.DateField(label=_("评议日期"), widget=DATE)
    comment = forms.CharField(
        label=_("评议意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RemoveForm(forms.Form):
    reason = forms.CharField(label=_("删除原因"), max_length=200)
