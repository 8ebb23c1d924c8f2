"""发展党员 (recruitment): an applicant's file through the 25 steps, the plans per committee.

`Applicant` holds the person (公民身份号码 encrypted, masked and blind-indexed exactly like members),
a copy of its branch's tree path (C-collated on PostgreSQL) and, kept by the services after every
write, where the file stands: its stage, the key dates, the next step with its window and the
nearest deadline. Pipelines of a whole county are then GROUP BYs over applicants, no step rows.
`StepRecord` is one dated step with who did it, its structured data and the warnings it was
recorded with; history is kept (a repeated vote is a second record, not an overwrite).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zugong.core import codes
from zugong.recruitment import steps


class Stage(models.TextChoices):
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    ADMISSION = "admission", _("接收审批中")
    PROBATIONARY = "probationary", _("预备党员")
    MEMBER = "member", _("已转为正式党员")
    CANCELLED = "cancelled", _("已取消预备党员资格")
    ENDED = "ended", _("已终止发展")


OPEN_STAGES = [
    Stage.APPLICANT,
    Stage.ACTIVIST,
    Stage.CANDIDATE,
    Stage.ADMISSION,
    Stage.PROBATIONARY,
]


class Applicant(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1)
    ethnicity = models.CharField(_("民族"), max_length=2)
    id_number_enc = models.TextField(_("公民身份号码(密文)"), editable=False)
    id_number_hash = models.CharField(max_length=40, editable=False, db_index=True)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, editable=False)
    birth_date = models.DateField(_("出生日期"))
    native_place = models.CharField(_("籍贯"), max_length=100, blank=True)
    education = models.CharField(_("学历"), max_length=4, blank=True)
    category = models.CharField(_("人员类别"), max_length=8, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    job_title = models.CharField(_("职务"), max_length=100, blank=True)
    phone_enc = models.TextField(_("手机(密文)"), blank=True, editable=False)
    phone_masked = models.CharField(_("手机"), max_length=20, blank=True, editable=False)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    # FZ-12: a person leaving the unit within three months is generally not admitted.
    leaving_on = models.DateField(_("预计离开本单位日期"), null=True, blank=True)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所在党支部"), on_delete=models.PROTECT, related_name="applicants"
    )
    org_path = models.CharField(max_length=255, editable=False)
    member = models.OneToOneField(
        "members.Member",
        verbose_name=_("党员记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applicant",
    )
    # -- kept by the services ---------------------------------------------------------------------
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices, default=Stage.APPLICANT)
    applied_on = models.DateField(_("申请日期"))
    activist_on = models.DateField(_("确定为积极分子日期"), null=True, blank=True)
    candidate_on = models.DateField(_("确定为发展对象日期"), null=True, blank=True)
    admitted_on = models.DateField(_("支部大会通过日期"), null=True, blank=True)
    approved_on = models.DateField(_("上级党委批准日期"), null=True, blank=True)
    extension_months = models.PositiveSmallIntegerField(_("延长预备期(月)"), null=True, blank=True)
    probation_end = models.DateField(_("预备期满日期"), null=True, blank=True)
    converted_on = models.DateField(_("转正日期"), null=True, blank=True)
    closed_on = models.DateField(_("终止日期"), null=True, blank=True)
    closed_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    form_serial = models.CharField(_("入党志愿书编号"), max_length=40, blank=True)
    next_step = models.CharField(_("下一步"), max_length=32, choices=steps.CHOICES, blank=True)
    next_earliest = models.DateField(_("最早可办日期"), null=True, blank=True)
    next_latest = models.DateField(_("最迟应办日期"), null=True, blank=True)
    due_on = models.DateField(_("最近时限"), null=True, blank=True)
    due_step = models.CharField(_("时限所属环节"), max_length=32, choices=steps.CHOICES, blank=True)
    breach_count = models.PositiveSmallIntegerField(_("问题数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("入党申请人")
        verbose_name_plural = _("入党申请人")
        indexes = [
            models.Index(fields=["org_path", "stage"], name="applicant_path_stage_idx"),
            models.Index(fields=["org_path", "due_on"], name="applicant_path_due_idx"),
            models.Index(fields=["org_path", "approved_on"], name="applicant_path_approved_idx"),
        ]
        constraints = [
            # One open file per person; a cancelled or ended file may be followed by a new one.
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(stage__in=["applicant", "activist", "candidate", "admission", "probationary"]),
                name="applicant_one_open_file",
            ),
            models.UniqueConstraint(
                fields=["form_serial"], condition=~Q(form_serial=""), name="applicant_form_serial_uniq"
            ),
            models.CheckConstraint(
                condition=Q(applied_on__gt=F("birth_date")), name="applicant_applied_after_birth"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=[s.value for s in Stage]), name="applicant_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(converted_on__isnull=True)
                | Q(admitted_on__isnull=False, converted_on__gt=F("admitted_on")),
                name="applicant_converted_after_admitted",
            ),
            models.CheckConstraint(
                condition=Q(extension_months__isnull=True) | Q(extension_months__gt=0),
                name="applicant_extension_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def sex_label(self) -> str:
        return codes.label("sex", self.sex)

    @property
    def ethnicity_label(self) -> str:
        return codes.label("ethnicity", self.ethnicity)

    @property
    def education_label(self) -> str:
        return codes.label("education", self.education)

    @property
    def category_label(self) -> str:
        return codes.label("occupation", self.category)

    @property
    def stage_number(self) -> int:
        return STAGE_NUMBER.get(self.stage, 5)


STAGE_NUMBER = {
    Stage.APPLICANT: 1,
    Stage.ACTIVIST: 2,
    Stage.CANDIDATE: 3,
    Stage.ADMISSION: 4,
    Stage.PROBATIONARY: 5,
    Stage.MEMBER: 5,
}


class StepRecord(models.Model):
    class Outcome(models.TextChoices):
        PASSED = "passed", _("合格")
        FAILED = "failed", _("不合格")
        APPROVED = "approved", _("批准")
        REJECTED = "rejected", _("不批准")

    class Decision(models.TextChoices):
        CONVERT = "convert", _("按期转为正式党员")
        EXTEND = "extend", _("延长预备期")
        CANCEL = "cancel", _("取消预备党员资格")

    class Method(models.TextChoices):
        MEMBERS = "members", _("党员推荐")
        ORGANIZATIONS = "organizations", _("群团组织推优")
        BOTH = "both", _("党员推荐和群团组织推优")

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="records")
    step = models.CharField(_("环节"), max_length=32, choices=steps.CHOICES)
    done_on = models.DateField(_("日期"))
    done_by = models.CharField(_("办理人"), max_length=100, blank=True)
    note = models.TextField(_("说明"), blank=True)
    # 培养联系人 / 入党介绍人: [{"member": id or null, "name": "…", "formal": true}] as at the step.
    people = models.JSONField(_("人员"), default=list, blank=True)
    method = models.CharField(_("产生方式"), max_length=16, choices=Method.choices, blank=True)
    outcome = models.CharField(_("结论"), max_length=10, choices=Outcome.choices, blank=True)
    decision = models.CharField(_("表决事项"), max_length=10, choices=Decision.choices, blank=True)
    extension_months = models.PositiveSmallIntegerField(_("延长月数"), null=True, blank=True)
    special = models.BooleanField(_("特殊情况延长审批时间"), default=False)
    serial = models.CharField(_("入党志愿书编号"), max_length=40, blank=True)
    publicity_from = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_to = models.DateField(_("公示结束"), null=True, blank=True)
    training_days = models.DecimalField(_("培训天数"), max_digits=5, decimal_places=1, null=True, blank=True)
    training_hours = models.DecimalField(_("培训学时"), max_digits=5, decimal_places=1, null=True, blank=True)
    leaving_on = models.DateField(_("预计离开本单位日期"), null=True, blank=True)
    # 支部大会 votes: counts only (a secret ballot keeps no names); expected = 应到有表决权正式党员.
    expected = models.PositiveIntegerField(_("应到有表决权人数"), null=True, blank=True)
    present = models.PositiveIntegerField(_("实到有表决权人数"), null=True, blank=True)
    yes = models.PositiveIntegerField(_("赞成"), null=True, blank=True)
    no = models.PositiveIntegerField(_("反对"), null=True, blank=True)
    abstain = models.PositiveIntegerField(_("弃权"), null=True, blank=True)
    written_yes = models.PositiveIntegerField(_("书面意见赞成"), default=0)
    written_no = models.PositiveIntegerField(_("书面意见反对"), default=0)
    written_abstain = models.PositiveIntegerField(_("书面意见弃权"), default=0)
    passed = models.BooleanField(_("表决通过"), null=True, blank=True)
    vote_note = models.CharField(_("表决判断"), max_length=400, blank=True)
    # What the checks said when the step was recorded: [{"rule_id", "cite", "message"}].
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发展环节记录")
        verbose_name_plural = _("发展环节记录")
        ordering = ["done_on", "id"]
        indexes = [models.Index(fields=["applicant", "step", "done_on"], name="steprecord_app_step_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(present__isnull=True) | Q(expected__isnull=False, present__lte=F("expected")),
                name="steprecord_present_le_expected",
            ),
            models.CheckConstraint(
                condition=Q(publicity_to__isnull=True)
                | Q(publicity_from__isnull=False, publicity_to__gte=F("publicity_from")),
                name="steprecord_publicity_ordered",
            ),
            models.CheckConstraint(
                condition=Q(extension_months__isnull=True) | Q(decision="extend"),
                name="steprecord_extension_only_extend",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.done_on} {self.get_step_display()}"

    @property
    def step_def(self) -> steps.Step:
        return steps.get(self.step)

    @property
    def summary(self) -> list[str]:
        """What the record carries, in a few short phrases for the file's page and documents."""
        out: list[str] = []
        if self.method:
            out.append(str(self.get_method_display()))
        if self.people:
            out.append("、".join(p.get("name", "") for p in self.people))
        if self.outcome:
            out.append(str(self.get_outcome_display()))
        if self.special:
            out.append(str(_("特殊情况延长审批时间")))
        if self.serial:
            out.append(str(_("志愿书编号 %(s)s")) % {"s": self.serial})
        if self.publicity_from:
            out.append(
                str(_("公示 %(a)s 至 %(b)s"))
                % {
                    "a": self.publicity_from.isoformat(),
                    "b": self.publicity_to.isoformat() if self.publicity_to else "?",
                }
            )
        if self.training_days is not None or self.training_hours is not None:
            parts = []
            if self.training_days is not None:
                parts.append(str(_("%(n)s天")) % {"n": self.training_days.normalize()})
            if self.training_hours is not None:
                parts.append(str(_("%(n)s学时")) % {"n": self.training_hours.normalize()})
            out.append(str(_("培训")) + "".join(parts))
        if self.leaving_on:
            out.append(str(_("预计%(d)s离开本单位")) % {"d": self.leaving_on.isoformat()})
        if self.expected is not None:
            out.append(
                str(_("应到%(e)d 实到%(p)d 赞成%(y)d 反对%(n)d 弃权%(a)d"))
                % {
                    "e": self.expected,
                    "p": self.present or 0,
                    "y": self.yes or 0,
                    "n": self.no or 0,
                    "a": self.abstain or 0,
                }
                + (str(_("(书面意见赞成%(w)d)")) % {"w": self.written_yes} if self.written_yes else "")
            )
        if self.decision:
            text = str(self.get_decision_display())
            if self.extension_months:
                text += str(_("%(n)d个月")) % {"n": self.extension_months}
            out.append(text)
        return out


def document_path(instance: StepDocument, filename: str) -> str:
    return f"recruitment/{instance.record.applicant_id}/{filename}"


class StepDocument(models.Model):
    """A file that belongs to a step: the scan of the application, the minutes, a conclusion."""

    record = models.ForeignKey(StepRecord, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("文件"), upload_to=document_path, max_length=255)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("环节材料")
        verbose_name_plural = _("环节材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """A committee's recruitment plan (发展党员计划) for a year: the quota for its subtree."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党委"), on_delete=models.PROTECT, related_name="recruitment_plans"
    )
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    quota = models.PositiveIntegerField(_("计划发展名额"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("发展党员计划")
        verbose_name_plural = _("发展党员计划")
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="plan_org_year_uniq")]
        indexes = [models.Index(fields=["org_path", "year"], name="plan_path_year_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.quota}"
