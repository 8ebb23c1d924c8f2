"""`zugong demo --no-serve`: database, demo data and one account per role, ready to log in."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.test import RequestFactory

from zugong.accounts.models import User
from zugong.core.scope import Role, scope_for
from zugong.demo.accounts import DEMO_PASSWORD
from zugong.members.models import Member
from zugong.orgs.models import CommitteeSeat, Org, OrgKind

ROLES = {
    "admin": Role.DEPT_ADMIN,
    "organizer": Role.COMMITTEE_ORGANIZER,
    "secretary": Role.BRANCH_SECRETARY,
    "leader": Role.LEADER,
    "cadre": Role.CADRE_OFFICE,
    "talent": Role.TALENT_OFFICE,
    "member": Role.MEMBER,
}


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.STATIC_ROOT = tmp_path / "data" / "static"
    return settings.DATA_DIR


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--scale", "tiny", *args, stdout=out)
    return out.getvalue()


def test_demo_prepares_everything_and_prints_the_accounts(db, data_dir):
    text = run_demo()
    assert data_dir.is_dir()
    assert Org.objects.filter(depth=1, name="中共泽州县委员会").exists()
    assert "http://127.0.0.1:8000/" in text
    assert DEMO_PASSWORD in text
    for username in ROLES:
        assert username in text
    assert "组织部管理员" in text and "支部书记" in text


def test_one_account_per_role_bound_where_it_makes_sense(db, data_dir):
    run_demo()
    users = {u.username: u for u in User.objects.select_related("org", "member")}
    assert {name: users[name].role for name in ROLES} == ROLES
    county = Org.objects.get(depth=1)
    for name in ("admin", "leader", "cadre", "talent"):
        assert users[name].org == county
    assert not any(u.is_superuser or u.is_staff for u in users.values())
    township = users["organizer"].org
    assert township.depth == 2 and township.kind == OrgKind.COMMITTEE
    assert township.unit_links.filter(unit__kind="township").exists()
    branch = users["secretary"].org
    assert branch.kind == OrgKind.BRANCH and branch.path.startswith(township.path)
    assert branch.unit_links.filter(unit__kind="village").exists()
    secretary = CommitteeSeat.objects.get(org=branch, post=CommitteeSeat.Post.SECRETARY)
    assert users["secretary"].display_name == secretary.person_name
    member = users["member"].member
    assert member.org == branch and member.standing == Member.Standing.NORMAL
    assert member.pk != secretary.member_id
    assert users["member"].org == branch
    # Their scopes are what the roles promise.
    assert scope_for(users["admin"]).root_path == county.path
    assert scope_for(users["secretary"]).root_path == branch.path
    assert scope_for(users["member"]).is_self_only


def test_demo_accounts_can_log_in(db, data_dir):
    run_demo()
    for username in ROLES:
        user = User.objects.get(username=username)
        validate_password(DEMO_PASSWORD, user)
        assert user.password.startswith("argon2")
        request = RequestFactory().post("/login/")
        assert authenticate(request, username=username, password=DEMO_PASSWORD) == user
    assert authenticate(RequestFactory().post("/login/"), username="admin", password="wrong-password") is None


def test_demo_twice_keeps_data_and_accounts(db, data_dir):
    run_demo()
    orgs, members = Org.objects.count(), Member.objects.count()
    password = User.objects.get(username="admin").password
    text = run_demo()
    assert "不再生成" in text
    assert (Org.objects.count(), Member.objects.count()) == (orgs, members)
    assert User.objects.count() == len(ROLES)
    assert User.objects.get(username="admin").password == password


def test_demo_rebinds_accounts_after_a_forced_reseed(db, data_dir):
    run_demo()
    call_command("seed", "--scale", "tiny", "--seed", "9", "--force", stdout=io.StringIO())
    assert User.objects.filter(org__isnull=True).count() == len(ROLES)
    run_demo()
    assert not User.objects.filter(org__isnull=True).exists()
    assert User.objects.get(username="member").member.org == User.objects.get(username="secretary").org
