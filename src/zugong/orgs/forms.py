"""Forms of the organization pages. They only shape input: the services validate the rules and save."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zugong.core import codes
from zugong.core.scope import Scope
from zugong.orgs import selectors
from zugong.orgs.models import CommitteeSeat, Org, OrgKind, Unit
from zugong.orgs.services import allowed_child

# Exactly what org_update accepts (services.EDITABLE_ORG_FIELDS; a test keeps them equal).
EDIT_FIELDS = [
    "name",
    "short_name",
    "kind",
    "region_code",
    "established_on",
    "term_started_on",
    "for_mobile_members",
    "phone",
    "address",
]

PICKER_LIMIT = 20


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(label, *, required: bool = True, initial_today: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        initial=dt.date.today if initial_today else None,
    )


def region_choices() -> list[tuple[str, str]]:
    return [("", _("(未填写)")), *codes.choices("region")]


def kind_choices(parent: Org | None) -> list[tuple[str, str]]:
    """The org kinds that may sit under `parent` (any kind at the top)."""
    return [(v, label) for v, label in OrgKind.choices if parent is None or allowed_child(parent.kind, v)]


def picker_queryset(*, scope: Scope, purpose: str, org: Org | None, q: str = "") -> QuerySet[Org]:
    """The orgs a picker offers: move targets, merge targets, or any active org in scope."""
    if purpose == "move" and org is not None:
        return selectors.move_targets(scope=scope, org=org, q=q)
    qs = selectors.org_search(scope=scope, q=q)
    if purpose == "merge" and org is not None:
        qs = qs.exclude(path__gte=org.path, path__lt=org.path + "~")
    return qs


class OrgCodeField(forms.CharField):
    """An org chosen by its code through a picker; cleaned to the Org, within what the picker offers."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)
        self.queryset: QuerySet[Org] = Org.objects.none()

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        org = self.queryset.filter(code=code.strip()).first()
        if org is None:
            raise forms.ValidationError(_("请从搜索结果中选择一个有效的党组织"), code="invalid_choice")
        return org


class ServiceModelForm(forms.ModelForm):
    """Labels and widgets from the model; the model is never touched: services check and save."""

    def _post_clean(self):
        pass


# -- organizations --------------------------------------------------------------------------------
_ORG_WIDGETS = {
    "established_on": DateInput(),
    "term_started_on": DateInput(),
    "address": forms.TextInput(),
}


class OrgCreateForm(ServiceModelForm):
    class Meta:
        model = Org
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "region_code",
            "established_on",
            "term_started_on",
            "for_mobile_members",
            "phone",
            "address",
        ]
        widgets = _ORG_WIDGETS

    def __init__(self, *args, parent: Org | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices(parent)
        self.fields["region_code"] = forms.ChoiceField(
            label=_("行政区划"), choices=region_choices(), required=False
        )
        self.fields["code"].help_text = _("全局唯一、长期不变;已按上级组织代码生成建议值")
        self.fields["region_code"].help_text = _("不填时沿用上级组织的行政区划")
        self.fields["term_started_on"].help_text = _("本届班子选举产生的日期,用于计算换届时间")


class OrgEditForm(ServiceModelForm):
    class Meta:
        model = Org
        fields = EDIT_FIELDS
        widgets = _ORG_WIDGETS

    def __init__(self, *args, parent: Org | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices(parent)
        self.fields["region_code"] = forms.ChoiceField(
            label=_("行政区划"), choices=region_choices(), required=False
        )


class _StructureForm(forms.Form):
    on = _date_field(_("生效日期"), initial_today=True)
    reason = forms.CharField(
        label=_("原因及依据"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如:根据县委组织部关于……的批复"),
    )


class MoveForm(_StructureForm):
    new_parent = OrgCodeField(label=_("新的上级组织"))
    field_order = ["new_parent", "on", "reason"]

    def __init__(self, *args, scope: Scope, org: Org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = picker_queryset(scope=scope, purpose="move", org=org)


class MergeForm(_StructureForm):
    target = OrgCodeField(label=_("并入的组织"))
    field_order = ["target", "on", "reason"]

    def __init__(self, *args, scope: Scope, org: Org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = picker_queryset(scope=scope, purpose="merge", org=org)


class DissolveForm(_StructureForm):
    on = _date_field(_("撤销日期"), initial_today=True)
    reason = forms.CharField(
        label=_("撤销原因及依据"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# -- committee ------------------------------------------------------------------------------------
class SeatAddForm(forms.Form):
    post = forms.ChoiceField(label=_("职务"), choices=CommitteeSeat.Post.choices)
    duty = forms.CharField(
        label=_("分工"), max_length=50, required=False, help_text=_("如 组织委员、宣传委员、纪检委员")
    )
    member = forms.ModelChoiceField(
        label=_("党员"),
        queryset=None,
        required=False,
        empty_label=_("(不是本组织党员 / 手工填写姓名)"),
        help_text=_("从本组织党员中选择;不在其中时在下面填写姓名"),
    )
    person_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    started_on = _date_field(_("任职日期"), initial_today=True)

    def __init__(self, *args, members: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: f"{m.name}({m.org.name})"

    def clean(self):
        data = super().clean()
        if not data.get("member") and not (data.get("person_name") or "").strip():
            self.add_error("person_name", _("请选择党员或填写姓名"))
        return data


class SeatEndForm(forms.Form):
    ended_on = _date_field(_("离任日期"), initial_today=True)


class TermRenewForm(forms.Form):
    on = _date_field(_("换届日期"), initial_today=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].help_text = _("新一届班子选举产生的日期;原任期起始日期将被替换并记入沿革")


class OrgUnitsForm(forms.Form):
    units = forms.ModelMultipleChoiceField(
        label=_("所在单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, scope: Scope, shown: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["units"]
        field.queryset = selectors.units_in_scope(scope=scope)
        # Offer only the units found by the search (plus the chosen ones); validate against the scope.
        field.widget.choices = [(u.pk, u) for u in shown]


# -- units ----------------------------------------------------------------------------------------
class UnitForm(ServiceModelForm):
    managing_org = OrgCodeField(
        label=_("管理党组织"), help_text=_("负责该单位党建工作的上级党组织,决定哪些账号能看到它")
    )

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "credit_code",
            "kind",
            "region_code",
            "township",
            "village",
            "employees",
            "is_active",
        ]

    def __init__(self, *args, scope: Scope, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label=_("单位类别"), choices=[("", _("请选择")), *codes.choices("unit_kind")]
        )
        self.fields["region_code"] = forms.ChoiceField(
            label=_("行政区划"), choices=region_choices(), required=False
        )
        self.fields["managing_org"].queryset = selectors.org_search(scope=scope)
        if creating:
            del self.fields["is_active"]
        else:
            del self.fields["code"]
            self.fields["is_active"].label = _("单位存续(取消勾选表示该单位已注销)")
        self.order_fields(["code", "name", "credit_code", "kind", "managing_org"])
