"""On PostgreSQL, tree paths use the C collation so subtree range scans use the btree index
(PERFORMANCE.md). SQLite compares bytes already. Django's model state is unchanged."""

from django.db import migrations

COLUMNS = [
    ("orgs_org", "path"),
    ("orgs_unit", "managing_path"),
    ("members_member", "org_path"),
    ("core_auditentry", "org_path"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in COLUMNS:
        schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "C"')
    schema_editor.execute("ALTER TABLE members_member ALTER COLUMN org_path SET STATISTICS 1000")
    schema_editor.execute("ALTER TABLE orgs_org ALTER COLUMN path SET STATISTICS 1000")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in COLUMNS:
        schema_editor.execute(
            f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "default"'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_initial"),
        ("orgs", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
