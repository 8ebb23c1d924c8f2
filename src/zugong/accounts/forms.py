"""Forms of the account pages. They shape input (an org code from the picker, a member by 公民身份号码);
accounts.services checks roles, scope and passwords, and its errors land on these fields."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zugong.accounts.models import User
from zugong.accounts.services import assignable_roles
from zugong.core.exceptions import NotInScope
from zugong.core.scope import Role, Scope
from zugong.members.selectors import member_by_id_number
from zugong.orgs.models import Org
from zugong.orgs.selectors import org_get


def role_choices(actor) -> list[tuple[str, str]]:
    allowed = set(assignable_roles(actor))
    return [(value, label) for value, label in User.RoleChoice.choices if value in allowed]


class OrgCodeField(forms.CharField):
    """An org in the account manager's scope, chosen by code through the htmx picker."""

    widget = forms.HiddenInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)
        self.scope: Scope | None = None

    def prepare_value(self, value):
        return value.code if isinstance(value, Org) else value

    def clean(self, value):
        code = (super().clean(value) or "").strip()
        if not code:
            return None
        try:
            return org_get(scope=self.scope, code=code)
        except NotInScope:
            raise forms.ValidationError(_("党组织不存在或不在您的管理范围内")) from None


class MemberIdField(forms.CharField):
    """The member an account of the 党员 role stands for, found by 公民身份号码 within scope."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
        super().__init__(*args, **kwargs)
        self.scope: Scope | None = None

    def clean(self, value):
        number = (super().clean(value) or "").strip()
        if not number:
            return None
        member = member_by_id_number(scope=self.scope, id_number=number)
        if member is None:
            raise forms.ValidationError(_("在您的管理范围内没有找到该公民身份号码对应的党员"))
        return member


class _ScopedForm(forms.Form):
    def __init__(self, *args, actor, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.scope = scope
        for field in self.fields.values():
            if isinstance(field, OrgCodeField | MemberIdField):
                field.scope = scope
        if "role" in self.fields:
            self.fields["role"].choices = [("", _("请选择")), *role_choices(actor)]


class AccountCreateForm(_ScopedForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录时使用，可用字母、数字和 @ . + - _"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    display_name = forms.CharField(
        label=_("姓名"), max_length=50, required=False, help_text=_("党员角色可留空，取党员姓名")
    )
    role = forms.ChoiceField(label=_("角色"))
    org = OrgCodeField(
        label=_("所属党组织"), required=False, help_text=_("“党员”角色可不选，取该党员所在党支部")
    )
    member = MemberIdField(
        label=_("对应党员的公民身份号码"),
        required=False,
        help_text=_("仅“党员”角色填写：账号只能查看该党员本人的信息，所属党组织取其所在党支部"),
    )
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，不能是纯数字或常见密码"),
    )
    password2 = forms.CharField(
        label=_("确认密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("password")
            and data.get("password2") is not None
            and data["password"] != data["password2"]
        ):
            self.add_error("password2", _("两次输入的密码不一致"))
        member = data.get("member")
        if data.get("role") == Role.MEMBER:
            if member is None and "member" not in self.errors:
                self.add_error("member", _("“党员”角色的账号须填写对应党员的公民身份号码"))
            elif member is not None and data.get("org") is None:
                data["org"] = member.org
        elif data.get("org") is None and "org" not in self.errors:
            self.add_error("org", _("请选择账号所属党组织"))
        return data


class AccountEditForm(_ScopedForm):
    display_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    role = forms.ChoiceField(label=_("角色"))
    org = OrgCodeField(label=_("所属党组织"), required=False)
    member = MemberIdField(label=_("对应党员的公民身份号码"), required=False)
    is_active = forms.BooleanField(
        label=_("启用"), required=False, help_text=_("停用后该账号不能登录，也不能使用接口令牌")
    )

    def __init__(self, *args, account: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "display_name": account.display_name,
                "role": account.role,
                "org": account.org.code if account.org_id else "",
                "is_active": account.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        self.account = account
        choices = self.fields["role"].choices
        if account.role and account.role not in {c for c, _label in choices}:
            choices.append((account.role, account.get_role_display()))
        if account.member_id:
            self.fields["member"].help_text = _("当前：%(n)s（%(m)s）。留空则不修改") % {
                "n": account.member.name,
                "m": account.member.id_number_masked,
            }
        else:
            self.fields["member"].help_text = _("仅“党员”角色填写")

    def service_fields(self) -> dict:
        data = self.cleaned_data
        out = {
            "display_name": data["display_name"],
            "role": data["role"],
            "is_active": data["is_active"],
        }
        if data.get("org") is not None:
            out["org"] = data["org"]
        if data.get("member") is not None:
            out["member"] = data["member"]
            if data["role"] == Role.MEMBER:
                out["org"] = data["member"].org
        return out


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少10位，不能是纯数字或常见密码"),
    )
    password2 = forms.CharField(
        label=_("确认新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("password")
            and data.get("password2") is not None
            and data["password"] != data["password2"]
        ):
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


class AccountFilterForm(forms.Form):
    """The filter bar of the account list; `apply` narrows the scoped queryset."""

    q = forms.CharField(
        label=_("用户名或姓名"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("用户名或姓名"), "type": "search"}),
    )
    role = forms.ChoiceField(label=_("角色"), required=False)
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("状态：不限")), ("1", _("启用")), ("0", _("停用"))],
    )
    org = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("角色：不限")), *User.RoleChoice.choices]

    def apply(self, qs: QuerySet[User], *, under: Org | None) -> QuerySet[User]:
        data = self.cleaned_data if self.is_valid() else {}
        if under is not None:
            qs = qs.filter(org__path__gte=under.path, org__path__lt=under.path + "~")
        if data.get("q"):
            q = data["q"].strip()
            qs = qs.filter(Q(username__icontains=q) | Q(display_name__contains=q))
        if data.get("role"):
            qs = qs.filter(role=data["role"])
        if data.get("active") in {"0", "1"}:
            qs = qs.filter(is_active=data["active"] == "1")
        return qs
