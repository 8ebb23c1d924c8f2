"""PostgreSQL bulk loading: take a table's secondary indexes and constraints off, put them back."""

from __future__ import annotations

from django.db import connection


def relax_constraints(tables: list[str]) -> list[str]:
    """Drop the foreign keys, unique constraints and secondary indexes of `tables` (empty, inside
    the seeding transaction) and return the statements that put them back.

    COPY into a bare table is several times faster than into one with seven indexes, and deferred
    foreign keys would queue one check per row until commit; rebuilding an index by one sort and
    validating a foreign key by one join is much cheaper. Primary keys stay. Everything happens in
    the one transaction, so a failure leaves the schema as it was.
    """
    indexes: list[str] = []
    unique: list[str] = []
    foreign: list[str] = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [table],
            )
            for name, kind, definition in cursor.fetchall():
                add = f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                (foreign if kind == "f" else unique).append(add)
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for table in tables:
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
                [table],
            )
            for name, definition in cursor.fetchall():
                indexes.append(definition)
                cursor.execute(f"DROP INDEX {quote(name)}")
    return indexes + unique + foreign


def restore_constraints(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
