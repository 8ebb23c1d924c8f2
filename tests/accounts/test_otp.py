"""Two-factor sign-in for operators: enrol with an authenticator, backup codes, verify, reset."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from zugong.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "Zugong-test-2026"
# The sign-in security pages: each signed-in account reaches its own; anonymous visitors sign in.
COVERED_URL_NAMES = {"otp_verify", "otp_setup", "security", "otp_backup_renew"}


@pytest.mark.parametrize("name", sorted(COVERED_URL_NAMES))
@pytest.mark.parametrize("actor", [None, "member", "secretary_a1", "organizer_a", "dept_admin"])
def test_matrix(client, accounts, otp_on, name, actor):
    """Anonymous → login; roles without two-factor → their page or home; operators → enrol first."""
    if actor is not None:
        client.force_login(accounts[actor])
    method = client.post if name == "otp_backup_renew" else client.get
    response = method(reverse(name))
    if actor is None:
        assert response.status_code == 302 and reverse("login") in response.url
    elif actor in ("organizer_a", "dept_admin"):
        # Not yet enrolled: only the enrolment page answers; everything else leads there.
        if name == "otp_setup":
            assert response.status_code == 200
        else:
            assert response.status_code == 302 and reverse("otp_setup") in response.url
    elif name == "security":
        assert response.status_code == 200
    else:
        assert response.status_code == 302


@pytest.fixture
def otp_on(settings):
    settings.ZUGONG_OTP_ROLES = ["dept_admin", "committee_organizer"]
    settings.ZUGONG_OTP_SUPERUSERS = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the tests type a wrong code and then the right one at once
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def login(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_operator_must_enrol_then_sees_pages_and_backup_codes_work_once(client, accounts, otp_on):
    login(client, "organizer_a")
    response = client.get(reverse("members:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("otp_setup"))
    page = client.get(reverse("otp_setup"))
    assert "<svg" in page.content.decode() and "二维码" in page.content.decode()
    device = TOTPDevice.objects.get(user=accounts["organizer_a"], confirmed=False)
    bad = client.post(reverse("otp_setup"), {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert "验证码不正确" in bad.content.decode()
    done = client.post(reverse("otp_setup"), {"token": code_for(device)})
    codes = done.context["codes"]
    assert len(codes) == 10 and all(len(c) == 8 for c in codes)
    assert client.get(reverse("members:list")).status_code == 200
    assert AuditEntry.objects.filter(action="account.otp_enrol").exists()

    client.post(reverse("logout"))
    login(client, "organizer_a")
    response = client.get(reverse("members:list"))
    assert response.url.startswith(reverse("otp_verify"))
    wrong = client.post(reverse("otp_verify"), {"token": "12345678"})
    assert "验证码不正确" in wrong.content.decode()
    ok = client.post(reverse("otp_verify"), {"token": codes[0], "next": reverse("members:list")})
    assert ok.status_code == 302 and ok.url == reverse("members:list")
    client.post(reverse("logout"))
    login(client, "organizer_a")
    reused = client.post(reverse("otp_verify"), {"token": codes[0]})
    assert "验证码不正确" in reused.content.decode()  # a backup code works once


def test_roles_not_required_are_not_asked(client, accounts, otp_on):
    login(client, "secretary_a1")
    assert client.get(reverse("members:list")).status_code == 200
    assert client.get(reverse("otp_setup")).status_code == 302


def test_offsite_next_is_ignored(client, accounts, otp_on):
    login(client, "organizer_a")
    device = TOTPDevice.objects.create(user=accounts["organizer_a"], name="authenticator", confirmed=True)
    response = client.post(
        reverse("otp_verify"), {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_manager_resets_a_lost_phone_and_the_account_enrols_again(client, accounts, otp_on):
    organizer = accounts["organizer_a"]
    TOTPDevice.objects.create(user=organizer, name="authenticator", confirmed=True)
    admin = accounts["dept_admin"]
    admin_device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    login(client, "admin")
    client.post(reverse("otp_verify"), {"token": code_for(admin_device)})
    detail = client.get(reverse("accounts:edit", args=[organizer.pk]))
    assert "重置二次验证" in detail.content.decode()
    client.post(reverse("accounts:otp_reset", args=[organizer.pk]))
    assert not TOTPDevice.objects.filter(user=organizer).exists()
    assert AuditEntry.objects.filter(action="account.otp_reset", object_id=str(organizer.pk)).exists()


def test_out_of_scope_reset_is_404_and_readonly_is_refused(client, accounts):
    client.force_login(accounts["organizer_b"])
    assert client.post(reverse("accounts:otp_reset", args=[accounts["organizer_a"].pk])).status_code in (
        403,
        404,
    )
    client.force_login(accounts["leader_a"])
    assert client.post(reverse("accounts:otp_reset", args=[accounts["organizer_a"].pk])).status_code in (
        403,
        404,
    )
    client.logout()
    response = client.post(reverse("accounts:otp_reset", args=[accounts["organizer_a"].pk]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_cli_reset(accounts):
    TOTPDevice.objects.create(user=accounts["organizer_a"], name="authenticator", confirmed=True)
    import io

    out = io.StringIO()
    call_command("account", "reset-otp", "organizer_a", stdout=out)
    assert "删除1个验证设备" in out.getvalue()


def test_security_page(client, accounts, otp_on):
    device = TOTPDevice.objects.create(user=accounts["organizer_a"], name="authenticator", confirmed=True)
    login(client, "organizer_a")
    client.post(reverse("otp_verify"), {"token": code_for(device)})
    page = client.get(reverse("security")).content.decode()
    assert "已开启" in page and "还剩 0 个备用验证码" in page
    renewed = client.post(reverse("otp_backup_renew"))
    assert len(renewed.context["codes"]) == 10
