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
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    org_path = models.CharField(_("所属组织路径"), max_length=255, blank=True)
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
        # Plain btree indexes declared here rather than db_index=True: on PostgreSQL db_index on a
        # CharField adds a second varchar_pattern_ops ("_like") index for LIKE queries, which nothing
        # runs on these columns (subtrees are ranges on the C-collated path), and every audit row a
        # bulk import writes paid for both (docs/performance.md, import).
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action"], name="audit_action_idx"),
            models.Index(fields=["org_path"], name="audit_org_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class AuditHead(models.Model):
    """A single row holding the hash of the newest audit entry; locking it serializes the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, blank=True)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit head #{self.count}"


class Job(models.Model):
    """Work that may outlast a request: an export, or an import (checked first, then committed).

    Small jobs run inside the request; big ones in the background worker (`zugong db_worker`),
    which updates `done`/`total` as it goes, so a page can poll the progress. A job belongs to its
    actor alone; its files live under the data folder (`upload_path`, `result_path`, relative).
    """

    class Kind(models.TextChoices):
        EXPORT = "export", _("导出")
        IMPORT = "import", _("导入")

    class Phase(models.TextChoices):
        EXPORT = "export", _("导出")
        CHECK = "check", _("检查")
        COMMIT = "commit", _("导入")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=32)
    phase = models.CharField(_("阶段"), max_length=16, choices=Phase.choices)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.QUEUED)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    org_path = models.CharField(_("范围"), max_length=255, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    report = models.JSONField(_("结果"), default=dict, blank=True)
    stage = models.CharField(_("步骤"), max_length=16, blank=True)
    done = models.PositiveBigIntegerField(_("已处理"), default=0)
    total = models.PositiveBigIntegerField(_("总数"), null=True, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    upload_path = models.CharField(max_length=255, blank=True)
    result_path = models.CharField(max_length=255, blank=True)
    background = models.BooleanField(_("后台运行"), default=False)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "kind", "-created_at"], name="job_actor_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running", "done", "failed"]), name="job_state_valid"
            ),
            models.CheckConstraint(condition=models.Q(kind__in=["export", "import"]), name="job_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.name} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}

    @property
    def elapsed(self) -> int:
        """Seconds since the job started (or was queued), up to its end."""
        start = self.started_at or self.created_at
        end = self.finished_at or timezone.now()
        return max(0, int((end - start).total_seconds())) if start else 0

    @property
    def waiting_long(self) -> bool:
        """Queued for over half a minute: is a worker running?"""
        return self.state == self.State.QUEUED and (timezone.now() - self.created_at).total_seconds() > 30

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))


class JobProblem(models.Model):
    """One problem an import check found: the row and column as the user's spreadsheet shows them."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="problems")
    line = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=100, blank=True)
    value = models.CharField(_("值"), max_length=100, blank=True)
    reason = models.CharField(_("问题说明"), max_length=500)

    class Meta:
        verbose_name = _("导入问题")
        verbose_name_plural = _("导入问题")
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return f"{self.line} {self.column}: {self.reason}"
