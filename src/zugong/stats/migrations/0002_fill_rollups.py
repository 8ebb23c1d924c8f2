"""Rollups for a database that already holds members and orgs (a fresh one has nothing to count).
Uses the current rollup code on purpose: the rows must be exactly what the services keep."""

from django.db import migrations


def forwards(apps, schema_editor):
    Org = apps.get_model("orgs", "Org")
    if not Org.objects.exists():
        return
    from zugong.stats.rollups import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_initial"),
        ("members", "0005_county_path"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
