"""The audit trail: every change and every view of a sensitive field, in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model

from zugong.core import context
from zugong.core.models import AuditEntry, AuditHead


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    return value


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """A dict of plain values (dates, decimals, model instances) made JSON-ready."""
    return {key: _jsonable(value) for key, value in data.items()}


def snapshot(obj: Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of `obj` as JSON-ready values (foreign keys by id)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = cast(Field, obj._meta.get_field(name))  # snapshots name concrete fields only
        value = getattr(obj, field.attname)
        out[name] = _jsonable(value)
    return out


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _digest(prev: str, entry: AuditEntry) -> str:
    return _digest_of(
        prev,
        entry.at.isoformat(),
        entry.actor_id,
        entry.action,
        entry.object_type,
        entry.object_id,
        _json(entry.before),
        _json(entry.after),
        entry.request_id,
    )


def _digest_of(
    prev: str,
    at: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    before_json: str,
    after_json: str,
    request_id: str,
) -> str:
    """SHA-256 of the JSON list [prev, at, actor, action, object type, object id, before, after,
    request id] (keys sorted, non-ASCII kept): the same text `json.dumps` gives for the whole list,
    put together from its items so a bulk writer can serialize each before/after once."""
    items = ", ".join(
        [
            _json(prev),
            _json(at),
            _json(actor_id),
            _json(action),
            _json(object_type),
            _json(object_id),
            before_json,
            after_json,
            _json(request_id),
        ]
    )
    return hashlib.sha256(("[" + items + "]").encode()).hexdigest()


def chain_digests(
    prev: str,
    *,
    at: dt.datetime,
    actor_id: int | None,
    request_id: str,
    entries: list[tuple[str, str, str, str, str]],
) -> list[str]:
    """The hashes of consecutive entries sharing time, actor and request id, chained from `prev`.
    entries: (action, object type, object id, before JSON, after JSON), JSON as `_json` writes it.
    Equal to `_digest` entry by entry (tests/core/test_audit.py), at a fraction of its cost."""
    middle = ", ".join(["", _json(at.isoformat()), _json(actor_id), ""])
    tail = ", " + _json(request_id) + "]"
    sha = hashlib.sha256
    out = []
    kinds: dict[tuple[str, str], str] = {}
    quoted = _json(prev)
    for action, object_type, object_id, before_json, after_json in entries:
        kind = kinds.get((action, object_type))
        if kind is None:
            kind = kinds[(action, object_type)] = _json(action) + ", " + _json(object_type) + ", "
        if object_id.isdigit():
            oid = '"' + object_id + '"'
        else:
            oid = _json(object_id)
        payload = "[" + quoted + middle + kind + oid + ", " + before_json + ", " + after_json + tail
        prev = sha(payload.encode()).hexdigest()
        quoted = '"' + prev + '"'  # a hex digest: its JSON is itself in quotes
        out.append(prev)
    return out


def record(
    *,
    actor,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    org_path: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry. Must run inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    user = actor if getattr(actor, "pk", None) else None
    entry = AuditEntry(
        actor=user,
        actor_label=(getattr(actor, "username", "") or "system")[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        org_path=org_path,
        request_id=context.current_request_id(),
        ip=context.client_ip.get(),
        before={k: _jsonable(v) for k, v in (before or {}).items()},
        after={k: _jsonable(v) for k, v in (after or {}).items()},
        prev_hash=head.last_hash,
    )
    entry.at = dt.datetime.now(dt.UTC)
    entry.hash = _digest(head.last_hash, entry)
    entry.save()
    head.last_hash = entry.hash
    head.count += 1
    head.save(update_fields=["last_hash", "count"])
    return entry


def verify_chain() -> tuple[int, list[int]]:
    """Recompute the chain; returns (entries checked, ids whose hash or link does not match)."""
    bad: list[int] = []
    prev = ""
    n = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        n += 1
        if entry.prev_hash != prev or entry.hash != _digest(prev, entry):
            bad.append(entry.pk)
        prev = entry.hash
    return n, bad
