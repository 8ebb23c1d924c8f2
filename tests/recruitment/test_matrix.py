"""Permission matrix of every URL in the recruitment namespace.

Actors: anonymous; organizer_b (an editor of town B: town A's files are out of scope, 404);
leader_a (in scope, read-only: 403 on writes); organizer_a (in scope, editor); member (the 党员
role: no recruitment pages, 403). A URL added to recruitment/urls.py without rows here fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zugong.core.models import AuditEntry
from zugong.recruitment.models import Applicant, Plan, StepRecord

from ..factories import applicant_fields, make_applicant
from ..members.test_matrix import namespace_url_names
from .helpers import record

NAMESPACE = "recruitment"
COVERED_URL_NAMES = {
    "recruitment:list",
    "recruitment:create",
    "recruitment:pipeline",
    "recruitment:plans",
    "recruitment:detail",
    "recruitment:edit",
    "recruitment:reveal",
    "recruitment:close",
    "recruitment:step",
    "recruitment:undo",
    "recruitment:document",
    "recruitment:documents",
}
LOGIN = "/login/"
ACTORS = [(None, "login"), ("organizer_b", 404), ("leader_a", None), ("organizer_a", "ok"), ("member", 403)]
# url name, method, what the read-only leader gets, what the editor gets
PAGES = [
    ("list", "get", 200, 200),
    ("create", "get", 403, 200),
    ("create", "post", 403, "ok"),
    ("pipeline", "get", 200, 200),
    ("plans", "post", 403, "ok"),
    ("detail", "get", 200, 200),
    ("edit", "get", 403, 200),
    ("edit", "post", 403, "ok"),
    ("reveal", "post", 403, 200),
    ("close", "post", 403, "ok"),
    ("step", "get", 403, 200),
    ("step", "post", 403, "ok"),
    ("undo", "post", 403, "ok"),
    ("document", "get", 200, 200),
    ("documents", "get", 200, 200),
]
ROWS = [
    (name, method, actor, (leader if actor == "leader_a" else editor if expected == "ok" else expected))
    for name, method, leader, editor in PAGES
    for actor, expected in ACTORS
]
# the plans page lists the plans of the account's own scope: every staff account may open it
ROWS += [
    ("plans", "get", None, "login"),
    ("plans", "get", "organizer_b", 200),
    ("plans", "get", "leader_a", 200),
    ("plans", "get", "organizer_a", 200),
    ("plans", "get", "member", 403),
    ("reveal", "get", "organizer_a", 405),
]


def test_every_url_is_covered():
    assert namespace_url_names(NAMESPACE) == COVERED_URL_NAMES
    assert {f"{NAMESPACE}:{row[0]}" for row in ROWS} == COVERED_URL_NAMES


def _request(name: str, a: Applicant):
    today = dt.date.today()
    if name == "list":
        return reverse("recruitment:list") + "?org=C0A", {}
    if name == "create":
        fields = applicant_fields(name="新申请人")
        return reverse("recruitment:create") + "?org=C0A1", {**fields, "applied_on": today.isoformat()}
    if name == "pipeline":
        return reverse("recruitment:pipeline") + "?org=C0A", {}
    if name == "plans":
        return reverse("recruitment:plans"), {"org": "C0A", "year": today.year, "quota": 7}
    if name == "detail":
        return reverse("recruitment:detail", args=[a.pk]), {}
    if name == "edit":
        data = {k: getattr(a, k) or "" for k in ("name", "sex", "ethnicity", "education", "category")}
        return reverse("recruitment:edit", args=[a.pk]), {**data, "work_unit": "矩阵单位"}
    if name == "reveal":
        return reverse("recruitment:reveal", args=[a.pk]), {}
    if name == "close":
        return reverse("recruitment:close", args=[a.pk]), {"on": today.isoformat(), "reason": "本人撤回申请"}
    if name == "step":
        return reverse("recruitment:step", args=[a.pk, "activist"]), {
            "done_on": today.isoformat(),
            "method": "members",
        }
    if name == "document":
        return reverse("recruitment:document", args=[a.pk, "talk"]), {}
    if name == "documents":
        return reverse("recruitment:documents") + "?org=C0A&kind=publicity", {}
    if name == "undo":
        return reverse("recruitment:undo", args=[a.pk, a.records.get(step="talk").pk]), {}
    raise AssertionError(name)


def _done(name: str, a: Applicant) -> bool:
    a.refresh_from_db()
    return {
        "create": Applicant.objects.filter(name="新申请人").exists(),
        "plans": Plan.objects.filter(quota=7).exists(),
        "edit": a.work_unit == "矩阵单位",
        "close": a.stage == "ended",
        "step": StepRecord.objects.filter(applicant=a, step="activist").exists(),
        "undo": not StepRecord.objects.filter(applicant=a, step="talk").exists(),
        "reveal": AuditEntry.objects.filter(action="recruitment.reveal_id_number").exists(),
    }.get(name, False)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor", "expected"), ROWS)
def test_matrix(client, tree, accounts, name, method, actor, expected):
    a = make_applicant(tree.branch_a1, applied_on=dt.date.today() - dt.timedelta(days=20))
    record(a, "talk", dt.date.today() - dt.timedelta(days=10))
    if actor is not None:
        client.force_login(accounts[actor])
    url, data = _request(name, a)
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    elif expected == "ok":
        assert response.status_code == 302, response.content.decode()[:3000]
        assert _done(name, a)
    else:
        assert response.status_code == expected
    if method == "post" and expected in (403, 404, "login", 405):
        assert not _done(name, a)
