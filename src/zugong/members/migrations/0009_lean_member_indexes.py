"""Fewer indexes on the member tables, each paid on every insert (a million-row import writes a
million entries into each): the unique hash without its unused LIKE twin, no single-column org index
beside (org, standing), partial indexes where most rows hold NULL (party group; an event's origin
and actor).

On PostgreSQL the database side is a rename and a few DROP/CREATE INDEX: Django's own operations
would drop and re-validate four foreign keys and rebuild the unique index over every row (minutes
at province scale). Elsewhere (SQLite) Django's operations run as they are.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FORWARD = [
    # The unique constraint on the ID hash, whatever it was named where the table was made.
    """DO $$
DECLARE found text;
BEGIN
    SELECT c.conname INTO found FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.conrelid = 'members_member'::regclass AND c.contype = 'u'
      AND array_length(c.conkey, 1) = 1 AND a.attname = 'id_number_hash';
    IF found IS NULL THEN
        ALTER TABLE members_member ADD CONSTRAINT member_id_number_hash_uniq UNIQUE (id_number_hash);
    ELSIF found <> 'member_id_number_hash_uniq' THEN
        EXECUTE format('ALTER TABLE members_member RENAME CONSTRAINT %I TO %I',
                       found, 'member_id_number_hash_uniq');
    END IF;
END $$""",
    "DROP INDEX IF EXISTS members_member_id_number_hash_fcabf09d_like",
    "DROP INDEX IF EXISTS members_member_org_id_b6aaec52",
    "DROP INDEX IF EXISTS members_member_party_group_id_6b7b56fe",
    "DROP INDEX IF EXISTS members_memberevent_actor_id_97e226be",
    "DROP INDEX IF EXISTS members_memberevent_from_org_id_f8498025",
    "CREATE INDEX member_party_group_idx ON members_member (party_group_id) WHERE party_group_id IS NOT NULL",
    "CREATE INDEX memberevent_from_org_idx ON members_memberevent (from_org_id) "
    "WHERE from_org_id IS NOT NULL",
    "CREATE INDEX memberevent_actor_idx ON members_memberevent (actor_id) WHERE actor_id IS NOT NULL",
]
BACKWARD = [
    "DROP INDEX IF EXISTS memberevent_actor_idx",
    "DROP INDEX IF EXISTS memberevent_from_org_idx",
    "DROP INDEX IF EXISTS member_party_group_idx",
    "CREATE INDEX members_memberevent_from_org_id_f8498025 ON members_memberevent (from_org_id)",
    "CREATE INDEX members_memberevent_actor_id_97e226be ON members_memberevent (actor_id)",
    "CREATE INDEX members_member_party_group_id_6b7b56fe ON members_member (party_group_id)",
    "CREATE INDEX members_member_org_id_b6aaec52 ON members_member (org_id)",
    "CREATE INDEX members_member_id_number_hash_fcabf09d_like ON members_member "
    "(id_number_hash varchar_pattern_ops)",
    "ALTER TABLE members_member RENAME CONSTRAINT member_id_number_hash_uniq "
    "TO members_member_id_number_hash_key",
]


class PostgresSqlOr(migrations.operations.base.Operation):
    """On PostgreSQL, `forward`/`backward` SQL; elsewhere, the schema editor runs `operations`."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, forward, backward, operations):
        self.forward, self.backward, self.operations = forward, backward, operations

    def state_forwards(self, app_label, state):
        pass  # the state changes are the SeparateDatabaseAndState's

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            for sql in self.forward:
                schema_editor.execute(sql, None)  # no placeholders: % is literal
            return
        for operation in self.operations:
            to_state = from_state.clone()
            operation.state_forwards(app_label, to_state)
            operation.database_forwards(app_label, schema_editor, from_state, to_state)
            from_state = to_state

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            for sql in self.backward:
                schema_editor.execute(sql, None)  # no placeholders: % is literal
            return
        states = [to_state]
        for operation in self.operations[:-1]:
            state = states[-1].clone()
            operation.state_forwards(app_label, state)
            states.append(state)
        for operation, before in zip(reversed(self.operations), reversed(states), strict=True):
            after = before.clone()
            operation.state_forwards(app_label, after)
            operation.database_backwards(app_label, schema_editor, after, before)

    def describe(self):
        return "Leaner member indexes (PostgreSQL: rename and partial indexes)"


OPERATIONS = [
    migrations.AlterField(
        model_name="member",
        name="id_number_hash",
        field=models.CharField(editable=False, max_length=40),
    ),
    migrations.AlterField(
        model_name="member",
        name="org",
        field=models.ForeignKey(
            db_index=False,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="members",
            to="orgs.org",
            verbose_name="所在党支部",
        ),
    ),
    migrations.AlterField(
        model_name="member",
        name="party_group",
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.SET_NULL,
            related_name="members",
            to="members.partygroup",
            verbose_name="所在党小组",
        ),
    ),
    migrations.AlterField(
        model_name="memberevent",
        name="actor",
        field=models.ForeignKey(
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.SET_NULL,
            to=settings.AUTH_USER_MODEL,
            verbose_name="操作人",
        ),
    ),
    migrations.AlterField(
        model_name="memberevent",
        name="from_org",
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.SET_NULL,
            related_name="+",
            to="orgs.org",
            verbose_name="原组织",
        ),
    ),
    migrations.AddIndex(
        model_name="member",
        index=models.Index(
            condition=models.Q(("party_group__isnull", False)),
            fields=["party_group"],
            name="member_party_group_idx",
        ),
    ),
    migrations.AddIndex(
        model_name="memberevent",
        index=models.Index(
            condition=models.Q(("from_org__isnull", False)),
            fields=["from_org"],
            name="memberevent_from_org_idx",
        ),
    ),
    migrations.AddIndex(
        model_name="memberevent",
        index=models.Index(
            condition=models.Q(("actor__isnull", False)), fields=["actor"], name="memberevent_actor_idx"
        ),
    ),
    migrations.AddConstraint(
        model_name="member",
        constraint=models.UniqueConstraint(fields=("id_number_hash",), name="member_id_number_hash_uniq"),
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_transfers"),
        ("orgs", "0002_depth_path_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=OPERATIONS,
            database_operations=[PostgresSqlOr(FORWARD, BACKWARD, OPERATIONS)],
        ),
    ]
