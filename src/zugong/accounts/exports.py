"""The account list as a spreadsheet, with the page's filters (account managers only)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.accounts import selectors
from zugong.accounts.forms import AccountFilterForm
from zugong.accounts.models import User
from zugong.core.exporting import Column, Export
from zugong.orgs.models import Org
from zugong.orgs.selectors import org_get


class AccountExport(Export):
    name = "accounts"
    title = gettext_lazy("账号")
    perm = "account.manage"
    param_names = ("org", "q", "role", "active")

    def resolve_under(self) -> Org | None:
        code = self.params.get("org", "")
        return org_get(scope=self.scope, code=code) if code else None

    def _form(self) -> AccountFilterForm:
        return AccountFilterForm(self.params or None)

    def queryset(self) -> QuerySet[User]:
        return self._form().apply(selectors.accounts_in_scope(scope=self.scope), under=self.under)

    def conditions(self) -> list[tuple[str, str]]:
        form = self._form()
        out = []
        if self.under is not None:
            out.append((_("所属党组织"), f"{self.under.name}({self.under.code})"))
        for key in ("q", "role", "active"):
            value = self.params.get(key)
            if value:
                field = form.fields[key]
                choices = dict((str(k), str(v)) for k, v in getattr(field, "choices", []))
                out.append((str(field.label), choices.get(value, value)))
        return out

    def columns(self) -> list[Column]:
        return [
            Column(_("用户名"), "username", "text_id"),
            Column(_("姓名"), "display_name"),
            Column(_("角色"), lambda u: u.get_role_display() or (_("系统管理员") if u.is_superuser else "")),
            Column(_("所属党组织"), "org.name"),
            Column(_("组织代码"), "org.code", "text_id"),
            Column(_("对应党员"), "member.name"),
            Column(_("状态"), lambda u: _("启用") if u.is_active else _("停用")),
            Column(_("最近登录"), "last_login", "datetime"),
            Column(_("创建时间"), "date_joined", "datetime"),
        ]
