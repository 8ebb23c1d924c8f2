"""Bulk writes for importers: rows in batches (COPY on PostgreSQL, bulk_create on SQLite) and audit
entries chained in Python under the audit head's row lock, so `zugong audit verify` holds after a
million-row import exactly as after a million single writes."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Model
from psycopg import pq
from psycopg.adapt import Dumper

from zugong.core import context
from zugong.core.audit import _json, _jsonable, chain_digests  # the chain's own definition
from zugong.core.models import AuditEntry, AuditHead

# A test hook for the crash test: "N:PATH" makes the writer, once N rows are written inside the
# transaction, create PATH and sleep, so the test can kill the process mid-commit.
PAUSE_ENV = "ZUGONG_TEST_IMPORT_PAUSE"


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[Model], n: int) -> list[int]:
    """n ids from the table's sequence (PostgreSQL), so COPY rows can be referred to at once."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, n]
        )
        return [r[0] for r in cursor.fetchall()]


_JSONB_OID = 3802


class _JsonTextBinary(Dumper):
    """JSON text (already serialized) as jsonb in binary COPY: the format's version byte, then it."""

    format = pq.Format.BINARY
    oid = _JSONB_OID

    def dump(self, obj: Any) -> bytes:
        return b"\x01" + obj.encode()


_column_types: dict[tuple[str, tuple[str, ...]], list[int]] = {}


def _types(cursor, table: str, columns: list[str]) -> list[int]:
    key = (table, tuple(columns))
    if key not in _column_types:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
            [f'"{table}"'],
        )
        oids = dict(cursor.fetchall())
        _column_types[key] = [oids[c] for c in columns]
    return _column_types[key]


def copy_rows(model: type[Model], columns: list[str], rows: Iterable[tuple]) -> None:
    """Binary COPY … FROM STDIN into the model's table; `columns` are database column names, values
    the Python values of each column's type (jsonb: JSON text)."""
    table = model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        types = _types(raw, table, columns)
        if _JSONB_OID in types:
            raw.adapters.register_dumper(None, _JsonTextBinary)
        with raw.copy(f'COPY "{table}" ({names}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)


class AuditBatch:
    """Audit entries of one batch, written with their hash chain in one go."""

    columns = [
        "at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "org_path",
        "request_id",
        "ip",
        "before",
        "after",
        "prev_hash",
        "hash",
    ]

    def __init__(self, actor) -> None:
        self.actor_id = actor.pk if getattr(actor, "pk", None) else None
        self.actor_label = (getattr(actor, "username", "") or "system")[:150]
        # (action, object type, object id, object repr, org path, before JSON, after JSON)
        self.entries: list[tuple[str, str, str, str, str, str, str]] = []

    def add(
        self,
        *,
        action: str,
        object_type: str,
        object_id: Any,
        object_repr: str,
        org_path: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        json_ready: bool = False,
    ) -> None:
        """`json_ready`: the values are JSON values already (dates as ISO strings), as audit.record
        would store them."""
        if not json_ready:
            before = {k: _jsonable(v) for k, v in (before or {}).items()}
            after = {k: _jsonable(v) for k, v in (after or {}).items()}
        self.add_json(
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=object_repr,
            org_path=org_path,
            before_json=_json(before or {}),
            after_json=_json(after or {}),
        )

    def add_json(
        self,
        *,
        action: str,
        object_type: str,
        object_id: str,
        object_repr: str,
        org_path: str,
        before_json: str,
        after_json: str,
    ) -> None:
        """An entry whose before/after are serialized already, as `audit._json` does (keys sorted)."""
        self.entries.append(
            (action, object_type, object_id, object_repr[:200], org_path, before_json, after_json)
        )

    def flush(self) -> int:
        """Write the entries chained to the head (locked until the transaction ends)."""
        if not self.entries:
            return 0
        entries, self.entries = self.entries, []
        head, _created = AuditHead.objects.select_for_update().get_or_create(id=1)
        request_id = context.current_request_id()
        ip = context.client_ip.get()
        at = dt.datetime.now(dt.UTC)
        digests = chain_digests(
            head.last_hash,
            at=at,
            actor_id=self.actor_id,
            request_id=request_id,
            entries=[(e[0], e[1], e[2], e[5], e[6]) for e in entries],
        )
        prevs = [head.last_hash, *digests[:-1]]
        actor_id, actor_label = self.actor_id, self.actor_label
        rows = (
            (
                at,
                actor_id,
                actor_label,
                e[0],
                e[1],
                e[2],
                e[3],
                e[4],
                request_id,
                ip,
                e[5],
                e[6],
                prev,
                digest,
            )
            for e, prev, digest in zip(entries, prevs, digests, strict=True)
        )
        if is_postgres():
            copy_rows(AuditEntry, self.columns, rows)
        else:
            loads = json.loads
            AuditEntry.objects.bulk_create(
                [
                    AuditEntry(
                        **dict(zip(self.columns, (*r[:10], loads(r[10]), loads(r[11]), *r[12:]), strict=True))
                    )
                    for r in rows
                ],
                batch_size=500,
            )
        head.last_hash = digests[-1]
        head.count += len(entries)
        head.save(update_fields=["last_hash", "count"])
        return len(entries)


def pause_for_tests(written: int) -> None:
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    after, _sep, flag = spec.partition(":")
    if written >= int(after):
        Path(flag).write_text(str(os.getpid()))
        time.sleep(600)
