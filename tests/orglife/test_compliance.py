import datetime as dt

import pytest

from zugong.members.services import party_group_create
from zugong.orglife import compliance
from zugong.orglife.compliance import Window
from zugong.orgs.services import seat_add

from ..factories import make_meeting, make_member

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 25)  # late March: January and February are closed, March ends in 6 days


Q1 = Window(2026, quarter=1)


def table(root, window=Q1, as_of=AS_OF):
    return {
        (r.org_id, r.obligation.kind, r.obligation.period.key): r
        for r in compliance.rows(root.path, window, as_of=as_of)
    }


def test_monthly_theme_day_met_missed_and_due(tree):
    make_meeting(tree.branch_a1, ["theme_day"], held_on=dt.date(2026, 1, 9))
    t = table(tree.county)
    a1 = tree.branch_a1.pk
    assert t[(a1, "theme_day", "2026-01")].status == "met"
    assert t[(a1, "theme_day", "2026-02")].status == "missed"
    assert t[(a1, "theme_day", "2026-03")].status == "due"  # 6 days left ≤ the 7-day lead
    assert t[(a1, "theme_day", "2026-01")].obligation.rule_id == "ZB-12"
    # Quarterly and yearly obligations are listed with their whole period.
    assert t[(a1, "branch_assembly", "2026Q1")].status == "due"
    assert t[(a1, "life_meeting", "2026")].status == "open"
    # Only branches: committees and the general branch have no rows.
    assert {r[0] for r in t} == {tree.branch_a1.pk, tree.branch_a2.pk, tree.branch_b1.pk}


def test_one_meeting_counts_for_each_of_its_kinds(tree):
    make_meeting(
        tree.branch_a1, ["theme_day", "branch_assembly", "party_lecture"], held_on=dt.date(2026, 2, 3)
    )
    t = table(tree.county)
    a1 = tree.branch_a1.pk
    assert t[(a1, "theme_day", "2026-02")].held == 1
    assert t[(a1, "branch_assembly", "2026Q1")].status == "met"
    assert t[(a1, "party_lecture", "2026")].status == "met"


def test_assembly_without_quorum_does_not_count_and_is_reported(tree):
    make_meeting(
        tree.branch_a1,
        ["branch_assembly"],
        held_on=dt.date(2026, 2, 3),
        expected=10,
        present=5,
        voting_expected=10,
        voting_present=5,
    )
    r = table(tree.county, as_of=dt.date(2026, 4, 2))[(tree.branch_a1.pk, "branch_assembly", "2026Q1")]
    assert (r.held, r.failed, r.status) == (0, 1, "missed")
    assert r.obligation.cite.startswith("ZB-08")


def test_committee_meetings_due_only_where_there_is_a_committee(tree):
    for _ in range(7):
        make_member(tree.branch_a1)
    for post in ("secretary", "member", "member"):
        seat_add(
            actor=None, org=tree.branch_b1, post=post, person_name="委员", started_on=dt.date(2024, 1, 1)
        )
    t = table(tree.county)
    assert (tree.branch_a1.pk, "branch_committee", "2026-01") in t  # 7 formal members: ZB-04
    assert (tree.branch_b1.pk, "branch_committee", "2026-01") in t  # a committee of 3 seats
    assert (tree.branch_a2.pk, "branch_committee", "2026-01") not in t


def test_group_meetings_are_required_per_party_group(tree):
    g1 = party_group_create(actor=None, org=tree.branch_a1, name="第一党小组")
    party_group_create(actor=None, org=tree.branch_a1, name="第二党小组")
    make_meeting(tree.branch_a1, ["group_meeting"], held_on=dt.date(2026, 1, 5), party_group=g1)
    make_meeting(tree.branch_a1, ["group_meeting"], held_on=dt.date(2026, 1, 20), party_group=g1)
    r = table(tree.county)[(tree.branch_a1.pk, "group_meeting", "2026-01")]
    assert (r.required, r.held, r.status) == (2, 1, "missed")  # the second group never met
    assert (tree.branch_b1.pk, "group_meeting", "2026-01") not in table(tree.county)


def test_periods_not_begun_are_not_listed_and_new_branches_owe_nothing_before_they_existed(tree):
    t = table(tree.county, window=Window(2026), as_of=AS_OF)
    assert (tree.branch_a1.pk, "theme_day", "2026-04") not in t
    from ..factories import make_org

    late = make_org(tree.town_b, established_on=dt.date(2026, 2, 10))
    t = table(tree.county)
    assert (late.pk, "theme_day", "2026-02") not in t
    assert (late.pk, "theme_day", "2026-03") in t


def test_rollup_colours_children_and_drills_down(tree):
    for month in (1, 2):
        for org in (tree.branch_a1, tree.branch_a2):
            make_meeting(org, ["theme_day"], held_on=dt.date(2026, month, 9))
    window = Window(2026, month=2)
    roll = compliance.rollup(tree.county.path, window, as_of=dt.date(2026, 3, 2))
    town_a = roll[tree.town_a.path]
    town_b = roll[tree.town_b.path]
    assert town_a.branches == 2 and town_b.branches == 1
    assert town_b.red == 1 and town_b.rag == "red"
    # Town A's branches held the February theme day but not the 党课 etc.: February's rows only close
    # monthly obligations, the quarter and year are still open.
    assert town_a.missed == 0 and town_a.red == 0
    per_branch = compliance.branch_tallies(tree.town_a.path, window, as_of=dt.date(2026, 3, 2))
    assert set(per_branch) == {tree.branch_a1.pk, tree.branch_a2.pk}
    assert compliance.total(per_branch).met == 2


def test_a_branch_scope_sees_only_itself(tree):
    t = table(tree.branch_a1)
    assert {k[0] for k in t} == {tree.branch_a1.pk}


def test_six_month_rule_names_members_without_orglife(tree):
    as_of = dt.date(2026, 9, 10)  # cutoff 2026-03-10 (GX-05, calendar months)
    regular = make_member(tree.branch_a1, name="常参加")
    lapsed = make_member(tree.branch_a1, name="久未参加")
    never = make_member(tree.branch_a1, name="从未参加")
    mobile = make_member(tree.branch_a1, name="流动", is_mobile=True)
    make_meeting(tree.branch_a1, held_on=dt.date(2026, 3, 9), members=[regular, lapsed, mobile])
    make_meeting(tree.branch_a1, held_on=dt.date(2026, 3, 10), members=[regular])
    names = set(
        compliance.members_without_orglife(tree.county.path, as_of=as_of).values_list("name", flat=True)
    )
    assert names == {"久未参加", "从未参加"}
    assert never.pk and "流动" not in names
    # A branch that only started recording attendance recently does not flag its silent members.
    fresh = make_member(tree.branch_b1, name="新系统")
    make_meeting(tree.branch_b1, held_on=dt.date(2026, 8, 1), members=[make_member(tree.branch_b1)])
    assert (
        not compliance.members_without_orglife(tree.branch_b1.path, as_of=as_of).filter(pk=fresh.pk).exists()
    )


def _local_variant(monkeypatch, rule_id: str, prefix: str, **changes):
    """engine.variants as the rules work will give them: the national version everywhere, a local
    one (same obligations, other numbers) below `prefix`."""
    from dataclasses import replace

    from zugong.rules import engine

    real = engine.variants

    def variants(rid, *, on, within):
        found = real(rid, on=on, within=within)
        if rid != rule_id:
            return found
        national = found[0][1]
        obligations = [{**o, **changes} for o in national.params["obligations"]]
        local = replace(
            national, params={**national.params, "obligations": obligations}, pack_version="local"
        )
        return [*found, (prefix, local)]

    monkeypatch.setattr(compliance.engine, "variants", variants)


def test_a_local_variant_replaces_the_national_obligation_below_its_org(tree, monkeypatch):
    _local_variant(monkeypatch, "ZB-12", tree.town_a.path, times=2)
    make_meeting(tree.branch_a1, ["theme_day"], held_on=dt.date(2026, 1, 9))
    make_meeting(tree.branch_b1, ["theme_day"], held_on=dt.date(2026, 1, 9))
    t = table(tree.county)
    a1 = t[(tree.branch_a1.pk, "theme_day", "2026-01")]
    b1 = t[(tree.branch_b1.pk, "theme_day", "2026-01")]
    assert (a1.required, a1.held, a1.status, a1.obligation.version) == (2, 1, "missed", "local")
    assert (b1.required, b1.held, b1.status) == (1, 1, "met")
    # one row per branch and period: the local variant replaces the national one, never adds to it
    rows = [r for r in compliance.rows(tree.county.path, Q1, as_of=AS_OF) if r.obligation.kind == "theme_day"]
    assert len(rows) == 3 * 3
    tallies = compliance.branch_tallies(tree.county.path, Q1, as_of=AS_OF)
    assert tallies[tree.branch_a1.pk].missed == 2 and tallies[tree.branch_b1.pk].missed == 1


def test_group_meetings_count_at_most_times_per_group(tree, monkeypatch):
    _local_variant(monkeypatch, "ZB-10", tree.county.path, times=2)
    g1 = party_group_create(actor=None, org=tree.branch_a1, name="第一党小组")
    g2 = party_group_create(actor=None, org=tree.branch_a1, name="第二党小组")
    for day in (3, 10, 17):
        make_meeting(tree.branch_a1, ["group_meeting"], held_on=dt.date(2026, 1, day), party_group=g1)
    make_meeting(tree.branch_a1, ["group_meeting"], held_on=dt.date(2026, 1, 5), party_group=g2)
    r = table(tree.county)[(tree.branch_a1.pk, "group_meeting", "2026-01")]
    assert (r.required, r.held, r.status) == (4, 3, "missed")  # g1's third meeting does not make up for g2
    make_meeting(tree.branch_a1, ["group_meeting"], held_on=dt.date(2026, 1, 25), party_group=g2)
    r = table(tree.county)[(tree.branch_a1.pk, "group_meeting", "2026-01")]
    assert (r.required, r.held, r.status) == (4, 4, "met")


def test_quarterly_and_yearly_obligations_count_parts_of_every_month_of_their_period(tree):
    make_meeting(tree.branch_a1, ["party_lecture"], held_on=dt.date(2026, 2, 27))
    make_meeting(tree.branch_a1, ["branch_assembly"], held_on=dt.date(2026, 3, 31))
    make_meeting(tree.branch_a1, ["branch_assembly"], held_on=dt.date(2025, 12, 31))  # last year: not counted
    t = table(tree.county, window=Window(2026), as_of=dt.date(2026, 4, 2))
    assert t[(tree.branch_a1.pk, "branch_assembly", "2026Q1")].held == 1
    assert t[(tree.branch_a1.pk, "party_lecture", "2026")].status == "met"
