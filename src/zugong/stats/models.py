"""Rollups: per-org counts of the members (and orgs) below it, kept exact by the services.

`Rollup` holds one marginal count per (org, dimension, value): members in good standing by sex,
education level, 人员类别 (top level), 党员类型 and age band, and active orgs below by kind. Only
orgs with children carry rows (branches are read live: a few dozen rows). Age bands move with
the calendar, so the band counts are as of `RollupState.bands_on`; a read on another day corrects
them from the few members whose age crossed a band edge in between (`stats.rollups`), and
`zugong stats refresh` (daily) moves those members and the date forward.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Rollup(models.Model):
    class Dim(models.TextChoices):
        SEX = "s", _("性别")
        EDUCATION = "e", _("学历")
        CATEGORY = "c", _("人员类别")
        STATUS = "t", _("党员类型")
        AGE_BAND = "a", _("年龄段")
        ORG_KIND = "k", _("组织类别")

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", db_index=False)
    dim = models.CharField(max_length=1, choices=Dim.choices)
    value = models.CharField(max_length=32, blank=True)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        constraints = [
            models.UniqueConstraint(fields=["org", "dim", "value"], name="rollup_org_dim_value_uniq"),
            models.CheckConstraint(condition=models.Q(n__gte=0), name="rollup_n_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.dim}={self.value}: {self.n}"


class RollupState(models.Model):
    """One row (id 1): the day the stored age bands are valid for, and the depth of the county
    level whose path members carry in `county_path` (the data and its parameter kept together)."""

    bands_on = models.DateField(_("年龄段统计日期"))
    county_depth = models.PositiveSmallIntegerField(_("县级组织层级"), default=3)

    class Meta:
        verbose_name = _("统计状态")
        verbose_name_plural = _("统计状态")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="rollupstate_single_row")]

    def __str__(self) -> str:
        return f"bands on {self.bands_on}, county depth {self.county_depth}"
