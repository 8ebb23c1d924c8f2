"""Compliance of organizational life, computed set-based in the database.

For every branch of a subtree and every period of a window, what the frequency rules (ZB-08 … ZB-14,
in force on the period's last day, with the local overrides of the branch's ancestors) require, what
was held (meeting parts that count: a 党员大会 without a quorum does not), and a status:

    met     达标      held ≥ required
    missed  未达标    the period is over and held < required
    due     即将到期  the period ends within the reminder lead time and held < required
    open    进行中    the period is running and ends later

One SQL statement does the work for a whole province; Python only builds the small table of
obligations (rule × obligation × period × local variant) it joins against. Summaries (per branch, per
child of a committee) are GROUP BYs over the same statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.orgs.models import BRANCH_KINDS
from zugong.rules import engine

ORGLIFE_RULES = ["ZB-08", "ZB-09", "ZB-10", "ZB-11", "ZB-12", "ZB-13", "ZB-14"]
STATUS_LABELS = {
    "met": gettext_lazy("达标"),
    "missed": gettext_lazy("未达标"),
    "due": gettext_lazy("即将到期"),
    "open": gettext_lazy("进行中"),
}
RAG_LABELS = {"red": gettext_lazy("红"), "amber": gettext_lazy("黄"), "green": gettext_lazy("绿")}
# How long before a period ends an unmet obligation turns amber (local practice, settings).
DEFAULT_LEAD_DAYS = {"month": 7, "quarter": 15, "year": 61}


def lead_days(per: str) -> int:
    return int(getattr(settings, "ZUGONG_ORGLIFE_LEAD_DAYS", {}).get(per, DEFAULT_LEAD_DAYS[per]))


@dataclass(frozen=True)
class Window:
    """The periods asked about: a year, a quarter of it, or a month of it."""

    year: int
    quarter: int | None = None
    month: int | None = None

    def __post_init__(self) -> None:
        if self.quarter is not None and self.month is not None:
            raise ValueError("quarter and month are exclusive")
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError("quarter must be 1..4")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError("month must be 1..12")

    @property
    def start(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, 1)
        if self.quarter:
            return dt.date(self.year, 3 * self.quarter - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        """Exclusive."""
        if self.month:
            return engine.add_months(self.start, 1)
        if self.quarter:
            return engine.add_months(self.start, 3)
        return dt.date(self.year + 1, 1, 1)

    @property
    def label(self) -> str:
        if self.month:
            return _("%(y)s年%(m)s月") % {"y": self.year, "m": self.month}
        if self.quarter:
            return _("%(y)s年第%(q)s季度") % {"y": self.year, "q": self.quarter}
        return _("%(y)s年") % {"y": self.year}

    @property
    def key(self) -> str:
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.quarter:
            return f"{self.year}Q{self.quarter}"
        return str(self.year)

    def periods(self, per: str) -> list[engine.Period]:
        """The periods of length `per` that overlap the window (a month window still shows its
        quarter's and year's obligations, which are judged over their whole period)."""
        first = engine.period_of(per, self.start)
        last = engine.period_of(per, self.end - dt.timedelta(days=1))
        return engine.periods(per, start=first.start, end=last.end)

    @classmethod
    def containing(cls, day: dt.date, per: str = "month") -> Window:
        if per == "year":
            return cls(day.year)
        if per == "quarter":
            return cls(day.year, quarter=(day.month - 1) // 3 + 1)
        return cls(day.year, month=day.month)


@dataclass(frozen=True)
class Obligation:
    okey: str  # rule id + obligation index: the unit a local override replaces
    rule_id: str
    article: str
    cite: str
    version: str
    kind: str
    label: str
    per: str
    times: int
    applies_to: str
    period: engine.Period
    closed: bool
    soon: bool
    depth: int
    lo: str
    hi: str


def _ym(day: dt.date) -> int:
    return day.year * 100 + day.month


def obligations(root_path: str, window: Window, as_of: dt.date) -> list[Obligation]:
    """Every (rule obligation × period × local variant) that can apply inside the subtree at `root_path`."""
    out: list[Obligation] = []
    for rule_id in ORGLIFE_RULES:
        for per in ("month", "quarter", "year"):
            for period in window.periods(per):
                if period.start > as_of:
                    continue  # not begun: nothing is due yet
                judged_on = min(period.end - dt.timedelta(days=1), as_of)
                for prefix, version in engine.variants(rule_id, on=judged_on, within=root_path):
                    for index, item in enumerate(version.params.get("obligations", [])):
                        if item["per"] != per:
                            continue
                        closed = period.end <= as_of
                        soon = not closed and (period.end - as_of).days <= lead_days(per)
                        out.append(
                            Obligation(
                                okey=f"{rule_id}#{index}",
                                rule_id=rule_id,
                                article=version.article,
                                cite=version.cite,
                                version=version.pack_version,
                                kind=item["meeting_kind"],
                                label=item.get("label", ""),
                                per=per,
                                times=int(item["times"]),
                                applies_to=item.get("applies_to", "branch"),
                                period=period,
                                closed=closed,
                                soon=soon,
                                depth=len(prefix),
                                lo=prefix,
                                hi=prefix + "~",
                            )
                        )
    return out


_OB_COLUMNS = [
    ("idx", "integer"),
    ("okey", "varchar(40)"),
    ("kind", "varchar(40)"),
    ("per", "varchar(10)"),
    ("times", "integer"),
    ("applies", "varchar(40)"),
    ("period_key", "varchar(12)"),
    ("start_ym", "integer"),
    ("end_ym", "integer"),
    ("p_start", "date"),
    ("p_last", "date"),
    ("closed", "integer"),
    ("soon", "integer"),
    ("depth", "integer"),
    ("lo", "varchar(255)"),
    ("hi", "varchar(255)"),
]


def _values_table(obs: list[Obligation]) -> tuple[str, list[Any]]:
    """A VALUES list with explicit casts, readable by SQLite and PostgreSQL alike."""
    rows_sql = []
    params: list[Any] = []
    # SQLite gives a column declared "date" numeric affinity ('2026-01-01' would become 2026): dates
    # travel as ISO text there, which compares like the stored dates do.
    sqlite = connection.vendor == "sqlite"
    types = ["text" if (t == "date" and sqlite) else t for _name, t in _OB_COLUMNS]
    row_sql = "(" + ", ".join(f"CAST(%s AS {t})" for t in types) + ")"
    for i, ob in enumerate(obs):
        rows_sql.append(row_sql)
        params += [
            i,
            ob.okey,
            ob.kind,
            ob.per,
            ob.times,
            ob.applies_to,
            ob.period.key,
            _ym(ob.period.start),
            _ym(ob.period.end - dt.timedelta(days=1)),
            ob.period.start.isoformat() if sqlite else ob.period.start,
            (ob.period.end - dt.timedelta(days=1)).isoformat()
            if sqlite
            else ob.period.end - dt.timedelta(days=1),
            int(ob.closed),
            int(ob.soon),
            ob.depth,
            ob.lo,
            ob.hi,
        ]
    columns = ", ".join(name for name, _t in _OB_COLUMNS)
    return f"ob({columns}) AS (VALUES {', '.join(rows_sql)})", params


def _committee_thresholds(as_of: dt.date) -> tuple[int, int]:
    rule = engine.rule("ZB-04", on=as_of)
    return int(rule.params["committee_from_formal_members"]), int(rule.params["committee_min_seats"])


def _month_map(obs: list[Obligation], name: str, groups: bool) -> tuple[str, list[Any]]:
    """name(kind, ym, idx, times): every month of the period of every obligation owed per party group
    (`groups`) or not. A part finds the obligations it counts for by equality on (kind, month), never
    by a range join. Two lists rather than one with a flag: a filter on a VALUES list makes the
    planner guess one row and loop over the parts once per month."""
    rows: list[str] = []
    params: list[Any] = []
    for i, ob in enumerate(obs):
        if (ob.applies_to == "party_group") != groups:
            continue
        day = ob.period.start
        while day < ob.period.end:
            rows.append(
                "(CAST(%s AS varchar(40)), CAST(%s AS integer), CAST(%s AS integer), CAST(%s AS integer))"
            )
            params += [ob.kind, _ym(day), i, ob.times]
            day = engine.add_months(day, 1)
    if not rows:  # an empty VALUES list is not SQL: one row no part can match
        rows, params = ["(CAST(%s AS varchar(40)), 0, -1, 0)"], [""]
    return f"{name}(kind, ym, idx, times) AS (VALUES {', '.join(rows)})", params


def core_sql(root_path: str, window: Window, as_of: dt.date) -> tuple[str, list[Any], list[Obligation]]:
    """The statement yielding one row per (branch, obligation, period):
    org_id, idx (into the obligations list), required, held, failed, status.

    Plan shape (measured at province scale, see docs/performance.md "orglife"): the branches with their
    committee and party-group counts × the small obligation table gives what is due; the year's meeting
    parts are aggregated once per (branch, obligation) through an equality join on (kind, month) with
    the month maps `pm` / `gm` (CROSS JOIN: SQLite keeps the parts outside and looks each one up in an
    automatic index on the map; PostgreSQL plans it as any join) — party groups, whose meetings are
    capped per group at `times`, in a second, smaller aggregation over their own kinds — and joined
    to what is due by (branch, obligation)."""
    obs = obligations(root_path, window, as_of)
    if not obs:
        return "", [], obs
    values_sql, params = _values_table(obs)
    map_sql, map_params = _month_map(obs, "pm", groups=False)
    gmap_sql, gmap_params = _month_map(obs, "gm", groups=True)
    params += map_params + gmap_params
    lo, hi = root_path, root_path + "~"
    ym0 = min(_ym(o.period.start) for o in obs)
    ym1 = max(_ym(o.period.end - dt.timedelta(days=1)) for o in obs)
    min_formal, min_seats = _committee_thresholds(as_of)
    kinds = sorted(BRANCH_KINDS)
    kind_marks = ", ".join(["%s"] * len(kinds))
    # A local variant replaces the national obligation below its org: only when some obligation has
    # variants at several depths does a branch need the test "no deeper variant applies to me".
    depths: dict[str, set[int]] = {}
    for ob in obs:
        depths.setdefault(ob.okey, set()).add(ob.depth)
    nested = any(len(d) > 1 for d in depths.values())
    deeper = (
        """NOT EXISTS (
            SELECT 1 FROM ob deeper
            WHERE deeper.okey = ob.okey AND deeper.depth > ob.depth
              AND b.path >= deeper.lo AND b.path < deeper.hi)
      AND """
        if nested
        else ""
    )
    group_kinds = sorted({o.kind for o in obs if o.applies_to == "party_group"})
    plain_kinds = sorted({o.kind for o in obs if o.applies_to != "party_group"})
    plain_marks = ", ".join(["%s"] * len(plain_kinds)) or "''"
    group_marks = ", ".join(["%s"] * len(group_kinds)) or "''"
    sql = f"""
WITH {values_sql},
{map_sql},
{gmap_sql},
formal AS (
    SELECT m.org_id, COUNT(*) AS n FROM members_member m
    WHERE m.org_path >= %s AND m.org_path < %s AND m.status = 'formal' AND m.standing = 'normal'
    GROUP BY m.org_id
),
seats AS (
    SELECT s.org_id, COUNT(*) AS n FROM orgs_committeeseat s
    JOIN orgs_org o ON o.id = s.org_id AND o.path >= %s AND o.path < %s
    WHERE s.ended_on IS NULL GROUP BY s.org_id
),
grp AS (
    SELECT g.org_id, COUNT(*) AS n FROM members_partygroup g
    JOIN orgs_org o ON o.id = g.org_id AND o.path >= %s AND o.path < %s
    GROUP BY g.org_id
),
b AS (
    SELECT o.id, o.path, o.established_on, o.dissolved_on,
           COALESCE(formal.n, 0) AS formal, COALESCE(seats.n, 0) AS seats, COALESCE(grp.n, 0) AS groups
    FROM orgs_org o
    LEFT JOIN formal ON formal.org_id = o.id
    LEFT JOIN seats ON seats.org_id = o.id
    LEFT JOIN grp ON grp.org_id = o.id
    WHERE o.path >= %s AND o.path < %s AND o.kind IN ({kind_marks})
),
due AS (
    SELECT b.id AS org_id, ob.idx, ob.closed, ob.soon,
           CASE WHEN ob.applies = 'party_group' THEN b.groups * ob.times ELSE ob.times END AS required
    FROM b
    JOIN ob ON b.path >= ob.lo AND b.path < ob.hi
    WHERE {deeper}(b.established_on IS NULL OR b.established_on <= ob.p_start)
      AND (b.dissolved_on IS NULL OR b.dissolved_on >= ob.p_last)
      AND (ob.applies = 'branch'
           OR (ob.applies = 'branch_with_committee' AND (b.formal >= %s OR b.seats >= %s))
           OR (ob.applies = 'party_group' AND b.groups > 0))
),
held AS (
    SELECT p.org_id, pm.idx,
           SUM(CASE WHEN p.counts THEN 1 ELSE 0 END) AS held,
           SUM(CASE WHEN p.counts THEN 0 ELSE 1 END) AS failed
    FROM orglife_meetingpart p CROSS JOIN pm
    WHERE pm.kind = p.kind AND pm.ym = p.ym
      AND p.org_path >= %s AND p.org_path < %s AND p.ym >= %s AND p.ym <= %s AND p.kind IN ({plain_marks})
    GROUP BY p.org_id, pm.idx
    UNION ALL
    SELECT g.org_id, g.idx, SUM(CASE WHEN g.ok > g.times THEN g.times ELSE g.ok END), SUM(g.bad)
    FROM (
        SELECT p.org_id, gm.idx, gm.times, p.party_group_id,
               SUM(CASE WHEN p.counts THEN 1 ELSE 0 END) AS ok,
               SUM(CASE WHEN p.counts THEN 0 ELSE 1 END) AS bad
        FROM orglife_meetingpart p CROSS JOIN gm
        WHERE gm.kind = p.kind AND gm.ym = p.ym
          AND p.org_path >= %s AND p.org_path < %s AND p.ym >= %s AND p.ym <= %s
          AND p.kind IN ({group_marks}) AND p.party_group_id IS NOT NULL
        GROUP BY p.org_id, gm.idx, gm.times, p.party_group_id
    ) g
    GROUP BY g.org_id, g.idx
)
SELECT due.org_id, due.idx, due.required, COALESCE(held.held, 0) AS held, COALESCE(held.failed, 0) AS failed,
       CASE WHEN COALESCE(held.held, 0) >= due.required THEN 'met'
            WHEN due.closed = 1 THEN 'missed'
            WHEN due.soon = 1 THEN 'due'
            ELSE 'open' END AS status
FROM due LEFT JOIN held ON held.org_id = due.org_id AND held.idx = due.idx
"""
    params += [lo, hi, lo, hi, lo, hi, lo, hi, *kinds, min_formal, min_seats]
    params += [lo, hi, ym0, ym1, *plain_kinds, lo, hi, ym0, ym1, *group_kinds]
    return sql, params, obs


class Row(NamedTuple):
    """One (branch, obligation, period) row. A named tuple: a province streams ≈ 13 million of them,
    and a frozen dataclass costs several times more to build."""

    org_id: int
    org_code: str
    org_name: str
    org_path: str
    obligation: Obligation
    required: int
    held: int
    failed: int
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def gap(self) -> int:
        return max(self.required - self.held, 0)


def rows(
    root_path: str, window: Window, *, as_of: dt.date | None = None, chunk: int = 10_000
) -> Iterator[Row]:
    """Every (branch, obligation, period) row, ordered by org path, rule and period, streamed."""
    as_of = as_of or dt.date.today()
    core, params, obs = core_sql(root_path, window, as_of)
    if not core:
        return
    sql = f"""
SELECT c.org_id, o.code, o.name, o.path, c.idx, c.required, c.held, c.failed, c.status
FROM ({core}) c JOIN orgs_org o ON o.id = c.org_id
ORDER BY o.path, c.idx
"""
    # A server-side cursor on PostgreSQL inside its own transaction (a savepoint when there is one
    # already): client memory stays flat however many rows (a province is ≈ 13 million). A cursor is
    # planned for its first 10 % by default (cursor_tuple_fraction), which picks nested loops that
    # made a county's stream 3.5× slower: this one is read to the end.
    pg = connection.vendor == "postgresql"
    with transaction.atomic():
        if pg:  # local to this transaction or savepoint; put back below (a rollback reverts it anyway)
            with connection.cursor() as setting:
                setting.execute("SELECT current_setting('cursor_tuple_fraction')")
                (previous,) = setting.fetchone()
                setting.execute("SELECT set_config('cursor_tuple_fraction', '1.0', true)")
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while True:
                batch = cursor.fetchmany(chunk)
                if not batch:
                    break
                for org_id, code, name, path, idx, required, held, failed, status in batch:
                    yield Row(
                        org_id, code, name, path, obs[idx], int(required), int(held), int(failed), status
                    )
        if pg:
            with connection.cursor() as setting:
                setting.execute("SELECT set_config('cursor_tuple_fraction', %s, true)", [previous])


@dataclass
class Tally:
    """Counts of obligation rows by status, and of branches by colour."""

    met: int = 0
    missed: int = 0
    due: int = 0
    open: int = 0
    failed: int = 0
    branches: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0

    @property
    def rag(self) -> str:
        if self.missed:
            return "red"
        if self.due:
            return "amber"
        return "green"

    @property
    def rag_label(self) -> str:
        return str(RAG_LABELS[self.rag])

    @property
    def judged(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        """Share of closed obligations met."""
        return self.met / self.judged if self.judged else None


def branch_tallies(root_path: str, window: Window, *, as_of: dt.date | None = None) -> dict[int, Tally]:
    """Per branch of the subtree: obligation counts by status (one GROUP BY)."""
    as_of = as_of or dt.date.today()
    core, params, _obs = core_sql(root_path, window, as_of)
    if not core:
        return {}
    sql = f"""
SELECT c.org_id,
       SUM(CASE WHEN c.status = 'met' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'missed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'due' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'open' THEN 1 ELSE 0 END),
       SUM(c.failed)
FROM ({core}) c GROUP BY c.org_id
"""
    out: dict[int, Tally] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for org_id, met, missed, due, open_, failed in cursor.fetchall():
            t = Tally(
                met=int(met), missed=int(missed), due=int(due), open=int(open_), failed=int(failed or 0)
            )
            t.branches = 1
            setattr(t, t.rag, 1)
            out[org_id] = t
    return out


def rollup(parent_path: str, window: Window, *, as_of: dt.date | None = None) -> dict[str, Tally]:
    """Per child of the org at `parent_path` (keyed by the child's path): the tallies of every branch
    beneath it, and how many of those branches are red, amber and green. One statement."""
    as_of = as_of or dt.date.today()
    core, params, _obs = core_sql(parent_path, window, as_of)
    if not core:
        return {}
    child_len = len(parent_path) + 4
    sql = f"""
WITH per_branch AS (
    SELECT c.org_id,
           SUM(CASE WHEN c.status = 'met' THEN 1 ELSE 0 END) AS met,
           SUM(CASE WHEN c.status = 'missed' THEN 1 ELSE 0 END) AS missed,
           SUM(CASE WHEN c.status = 'due' THEN 1 ELSE 0 END) AS due,
           SUM(CASE WHEN c.status = 'open' THEN 1 ELSE 0 END) AS open_,
           SUM(c.failed) AS failed
    FROM ({core}) c GROUP BY c.org_id
)
SELECT SUBSTR(o.path, 1, {child_len}) AS child,
       SUM(b.met), SUM(b.missed), SUM(b.due), SUM(b.open_), SUM(b.failed), COUNT(*),
       SUM(CASE WHEN b.missed > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN b.missed = 0 AND b.due > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN b.missed = 0 AND b.due = 0 THEN 1 ELSE 0 END)
FROM per_branch b JOIN orgs_org o ON o.id = b.org_id
GROUP BY SUBSTR(o.path, 1, {child_len})
"""
    out: dict[str, Tally] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for child, met, missed, due, open_, failed, branches, red, amber, green in cursor.fetchall():
            out[child] = Tally(
                met=int(met),
                missed=int(missed),
                due=int(due),
                open=int(open_),
                failed=int(failed or 0),
                branches=int(branches),
                red=int(red),
                amber=int(amber),
                green=int(green),
            )
    return out


def total(tallies: dict[Any, Tally]) -> Tally:
    out = Tally()
    for t in tallies.values():
        for name in ("met", "missed", "due", "open", "failed", "branches", "red", "amber", "green"):
            setattr(out, name, getattr(out, name) + getattr(t, name))
    return out


# -- attendance and the six-month rule ----------------------------------------------------------------
def attendance_rates(
    root_path: str, window: Window, *, group_len: int | None = None
) -> dict[str, tuple[int, int]]:
    """(present, expected) summed over the window's meetings, per org path prefix of `group_len`
    characters (per branch when None)."""
    key = "m.org_path" if group_len is None else f"SUBSTR(m.org_path, 1, {int(group_len)})"
    sql = f"""
SELECT {key}, SUM(m.present), SUM(m.expected) FROM orglife_meeting m
WHERE m.org_path >= %s AND m.org_path < %s AND m.held_on >= %s AND m.held_on < %s
GROUP BY {key}
"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [root_path, root_path + "~", window.start, window.end])
        return {k: (int(p or 0), int(e or 0)) for k, p, e in cursor.fetchall()}


def six_month_rule(as_of: dt.date) -> tuple[dt.date, engine.RuleVersion]:
    """The cutoff of the 党章 rule (GX-05): no organizational life since before it, without leave."""
    rule = engine.rule("GX-05", on=as_of)
    months = int(rule.params["lapse_months"])
    return engine.add_months(as_of, -months), rule


def members_without_orglife(root_path: str, *, as_of: dt.date | None = None):
    """Members of the subtree (in good standing, not away as 流动党员) whose latest organizational life
    (attended, or excused with a reason) is before the GX-05 cutoff. A member with no attendance at
    all counts only where their branch has recorded attendance since before the cutoff (a branch that
    has just started using zugong does not turn every member into a breach)."""
    from django.db.models import Exists, OuterRef, Q

    from zugong.core.paths import subtree_q
    from zugong.members.models import Member
    from zugong.orglife.models import Meeting

    as_of = as_of or dt.date.today()
    cutoff, _rule = six_month_rule(as_of)
    recorded_before = Meeting.objects.filter(
        org_id=OuterRef("org_id"), attendance_taken=True, held_on__lt=cutoff
    )
    return (
        Member.objects.filter(subtree_q(root_path, "org_path"))
        .filter(standing=Member.Standing.NORMAL, is_mobile=False)
        .filter(Q(last_orglife_on__lt=cutoff) | Q(last_orglife_on__isnull=True, joined_on__lt=cutoff))
        .filter(Q(last_orglife_on__isnull=False) | Exists(recorded_before))
    )
