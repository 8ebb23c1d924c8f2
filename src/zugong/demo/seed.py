"""`seed()`: build a scale's plan and write it into an empty tree: in one transaction, or on
PostgreSQL (outside a caller's transaction) in two — the bulk load, then what reads it back."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from zugong.core import audit
from zugong.demo import builder
from zugong.demo.orglife import seed_orglife
from zugong.demo.pg import relax_constraints, restore_constraints
from zugong.demo.writer import Progress, Writer
from zugong.members.models import Member, PartyGroup
from zugong.orgs.management.commands.recount import recount_totals
from zugong.orgs.models import CommitteeSeat, Org, OrgEvent, OrgUnit, Unit
from zugong.stats import rollups
from zugong.stats.models import Rollup, RollupState

SCALES = builder.SCALES
TABLES = [Org, Unit, OrgUnit, Member, PartyGroup, CommitteeSeat, OrgEvent, Rollup]
# Depth of the county committees in each scale's tree (the root is 1): members' county_path.
COUNTY_DEPTH = {"tiny": 1, "county": 1, "city": 2, "province": 3}


class SeedRefused(Exception):
    """The database is not empty (and --force was not given)."""


@dataclass
class Summary:
    scale: str
    seed: int
    as_of: dt.date
    orgs: int
    units: int
    members: int
    normal_members: int
    seats: int
    groups: int
    root_code: str
    root_name: str
    recount_changed: int
    wiped: dict
    seconds: float


def seed(
    *,
    scale: str,
    seed: int = 2026,
    as_of: dt.date | None = None,
    force: bool = False,
    progress: Callable[[Progress], None] | None = None,
    note: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> Summary:
    """Generate `scale` from `seed` into the database. Refuses a database that already holds
    organizations unless `force`, which first removes every org, unit and member."""
    if scale not in SCALES:
        raise ValueError(scale)
    as_of = as_of or dt.date.today()
    started = time.monotonic()
    say = note or (lambda message: None)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic():
            loaded = _load(scale, seed, as_of, force, progress, say, workers)
            summary = _finish(loaded, scale, seed, as_of, say)
    else:
        with transaction.atomic():
            loaded = _load(scale, seed, as_of, force, progress, say, workers)
        # The indexes `_load` rebuilds come after the orglife UPDATE of every member row, and
        # PostgreSQL lets no query of the transaction that built them use such indexes
        # (pg_index.indcheckxmin, for the heap's broken HOT chains): the look-ups of the demo
        # flows became scans of 8 million rows. So what reads the members runs in a second
        # transaction; if it fails, the loaded data is removed again.
        try:
            with transaction.atomic():
                _bulk_settings()
                summary = _finish(loaded, scale, seed, as_of, say)
        except BaseException:
            with transaction.atomic():
                wipe()
            raise
    if connection.vendor == "postgresql":
        say(_("正在更新统计信息……"))
        # VACUUM, not only ANALYZE: it fills the visibility map, so index-only scans work at once and
        # the first readers do not rewrite every page to set hint bits. VACUUM cannot run inside a
        # transaction (a caller's, e.g. a test's): ANALYZE alone there.
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in TABLES:
                cursor.execute(f"{verb} {connection.ops.quote_name(model._meta.db_table)}")
    summary.seconds = time.monotonic() - started
    return summary


@dataclass
class _Loaded:
    writer: Writer
    root_id: int
    wiped: dict


def _bulk_settings() -> None:
    """Bulk load: the session may use what the box has for sorting and index upkeep."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")


def _load(scale, seed, as_of, force, progress, say, workers) -> _Loaded:
    """The tree, its members and a year of organizational life, by bulk writes."""
    existing = Org.objects.count()
    wiped: dict = {}
    if existing:
        if not force:
            raise SeedRefused(
                _(
                    "数据库中已有%(n)d个党组织,演示数据只能生成到空库。"
                    "如确需重建,请加 --force:将先删除全部党组织、单位和党员(账号保留但解除绑定)。"
                )
                % {"n": existing}
            )
        wiped = wipe()
    restore = []
    if connection.vendor == "postgresql":
        _bulk_settings()
        with connection.cursor() as cursor:
            # Run the checks the wipe queued now: ALTER TABLE refuses tables with pending events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        restore = relax_constraints([m._meta.db_table for m in TABLES])
    rollups.get_state()
    RollupState.objects.filter(pk=1).update(county_depth=COUNTY_DEPTH[scale])
    writer = Writer(as_of=as_of, progress=progress, workers=workers, county_depth=COUNTY_DEPTH[scale])
    plan = builder.build(scale, seed)
    root_id, _root_path = writer.write(plan)
    seed_orglife(scale=scale, seed=seed, as_of=as_of, root_path=_root_path, note=say, workers=workers)
    if restore:
        say(_("正在重建索引和约束……"))
        restore_constraints(restore)
    return _Loaded(writer, root_id, wiped)


def _finish(loaded: _Loaded, scale, seed, as_of, say) -> Summary:
    """Totals, rollups and the demo flows, which go through the services."""
    writer, root_id, wiped = loaded.writer, loaded.root_id, loaded.wiped
    _reset_sequences()
    say(_("正在核算各级党组织的合计数……"))
    _checked, changed = recount_totals()
    say(_("正在生成统计汇总……"))
    rollups.rebuild(as_of)
    if connection.vendor == "postgresql":
        # The demo flows below go through the services, whose queries the planner would plan on
        # the statistics of the empty tables (a look-up by 公民身份号码 became a scan of 8 million
        # rows at province scale). ANALYZE is allowed inside a transaction.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from zugong.demo.dues import seed_dues

    seed_dues(as_of=as_of, seed=seed)
    from zugong.demo.recruitment import seed_recruitment

    admitted = seed_recruitment(as_of=as_of, seed=seed)
    from zugong.demo.mobility import seed_mobility

    writer.counts["normal"] -= seed_mobility(as_of=as_of, seed=seed)["stopped"]
    from zugong.demo.community import seed_community

    seed_community(as_of=as_of, seed=seed)
    writer.counts["members"] += admitted
    writer.counts["normal"] += admitted
    from zugong.demo.transfers import seed_transfers

    came, left = seed_transfers(as_of=as_of, seed=seed)
    writer.counts["members"] += came
    writer.counts["normal"] += came - left
    root = Org.objects.get(pk=root_id)
    summary = Summary(
        scale=scale,
        seed=seed,
        as_of=as_of,
        orgs=writer.counts["orgs"],
        units=writer.counts["units"],
        members=writer.counts["members"],
        normal_members=writer.counts["normal"],
        seats=writer.counts["seats"],
        groups=writer.counts["groups"],
        root_code=root.code,
        root_name=root.name,
        recount_changed=changed,
        wiped=wiped,
        seconds=0.0,
    )
    audit.record(
        actor=None,
        action="seed",
        obj=root,
        org_path=root.path,
        after={
            "scale": scale,
            "seed": seed,
            "as_of": as_of,
            "orgs": summary.orgs,
            "units": summary.units,
            "members": summary.members,
            "wiped": wiped,
        },
    )
    return summary


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), TABLES)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def wipe() -> dict:
    """Remove every org, unit, member and what hangs off them (seats, groups, events, and rows of
    other apps that belong to an org or member). Accounts are kept but unbound: deleting them
    would break the audit chain, which names its actors."""
    from zugong.accounts.models import User
    from zugong.core.scope import Role

    unbound = User.objects.filter(Q(org__isnull=False) | Q(member__isnull=False))
    n_accounts = unbound.count()
    unbound.filter(role=Role.MEMBER).update(role="")
    unbound.update(org=None, member=None)
    from zugong.rules import engine
    from zugong.rules.models import RulePack

    # Local rule packs go with their orgs; the shipped national packs (rule versions, not tree
    # data) stay, or every later check of a rule would fail once the engine's cache expires.
    RulePack.objects.filter(org__isnull=False).delete()
    engine.invalidate()
    doomed, nullify = _dependents([Org, Member, Unit, PartyGroup], skip={User, RulePack})
    quote = connection.ops.quote_name
    tables = [m._meta.db_table for m in doomed]
    counts = {m._meta.label_lower: m._default_manager.count() for m in doomed}
    with connection.cursor() as cursor:
        for model, column in nullify:
            if model not in doomed:
                table, col = quote(model._meta.db_table), quote(column)
                cursor.execute(f"UPDATE {table} SET {col} = NULL WHERE {col} IS NOT NULL")
        if connection.vendor == "postgresql":
            # TRUNCATE instead of deleting millions of rows one by one. The foreign keys that
            # point into these tables from outside (accounts, now unbound) are dropped for the
            # moment and put back, validated, in the same transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid = ANY(%s::regclass[]) "
                "AND NOT conrelid = ANY(%s::regclass[])",
                [tables, tables],
            )
            incoming = cursor.fetchall()
            for table, name, _definition in incoming:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            cursor.execute("TRUNCATE " + ", ".join(quote(t) for t in tables))
            for table, name, definition in incoming:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")
    counts["accounts_unbound"] = n_accounts
    return {k: v for k, v in counts.items() if v}


def _dependents(roots: list, *, skip: set) -> tuple[list, list]:
    """Every model whose rows cannot outlive the rows of `roots` (FK chains), and the nullable
    SET_NULL foreign keys of other models that point into them."""
    from django.db.models import SET_NULL

    doomed = list(roots)
    nullify = []
    i = 0
    while i < len(doomed):
        model = doomed[i]
        i += 1
        for rel in model._meta.get_fields(include_hidden=True):
            if not (rel.is_relation and rel.auto_created and not rel.concrete):
                continue
            if not (rel.one_to_many or rel.one_to_one):
                continue
            related = rel.related_model
            if related in skip or related in doomed:
                continue
            if rel.field.null and rel.on_delete is SET_NULL:
                nullify.append((related, rel.field.column))
            else:
                doomed.append(related)
    return doomed, nullify


def digest() -> str:
    """A fingerprint of the generated data (codes, names, paths, ID-number hashes, dates, seats):
    equal for two runs with the same seed and as-of date."""
    import hashlib

    h = hashlib.sha256()
    queries = [
        Org.objects.order_by("path").values_list(
            "path", "code", "name", "kind", "region_code", "term_started_on", "established_on", "numchild",
            "member_total", "org_total",
        ),
        Unit.objects.order_by("code").values_list(
            "code", "name", "kind", "credit_code", "managing_org__code"
        ),
        Member.objects.order_by("id_number_hash").values_list(
            "id_number_hash", "name", "sex", "birth_date", "joined_on", "converted_on", "status",
            "standing",
            "education", "category", "org_path", "party_group__name", "id_number_masked", "phone_masked",
        ),
        CommitteeSeat.objects.order_by("org__path", "post", "duty", "member__id_number_hash").values_list(
            "org__path", "post", "duty", "person_name", "member__id_number_hash", "started_on"
        ),
    ]  # fmt: skip
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            h.update(repr(row).encode())
    return h.hexdigest()
