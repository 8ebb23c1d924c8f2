"""The audit log as a spreadsheet, with the page's filters."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core.audit_views import ACTION_LABELS, OBJECT_TYPES, AuditFilterForm, changes, entries_in_scope
from zugong.core.exporting import Column, Export
from zugong.core.models import AuditEntry


def _changes_text(entry: AuditEntry) -> str:
    parts = []
    for c in changes(entry):
        if c["has_before"]:
            parts.append(f"{c['label']}:{c['before']} → {c['after']}")
        else:
            parts.append(f"{c['label']}:{c['after']}")
    return ";".join(parts)


class AuditExport(Export):
    name = "audit"
    title = gettext_lazy("审计日志")
    perm = "audit.view"
    param_names = ("action", "actor", "object_type", "date_from", "date_to")

    def _form(self) -> AuditFilterForm:
        return AuditFilterForm(self.params or None)

    def queryset(self) -> QuerySet[AuditEntry]:
        return self._form().apply(entries_in_scope(scope=self.scope))

    def conditions(self) -> list[tuple[str, str]]:
        form = self._form()
        out = []
        for key in self.param_names:
            value = self.params.get(key)
            if value:
                field = form.fields[key]
                choices = dict((str(k), str(v)) for k, v in getattr(field, "choices", []))
                out.append((str(field.label), choices.get(value, value)))
        return out

    def columns(self) -> list[Column]:
        return [
            Column(_("时间"), "at", "datetime"),
            Column(_("操作人"), lambda e: _("系统") if e.actor_label == "system" else e.actor_label),
            Column(_("操作"), lambda e: str(ACTION_LABELS.get(e.action, e.action))),
            Column(_("对象类型"), lambda e: str(OBJECT_TYPES.get(e.object_type, e.object_type))),
            Column(_("对象"), "object_repr"),
            Column(_("对象编号"), "object_id", "text_id"),
            Column(_("变更内容"), _changes_text, width=60),
            Column(_("来源地址"), "ip", "text_id"),
            Column(_("请求编号"), "request_id", "text_id"),
            Column(_("操作代码"), "action", "text_id"),
        ]
