"""The demo seed's 双报到 and 志愿服务: rows the services would accept, deterministic per seed."""

from __future__ import annotations

import datetime as dt

import pytest

from zugong.demo import seed as seeding
from zugong.members import community
from zugong.members.models import CommunityEvaluation, CommunityReport, VolunteerActivity, VolunteerRecord

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 20)


def _fingerprint():
    return (
        list(
            CommunityReport.objects.order_by("member__id_number_hash").values_list(
                "member__id_number_hash", "community__code", "reported_on", "status"
            )
        ),
        list(
            VolunteerRecord.objects.order_by(
                "activity__started_on", "activity__title", "member__id_number_hash"
            ).values_list("activity__title", "member__id_number_hash", "hours")
        ),
        list(
            CommunityEvaluation.objects.order_by("member__id_number_hash", "period_key").values_list(
                "member__id_number_hash", "period_key", "grade"
            )
        ),
    )


def test_seeded_rows_are_valid_and_deterministic():
    seeding.seed(scale="tiny", seed=2026, as_of=AS_OF)
    reports = list(CommunityReport.objects.select_related("member", "community"))
    assert reports and VolunteerActivity.objects.exists() and VolunteerRecord.objects.exists()
    assert CommunityEvaluation.objects.filter(year=2025).exists()
    for r in reports[:200]:
        assert community.is_community(r.community)
        assert r.member_org_path == r.member.org_path and r.community_path == r.community.path
        assert not community.is_resident_member(r.member)
    for rec in VolunteerRecord.objects.select_related("activity")[:200]:
        assert rec.hours > 0 and rec.hours % community.HOURS_STEP == 0
        assert community.eligible(rec.member, rec.activity, rec.served_on)
    first = _fingerprint()
    seeding.seed(scale="tiny", seed=2026, as_of=AS_OF, force=True)
    assert _fingerprint() == first
