"""Subtree queries on materialized paths.

A subtree is every row whose path starts with the root's path. We query it as a half-open range
[prefix, prefix + "~"), which both SQLite and PostgreSQL (with the C-collated column) answer with a
btree range scan; Django's `startswith` becomes LIKE, which SQLite cannot serve from the index.
"""

from __future__ import annotations

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
