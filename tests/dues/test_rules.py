"""The dues arithmetic (dues/rules.py): every bracket boundary and category, rounding, months."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zugong.dues import rules

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.mark.parametrize(
    ("category", "base", "amount", "rule_id"),
    [
        # DF-02: ≤3000 0.5 %, ≤5000 1 %, ≤10000 1.5 %, above 2 %, on the whole base
        ("in_service", "0", "0.00", "DF-02"),
        ("in_service", "2999.99", "15.00", "DF-02"),  # 14.99995 → 15.00
        ("in_service", "3000", "15.00", "DF-02"),
        ("in_service", "3000.01", "30.00", "DF-02"),  # 30.0001 → 30.00: the whole base at 1 %
        ("in_service", "4500", "45.00", "DF-02"),
        ("in_service", "4999.99", "50.00", "DF-02"),
        ("in_service", "5000", "50.00", "DF-02"),
        ("in_service", "5000.01", "75.00", "DF-02"),  # 75.00015
        ("in_service", "9999.99", "150.00", "DF-02"),  # 149.99985
        ("in_service", "10000", "150.00", "DF-02"),
        ("in_service", "10000.01", "200.00", "DF-02"),  # 200.0002
        ("in_service", "25000", "500.00", "DF-02"),
        ("annual_salary", "3000", "15.00", "DF-02"),
        ("annual_salary", "12000", "240.00", "DF-02"),
        ("self_employed", "3000.01", "30.00", "DF-02"),
        ("self_employed", "6000", "90.00", "DF-02"),
        # DF-04: retirees ≤5000 0.5 %, above 1 %
        ("retiree", "3000", "15.00", "DF-04"),
        ("retiree", "4999.99", "25.00", "DF-04"),
        ("retiree", "5000", "25.00", "DF-04"),
        ("retiree", "5000.01", "50.00", "DF-04"),
        ("retiree", "8000", "80.00", "DF-04"),
        # DF-05: fixed amounts, whatever the base
        ("farmer", "3000", "0.20", "DF-05"),
        ("student", None, "0.20", "DF-05"),
        ("unemployed", None, "0.20", "DF-05"),
        ("relief", "100", "0.20", "DF-05"),
    ],
)
def test_every_bracket_boundary_and_category(category, base, amount, rule_id):
    q = rules.quote(category=category, base=D(base) if base is not None else None, on=dt.date(2026, 7, 1))
    assert q.amount == D(amount)
    assert q.rule.rule_id == rule_id
    assert isinstance(q.amount, Decimal) and q.amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("base", "amount"),
    [
        ("2001", "10.01"),  # 10.005: half up (half-even would give 10.00)
        ("2003", "10.02"),  # 10.015
        ("2002.99", "10.01"),  # 10.01495
        ("1", "0.01"),  # 0.005
        ("0.99", "0.00"),  # 0.00495
        ("4001.50", "40.02"),  # 40.015
    ],
)
def test_rounding_is_half_up_to_the_fen(base, amount):
    assert rules.quote(category="in_service", base=D(base)).amount == D(amount)


def test_farmers_choose_within_the_range_and_not_outside():
    assert rules.quote(category="farmer", fixed_amount=D("1")).amount == D("1.00")
    assert rules.quote(category="farmer", fixed_amount=D("0.5")).amount == D("0.50")
    with pytest.raises(ValidationError) as exc:
        rules.quote(category="farmer", fixed_amount=D("1.01"))
    assert "0.20元至1.00元" in exc.value.message_dict["fixed_amount"][0]
    assert "DF-05" in exc.value.message_dict["fixed_amount"][0]
    with pytest.raises(ValidationError):
        rules.quote(category="farmer", fixed_amount=D("0.19"))
    # the others of DF-05 pay the fixed amount; a chosen amount is not theirs to choose
    assert rules.quote(category="student", fixed_amount=D("1")).amount == D("0.20")


def test_salaried_categories_need_a_base_and_unknown_categories_are_refused():
    with pytest.raises(ValidationError) as exc:
        rules.quote(category="in_service")
    assert "DF-01" in exc.value.message_dict["base"][0]
    with pytest.raises(ValidationError) as exc:
        rules.quote(category="annual_salary")
    assert "DF-03" in exc.value.message_dict["base"][0]
    with pytest.raises(ValidationError) as exc:
        rules.quote(category="soldier", base=D("1000"))
    assert "category" in exc.value.message_dict
    with pytest.raises(ValidationError):
        rules.quote(category="in_service", base=D("-1"))


def test_the_quote_line_is_amount_and_cite():
    q = rules.quote(category="in_service", base=D("4500"))
    assert q.line == "45.00 DF-02《关于中国共产党党费收缴、使用和管理的规定》第二条"
    assert "4,500.00元 × 1% = 45.00元" in q.explanation


def test_months_are_calendar_months():
    assert rules.months_between(dt.date(2025, 12, 1), dt.date(2026, 2, 28)) == 2
    assert rules.month_range(dt.date(2025, 11, 30), dt.date(2026, 2, 1)) == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    assert rules.quarter_end(dt.date(2026, 7, 15)) == dt.date(2026, 9, 1)
    assert rules.quarter_end(dt.date(2026, 12, 31)) == dt.date(2026, 12, 1)
    assert rules.parse_month("2026-03") == dt.date(2026, 3, 1)


def test_money_parses_what_people_type():
    assert rules.money("4,500") == D("4500.00")
    assert rules.money(4500.5) == D("4500.50")
    assert rules.money("4500元") == D("4500.00")
    for bad in ("abc", "1.234", "NaN"):
        with pytest.raises(ValueError):
            rules.money(bad)


def test_arrears_thresholds_come_from_the_packs():
    t = rules.arrears_rules(on=dt.date(2026, 7, 1))
    assert (t.warn_months, t.lapse_months) == (3, 6)
    assert (
        t.status(2) == "" and t.status(3) == "warned" and t.status(5) == "warned" and t.status(6) == "flagged"
    )
    assert t.rule_for("flagged").rule_id == "GX-05"
    assert rules.article_of(t.rule_for("flagged")) == "《中国共产党章程》第九条"
    assert t.rule_for("warned").rule_id == "DF-13"
