"""Shared pieces of the REST API: authentication, the scope of a request, pagination, error bodies.

Every app's `api.py` builds on these; `zugong/api.py` mounts the apps' routers and turns the
exceptions of services and selectors into HTTP answers (404 out of scope, 403 not allowed,
422 invalid with Chinese messages per field).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import ConfigDict

from zugong.accounts.models import ApiToken
from zugong.core.scope import Scope, scope_for

MAX_PAGE_SIZE = 200
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


# -- authentication -------------------------------------------------------------------------------
class TokenAuth(HttpBearer):
    """`Authorization: Bearer TOKEN`: a live token (stored as its SHA-256) of an active account."""

    def authenticate(self, request, token: str):
        token = token.strip()
        if not token:
            return None
        row = (
            ApiToken.objects.select_related("user", "user__org")
            .filter(key_hash=ApiToken.hash(token), revoked_at__isnull=True)
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= TOKEN_TOUCH_INTERVAL:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class SessionAuth(APIKeyCookie):
    """A browser already logged in to zugong; unsafe methods need the CSRF token as in the pages.

    Unlike ninja's `django_auth`, the CSRF check runs only when a logged-in session is present, so
    a token client that is refused gets 401, not a CSRF error.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated or not user.is_active:
            return None
        if user_has_device(user) and not getattr(user, "is_verified", lambda: False)():
            return None  # password given, second factor not yet: not logged in for the API either
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise HttpError(403, _("CSRF 校验失败,请刷新页面后重试"))
        return user


# -- request helpers ------------------------------------------------------------------------------
def scope_of(request) -> Scope:
    return scope_for(request.auth)


def actor_of(request):
    return request.auth


# -- schemas --------------------------------------------------------------------------------------
class InputSchema(Schema):
    """Request bodies: unknown fields are refused, so a misspelt field is not silently ignored."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class PageQuery(Schema):
    page: int = Field(1, ge=1, description="页码,从1开始")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="每页条数,最多200")


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def paginate(qs: QuerySet, paging: PageQuery, *, count: int | None = None) -> dict[str, Any]:
    """One page of `qs` with the exact total (given, or counted)."""
    start = (paging.page - 1) * paging.page_size
    return {
        "count": qs.count() if count is None else count,
        "page": paging.page,
        "page_size": paging.page_size,
        "results": list(qs[start : start + paging.page_size]),
    }


def set_fields(payload: Schema) -> dict[str, Any]:
    """Only the fields the client sent (PATCH semantics)."""
    return payload.dict(exclude_unset=True)
