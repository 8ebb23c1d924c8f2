"""Fixtures of the organizational-life page tests: uploads go to a temporary media folder, and a small
branch (甲村党支部) with members, a meeting with an attachment, a 不合格 review and a 四议两公开 matter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zugong.members.models import Member
from zugong.orglife import services
from zugong.orglife.models import Attachment, Meeting, MemberReview, VillageDecision

from ..factories import make_member

# The smallest valid PNG (1×1 transparent pixel) and a minimal PDF: real files, not just names.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def png(name: str = "签到表.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "会议记录.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Branch:
    members: list[Member]
    meeting: Meeting
    attachment: Attachment
    review: MemberReview
    decision: VillageDecision


MEETING_DAY = dt.date(2026, 3, 10)


@pytest.fixture
def branch(tree, accounts) -> Branch:
    members = [accounts["member_record"], *(make_member(tree.branch_a1, name=n) for n in ("李四", "王五"))]
    meeting = services.meeting_create(
        actor=None,
        org=tree.branch_a1,
        kinds=["theme_day"],
        held_on=MEETING_DAY,
        topic="三月主题党日",
        attendance=[services.AttendanceRow(m, "present") for m in members],
    )
    attachment = services.attachment_add(actor=None, meeting=meeting, upload=png())
    review = services.review_record(
        actor=None,
        member=members[1],
        year=2025,
        grade="unqualified",
        action="rectify",
        action_due=dt.date(2026, 6, 30),
    )
    decision = services.decision_create(
        actor=None, org=tree.branch_a1, title="村集体道路硬化", started_on=dt.date(2026, 3, 1)
    )
    return Branch(members, meeting, attachment, review, decision)


def meeting_post(members, **overrides) -> dict:
    """A complete POST of the meeting form: a theme day with everybody present."""
    data = {
        "kinds": ["theme_day"],
        "held_on": "2026-03-20",
        "topic": "学习党章",
        "place": "村党群服务中心",
        "host_name": "张书记",
        "recorder_name": "李委员",
        "mode": "roster",
        "votes-TOTAL_FORMS": "1",
        "votes-INITIAL_FORMS": "0",
        "votes-MIN_NUM_FORMS": "0",
        "votes-MAX_NUM_FORMS": "20",
    }
    for m in members:
        data[f"att_{m.pk}"] = "present"
        data[f"reason_{m.pk}"] = ""
    data.update(overrides)
    return data
