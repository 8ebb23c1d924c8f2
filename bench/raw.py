"""Hand-written SQL on the DB-API cursor under Django's connection: the raw database's answer.

Queries are written with %s placeholders (psycopg); for sqlite3 they become ?. Dates are passed
as ISO strings (cast on PostgreSQL), which both drivers take without adapters.
"""

from __future__ import annotations

from typing import Any


class Raw:
    def __init__(self, connection) -> None:
        self.connection = connection
        self.vendor = connection.vendor

    @property
    def pg(self) -> bool:
        return self.vendor == "postgresql"

    def _sql(self, sql: str) -> str:
        return sql.replace("%s", "?") if self.vendor == "sqlite" else sql

    def all(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        self.connection.ensure_connection()
        cursor = self.connection.connection.cursor()
        try:
            cursor.execute(self._sql(sql), tuple(params))
            return cursor.fetchall()
        finally:
            cursor.close()

    def one(self, sql: str, params: tuple | list = ()) -> Any:
        rows = self.all(sql, params)
        return rows[0][0] if rows else None

    def run(self, sql: str, params: tuple | list = ()) -> int:
        self.connection.ensure_connection()
        cursor = self.connection.connection.cursor()
        try:
            cursor.execute(self._sql(sql), tuple(params))
            return cursor.rowcount
        finally:
            cursor.close()

    def date(self, placeholder: str = "%s") -> str:
        """A date parameter in an expression."""
        return f"CAST({placeholder} AS date)" if self.pg else placeholder
