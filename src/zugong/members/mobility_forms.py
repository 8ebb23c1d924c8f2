"""Forms of the 流动党员 / 失联 / 党籍 pages: plain fields; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zugong.core import codes
from zugong.core.scope import Scope
from zugong.members.models import Mobility, MobilityReport, StandingChange
from zugong.orgs.models import Org
from zugong.orgs.selectors import orgs_in_scope

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label: str, **kw) -> forms.DateField:
    return forms.DateField(label=label, widget=DATE, **kw)


def _text(
    label: str, *, max_length: int = 300, required: bool = True, rows: int = 0, help_text: str = ""
) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=widget, help_text=help_text
    )


class MobilityForm(forms.Form):
    left_on = _date(_("外出日期"))
    destination = _text(_("外出地点"), max_length=100, help_text=_("省、市、县及具体地址或单位"))
    region = forms.ChoiceField(label=_("外出地行政区划"), required=False)
    reason = forms.ChoiceField(label=_("外出原因"), choices=Mobility.Reason.choices)
    reason_note = _text(_("外出事由"), max_length=200, required=False)
    phone = _text(
        _("外出期间联系电话"), max_length=20, required=False, help_text=_("加密保存,列表中只显示脱敏号码")
    )
    certificate_no = _text(_("流动党员活动证编号"), max_length=40, required=False)
    host_org = forms.ModelChoiceField(
        label=_("流入地党组织(本系统内)"),
        queryset=Org.objects.none(),
        required=False,
        empty_label=_("— 不在本系统内 —"),
    )
    host_name = _text(_("流入地党组织名称(系统外)"), max_length=100, required=False)
    note = _text(_("备注"), required=False)

    def __init__(self, *args, scope: Scope, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—"), *codes.choices("region")]
        self.fields["host_org"].queryset = (
            orgs_in_scope(scope=scope).filter(for_mobile_members=True, is_active=True).order_by("path")
        )
        if editing:
            self.fields["phone"].help_text = _("留空则保持原号码不变")


class ReportForm(forms.Form):
    on = _date(_("汇报日期"))
    channel = forms.ChoiceField(label=_("汇报方式"), choices=MobilityReport.Channel.choices)
    summary = _text(
        _("汇报内容"), max_length=500, rows=3, help_text=_("思想、工作、学习情况,参加流入地党组织活动情况")
    )


class ReturnForm(forms.Form):
    on = _date(_("返回日期"))
    note = _text(_("说明"), required=False)


class LostOpenForm(forms.Form):
    since = _date(_("最后联系日期"), help_text=_("出国(境)学习研究的,填写出境日期"))
    abroad = forms.BooleanField(label=_("出国(境)学习研究"), required=False)
    note = _text(_("情况说明"), required=False, rows=2)


class EffortForm(forms.Form):
    on = _date(_("查找日期"))
    method = _text(
        _("查找方式"), max_length=50, help_text=_("如:电话、走访家属、函询工作单位、请流入地党组织协查")
    )
    note = _text(_("查找情况"), rows=2)


class FoundForm(forms.Form):
    on = _date(_("取得联系日期"))
    note = _text(_("说明"), required=False, rows=2)


class SuspendForm(forms.Form):
    on = _date(_("停止党籍日期"))
    reason = _text(_("事由"), rows=2)
    decided_by = _text(
        _("决定机关"), max_length=100, required=False, help_text=_("如:某某党支部支部大会、某某党委")
    )
    decision_ref = _text(_("决定文号"), max_length=100, required=False)


class RestoreForm(forms.Form):
    on = _date(_("恢复党籍日期"))
    reason = _text(_("事由"), rows=2)
    decided_by = _text(_("批准机关"), max_length=100)
    decision_ref = _text(_("决定文号"), max_length=100, required=False)


class RemoveForm(forms.Form):
    on = _date(_("出党日期"))
    removal = forms.ChoiceField(label=_("出党方式"), choices=StandingChange.Removal.choices)
    reason = _text(_("事由"), rows=2)
    decided_by = _text(_("批准机关"), max_length=100)
    decision_ref = _text(_("决定文号"), max_length=100)


class DiedForm(forms.Form):
    on = _date(_("死亡日期"))
    reason = _text(_("说明"), required=False)
