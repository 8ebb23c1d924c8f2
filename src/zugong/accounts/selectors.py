"""Scoped reads of accounts and their API tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from zugong.accounts.models import ApiToken, User
from zugong.core.exceptions import NotInScope
from zugong.core.scope import Scope


def accounts_in_scope(*, scope: Scope) -> QuerySet[User]:
    """Accounts bound to an org inside the scope's subtree (needs `account.manage`).

    Accounts bound to no org (system superusers) are visible to a global scope only.
    """
    qs = User.objects.select_related("org", "member")
    return scope.filter(qs, field="org__path", perm="account.manage").order_by("org__path", "username")


def account_get(*, scope: Scope, pk: int) -> User:
    account = accounts_in_scope(scope=scope).filter(pk=pk).first()
    if account is None:
        raise NotInScope
    return account


def account_tokens(*, scope: Scope, account: User) -> QuerySet[ApiToken]:
    """The tokens of an account: for its manager, or for the account itself."""
    if scope.user_id != account.pk:
        account_get(scope=scope, pk=account.pk)
    return ApiToken.objects.filter(user=account).order_by("-created_at", "-pk")
