"""党费 (Party dues): each member's dated base history, approved hardship reliefs, the amount due for
every member-month (computed once, stored with the rule that produced it) and the payments.

Rules are the pack `party-dues` (DF-01..DF-13, 《关于中国共产党党费收缴、使用和管理的规定》) and GX-05
(党章第九条); see dues/rules.py and docs/dues.md. Money is `Decimal` to the fen everywhere.

`Dues` and `DuesPayment` carry a copy of their branch's tree path (C-collated on PostgreSQL, rewritten
in one UPDATE when a subtree moves), so a committee's monthly roll-up is one range scan grouped by
child org. A month's row stays with the branch the member belonged to when it was computed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """交纳党费的人员类别: which rule and which base (DF-01..DF-05)."""

    IN_SERVICE = "in_service", _("在职党员")
    ANNUAL_SALARY = "annual_salary", _("实行年薪制的党员")
    SELF_EMPLOYED = "self_employed", _("个体经营等收入不固定的党员")
    RETIREE = "retiree", _("离退休党员")
    FARMER = "farmer", _("农民党员")
    STUDENT = "student", _("学生党员")
    UNEMPLOYED = "unemployed", _("下岗失业党员")
    RELIEF = "relief", _("依靠抚恤、救济或领取低保的党员")


class DuesBase(models.Model):
    """A member's category and monthly base from a month on (DF-01, DF-03, DF-06: a change of pay
    applies from the month the new pay is first received). The row in force for a month is the
    latest whose `effective_from` is not after it; earlier rows are the history."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues_bases"
    )
    category = models.CharField(_("交纳类别"), max_length=16, choices=Category.choices)
    base = models.DecimalField(
        _("月工资收入基数(税后)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    fixed_amount = models.DecimalField(
        _("每月交纳金额"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("农民党员在规定范围内确定"),
    )
    effective_from = models.DateField(_("起始月份"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now=True)

    class Meta:
        verbose_name = _("党费基数")
        verbose_name_plural = _("党费基数")
        ordering = ["member", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["member", "effective_from"], name="duesbase_member_month_uniq"),
            models.CheckConstraint(condition=Q(effective_from__day=1), name="duesbase_month_start"),
            models.CheckConstraint(
                condition=Q(base__isnull=True) | Q(base__gte=0), name="duesbase_base_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(fixed_amount__isnull=True) | Q(fixed_amount__gte=0), name="duesbase_fixed_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.effective_from:%Y-%m} {self.category}"


class DuesRelief(models.Model):
    """A hardship reduction or exemption (DF-10): applied for by the member, agreed by the branch
    committee and approved by the next-higher Party committee, with the approval's document number."""

    class Kind(models.TextChoices):
        REDUCE = "reduce", _("少交")
        EXEMPT = "exempt", _("免交")

    member = models.ForeignKey(
        "members.Member", verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues_reliefs"
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    amount = models.DecimalField(_("减免后每月交纳"), max_digits=8, decimal_places=2, null=True, blank=True)
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("截止月份"), null=True, blank=True, help_text=_("不填为长期"))
    approving_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("批准党组织"), on_delete=models.PROTECT, related_name="+"
    )
    document_number = models.CharField(_("批准文号"), max_length=100)
    approved_on = models.DateField(_("批准日期"))
    reason = models.CharField(_("困难情况"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("困难党员少交免交")
        verbose_name_plural = _("困难党员少交免交")
        ordering = ["member", "-start_month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__day=1) & (Q(end_month__isnull=True) | Q(end_month__day=1)),
                name="duesrelief_month_start",
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=F("start_month")),
                name="duesrelief_end_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(kind="exempt") & Q(amount__isnull=True))
                | (Q(kind="reduce") & Q(amount__isnull=False) & Q(amount__gte=0)),
                name="duesrelief_amount_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.document_number}"

    def covers(self, month) -> bool:
        return self.start_month <= month and (self.end_month is None or month <= self.end_month)


class DuesPayment(models.Model):
    """One payment: the months it covers (each month's `Dues` row points at it), who paid and how.

    DF-09: a payment is always the member's own, in person or through another member at their
    request; the organization never advances (垫交) or deducts (扣缴) dues, so there is no such method.
    """

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("本人交纳")
        BY_OTHER = "by_other", _("委托他人代交")

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("按月交纳")
        QUARTERLY = "quarterly", _("按季度交纳")
        BACK = "back", _("补交")
        VOLUNTARY = "voluntary", _("自愿多交")

    member = models.ForeignKey(
        "members.Member", verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues_payments"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("收缴党支部"), on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField(max_length=255, editable=False)
    paid_on = models.DateField(_("交纳日期"))
    method = models.CharField(_("交纳方式"), max_length=12, choices=Method.choices)
    kind = models.CharField(_("交纳类型"), max_length=12, choices=Kind.choices)
    paid_by = models.ForeignKey(
        "members.Member",
        verbose_name=_("代交人"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )
    first_month = models.DateField(_("所交首月"), null=True, blank=True)
    last_month = models.DateField(_("所交末月"), null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("月数"), default=0)
    dues_amount = models.DecimalField(_("应交党费"), max_digits=10, decimal_places=2)
    voluntary_amount = models.DecimalField(_("自愿多交"), max_digits=10, decimal_places=2, default=0)
    amount = models.DecimalField(_("实交金额"), max_digits=10, decimal_places=2)
    to_centre = models.BooleanField(_("全部上缴中央"), default=False)
    back_approved_by = models.CharField(_("超期补交批准人"), max_length=100, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收缴人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    voided_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党费交纳记录")
        verbose_name_plural = _("党费交纳记录")
        ordering = ["-paid_on", "-id"]
        indexes = [
            models.Index(fields=["org_path", "paid_on"], name="duespay_path_paid_idx"),
            models.Index(fields=["member", "paid_on"], name="duespay_member_idx"),
        ]
        constraints = [
            # amount = dues + voluntary, to the fen; a tolerance because SQLite keeps decimals as REAL.
            models.CheckConstraint(
                condition=Q(amount__gt=F("dues_amount") + F("voluntary_amount") - Decimal("0.005"))
                & Q(amount__lt=F("dues_amount") + F("voluntary_amount") + Decimal("0.005")),
                name="duespay_amount_sum",
            ),
            models.CheckConstraint(
                condition=Q(dues_amount__gte=0) & Q(voluntary_amount__gte=0) & Q(amount__gt=0),
                name="duespay_amounts_positive",
            ),
            models.CheckConstraint(
                condition=(Q(method="by_other") & Q(paid_by__isnull=False))
                | (Q(method="in_person") & Q(paid_by__isnull=True)),
                name="duespay_payer_by_method",
            ),
            models.CheckConstraint(
                condition=(Q(months=0) & Q(first_month__isnull=True) & Q(last_month__isnull=True))
                | (Q(months__gt=0) & Q(last_month__gte=F("first_month"))),
                name="duespay_months_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}"

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class Dues(models.Model):
    """The amount due for one member and one month, computed from the base and relief in force and
    stored with the rule (and pack version) that produced it; `payment` is set when it is paid."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues"
    )
    month = models.DateField(_("月份"))
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所在党支部"), on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField(max_length=255, editable=False)
    category = models.CharField(_("交纳类别"), max_length=16, choices=Category.choices)
    base = models.DecimalField(_("基数"), max_digits=12, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(_("应交金额"), max_digits=10, decimal_places=2)
    rule_id = models.CharField(_("规则"), max_length=20)
    rule_version = models.CharField(_("规则版本"), max_length=40)
    relief = models.ForeignKey(
        DuesRelief,
        verbose_name=_("少交免交"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )
    payment = models.ForeignKey(
        DuesPayment,
        verbose_name=_("交纳记录"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="dues",
    )
    paid_on = models.DateField(_("交纳日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("月应交党费")
        verbose_name_plural = _("月应交党费")
        ordering = ["member", "month"]
        indexes = [
            models.Index(fields=["month", "org_path"], name="dues_month_path_idx"),
            models.Index(fields=["org", "month"], name="dues_org_month_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_member_month_uniq"),
            models.CheckConstraint(condition=Q(month__day=1), name="dues_month_start"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="dues_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(payment__isnull=True, paid_on__isnull=True)
                | Q(payment__isnull=False, paid_on__isnull=False),
                name="dues_paid_on_with_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m} {self.amount}"

    @property
    def is_paid(self) -> bool:
        return self.payment_id is not None
