"""Forms of 组织关系转接: thin, the rules are the services' (members.transfers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zugong.members import transfers
from zugong.members.models import Transfer

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def _province_choices() -> list[tuple[str, str]]:
    return [("", _("请选择省份")), *transfers.provinces()]


class TransferStartForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("转接类型"),
        choices=[
            (Transfer.Kind.WITHIN, _("系统内转接(接收党支部在本系统中)")),
            (Transfer.Kind.OUT, _("转出本系统")),
        ],
        widget=forms.RadioSelect,
        initial=Transfer.Kind.WITHIN,
    )
    to_org = forms.CharField(
        label=_("接收党支部"),
        max_length=200,
        required=False,
        help_text=_("填写接收党支部的组织代码或全称(须完全一致),点“查找”核对名称"),
    )
    to_name = forms.CharField(label=_("接收党组织全称"), max_length=200, required=False)
    to_province = forms.ChoiceField(label=_("接收地省份"), required=False)
    issued_on = forms.DateField(label=_("开具日期"), required=False, help_text=_("默认今天"), **DATE)
    valid_until = forms.DateField(
        label=_("有效期至"), required=False, help_text=_("留空按规定的最长有效期"), **DATE
    )
    letter_number = forms.CharField(
        label=_("介绍信编号"), max_length=40, required=False, help_text=_("留空自动编号,如 2026-0012")
    )
    reason = forms.CharField(label=_("转接原因"), max_length=300, required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_province"].choices = _province_choices()


class ReceiveForm(forms.Form):
    received_on = forms.DateField(label=_("接收日期"), required=False, help_text=_("默认今天"), **DATE)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class ReturnForm(forms.Form):
    return_reason = forms.CharField(
        label=_("退回原因"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    returned_on = forms.DateField(label=_("退回日期"), required=False, help_text=_("默认今天"), **DATE)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=300, required=False)


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label=_("回执上的接收日期"), required=False, **DATE)
    receipt_number = forms.CharField(label=_("回执编号"), max_length=40, required=False)
    receipt_note = forms.CharField(label=_("回执说明"), max_length=300, required=False)


class ReissueForm(forms.Form):
    issued_on = forms.DateField(label=_("重开日期"), required=False, help_text=_("默认今天"), **DATE)
    letter_number = forms.CharField(
        label=_("新介绍信编号"), max_length=40, required=False, help_text=_("留空自动编号")
    )


class SettleForm(forms.Form):
    note = forms.CharField(label=_("处理结果"), max_length=300, required=False)


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "receive": ReceiveForm,
    "return": ReturnForm,
    "cancel": CancelForm,
    "receipt": ReceiptForm,
    "reissue": ReissueForm,
    "settle": SettleForm,
}


class TransferInForm(forms.Form):
    """The letter of a member coming from an org outside the system (the member's own fields are
    a MemberForm beside it)."""

    from_name = forms.CharField(label=_("转出党组织全称"), max_length=200, required=False)
    from_province = forms.ChoiceField(label=_("转出地省份"), required=False)
    letter_number = forms.CharField(label=_("介绍信编号"), max_length=40, required=False)
    issued_on = forms.DateField(label=_("开具日期"), required=False, **DATE)
    valid_until = forms.DateField(
        label=_("有效期至"), required=False, help_text=_("按介绍信填写;留空按规定的最长有效期"), **DATE
    )
    received_on = forms.DateField(label=_("接收日期"), required=False, help_text=_("默认今天"), **DATE)
    reason = forms.CharField(label=_("转接原因"), max_length=300, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_province"].choices = _province_choices()

    def service_fields(self) -> dict[str, Any]:
        return {k: (v.strip() if isinstance(v, str) else v) for k, v in self.cleaned_data.items()}
