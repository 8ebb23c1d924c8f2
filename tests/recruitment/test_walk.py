from __future__ import annotations

import datetime as dt

import pytest

from zugong.members.models import Member
from zugong.recruitment import checks
from zugong.recruitment.models import Stage

from ..factories import make_applicant
from .helpers import ON_TIME, walk

pytestmark = pytest.mark.django_db


def test_a_file_on_time_ends_as_a_full_member_without_findings(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=dt.date(2024, 3, 1))
    a = walk(a, ON_TIME, introducers)
    assert a.stage == Stage.MEMBER
    member = Member.objects.get(pk=a.member_id)
    assert member.status == "formal"
    assert member.joined_on == dt.date(2025, 7, 20)  # the 支部大会 adoption: dues from here (FZ-20)
    assert member.converted_on == dt.date(2026, 7, 20)  # end of probation: 党龄 from here (FZ-18)
    review = checks.review(a, list(a.records.all()), as_of=dt.date(2026, 9, 1))
    assert review.findings == []
    assert review.open == []
    assert a.next_step == "" and a.due_on is None and a.breach_count == 0
