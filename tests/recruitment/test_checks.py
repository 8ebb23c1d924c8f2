"""Every time rule at its boundaries, with the version in force on the date judged.

Dates are real: the working-day cases use the State Council calendar of 2026 as shipped by the
chinese-calendar package (劳动节 1–5 May 2026 off, Saturday 9 May 2026 a 调休 workday)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from zugong.recruitment import checks
from zugong.recruitment.models import Applicant

from ..factories import make_applicant, make_member, make_user
from .helpers import people_of, record, walk

pytestmark = pytest.mark.django_db
D = dt.date


TODAY = D(2026, 11, 23)


def findings(a: Applicant, as_of: D = TODAY, rule: str | None = None) -> list[checks.Finding]:
    a.refresh_from_db()
    out = checks.review(a, list(a.records.all()), as_of=as_of).findings
    return [f for f in out if rule is None or f.rule_id == rule]


def to_candidate(a, people, *, activist: D, candidate: D | None = None, **candidate_fields):
    walk(
        a,
        [
            ("talk", a.applied_on + dt.timedelta(days=10)),
            ("activist", activist),
            ("activist_filing", activist),
            ("contacts", activist),
        ],
        people,
    )
    if candidate is not None:
        record(a, "candidate", candidate, people, **candidate_fields)
    return a


def to_admitted(a, people, *, activist: D, candidate: D, pre_review: D, assembly: D, **vote):
    to_candidate(a, people, activist=activist, candidate=candidate)
    walk(
        a,
        [
            ("candidate_filing", candidate),
            ("introducers", candidate),
            ("political_review", candidate),
            ("training", candidate),
            ("branch_review", pre_review),
            ("pre_review", pre_review),
            ("application_form", pre_review),
        ],
        people,
    )
    record(a, "assembly", assembly, people, **vote)
    return a


def to_probation(a, people, *, assembly: D, approval: D):
    start = assembly - dt.timedelta(days=400)
    to_admitted(
        a,
        people,
        activist=start,
        candidate=start + dt.timedelta(days=370),
        pre_review=assembly - dt.timedelta(days=10),
        assembly=assembly,
    )
    walk(a, [("committee_talk", assembly), ("approval", approval)], people)
    return a


# -- FZ-01: 18 on the day the application is received ---------------------------------------------
def test_fz01_eighteen_on_the_birthday(tree):
    make_applicant(tree.branch_a1, birth_date=D(2006, 5, 4), applied_on=D(2024, 5, 4))
    with pytest.raises(ValidationError) as exc:
        make_applicant(tree.branch_a1, birth_date=D(2006, 5, 4), applied_on=D(2024, 5, 3))
    assert "FZ-01" in str(exc.value.message_dict["applied_on"])


def test_fz01_born_on_a_leap_day_is_eighteen_on_28_february(tree):
    make_applicant(tree.branch_a1, birth_date=D(2008, 2, 29), applied_on=D(2026, 2, 28))
    with pytest.raises(ValidationError):
        make_applicant(tree.branch_a1, birth_date=D(2008, 2, 29), applied_on=D(2026, 2, 27))


# -- FZ-03: the talk within one calendar month -----------------------------------------------------
@pytest.mark.parametrize(("talk", "late"), [(D(2025, 2, 28), False), (D(2025, 3, 1), True)])
def test_fz03_one_month_from_31_january_ends_28_february(tree, talk, late):
    a = make_applicant(tree.branch_a1, applied_on=D(2025, 1, 31))
    record(a, "talk", talk)
    found = findings(a, rule="FZ-03")
    assert bool(found) == late
    if late:
        assert found[0].due == D(2025, 2, 28) and found[0].kind == "breach"
        assert "第七条" in found[0].cite


def test_fz03_no_talk_is_due_then_overdue(tree):
    a = make_applicant(tree.branch_a1, applied_on=D(2025, 1, 31))
    review = checks.review(a, list(a.records.all()), as_of=D(2025, 2, 28))
    assert review.primary.step == "talk" and review.primary.latest == D(2025, 2, 28)
    assert not review.findings
    late = checks.review(a, list(a.records.all()), as_of=D(2025, 3, 1)).findings
    assert [(f.step, f.rule_id, f.kind, f.due) for f in late] == [
        ("talk", "FZ-03", "overdue", D(2025, 2, 28))
    ]


# -- FZ-06: an assessment every half year ------------------------------------------------------------
@pytest.mark.parametrize(("assessed", "late"), [(D(2024, 11, 10), False), (D(2024, 11, 11), True)])
def test_fz06_half_year_between_assessments(tree, introducers, assessed, late):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    to_candidate(a, introducers, activist=D(2024, 5, 10))
    record(a, "assessment", assessed)
    assert bool(findings(a, as_of=D(2024, 12, 1), rule="FZ-06")) == late
    a.refresh_from_db()
    assert a.due_step == "assessment"  # the next one is due half a year later


# -- FZ-07: one year as an activist, across a leap day -----------------------------------------------
@pytest.mark.parametrize(("candidate", "early"), [(D(2025, 2, 28), False), (D(2025, 2, 27), True)])
def test_fz07_one_year_from_29_february(tree, introducers, candidate, early):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 10))
    to_candidate(a, introducers, activist=D(2024, 2, 29))
    record(a, "assessment", D(2024, 8, 20))
    a.refresh_from_db()
    assert a.next_step == "candidate" or a.due_step == "assessment"
    review = checks.review(a, list(a.records.all()), as_of=D(2024, 9, 1))
    assert next(d for d in review.open if d.step == "candidate").earliest == D(2025, 2, 28)
    record(a, "candidate", candidate)
    found = findings(a, rule="FZ-07")
    assert bool(found) == early
    if early:
        assert found[0].due == D(2025, 2, 28) and "第十三条" in found[0].cite


# -- FZ-08: 公示 of five working days, 2026 revision only --------------------------------------------
def _activist_2025(tree, people):
    a = make_applicant(tree.branch_a1, applied_on=D(2025, 1, 6))
    to_candidate(a, people, activist=D(2025, 3, 3))
    walk(a, [("assessment", D(2025, 8, 1)), ("assessment", D(2026, 1, 20))], people)
    return a


def test_fz08_version_switch_no_publicity_before_the_revision(tree, introducers):
    a = _activist_2025(tree, introducers)
    record(a, "candidate", D(2026, 4, 30))  # 2014 rules: no national 公示 rule
    assert findings(a, rule="FZ-08") == []


def test_fz08_version_switch_no_publicity_after_the_revision(tree, introducers):
    a = _activist_2025(tree, introducers)
    record(a, "candidate", D(2026, 5, 6))
    (found,) = findings(a, rule="FZ-08")
    assert "没有记录公示" in found.message and "2026年修订" in found.cite


@pytest.mark.parametrize(
    ("start", "end", "decided", "problem"),
    [
        # 劳动节: 4 working days (29, 30 April, 6, 7 May) although nine calendar days pass
        (D(2026, 4, 29), D(2026, 5, 7), D(2026, 5, 11), "仅4个工作日"),
        (D(2026, 4, 29), D(2026, 5, 8), D(2026, 5, 11), None),
        # five working days from 29 April end on 8 May; the 5th working day after is the 调休 Saturday 9 May
        (D(2026, 4, 29), D(2026, 5, 8), D(2026, 5, 8), "公示期未满"),
        (D(2026, 4, 29), D(2026, 5, 8), D(2026, 5, 9), None),
        # the 调休 Saturday counts: 6, 7, 8, 9 (Sat), 11 May = 5 working days
        (D(2026, 5, 6), D(2026, 5, 11), D(2026, 5, 12), None),
        (D(2026, 5, 6), D(2026, 5, 10), D(2026, 5, 12), "仅4个工作日"),
    ],
)
def test_fz08_working_days_across_labour_day_and_a_shifted_workday(
    tree, introducers, start, end, decided, problem
):
    a = _activist_2025(tree, introducers)
    record(a, "candidate", decided, publicity_from=start, publicity_to=end)
    found = findings(a, rule="FZ-08")
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0].message
    record_warnings = a.records.get(step="candidate").warnings
    assert bool(record_warnings) == (problem is not None)


# -- FZ-12: leaving the unit within three months ----------------------------------------------------
@pytest.mark.parametrize(("leaving", "problem"), [(D(2026, 9, 10), True), (D(2026, 9, 11), False)])
def test_fz12_leaving_within_three_months_of_the_pre_review(tree, introducers, leaving, problem):
    a = make_applicant(tree.branch_a1, applied_on=D(2025, 1, 6))
    to_candidate(a, introducers, activist=D(2025, 3, 3), candidate=D(2026, 4, 1))
    walk(
        a,
        [
            ("candidate_filing", D(2026, 4, 2)),
            ("introducers", D(2026, 4, 2)),
            ("political_review", D(2026, 5, 6)),
            ("training", D(2026, 5, 6)),
        ],
        introducers,
    )
    record(a, "branch_review", D(2026, 6, 1), leaving_on=leaving)
    record(a, "pre_review", D(2026, 6, 10))
    found = findings(a, as_of=D(2026, 6, 11), rule="FZ-12")
    assert bool(found) == problem
    if problem:
        assert found[0].due == D(2026, 9, 10)


# -- FZ-13: the 支部大会 within a month of the pre-review (2026) ----------------------------------------
@pytest.mark.parametrize(("assembly", "late"), [(D(2026, 7, 10), False), (D(2026, 7, 11), True)])
def test_fz13_one_month_after_the_pre_review(tree, introducers, assembly, late):
    a = make_applicant(tree.branch_a1, applied_on=D(2025, 1, 6))
    to_admitted(
        a,
        introducers,
        activist=D(2025, 3, 3),
        candidate=D(2026, 4, 1),
        pre_review=D(2026, 6, 10),
        assembly=assembly,
        expected=9,
        present=8,
        yes=8,
    )
    assert bool(findings(a, rule="FZ-13")) == late


def test_fz13_is_not_applied_before_the_revision(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_admitted(
        a,
        introducers,
        activist=D(2024, 3, 3),
        candidate=D(2025, 4, 1),
        pre_review=D(2025, 6, 10),
        assembly=D(2025, 9, 1),
        expected=9,
        present=8,
        yes=8,
    )
    assert findings(a, rule="FZ-13") == []


# -- FZ-14: the vote against 应到 --------------------------------------------------------------------
def test_fz14_a_majority_of_those_present_is_not_enough(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_admitted(
        a,
        introducers,
        activist=D(2024, 3, 3),
        candidate=D(2025, 4, 1),
        pre_review=D(2025, 6, 10),
        assembly=D(2025, 6, 20),
        expected=9,
        present=6,
        yes=4,
        no=2,
    )
    vote = a.records.get(step="assembly")
    assert vote.passed is False and "至少5票" in vote.vote_note
    a.refresh_from_db()
    assert a.admitted_on is None and a.next_step == "assembly"
    (found,) = findings(a, rule="FZ-14")
    assert "表决未通过" in found.message
    with pytest.raises(ValidationError, match="支部大会"):
        record(a, "approval", D(2025, 7, 1))
    # written opinions of absent members count toward the votes
    record(a, "assembly", D(2025, 7, 1), expected=9, present=5, yes=4, no=1, written_yes=1)
    a.refresh_from_db()
    assert a.admitted_on == D(2025, 7, 1)
    assert findings(a, rule="FZ-14") == []


def test_fz14_without_quorum_the_vote_fails(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_admitted(
        a,
        introducers,
        activist=D(2024, 3, 3),
        candidate=D(2025, 4, 1),
        pre_review=D(2025, 6, 10),
        assembly=D(2025, 6, 20),
        expected=10,
        present=5,
        yes=5,
    )
    vote = a.records.get(step="assembly")
    assert vote.passed is False and "会议不能召开" in vote.vote_note


# -- FZ-16: approval within 3 months, 6 in special cases ----------------------------------------------
@pytest.mark.parametrize(
    ("approval", "special", "late"),
    [
        (D(2025, 10, 20), False, False),
        (D(2025, 10, 21), False, True),
        (D(2026, 1, 20), True, False),
        (D(2026, 1, 21), True, True),
    ],
)
def test_fz16_approval_deadline(tree, introducers, approval, special, late):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_admitted(
        a,
        introducers,
        activist=D(2024, 3, 3),
        candidate=D(2025, 4, 1),
        pre_review=D(2025, 7, 10),
        assembly=D(2025, 7, 20),
        expected=9,
        present=8,
        yes=8,
    )
    review = checks.review(a, list(a.records.all()), as_of=D(2025, 8, 1))
    assert next(d for d in review.open if d.step == "approval").latest == D(2025, 10, 20)
    record(a, "committee_talk", D(2025, 8, 1))
    record(a, "approval", approval, special=special)
    assert bool(findings(a, rule="FZ-16")) == late


def test_fz16_overdue_approval_shows_in_the_stored_deadline(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_admitted(
        a,
        introducers,
        activist=D(2024, 3, 3),
        candidate=D(2025, 4, 1),
        pre_review=D(2025, 7, 10),
        assembly=D(2025, 7, 20),
        expected=9,
        present=8,
        yes=8,
    )
    a.refresh_from_db()
    assert a.due_step == "approval" and a.due_on == D(2025, 10, 20)
    overdue = findings(a, as_of=D(2025, 10, 21))
    assert [(f.step, f.kind) for f in overdue if f.kind == "overdue"] == [("approval", "overdue")]


# -- FZ-17: the oath within a month of approval (2026) --------------------------------------------------
@pytest.mark.parametrize(("oath", "late"), [(D(2026, 7, 15), False), (D(2026, 7, 16), True)])
def test_fz17_oath_within_a_month(tree, introducers, oath, late):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_probation(a, introducers, assembly=D(2026, 6, 1), approval=D(2026, 6, 15))
    record(a, "oath", oath)
    assert bool(findings(a, rule="FZ-17")) == late


def test_fz17_is_not_applied_before_the_revision(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2023, 1, 6))
    to_probation(a, introducers, assembly=D(2025, 6, 1), approval=D(2025, 6, 15))
    record(a, "oath", D(2025, 9, 1))
    assert findings(a, rule="FZ-17") == []


# -- FZ-18: one year of probation, an extension of 6–12 months once ----------------------------------
@pytest.mark.parametrize(("vote", "early"), [(D(2026, 7, 19), True), (D(2026, 7, 20), False)])
def test_fz18_conversion_discussed_when_probation_ends(tree, introducers, vote, early):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_probation(a, introducers, assembly=D(2025, 7, 20), approval=D(2025, 8, 15))
    a.refresh_from_db()
    assert a.probation_end == D(2026, 7, 20)
    record(a, "conversion_vote", vote)
    assert bool(findings(a, rule="FZ-18")) == early


def test_fz18_probation_from_29_february(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2022, 1, 6))
    to_probation(a, introducers, assembly=D(2024, 2, 29), approval=D(2024, 3, 20))
    a.refresh_from_db()
    assert a.probation_end == D(2025, 2, 28)


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False)])
def test_fz18_extension_bounds(tree, introducers, months, ok):
    a = make_applicant(tree.branch_a1, applied_on=D(2023, 1, 6))
    to_probation(a, introducers, assembly=D(2024, 7, 20), approval=D(2024, 8, 15))
    if ok:
        record(a, "conversion_vote", D(2025, 7, 21), decision="extend", extension_months=months)
    else:
        with pytest.raises(ValidationError) as exc:
            record(a, "conversion_vote", D(2025, 7, 21), decision="extend", extension_months=months)
        assert "FZ-18" in str(exc.value.message_dict["extension_months"])


def test_fz18_extension_moves_the_end_once_and_conversion_counts_from_it(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2023, 1, 6))
    to_probation(a, introducers, assembly=D(2024, 7, 20), approval=D(2024, 8, 15))
    record(a, "conversion_application", D(2025, 7, 1))
    record(a, "conversion_vote", D(2025, 7, 21), decision="extend", extension_months=6)
    record(a, "conversion_approval", D(2025, 8, 1))
    a.refresh_from_db()
    assert a.stage == "probationary" and a.extension_months == 6 and a.probation_end == D(2026, 1, 20)
    # a new written application starts the next round
    open_steps = [d.step for d in checks.review(a, list(a.records.all()), as_of=D(2025, 9, 1)).open]
    assert "conversion_application" in open_steps and "conversion_vote" in open_steps
    record(a, "conversion_application", D(2026, 1, 5))
    record(a, "conversion_vote", D(2026, 1, 19), decision="convert")
    assert [f.due for f in findings(a, rule="FZ-18")] == [D(2026, 1, 20)]
    with pytest.raises(ValidationError, match="尚待上级党委审批"):
        record(a, "conversion_vote", D(2026, 1, 20), decision="extend", extension_months=6)


def test_fz18_only_one_extension(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2023, 1, 6))
    to_probation(a, introducers, assembly=D(2024, 7, 20), approval=D(2024, 8, 15))
    walk(a, [("conversion_application", D(2025, 7, 1))], introducers)
    record(a, "conversion_vote", D(2025, 7, 21), decision="extend", extension_months=6)
    record(a, "conversion_approval", D(2025, 8, 1))
    with pytest.raises(ValidationError, match="只能延长一次"):
        record(a, "conversion_vote", D(2026, 1, 21), decision="extend", extension_months=6)


def test_fz18_cancellation_ends_the_file_and_the_membership(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2023, 1, 6))
    to_probation(a, introducers, assembly=D(2024, 7, 20), approval=D(2024, 8, 15))
    a.refresh_from_db()
    assert a.member.status == "probationary" and a.member.joined_on == D(2024, 7, 20)
    record(a, "conversion_vote", D(2025, 7, 21), decision="cancel")
    secretary = make_user("branch_secretary", tree.branch_a1, username="cancel_sec")
    record(a, "conversion_approval", D(2025, 8, 1), actor=secretary)  # a person, through the flow
    a.refresh_from_db()
    assert a.stage == "cancelled"
    assert a.member.standing == "left"


# -- FZ-19: conversion approved within 3 months ---------------------------------------------------------
@pytest.mark.parametrize(("approved", "late"), [(D(2026, 10, 21), False), (D(2026, 10, 22), True)])
def test_fz19_conversion_approval_deadline(tree, introducers, approved, late):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_probation(a, introducers, assembly=D(2025, 7, 20), approval=D(2025, 8, 15))
    record(a, "conversion_vote", D(2026, 7, 21))
    record(a, "conversion_approval", approved)
    assert bool(findings(a, rule="FZ-19")) == late
    a.refresh_from_db()
    assert a.member.converted_on == D(2026, 7, 20)


# -- people and training -------------------------------------------------------------------------------
def test_fz05_and_fz09_counts_and_full_members(tree, introducers):
    probationary = make_member(
        tree.branch_a1, status="probationary", joined_on=D(2026, 1, 5), converted_on=None
    )
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    walk(a, [("talk", D(2024, 1, 20)), ("activist", D(2024, 3, 3))], introducers)
    record(a, "contacts", D(2024, 3, 3), people=introducers + people_of(probationary))
    messages = [f.message for f in findings(a, rule="FZ-05")]
    assert any("1至2名" in m for m in messages) and any("不是党籍正常的正式党员" in m for m in messages)
    walk(
        a,
        [
            ("activist_filing", D(2024, 3, 4)),
            ("assessment", D(2024, 9, 1)),
            ("assessment", D(2025, 3, 1)),
            ("candidate", D(2025, 3, 10)),
        ],
        introducers,
    )
    record(a, "introducers", D(2025, 3, 11), people=introducers[:1])
    assert [f.message for f in findings(a, rule="FZ-09")] == ["入党介绍人应为2名正式党员,记录了1名"]


@pytest.mark.parametrize(("days", "hours", "short"), [(2, 16, True), (2, 24, False), (3, None, False)])
def test_fz11_three_days_or_24_hours(tree, introducers, days, hours, short):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_candidate(a, introducers, activist=D(2024, 3, 3), candidate=D(2025, 3, 10))
    record(a, "training", D(2025, 4, 1), training_days=days, training_hours=hours)
    assert bool(findings(a, rule="FZ-11")) == short


def test_missing_steps_are_named_once_a_later_gate_is_recorded(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    record(a, "activist", D(2024, 3, 3))  # no talk recorded
    found = findings(a, rule="FZ-03")
    assert [(f.kind, f.step) for f in found] == [("missing", "talk")]


def test_a_revision_does_not_reach_back_before_it_took_effect(tree, introducers):
    """Pre-reviewed in July 2025 (2014 rules: no national one-month limit to the 支部大会); judged in
    November 2026 the 2026 limit would have ended in August 2025, before the revision: not applied."""
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 1, 6))
    to_candidate(a, introducers, activist=D(2024, 3, 3), candidate=D(2025, 4, 1))
    walk(a, [("branch_review", D(2025, 7, 1)), ("pre_review", D(2025, 7, 8))], introducers)
    review = checks.review(a, list(a.records.all()), as_of=D(2026, 11, 23))
    assembly = next(d for d in review.open if d.step == "assembly")
    assert assembly.latest is None
    assert [f for f in review.findings if f.rule_id == "FZ-13"] == []
    # recorded in May 2026: still judged by the version in force when the clock started
    record(a, "assembly", D(2026, 5, 6), expected=9, present=8, yes=8)
    assert findings(a, rule="FZ-13") == []
