from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from zugong.rules.models import Rule, RulePack

LOCAL_LEVEL_CHOICES = [c for c in RulePack.Level.choices if c[0] != RulePack.Level.NATIONAL]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PackFilterForm(forms.Form):
    q = forms.CharField(label=_("规则编号、名称或原文"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=_("层级"), required=False, choices=[("", _("全部层级")), *RulePack.Level.choices]
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *Rule.Kind.choices]
    )
    on = forms.DateField(label=_("有效日期"), required=False, widget=DATE)
    all = forms.BooleanField(label=_("含已废止和未施行的版本"), required=False)


class PackForm(forms.Form):
    org = forms.CharField(
        label=_("适用党组织(组织代码)"),
        max_length=32,
        help_text=_("本地规则适用于该组织及其全部下级组织"),
    )
    title = forms.CharField(label=_("名称"), max_length=200)
    level = forms.ChoiceField(label=_("层级"), choices=LOCAL_LEVEL_CHOICES)
    issuer = forms.CharField(label=_("发布机关"), max_length=200, required=False)
    doc_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    published_on = forms.DateField(label=_("发布日期"), required=False, widget=DATE)
    effective_from = forms.DateField(label=_("施行日期"), widget=DATE)
    effective_to = forms.DateField(label=_("废止日期"), required=False, widget=DATE)
    source_url = forms.URLField(label=_("来源网址"), max_length=500, required=False, assume_scheme="https")
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["org"]


class ParamsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 10, "class": "font-monospace", "spellcheck": "false"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return {}
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("参数不是有效的 JSON(第%(line)d行第%(col)d列)") % {"line": exc.lineno, "col": exc.colno}
            ) from exc
        if not isinstance(data, dict):
            raise forms.ValidationError(_('参数应为 JSON 对象,如 {"within_months": 1}'))
        return data

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value


class RuleForm(forms.Form):
    rule_id = forms.CharField(
        label=_("规则编号"),
        max_length=32,
        help_text=_("收紧全国规则:填全国规则编号(如 ZB-11);本地新增规则:以 L- 开头(如 L-ZB-11)"),
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[("", _("与全国规则相同")), *Rule.Kind.choices],
        required=False,
        help_text=_("本地新增规则须选择"),
    )
    title = forms.CharField(label=_("规则名称"), max_length=200)
    params = ParamsField(
        label=_("参数(JSON)"),
        required=False,
        help_text=_("只写要收紧的参数即可,未写的参数沿用全国规则"),
    )
    article = forms.CharField(label=_("条款"), max_length=200, help_text=_("本地文件的条目,如“第三条”"))
    basis = forms.CharField(label=_("依据原文"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    source_url = forms.URLField(label=_("来源网址"), max_length=500, required=False, assume_scheme="https")
    effective_from = forms.DateField(
        label=_("本版本施行日期"),
        required=False,
        widget=DATE,
        help_text=_("默认今天;修改已施行的规则时,旧版本在此日停止,新版本自此日施行"),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["rule_id"].disabled = True
            self.fields["kind"].disabled = True


class RuleEndForm(forms.Form):
    on = forms.DateField(label=_("停止日期"), required=False, widget=DATE, help_text=_("默认今天"))


class CalendarDayForm(forms.Form):
    WORK = [("1", _("上班")), ("0", _("休息"))]

    date = forms.DateField(label=_("日期"), widget=DATE)
    is_workday = forms.TypedChoiceField(
        label=_("这一天"), choices=WORK, coerce=lambda v: v == "1", widget=forms.RadioSelect
    )
    name = forms.CharField(
        label=_("名称"), max_length=100, required=False, help_text=_("如“国庆节”“国庆节调休上班”")
    )
    note = forms.CharField(
        label=_("依据或说明"),
        max_length=200,
        required=False,
        help_text=_("如“国办发明电〔2026〕×号”"),
    )


class CalendarRemoveForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE)


class CalendarMarkForm(forms.Form):
    note = forms.CharField(
        label=_("依据"),
        max_length=200,
        help_text=_("如“国务院办公厅关于2027年部分节假日安排的通知”;请先逐日录入该年的放假和调休上班日"),
    )
