"""WSGI entry of the load scenario: zugong with the bench URLs.

BENCH_PG_PARALLEL=N replaces zugong's `max_parallel_workers_per_gather = 0` by N on every
connection, so the settings check can measure what the production setting is worth.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
application = get_wsgi_application()

_parallel = os.environ.get("BENCH_PG_PARALLEL")
if _parallel is not None:
    from django.db.backends.signals import connection_created

    from zugong.core.apps import _tune_connection

    workers = int(_parallel)

    def _set_parallel(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET max_parallel_workers_per_gather = {workers}")

    connection_created.disconnect(_tune_connection)
    connection_created.connect(_set_parallel, weak=False)
