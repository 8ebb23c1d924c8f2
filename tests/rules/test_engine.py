"""The engine's answers: versions by date, local overrides by depth, windows, quorums, due lists,
brackets and quotas, each with the rule version it used."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zugong.rules import engine, services
from zugong.rules.models import Rule, RulePack

D = dt.date


# -- shipped packs and versions ----------------------------------------------------------------------
@pytest.mark.django_db
def test_shipped_packs_are_loaded_with_articles():
    rule = engine.rule("ZB-05")
    assert rule.params["village_community_years"] == 5
    assert rule.params["default_years"] == 3
    assert "ZB-05" in rule.cite and "第" in rule.cite
    assert rule.level == "national" and rule.local_org_name is None
    assert rule.source_url.startswith("http") and rule.confidence == "V"


@pytest.mark.django_db
def test_every_answer_names_rule_version_and_article():
    v = engine.rule("FZ-16", on=D(2020, 1, 1))
    assert (v.rule_id, v.pack_code, v.pack_version, v.article) == (
        "FZ-16",
        "recruitment",
        "2014",
        "第二十四条",
    )
    assert v.cite == "FZ-16《中国共产党发展党员工作细则》第二十四条"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("on", "version", "article"),
    [
        (D(2014, 6, 10), "2014", "第二十四条"),
        (D(2026, 4, 30), "2014", "第二十四条"),  # the last day of the 2014 细则
        (D(2026, 5, 1), "2026", "第二十五条"),  # the first day of the revision
        (D(2026, 12, 31), "2026", "第二十五条"),
    ],
)
def test_recruitment_version_changes_on_2026_05_01(on, version, article):
    v = engine.rule("FZ-16", on=on)
    assert (v.pack_version, v.article) == (version, article)


@pytest.mark.django_db
def test_a_rule_added_by_a_revision_does_not_exist_before_it():
    assert engine.rule("FZ-08", on=D(2026, 5, 1)).params == {"min_workdays": 5}
    with pytest.raises(engine.RuleNotFound):
        engine.rule("FZ-08", on=D(2025, 3, 1))


@pytest.mark.django_db
def test_a_date_before_any_version_is_judged_by_the_oldest():
    # A member who joined in 1985: the age rule of the oldest 细则 we know.
    assert engine.rule("FZ-01", on=D(1985, 7, 1)).pack_version == "2014"


@pytest.mark.django_db
def test_unknown_rule_raises():
    with pytest.raises(engine.RuleNotFound):
        engine.rule("NOPE-1")


@pytest.mark.django_db
def test_existing_callers_still_read_their_params():
    assert engine.rule("ZB-07").params["notice_months_before"] == 6
    assert engine.rule("EL-01").params["committee_years"] == 5
    assert engine.rule("FZ-01").params["min_age_years"] == 18
    assert engine.rule("FZ-18").params["probation_months"] == 12
    assert engine.rule("ZB-01").params["joint_branch_max_units"] == 5


# -- local overrides ---------------------------------------------------------------------------------
START = D(2025, 1, 1)


def _local(org, *, title="本地规定", effective_from=START, **kw):
    return services.pack_create(
        actor=None, org=org, title=title, level="county", effective_from=effective_from, **kw
    )


def _quarterly_lecture(pack, times=1, per="quarter"):
    return services.rule_save(
        actor=None,
        pack=pack,
        rule_id="ZB-11",
        title="党课",
        params={
            "obligations": [
                {
                    "meeting_kind": "party_lecture",
                    "label": "党课",
                    "times": times,
                    "per": per,
                    "applies_to": "branch",
                }
            ]
        },
        article="第三条",
        effective_from=pack.effective_from,
    )


@pytest.mark.django_db
def test_local_override_applies_to_the_subtree_only(tree):
    pack = _local(tree.town_a, title="甲镇党委组织生活规定")
    _quarterly_lecture(pack)
    on = D(2025, 6, 1)
    inside = engine.rule("ZB-11", on=on, org=tree.branch_a1)
    assert inside.params["obligations"][0]["per"] == "quarter"
    assert inside.local_org_name == "甲镇党委" and inside.is_local
    assert "甲镇党委组织生活规定" in inside.cite and "甲镇党委" in inside.cite
    assert engine.rule("ZB-11", on=on, org=tree.town_a.path).is_local  # a path works too
    assert not engine.rule("ZB-11", on=on, org=tree.branch_b1).is_local
    assert not engine.rule("ZB-11", on=on).is_local
    assert not engine.rule("ZB-11", on=D(2024, 12, 31), org=tree.branch_a1).is_local  # not yet in force


@pytest.mark.django_db
def test_the_deepest_local_pack_wins(tree):
    _quarterly_lecture(_local(tree.county, title="县委规定"))
    _quarterly_lecture(_local(tree.general_a, title="总支规定"), per="month")
    on = D(2025, 6, 1)
    assert engine.rule("ZB-11", on=on, org=tree.branch_a2).pack_title == "总支规定"
    assert engine.rule("ZB-11", on=on, org=tree.general_a).pack_title == "总支规定"
    assert engine.rule("ZB-11", on=on, org=tree.branch_a1).pack_title == "县委规定"
    assert engine.rule("ZB-11", on=on, org=tree.county).pack_title == "县委规定"


@pytest.mark.django_db
def test_variants_list_the_default_then_deeper_overrides(tree):
    _quarterly_lecture(_local(tree.county, title="县委规定"))
    _quarterly_lecture(_local(tree.general_a, title="总支规定"), per="month")
    _quarterly_lecture(_local(tree.town_b, title="乙镇规定"), per="month")
    on = D(2025, 6, 1)
    whole = engine.variants("ZB-11", on=on, within="")
    assert [(p, v.pack_title) for p, v in whole] == [
        ("", "中国共产党支部工作条例(试行)"),
        (tree.county.path, "县委规定"),
        (tree.town_b.path, "乙镇规定"),
        (tree.general_a.path, "总支规定"),
    ]
    town_a = engine.variants("ZB-11", on=on, within=tree.town_a.path)
    assert [(p, v.pack_title) for p, v in town_a] == [
        (tree.town_a.path, "县委规定"),  # the ancestor's override is the default inside town A
        (tree.general_a.path, "总支规定"),
    ]
    assert [p for p, _v in engine.variants("ZB-11", on=D(2024, 1, 1), within="")] == [""]


@pytest.mark.django_db
def test_an_override_checked_against_an_old_national_version_stops_when_it_is_revised(tree):
    pack = _local(tree.town_a, effective_from=D(2025, 1, 1))
    row = services.rule_save(
        actor=None,
        pack=pack,
        rule_id="FZ-03",
        title="谈话时限",
        params={"within_months": 1},
        article="第二条",
        effective_from=D(2025, 1, 1),
    )
    assert row.base_pack.version == "2014"
    assert engine.rule("FZ-03", on=D(2026, 4, 30), org=tree.branch_a1).is_local
    # From 2026-05-01 the national rule is the 2026 version: the override no longer stands.
    assert not engine.rule("FZ-03", on=D(2026, 5, 1), org=tree.branch_a1).is_local


@pytest.mark.django_db
def test_local_only_rules_need_an_org(tree):
    pack = _local(tree.town_a)
    services.rule_save(
        actor=None,
        pack=pack,
        rule_id="L-ZB-18",
        kind="deadline",
        title="不开展活动通报",
        params={"max_inactive_months": 3},
        article="第五条",
    )
    assert engine.rule("L-ZB-18", org=tree.branch_a1).params["max_inactive_months"] == 3
    with pytest.raises(engine.RuleNotFound):
        engine.rule("L-ZB-18", org=tree.branch_b1)
    with pytest.raises(engine.RuleNotFound):
        engine.rule("L-ZB-18")


@pytest.mark.django_db
def test_the_cache_follows_writes(tree):
    assert not engine.rule("ZB-11", org=tree.branch_a1).is_local
    _quarterly_lecture(_local(tree.town_a, effective_from=D(2020, 1, 1)))
    assert engine.rule("ZB-11", org=tree.branch_a1).is_local


# -- calendar months and periods ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 8, 31), 1, D(2025, 9, 30)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),
    ],
)
def test_add_months_is_calendar_arithmetic(day, n, expected):
    assert engine.add_months(day, n) == expected


def test_periods_and_labels():
    assert engine.period_of("month", D(2026, 3, 17)) == engine.Period(
        D(2026, 3, 1), D(2026, 4, 1), "month", "2026-03", "2026年3月"
    )
    q = engine.period_of("quarter", D(2026, 2, 28))
    assert (q.key, q.label, q.start, q.end) == ("2026Q1", "2026年第一季度", D(2026, 1, 1), D(2026, 4, 1))
    assert engine.period_of("quarter", D(2026, 12, 31)).label == "2026年第四季度"
    y = engine.period_of("year", D(2024, 2, 29))
    assert (y.key, y.label, y.end) == ("2024", "2024年", D(2025, 1, 1))
    months = engine.periods("month", start=D(2026, 1, 15), end=D(2026, 4, 1))
    assert [p.key for p in months] == ["2026-01", "2026-02", "2026-03"]
    assert [p.key for p in engine.periods("quarter", start=D(2025, 11, 1), end=D(2026, 4, 2))] == [
        "2025Q4",
        "2026Q1",
        "2026Q2",
    ]
    assert engine.periods("year", start=D(2026, 1, 1), end=D(2026, 1, 1)) == []
    assert D(2026, 3, 31) in months[-1] and D(2026, 4, 1) not in months[-1]
    with pytest.raises(ValueError):
        engine.period_of("week", D(2026, 1, 1))


@given(
    st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)),
    st.sampled_from(["month", "quarter", "year"]),
)
def test_period_of_contains_the_day_and_periods_tile(day, per):
    p = engine.period_of(per, day)
    assert day in p
    assert engine.period_of(per, p.end).start == p.end
    assert engine.period_of(per, p.end - dt.timedelta(days=1)) == p


# -- windows -----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_deadline_within_one_calendar_month():
    w = engine.window("FZ-03", D(2025, 1, 31))
    assert (w.earliest, w.latest, w.provisional) == (None, D(2025, 2, 28), False)
    assert w.rule.rule_id == "FZ-03" and "FZ-03" in w.reason and "2025-02-28" in w.reason
    assert engine.window("FZ-03", D(2024, 1, 31)).latest == D(2024, 2, 29)


@pytest.mark.django_db
def test_earliest_after_a_year_of_training_in_a_leap_year():
    w = engine.window("FZ-07", D(2024, 2, 29))
    assert (w.earliest, w.latest) == (D(2025, 2, 28), None)


@pytest.mark.django_db
def test_approval_within_three_months_or_six_in_special_cases():
    assert engine.window("FZ-16", D(2025, 11, 30)).latest == D(2026, 2, 28)
    special = engine.window("FZ-16", D(2025, 11, 30), param="special_within_months")
    assert special.latest == D(2026, 5, 30)
    assert engine.window("FZ-18", D(2025, 7, 1), param="probation_months").latest == D(2026, 7, 1)
    with pytest.raises(ValueError):
        engine.window("FZ-18", D(2025, 7, 1))  # several durations, none named as a window


@pytest.mark.django_db
def test_publicity_of_five_working_days_over_national_day():
    # 2025-09-30 (Tue): the next working days are 10-09, 10-10, 10-11 (a Saturday worked), 10-13, 10-14.
    w = engine.window("GB-07", D(2025, 9, 30))
    assert (w.earliest, w.provisional) == (D(2025, 10, 14), False)
    # Published Friday 2025-09-26: 09-28 (Sunday, 调休 workday) counts.
    assert engine.window("GB-07", D(2025, 9, 26)).earliest == D(2025, 10, 10)


@pytest.mark.django_db
def test_fz08_window_uses_the_2026_version_and_is_provisional_into_2027():
    w = engine.window("FZ-08", D(2026, 12, 28))
    assert w.rule.pack_version == "2026"
    assert w.earliest == D(2027, 1, 4) and w.provisional
    assert "暂定" in w.reason


@pytest.mark.django_db
def test_window_version_is_the_one_in_force_on_the_start_date():
    assert engine.window("FZ-16", D(2026, 4, 30)).rule.pack_version == "2014"
    assert engine.window("FZ-16", D(2026, 5, 1)).rule.pack_version == "2026"
    assert engine.window("FZ-16", D(2026, 4, 30), on=D(2026, 5, 1)).rule.pack_version == "2026"


@pytest.mark.django_db
def test_window_uses_the_local_override(tree):
    pack = _local(tree.town_a)
    services.rule_save(
        actor=None,
        pack=pack,
        rule_id="FZ-19",
        title="转正审批",
        params={"within_months": 2},
        article="第九条",
    )
    assert engine.window("FZ-19", D(2026, 12, 31), org=tree.branch_a1).latest == D(2027, 2, 28)
    assert engine.window("FZ-19", D(2026, 12, 31), org=tree.branch_b1).latest == D(2027, 3, 31)


# -- quorum and votes -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("op", "fraction", "base", "expected"),
    [
        ("gt", "1/2", 7, 4),
        ("gt", "1/2", 8, 5),
        ("gte", "1/2", 8, 4),
        ("gte", "2/3", 9, 6),
        ("gte", "2/3", 10, 7),
        ("gt", "4/5", 10, 9),
        ("gt", "4/5", 11, 9),
        ("gt", "1/2", 1, 1),
        ("gt", "1/2", 0, 1),
    ],
)
def test_threshold_counts(op, fraction, base, expected):
    assert engine.threshold_count(op, fraction, base) == expected


@pytest.mark.django_db
def test_branch_assembly_quorum_odd_and_even():
    assert engine.quorum("ZB-08", expected=7, present=4).quorum_met
    assert not engine.quorum("ZB-08", expected=8, present=4).quorum_met  # half is not more than half
    r = engine.quorum("ZB-08", expected=8, present=5)
    assert (r.quorum_met, r.passed, r.min_present, r.min_yes) == (True, None, 5, 5)
    assert r.rule.rule_id == "ZB-08" and all("ZB-08" in reason for reason in r.reasons)


@pytest.mark.django_db
def test_admission_vote_counts_yes_against_expected_not_present():
    # 应到 10, 实到 6: 4 yes is a majority of those present but not more than half of 应到.
    r = engine.quorum("FZ-14", expected=10, present=6, yes=4, no=2, abstain=0)
    assert r.quorum_met and r.passed is False and r.min_yes == 6
    assert "未通过" in r.reasons[-1]
    # Written opinions of absent members count: 4 yes present + 2 written yes = 6.
    r = engine.quorum("FZ-14", expected=10, present=6, yes=4, no=2, written_yes=2)
    assert r.passed is True and "书面意见2票" in r.reasons[-1]


@pytest.mark.django_db
def test_no_quorum_means_no_valid_vote():
    r = engine.quorum("FZ-14", expected=10, present=5, yes=5, written_yes=3)
    assert not r.quorum_met and r.passed is False
    assert any("表决无效" in reason for reason in r.reasons)


@pytest.mark.django_db
def test_committee_meeting_has_no_pass_clause():
    r = engine.quorum("ZB-09", expected=5, present=3, yes=3)
    assert r.quorum_met and r.passed is None and r.min_yes is None


@pytest.mark.django_db
def test_election_needs_more_than_four_fifths():
    assert not engine.quorum("ZB-17", expected=10, present=8).quorum_met
    r = engine.quorum("ZB-17", expected=10, present=9, yes=6, no=3)
    assert r.quorum_met and r.passed and r.min_present == 9 and r.min_yes == 6


@pytest.mark.django_db
def test_gte_two_thirds_for_village_review_and_life_meetings():
    assert engine.quorum("CX-01", expected=9, present=6).quorum_met
    assert not engine.quorum("CX-01", expected=9, present=5).quorum_met
    assert engine.quorum("ZB-16", expected=6, present=4).quorum_met
    assert not engine.quorum("ZB-16", expected=7, present=4).quorum_met


@pytest.mark.django_db
@pytest.mark.parametrize(
    "counts",
    [
        {"expected": 5, "present": 6},
        {"expected": 5, "present": 3, "yes": 3, "no": 1},
        {"expected": 5, "present": 3, "yes": 1, "written_yes": 3},
        {"expected": 5, "present": -1},
    ],
)
def test_impossible_counts_are_refused(counts):
    with pytest.raises(ValueError):
        engine.quorum("FZ-14", **counts)


@pytest.mark.django_db
@given(st.integers(0, 200), st.data())
def test_quorum_threshold_is_the_smallest_count_that_satisfies_the_clause(expected, data):
    present = data.draw(st.integers(0, expected))
    r = engine.quorum("ZB-08", expected=expected, present=present)
    assert r.quorum_met == (2 * present > expected)
    r = engine.quorum("CX-01", expected=expected, present=present)
    assert r.quorum_met == (3 * present >= 2 * expected)


# -- due lists (frequency) ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_year_of_a_monthly_rule_is_twelve_obligations():
    year = engine.period_of("year", D(2025, 6, 1))
    due = engine.due("ZB-09", period=year)
    assert [o.period.key for o in due] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert {o.meeting_kind for o in due} == {"branch_committee"}
    assert due[0].label == "支部委员会会议" and due[0].times == 1 and due[0].rule.rule_id == "ZB-09"


@pytest.mark.django_db
def test_quarterly_and_yearly_obligations():
    year = engine.period_of("year", D(2025, 1, 1))
    assert [o.period.label for o in engine.due("ZB-08", period=year)] == [
        "2025年第一季度",
        "2025年第二季度",
        "2025年第三季度",
        "2025年第四季度",
    ]
    both = engine.due("ZB-13", period=year)
    assert [(o.meeting_kind, o.period.key) for o in both] == [
        ("life_meeting", "2025"),
        ("member_review", "2025"),
    ]
    # A yearly rule asked about a month answers with its whole year.
    march = engine.period_of("month", D(2025, 3, 1))
    assert [o.period.key for o in engine.due("ZB-14", period=march)] == ["2025"]


@pytest.mark.django_db
def test_due_follows_a_local_rule_that_starts_mid_year(tree):
    pack = _local(tree.town_a, effective_from=D(2025, 7, 1))
    _quarterly_lecture(pack)
    year = engine.period_of("year", D(2025, 1, 1))
    due = engine.due("ZB-11", period=year, org=tree.branch_a1)
    # Until June the national yearly lecture; from July the local quarterly one.
    assert [(o.per, o.period.key) for o in due] == [
        ("year", "2025"),
        ("quarter", "2025Q3"),
        ("quarter", "2025Q4"),
    ]
    assert due[0].rule.level == "national" and due[1].rule.is_local
    assert [o.period.key for o in engine.due("ZB-11", period=year, org=tree.branch_b1)] == ["2025"]
    # With `on`, one version judges the whole period.
    fixed = engine.due("ZB-11", period=year, org=tree.branch_a1, on=D(2025, 8, 1))
    assert [o.period.key for o in fixed] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]


# -- brackets and quotas --------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "rate", "monthly"),
    [
        ("0", "0.005", "0.00"),
        ("2999.99", "0.005", "15.00"),
        ("3000", "0.005", "15.00"),
        ("3000.01", "0.01", "30.00"),
        ("5000", "0.01", "50.00"),
        ("5000.01", "0.015", "75.00"),
        ("10000", "0.015", "150.00"),
        ("10000.01", "0.02", "200.00"),
        ("25000", "0.02", "500.00"),
    ],
)
def test_dues_brackets_apply_to_the_whole_base(amount, rate, monthly):
    r = engine.bracket("DF-02", amount=Decimal(amount), category="salaried")
    assert r.rate == Decimal(rate) and r.fixed is None
    assert r.monthly(Decimal(amount)) == Decimal(monthly)
    assert r.rule.rule_id == "DF-02" and r.rule.article == "第二条"


@pytest.mark.django_db
def test_retiree_and_fixed_brackets():
    assert engine.bracket("DF-04", amount=Decimal("5000"), category="retired").rate == Decimal("0.005")
    assert engine.bracket("DF-04", amount=Decimal("5000.01"), category="retired").rate == Decimal("0.01")
    farmer = engine.bracket("DF-05", amount=Decimal("0"), category="farmer")
    assert (farmer.rate, farmer.fixed, farmer.fixed_max) == (None, Decimal("0.2"), Decimal("1"))
    student = engine.bracket("DF-05", amount=Decimal("0"), category="student")
    assert (student.fixed, student.fixed_max, student.monthly(Decimal("0"))) == (
        Decimal("0.2"),
        None,
        Decimal("0.2"),
    )
    with pytest.raises(ValueError):
        engine.bracket("DF-02", amount=Decimal("100"), category="retired")


@pytest.mark.django_db
def test_quota_rounds_down():
    assert engine.quota("GB-04", total=12) == 2
    assert engine.quota("GB-04", total=10) == 2
    assert engine.quota("GB-04", total=4) == 0
    assert engine.quota("GB-04", total=12, param="special_max_fraction") == 3
    assert engine.quota("GB-04", total=20, param="institution_max_fraction") == 3


@pytest.mark.django_db
def test_constraint_rules_are_listed_without_numbers():
    for rid in ("XT-01", "XT-02", "XT-03", "FZ-10", "DF-09"):
        assert engine.rule(rid, on=D(2026, 6, 1)).kind == "constraint"


@pytest.mark.django_db
def test_rule_rows_are_versioned_not_overwritten_by_reload():
    from zugong.rules import packs

    before = Rule.objects.filter(pack__is_shipped=True).count()
    packs.load_shipped()
    assert Rule.objects.filter(pack__is_shipped=True).count() == before
    assert RulePack.objects.get(code="recruitment", version="2014").effective_to == D(2026, 5, 1)
