import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zugong.core.exceptions import NotInScope
from zugong.core.models import AuditEntry
from zugong.members.models import Member
from zugong.orglife import services
from zugong.orglife.models import Attendance, MeetingPart, MemberReview

from ..factories import make_meeting, make_member

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 10)


def test_attendance_gives_the_counts_and_members_latest_orglife(tree):
    formal = [make_member(tree.branch_a1) for _ in range(3)]
    probationary = make_member(
        tree.branch_a1, status="probationary", converted_on=None, joined_on=dt.date(2025, 12, 1)
    )
    rows = [
        services.AttendanceRow(formal[0], "present"),
        services.AttendanceRow(formal[1], "leave", "出差"),
        services.AttendanceRow(formal[2], "absent"),
        services.AttendanceRow(probationary, "present"),
    ]
    m = services.meeting_create(
        actor=None, org=tree.branch_a1, kinds=["branch_assembly"], held_on=D, topic="讨论", attendance=rows
    )
    assert (m.expected, m.present, m.on_leave) == (4, 2, 1)
    # 预备党员 have no vote: 3 voting members due, 1 present → no quorum under ZB-08 (> 1/2).
    assert (m.voting_expected, m.voting_present) == (3, 1)
    assert m.quorum_met is False and "ZB-08" in m.quorum_note
    assert MeetingPart.objects.get(meeting=m).counts is False
    last = dict(Member.objects.filter(pk__in=[x.pk for x in formal]).values_list("pk", "last_orglife_on"))
    assert last[formal[0].pk] == D and last[formal[1].pk] == D  # excused with a reason counts
    assert last[formal[2].pk] is None
    assert AuditEntry.objects.filter(action="meeting.create", object_id=str(m.pk)).exists()


def test_one_meeting_fulfils_several_obligations(tree):
    m = make_meeting(tree.branch_a1, ["theme_day", "branch_assembly", "party_lecture"], held_on=D)
    assert sorted(m.kinds) == ["branch_assembly", "party_lecture", "theme_day"]
    assert MeetingPart.objects.filter(meeting=m, counts=True).count() == 3


def test_leave_needs_a_reason_and_members_must_belong(tree):
    a = make_member(tree.branch_a1)
    other = make_member(tree.branch_b1)
    with pytest.raises(ValidationError, match="请假原因"):
        services.meeting_create(
            actor=None,
            org=tree.branch_a1,
            kinds=["theme_day"],
            held_on=D,
            topic="x",
            attendance=[services.AttendanceRow(a, "leave", " ")],
        )
    with pytest.raises(ValidationError, match="不是"):
        services.meeting_create(
            actor=None,
            org=tree.branch_a1,
            kinds=["theme_day"],
            held_on=D,
            topic="x",
            attendance=[services.AttendanceRow(other, "present")],
        )
    assert not MeetingPart.objects.exists()


def test_backfilled_assembly_needs_voting_counts(tree):
    with pytest.raises(ValidationError, match="有表决权"):
        services.meeting_create(
            actor=None,
            org=tree.branch_a1,
            kinds=["branch_assembly"],
            held_on=D,
            topic="x",
            expected=10,
            present=8,
        )


def test_future_date_and_committee_kinds_are_refused(tree):
    with pytest.raises(ValidationError, match="晚于今天"):
        make_meeting(tree.branch_a1, held_on=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="不召开"):
        make_meeting(tree.town_a, ["branch_assembly"])
    assert make_meeting(tree.town_a, ["party_lecture"]).pk


def test_vote_passes_only_with_more_than_half_of_expected(tree):
    m = services.meeting_create(
        actor=None,
        org=tree.branch_a1,
        kinds=["branch_assembly"],
        held_on=D,
        topic="接收预备党员",
        expected=10,
        present=8,
        voting_expected=10,
        voting_present=8,
        votes=[services.VoteInput("接收甲为预备党员", yes=5), services.VoteInput("接收乙为预备党员", yes=6)],
    )
    first, second = m.votes.all()
    assert first.passed is False and "ZB-08" in first.result_note  # 5 of 10 expected is not more than half
    assert second.passed is True


def test_update_moves_latest_orglife_and_is_audited_field_by_field(tree):
    a = make_member(tree.branch_a1)
    m = make_meeting(tree.branch_a1, held_on=D, members=[a])
    services.meeting_update(actor=None, meeting=m, held_on=dt.date(2026, 2, 1))
    a.refresh_from_db()
    assert a.last_orglife_on == dt.date(2026, 2, 1)
    entry = AuditEntry.objects.filter(action="meeting.update").get()
    assert entry.before["held_on"] == D.isoformat() and "topic" not in entry.after
    services.meeting_delete(actor=None, meeting=m, reason="重复录入")
    a.refresh_from_db()
    assert a.last_orglife_on is None
    assert not Attendance.objects.exists()


def test_scope_and_permissions(tree, accounts):
    with pytest.raises(NotInScope):
        services.meeting_create(
            actor=accounts["secretary_a1"],
            org=tree.branch_b1,
            kinds=["theme_day"],
            held_on=D,
            topic="x",
            expected=3,
            present=3,
        )
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            actor=accounts["leader_a"],
            org=tree.branch_a1,
            kinds=["theme_day"],
            held_on=D,
            topic="x",
            expected=3,
            present=3,
        )
    m = services.meeting_create(
        actor=accounts["secretary_a1"],
        org=tree.branch_a1,
        kinds=["theme_day"],
        held_on=D,
        topic="x",
        expected=3,
        present=3,
    )
    assert m.created_by == accounts["secretary_a1"]


def test_review_unqualified_needs_follow_up_until_closed(tree):
    a = make_member(tree.branch_a1)
    with pytest.raises(ValidationError, match="处置方式"):
        services.review_record(actor=None, member=a, year=2025, grade="unqualified")
    with pytest.raises(ValidationError, match="整改期限"):
        services.review_record(actor=None, member=a, year=2025, grade="unqualified", action="rectify")
    r = services.review_record(
        actor=None,
        member=a,
        year=2025,
        grade="unqualified",
        action="rectify",
        action_due=dt.date(2026, 6, 30),
    )
    assert r.follow_up_open
    r = services.review_close(
        actor=None, review=r, closed_on=dt.date(2026, 3, 1), outcome="已改正,经支部大会认定"
    )
    assert not r.follow_up_open
    # Correcting the grade clears the follow-up; one result per member and year.
    r = services.review_record(actor=None, member=a, year=2025, grade="qualified")
    assert (r.action, r.closed_on) == ("", None)
    assert MemberReview.objects.count() == 1


def test_theme_items_deepest_list_wins(tree):
    default = [i.code for i in services.theme_items_for(tree.branch_a1)]
    assert default[:5] == ["oath", "constitution", "dues", "study", "birthday"]
    services.theme_items_set(
        actor=None, org=tree.town_a, items=[("oath", "重温入党誓词", True), ("x", "红色观影", False)]
    )
    assert [i.code for i in services.theme_items_for(tree.branch_a1)] == ["oath", "x"]
    assert [i.code for i in services.theme_items_for(tree.branch_b1)] == default
    with pytest.raises(ValidationError, match="未知的主题党日项目"):
        make_meeting(tree.branch_a1, theme_items=["birthday"])


def test_org_move_carries_meeting_paths(tree):
    from zugong.orgs.services import org_move

    m = make_meeting(tree.branch_a1, held_on=D)
    org_move(actor=None, org=tree.branch_a1, new_parent=tree.town_b)
    m.refresh_from_db()
    tree.branch_a1.refresh_from_db()
    assert m.org_path == tree.branch_a1.path
    assert MeetingPart.objects.get(meeting=m).org_path == tree.branch_a1.path


def test_editing_a_meeting_keeps_members_who_left_the_branch_since(tree):
    from zugong.members.services import member_change_org

    stay, leave = make_member(tree.branch_a1), make_member(tree.branch_a1)
    m = make_meeting(tree.branch_a1, ["branch_assembly"], held_on=D, members=[stay, leave])
    member_change_org(actor=None, member=leave, to_org=tree.branch_b1, on=dt.date(2026, 4, 1))
    m = services.meeting_update(actor=None, meeting=m, topic="更正主题")
    assert (m.expected, m.present, m.voting_present) == (2, 2, 2) and m.quorum_met is True
    # Changing the list may keep them too; a member who never attended and is not a member may not.
    leave.refresh_from_db()
    rows = [services.AttendanceRow(stay, "present"), services.AttendanceRow(leave, "leave", "调离")]
    m = services.meeting_update(actor=None, meeting=m, attendance=rows)
    assert (m.present, m.on_leave) == (1, 1)
    outsider = make_member(tree.branch_b1)
    with pytest.raises(ValidationError, match="不是"):
        services.meeting_update(
            actor=None, meeting=m, attendance=[*rows, services.AttendanceRow(outsider, "present")]
        )
