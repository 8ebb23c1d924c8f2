"""Bulk writes for importers: rows in batches (COPY on PostgreSQL, bulk_create on SQLite) and audit
entries chained in Python under the audit head's row lock, so `zugong audit verify` holds after a
million-row import exactly as after a million single writes."""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model, QuerySet
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


def reserve_ids(model: type[Model], n: int, *, side: SideReads | None = None) -> list[int]:
    """n ids from the table's sequence (PostgreSQL), so COPY rows can be referred to at once.
    Sequences are outside transactions: a `side` connection may reserve them as well."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with (side.wrapper if side is not None else connection).cursor() as cursor:
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
    with connection.cursor() as cursor:
        _copy(cursor.cursor, model, columns, rows)


def _copy(raw, model: type[Model], columns: list[str], rows: Iterable[tuple]) -> None:
    """`copy_rows` on a psycopg cursor."""
    table = model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    types = _types(raw, table, columns)
    if _JSONB_OID in types:
        raw.adapters.register_dumper(None, _JsonTextBinary)
    with raw.copy(f'COPY "{table}" ({names}) FROM STDIN (FORMAT BINARY)') as copy:
        copy.set_types(types)
        write = copy.write_row
        for row in rows:
            write(row)


class SideReads:
    """Reads on a second connection to the default database, for the look-ups that must not wait
    for the import's own connection while `CopyThread` writes on it. It sees committed data only,
    which is what look-ups of stored rows need (the file's own repeats are found before)."""

    def __init__(self) -> None:
        self.wrapper = connections.create_connection(DEFAULT_DB_ALIAS)

    def rows(self, query: QuerySet) -> list[tuple]:
        """The rows of a `values_list` query (no field converters: plain column types only)."""
        sql, params = query.query.sql_with_params()
        with self.wrapper.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def close(self) -> None:
        self.wrapper.close()


def rows(query: QuerySet) -> list[tuple]:
    """The rows of a `values_list` query on the default connection (`SideReads.rows`' twin)."""
    return list(query)


class CopyThread:
    """The COPYs of an import on its own connection, in a second thread, so the main thread checks
    the next rows while PostgreSQL takes in the last ones (the main thread otherwise waits for
    the end of each COPY). While it runs, nothing else may use the connection: the main thread's
    reads go through `side_connection`. A failure is raised in the main thread at the next
    `submit` or at `close`; `stop` ends the thread whatever happened (then the import's
    transaction is rolled back as usual)."""

    def __init__(self, depth: int = 2) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        self.jobs: queue.Queue[list[tuple[type[Model], list[str], list[tuple]]] | None] = queue.Queue(depth)
        self.error: BaseException | None = None
        self.written = 0
        self.thread = threading.Thread(target=self._run, name="zugong-import-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            batch = self.jobs.get()
            if batch is None:
                return
            if self.error is not None:
                continue  # drain what was queued before the main thread saw the failure
            try:
                with self.raw.cursor() as cursor:
                    for model, columns, rows in batch:
                        _copy(cursor, model, columns, rows)
                self.written += len(batch[0][2])
                pause_for_tests(self.written)
            except BaseException as exc:  # to the main thread
                self.error = exc

    def submit(self, batch: list[tuple[type[Model], list[str], list[tuple]]]) -> None:
        """COPY these (model, columns, rows) in order; the first one's rows count as written."""
        self._raise()
        self.jobs.put(batch)

    def close(self) -> None:
        """Wait for every COPY submitted; raise what failed."""
        self.stop()
        self._raise()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.jobs.put(None)
            self.thread.join()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error


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
        self.head: AuditHead | None = None  # held (see `hold`)
        self.last_head: AuditHead | None = None
        self.unsaved = False

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

    def hold(self) -> None:
        """Lock the chain's head now and chain on from it in memory to the end (`save_head`), for
        when another thread is to take the connection. Only if nothing else in the transaction
        writes audit entries meanwhile (`audit.record` reads the head from the table)."""
        self.head = self._locked_head()

    def _locked_head(self) -> AuditHead:
        head, _created = AuditHead.objects.select_for_update().get_or_create(id=1)
        return head

    def take(self) -> list[tuple]:
        """The rows of the entries added since the last call, chained on from the head (advanced
        in memory; `save_head` writes it)."""
        if not self.entries:
            return []
        entries, self.entries = self.entries, []
        # Read afresh unless held: `audit.record` may have moved it since (e.g. member_update).
        head = self.head if self.head is not None else self._locked_head()
        self.last_head = head
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
        rows = [
            (at, actor_id, actor_label, *e[:5], request_id, ip, e[5], e[6], prev, digest)
            for e, prev, digest in zip(entries, prevs, digests, strict=True)
        ]
        head.last_hash = digests[-1]
        head.count += len(entries)
        self.unsaved = True
        return rows

    def save_head(self) -> None:
        if self.unsaved:
            assert self.last_head is not None
            self.last_head.save(update_fields=["last_hash", "count"])
            self.unsaved = False

    def flush(self) -> int:
        """Write the entries chained to the head (locked until the transaction ends)."""
        rows = self.take()
        if not rows:
            return 0
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
        self.save_head()
        return len(rows)


def pause_for_tests(written: int) -> None:
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    after, _sep, flag = spec.partition(":")
    if written >= int(after):
        Path(flag).write_text(str(os.getpid()))
        time.sleep(600)
