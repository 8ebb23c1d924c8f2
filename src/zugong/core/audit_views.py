"""The audit log pages: entries of the account's subtree, newest first, and the chain check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zugong.core import audit, codes
from zugong.core.models import AuditEntry
from zugong.core.scope import Role, Scope, scope_for
from zugong.core.views import paginate

ACTION_LABELS = {
    "org.create": gettext_lazy("新建组织"),
    "org.update": gettext_lazy("修改组织信息"),
    "org.move": gettext_lazy("调整隶属关系"),
    "org.merge": gettext_lazy("合并组织"),
    "org.dissolve": gettext_lazy("撤销组织"),
    "org.seat_add": gettext_lazy("班子成员任职"),
    "org.seat_end": gettext_lazy("班子成员离任"),
    "org.term_renew": gettext_lazy("换届"),
    "org.units": gettext_lazy("调整所在单位"),
    "unit.create": gettext_lazy("新建单位"),
    "unit.update": gettext_lazy("修改单位信息"),
    "party_group.create": gettext_lazy("新建党小组"),
    "member.create": gettext_lazy("登记党员"),
    "member.update": gettext_lazy("修改党员信息"),
    "member.change_org": gettext_lazy("党员组织关系变动"),
    "member.reveal_id_number": gettext_lazy("查看公民身份号码"),
    "member.reveal_phone": gettext_lazy("查看手机号码"),
    "account.create": gettext_lazy("新建账号"),
    "account.update": gettext_lazy("修改账号"),
    "account.set_password": gettext_lazy("设置密码"),
    "account.token_issue": gettext_lazy("签发接口令牌"),
    "account.token_revoke": gettext_lazy("吊销接口令牌"),
    "account.unlock": gettext_lazy("解除登录锁定"),
    "export.members": gettext_lazy("导出党员名册"),
    "export.roster": gettext_lazy("导出党员基本信息采集表"),
    "export.orgs": gettext_lazy("导出党组织"),
    "export.units": gettext_lazy("导出单位"),
    "export.accounts": gettext_lazy("导出账号"),
    "export.audit": gettext_lazy("导出审计日志"),
    "import.orgs": gettext_lazy("导入党组织"),
    "import.members": gettext_lazy("导入党员"),
}
OBJECT_TYPES = {
    "orgs.org": gettext_lazy("党组织"),
    "orgs.unit": gettext_lazy("单位"),
    "orgs.committeeseat": gettext_lazy("班子成员"),
    "members.member": gettext_lazy("党员"),
    "members.partygroup": gettext_lazy("党小组"),
    "accounts.user": gettext_lazy("账号"),
    "export": gettext_lazy("导出文件"),
    "import": gettext_lazy("导入文件"),
}
# Keys of before/after that are no model field.
EXTRA_KEYS = {
    "field": gettext_lazy("查看字段"),
    "note": gettext_lazy("说明"),
    "reason": gettext_lazy("原因"),
    "token_id": gettext_lazy("令牌编号"),
    "token_ids": gettext_lazy("令牌编号"),
    "prefix": gettext_lazy("令牌前缀"),
    "prefixes": gettext_lazy("令牌前缀"),
    "attempts_cleared": gettext_lazy("清除的失败记录"),
    # exports and imports
    "rows": gettext_lazy("行数"),
    "full": gettext_lazy("含明文身份证号和手机"),
    "conditions": gettext_lazy("筛选条件"),
    "filters": gettext_lazy("查询参数"),
    "file": gettext_lazy("文件"),
    "read": gettext_lazy("读取行数"),
    "imported": gettext_lazy("新增"),
    "updated": gettext_lazy("更新"),
    "unchanged": gettext_lazy("未变"),
    "rejected": gettext_lazy("拒绝"),
    "skip_invalid": gettext_lazy("只导入无误的行"),
    "update": gettext_lazy("更新已有记录"),
}
CODED_FIELDS = {"sex": "sex", "ethnicity": "ethnicity", "education": "education", "degree": "degree"}
CODED_FIELDS |= {"category": "occupation", "region_code": "region"}
SENSITIVE_LABELS = {"id_number": gettext_lazy("公民身份号码"), "phone": gettext_lazy("手机")}
MAX_CHANGES_SHOWN = 4
MAX_CREATED_SHOWN = 3  # a new object lists its first values inline


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("操作"), required=False)
    actor = forms.CharField(
        label=gettext_lazy("操作人"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("操作人用户名"), "type": "search"}),
    )
    object_type = forms.ChoiceField(label=gettext_lazy("对象类型"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "aria-label": gettext_lazy("起始日期")}, format="%Y-%m-%d"
        ),
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "aria-label": gettext_lazy("截止日期")}, format="%Y-%m-%d"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", gettext_lazy("操作：全部")), *ACTION_LABELS.items()]
        self.fields["object_type"].choices = [("", gettext_lazy("对象：全部")), *OBJECT_TYPES.items()]

    def apply(self, qs: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("actor"):
            qs = qs.filter(actor_label=data["actor"].strip())
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"])
        if data.get("date_from"):
            qs = qs.filter(at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            qs = qs.filter(at__lt=_start_of(data["date_to"] + dt.timedelta(days=1)))
        return qs


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def entries_in_scope(*, scope: Scope) -> QuerySet[AuditEntry]:
    """Entries placed in the account's subtree; nothing without audit.view."""
    if not scope.has("audit.view"):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(scope.path_q("org_path")).order_by("-id")


def _field_label(object_type: str, key: str) -> str:
    if key in EXTRA_KEYS:
        return str(EXTRA_KEYS[key])
    try:
        model = apps.get_model(object_type)
        return str(getattr(model._meta.get_field(key), "verbose_name", key))
    except (LookupError, ValueError, FieldDoesNotExist):
        return key


def _value(object_type: str, key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        text = "、".join(f"{k}={v}" for k, v in value.items())
        return text if len(text) <= 60 else text[:59] + "…"
    if key == "field" and value in SENSITIVE_LABELS:
        return str(SENSITIVE_LABELS[value])
    if key in CODED_FIELDS and isinstance(value, str):
        return codes.label(CODED_FIELDS[key], value)
    if isinstance(value, str):
        try:
            field = apps.get_model(object_type)._meta.get_field(key)
        except (LookupError, ValueError, FieldDoesNotExist):
            field = None
        if field is not None and getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def changes(entry: AuditEntry) -> list[dict[str, str | bool]]:
    """before → after as short rows; a row without a before value is a value set on creation."""
    keys = list(dict.fromkeys([*entry.before, *entry.after]))
    rows = []
    for key in keys:
        has_before = key in entry.before
        rows.append(
            {
                "label": _field_label(entry.object_type, key),
                "before": _value(entry.object_type, key, entry.before.get(key)) if has_before else "",
                "after": _value(entry.object_type, key, entry.after.get(key)) if key in entry.after else "—",
                "has_before": has_before,
            }
        )
    return rows


def _object_url(scope: Scope, entry: AuditEntry) -> str:
    """A link when it costs nothing to build: members and accounts are addressed by id."""
    if not entry.object_id.isdigit():
        return ""
    if entry.object_type == "members.member" and scope.has("member.view"):
        return reverse("members:detail", args=[int(entry.object_id)])
    if entry.object_type == "accounts.user" and scope.has("account.manage"):
        return reverse("accounts:edit", args=[int(entry.object_id)])
    return ""


@login_required
def audit_list(request):
    scope = scope_for(request.user)
    scope.require("audit.view")
    form = AuditFilterForm(request.GET or None)
    qs = form.apply(entries_in_scope(scope=scope))
    page = paginate(request, qs)
    rows = []
    for entry in page.object_list:
        entry_changes = changes(entry)
        created = bool(entry_changes) and not entry.before and len(entry_changes) > 1
        if created:  # a new object: its filled-in values are what matter
            entry_changes = [c for c in entry_changes if c["after"] != "—"]
        shown = MAX_CREATED_SHOWN if created else MAX_CHANGES_SHOWN
        rows.append(
            {
                "entry": entry,
                "action_label": ACTION_LABELS.get(entry.action, entry.action),
                "type_label": OBJECT_TYPES.get(entry.object_type, entry.object_type),
                "url": _object_url(scope, entry),
                "created": created,
                "changes": entry_changes[:shown],
                "more_changes": entry_changes[shown:],
            }
        )
    return render(
        request,
        "core/audit_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "filter_form": form,
            "filtered": any(request.GET.get(k) for k in form.fields),
            "can_verify": can_verify(scope),
        },
    )


def can_verify(scope: Scope) -> bool:
    return scope.role == Role.DEPT_ADMIN and scope.has("audit.view")


@login_required
@require_POST
def audit_verify(request):
    """Recompute the whole hash chain (it spans every subtree, so only a department operator may)."""
    scope = scope_for(request.user)
    if not can_verify(scope):
        raise PermissionDenied
    checked, bad = audit.verify_chain()
    if bad:
        shown = "、".join(str(pk) for pk in bad[:20])
        messages.error(
            request,
            _("已校验%(n)d条审计记录，发现%(b)d条被修改或删除的痕迹（记录编号：%(ids)s）。")
            % {"n": checked, "b": len(bad), "ids": shown + ("…" if len(bad) > 20 else "")},
        )
    else:
        messages.success(request, _("已校验%(n)d条审计记录，哈希链完整，未发现篡改。") % {"n": checked})
    return redirect("audit:list")
