"""The clocks as tasks (members/mobility_selectors.tasks): each rule at its boundary day, and scope."""

from __future__ import annotations

import datetime as dt

import pytest

from zugong.core.exceptions import NotInScope
from zugong.core.scope import scope_for
from zugong.members import mobility as svc
from zugong.members.mobility_selectors import member_status, tasks
from zugong.members.models import Mobility, StandingChange
from zugong.rules import engine

from ..factories import make_member

LEFT = dt.date(2024, 3, 15)


def kinds(root, as_of, accounts, who="organizer_a", **kw):
    return [
        (t.kind, t.status, t.due) for t in tasks(scope=scope_for(accounts[who]), root=root, as_of=as_of, **kw)
    ]


def away(member, left_on=LEFT):
    return svc.mobility_start(
        actor=None, member=member, left_on=left_on, destination="北京市朝阳区", reason=Mobility.Reason.WORK
    )


@pytest.mark.django_db
def test_transfer_suggestion_at_six_months(tree, accounts):
    away(make_member(tree.branch_a1))
    months = engine.rule("GX-02").params["transfer_after_months"]
    six = engine.add_months(LEFT, months)  # 2024-09-15
    before = kinds(tree.town_a, six - dt.timedelta(days=1), accounts, kind="transfer")  # 5 months 30 days
    assert before == []
    at = tasks(scope=scope_for(accounts["organizer_a"]), root=tree.town_a, as_of=six, kind="transfer")
    assert [(t.status, t.due) for t in at] == [("suggest", six)]
    assert at[0].rule_id == "GX-02" and "第二十四条" in at[0].article


@pytest.mark.django_db
def test_yearly_report_due_by_year_end_then_overdue(tree, accounts):
    mobility = away(make_member(tree.branch_a1))
    # the year of leaving is covered by the report before leaving
    assert kinds(tree.town_a, dt.date(2024, 12, 31), accounts, kind="report") == []
    assert kinds(tree.town_a, dt.date(2025, 1, 1), accounts, kind="report") == [
        ("report", "open", dt.date(2025, 12, 31))
    ]
    last_day = tasks(
        scope=scope_for(accounts["organizer_a"]), root=tree.town_a, as_of=dt.date(2025, 12, 31), kind="report"
    )
    assert last_day[0].days_left == 0 and last_day[0].status == "open" and last_day[0].rule_id == "GX-07"
    assert kinds(tree.town_a, dt.date(2026, 1, 1), accounts, kind="report") == [
        ("report", "overdue", dt.date(2025, 12, 31)),
        ("report", "open", dt.date(2026, 12, 31)),
    ]
    svc.mobility_report(
        actor=None, mobility=mobility, on=dt.date(2025, 6, 1), channel="phone", summary="汇报"
    )
    assert kinds(tree.town_a, dt.date(2026, 1, 1), accounts, kind="report") == [
        ("report", "open", dt.date(2026, 12, 31))
    ]
    assert kinds(tree.town_a, dt.date(2025, 7, 1), accounts, kind="report") == []


@pytest.mark.django_db
def test_returned_and_lost_members_owe_no_report(tree, accounts):
    back = make_member(tree.branch_a1)
    mobility = away(back)
    svc.mobility_return(actor=None, mobility=mobility, on=dt.date(2025, 2, 1))
    lost = make_member(tree.branch_a1)
    away(lost)
    svc.lost_contact_open(actor=None, member=lost, since=dt.date(2024, 6, 1))
    found = kinds(tree.town_a, dt.date(2026, 1, 1), accounts)
    assert [k for k in found if k[0] in ("report", "transfer")] == []


@pytest.mark.django_db
def test_lost_contact_clock_at_six_months(tree, accounts):
    since = dt.date(2025, 1, 31)
    svc.lost_contact_open(actor=None, member=make_member(tree.branch_a1), since=since)
    due = engine.add_months(since, engine.rule("GX-06").params["lost_contact_months"])  # 2025-07-31
    assert kinds(tree.town_a, due - dt.timedelta(days=1), accounts) == [("suspend", "running", due)]
    assert kinds(tree.town_a, due, accounts) == [("suspend", "due", due)]
    t = tasks(scope=scope_for(accounts["organizer_a"]), root=tree.town_a, as_of=due)[0]
    assert t.rule_id == "GX-06" and "第二十八条" in t.article and t.action_url.endswith("/standing/suspend/")


@pytest.mark.django_db
def test_removal_clock_two_years_after_the_stop(tree, accounts):
    member = make_member(tree.branch_a1)
    lost = svc.lost_contact_open(actor=None, member=member, since=dt.date(2023, 1, 1))
    svc.lost_contact_note(actor=None, lost=lost, on=dt.date(2023, 3, 1), method="电话", note="停机")
    svc.member_suspend(actor=None, member=member, on=dt.date(2023, 8, 1), reason="失联")
    due = engine.add_months(dt.date(2023, 8, 1), 12 * engine.rule("GX-06").params["suspended_removal_years"])
    assert kinds(tree.town_a, due - dt.timedelta(days=1), accounts) == [("remove", "running", due)]
    assert kinds(tree.town_a, due, accounts) == [("remove", "due", due)]
    assert StandingChange.objects.get(member=member).kind == "suspend"


@pytest.mark.django_db
def test_abroad_clock_at_five_years(tree, accounts):
    since = dt.date(2020, 2, 29)
    svc.lost_contact_open(actor=None, member=make_member(tree.branch_a1), since=since, abroad=True)
    due = engine.add_months(since, 12 * engine.rule("GX-06").params["abroad_suspend_years"])
    assert due == dt.date(2025, 2, 28)
    assert kinds(tree.town_a, due - dt.timedelta(days=1), accounts) == [("abroad", "running", due)]
    assert kinds(tree.town_a, due, accounts) == [("abroad", "due", due)]


@pytest.mark.django_db
def test_tasks_keep_to_the_scope(tree, accounts):
    away(make_member(tree.branch_a1))
    away(make_member(tree.branch_b1))
    as_of = dt.date(2026, 1, 1)
    assert {
        t.org.code for t in tasks(scope=scope_for(accounts["dept_admin"]), root=tree.county, as_of=as_of)
    } == {
        "C0A1",
        "C0B1",
    }
    assert {
        t.org.code for t in tasks(scope=scope_for(accounts["organizer_a"]), root=tree.town_a, as_of=as_of)
    } == {"C0A1"}
    with pytest.raises(NotInScope):
        tasks(scope=scope_for(accounts["organizer_b"]), root=tree.town_a, as_of=as_of)
    with pytest.raises(NotInScope):
        tasks(scope=scope_for(accounts["talent_office"]), root=tree.county, as_of=as_of)


@pytest.mark.django_db
def test_task_queries_do_not_grow_with_rows(tree, accounts, django_assert_max_num_queries):
    for i in range(6):
        m = make_member(tree.branch_a1 if i % 2 else tree.branch_a2)
        away(m)
        svc.lost_contact_open(actor=None, member=make_member(tree.branch_a1), since=dt.date(2024, 1, 1))
    scope = scope_for(accounts["organizer_a"])
    tasks(scope=scope, root=tree.town_a, as_of=dt.date(2026, 1, 1))  # warm the rules cache
    with django_assert_max_num_queries(2):
        found = tasks(scope=scope, root=tree.town_a, as_of=dt.date(2026, 1, 1))
    assert len(found) == 6 * 3 + 6


@pytest.mark.django_db
def test_member_status_shows_the_member_clocks(tree, accounts):
    member = make_member(tree.branch_a1)
    away(member)
    status = member_status(
        scope=scope_for(accounts["secretary_a1"]), member=member, as_of=dt.date(2026, 1, 1)
    )
    assert status.mobility is not None and {t.kind for t in status.tasks} == {"report", "transfer"}
