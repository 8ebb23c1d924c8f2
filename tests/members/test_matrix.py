"""Permission matrix of every URL in the members namespace.

Actors: anonymous; organizer_b (an editor of town B, out of scope for town A's members); leader_a
(in-scope, read-only); organizer_a (in-scope editor); member (the 党员 role, on their own record and
on someone else's). A URL added to members/urls.py without rows here fails `test_every_url_is_covered`.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from zugong.core.models import AuditEntry
from zugong.members.models import Member

from ..factories import make_member
from .test_views import edit_data, form_data

NAMESPACE = "members"
COVERED_URL_NAMES = {
    "members:list",
    "members:me",
    "members:create",
    "members:org_search",
    "members:detail",
    "members:edit",
    "members:reveal",
}
LOGIN = "/login/"

# (url name, method, actor, target, expected status); target "own" is the member's own record,
# "other" a member of the same branch. 302 to login for anonymous; "ok" is the editor's success.
ROWS = [
    # list: scope root by default; ?org= outside the scope is 404; the member role goes to its record
    ("list", "get", None, "other", "login"),
    ("list", "get", "organizer_b", "other", 404),
    ("list", "get", "leader_a", "other", 200),
    ("list", "get", "organizer_a", "other", 200),
    ("list", "get", "member", "other", "redirect:members:me"),
    ("me", "get", None, "own", "login"),
    ("me", "get", "organizer_b", "own", "redirect:members:list"),
    ("me", "get", "leader_a", "own", "redirect:members:list"),
    ("me", "get", "organizer_a", "own", "redirect:members:list"),
    ("me", "get", "member", "own", 200),
    ("create", "get", None, "other", "login"),
    ("create", "get", "organizer_b", "other", 404),
    ("create", "get", "leader_a", "other", 403),
    ("create", "get", "organizer_a", "other", 200),
    ("create", "get", "member", "other", 403),
    ("create", "post", None, "other", "login"),
    ("create", "post", "organizer_b", "other", 404),
    ("create", "post", "leader_a", "other", 403),
    ("create", "post", "organizer_a", "other", "ok"),
    ("create", "post", "member", "other", 403),
    # the org search is scoped by its results (checked below), not by a status
    ("org_search", "get", None, "other", "login"),
    ("org_search", "get", "organizer_b", "other", 200),
    ("org_search", "get", "leader_a", "other", 200),
    ("org_search", "get", "organizer_a", "other", 200),
    ("org_search", "get", "member", "other", 403),
    ("detail", "get", None, "other", "login"),
    ("detail", "get", "organizer_b", "other", 404),
    ("detail", "get", "leader_a", "other", 200),
    ("detail", "get", "organizer_a", "other", 200),
    ("detail", "get", "member", "own", 200),
    ("detail", "get", "member", "other", 404),
    ("edit", "get", None, "other", "login"),
    ("edit", "get", "organizer_b", "other", 404),
    ("edit", "get", "leader_a", "other", 403),
    ("edit", "get", "organizer_a", "other", 200),
    ("edit", "get", "member", "own", 403),
    ("edit", "get", "member", "other", 404),
    ("edit", "post", None, "other", "login"),
    ("edit", "post", "organizer_b", "other", 404),
    ("edit", "post", "leader_a", "other", 403),
    ("edit", "post", "organizer_a", "other", "ok"),
    ("edit", "post", "member", "own", 403),
    ("edit", "post", "member", "other", 404),
    ("reveal", "get", "organizer_a", "other", 405),
    ("reveal", "post", None, "other", "login"),
    ("reveal", "post", "organizer_b", "other", 404),
    ("reveal", "post", "leader_a", "other", 403),
    ("reveal", "post", "organizer_a", "other", 200),
    ("reveal", "post", "member", "own", 200),
    ("reveal", "post", "member", "other", 404),
]


def namespace_url_names(namespace: str) -> set[str]:
    """Every named URL of the namespace, as the resolver knows it ("members:list" …)."""
    _prefix, resolver = get_resolver().namespace_dict[namespace]
    return {f"{namespace}:{p.name}" for p in resolver.url_patterns}


def test_every_url_is_covered():
    # Pages of the namespace that have a matrix module of their own (tests/test_url_coverage.py lists them)
    from importlib import import_module

    from ..test_url_coverage import MATRICES

    elsewhere = {
        n
        for m in MATRICES
        if m != __name__
        for n in import_module(m).COVERED_URL_NAMES
        if n.startswith("members:")
    }
    assert namespace_url_names(NAMESPACE) - elsewhere == COVERED_URL_NAMES
    assert {f"{NAMESPACE}:{row[0]}" for row in ROWS} == COVERED_URL_NAMES


def _request(name: str, target: Member):
    """(url, data) for a GET or POST of `name` on `target`."""
    if name == "list":
        return reverse("members:list") + "?org=C0A", {}
    if name == "me":
        return reverse("members:me"), {}
    if name == "create":
        return reverse("members:create") + "?org=C0A1", form_data()
    if name == "org_search":
        return reverse("members:org_search") + "?q=甲", {}
    if name == "detail":
        return reverse("members:detail", args=[target.pk]), {}
    if name == "edit":
        return reverse("members:edit", args=[target.pk]), edit_data(target, job_title="矩阵测试")
    if name == "reveal":
        return reverse("members:reveal", args=[target.pk, "id_number"]), {}
    raise AssertionError(name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor", "target", "expected"), ROWS)
def test_matrix(client, tree, accounts, name, method, actor, target, expected):
    member = accounts["member_record"] if target == "own" else make_member(tree.branch_a1, name="李四")
    if actor is not None:
        client.force_login(accounts[actor])
    url, data = _request(name, member)
    if name == "list" and actor in {"leader_a", "organizer_a", "member"}:
        url = reverse("members:list")
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    elif isinstance(expected, str) and expected.startswith("redirect:"):
        assert response.status_code == 302 and response["Location"] == reverse(expected.split(":", 1)[1])
    elif expected == "ok":
        assert response.status_code == 302, getattr(response, "context", {}) and response.context.get("form")
        if name == "create":
            assert Member.objects.filter(name="赵六").exists()
        else:
            member.refresh_from_db()
            assert member.job_title == "矩阵测试"
    else:
        assert response.status_code == expected
    if expected in (403, 404, "login") and method == "post":
        assert not Member.objects.filter(name="赵六").exists()
        assert not Member.objects.filter(job_title="矩阵测试").exists()
        assert not AuditEntry.objects.filter(action__startswith="member.reveal").exists()
    if name == "org_search" and expected == 200:
        html = response.content.decode()
        assert ("甲村党支部" in html) == (actor != "organizer_b")
