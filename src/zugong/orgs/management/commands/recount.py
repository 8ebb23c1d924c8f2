"""`zugong recount [--county-depth N]`: recompute every org's subtree totals, the members' county
paths and the rollups (stats.rollups) from the members and orgs tables.

The services keep `member_total` and `org_total` exact on every change; this is the set-based
check and repair (after a bulk load, a restore or a manual fix in the database). One statement,
the same SQL on SQLite and PostgreSQL: direct counts per branch path are expanded to every
ancestor prefix of the path and summed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from zugong.members.models import Member
from zugong.orgs.models import Org

_SQL = """
WITH RECURSIVE lv(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM lv WHERE k < %(depth)s),
direct AS (
    SELECT m.org_path AS p, COUNT(*) AS n FROM {member} m WHERE m.standing = %(normal)s GROUP BY m.org_path
),
mt AS (
    SELECT substr(d.p, 1, {step} * lv.k) AS path, SUM(d.n) AS n
    FROM direct d JOIN lv ON length(d.p) >= {step} * lv.k
    GROUP BY substr(d.p, 1, {step} * lv.k)
),
ot AS (
    SELECT substr(o.path, 1, {step} * lv.k) AS path, COUNT(*) AS n
    FROM {org} o JOIN lv ON length(o.path) > {step} * lv.k
    WHERE o.is_active = %(true)s
    GROUP BY substr(o.path, 1, {step} * lv.k)
),
calc AS (
    SELECT o.id AS id, COALESCE(mt.n, 0) AS member_total, COALESCE(ot.n, 0) AS org_total
    FROM {org} o LEFT JOIN mt ON mt.path = o.path LEFT JOIN ot ON ot.path = o.path
)
UPDATE {org} SET member_total = calc.member_total, org_total = calc.org_total
FROM calc
WHERE calc.id = {org}.id
  AND ({org}.member_total <> calc.member_total OR {org}.org_total <> calc.org_total)
"""


def recount_totals() -> tuple[int, int]:
    """Set every org's totals from the members table; returns (orgs checked, orgs changed).

    member_total counts members in good standing in the org's subtree (as the services do);
    org_total counts the active organizations below it.
    """
    with transaction.atomic():
        depth = Org.objects.aggregate(d=Max("depth"))["d"] or 0
        if not depth:
            return 0, 0
        quote = connection.ops.quote_name
        sql = _SQL.format(
            member=quote(Member._meta.db_table), org=quote(Org._meta.db_table), step=int(Org.steplen)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, {"depth": depth, "normal": Member.Standing.NORMAL.value, "true": True})
            changed = cursor.rowcount
            if connection.vendor == "sqlite":
                # The sqlite3 module reports no row count for a statement that starts with WITH.
                cursor.execute("SELECT changes()")
                changed = cursor.fetchone()[0]
        return Org.objects.count(), changed


def recount_county_paths(depth: int | None = None) -> int:
    """Set every member's county path from its org path (at `depth`, stored from then on, or the
    stored depth); returns the number of members corrected."""
    from django.db.models import Q
    from django.db.models.functions import Substr

    from zugong.stats.models import RollupState
    from zugong.stats.rollups import get_state

    with transaction.atomic():
        state = get_state()
        if depth is not None and depth != state.county_depth:
            RollupState.objects.filter(pk=1).update(county_depth=depth)
        cut = (depth or state.county_depth) * Org.steplen
        expected = Substr("org_path", 1, cut)
        return Member.objects.filter(~Q(county_path=expected)).update(county_path=expected)


class Command(BaseCommand):
    help = _("按党员表重新核算每个党组织的党员总数、下级组织数、党员所在县级组织和统计汇总")

    def add_arguments(self, parser):
        parser.add_argument(
            "--county-depth", type=int, help=_("县级党组织所在层级(1为顶级);改变后重写党员的县级组织路径")
        )

    def handle(self, *args, **options):
        from zugong.stats.rollups import rebuild

        checked, changed = recount_totals()
        self.stdout.write(
            _("已核算%(n)d个党组织的合计数,其中%(c)d个与党员表不一致,已更正。") % {"n": checked, "c": changed}
        )
        moved = recount_county_paths(options.get("county_depth"))
        self.stdout.write(_("党员所在县级组织:%(c)d条已更正。") % {"c": moved})
        wrong = rebuild()
        self.stdout.write(_("统计汇总已重建,其中%(c)d项与党员表不一致,已更正。") % {"c": wrong})
