"""The organizational-life API: meetings with kinds, counts and attendance; compliance rows; reviews."""

from __future__ import annotations

import datetime as dt

import pytest

from zugong.orglife.models import Meeting, MemberReview

from ..api.conftest import api, tokens  # noqa: F401  (fixtures)
from ..factories import make_meeting, make_member

pytestmark = pytest.mark.django_db


def test_create_a_meeting_with_attendance_and_read_it_back(api, tree, accounts):  # noqa: F811
    a, b = accounts["member_record"], make_member(tree.branch_a1, name="李四")
    body = {
        "org": "C0A1",
        "kinds": ["branch_assembly", "theme_day"],
        "held_on": "2026-03-12",
        "topic": "支部党员大会",
        "attendance": [
            {"member": a.pk, "status": "present"},
            {"member": b.pk, "status": "leave", "reason": "住院"},
        ],
        "votes": [{"subject": "接收预备党员", "yes": 1}],
    }
    response = api("POST", "/api/orglife/meetings", "secretary_a1", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert sorted(data["kinds"]) == ["branch_assembly", "theme_day"]
    assert (data["expected"], data["present"], data["on_leave"]) == (2, 1, 1)
    assert data["quorum_met"] is False and "ZB-08" in data["quorum_note"]
    assert {r["name"]: r["status"] for r in data["attendance"]} == {"张三": "present", "李四": "leave"}
    assert data["votes"][0]["passed"] is False
    listing = api.get("/api/orglife/meetings", "organizer_a", kind="theme_day").json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == data["id"]


def test_create_errors_are_chinese_and_per_field(api, tree, accounts):  # noqa: F811
    body = {"org": "C0A1", "kinds": ["branch_assembly"], "held_on": "2026-03-12", "topic": "x", "expected": 5}
    response = api("POST", "/api/orglife/meetings", "organizer_a", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "expected"
    outsider = make_member(tree.branch_b1)
    body = {**body, "attendance": [{"member": outsider.pk, "status": "present"}]}
    response = api("POST", "/api/orglife/meetings", "organizer_a", body)
    assert response.status_code == 422 and "管辖范围" in response.json()["detail"][0]["message"]
    assert not Meeting.objects.exists()


def test_compliance_rows_for_an_org_and_window(api, tree, accounts):  # noqa: F811
    make_meeting(tree.branch_a1, ["theme_day"], held_on=dt.date(2026, 1, 9))
    data = api.get("/api/orglife/compliance", "organizer_a", org="C0A1", window="2026-01").json()
    assert data["window"] == "2026-01" and data["window_label"] == "2026年1月"
    theme = next(r for r in data["rows"] if r["kind"] == "theme_day")
    assert (theme["status"], theme["held"], theme["required"], theme["rule_id"]) == ("met", 1, 1, "ZB-12")
    assert theme["cite"].startswith("ZB-12《中国共产党支部工作条例(试行)》")


def test_reviews_record_and_list(api, tree, accounts):  # noqa: F811
    member = make_member(tree.branch_a1, name="李四")
    body = {"member": member.pk, "year": 2025, "grade": "unqualified"}
    response = api("POST", "/api/orglife/reviews", "secretary_a1", body)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "action"
    body.update(action="rectify", action_due="2026-06-30")
    assert api("POST", "/api/orglife/reviews", "secretary_a1", body).status_code == 200
    listing = api.get("/api/orglife/reviews", "leader_a", year=2025).json()
    assert [(r["member_name"], r["grade_label"]) for r in listing["results"]] == [("李四", "不合格")]
    assert MemberReview.objects.get().action_due == dt.date(2026, 6, 30)
