"""Members carry their county's path (`county_path`) with an index (county_path, name, id), so a
county's list sorted by name reads one index range; an index on birth_date finds the members
whose age crosses a band edge on a day (stats.rollups). Existing rows get their county path from
org_path at the stored county depth (docs/performance.md §2)."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Substr


def forwards(apps, schema_editor):
    RollupState = apps.get_model("stats", "RollupState")
    Member = apps.get_model("members", "Member")
    state, _created = RollupState.objects.get_or_create(
        pk=1, defaults={"bands_on": dt.date.today(), "county_depth": settings.ZUGONG_COUNTY_DEPTH}
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE members_member ALTER COLUMN county_path TYPE varchar(255) COLLATE "C"'
        )
    Member.objects.update(county_path=Substr("org_path", 1, state.county_depth * 4))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_last_orglife"),
        ("orgs", "0001_initial"),
        ("stats", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="county_path",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=255),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["county_path", "name", "id", "standing", "sex", "status"],
                name="member_county_name_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["birth_date"], name="member_birth_idx"),
        ),
    ]
