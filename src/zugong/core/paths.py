"""Subtree queries on materialized paths.

A subtree is every row whose path starts with the root's path. We query it as a half-open range
[prefix, prefix + "~"), which both SQLite and PostgreSQL (with the C-collated column) answer with a
btree range scan; Django's `startswith` becomes LIKE, which SQLite cannot serve from the index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

# treebeard's default alphabet is 0-9A-Z; "~" sorts after every character of it.
PATH_END = "~"
STEPLEN = 4


def subtree_q(prefix: str, field: str = "path") -> Q:
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + PATH_END})


def in_subtree(path: str | None, prefix: str) -> bool:
    return bool(path and path.startswith(prefix))


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    """Paths of every ancestor of `path` (root first), optionally with `path` itself."""
    depth = len(path) // STEPLEN
    last = depth if include_self else depth - 1
    return [path[: i * STEPLEN] for i in range(1, last + 1)]


# -- rows that follow their organizations ----------------------------------------------------------
# Every table that copies an org's path (org_path, managing_path…) registers here once, in its app's
# AppConfig.ready(); orgs.services calls subtree_moved() when a subtree moves and org_merged() when a
# branch is merged, so a new app cannot forget to follow (tests/core/test_paths.py checks that every
# model with an `org_path` column is registered).
_MOVERS: list[Callable[[str, str], object]] = []
_MERGERS: list[Callable[[Any, Any], object]] = []
_FOLLOWED: set[tuple[str, str]] = set()


def repath(queryset: Any, old_prefix: str, new_prefix: str, field: str = "org_path") -> int:
    """One UPDATE over the subtree's range: `field` keeps its tail under the new prefix."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Substr

    model = getattr(queryset, "model", queryset)
    qs = queryset if hasattr(queryset, "model") else model._default_manager.all()
    return qs.filter(subtree_q(old_prefix, field)).update(
        **{field: Concat(Value(new_prefix), Substr(field, len(old_prefix) + 1))}
    )


def follow_moves(*models: Any, field: str = "org_path") -> None:
    """Register models whose `field` copies an org path: they follow every subtree move."""
    for model in models:
        key = (model._meta.label, field)
        if key in _FOLLOWED:
            continue
        _FOLLOWED.add(key)
        _MOVERS.append(lambda old, new, model=model: repath(model, old, new, field))


def on_subtree_move(func: Callable[[str, str], object]) -> Callable[[str, str], object]:
    """Register a function called as func(old_prefix, new_prefix) when a subtree moves (for rows that
    need more than a prefix swap, e.g. members' county_path, or caches to drop)."""
    if func not in _MOVERS:
        _MOVERS.append(func)
    return func


def on_org_merge(func: Callable[[Any, Any], object]) -> Callable[[Any, Any], object]:
    """Register a function called as func(source, target) when a branch is merged into another."""
    if func not in _MERGERS:
        _MERGERS.append(func)
    return func


def subtree_moved(old_prefix: str, new_prefix: str) -> None:
    for mover in _MOVERS:
        mover(old_prefix, new_prefix)


def org_merged(source: Any, target: Any) -> None:
    for merger in _MERGERS:
        merger(source, target)


def followed() -> set[tuple[str, str]]:
    return set(_FOLLOWED)
