"""Ask the rules, never hard-code a number from a regulation.

    rule = engine.rule("ZB-05", on=date)   # the version in force on that date
    rule.params["village_years"], rule.cite  # "ZB-05 《…》第…条"

Every answer carries the rule id, pack version and article so a warning can name its source.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

_lock = threading.Lock()
_cache: dict[str, list[RuleVersion]] = {}


@dataclass(frozen=True)
class RuleVersion:
    rule_id: str
    title: str
    kind: str
    params: dict[str, Any]
    article: str
    pack_title: str
    pack_version: str
    effective_from: dt.date
    effective_to: dt.date | None

    @property
    def cite(self) -> str:
        return f"{self.rule_id}《{self.pack_title}》{self.article}"


class RuleNotFound(LookupError):
    pass


def invalidate() -> None:
    with _lock:
        _cache.clear()


def _versions(rule_id: str) -> list[RuleVersion]:
    with _lock:
        if rule_id in _cache:
            return _cache[rule_id]
    from zugong.rules.models import Rule

    rows = Rule.objects.filter(rule_id=rule_id).select_related("pack").order_by("-pack__effective_from")
    versions = [
        RuleVersion(
            rule_id=r.rule_id,
            title=r.title,
            kind=r.kind,
            params=r.params,
            article=r.article,
            pack_title=r.pack.title,
            pack_version=r.pack.version,
            effective_from=r.pack.effective_from,
            effective_to=r.pack.effective_to,
        )
        for r in rows
    ]
    with _lock:
        _cache[rule_id] = versions
    return versions


def rule(rule_id: str, *, on: dt.date | None = None) -> RuleVersion:
    """The version of `rule_id` in force on `on` (today by default)."""
    on = on or dt.date.today()
    for version in _versions(rule_id):
        if version.effective_from <= on and (version.effective_to is None or on < version.effective_to):
            return version
    versions = _versions(rule_id)
    if versions:
        # A date before the first version: judge by the oldest rule we know, never by none.
        return versions[-1]
    raise RuleNotFound(rule_id)
