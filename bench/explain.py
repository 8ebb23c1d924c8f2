"""Query plans of zugong's own queries, kept in the JSON next to the numbers they explain."""

from __future__ import annotations

from collections.abc import Callable

from django.test.utils import CaptureQueriesContext


def capture(connection, fn: Callable[[], object]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return [q["sql"] for q in captured.captured_queries]


def plans(connection, queries: list[str], *, touching: str = "members_member") -> list[str]:
    """EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite) of each SELECT that reads
    `touching`."""
    out = []
    for sql in queries:
        if not sql.lstrip().upper().startswith("SELECT") or touching not in sql:
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                lines = [r[0] for r in cursor.fetchall()]
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                lines = [str(r[-1]) for r in cursor.fetchall()]
        out.append(sql[:300] + "\n" + "\n".join(lines))
    return out
