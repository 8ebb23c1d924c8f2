"""Permission matrix of every URL in the accounts namespace.

The target is organizer_a's account (bound to town A). Actors: anonymous; town_b_admin (a 组织部管理员
bound to town B: out of scope); leader_a (in scope, no account.manage); dept_admin (the editor);
member (the 党员 role). A URL added to accounts/urls.py without rows here fails the coverage test.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from zugong.accounts.models import ApiToken, User
from zugong.core.models import AuditEntry
from zugong.core.scope import Role

from ..factories import make_user
from ..members.test_matrix import namespace_url_names

NAMESPACE = "accounts"
COVERED_URL_NAMES = {
    "accounts:list",
    "accounts:create",
    "accounts:edit",
    "accounts:password",
    "accounts:token_issue",
    "accounts:token_revoke",
    "accounts:unlock",
    "accounts:otp_reset",
}
PASSWORD = "Qingshan-Lvshui-2026"
ACTORS = [None, "town_b_admin", "leader_a", "dept_admin", "member"]

# expected per actor, in the order of ACTORS; "login" = redirect to the login page, "ok" = done
ROWS = {
    ("list", "get"): ["login", 200, 403, 200, 403],
    ("create", "get"): ["login", 200, 403, 200, 403],
    ("create", "post"): ["login", "refused", 403, "ok", 403],
    ("edit", "get"): ["login", 404, 403, 200, 403],
    ("edit", "post"): ["login", 404, 403, "ok", 403],
    ("password", "get"): ["login", 405, 405, 405, 405],
    ("password", "post"): ["login", 404, 403, "ok", 403],
    ("token_issue", "get"): ["login", 405, 405, 405, 405],
    ("token_issue", "post"): ["login", 404, 403, "ok", 403],
    ("token_revoke", "post"): ["login", 404, 403, "ok", 403],
    ("unlock", "post"): ["login", 404, 403, "ok", 403],
    ("otp_reset", "get"): ["login", 405, 405, 405, 405],
    ("otp_reset", "post"): ["login", 404, 403, "ok", 403],
}
CASES = [
    (name, method, actor, expected[i])
    for (name, method), expected in ROWS.items()
    for i, actor in enumerate(ACTORS)
]


def test_every_url_is_covered():
    assert namespace_url_names(NAMESPACE) == COVERED_URL_NAMES
    assert {f"{NAMESPACE}:{name}" for name, _method in ROWS} == COVERED_URL_NAMES


def _request(name: str, target: User, token: ApiToken):
    if name == "list":
        return reverse("accounts:list"), {}
    if name == "create":
        data = {
            "username": "made_here",
            "role": Role.LEADER,
            "org": "C0A",
            "password": PASSWORD,
            "password2": PASSWORD,
        }
        return reverse("accounts:create"), data
    if name == "edit":
        return reverse("accounts:edit", args=[target.pk]), {
            "display_name": "改过的名字",
            "role": target.role,
            "org": "C0A",
            "is_active": "on",
        }
    if name == "password":
        return reverse("accounts:password", args=[target.pk]), {"password": PASSWORD, "password2": PASSWORD}
    if name == "token_issue":
        return reverse("accounts:token_issue", args=[target.pk]), {}
    if name == "token_revoke":
        return reverse("accounts:token_revoke", args=[target.pk, token.pk]), {}
    if name == "unlock":
        return reverse("accounts:unlock", args=[target.pk]), {}
    if name == "otp_reset":
        return reverse("accounts:otp_reset", args=[target.pk]), {}
    raise AssertionError(name)


def _done(name: str, target: User, token: ApiToken) -> bool:
    target.refresh_from_db()
    token.refresh_from_db()
    return {
        "create": lambda: User.objects.filter(username="made_here").exists(),
        "edit": lambda: target.display_name == "改过的名字",
        "password": lambda: target.check_password(PASSWORD),
        "token_issue": lambda: ApiToken.objects.filter(user=target).count() == 2,
        "token_revoke": lambda: token.revoked_at is not None,
        "unlock": lambda: AuditEntry.objects.filter(action="account.unlock").exists(),
        "otp_reset": lambda: AuditEntry.objects.filter(action="account.otp_reset").exists(),
    }[name]()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor", "expected"), CASES)
def test_matrix(client, tree, accounts, name, method, actor, expected):
    accounts["town_b_admin"] = make_user(Role.DEPT_ADMIN, tree.town_b, username="town_b_admin")
    target = accounts["organizer_a"]
    token = ApiToken.objects.create(user=target, key_hash="k" * 64, prefix="zg_abcde")
    if actor is not None:
        client.force_login(accounts[actor])
    url, data = _request(name, target, token)
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif expected == "ok":
        assert response.status_code in (200, 302)
        assert _done(name, target, token)
    elif expected == "refused":
        assert response.status_code == 200 and response.context["form"].errors
    else:
        assert response.status_code == expected
    if expected != "ok" and method == "post":
        assert not _done(name, target, token)
    if name == "list" and expected == 200:
        assert ("organizer_a" in {a.username for a in response.context["accounts"]}) == (
            actor == "dept_admin"
        )
