from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zugong.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from zugong.core import codes

        post_migrate.connect(codes.load_shipped_codes_after_migrate, sender=self)
        connection_created.connect(_tune_connection)

        from zugong.core import paths
        from zugong.core.models import AuditEntry, Job

        paths.follow_moves(AuditEntry, Job)  # audit entries and jobs stay in their org's scope


def _tune_connection(sender, connection, **kwargs) -> None:
    # Parallel plans cut list-page throughput under load (PERFORMANCE.md); web requests are small.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
