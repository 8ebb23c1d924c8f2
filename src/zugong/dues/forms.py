"""Forms of the dues pages: they parse and show; the services decide (and cite the rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zugong.dues import rules
from zugong.dues.models import Category, DuesPayment, DuesRelief
from zugong.members.models import Member


class MonthField(forms.DateField):
    """A month typed as 2026-03 (the browser's <input type=month>), kept as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d", "%Y年%m月"]

    def to_python(self, value):
        day = super().to_python(value)
        return rules.month_start(day) if day else day


def _money_field(label, *, required: bool = False, help_text: str = "", **attrs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", **attrs}),
    )


class BaseForm(forms.Form):
    category = forms.ChoiceField(label=_("交纳类别"), choices=Category.choices)
    base = _money_field(
        _("月收入基数(元)"),
        help_text=_(
            "税后每月工资收入中相对固定、经常性的部分;离退休党员为离退休费或养老金总额;年薪制为当月实际领取额;个体经营为上一季度月平均纯收入"
        ),
        placeholder="4500.00",
    )
    fixed_amount = _money_field(_("每月交纳金额(元)"), help_text=_("农民党员由党支部在规定范围内确定"))
    effective_from = MonthField(
        label=_("起始月份"), help_text=_("按新标准领取工资的当月;之前已交的月份不受影响")
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        live = {
            "hx-get": "",  # set by the view: the quote URL
            "hx-trigger": "input changed delay:300ms, change",
            "hx-target": "#dues-quote",
            "hx-include": "closest form",
        }
        self.live_attrs = live

    def set_quote_url(self, url: str) -> None:
        for name in ("category", "base", "fixed_amount", "effective_from"):
            self.fields[name].widget.attrs.update({**self.live_attrs, "hx-get": url})


class QuoteForm(forms.Form):
    """The live amount beside the base form (and GET /dues/quote/)."""

    category = forms.ChoiceField(choices=Category.choices)
    base = forms.DecimalField(required=False, max_digits=12, decimal_places=2)
    fixed_amount = forms.DecimalField(required=False, max_digits=8, decimal_places=2)
    effective_from = MonthField(required=False)


class PaymentForm(forms.Form):
    first_month = MonthField(label=_("所交首月"), required=False)
    last_month = MonthField(label=_("所交末月"), required=False, help_text=_("只交一个月时与首月相同"))
    paid_on = forms.DateField(
        label=_("交纳日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    method = forms.ChoiceField(label=_("交纳方式"), choices=DuesPayment.Method.choices)
    paid_by = forms.ModelChoiceField(
        label=_("代交人"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("委托他人代交时选择代交的党员"),
    )
    voluntary_amount = _money_field(
        _("自愿多交(元)"), help_text=_("党员自愿多交的部分;一次达到规定金额的全部上缴中央(DF-07)")
    )
    amount = _money_field(_("实交金额(元)"), help_text=_("可不填;填写时须等于应交加自愿多交"))
    back_approved_by = forms.CharField(
        label=_("超期补交批准人"),
        required=False,
        max_length=100,
        help_text=_("补交超过规定月数时填写批准的党组织或负责人"),
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, member: Member, payers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_by"].queryset = payers
        self.fields["paid_by"].label_from_instance = lambda m: m.name
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("paid_on", today)
            self.initial.setdefault("first_month", rules.month_start(today))
            self.initial.setdefault("last_month", rules.month_start(today))


class QuickPayForm(forms.Form):
    """The ledger's quick entry: who paid this month, on which day."""

    paid_on = forms.DateField(
        label=_("交纳日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    members = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("党员"))

    def __init__(self, *args, choices: list[tuple[int, str]], default_day: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = choices
        self.initial.setdefault("paid_on", default_day)


class ReliefForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=DuesRelief.Kind.choices, widget=forms.RadioSelect)
    amount = _money_field(_("减免后每月交纳(元)"), help_text=_("少交时填写"))
    start_month = MonthField(label=_("起始月份"))
    end_month = MonthField(label=_("截止月份"), required=False, help_text=_("不填为长期,情况变化时另行登记"))
    approving_org = forms.ModelChoiceField(label=_("批准党组织"), queryset=None, help_text=_("上一级党委"))
    document_number = forms.CharField(label=_("批准文号"), max_length=100)
    approved_on = forms.DateField(
        label=_("批准日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("困难情况"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, approvers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approving_org"].queryset = approvers
        self.fields["approving_org"].label_from_instance = lambda o: o.name


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)
