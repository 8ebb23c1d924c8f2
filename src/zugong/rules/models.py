from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RulePack(models.Model):
    """A versioned set of rules from one document: a national regulation shipped with zugong, or a
    locality's own tightening (a local pack, bound to the org whose subtree it governs)."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("全国")
        PROVINCIAL = "provincial", _("省级")
        CITY = "city", _("市级")
        COUNTY = "county", _("县级")
        UNIT = "unit", _("单位")

    code = models.CharField(_("规则包代码"), max_length=64)
    version = models.CharField(_("版本"), max_length=32)
    title = models.CharField(_("名称"), max_length=200)
    issuer = models.CharField(_("发布机关"), max_length=200, blank=True)
    doc_number = models.CharField(_("文号"), max_length=100, blank=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    effective_from = models.DateField(_("施行日期"))
    effective_to = models.DateField(_("废止日期"), null=True, blank=True)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices, default=Level.NATIONAL)
    is_shipped = models.BooleanField(_("随系统发布"), default=True)
    # A local pack governs the subtree of its org; shipped national packs have none.
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("适用党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rule_packs",
    )
    org_path = models.CharField(_("组织路径"), max_length=255, blank=True, db_index=True, editable=False)
    source_url = models.URLField(_("来源"), max_length=500, blank=True)
    notes = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("规则包")
        verbose_name_plural = _("规则包")
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rulepack_code_version_uniq"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")),
                name="rulepack_dates_ordered",
            ),
            # Shipped packs are national and bound to no org; local packs always have one.
            models.CheckConstraint(
                condition=Q(is_shipped=True, org__isnull=True) | Q(is_shipped=False, org__isnull=False),
                name="rulepack_shipped_xor_local",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}({self.version})"

    @property
    def is_local(self) -> bool:
        return self.org_id is not None


class Rule(models.Model):
    class Kind(models.TextChoices):
        FREQUENCY = "frequency", _("频次")
        DEADLINE = "deadline", _("时限")
        EARLIEST = "earliest", _("最早日期")
        QUORUM = "quorum", _("到会与表决")
        THRESHOLD = "threshold", _("阈值")
        BRACKET = "bracket", _("档次")
        QUOTA = "quota", _("名额比例")
        CONSTRAINT = "constraint", _("约束")

    class Confidence(models.TextChoices):
        VERIFIED = "V", _("已核实")
        LOCAL = "L", _("地方做法")
        UNVERIFIED = "U", _("待核实")

    pack = models.ForeignKey(
        RulePack, verbose_name=_("规则包"), on_delete=models.CASCADE, related_name="rules"
    )
    rule_id = models.CharField(_("规则编号"), max_length=32)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("规则"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    # Which way each parameter may move in a local pack: "up" (higher is stricter), "down",
    # "superset" (a list may only grow) or "fixed". Undeclared parameters keep the kind's default.
    tighten = models.JSONField(_("从严方向"), default=dict, blank=True)
    article = models.CharField(_("条款"), max_length=200)
    basis = models.TextField(_("依据原文"), blank=True)
    source_url = models.URLField(_("来源"), max_length=500, blank=True)
    confidence = models.CharField(
        _("可信度"), max_length=1, choices=Confidence.choices, default=Confidence.VERIFIED
    )
    # A version of a local rule: empty dates mean the pack's. Editing a rule that has been in force
    # closes this row (effective_to) and adds a new one, so past evaluations stay reproducible.
    effective_from = models.DateField(_("本版本施行日期"), null=True, blank=True)
    effective_to = models.DateField(_("本版本停止日期"), null=True, blank=True)
    # The national pack a local override was checked against; if the national rule is revised the
    # override no longer applies until an operator confirms it against the new version.
    base_pack = models.ForeignKey(
        RulePack,
        verbose_name=_("所收紧的全国规则包"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="overrides",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("规则")
        verbose_name_plural = _("规则")
        ordering = ["rule_id", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["pack", "rule_id"],
                condition=Q(effective_to__isnull=True),
                name="rule_pack_ruleid_open_uniq",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="rule_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(confidence__in=["V", "L", "U"]), name="rule_confidence_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.title}"


class CalendarYear(models.Model):
    """A year whose holidays and 调休 workdays are known. Without it, working-day answers for that
    year are provisional (Monday to Friday assumed)."""

    class Source(models.TextChoices):
        SHIPPED = "shipped", _("chinese-calendar 数据包")
        OPERATOR = "operator", _("操作员录入")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("日历年份")
        verbose_name_plural = _("日历年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a holiday (not a workday) or a 调休 workday on a weekend."""

    class Source(models.TextChoices):
        SHIPPED = "shipped", _("数据包")
        OPERATOR = "operator", _("操作员更正")

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"))
    name = models.CharField(_("名称"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    note = models.CharField(_("依据或说明"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["shipped", "operator"]), name="calday_source_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
