"""The branch secretary's inbox: what is due this month, quarter and year, raised before the deadline
(amber within the lead days), overdue items of the previous period (red), open 不合格 follow-ups and
the six-month rule — at the boundary dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zugong.core.scope import scope_for
from zugong.orglife import selectors, services

from ..factories import make_meeting, make_member

pytestmark = pytest.mark.django_db


def items(accounts, tree, as_of, org=None):
    scope = scope_for(accounts["secretary_a1"])
    box = selectors.inbox(scope=scope, root=org or tree.branch_a1, as_of=as_of)
    return {(i.kind or i.title, i.deadline): i for i in box.items}, box


def theme(found, month):
    last = (dt.date(2026, month % 12 + 1, 1) if month < 12 else dt.date(2027, 1, 1)) - dt.timedelta(days=1)
    return found.get(("theme_day", last))


def test_the_months_theme_day_turns_amber_seven_days_before_the_month_ends(tree, accounts):
    found, _box = items(accounts, tree, dt.date(2026, 3, 24))
    item = theme(found, 3)
    assert (item.level, item.days_left) == ("open", 8)  # 24..31 March: 8 days, the lead is 7
    found, box = items(accounts, tree, dt.date(2026, 3, 25))
    item = theme(found, 3)
    assert (item.level, item.days_left) == ("amber", 7)
    assert item.cite.startswith("ZB-12") and item.resolve_on == dt.date(2026, 3, 25)
    assert box.urgent >= 1
    found, _box = items(accounts, tree, dt.date(2026, 3, 31))
    assert theme(found, 3).days_left == 1  # "今天截止"


def test_holding_it_removes_the_item(tree, accounts):
    make_meeting(tree.branch_a1, ["theme_day"], held_on=dt.date(2026, 3, 20))
    found, _box = items(accounts, tree, dt.date(2026, 3, 25))
    assert theme(found, 3) is None


def test_next_day_the_missed_month_is_red_and_the_new_month_open(tree, accounts):
    found, _box = items(accounts, tree, dt.date(2026, 4, 1))
    march, april = theme(found, 3), theme(found, 4)
    assert (march.level, march.overdue_days, march.resolve_on) == ("red", 1, dt.date(2026, 3, 31))
    assert (april.level, april.days_left) == ("open", 30)
    assert found[("branch_assembly", dt.date(2026, 3, 31))].level == "red"  # Q1 is over
    assert found[("branch_assembly", dt.date(2026, 6, 30))].level == "open"
    # Only the previous period: February is no longer listed.
    assert theme(found, 2) is None
    ordered = [i.deadline for i in _box.items if i.deadline]
    assert ordered == sorted(ordered)


def test_annual_obligations_amber_before_year_end_and_last_years_only_in_the_first_quarter(tree, accounts):
    found, _box = items(accounts, tree, dt.date(2026, 10, 31))
    assert found[("life_meeting", dt.date(2026, 12, 31))].level == "open"  # 62 days, lead 61
    found, _box = items(accounts, tree, dt.date(2026, 11, 1))
    life = found[("life_meeting", dt.date(2026, 12, 31))]
    review = found[("member_review", dt.date(2026, 12, 31))]
    assert (life.level, review.level) == ("amber", "amber")
    assert life.cite.startswith("ZB-13")
    found, _box = items(accounts, tree, dt.date(2026, 3, 31))
    assert found[("life_meeting", dt.date(2025, 12, 31))].level == "red"
    found, _box = items(accounts, tree, dt.date(2026, 4, 1))
    assert ("life_meeting", dt.date(2025, 12, 31)) not in found


def test_quorum_failures_are_named_and_do_not_clear_the_item(tree, accounts):
    make_meeting(
        tree.branch_a1,
        ["branch_assembly"],
        held_on=dt.date(2026, 2, 3),
        expected=10,
        present=5,
        voting_expected=10,
        voting_present=5,
    )
    found, _box = items(accounts, tree, dt.date(2026, 3, 25))
    item = found[("branch_assembly", dt.date(2026, 3, 31))]
    assert item.level == "amber" and "到会人数不足" in item.detail


def test_open_follow_ups_of_unqualified_members_by_their_due_date(tree, accounts):
    member = make_member(tree.branch_a1, name="不合格者")
    services.review_record(
        actor=None,
        member=member,
        year=2025,
        grade="unqualified",
        action="rectify",
        action_due=dt.date(2026, 4, 10),
    )

    def follow_up(as_of):
        found, _box = items(accounts, tree, as_of)
        return next(i for i in found.values() if i.review is not None)

    assert follow_up(dt.date(2026, 4, 1)).level == "open"
    assert follow_up(dt.date(2026, 4, 4)).level == "amber"  # 7 days to go
    late = follow_up(dt.date(2026, 4, 11))
    assert (late.level, late.overdue_days) == ("red", 1)


def test_six_month_rule_members_are_listed_with_gx05(tree, accounts):
    regular = make_member(tree.branch_a1, name="常参加")
    lapsed = make_member(tree.branch_a1, name="久未参加")
    make_meeting(tree.branch_a1, held_on=dt.date(2026, 3, 1), members=[regular, lapsed])
    make_meeting(tree.branch_a1, held_on=dt.date(2026, 8, 1), members=[regular])
    found, _box = items(accounts, tree, dt.date(2026, 9, 10))
    item = next(i for i in found.values() if i.members)
    names = {m.name for m in item.members}
    assert "久未参加" in names and "常参加" not in names and item.cite.startswith("GX-05")


def test_organizer_sees_branches_grouped(tree, accounts):
    scope = scope_for(accounts["organizer_a"])
    box = selectors.inbox(scope=scope, root=tree.town_a, as_of=dt.date(2026, 3, 25))
    assert [g.org.code for g in box.groups] == ["C0A1", "C0AG1"]


def test_inbox_page_and_menu_badge_follow_a_recorded_meeting(client, tree, accounts):
    members = [make_member(tree.branch_a1) for _ in range(2)]
    client.force_login(accounts["secretary_a1"])
    url = reverse("orglife:inbox")
    today = dt.date.today()
    month_end = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    this_month = f'data-kind="theme_day" data-deadline="{month_end.isoformat()}"'
    html = client.get(url).content.decode()
    assert this_month in html
    link = f"/orglife/meetings/new/?org=C0A1&amp;kind=theme_day&amp;date={today.isoformat()}"
    assert link in html
    badge_before = client.get(url).context["orglife_urgent"]()
    services.meeting_create(
        actor=accounts["secretary_a1"],
        org=tree.branch_a1,
        kinds=["theme_day"],
        held_on=today,
        topic="本月主题党日",
        attendance=[services.AttendanceRow(m, "present") for m in members],
    )
    from zugong.orglife.context_processors import forget_inbox

    forget_inbox(accounts["secretary_a1"])
    html = client.get(url).content.decode()
    assert this_month not in html
    assert client.get(url).context["orglife_urgent"]() <= badge_before
