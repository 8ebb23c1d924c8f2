"""On PostgreSQL, the copied tree paths use the C collation so subtree range scans use the btree
index (as members/migrations/0003_c_collation.py does for members). SQLite compares bytes already."""

from django.db import migrations

COLUMNS = [("recruitment_applicant", "org_path"), ("recruitment_plan", "org_path")]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in COLUMNS:
        schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "C"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in COLUMNS:
        schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("recruitment", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
