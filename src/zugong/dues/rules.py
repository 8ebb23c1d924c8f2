"""The dues arithmetic, asked of the rule packs: which rule a category follows, the monthly amount of
a base, months as calendar months, and the arrears thresholds. No number of a regulation lives here.

Rounding: the regulation names rates, not a rounding rule. zugong applies the rate to the whole base
(DF-02 "mode": "whole") and rounds half up to the fen (`ROUND_HALF_UP`, 0.005 元 → 0.01 元), the
practice of the 党费计算 tables; `decimal`'s default (half to even) would turn 10.005 into 10.00.
Farmers' 0.2–1 元 (DF-05) is a range the branch chooses within; the others of DF-05 pay its minimum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zugong.dues.models import Category
from zugong.rules import engine
from zugong.rules.engine import RuleVersion

FEN = Decimal("0.01")
ROUNDING = ROUND_HALF_UP

# category → (the rule of its rate or amount, the category name inside that rule's params)
CATEGORY_RULES: dict[str, tuple[str, str]] = {
    Category.IN_SERVICE: ("DF-02", "salaried"),
    Category.ANNUAL_SALARY: ("DF-02", "salaried"),
    Category.SELF_EMPLOYED: ("DF-02", "salaried"),
    Category.RETIREE: ("DF-04", "retired"),
    Category.FARMER: ("DF-05", "farmer"),
    Category.STUDENT: ("DF-05", "student"),
    Category.UNEMPLOYED: ("DF-05", "unemployed"),
    Category.RELIEF: ("DF-05", "relief"),
}
# What the base is for categories whose base is not simply the monthly pay (DF-01 is the default).
BASE_RULES: dict[str, str] = {
    Category.IN_SERVICE: "DF-01",
    Category.ANNUAL_SALARY: "DF-03",
    Category.SELF_EMPLOYED: "DF-03",
    Category.RETIREE: "DF-04",
}
FIXED_CATEGORIES = {c for c, (rule_id, _name) in CATEGORY_RULES.items() if rule_id == "DF-05"}


def needs_base(category: str) -> bool:
    return category in CATEGORY_RULES and category not in FIXED_CATEGORIES


def chooses_amount(category: str) -> bool:
    """Farmers: the branch sets an amount within DF-05's range."""
    return category == Category.FARMER


# -- months ------------------------------------------------------------------------------------------
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    return engine.add_months(month_start(month), n)


def months_between(first: dt.date, last: dt.date) -> int:
    """Calendar months from `first`'s month to `last`'s month (January → March = 2)."""
    return (last.year - first.year) * 12 + last.month - first.month


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month start from `first`'s month to `last`'s month, inclusive."""
    out, current, end = [], month_start(first), month_start(last)
    while current <= end:
        out.append(current)
        current = add_months(current, 1)
    return out


def quarter_end(day: dt.date) -> dt.date:
    """The first day of the last month of `day`'s calendar quarter."""
    period = engine.period_of("quarter", day)
    return add_months(period.end, -1)


def parse_month(value: str) -> dt.date:
    """'2026-03' or '2026-03-01' → 2026-03-01; ValueError otherwise."""
    value = (value or "").strip()
    if len(value) == 7:
        value += "-01"
    return month_start(dt.date.fromisoformat(value))


def money(value) -> Decimal:
    """A typed-in amount as Decimal to the fen; ValueError for anything else."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", "").removesuffix("元"))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(_("金额应为数字,如 4500 或 4500.00")) from exc
    if not amount.is_finite():
        raise ValueError(_("金额应为数字,如 4500 或 4500.00"))
    if amount != amount.quantize(FEN):
        raise ValueError(_("金额最多两位小数(精确到分)"))
    return amount.quantize(FEN)


# -- the amount of a base ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Quote:
    category: str
    base: Decimal | None
    amount: Decimal
    rule: RuleVersion
    label: str  # the bracket or the fixed amount, as the rule words it
    rate: Decimal | None = None
    fixed_min: Decimal | None = None
    fixed_max: Decimal | None = None

    @property
    def line(self) -> str:
        """`zugong dues quote`'s one line: '45.00 DF-02《…》第二条'."""
        return f"{self.amount:.2f} {self.rule.cite}"

    @property
    def explanation(self) -> str:
        if self.rate is not None and self.base is not None:
            return _("%(base)s元 × %(rate)s%% = %(amount)s元(%(label)s,全额计算,四舍五入到分)") % {
                "base": f"{self.base:,.2f}",
                "rate": _percent(self.rate),
                "amount": f"{self.amount:.2f}",
                "label": self.label,
            }
        return _("每月%(amount)s元(%(label)s)") % {"amount": f"{self.amount:.2f}", "label": self.label}


def _percent(rate: Decimal) -> str:
    text = f"{(rate * 100).normalize():f}"
    return text


def quote(
    *,
    category: str,
    base: Decimal | None = None,
    fixed_amount: Decimal | None = None,
    on: dt.date | None = None,
    org=None,
) -> Quote:
    """The monthly amount for `category` and `base` (or a farmer's chosen amount) under the rules in
    force on `on`. Raises ValidationError keyed by field, in Chinese, naming the rule."""
    if category not in CATEGORY_RULES:
        raise ValidationError({"category": _("未知的交纳类别“%(c)s”") % {"c": category}})
    rule_id, name = CATEGORY_RULES[category]
    result = engine.bracket(rule_id, amount=base or Decimal("0"), category=name, on=on, org=org)
    if result.rate is not None:
        if base is None:
            raise ValidationError(
                {
                    "base": _("请填写月收入基数(%(cite)s)")
                    % {"cite": engine.rule(BASE_RULES[category], on=on).cite}
                }
            )
        if base < 0:
            raise ValidationError({"base": _("基数不能为负数")})
        base = Decimal(base).quantize(FEN)
        amount = (base * result.rate).quantize(FEN, rounding=ROUNDING)
        return Quote(category, base, amount, result.rule, result.label, rate=result.rate)
    low = result.fixed if result.fixed is not None else Decimal("0")
    high = result.fixed_max
    amount = low
    if chooses_amount(category) and fixed_amount is not None:
        if fixed_amount < low or (high is not None and fixed_amount > high):
            raise ValidationError(
                {
                    "fixed_amount": _("每月交纳金额应在%(lo)s元至%(hi)s元之间(%(cite)s)")
                    % {"lo": f"{low:.2f}", "hi": f"{(high or low):.2f}", "cite": result.rule.cite}
                }
            )
        amount = Decimal(fixed_amount).quantize(FEN)
    return Quote(
        category, None, amount.quantize(FEN), result.rule, result.label, fixed_min=low, fixed_max=high
    )


# -- arrears thresholds ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArrearsRules:
    warn_months: int
    lapse_months: int
    warn: RuleVersion  # DF-13
    lapse: RuleVersion  # GX-05 (党章第九条)

    def status(self, months: int) -> str:
        if months >= self.lapse_months:
            return "flagged"
        if months >= self.warn_months:
            return "warned"
        return ""

    def rule_for(self, status: str) -> RuleVersion:
        return self.lapse if status == "flagged" else self.warn


def arrears_rules(*, on: dt.date, org=None) -> ArrearsRules:
    warn = engine.rule("DF-13", on=on, org=org)
    lapse = engine.rule("GX-05", on=on, org=org)
    return ArrearsRules(
        warn_months=int(warn.params["warn_months"]),
        lapse_months=int(lapse.params["lapse_months"]),
        warn=warn,
        lapse=lapse,
    )


def article_of(rule: RuleVersion) -> str:
    """'《中国共产党章程》第九条': the cite without the rule id."""
    return f"《{rule.pack_title}》{rule.article}"
