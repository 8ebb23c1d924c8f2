"""Rule packs shipped as data (rules/packs/*.json), loaded after every migrate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

PACK_DIR = Path(__file__).resolve().parent / "packs"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def load_shipped(*, using: str = "default") -> int:
    from zugong.rules import engine
    from zugong.rules.models import Rule, RulePack

    n = 0
    for path in sorted(PACK_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
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
            },
        )
        for item in data["rules"]:
            Rule.objects.using(using).update_or_create(
                pack=pack,
                rule_id=item["id"],
                defaults={
                    "kind": item["kind"],
                    "title": item["title"],
                    "params": item["params"],
                    "article": item["article"],
                    "basis": item.get("basis", ""),
                },
            )
            n += 1
    engine.invalidate()
    return n


def load_shipped_packs_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if "rules_rule" in connections[using].introspection.table_names():
        load_shipped(using=using)
