"""Shared pieces of every write service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from zugong.core.exceptions import NotInScope
from zugong.core.scope import scope_for


def require(actor, perm: str, *paths: str) -> None:
    """The actor may do `perm` on every given tree path. System work (actor None) may do anything."""
    if actor is None:
        return
    scope = scope_for(actor)
    for path in paths:
        if not scope.contains(path):
            raise NotInScope
    if not scope.has(perm):
        raise PermissionDenied
