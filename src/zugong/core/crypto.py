"""Field-level encryption of sensitive personal data (公民身份号码, 手机).

Values are stored as AES-GCM ciphertext; equality look-ups (imports keyed by ID number, uniqueness)
use a keyed HMAC "blind index", so the database never holds the clear value. Lists show a mask
computed once at write time; showing a clear value is an audited action (see services).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(field_key: str) -> tuple[AESGCM, bytes]:
    raw = base64.urlsafe_b64decode(field_key.encode())
    if len(raw) != 32:
        raise ValueError("ZUGONG_FIELD_KEY must be 32 bytes, urlsafe-base64 encoded")
    index_key = hashlib.sha256(b"zugong-blind-index" + raw).digest()
    return AESGCM(raw), index_key


def encrypt(value: str) -> str:
    if not value:
        return ""
    aead, _ = _keys(settings.FIELD_KEY)
    nonce = os.urandom(12)
    return _PREFIX + base64.b64encode(nonce + aead.encrypt(nonce, value.encode(), None)).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    aead, _ = _keys(settings.FIELD_KEY)
    blob = base64.b64decode(token.removeprefix(_PREFIX))
    return aead.decrypt(blob[:12], blob[12:], None).decode()


def blind_index(value: str) -> str:
    _, index_key = _keys(settings.FIELD_KEY)
    return hmac.digest(index_key, value.encode(), "sha256").hex()[:40]


def mask_id_number(value: str) -> str:
    """Region prefix and last four: 140525********123X."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
