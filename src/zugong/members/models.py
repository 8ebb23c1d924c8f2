from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zugong.core import codes


class PartyGroup(models.Model):
    """党小组: a group inside a branch; members of the branch may belong to one."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所在党支部"), on_delete=models.CASCADE, related_name="party_groups"
    )
    name = models.CharField(_("党小组名称"), max_length=100)
    leader_name = models.CharField(_("组长"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("党小组")
        verbose_name_plural = _("党小组")
        ordering = ["org", "name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="partygroup_org_name_uniq")]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A Party member: the national member information set.

    `org_path` is a copy of the branch's tree path (C-collated on PostgreSQL), so every subtree
    query is one range scan on an index; services keep it in step with the org on every move.
    公民身份号码 and 手机 are stored encrypted (see core.crypto) with a mask for lists and a keyed
    hash for look-ups.
    """

    class Status(models.TextChoices):
        PROBATIONARY = "probationary", _("预备党员")
        FORMAL = "formal", _("正式党员")

    class Standing(models.TextChoices):
        NORMAL = "normal", _("正常")
        STOPPED = "stopped", _("停止党籍")
        LEFT = "left", _("已出党")
        DECEASED = "deceased", _("已去世")
        # 组织关系转出本系统并收到回执: kept on record, out of the registry's counts (members.transfers).
        TRANSFERRED_OUT = "transferred_out", _("已转出")

    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1)
    ethnicity = models.CharField(_("民族"), max_length=2)
    id_number_enc = models.TextField(_("公民身份号码(密文)"), editable=False)
    # Unique through Meta.constraints, not unique=True: that would add a second (LIKE) index that no
    # query uses, paid on every insert (a million-row import writes a million entries into each).
    id_number_hash = models.CharField(max_length=40, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, editable=False)
    birth_date = models.DateField(_("出生日期"))
    native_place = models.CharField(_("籍贯"), max_length=100, blank=True)
    education = models.CharField(_("学历"), max_length=4, blank=True)
    degree = models.CharField(_("学位"), max_length=4, blank=True)
    category = models.CharField(_("人员类别"), max_length=8, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    job_title = models.CharField(_("职务"), max_length=100, blank=True)
    joined_on = models.DateField(_("入党日期"))
    converted_on = models.DateField(_("转正日期"), null=True, blank=True)
    status = models.CharField(_("党员类型"), max_length=16, choices=Status.choices)
    standing = models.CharField(
        _("党籍状态"), max_length=16, choices=Standing.choices, default=Standing.NORMAL
    )
    phone_enc = models.TextField(_("手机(密文)"), blank=True, editable=False)
    phone_masked = models.CharField(_("手机"), max_length=20, blank=True, editable=False)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    is_mobile = models.BooleanField(_("流动党员"), default=False)
    # Kept by orglife services: the latest meeting this member attended or was excused from, so the
    # 党章 six-month rule (GX-05) is one indexed comparison per member, not a scan of attendance rows.
    last_orglife_on = models.DateField(_("最近参加组织生活"), null=True, blank=True, editable=False)
    # db_index=False: member_org_standing_idx (org, standing) serves every look-up by org.
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在党支部"),
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,
    )
    org_path = models.CharField(max_length=255, editable=False)
    # The path of the member's county-level org (org_path cut at RollupState.county_depth), so a
    # county's list sorted by name is one range of the (county_path, name, id) index instead of a
    # sort of the whole county; services keep it with org_path (docs/performance.md §2).
    county_path = models.CharField(max_length=255, editable=False, blank=True, default="", db_default="")
    party_group = models.ForeignKey(
        PartyGroup,
        verbose_name=_("所在党小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        db_index=False,  # member_party_group_idx: only the members in a party group
    )
    province_code = models.CharField(max_length=2, default="", blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        indexes = [
            models.Index(fields=["org_path", "name", "id"], name="member_path_name_idx"),
            # standing, sex, status too: the usual filters are checked in the index, so a deep page
            # (OFFSET 10,000) reads no table rows on SQLite and stays index-only on PostgreSQL.
            models.Index(
                fields=["county_path", "name", "id", "standing", "sex", "status"],
                name="member_county_name_idx",
            ),
            # The members whose age crosses a band edge on a given day (stats.rollups).
            models.Index(fields=["birth_date"], name="member_birth_idx"),
            models.Index(fields=["org", "standing"], name="member_org_standing_idx"),
            # Most members are in no party group: the index holds only those who are.
            models.Index(
                fields=["party_group"],
                condition=models.Q(party_group__isnull=False),
                name="member_party_group_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="member_id_number_hash_uniq"),
            models.CheckConstraint(
                condition=models.Q(converted_on__isnull=True)
                | models.Q(converted_on__gt=models.F("joined_on")),
                name="member_converted_after_joined",
            ),
            models.CheckConstraint(
                condition=models.Q(joined_on__gt=models.F("birth_date")), name="member_joined_after_birth"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["probationary", "formal"]), name="member_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

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
    def degree_label(self) -> str:
        return codes.label("degree", self.degree)

    @property
    def category_label(self) -> str:
        return codes.label("occupation", self.category)


class MemberEvent(models.Model):
    """A dated event in a member's life in the Party: which org they belonged to when, and why."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("登记")
        UPDATED = "updated", _("信息修改")
        ORG_CHANGED = "org_changed", _("组织关系变动")
        CONVERTED = "converted", _("转正")
        STANDING = "standing", _("党籍变动")
        MOBILITY = "mobility", _("外出流动")
        LOST_CONTACT = "lost_contact", _("失去联系")
        TRANSFER_OUT = "transfer_out", _("组织关系转出")
        TRANSFER_IN = "transfer_in", _("组织关系转入")
        TRANSFER_RETURNED = "transfer_returned", _("组织关系介绍信退回")
        TRANSFER_CANCELLED = "transfer_cancelled", _("组织关系介绍信撤销")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("日期"))
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        db_index=False,  # memberevent_actor_idx
    )
    from_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("原组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # memberevent_from_org_idx
    )
    to_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("新组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("党员事件")
        verbose_name_plural = _("党员事件")
        ordering = ["-on", "-id"]
        # Registrations (a million at a time by the importer) have no origin, and imports from the
        # command line no actor: partial indexes skip those rows instead of indexing their NULLs.
        indexes = [
            models.Index(
                fields=["from_org"],
                condition=models.Q(from_org__isnull=False),
                name="memberevent_from_org_idx",
            ),
            models.Index(
                fields=["actor"], condition=models.Q(actor__isnull=False), name="memberevent_actor_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}"


# -- 流动党员, 失联党员, 党籍变动 (members/mobility.py) ------------------------------------------------
class Mobility(models.Model):
    """流动党员: one stretch away from the branch, from leaving to returning (GX-07, GX-08, GX-02).

    `org_path` copies the member's branch path so a subtree's mobile members are one range scan;
    it follows subtree moves (paths.follow_moves), merges and the member's change of branch.
    """

    class Reason(models.TextChoices):
        WORK = "work", _("外出务工经商")
        STUDY = "study", _("外出学习")
        OTHER = "other", _("其他")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="mobilities"
    )
    left_on = models.DateField(_("外出日期"))
    destination = models.CharField(_("外出地点"), max_length=100)
    region = models.CharField(_("外出地行政区划"), max_length=6, blank=True)
    reason = models.CharField(_("外出原因"), max_length=8, choices=Reason.choices)
    reason_note = models.CharField(_("外出事由"), max_length=200, blank=True)
    phone_enc = models.TextField(_("外出期间联系电话(密文)"), blank=True, editable=False)
    phone_masked = models.CharField(_("外出期间联系电话"), max_length=20, blank=True, editable=False)
    certificate_no = models.CharField(_("流动党员活动证编号"), max_length=40, blank=True)
    host_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("流入地党组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    host_name = models.CharField(_("流入地党组织(系统外)"), max_length=100, blank=True)
    returned_on = models.DateField(_("返回日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    org_path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("流动党员登记")
        verbose_name_plural = _("流动党员登记")
        ordering = ["-left_on", "-id"]
        indexes = [models.Index(fields=["org_path", "returned_on"], name="mobility_path_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(returned_on__isnull=True) | models.Q(returned_on__gte=models.F("left_on")),
                name="mobility_returned_after_left",
            ),
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(returned_on__isnull=True), name="mobility_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.destination}"

    @property
    def host_label(self) -> str:
        return self.host_org.name if self.host_org_id and self.host_org else self.host_name


class MobilityReport(models.Model):
    """流动党员向流出地党组织的汇报 (GX-07: at least once a year)."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("当面汇报")
        PHONE = "phone", _("电话")
        WRITTEN = "written", _("书面")
        ONLINE = "online", _("网络")

    mobility = models.ForeignKey(
        Mobility, verbose_name=_("流动党员登记"), on_delete=models.CASCADE, related_name="reports"
    )
    on = models.DateField(_("汇报日期"))
    channel = models.CharField(_("汇报方式"), max_length=12, choices=Channel.choices)
    summary = models.CharField(_("汇报内容"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("流动党员汇报")
        verbose_name_plural = _("流动党员汇报")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["mobility", "on"], name="mobilityreport_on_idx")]

    def __str__(self) -> str:
        return f"{self.on} {self.get_channel_display()}"


class LostContact(models.Model):
    """失联党员 (or one studying or researching abroad): the clocks of GX-06 run from `since`, the
    last contact (abroad: the day they left the country), until the record is closed."""

    class Outcome(models.TextChoices):
        FOUND = "found", _("已取得联系")
        REMOVED = "removed", _("已出党")
        DECEASED = "deceased", _("已去世")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="lost_contacts"
    )
    since = models.DateField(_("最后联系日期"))
    abroad = models.BooleanField(_("出国(境)学习研究"), default=False)
    note = models.CharField(_("情况说明"), max_length=300, blank=True)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, blank=True)
    close_note = models.CharField(_("结束说明"), max_length=300, blank=True)
    org_path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("失联党员登记")
        verbose_name_plural = _("失联党员登记")
        ordering = ["since", "id"]
        indexes = [models.Index(fields=["org_path", "closed_on"], name="lostcontact_path_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("since")),
                name="lostcontact_closed_after_since",
            ),
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(closed_on__isnull=True), name="lostcontact_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.since}"


class LostContactEffort(models.Model):
    """One dated attempt to find a member who lost contact (GX-06: 通过各种方式查找)."""

    lost = models.ForeignKey(
        LostContact, verbose_name=_("失联党员登记"), on_delete=models.CASCADE, related_name="efforts"
    )
    on = models.DateField(_("查找日期"))
    method = models.CharField(_("查找方式"), max_length=50)
    note = models.CharField(_("查找情况"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("查找记录")
        verbose_name_plural = _("查找记录")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.on} {self.method}"


class StandingChange(models.Model):
    """党籍变动: 停止党籍, 恢复党籍, 出党 (除名, 劝退, 开除, 自行脱党除名), 死亡 — dated, with the
    deciding body, its decision and the rule cited. The member's history also gets a MemberEvent."""

    class Kind(models.TextChoices):
        SUSPEND = "suspend", _("停止党籍")
        RESTORE = "restore", _("恢复党籍")
        REMOVE = "remove", _("出党")
        DIED = "died", _("死亡")

    class Removal(models.TextChoices):
        EXPELLED = "expelled", _("开除党籍")
        STRUCK_OFF = "struck_off", _("除名")
        PERSUADED = "persuaded", _("劝退")
        LAPSED = "lapsed", _("自行脱党除名")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="standing_changes"
    )
    kind = models.CharField(_("变动"), max_length=10, choices=Kind.choices)
    removal = models.CharField(_("出党方式"), max_length=12, choices=Removal.choices, blank=True)
    on = models.DateField(_("日期"))
    from_standing = models.CharField(_("原党籍状态"), max_length=16)
    to_standing = models.CharField(_("新党籍状态"), max_length=16)
    reason = models.CharField(_("事由"), max_length=300)
    decided_by = models.CharField(_("决定(批准)机关"), max_length=100, blank=True)
    decision_ref = models.CharField(_("决定文号"), max_length=100, blank=True)
    cite = models.CharField(_("依据"), max_length=200, blank=True)
    lost = models.ForeignKey(
        LostContact,
        verbose_name=_("失联党员登记"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    org_path = models.CharField(max_length=255, editable=False)
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党籍变动")
        verbose_name_plural = _("党籍变动")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["org_path", "on"], name="standingchange_path_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind="remove", removal__in=["expelled", "struck_off", "persuaded", "lapsed"]
                )
                | (~models.Q(kind="remove") & models.Q(removal="")),
                name="standingchange_removal_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.member} {self.get_kind_display()}"


# -- 双报到 and 志愿服务 (members/community.py) ---------------------------------------------------------
class CommunityReport(models.Model):
    """双报到: an in-service member reporting to the 社区党组织 where they live.

    Two path copies, because two sides see the row: `community_path` (the community's org, which
    sees the members reporting to it) and `member_org_path` (the member's own branch, the employer
    side). Both follow subtree moves (core.paths); `member_org_path` also follows the member when
    the member changes branch (members.services.member_change_org)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在报到")
        ENDED = "ended", _("已结束")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="community_reports"
    )
    community = models.ForeignKey(
        "orgs.Org", verbose_name=_("报到社区党组织"), on_delete=models.PROTECT, related_name="+"
    )
    community_path = models.CharField(max_length=255, editable=False)
    member_org_path = models.CharField(max_length=255, editable=False)
    reported_on = models.DateField(_("报到日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    residence = models.CharField(_("居住地址"), max_length=200)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("双报到")
        verbose_name_plural = _("双报到")
        ordering = ["-reported_on", "-id"]
        indexes = [
            models.Index(fields=["community_path", "status"], name="comreport_community_idx"),
            models.Index(fields=["member_org_path", "status"], name="comreport_member_org_idx"),
        ]
        constraints = [
            # One community at a time: a member who moves house ends the old report first.
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(status="active"), name="comreport_one_active"
            ),
            models.CheckConstraint(
                condition=(models.Q(status="active") & models.Q(ended_on__isnull=True))
                | (models.Q(status="ended") & models.Q(ended_on__gte=models.F("reported_on"))),
                name="comreport_status_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}→{self.community_id}"


class VolunteerActivity(models.Model):
    """A volunteer activity a community organizes; members' hours are VolunteerRecord rows."""

    class Kind(models.TextChoices):
        GOVERNANCE = "governance", _("社区治理")
        ENVIRONMENT = "environment", _("环境整治")
        CIVILITY = "civility", _("文明实践")
        CARE = "care", _("助老助残")
        EMERGENCY = "emergency", _("疫情防控与应急")
        SAFETY = "safety", _("平安巡逻")
        OTHER = "other", _("其他")

    community = models.ForeignKey(
        "orgs.Org", verbose_name=_("组织社区"), on_delete=models.PROTECT, related_name="+"
    )
    community_path = models.CharField(max_length=255, editable=False)
    title = models.CharField(_("活动名称"), max_length=200)
    kind = models.CharField(_("活动类别"), max_length=12, choices=Kind.choices)
    started_on = models.DateField(_("活动日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    organizer = models.CharField(_("组织者"), max_length=100, blank=True)
    description = models.TextField(_("活动内容"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["community_path", "started_on"], name="volact_community_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="volact_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["community", "title", "started_on"], name="volact_community_title_day_uniq"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class VolunteerRecord(models.Model):
    """志愿服务: one member's recorded hours at one activity. Recorded service, never a ranking.

    `member_org_path` is the member's branch when the hours were served (like dues rows: an
    employer's roll-up counts what its members did while they belonged to it)."""

    activity = models.ForeignKey(
        VolunteerActivity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="records"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="volunteer_records"
    )
    served_on = models.DateField(_("服务日期"))
    hours = models.DecimalField(_("服务时长(小时)"), max_digits=5, decimal_places=1)
    community_path = models.CharField(max_length=255, editable=False)
    member_org_path = models.CharField(max_length=255, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_on = models.DateField(_("确认日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        ordering = ["-served_on", "id"]
        indexes = [
            models.Index(fields=["community_path", "served_on"], name="volrec_community_idx"),
            models.Index(fields=["member_org_path", "served_on"], name="volrec_member_org_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="volrec_activity_member_uniq"),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="volrec_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.hours}h"


class CommunityEvaluation(models.Model):
    """The community's evaluation of a reported member for one period of rule CX-03 (a year by
    default, half a year where a local pack says so), fed back to the member's own branch."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        QUALIFIED = "qualified", _("合格")
        BASIC = "basic", _("基本合格")
        UNQUALIFIED = "unqualified", _("不合格")

    report = models.ForeignKey(
        CommunityReport, verbose_name=_("报到"), on_delete=models.PROTECT, related_name="evaluations"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="community_evaluations"
    )
    community = models.ForeignKey(
        "orgs.Org", verbose_name=_("评议社区党组织"), on_delete=models.PROTECT, related_name="+"
    )
    community_path = models.CharField(max_length=255, editable=False)
    member_org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    period_key = models.CharField(_("评议期"), max_length=8)
    period_label = models.CharField(_("评议期"), max_length=20)
    grade = models.CharField(_("评议等次"), max_length=12, choices=Grade.choices)
    comment = models.CharField(_("评议意见"), max_length=500, blank=True)
    evaluated_on = models.DateField(_("评议日期"))
    rule_id = models.CharField(_("依据规则"), max_length=32)
    rule_version = models.CharField(_("规则版本"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("社区评议")
        verbose_name_plural = _("社区评议")
        ordering = ["-evaluated_on", "-id"]
        indexes = [
            models.Index(fields=["community_path", "year"], name="comeval_community_idx"),
            models.Index(fields=["member_org_path", "year"], name="comeval_member_org_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "community", "period_key"], name="comeval_member_period_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.period_key} {self.grade}"


class Transfer(models.Model):
    """组织关系转接: one 组织关系介绍信 and what became of it (members.transfers).

    Within the system the member stays in `from_org` until the receiving branch accepts (GX-02: the
    sending org is responsible until receipt), so a member always belongs to exactly one org (GX-01);
    the receiving branch sees the transfer as incoming meanwhile. Out of the system the letter goes to
    an org zugong does not hold (`to_name`); a recorded 回执 closes it. In from outside, the member is
    registered in `to_org` from the letter of an outside org (`from_name`). `from_path` / `to_path`
    copy the orgs' tree paths ("" for the outside side) so either side's list is one range scan.
    """

    class Kind(models.TextChoices):
        WITHIN = "within", _("系统内转接")
        OUT = "out", _("转出本系统")
        IN = "in", _("从系统外转入")

    class State(models.TextChoices):
        PENDING = "pending", _("待接收")
        RECEIVED = "received", _("已接收")
        RETURNED = "returned", _("已退回")
        REISSUED = "reissued", _("已过期重开")
        CANCELLED = "cancelled", _("已撤销")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="transfers"
    )
    kind = models.CharField(_("转接类型"), max_length=8, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    from_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("转出党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    from_name = models.CharField(_("转出党组织名称"), max_length=200)
    from_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    to_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("接收党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    to_name = models.CharField(_("接收党组织名称"), max_length=200)
    to_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    to_province = models.CharField(_("接收地省份"), max_length=2, blank=True)
    cross_province = models.BooleanField(_("跨省转接"), default=False)
    letter_number = models.CharField(_("介绍信编号"), max_length=40)
    issued_on = models.DateField(_("开具日期"))
    valid_until = models.DateField(_("有效期至"))
    reason = models.CharField(_("转接原因"), max_length=300, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    received_on = models.DateField(_("接收日期"), null=True, blank=True)
    receipt_number = models.CharField(_("回执编号"), max_length=40, blank=True)
    receipt_note = models.CharField(_("回执说明"), max_length=300, blank=True)
    returned_on = models.DateField(_("退回日期"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    # A returned letter waits for the sender (GX-02: 不得拒转拒接; the sender corrects and sends
    # again, or keeps the member): set when a later transfer starts or the sender settles it.
    settled_on = models.DateField(_("退回处理日期"), null=True, blank=True)
    closed_on = models.DateField(_("撤销或重开日期"), null=True, blank=True)
    reissue_of = models.OneToOneField(
        "self",
        verbose_name=_("重开自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_as",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("开具人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["from_path", "state"], name="transfer_from_idx"),
            models.Index(fields=["to_path", "state"], name="transfer_to_idx"),
            models.Index(fields=["state", "valid_until"], name="transfer_state_valid_idx"),
        ]
        constraints = [
            # One open letter per member: a second would leave them between two orgs.
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(state="pending"), name="transfer_one_open"
            ),
            models.UniqueConstraint(
                fields=["from_org", "letter_number"],
                condition=models.Q(from_org__isnull=False),
                name="transfer_letter_number_uniq",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("issued_on")), name="transfer_valid_after_issue"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="within", from_org__isnull=False, to_org__isnull=False)
                    | models.Q(kind="out", from_org__isnull=False, to_org__isnull=True)
                    | models.Q(kind="in", from_org__isnull=True, to_org__isnull=False)
                ),
                name="transfer_kind_orgs",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="received") | models.Q(received_on__isnull=False),
                name="transfer_received_dated",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="returned") | ~models.Q(return_reason=""),
                name="transfer_return_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter_number} {self.from_name} → {self.to_name}"
