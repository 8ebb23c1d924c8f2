from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from zugong.core import codes


class OrgKind(models.TextChoices):
    """党组织类别 (code table `org_kind` carries the same codes with their official names)."""

    COMMITTEE = "committee", _("党委")
    WORKING_COMMITTEE = "working_committee", _("党工委")
    LEADING_GROUP = "leading_group", _("党组")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")


BRANCH_KINDS = {OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH}


class Org(MP_Node):
    """A Party organization, a node of the tree (materialized path, C-collated on PostgreSQL).

    `member_total` and `org_total` are the exact totals of the whole subtree, kept along the
    ancestors by the services on every change, so the tree and dashboards never count rows.
    """

    steplen = 4

    code = models.CharField(_("组织代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=100, blank=True)
    kind = models.CharField(_("组织类别"), max_length=32, choices=OrgKind.choices)
    region_code = models.CharField(_("行政区划"), max_length=12, blank=True)
    for_mobile_members = models.BooleanField(_("流动党员党组织"), default=False)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    term_started_on = models.DateField(_("本届任期起始"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    province_code = models.CharField(_("省份代码"), max_length=2, default="", blank=True)
    member_total = models.IntegerField(_("党员总数(含下级)"), default=0)
    org_total = models.IntegerField(_("下级组织数"), default=0)
    units = models.ManyToManyField("orgs.Unit", through="orgs.OrgUnit", related_name="orgs", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [
            models.Index(fields=["kind"], name="org_kind_idx"),
            # A node's children (depth d + 1 inside its path range): without it, expanding the root
            # of a province read all 400,000 orgs of the range to keep 60 (≈ 100 ms).
            models.Index(fields=["depth", "path"], name="org_depth_path_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dissolved_on__isnull=True) | models.Q(is_active=False),
                name="org_dissolved_inactive",
            ),
            models.CheckConstraint(condition=models.Q(member_total__gte=0), name="org_member_total_nonneg"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return self.get_kind_display()

    @property
    def region_label(self) -> str:
        return codes.label("region", self.region_code)

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS


class Unit(models.Model):
    """单位: where Party organizations sit. A unit may have none yet (coverage counts those)."""

    code = models.CharField(_("单位代码"), max_length=32, unique=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    name = models.CharField(_("单位名称"), max_length=200)
    kind = models.CharField(_("单位类别"), max_length=32)
    region_code = models.CharField(_("行政区划"), max_length=12, blank=True)
    township = models.CharField(_("乡镇(街道)"), max_length=100, blank=True)
    village = models.CharField(_("村(社区)"), max_length=100, blank=True)
    employees = models.PositiveIntegerField(_("从业人员数"), null=True, blank=True)
    managing_org = models.ForeignKey(
        Org,
        verbose_name=_("管理党组织"),
        on_delete=models.PROTECT,
        related_name="managed_units",
        help_text=_("负责该单位党建工作的上级党组织,决定哪些账号能看到它"),
    )
    managing_path = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return codes.label("unit_kind", self.kind)

    @property
    def region_label(self) -> str:
        return codes.label("region", self.region_code)


class OrgUnit(models.Model):
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="unit_links")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="org_links")
    is_primary = models.BooleanField(_("主要单位"), default=False)

    class Meta:
        verbose_name = _("组织所在单位")
        verbose_name_plural = _("组织所在单位")
        constraints = [models.UniqueConstraint(fields=["org", "unit"], name="orgunit_org_unit_uniq")]

    def __str__(self) -> str:
        return f"{self.org_id}→{self.unit_id}"


class CommitteeSeat(models.Model):
    """A seat of an org's committee (班子): 书记, 副书记 or 委员 with a duty, for a dated term."""

    class Post(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        MEMBER = "member", _("委员")

    org = models.ForeignKey(Org, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="seats")
    post = models.CharField(_("职务"), max_length=20, choices=Post.choices)
    duty = models.CharField(
        _("分工"), max_length=50, blank=True, help_text=_("如 组织委员、宣传委员、纪检委员")
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seats",
    )
    person_name = models.CharField(_("姓名"), max_length=50)
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("班子成员")
        verbose_name_plural = _("班子成员")
        ordering = ["org", "ended_on", "post", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="seat_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_name} {self.duty or self.get_post_display()}"


class OrgEvent(models.Model):
    """The history of an org: created, edited, moved, merged, dissolved — never overwritten."""

    class Kind(models.TextChoices):
        CREATED = "created", _("成立")
        UPDATED = "updated", _("修改")
        MOVED = "moved", _("调整隶属关系")
        MERGED_INTO = "merged_into", _("并入")
        ABSORBED = "absorbed", _("合并")
        DISSOLVED = "dissolved", _("撤销")
        SEAT = "seat", _("班子变动")
        TERM = "term", _("换届")

    org = models.ForeignKey(Org, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("日期"))
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL
    )
    summary = models.CharField(_("摘要"), max_length=300)
    other_org = models.ForeignKey(
        Org, verbose_name=_("相关组织"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("组织沿革")
        verbose_name_plural = _("组织沿革")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()} {self.summary}"
