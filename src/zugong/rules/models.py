from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RulePack(models.Model):
    """A versioned set of rules from one document (a regulation, or a locality's practice)."""

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

    class Meta:
        verbose_name = _("规则包")
        verbose_name_plural = _("规则包")
        ordering = ["code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="rulepack_code_version_uniq")]

    def __str__(self) -> str:
        return f"{self.title}({self.version})"


class Rule(models.Model):
    class Kind(models.TextChoices):
        FREQUENCY = "frequency", _("频次")
        DEADLINE = "deadline", _("时限")
        EARLIEST = "earliest", _("最早日期")
        QUORUM = "quorum", _("到会与表决")
        THRESHOLD = "threshold", _("阈值")
        BRACKET = "bracket", _("档次")
        QUOTA = "quota", _("名额比例")

    pack = models.ForeignKey(
        RulePack, verbose_name=_("规则包"), on_delete=models.CASCADE, related_name="rules"
    )
    rule_id = models.CharField(_("规则编号"), max_length=16)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("规则"), max_length=200)
    params = models.JSONField(_("参数"), default=dict)
    article = models.CharField(_("条款"), max_length=200)
    basis = models.TextField(_("依据原文"), blank=True)

    class Meta:
        verbose_name = _("规则")
        verbose_name_plural = _("规则")
        ordering = ["rule_id"]
        constraints = [models.UniqueConstraint(fields=["pack", "rule_id"], name="rule_pack_ruleid_uniq")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.title}"
