"""Two-factor sign-in for operators (django-otp): an authenticator app (TOTP) plus ten one-time
backup codes. Which roles must use it is configurable (`ZUGONG_OTP_ROLES`); superusers always must.

The password login stays Django's; this module adds the second step. Until an operator has
verified a code in this session, `RequireOTPMiddleware` sends every page to the enrolment page (no
device yet) or the verification page. API calls with a Bearer token are not sessions and are not
affected: tokens are their own credential, issued by a manager and revocable.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zugong.core import audit

BACKUP_CODES = 10
TOTP_NAME = "authenticator"
BACKUP_NAME = "backup"


def required_for(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return bool(getattr(settings, "ZUGONG_OTP_SUPERUSERS", True))
    return user.role in set(getattr(settings, "ZUGONG_OTP_ROLES", ()))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (made once, kept until confirmed or reset)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (made here: no request leaves the intranet)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _clean(token: str) -> str:
    return "".join(str(token or "").split()).replace("-", "")


def _new_backup_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_NAME)
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def enrol_confirm(request, token: str) -> list[str] | None:
    """Confirm the pending authenticator with a first code; returns the backup codes (shown once),
    or None when the code is wrong."""
    user = request.user
    device = pending_device(user)
    if not device.verify_token(_clean(token)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_backup_codes(user)
    otp_login(request, device)
    audit.record(
        actor=user,
        action="account.otp_enrol",
        obj=user,
        org_path=_org_path(user),
        after={"device": TOTP_NAME},
    )
    return codes


def verify(request, token: str) -> bool:
    device = match_token(request.user, _clean(token))
    if device is None:
        return False
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        with transaction.atomic():
            audit.record(
                actor=request.user,
                action="account.otp_backup_used",
                obj=request.user,
                org_path=_org_path(request.user),
                after={"remaining": device.token_set.count()},
            )
    return True


@transaction.atomic
def backup_codes_renew(request) -> list[str]:
    codes = _new_backup_codes(request.user)
    audit.record(
        actor=request.user,
        action="account.otp_backup_renew",
        obj=request.user,
        org_path=_org_path(request.user),
    )
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=BACKUP_NAME).count()


def reset(*, actor, account) -> int:
    """Remove an account's authenticator and backup codes (a lost phone): it enrols again at its next
    sign-in. The caller checks the manager's permission (accounts.services.account_otp_reset)."""
    n = TOTPDevice.objects.filter(user=account).delete()[0]
    n += StaticDevice.objects.filter(user=account).delete()[0]
    return n


def _org_path(user) -> str:
    return user.org.path if getattr(user, "org_id", None) else ""
