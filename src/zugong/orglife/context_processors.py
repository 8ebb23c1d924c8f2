"""The count on the 组织生活 menu entry: what a branch secretary's branch owes that is overdue or due
soon. Computed only when a page shows it, for secretaries only, and kept a minute per account (the
inbox page itself is always computed fresh; saving a meeting forgets the count at once)."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from zugong.core.scope import Role, scope_for

TTL_SECONDS = 60


def _key(user_id: int) -> str:
    return f"orglife:inbox-urgent:{user_id}:{dt.date.today().isoformat()}"


def forget_inbox(user) -> None:
    if getattr(user, "pk", None):
        cache.delete(_key(user.pk))


def urgent_count(user) -> int:
    from zugong.orglife import selectors

    scope = scope_for(user)
    if scope.role != Role.BRANCH_SECRETARY or not scope.has("orglife.view"):
        return 0
    key = _key(user.pk)
    cached = cache.get(key)
    if cached is not None:
        return cached
    root = selectors.scope_root_org(scope=scope)
    count = selectors.inbox(scope=scope, root=root).urgent if root is not None else 0
    cache.set(key, count, TTL_SECONDS)
    return count


def orglife(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A callable: the template calls it only where the badge is shown.
    return {"orglife_urgent": lambda: urgent_count(user)}
