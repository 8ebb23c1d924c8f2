"""dues/selectors.py: arrears at the DF-13/GX-05 boundaries, the branch ledger, the roll-up, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zugong.core.exceptions import NotInScope
from zugong.core.scope import scope_for
from zugong.dues import selectors, services

from ..factories import make_dues_base, make_member, make_payment

pytestmark = pytest.mark.django_db

D = Decimal


def _m(d) -> dt.date:
    return dt.date(*d, 1)


def _member(org, **kw):
    kw.setdefault("joined_on", dt.date(2010, 7, 1))
    return make_member(org, **kw)


@pytest.fixture
def whole(accounts):
    return scope_for(accounts["dept_admin"])


@pytest.mark.parametrize(
    ("last_paid", "as_of", "months", "status"),
    [
        # base from 2025-01; the run is the unpaid months that have ended by as_of
        ((2026, 3), dt.date(2026, 6, 30), 2, ""),  # April, May (June not over)
        ((2026, 3), dt.date(2026, 7, 1), 3, "warned"),  # April..June
        ((2026, 3), dt.date(2026, 9, 30), 5, "warned"),  # April..August
        ((2026, 3), dt.date(2026, 10, 1), 6, "flagged"),  # April..September: 党章第九条
        ((2025, 12), dt.date(2026, 7, 1), 6, "flagged"),  # January..June across the year
        ((2025, 12), dt.date(2026, 6, 30), 5, "warned"),
    ],
)
def test_arrears_boundaries_in_calendar_months(tree, whole, last_paid, as_of, months, status):
    m = _member(tree.branch_a1)
    make_dues_base(m, "in_service", 4500, month=dt.date(2025, 1, 1))
    make_payment(m, _m(last_paid), paid_on=_m(last_paid), back_approved_by="测试")
    rows = selectors.arrears(scope=whole, under=tree.county, as_of=as_of)
    if not status:
        assert rows == []
        return
    (row,) = rows
    assert (row.months, row.status) == (months, status)
    assert row.since == selectors.rules.add_months(_m(last_paid), 1)
    if status == "flagged":
        assert row.rule_id == "GX-05" and row.article == "《中国共产党章程》第九条"
    else:
        assert row.rule_id == "DF-13" and "第十三条" in row.cite


def test_a_paid_month_in_between_resets_the_count(tree, whole):
    m = _member(tree.branch_a1)
    make_dues_base(m, "in_service", 4500, month=dt.date(2025, 12, 1))
    # December..April unpaid (5), May paid, June unpaid: the run at 1 July is June alone
    make_payment(m, _m((2026, 5)), paid_on=dt.date(2026, 5, 10))
    assert selectors.unpaid_runs(m.__class__.objects.filter(pk=m.pk), as_of=dt.date(2026, 7, 1)) == {
        m.pk: (1, _m((2026, 6)))
    }
    assert selectors.arrears(scope=whole, under=None, as_of=dt.date(2026, 7, 1)) == []
    # before May was paid, the same member had been flagged (5 months to 1 May, 6 to 1 June)
    runs = selectors.unpaid_runs(m.__class__.objects.filter(pk=m.pk), as_of=dt.date(2026, 5, 1))
    assert runs[m.pk] == (5, _m((2025, 12)))


def test_the_run_starts_at_the_first_base_or_the_probationary_start(tree, whole):
    old = _member(tree.branch_a1, name="老党员")
    make_dues_base(old, "retiree", 3000, month=dt.date(2026, 4, 1))  # dues set up in April
    new = _member(
        tree.branch_a1,
        name="新党员",
        joined_on=dt.date(2026, 2, 14),
        status="probationary",
        converted_on=None,
    )
    make_dues_base(new, "student", month=dt.date(2026, 2, 1))
    no_base = _member(tree.branch_a1, name="未核定")
    runs = selectors.unpaid_runs(
        old.__class__.objects.filter(pk__in=[old.pk, new.pk, no_base.pk]), as_of=dt.date(2026, 7, 1)
    )
    assert runs == {old.pk: (3, _m((2026, 4))), new.pk: (5, _m((2026, 2)))}


def test_an_exemption_is_not_arrears(tree, whole):
    m = _member(tree.branch_a1)
    make_dues_base(m, "in_service", 2000, month=dt.date(2025, 10, 1))
    services.dues_relief_create(
        actor=None,
        member=m,
        kind="exempt",
        start_month=dt.date(2025, 10, 1),
        end_month=dt.date(2026, 3, 1),
        approving_org=tree.town_a,
        document_number="甲组字〔2025〕9号",
        approved_on=dt.date(2025, 9, 20),
    )
    assert selectors.unpaid_runs(m.__class__.objects.filter(pk=m.pk), as_of=dt.date(2026, 7, 1))[m.pk] == (
        3,
        _m((2026, 4)),
    )


def test_arrears_are_scoped(tree, accounts):
    a = _member(tree.branch_a1, name="甲欠")
    b = _member(tree.branch_b1, name="乙欠")
    for m in (a, b):
        make_dues_base(m, "in_service", 3000, month=dt.date(2025, 1, 1))
    as_of = dt.date(2026, 7, 1)
    names = lambda who, under=None: [  # noqa: E731
        r.member.name for r in selectors.arrears(scope=scope_for(accounts[who]), under=under, as_of=as_of)
    ]
    assert names("dept_admin") == ["甲欠", "乙欠"]
    assert names("organizer_a") == ["甲欠"]
    assert names("secretary_a1") == ["甲欠"]
    with pytest.raises(NotInScope):
        names("organizer_a", tree.town_b)
    with pytest.raises(NotInScope):
        names("talent_office")


def test_ledger_of_a_branch_month(tree, accounts):
    paid, unpaid, no_base = (_member(tree.branch_a1, name=n) for n in ("已交", "未交", "无基数"))
    make_dues_base(paid, "in_service", 4500, month=dt.date(2026, 1, 1))
    make_dues_base(unpaid, "retiree", 6000, month=dt.date(2026, 1, 1))
    services.dues_fill(org=tree.branch_a1, month=dt.date(2026, 6, 1))
    make_payment(paid, dt.date(2026, 6, 1), paid_on=dt.date(2026, 6, 3))
    led = selectors.ledger(
        scope=scope_for(accounts["secretary_a1"]), org=tree.branch_a1, month=dt.date(2026, 6, 1)
    )
    by_name = {r.member.name: r for r in led.rows}
    assert set(by_name) == {"已交", "未交", "无基数", "张三"}
    assert (led.due, led.paid, led.unpaid) == (D("105.00"), D("45.00"), D("60.00"))
    assert (led.paid_count, led.unpaid_count, led.no_base) == (1, 1, 2)
    assert by_name["未交"].arrears == 6 and led.in_arrears == 1 and led.flagged == 1
    assert by_name["无基数"].dues is None and by_name["无基数"].base is None
    assert no_base.pk
    with pytest.raises(NotInScope):
        selectors.ledger(
            scope=scope_for(accounts["organizer_b"]), org=tree.branch_a1, month=dt.date(2026, 6, 1)
        )


def test_rollup_groups_the_subtree_by_child_org(tree, whole):
    a1 = _member(tree.branch_a1)
    a2 = _member(tree.branch_a2)
    b1 = _member(tree.branch_b1)
    for m, base in ((a1, 4500), (a2, 6000), (b1, 3000)):
        make_dues_base(m, "in_service", base, month=dt.date(2026, 1, 1))
    june = dt.date(2026, 6, 1)
    services.dues_fill(org=None, month=june)
    make_payment(a2, june, paid_on=dt.date(2026, 6, 2), voluntary_amount=D("1000"))
    rows, total = selectors.rollup(scope=whole, org=tree.county, month=june)
    assert [(r.org.code, r.due, r.paid, r.rows, r.paid_count) for r in rows] == [
        ("C0A", D("135.00"), D("90.00"), 2, 1),
        ("C0B", D("15.00"), D("0.00"), 1, 0),
    ]
    assert (total.due, total.paid, total.voluntary, total.to_centre) == (
        D("150.00"),
        D("90.00"),
        D("1000"),
        D("1000"),
    )
    rows, _total = selectors.rollup(scope=whole, org=tree.town_a, month=june)
    assert [(r.org.code, r.due) for r in rows] == [("C0A1", D("45.00")), ("C0AG", D("90.00"))]


def test_member_sees_only_their_own_dues(tree, accounts):
    own = accounts["member_record"]
    other = _member(tree.branch_a1)
    scope = scope_for(accounts["member"])
    assert selectors.dues_member(scope=scope, pk=own.pk) == own
    with pytest.raises(NotInScope):
        selectors.dues_member(scope=scope, pk=other.pk)
    with pytest.raises(NotInScope):
        selectors.ledger(scope=scope, org=tree.branch_a1, month=dt.date(2026, 6, 1))
