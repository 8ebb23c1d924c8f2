"""Organizational life (组织生活): meetings and what they fulfil, attendance, votes, 民主评议党员 results,
四议两公开 matters and the 主题党日 "5+N" checklist.

One real meeting can fulfil several obligations (a 主题党日 that includes a 党员大会 and a 党课): the
meeting is stored once and has one `MeetingPart` per kind it counts as. Parts carry copies of the
org, its path, the month and whether the part counts (a 党员大会 without a quorum does not), so the
compliance of a whole province is one set-based GROUP BY over parts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    BRANCH_ASSEMBLY = "branch_assembly", _("支部党员大会")
    BRANCH_COMMITTEE = "branch_committee", _("支部委员会会议")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    MEMBER_REVIEW = "member_review", _("民主评议党员")
    HEART_TALK = "heart_talk", _("谈心谈话")
    VILLAGE_PROPOSE = "village_propose", _("四议两公开:村党组织提议")
    VILLAGE_CONSULT = "village_consult", _("四议两公开:村“两委”商议")
    VILLAGE_REVIEW = "village_review", _("四议两公开:党员大会审议")
    VILLAGE_RESOLVE = "village_resolve", _("四议两公开:村民(代表)会议决议")
    VILLAGE_PUBLISH_RESOLUTION = "village_publish_resolution", _("四议两公开:决议公开")
    VILLAGE_PUBLISH_RESULT = "village_publish_result", _("四议两公开:实施结果公开")


VILLAGE_STEPS = [
    MeetingKind.VILLAGE_PROPOSE,
    MeetingKind.VILLAGE_CONSULT,
    MeetingKind.VILLAGE_REVIEW,
    MeetingKind.VILLAGE_RESOLVE,
    MeetingKind.VILLAGE_PUBLISH_RESOLUTION,
    MeetingKind.VILLAGE_PUBLISH_RESULT,
]
# Kinds whose validity depends on who was present: the rule that says how many must attend.
QUORUM_RULES: dict[str, str] = {
    MeetingKind.BRANCH_ASSEMBLY.value: "ZB-08",
    MeetingKind.BRANCH_COMMITTEE.value: "ZB-09",
    MeetingKind.VILLAGE_REVIEW.value: "CX-01",
}


class VillageDecision(models.Model):
    """A village's major matter decided by 四议两公开 (village_decision): six steps, each a meeting."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        DONE = "done", _("已完成")
        DROPPED = "dropped", _("已终止")

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("村党组织"), on_delete=models.PROTECT, related_name="village_decisions"
    )
    org_path = models.CharField(max_length=255, editable=False)
    title = models.CharField(_("事项名称"), max_length=200)
    summary = models.TextField(_("事项内容"), blank=True)
    started_on = models.DateField(_("提出日期"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("四议两公开事项")
        verbose_name_plural = _("四议两公开事项")
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["org_path", "started_on"], name="vdecision_path_idx")]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    """One real meeting or activity of an org, with its attendance and votes."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="meetings"
    )
    org_path = models.CharField(max_length=255, editable=False)
    party_group = models.ForeignKey(
        "members.PartyGroup",
        verbose_name=_("党小组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    village_decision = models.ForeignKey(
        VillageDecision,
        verbose_name=_("四议两公开事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    held_on = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"), null=True, blank=True)
    ends_at = models.TimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    topic = models.CharField(_("主题"), max_length=200)
    host_name = models.CharField(_("主持人"), max_length=50, blank=True)
    recorder_name = models.CharField(_("记录人"), max_length=50, blank=True)
    lecturer_name = models.CharField(_("授课人"), max_length=50, blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    theme_items = models.JSONField(_("主题党日规定动作"), default=list, blank=True)
    # Counts as stored: from the attendance rows when they were taken, typed in when a paper
    # record is back-filled. "voting" = members with a vote (正式党员); the quorum rules use them.
    expected = models.PositiveIntegerField(_("应到人数"), default=0)
    present = models.PositiveIntegerField(_("实到人数"), default=0)
    on_leave = models.PositiveIntegerField(_("请假人数"), default=0)
    voting_expected = models.PositiveIntegerField(_("有表决权应到"), null=True, blank=True)
    voting_present = models.PositiveIntegerField(_("有表决权实到"), null=True, blank=True)
    attendance_taken = models.BooleanField(_("逐人记录出席"), default=False)
    quorum_met = models.BooleanField(_("到会人数符合规定"), null=True, blank=True)
    quorum_note = models.CharField(_("到会判断"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会议活动")
        verbose_name_plural = _("会议活动")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["org_path", "held_on"], name="meeting_path_held_idx"),
            models.Index(fields=["org", "held_on"], name="meeting_org_held_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(present__lte=models.F("expected")), name="meeting_present_le_expected"
            ),
            models.CheckConstraint(
                condition=models.Q(voting_present__isnull=True)
                | models.Q(voting_expected__isnull=False, voting_present__lte=models.F("voting_expected")),
                name="meeting_voting_present_le_expected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"

    @property
    def kinds(self) -> list[str]:
        return [p.kind for p in self.parts.all()]

    @property
    def kind_labels(self) -> list[str]:
        return [MeetingKind(k).label for k in self.kinds]


class MeetingPart(models.Model):
    """One obligation a meeting fulfils (a meeting may be several at once)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(_("类型"), max_length=32, choices=MeetingKind.choices)
    # Copies of the meeting's org, path, party group and month: compliance groups parts without a join.
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    party_group = models.ForeignKey(
        "members.PartyGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField()
    ym = models.PositiveIntegerField(help_text="year * 100 + month of held_on")
    counts = models.BooleanField(default=True, help_text="False when the meeting failed its quorum rule")

    class Meta:
        verbose_name = _("会议类型")
        verbose_name_plural = _("会议类型")
        indexes = [
            models.Index(fields=["org_path", "ym"], name="mpart_path_ym_idx"),
            models.Index(fields=["org", "kind", "held_on"], name="mpart_org_kind_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["meeting", "kind"], name="mpart_meeting_kind_uniq")]

    def __str__(self) -> str:
        return self.get_kind_display()


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        LEAVE = "leave", _("请假")
        ABSENT = "absent", _("缺席")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(_("出席情况"), max_length=8, choices=Status.choices)
    reason = models.CharField(_("请假或缺席原因"), max_length=200, blank=True)
    has_vote = models.BooleanField(_("有表决权"), default=True)

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_meeting_member_uniq"),
            models.CheckConstraint(
                condition=~models.Q(status="leave") | ~models.Q(reason=""), name="attendance_leave_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["member", "meeting"], name="attendance_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.status}"


class Vote(models.Model):
    """A vote taken at a meeting: counts only (a secret ballot keeps no names)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes")
    subject = models.CharField(_("表决事项"), max_length=200)
    yes = models.PositiveIntegerField(_("赞成"), default=0)
    no = models.PositiveIntegerField(_("反对"), default=0)
    abstain = models.PositiveIntegerField(_("弃权"), default=0)
    written_yes = models.PositiveIntegerField(_("书面意见赞成"), default=0)
    written_no = models.PositiveIntegerField(_("书面意见反对"), default=0)
    written_abstain = models.PositiveIntegerField(_("书面意见弃权"), default=0)
    is_secret = models.BooleanField(_("无记名投票"), default=True)
    passed = models.BooleanField(_("通过"), null=True, blank=True)
    result_note = models.CharField(_("表决判断"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.subject


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"orglife/{instance.meeting.held_on:%Y/%m}/{instance.meeting_id}/{filename}"


class Attachment(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"), default=0)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MemberReview(models.Model):
    """民主评议党员 (member_review): a member's result for a year, and the follow-up of 不合格."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        QUALIFIED = "qualified", _("合格")
        BASIC = "basic", _("基本合格")
        UNQUALIFIED = "unqualified", _("不合格")

    class Action(models.TextChoices):
        RECTIFY = "rectify", _("限期改正")
        PERSUADE = "persuade", _("劝其退党")
        REMOVE = "remove", _("除名")
        OTHER = "other", _("其他组织处置")

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="reviews")
    org = models.ForeignKey("orgs.Org", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("评议结果"), max_length=12, choices=Grade.choices)
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("评议会议"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    action = models.CharField(_("处置方式"), max_length=10, choices=Action.choices, blank=True)
    action_due = models.DateField(_("整改期限"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    outcome = models.CharField(_("办结情况"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("民主评议结果")
        verbose_name_plural = _("民主评议结果")
        ordering = ["-year", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="review_member_year_uniq"),
            models.CheckConstraint(
                condition=models.Q(grade="unqualified")
                | (models.Q(action="") & models.Q(closed_on__isnull=True)),
                name="review_followup_only_unqualified",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | ~models.Q(outcome=""),
                name="review_closed_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["org_path", "year"], name="review_path_year_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_grade_display()}"

    @property
    def follow_up_open(self) -> bool:
        return self.grade == self.Grade.UNQUALIFIED and self.closed_on is None


class ThemeDayItem(models.Model):
    """An item of the 主题党日 checklist ("5+N", local practice CX-02): `org` None is the default list;
    an org's own list replaces it for its subtree (the deepest list wins)."""

    org = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, blank=True, editable=False)
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    required = models.BooleanField(_("规定动作"), default=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("主题党日项目")
        verbose_name_plural = _("主题党日项目")
        ordering = ["org_path", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="themeitem_org_code_uniq")]

    def __str__(self) -> str:
        return self.name
