"""On PostgreSQL the local packs' copied org path uses the C collation, like members/0003, so
ancestor and subtree look-ups compare bytes. SQLite compares bytes already."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('ALTER TABLE rules_rulepack ALTER COLUMN org_path TYPE varchar(255) COLLATE "C"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('ALTER TABLE rules_rulepack ALTER COLUMN org_path TYPE varchar(255) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("rules", "0002_local_packs_calendar")]

    operations = [migrations.RunPython(forwards, backwards)]
