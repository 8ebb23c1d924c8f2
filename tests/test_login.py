"""Logging in: where each role lands, lockout after repeated failures, session expiry, argon2 hashes."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from zugong.accounts.models import User

PASSWORD = "Zugong-test-2026"  # tests.factories.make_user's default
LOGIN = reverse("login")

pytestmark = pytest.mark.django_db


def log_in(client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_chinese(client):
    html = client.get(LOGIN).content.decode()
    assert "组工综合管理平台" in html and "登录" in html


@pytest.mark.parametrize(
    ("who", "landing"), [("organizer_a", "orgs:tree"), ("leader_a", "orgs:tree"), ("member", "members:me")]
)
def test_successful_login_lands_on_the_roles_home(client, accounts, who, landing):
    response = log_in(client, accounts[who].username)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse(landing)
    assert client.get(home["Location"]).status_code == 200


def test_wrong_password_is_refused_with_a_message(client, accounts):
    response = log_in(client, "leader_a", "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


def test_five_failures_lock_the_account_even_for_the_right_password(client, accounts):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _i in range(5):
        log_in(client, "leader_a", "wrong-password")
    response = log_in(client, "leader_a")
    assert response.status_code in (403, 429)
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("members:list")).status_code == 302  # still anonymous
    # other accounts are not affected
    assert log_in(client, "organizer_a").status_code == 302


def test_four_failures_do_not_lock(client, accounts):
    for _i in range(4):
        log_in(client, "leader_a", "wrong-password")
    assert log_in(client, "leader_a").status_code == 302


def test_session_expires_after_the_configured_idle_time(client, accounts):
    assert settings.SESSION_COOKIE_AGE == int(os.environ.get("ZUGONG_SESSION_MINUTES", "30")) * 60
    log_in(client, "leader_a")
    session = Session.objects.get(session_key=client.session.session_key)
    expected = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((session.expire_date - expected).total_seconds()) < 30
    assert client.get(reverse("members:list")).status_code == 200
    # Requests slide the window, at most once a minute (SlidingSessionMiddleware).
    early = timezone.now() + dt.timedelta(seconds=60)
    Session.objects.filter(pk=session.pk).update(expire_date=early)
    assert client.get(reverse("members:list")).status_code == 200
    assert Session.objects.get(pk=session.pk).expire_date == early  # slid less than a minute ago
    store = client.session
    store["_slid"] = 0
    store.save()
    assert client.get(reverse("members:list")).status_code == 200
    slid = Session.objects.get(pk=session.pk).expire_date
    assert (
        abs((slid - timezone.now() - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)).total_seconds()) < 30
    )
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("members:list"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_passwords_are_hashed_with_argon2(accounts):
    from zugong import settings as production  # tests swap in a cheaper argon2 (tests/conftest.py)

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = User.objects.get(username="leader_a")
    assert user.password.startswith("argon2$") and PASSWORD not in user.password
    assert user.check_password(PASSWORD)


def test_an_old_pbkdf2_hash_is_upgraded_on_login(client, accounts, settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    User.objects.filter(username="leader_a").update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert log_in(client, "leader_a").status_code == 302
    assert User.objects.get(username="leader_a").password.startswith("argon2$")
