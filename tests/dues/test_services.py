"""dues/services.py: bases and their history, reliefs, the monthly rows, payments and their rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zugong.core.exceptions import NotInScope
from zugong.core.models import AuditEntry
from zugong.dues import services
from zugong.dues.models import Dues, DuesBase, DuesPayment
from zugong.members.models import Member

from ..factories import make_dues_base, make_member, make_payment

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB, MAR, APR, MAY, JUN, JUL = (dt.date(2026, m, 1) for m in range(1, 8))


def _member(tree, **kw):
    kw.setdefault("joined_on", dt.date(2010, 7, 1))
    return make_member(tree.branch_a1, **kw)


def _due(member, month) -> Decimal:
    return Dues.objects.get(member=member, month=month).amount


# -- bases -------------------------------------------------------------------------------------------
def test_a_base_change_applies_from_the_month_the_new_pay_is_received(tree):
    m = _member(tree)
    make_dues_base(m, "in_service", 4500, month=JAN)
    services.dues_fill(org=tree.branch_a1, month=MAR)
    services.dues_fill(org=tree.branch_a1, month=APR)
    make_payment(m, JAN, MAR, paid_on=dt.date(2026, 3, 10))
    # a raise received from April on: April and later at the new bracket, the paid quarter unchanged
    make_dues_base(m, "in_service", 6000, month=APR)
    assert _due(m, MAR) == D("45.00") and _due(m, APR) == D("90.00")
    services.dues_fill(org=tree.branch_a1, month=MAY)
    assert _due(m, MAY) == D("90.00")
    row = Dues.objects.get(member=m, month=MAY)
    assert (row.rule_id, row.rule_version, row.base) == ("DF-02", "2008", D("6000.00"))
    # the history is kept: two bases, one audit entry each
    assert list(DuesBase.objects.filter(member=m).values_list("base", flat=True)) == [D("6000"), D("4500")]
    assert AuditEntry.objects.filter(action="dues.base_set").count() == 2


def test_a_second_entry_for_the_same_month_corrects_the_first(tree):
    m = _member(tree)
    make_dues_base(m, "in_service", 4500, month=JAN)
    services.dues_fill(org=tree.branch_a1, month=JAN)
    make_dues_base(m, "retiree", 4500, month=JAN)
    assert DuesBase.objects.filter(member=m).count() == 1
    assert _due(m, JAN) == D("22.50")
    entry = AuditEntry.objects.filter(action="dues.base_set").latest("id")
    assert entry.before == {"category": "in_service"} and entry.after == {"category": "retiree"}


def test_base_refused_before_joining_and_in_the_future(tree):
    m = _member(tree, joined_on=dt.date(2026, 3, 20), status=Member.Status.PROBATIONARY, converted_on=None)
    with pytest.raises(ValidationError) as exc:
        make_dues_base(m, "in_service", 3000, month=FEB)
    assert "DF-11" in exc.value.message_dict["effective_from"][0]
    with pytest.raises(ValidationError) as exc:
        make_dues_base(m, "in_service", 3000, month=dt.date(2026, 8, 1))
    assert "DF-06" in exc.value.message_dict["effective_from"][0]
    with pytest.raises(ValidationError) as exc:
        make_dues_base(m, "in_service", None, month=MAR)
    assert "base" in exc.value.message_dict


def test_a_probationary_member_pays_from_the_month_of_adoption(tree):
    m = _member(tree, joined_on=dt.date(2026, 3, 20), status=Member.Status.PROBATIONARY, converted_on=None)
    make_dues_base(m, "in_service", 3000, month=MAR)
    assert services.dues_fill(org=tree.branch_a1, month=FEB) == 0
    assert services.dues_fill(org=tree.branch_a1, month=MAR) == 1
    with pytest.raises(ValidationError) as exc:
        make_payment(m, FEB, MAR, paid_on=dt.date(2026, 3, 25))
    assert "2026年03月起交纳党费" in exc.value.message_dict["first_month"][0]
    assert "DF-11" in exc.value.message_dict["first_month"][0]
    assert make_payment(m, MAR, paid_on=dt.date(2026, 3, 25)).amount == D("15.00")


def test_dues_fill_is_idempotent_and_skips_members_without_a_base(tree):
    a, b = _member(tree), _member(tree)
    make_dues_base(a, "farmer", month=JAN, fixed_amount=D("0.5"))
    assert b.pk and services.dues_fill(org=tree.town_a, month=JUN) == 1
    assert services.dues_fill(org=tree.town_a, month=JUN) == 0
    assert _due(a, JUN) == D("0.50")
    assert Dues.objects.get(member=a, month=JUN).org_path == tree.branch_a1.path


# -- reliefs (DF-10) ---------------------------------------------------------------------------------
def test_relief_must_be_approved_by_a_higher_committee_with_a_document(tree):
    m = _member(tree)
    make_dues_base(m, "in_service", 4000, month=JAN)
    kw = dict(actor=None, member=m, kind="exempt", start_month=APR, approved_on=dt.date(2026, 3, 30))
    with pytest.raises(ValidationError) as exc:
        services.dues_relief_create(approving_org=tree.branch_a1, document_number="", **kw)
    assert "DF-10" in exc.value.message_dict["approving_org"][0]
    assert "document_number" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.dues_relief_create(approving_org=tree.town_b, document_number="乙组字〔2026〕1号", **kw)
    services.dues_relief_create(
        approving_org=tree.town_a, document_number="甲组字〔2026〕3号", end_month=JUN, **kw
    )
    services.dues_fill(org=tree.branch_a1, month=MAR)
    services.dues_fill(org=tree.branch_a1, month=MAY)
    services.dues_fill(org=tree.branch_a1, month=JUL)
    row = Dues.objects.get(member=m, month=MAY)
    assert (row.amount, row.rule_id) == (D("0.00"), "DF-10")
    assert _due(m, MAR) == D("40.00") and _due(m, JUL) == D("40.00")
    with pytest.raises(ValidationError) as exc:
        services.dues_relief_create(
            approving_org=tree.town_a, document_number="x", **{**kw, "start_month": JUN}
        )
    assert "重叠" in exc.value.message_dict["start_month"][0]


def test_a_reduction_lowers_the_amount(tree):
    m = _member(tree)
    make_dues_base(m, "retiree", 6000, month=JAN)
    services.dues_relief_create(
        actor=None,
        member=m,
        kind="reduce",
        amount=D("10"),
        start_month=FEB,
        approving_org=tree.county,
        document_number="县组字〔2026〕8号",
        approved_on=dt.date(2026, 1, 28),
    )
    services.dues_fill(org=tree.branch_a1, month=JAN)
    services.dues_fill(org=tree.branch_a1, month=FEB)
    assert _due(m, JAN) == D("60.00") and _due(m, FEB) == D("10.00")


# -- payments ----------------------------------------------------------------------------------------
def test_payment_marks_the_months_and_records_who_collected(tree, accounts):
    m = _member(tree)
    make_dues_base(m, "in_service", 4500, month=JAN)
    p = services.dues_payment_record(
        actor=accounts["secretary_a1"],
        member=m,
        first_month=JUL,
        last_month=JUL,
        paid_on=dt.date(2026, 7, 5),
        method="in_person",
        amount=D("45"),
    )
    assert (p.kind, p.amount, p.dues_amount, p.collected_by) == (
        "monthly",
        D("45.00"),
        D("45.00"),
        accounts["secretary_a1"],
    )
    row = Dues.objects.get(member=m, month=JUL)
    assert row.payment == p and row.paid_on == dt.date(2026, 7, 5)
    with pytest.raises(ValidationError) as exc:
        make_payment(m, JUL, paid_on=dt.date(2026, 7, 6))
    assert "已交纳" in exc.value.message_dict["first_month"][0]
    assert AuditEntry.objects.filter(action="dues.pay", org_path=tree.branch_a1.path).count() == 1


def test_amount_must_match_the_months_due(tree):
    m = _member(tree)
    make_dues_base(m, "in_service", 4500, month=JAN)
    with pytest.raises(ValidationError) as exc:
        make_payment(m, JUL, paid_on=dt.date(2026, 7, 5), amount=D("50"))
    assert "合计应为45.00元" in exc.value.message_dict["amount"][0]
    p = make_payment(m, JUL, paid_on=dt.date(2026, 7, 5), amount=D("50"), voluntary_amount=D("5"))
    assert (p.dues_amount, p.voluntary_amount, p.amount, p.to_centre) == (D("45"), D("5"), D("50"), False)


def test_quarterly_and_no_advance_beyond_the_quarter(tree):
    m = _member(tree, is_mobile=True)
    make_dues_base(m, "in_service", 4500, month=JAN)
    p = make_payment(m, JUL, dt.date(2026, 9, 1), paid_on=dt.date(2026, 7, 2))
    assert (p.kind, p.months, p.amount) == ("quarterly", 3, D("135.00"))
    with pytest.raises(ValidationError) as exc:
        make_payment(m, dt.date(2026, 10, 1), paid_on=dt.date(2026, 7, 2))
    assert "DF-08" in exc.value.message_dict["last_month"][0]


@pytest.mark.parametrize(
    ("first", "allowed"),
    [(JAN, True), (dt.date(2025, 12, 1), False)],  # paid in July: January is 6 months back, December 7
)
def test_back_payment_limit_is_df08s_months(tree, first, allowed):
    m = _member(tree)
    make_dues_base(m, "in_service", 3000, month=dt.date(2025, 1, 1))
    if allowed:
        p = make_payment(m, first, JUN, paid_on=dt.date(2026, 7, 1))
        assert p.kind == "back" and p.months == 6 and p.amount == D("90.00")
        return
    with pytest.raises(ValidationError) as exc:
        make_payment(m, first, JUN, paid_on=dt.date(2026, 7, 1))
    message = exc.value.message_dict["back_approved_by"][0]
    assert "超过6个月" in message and "DF-08" in message and "第十二条" in message
    p = make_payment(m, first, JUN, paid_on=dt.date(2026, 7, 1), back_approved_by="甲镇党委 王书记")
    assert p.back_approved_by == "甲镇党委 王书记" and p.months == 7
    assert AuditEntry.objects.get(action="dues.pay").after["back_approved_by"] == "甲镇党委 王书记"


@pytest.mark.parametrize(("voluntary", "central"), [("999.99", False), ("1000", True), ("5000", True)])
def test_a_voluntary_payment_of_df07s_amount_goes_to_the_centre(tree, voluntary, central):
    m = _member(tree)
    p = services.dues_payment_record(
        actor=None, member=m, paid_on=dt.date(2026, 7, 1), method="in_person", voluntary_amount=D(voluntary)
    )
    assert (p.kind, p.months, p.amount, p.to_centre) == ("voluntary", 0, D(voluntary), central)


def test_no_payment_by_the_organization(tree):
    m = _member(tree)
    make_dues_base(m, "in_service", 4500, month=JAN)
    for method in ("deduct", "by_branch", "垫交"):
        with pytest.raises(ValidationError) as exc:
            make_payment(m, JUL, paid_on=dt.date(2026, 7, 1), method=method)
        message = exc.value.message_dict["method"][0]
        assert "不得为党员垫交" in message and "DF-09" in message and "第十四条" in message
    assert not DuesPayment.objects.exists()


def test_by_another_member_names_the_member(tree):
    m, friend = _member(tree), _member(tree)
    make_dues_base(m, "in_service", 4500, month=JAN)
    with pytest.raises(ValidationError) as exc:
        make_payment(m, JUL, paid_on=dt.date(2026, 7, 1), method="by_other")
    assert "paid_by" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make_payment(m, JUL, paid_on=dt.date(2026, 7, 1), method="by_other", paid_by=m)
    p = make_payment(m, JUL, paid_on=dt.date(2026, 7, 1), method="by_other", paid_by=friend)
    assert p.paid_by == friend


def test_payment_for_a_month_without_a_base_is_refused(tree):
    m = _member(tree)
    make_dues_base(m, "in_service", 4500, month=MAR)
    with pytest.raises(ValidationError) as exc:
        make_payment(m, FEB, MAR, paid_on=dt.date(2026, 3, 5))
    assert "2026年02月尚未核定交纳基数" in exc.value.message_dict["first_month"][0]


def test_void_frees_the_months_and_keeps_the_record(tree):
    m = _member(tree)
    make_dues_base(m, "in_service", 4500, month=JAN)
    p = make_payment(m, JUL, paid_on=dt.date(2026, 7, 1))
    with pytest.raises(ValidationError):
        services.dues_payment_void(actor=None, payment=p, reason=" ")
    services.dues_payment_void(actor=None, payment=p, reason="录错了人")
    p.refresh_from_db()
    assert p.voided and not Dues.objects.get(member=m, month=JUL).is_paid
    assert make_payment(m, JUL, paid_on=dt.date(2026, 7, 2)).amount == D("45.00")


def test_quick_entry_is_all_or_nothing(tree):
    a, b = _member(tree, name="甲"), _member(tree, name="乙")
    make_dues_base(a, "in_service", 4500, month=JAN)
    with pytest.raises(ValidationError) as exc:
        services.dues_pay_month(
            actor=None, org=tree.branch_a1, month=JUL, members=[a, b], paid_on=dt.date(2026, 7, 3)
        )
    assert exc.value.message_dict["members"][0].startswith("乙:")
    assert not DuesPayment.objects.exists()
    make_dues_base(b, "student", month=JAN)
    assert (
        len(
            services.dues_pay_month(
                actor=None, org=tree.branch_a1, month=JUL, members=[a, b], paid_on=dt.date(2026, 7, 3)
            )
        )
        == 2
    )


# -- permissions -------------------------------------------------------------------------------------
def test_services_check_the_scope_and_the_permission(tree, accounts):
    m = _member(tree)
    kw = dict(member=m, category="in_service", base=D("3000"), effective_from=JAN)
    with pytest.raises(NotInScope):
        services.dues_base_set(actor=accounts["organizer_b"], **kw)
    with pytest.raises(PermissionDenied):
        services.dues_base_set(actor=accounts["leader_a"], **kw)
    with pytest.raises(PermissionDenied):
        services.dues_base_set(actor=accounts["member"], **kw)
    assert (
        services.dues_base_set(actor=accounts["secretary_a1"], **kw).recorded_by == accounts["secretary_a1"]
    )


def test_rows_follow_a_subtree_move(tree):
    from zugong.orgs import services as org_services

    m = _member(tree)
    make_dues_base(m, "in_service", 4500, month=JAN)
    make_payment(m, JUL, paid_on=dt.date(2026, 7, 1))
    org_services.org_move(actor=None, org=tree.general_a, new_parent=tree.town_b)
    m2 = make_member(tree.branch_a2)
    make_dues_base(m2, "in_service", 4500, month=JAN)
    make_payment(m2, JUL, paid_on=dt.date(2026, 7, 1))
    org_services.org_move(actor=None, org=tree.general_a, new_parent=tree.town_a)
    tree.branch_a2.refresh_from_db()
    assert Dues.objects.get(member=m2).org_path == tree.branch_a2.path
    assert DuesPayment.objects.get(member=m2).org_path == tree.branch_a2.path
    assert Dues.objects.get(member=m).org_path == tree.branch_a1.path
