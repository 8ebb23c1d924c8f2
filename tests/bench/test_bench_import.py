"""The import row of the harness (bench/scenarios/import_roster.py): bench/import_members.py in a child
process against a scratch database, read back as a row of the table."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection

from bench.context import Options
from bench.core import INFO
from bench.scenarios import import_roster


def _bench(**options) -> SimpleNamespace:
    return SimpleNamespace(
        options=Options(scale="tiny", **options),
        scale="tiny",
        vendor=connection.vendor,
        connection=connection,
    )


@pytest.mark.django_db
def test_on_sqlite_or_without_a_url_the_row_says_why():
    [row] = import_roster.run(_bench(db_url=None))
    assert row.verdict == INFO and not row.zugong and "PostgreSQL" in row.notes[0]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the raw limit is binary COPY")
@pytest.mark.django_db(transaction=True)
def test_imports_into_a_scratch_database_and_reports_both_rates():
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    [row] = import_roster.run(_bench(db_url=url, import_rows=400))
    assert row.correct, row.errors
    assert row.zugong[0] > 0 and row.raw[0] > 0 and row.ratio is not None
    assert row.extra["rows"] == 400 and row.extra["chain_checked"] >= 400
    assert row.verdict in {"PASS", "FAIL"}
    with connection.cursor() as cursor:  # the scratch database is gone again
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [f"{s['NAME']}_import"])
        assert cursor.fetchone()[0] == 0
