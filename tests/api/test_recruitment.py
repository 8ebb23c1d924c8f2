from __future__ import annotations

import datetime as dt

import pytest

from ..factories import make_applicant

pytestmark = pytest.mark.django_db


def test_checks_and_recording_through_the_api(api, tree, accounts):
    a = make_applicant(tree.branch_a1, applied_on=dt.date(2025, 1, 31))
    body = api.get(f"/api/recruitment/applicants/{a.pk}/checks", "secretary_a1", as_of="2025-03-01").json()
    assert body["next"]["step"] == "talk" and body["next"]["latest"] == "2025-02-28"
    assert [(f["rule_id"], f["kind"], f["article"]) for f in body["findings"]] == [
        ("FZ-03", "overdue", "第七条")
    ]
    response = api(
        "POST",
        f"/api/recruitment/applicants/{a.pk}/steps",
        "secretary_a1",
        {"step": "talk", "done_on": "2025-03-01", "done_by": "王书记"},
    )
    assert response.status_code == 201
    (talk,) = [r for r in response.json()["records"] if r["step"] == "talk"]
    assert talk["warnings"][0]["rule_id"] == "FZ-03"
    refused = api(
        "POST",
        f"/api/recruitment/applicants/{a.pk}/steps",
        "secretary_a1",
        {"step": "candidate", "done_on": "2025-03-02"},
    )
    assert refused.status_code == 422 and "请先记录" in str(refused.json())
    listed = api.get("/api/recruitment/applicants", "organizer_a").json()
    assert listed["count"] == 1 and "*" in listed["results"][0]["id_number_masked"]
    assert api.get("/api/recruitment/applicants", "organizer_b").json()["count"] == 0
