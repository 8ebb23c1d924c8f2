"""Permission matrix of every URL in the orglife namespace.

Actors: anonymous; organizer_b (an editor of town B: everything of town A is out of scope, 404);
leader_a (in scope, read-only: 403 on writes); organizer_a and secretary_a1 (in-scope editors).
A URL added to orglife/urls.py without rows here fails `test_every_url_is_covered`.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from zugong.core.models import AuditEntry
from zugong.orglife.models import Attachment, Meeting, MemberReview, ThemeDayItem, VillageDecision

from .conftest import meeting_post

NAMESPACE = "orglife"
COVERED_URL_NAMES = {
    "orglife:overview",
    "orglife:org",
    "orglife:inbox",
    "orglife:meetings",
    "orglife:meeting_create",
    "orglife:meeting_detail",
    "orglife:meeting_edit",
    "orglife:meeting_delete",
    "orglife:attachment",
    "orglife:attachment_delete",
    "orglife:reviews",
    "orglife:review_close",
    "orglife:decisions",
    "orglife:decision_create",
    "orglife:decision_detail",
    "orglife:decision_edit",
    "orglife:theme_items",
}
LOGIN = "/login/"
OUT, RO, ORG, SEC = "organizer_b", "leader_a", "organizer_a", "secretary_a1"

# (url name, method, {actor: expected}); "ok" is the editor's success (checked per URL below).
ROWS = [
    ("overview", "get", {OUT: 200, RO: 200, ORG: 200, SEC: 200}),  # each account's own root
    ("org", "get", {OUT: 404, RO: 200, ORG: 200, SEC: 200}),
    ("inbox", "get", {OUT: 200, RO: 200, ORG: 200, SEC: 200}),
    ("meetings", "get", {OUT: 404, RO: 200, ORG: 200, SEC: 200}),
    ("meeting_create", "get", {OUT: 404, RO: 403, ORG: 200, SEC: 200}),
    ("meeting_create", "post", {OUT: 404, RO: 403, ORG: "ok", SEC: "ok"}),
    ("meeting_detail", "get", {OUT: 404, RO: 200, ORG: 200, SEC: 200}),
    ("meeting_edit", "get", {OUT: 404, RO: 403, ORG: 200, SEC: 200}),
    ("meeting_edit", "post", {OUT: 404, RO: 403, ORG: "ok", SEC: "ok"}),
    ("meeting_delete", "get", {OUT: 404, RO: 403, ORG: 200, SEC: 200}),
    ("meeting_delete", "post", {OUT: 404, RO: 403, ORG: "ok", SEC: "ok"}),
    ("attachment", "get", {OUT: 404, RO: 200, ORG: 200, SEC: 200}),
    ("attachment_delete", "get", {ORG: 405}),
    ("attachment_delete", "post", {OUT: 404, RO: 403, ORG: "ok", SEC: "ok"}),
    ("reviews", "get", {OUT: 404, RO: 200, ORG: 200, SEC: 200}),
    ("reviews", "post", {OUT: 404, RO: 403, ORG: "ok", SEC: "ok"}),
    ("review_close", "get", {ORG: 405}),
    ("review_close", "post", {OUT: 404, RO: 403, ORG: "ok", SEC: "ok"}),
    ("decisions", "get", {OUT: 404, RO: 200, ORG: 200, SEC: 200}),
    ("decision_create", "get", {OUT: 404, RO: 403, ORG: 200, SEC: 200}),
    ("decision_create", "post", {OUT: 404, RO: 403, ORG: "ok", SEC: "ok"}),
    ("decision_detail", "get", {OUT: 404, RO: 200, ORG: 200, SEC: 200}),
    ("decision_edit", "get", {OUT: 404, RO: 403, ORG: 200, SEC: 200}),
    ("decision_edit", "post", {OUT: 404, RO: 403, ORG: "ok", SEC: "ok"}),
    # the 5+N checklist is configured by committees: a branch secretary may not (403)
    ("theme_items", "get", {OUT: 404, RO: 403, ORG: 200, SEC: 403}),
    ("theme_items", "post", {OUT: 404, RO: 403, ORG: "ok", SEC: 403}),
]
CASES = [(name, method, actor, expected) for name, method, table in ROWS for actor, expected in table.items()]
CASES += [(name, method, None, "login") for name, method, _table in ROWS]
# roles without orglife.view at all
CASES += [(name, "get", who, 403) for name in ("overview", "meetings", "inbox") for who in ("talent_office",)]


def namespace_url_names(namespace: str) -> set[str]:
    _prefix, resolver = get_resolver().namespace_dict[namespace]
    return {f"{namespace}:{p.name}" for p in resolver.url_patterns}


def test_every_url_is_covered():
    assert namespace_url_names(NAMESPACE) == COVERED_URL_NAMES
    assert {f"{NAMESPACE}:{row[0]}" for row in ROWS} == COVERED_URL_NAMES


def _request(name: str, tree, b) -> tuple[str, dict]:
    members = b.members
    if name == "overview":
        return reverse("orglife:overview"), {}
    if name == "org":
        return reverse("orglife:org", args=[tree.branch_a1.pk]), {}
    if name == "inbox":
        return reverse("orglife:inbox"), {}
    if name == "meetings":
        return reverse("orglife:meetings") + "?org=C0A1", {}
    if name == "meeting_create":
        return reverse("orglife:meeting_create") + "?org=C0A1", meeting_post(members, topic="矩阵测试")
    if name == "meeting_detail":
        return reverse("orglife:meeting_detail", args=[b.meeting.pk]), {}
    if name == "meeting_edit":
        return reverse("orglife:meeting_edit", args=[b.meeting.pk]), meeting_post(
            members, topic="矩阵测试", held_on="2026-03-10"
        )
    if name == "meeting_delete":
        return reverse("orglife:meeting_delete", args=[b.meeting.pk]), {"reason": "矩阵测试"}
    if name == "attachment":
        return reverse("orglife:attachment", args=[b.attachment.pk]), {}
    if name == "attachment_delete":
        return reverse("orglife:attachment_delete", args=[b.attachment.pk]), {}
    if name == "reviews":
        url = reverse("orglife:reviews") + "?org=C0A1&year=2026"
        return url, {f"grade_{members[0].pk}": "excellent", "meeting": ""}
    if name == "review_close":
        return reverse("orglife:review_close", args=[b.review.pk]), {
            "closed_on": "2026-03-01",
            "outcome": "矩阵测试",
        }
    if name == "decisions":
        return reverse("orglife:decisions") + "?org=C0A1", {}
    if name == "decision_create":
        return reverse("orglife:decision_create") + "?org=C0A1", {
            "title": "矩阵测试",
            "started_on": "2026-03-01",
        }
    if name == "decision_detail":
        return reverse("orglife:decision_detail", args=[b.decision.pk]), {}
    if name == "decision_edit":
        return reverse("orglife:decision_edit", args=[b.decision.pk]), {
            "title": "矩阵测试",
            "started_on": "2026-03-01",
        }
    if name == "theme_items":
        return reverse("orglife:theme_items") + "?org=C0A", {
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "40",
            "items-0-name": "矩阵测试",
            "items-0-code": "matrix",
            "items-0-order": "1",
        }
    raise AssertionError(name)


def _done(name: str, b) -> bool:
    """Whether the write of `name` took effect."""
    if name == "meeting_create":
        return Meeting.objects.filter(topic="矩阵测试").exclude(pk=b.meeting.pk).exists()
    if name == "meeting_edit":
        return Meeting.objects.filter(pk=b.meeting.pk, topic="矩阵测试").exists()
    if name == "meeting_delete":
        return not Meeting.objects.filter(pk=b.meeting.pk).exists()
    if name == "attachment_delete":
        return not Attachment.objects.filter(pk=b.attachment.pk).exists()
    if name == "reviews":
        return MemberReview.objects.filter(member=b.members[0], year=2026, grade="excellent").exists()
    if name == "review_close":
        return MemberReview.objects.filter(pk=b.review.pk, outcome="矩阵测试").exists()
    if name in ("decision_create", "decision_edit"):
        return VillageDecision.objects.filter(title="矩阵测试").exists()
    if name == "theme_items":
        return ThemeDayItem.objects.filter(code="matrix").exists()
    raise AssertionError(name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor", "expected"), CASES)
def test_matrix(client, tree, accounts, branch, name, method, actor, expected):
    if actor is not None:
        client.force_login(accounts[actor])
    url, data = _request(name, tree, branch)
    audit_before = AuditEntry.objects.count()
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    elif expected == "ok":
        assert response.status_code == 302, response.context and [
            (f.errors if hasattr(f, "errors") else f) for f in (response.context.get("form"),)
        ]
        assert _done(name, branch)
    else:
        assert response.status_code == expected
    if method == "post" and expected != "ok":
        assert not _done(name, branch)
        assert AuditEntry.objects.count() == audit_before
