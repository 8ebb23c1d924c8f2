from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CodeItem(models.Model):
    """One entry of a code table from a national standard (民族 GB/T 3304, 学历 GB/T 4658 …).

    Tables ship as data under core/data/codes and are loaded after every migrate; operators may
    add local entries (`is_local`), which a reload never overwrites.
    """

    table = models.CharField(_("代码表"), max_length=32)
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    parent_code = models.CharField(_("上级代码"), max_length=32, blank=True)
    synonyms = models.JSONField(_("同义词"), default=list, blank=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    is_local = models.BooleanField(_("本地扩充"), default=False)

    class Meta:
        verbose_name = _("代码项")
        verbose_name_plural = _("代码项")
        ordering = ["table", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="codeitem_table_code_uniq")]

    def __str__(self) -> str:
        return f"{self.table}:{self.code} {self.name}"


class AuditEntry(models.Model):
    """Who changed or viewed what, when, with the values before and after.

    Written by services inside the same transaction as the change. Each entry carries the hash of
    the previous one (a chain), so a deleted or edited row is detectable (`zugong audit verify`).
    `org_path` places the entry in the tree for scoping; it follows subtree moves and is
    therefore not part of the hash.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    org_path = models.CharField(_("所属组织路径"), max_length=255, blank=True, db_index=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    ip = models.CharField(_("来源地址"), max_length=64, blank=True)
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class AuditHead(models.Model):
    """A single row holding the hash of the newest audit entry; locking it serializes the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, blank=True)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit head #{self.count}"
