"""Code tables from the national standards, shipped as data and looked up through a small cache.

Each file in core/data/codes/ is one table:
    {"table": "ethnicity", "title": "民族", "standard": "GB/T 3304-1991",
     "items": [{"code": "01", "name": "汉族", "synonyms": ["汉"], "parent": ""}, ...]}
"""

from __future__ import annotations

import json
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "codes"
_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Table:
    name: str
    by_code: dict[str, str]
    lookup: dict[str, str]  # normalized name / synonym / code -> code
    order: list[tuple[str, str]]
    parents: dict[str, str]


_lock = threading.Lock()
_tables: dict[str, Table] = {}
_loaded_at = 0.0


def shipped_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.json"))


def shipped_tables() -> dict[str, dict]:
    out = {}
    for path in shipped_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        out[data["table"]] = data
    return out


def normalize(text: str) -> str:
    """Full-width to half-width, no spaces: the way people type code values."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def load_shipped(*, using: str = "default") -> int:
    """Upsert every shipped table; local entries are left as they are. Returns items written."""
    from zugong.core.models import CodeItem

    n = 0
    for table, data in shipped_tables().items():
        existing = {c.code: c for c in CodeItem.objects.using(using).filter(table=table, is_local=False)}
        new, changed = [], []
        for sort, item in enumerate(data["items"]):
            values = {
                "name": item["name"],
                "parent_code": item.get("parent", ""),
                "synonyms": item.get("synonyms", []),
                "sort": sort,
                "is_active": item.get("active", True),
            }
            obj = existing.get(item["code"])
            if obj is None:
                new.append(CodeItem(table=table, code=item["code"], **values))
            elif any(getattr(obj, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(obj, k, v)
                changed.append(obj)
        CodeItem.objects.using(using).bulk_create(new, batch_size=1000)
        CodeItem.objects.using(using).bulk_update(
            changed, ["name", "parent_code", "synonyms", "sort", "is_active"], batch_size=1000
        )
        n += len(new) + len(changed)
    invalidate()
    return n


def load_shipped_codes_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if "core_codeitem" in connections[using].introspection.table_names():
        load_shipped(using=using)


def invalidate() -> None:
    global _loaded_at
    with _lock:
        _tables.clear()
        _loaded_at = 0.0


def _table(name: str) -> Table:
    global _loaded_at
    now = time.monotonic()
    table = _tables.get(name)  # the fast path, without the lock: a dict read is atomic
    if table is not None and now - _loaded_at <= _CACHE_SECONDS:
        return table
    with _lock:
        if now - _loaded_at > _CACHE_SECONDS:
            _tables.clear()
            _loaded_at = now
        if name in _tables:
            return _tables[name]
    from zugong.core.models import CodeItem

    by_code: dict[str, str] = {}
    lookup: dict[str, str] = {}
    order: list[tuple[str, str]] = []
    parents: dict[str, str] = {}
    rows = CodeItem.objects.filter(table=name, is_active=True).order_by("sort", "code")
    for item in rows.values_list("code", "name", "synonyms", "parent_code"):
        code, label, synonyms, parent = item
        by_code[code] = label
        order.append((code, label))
        parents[code] = parent
        for key in (code, label, *synonyms):
            lookup.setdefault(normalize(key), code)
    table = Table(name, by_code, lookup, order, parents)
    with _lock:
        _tables[name] = table
    return table


def label(table: str, code: str | None) -> str:
    if not code:
        return ""
    return _table(table).by_code.get(code, code)


def choices(table: str, *, parent: str | None = None) -> list[tuple[str, str]]:
    t = _table(table)
    if parent is None:
        return list(t.order)
    return [(c, n) for c, n in t.order if t.parents.get(c) == parent]


def is_valid(table: str, code: str | None) -> bool:
    return bool(code) and code in _table(table).by_code


def resolve(table: str, text: str | None) -> str | None:
    """A code from what a person typed: the code, the name or a synonym (汉 → 01). None if unknown."""
    if text is None:
        return None
    key = normalize(text)
    if not key:
        return None
    return _table(table).lookup.get(key)
