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
    id_number_hash = models.CharField(max_length=40, unique=True, editable=False)
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
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所在党支部"), on_delete=models.PROTECT, related_name="members"
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
        ]
        constraints = [
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
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL
    )
    from_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("原组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
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

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}"


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
