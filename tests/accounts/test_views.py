"""Account pages: list with filters, create, edit, password, API tokens shown once, unlock."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zugong.accounts.models import ApiToken, User
from zugong.core.models import AuditEntry
from zugong.core.scope import Role

from ..factories import make_member, make_user

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:list")
PASSWORD = "Qingshan-Lvshui-2026"


def usernames(response) -> set[str]:
    return {a.username for a in response.context["accounts"]}


@pytest.fixture
def admin_client(client, accounts):
    client.force_login(accounts["dept_admin"])
    return client


def test_list_shows_accounts_in_scope(client, tree, accounts):
    town_admin = make_user(Role.DEPT_ADMIN, tree.town_b, username="town_b_admin")
    client.force_login(town_admin)
    assert usernames(client.get(LIST)) == {"organizer_b", "town_b_admin"}
    client.force_login(accounts["dept_admin"])
    got = usernames(client.get(LIST))
    assert {"admin", "organizer_a", "organizer_b", "leader_a", "member_zs", "town_b_admin"} <= got
    assert "root" not in got  # bound to no org: the system's alone


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": Role.LEADER}, {"leader_a"}),
        ({"org": "C0A1"}, {"secretary_a1", "member_zs"}),
        ({"q": "organizer"}, {"organizer_a", "organizer_b"}),
        ({"active": "0"}, {"retired"}),
    ],
)
def test_list_filters(admin_client, tree, accounts, params, expected):
    retired = make_user(Role.LEADER, tree.town_b, username="retired")
    retired.is_active = False
    retired.save()
    if params.get("role") == Role.LEADER:
        expected = expected | {"retired"}
    assert usernames(admin_client.get(LIST, params)) == expected


def test_list_marks_locked_accounts(admin_client, accounts):
    AccessAttempt.objects.create(
        username="leader_a",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=5,
        get_data="",
        post_data="",
    )
    html = admin_client.get(LIST).content.decode()
    assert "已锁定" in html


def _queries(client) -> int:
    client.get(LIST)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_constant(admin_client, tree, accounts):
    few = _queries(admin_client)
    for i in range(35):
        member = make_member(tree.branch_a1) if i % 5 == 0 else None
        make_user(
            Role.MEMBER if member else Role.LEADER, tree.branch_a1 if member else tree.town_b, member=member
        )
    assert _queries(admin_client) == few


def test_create_a_staff_account(admin_client, tree, accounts):
    page = admin_client.get(reverse("accounts:create"))
    roles = [value for value, _label in page.context["form"].fields["role"].choices]
    assert Role.DEPT_ADMIN in roles and Role.MEMBER in roles
    response = admin_client.post(
        reverse("accounts:create"),
        {
            "username": "wang_secretary",
            "display_name": "王书记",
            "role": Role.BRANCH_SECRETARY,
            "org": "C0B1",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    account = User.objects.get(username="wang_secretary")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:edit", args=[account.pk])
    assert account.org == tree.branch_b1 and account.role == Role.BRANCH_SECRETARY
    assert account.password.startswith("argon2") and account.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="account.create", object_id=str(account.pk)).exists()


def test_create_a_member_account_by_id_number(admin_client, tree, accounts):
    from zugong.core import crypto

    member = make_member(tree.branch_a2, name="李四")
    response = admin_client.post(
        reverse("accounts:create"),
        {
            "username": "lisi",
            "role": Role.MEMBER,
            "member": crypto.decrypt(member.id_number_enc).lower(),
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    account = User.objects.get(username="lisi")
    assert (account.member, account.org, account.display_name) == (member, tree.branch_a2, "李四")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "Something-else-2026"}, "password2", "两次输入的密码不一致"),
        ({"password": "12345678901", "password2": "12345678901"}, "password", "全是数字"),
        ({"password": "short", "password2": "short"}, "password", "太短"),
        ({"username": "admin"}, "username", "已被使用"),
        ({"username": "bad name!"}, "username", "只能包含"),
        ({"org": ""}, "org", "请选择账号所属党组织"),
        ({"org": "NOPE"}, "org", "不在您的管理范围内"),
        ({"role": Role.MEMBER}, "member", "须填写对应党员的公民身份号码"),
        ({"role": Role.MEMBER, "member": "140525199001010000"}, "member", "没有找到"),
    ],
)
def test_create_errors_are_shown_on_their_fields(admin_client, tree, accounts, overrides, field, message):
    data = {
        "username": "new_one",
        "display_name": "",
        "role": Role.LEADER,
        "org": "C0A",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    response = admin_client.post(reverse("accounts:create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors.get(field, [])), errors
    assert message in response.content.decode()
    assert not User.objects.filter(username="new_one").exists()


def test_create_outside_scope_is_refused(client, tree, accounts):
    client.force_login(make_user(Role.DEPT_ADMIN, tree.town_b, username="town_b_admin"))
    data = {"username": "x1", "role": Role.LEADER, "org": "C0A", "password": PASSWORD, "password2": PASSWORD}
    response = client.post(reverse("accounts:create"), data)
    assert "不在您的管理范围内" in response.context["form"].errors["org"][0]
    assert not User.objects.filter(username="x1").exists()


def test_edit_role_org_active_and_name(admin_client, tree, accounts):
    target = accounts["leader_a"]
    url = reverse("accounts:edit", args=[target.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and page.context["form"]["org"].value() == "C0A"
    response = admin_client.post(
        url, {"display_name": "新领导", "role": Role.COMMITTEE_ORGANIZER, "org": "C0B", "member": ""}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.display_name, target.role, target.org, target.is_active) == (
        "新领导",
        Role.COMMITTEE_ORGANIZER,
        tree.town_b,
        False,
    )
    entry = AuditEntry.objects.get(action="account.update", object_id=str(target.pk))
    assert set(entry.after) == {"display_name", "role", "org", "is_active"}


def test_edit_cannot_demote_oneself(admin_client, accounts):
    me = accounts["dept_admin"]
    response = admin_client.post(
        reverse("accounts:edit", args=[me.pk]),
        {"display_name": "", "role": Role.LEADER, "org": "C0", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "不能修改自己的角色" in response.content.decode()
    me.refresh_from_db()
    assert me.role == Role.DEPT_ADMIN


def test_reset_password(admin_client, accounts):
    target = accounts["leader_a"]
    url = reverse("accounts:password", args=[target.pk])
    bad = admin_client.post(url, {"password": "abc", "password2": "abc"})
    assert bad.status_code == 200 and "太短" in bad.content.decode()
    mismatch = admin_client.post(url, {"password": PASSWORD, "password2": PASSWORD + "x"})
    assert "两次输入的密码不一致" in mismatch.content.decode()
    ok = admin_client.post(url, {"password": PASSWORD, "password2": PASSWORD})
    assert ok.status_code == 302
    target.refresh_from_db()
    assert target.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="account.set_password", object_id=str(target.pk)).count() == 1


def test_token_is_shown_once_and_revocable(admin_client, accounts):
    target = accounts["organizer_a"]
    response = admin_client.post(reverse("accounts:token_issue", args=[target.pk]))
    assert response.status_code == 200
    key = response.context["new_token"]
    assert key.startswith("zg_") and key in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=target)
    assert token.key_hash == ApiToken.hash(key)
    again = admin_client.get(reverse("accounts:edit", args=[target.pk])).content.decode()
    assert key not in again and token.prefix in again
    revoke = admin_client.post(reverse("accounts:token_revoke", args=[target.pk, token.pk]))
    assert revoke.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    other = ApiToken.objects.create(user=accounts["organizer_b"], key_hash="x" * 64, prefix="zg_other")
    assert admin_client.post(reverse("accounts:token_revoke", args=[target.pk, other.pk])).status_code == 404
    assert {e.action for e in AuditEntry.objects.filter(object_id=str(target.pk))} >= {
        "account.token_issue",
        "account.token_revoke",
    }


def test_unlock_clears_axes_lockout_and_is_audited(admin_client, accounts):
    target = accounts["leader_a"]
    AccessAttempt.objects.create(
        username="leader_a",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=5,
        get_data="",
        post_data="",
    )
    page = admin_client.get(reverse("accounts:edit", args=[target.pk]))
    assert page.context["locked"] is True and "解除锁定" in page.content.decode()
    response = admin_client.post(reverse("accounts:unlock", args=[target.pk]))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="leader_a").exists()
    entry = AuditEntry.objects.get(action="account.unlock", object_id=str(target.pk))
    assert entry.actor_label == "admin"
