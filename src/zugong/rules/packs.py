"""Rule packs shipped as data (rules/packs/*.json), loaded after every migrate, and the workday
calendar from the chinese-calendar package.

Pack JSON: code, version, title, issuer, doc_number, published_on, effective_from, effective_to,
level, source, notes, rules: [{id, kind, title, params, tighten, article, basis, source,
confidence}]. Shipped packs are national, keyed by (code, version) and updated in place; a rule
that leaves a shipped file leaves the database. packs/examples/ holds local packs an operator
may import (`zugong rules load-local FILE --org CODE`); they are never loaded by themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

PACK_DIR = Path(__file__).resolve().parent / "packs"
EXAMPLE_DIR = PACK_DIR / "examples"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def shipped_files() -> list[Path]:
    return sorted(PACK_DIR.glob("*.json"))


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_shipped(*, using: str = "default") -> int:
    from django.db import transaction

    from zugong.rules import engine
    from zugong.rules.models import Rule, RulePack

    n = 0
    with transaction.atomic(using=using):
        for path in shipped_files():
            data = read(path)
            pack, _ = RulePack.objects.using(using).update_or_create(
                code=data["code"],
                version=data["version"],
                defaults={
                    "title": data["title"],
                    "issuer": data.get("issuer", ""),
                    "doc_number": data.get("doc_number", ""),
                    "published_on": _date(data.get("published_on")),
                    "effective_from": _date(data["effective_from"]),
                    "effective_to": _date(data.get("effective_to")),
                    "level": data.get("level", "national"),
                    "is_shipped": True,
                    "source_url": data.get("source", ""),
                    "notes": data.get("notes", ""),
                },
            )
            ids = []
            for item in data["rules"]:
                ids.append(item["id"])
                Rule.objects.using(using).update_or_create(
                    pack=pack,
                    rule_id=item["id"],
                    effective_to=None,
                    defaults={
                        "kind": item["kind"],
                        "title": item["title"],
                        "params": item.get("params", {}),
                        "tighten": item.get("tighten", {}),
                        "article": item["article"],
                        "basis": item.get("basis", ""),
                        "source_url": item.get("source", ""),
                        "confidence": item.get("confidence", "V"),
                    },
                )
                n += 1
            Rule.objects.using(using).filter(pack=pack).exclude(rule_id__in=ids).delete()
    engine.invalidate()
    return n


def load_shipped_packs_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    tables = connections[using].introspection.table_names()
    if "rules_rule" in tables:
        load_shipped(using=using)
    if "rules_calendarday" in tables and using == "default":
        # Years the package knows and the database does not yet: a new package version brings them.
        from zugong.rules import calendar
        from zugong.rules.models import CalendarYear
        from zugong.rules.services import calendar_load

        have = set(CalendarYear.objects.values_list("year", flat=True))
        for year in calendar.package_years():
            if year not in have:
                calendar_load(year=year)
