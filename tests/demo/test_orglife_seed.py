"""The organizational-life history `zugong seed` writes: what the services would have stored, the same
for the same seed, and compliance that shows every colour."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

import pytest
from django.db import connection  # noqa: F401  (the skipif condition)

from zugong.demo import orglife as demo_orglife
from zugong.demo import seed as seeding
from zugong.members.models import Member
from zugong.orglife import compliance
from zugong.orglife import services as orglife_services
from zugong.orglife.compliance import Window
from zugong.orglife.models import (
    Attendance,
    Meeting,
    MeetingPart,
    MemberReview,
    VillageDecision,
    Vote,
)
from zugong.orgs.models import Org

from ..conftest import shared_seed

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 20)  # late in the year: last year's 组织生活会 held, this year's due


_seeded = shared_seed(scale="tiny", seed=2026, as_of=AS_OF)


@pytest.fixture
def tiny(_seeded, db):
    """The county of one seeding shared by the module (tests/conftest.py shared_seed)."""
    return Org.objects.get(depth=1)


def _sample(meetings, per_kinds: int = 3) -> list[Meeting]:
    """A few meetings of every combination of kinds, and every one whose quorum failed."""
    seen: Counter = Counter()
    out = []
    for meeting in meetings.prefetch_related("parts").order_by("id"):
        key = tuple(sorted(meeting.kinds))
        if seen[key] < per_kinds or meeting.quorum_met is False:
            seen[key] += 1
            out.append(meeting)
    return out


def _stored(meeting: Meeting) -> dict:
    return {
        "parts": sorted(
            MeetingPart.objects.filter(meeting=meeting).values_list(
                "kind", "org_id", "org_path", "party_group_id", "held_on", "ym", "counts"
            )
        ),
        "meeting": Meeting.objects.filter(pk=meeting.pk)
        .values(
            "org_id", "org_path", "held_on", "expected", "present", "on_leave", "voting_expected",
            "voting_present", "attendance_taken", "quorum_met", "quorum_note", "party_group_id",
            "village_decision_id", "theme_items",
        )
        .get(),
        "attendance": sorted(
            Attendance.objects.filter(meeting=meeting).values_list("member_id", "status", "has_vote")
        ),
        "votes": list(
            Vote.objects.filter(meeting=meeting)
            .order_by("id")
            .values_list("subject", "passed", "result_note")
        ),
    }  # fmt: skip


def _again(meeting: Meeting) -> Meeting:
    """The same meeting recorded through `meeting_create`."""
    attendance = None
    values = {}
    if meeting.attendance_taken:
        attendance = [
            orglife_services.AttendanceRow(member=a.member, status=a.status, reason=a.reason)
            for a in meeting.attendance.select_related("member").order_by("member_id")
        ]
    else:
        values = {
            "expected": meeting.expected,
            "present": meeting.present,
            "on_leave": meeting.on_leave,
            "voting_expected": meeting.voting_expected,
            "voting_present": meeting.voting_present,
        }
    votes = [
        orglife_services.VoteInput(
            subject=v.subject, yes=v.yes, no=v.no, abstain=v.abstain, is_secret=v.is_secret
        )
        for v in meeting.votes.all()
    ]
    return orglife_services.meeting_create(
        actor=None,
        org=meeting.org,
        kinds=meeting.kinds,
        attendance=attendance,
        votes=votes,
        held_on=meeting.held_on,
        topic=meeting.topic,
        party_group=meeting.party_group,
        village_decision=meeting.village_decision,
        theme_items=meeting.theme_items,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        **values,
    )


def _assert_as_the_services_store(meetings: list[Meeting]) -> None:
    assert meetings
    for meeting in meetings:
        seeded, again = _stored(meeting), _stored(_again(meeting))
        assert seeded["parts"] == again["parts"], meeting.topic
        assert seeded == again, meeting.topic


def test_seeded_meetings_are_what_the_services_store(tiny):
    meetings = _sample(Meeting.objects.all())
    kinds = {k for m in meetings for k in m.kinds}
    assert {"theme_day", "branch_assembly", "branch_committee", "group_meeting", "party_lecture"} <= kinds
    assert {"life_meeting", "member_review", "heart_talk", "village_review"} <= kinds
    assert any(m.quorum_met is False for m in meetings)  # a 党员大会 without a quorum
    assert all(m.attendance_taken for m in meetings if m.parts.exclude(kind__startswith="village_").exists())
    _assert_as_the_services_store(meetings)


def test_counts_only_scales_store_what_the_services_store(tiny):
    """City and province scale: no attendance rows, counts on the meetings (the same generator)."""
    Meeting.objects.all().delete()
    MemberReview.objects.all().delete()
    VillageDecision.objects.all().delete()
    summary = demo_orglife.seed_orglife(scale="city", seed=7, as_of=AS_OF, root_path=tiny.path, workers=0)
    assert summary.meetings == Meeting.objects.count() > 0
    assert not Attendance.objects.exists() and not MemberReview.objects.exists()
    assert not Meeting.objects.filter(attendance_taken=True).exists()
    _assert_as_the_services_store(_sample(Meeting.objects.all(), per_kinds=2))
    # the six-month rule still has answers: dated members, a few lapsed
    normal = Member.objects.filter(standing="normal")
    assert normal.filter(last_orglife_on__isnull=False).count() > 0.9 * normal.count()
    assert compliance.members_without_orglife(tiny.path, as_of=AS_OF).exists()


def _parts_digest() -> str:
    h = hashlib.sha256()
    parts = MeetingPart.objects.values_list("org_path", "held_on", "kind", "counts", "meeting__topic")
    for row in sorted(map(repr, parts)):
        h.update(row.encode())
    return h.hexdigest()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the worker path is PostgreSQL's (COPY)")
def test_worker_processes_write_what_one_process_writes(tiny, monkeypatch):
    """City and province scale on PostgreSQL generate chunks of branches in worker processes (the
    path the province seed takes); it must give the history one process gives."""

    def again(workers: int) -> str:
        Meeting.objects.all().delete()
        VillageDecision.objects.all().delete()
        demo_orglife.seed_orglife(scale="city", seed=7, as_of=AS_OF, root_path=tiny.path, workers=workers)
        return _parts_digest()

    monkeypatch.setattr(demo_orglife, "CHUNK_BRANCHES", 7)
    assert again(2) == again(0)


def test_last_orglife_is_what_refresh_would_set(tiny):
    before = dict(Member.objects.values_list("pk", "last_orglife_on"))
    assert sum(1 for d in before.values() if d) > 0.9 * len(before)
    orglife_services.refresh_last_orglife(before)
    assert dict(Member.objects.values_list("pk", "last_orglife_on")) == before
    named = compliance.members_without_orglife(tiny.path, as_of=AS_OF)
    assert named.exists()  # lapsed members: nothing attended or excused for over six months


def test_compliance_shows_every_status_and_colour(tiny):
    tallies = compliance.branch_tallies(tiny.path, Window(AS_OF.year), as_of=AS_OF)
    assert len(tallies) == Org.objects.filter(kind__in=["branch", "joint_branch"]).count()
    colours = Counter(t.rag for t in tallies.values())
    assert set(colours) == {"red", "amber", "green"}
    assert colours["red"] < len(tallies) / 2  # most branches comply
    statuses = Counter(r.status for r in compliance.rows(tiny.path, Window(AS_OF.year), as_of=AS_OF))
    assert set(statuses) == {"met", "missed", "due", "open"}
    assert statuses["met"] > 5 * statuses["missed"]
    # last year's 组织生活会 was held in its fourth quarter by nearly every branch
    last_year = compliance.branch_tallies(tiny.path, Window(AS_OF.year - 1, quarter=4), as_of=AS_OF)
    life = [
        r
        for r in compliance.rows(tiny.path, Window(AS_OF.year - 1, quarter=4), as_of=AS_OF)
        if r.obligation.kind == "life_meeting"
    ]
    assert last_year and sum(r.status == "met" for r in life) >= 0.8 * len(life)


def test_reviews_and_village_matters(tiny):
    reviews = MemberReview.objects.all()
    assert reviews.filter(year=AS_OF.year - 1).count() == reviews.count() > 0
    grades = Counter(reviews.values_list("grade", flat=True))
    assert grades["qualified"] > grades["excellent"] > 0
    for review in reviews.filter(grade="unqualified"):
        assert review.action and review.meeting.held_on.year == review.year
        assert (review.closed_on is None) == (review.outcome == "")
    decisions = VillageDecision.objects.all()
    assert decisions.exists()
    for decision in decisions:
        steps = orglife_services.decision_steps(decision)
        assert (decision.status == "done") == all(s["done"] for s in steps)


def _digest() -> str:
    """Every part and attendance row as values, sorted in Python: rows that tie on any ORDER BY (two
    党小组会 of one branch on one day with one topic) come back in any order from PostgreSQL."""
    h = hashlib.sha256()
    parts = MeetingPart.objects.values_list(
        "org_path",
        "held_on",
        "kind",
        "counts",
        "party_group_id",
        "meeting__topic",
        "meeting__present",
        "meeting__expected",
    )
    for row in sorted(map(repr, parts)):
        h.update(row.encode())
    attendance = Attendance.objects.values_list(
        "member_id", "meeting__held_on", "meeting__topic", "meeting__org_path", "status", "reason"
    )
    for row in sorted(map(repr, attendance)):
        h.update(row.encode())
    return h.hexdigest()


def test_same_seed_same_history(tiny):
    first = _digest()
    seeding.seed(scale="tiny", seed=2026, as_of=AS_OF, force=True)
    assert _digest() == first
    seeding.seed(scale="tiny", seed=2027, as_of=AS_OF, force=True)
    assert _digest() != first
