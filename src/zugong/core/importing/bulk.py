"""Bulk writes for importers: rows in batches (COPY on PostgreSQL, bulk_create on SQLite) and audit
entries chained in Python under the audit head's row lock, so `zugong audit verify` holds after a
million-row import exactly as after a million single writes."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import Model

from zugong.core import context
from zugong.core.audit import _digest, _jsonable  # the chain's own definition, not a copy of it
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


def copy_rows(model: type[Model], columns: list[str], rows: list[tuple]) -> None:
    """COPY … FROM STDIN into the model's table; `columns` are database column names."""
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN') as copy:
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
        self.entries: list[tuple[str, str, str, str, str, dict[str, Any], dict[str, Any]]] = []

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
        self.entries.append(
            (action, object_type, str(object_id), object_repr[:200], org_path, before or {}, after or {})
        )

    def flush(self) -> int:
        """Write the entries chained to the head (locked until the transaction ends)."""
        if not self.entries:
            return 0
        head, _created = AuditHead.objects.select_for_update().get_or_create(id=1)
        prev = head.last_hash
        request_id = context.current_request_id()
        ip = context.client_ip.get()
        at = dt.datetime.now(dt.UTC)
        entry = SimpleNamespace(at=at, actor_id=self.actor_id, request_id=request_id)
        rows = []
        for action, object_type, object_id, object_repr, org_path, before, after in self.entries:
            entry.action, entry.object_type, entry.object_id = action, object_type, object_id
            entry.before, entry.after = before, after
            digest = _digest(prev, entry)  # type: ignore[arg-type]
            rows.append(
                (
                    at,
                    self.actor_id,
                    self.actor_label,
                    action,
                    object_type,
                    object_id,
                    object_repr,
                    org_path,
                    request_id,
                    ip,
                    before,
                    after,
                    prev,
                    digest,
                )
            )
            prev = digest
        if is_postgres():
            dumps = json.dumps
            copy_rows(
                AuditEntry,
                self.columns,
                [
                    (*r[:10], dumps(r[10], ensure_ascii=False), dumps(r[11], ensure_ascii=False), *r[12:])
                    for r in rows
                ],
            )
        else:
            AuditEntry.objects.bulk_create(
                [AuditEntry(**dict(zip(self.columns, r, strict=True))) for r in rows], batch_size=500
            )
        n = len(rows)
        head.last_hash = prev
        head.count += n
        head.save(update_fields=["last_hash", "count"])
        self.entries = []
        return n


def pause_for_tests(written: int) -> None:
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    after, _sep, flag = spec.partition(":")
    if written >= int(after):
        Path(flag).write_text(str(os.getpid()))
        time.sleep(600)
