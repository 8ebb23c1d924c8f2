"""A year of organizational-life compliance for every branch of the tree (issues 5 and 7).

zugong: `compliance.branch_tallies(root, Window(year))` — per branch, how many obligation rows are
met / missed / due / open and how many meetings failed their quorum, one statement — and
`compliance.rows(…)` streamed to a discarded sink (every branch × rule × period row, in order, as the
export does), both for the whole tree, the year of the seed's as-of date, judged on that date.

raw: hand-written SQL, written independently of compliance.py: the national rules' numbers as
literals (ZB-08 a 党员大会 a quarter, ZB-09 a 支委会 a month where ZB-04 asks for a committee — 7 formal
members or 3 seats —, ZB-10 a 党小组会 a month per party group, ZB-11 a 党课, ZB-12 a 主题党日 a month,
ZB-13 a 组织生活会 and a 民主评议, ZB-14 a 谈心谈话 a year), each part mapped straight to its period key
and joined by equality, the reminder lead times 7 / 15 / 61 days.

Both must give exactly the same per-branch counts (and the same rows: the stream's per-branch
counts by status and its sums of required and held); the target is zugong ≤ 1.5 × raw.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from django.conf import settings
from django.db import transaction

from bench.context import Bench
from bench.core import Probe, Result, diff, measure
from zugong.orglife import compliance
from zugong.orglife.compliance import DEFAULT_LEAD_DAYS, Window

TARGET_RATIO = 1.5
# (meeting kind, period, who owes it): the national rules as hand-written literals
OBLIGATIONS = [
    ("branch_assembly", "quarter", "all"),  # ZB-08
    ("branch_committee", "month", "committee"),  # ZB-09
    ("group_meeting", "month", "group"),  # ZB-10
    ("party_lecture", "year", "all"),  # ZB-11
    ("theme_day", "month", "all"),  # ZB-12
    ("life_meeting", "year", "all"),  # ZB-13
    ("member_review", "year", "all"),  # ZB-13
    ("heart_talk", "year", "all"),  # ZB-14
]
BRANCH_KINDS = ("branch", "joint_branch", "temporary_branch")


def seeded_as_of() -> dt.date:
    """The as-of date the data was seeded for (the history is relative to it)."""
    from zugong.core.models import AuditEntry

    entry = AuditEntry.objects.filter(action="seed").order_by("-id").first()
    value = (entry.after or {}).get("as_of") if entry else None
    return dt.date.fromisoformat(str(value)[:10]) if value else dt.date.today()


def _periods(year: int, as_of: dt.date) -> list[tuple]:
    """(per, key, first day, last day, closed, soon) of every period of the year begun by as_of."""
    out = []
    lead = {"month": 7, "quarter": 15, "year": 61}

    def add(per: str, key: int, first: dt.date, end: dt.date) -> None:
        if first > as_of:
            return
        closed = end <= as_of
        soon = not closed and (end - as_of).days <= lead[per]
        out.append((per, key, first, end - dt.timedelta(days=1), int(closed), int(soon)))

    for m in range(1, 13):
        add("month", year * 100 + m, dt.date(year, m, 1), dt.date(year + m // 12, m % 12 + 1, 1))
    for q in range(1, 5):
        end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
        add("quarter", year * 10 + q, dt.date(year, 3 * q - 2, 1), end)
    add("year", year, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    return out


def raw_sql(raw, root_path: str, year: int, as_of: dt.date) -> tuple[str, list]:
    """One row per (branch, kind, period): org_id, kind, period key, required, held, failed, status."""
    date = raw.date()
    periods = _periods(year, as_of)
    p_rows = ", ".join(f"(%s, %s, {date}, {date}, %s, %s)" for _ in periods)
    o_rows = ", ".join("(%s, %s, %s)" for _ in OBLIGATIONS)
    params: list = []
    for per, key, first, last, closed, soon in periods:
        params += [per, key, first.isoformat(), last.isoformat(), closed, soon]
    for item in OBLIGATIONS:
        params += list(item)
    lo, hi = root_path, root_path + "~"
    kinds = ", ".join(["%s"] * len(BRANCH_KINDS))
    # The period key of a part, from its kind (each kind has one period length in the national rules);
    # no "%" operator: psycopg would read it as a placeholder.
    part_key = (
        "CASE WHEN kind = 'branch_assembly' THEN (ym / 100) * 10 + (ym - (ym / 100) * 100 + 2) / 3"
        " WHEN kind IN ('party_lecture', 'life_meeting', 'member_review', 'heart_talk') THEN ym / 100"
        " ELSE ym END"
    )
    sql = f"""
WITH p(per, pkey, first_day, last_day, closed, soon) AS (VALUES {p_rows}),
o(kind, per, who) AS (VALUES {o_rows}),
f AS (SELECT org_id, COUNT(*) AS n FROM members_member
      WHERE org_path >= %s AND org_path < %s AND status = 'formal' AND standing = 'normal' GROUP BY org_id),
s AS (SELECT org_id, COUNT(*) AS n FROM orgs_committeeseat WHERE ended_on IS NULL GROUP BY org_id),
g AS (SELECT org_id, COUNT(*) AS n FROM members_partygroup GROUP BY org_id),
b AS (SELECT br.id, br.established_on, br.dissolved_on,
             COALESCE(f.n, 0) AS formal, COALESCE(s.n, 0) AS seats, COALESCE(g.n, 0) AS groups
      FROM orgs_org br
      LEFT JOIN f ON f.org_id = br.id LEFT JOIN s ON s.org_id = br.id LEFT JOIN g ON g.org_id = br.id
      WHERE br.path >= %s AND br.path < %s AND br.kind IN ({kinds})),
req AS (SELECT b.id, o.kind, p.pkey, p.closed, p.soon,
               CASE WHEN o.who = 'group' THEN b.groups ELSE 1 END AS required
        FROM b CROSS JOIN o JOIN p ON p.per = o.per
        WHERE (b.established_on IS NULL OR b.established_on <= p.first_day)
          AND (b.dissolved_on IS NULL OR b.dissolved_on >= p.last_day)
          AND (o.who = 'all'
               OR (o.who = 'committee' AND (b.formal >= 7 OR b.seats >= 3))
               OR (o.who = 'group' AND b.groups > 0))),
h AS (SELECT org_id, kind, {part_key} AS pkey,
             CASE WHEN kind = 'group_meeting'
                  THEN COUNT(DISTINCT CASE WHEN counts THEN party_group_id END)
                  ELSE SUM(CASE WHEN counts THEN 1 ELSE 0 END) END AS held,
             SUM(CASE WHEN counts THEN 0 ELSE 1 END) AS failed
      FROM orglife_meetingpart
      WHERE org_path >= %s AND org_path < %s AND ym >= %s AND ym <= %s
        AND (kind <> 'group_meeting' OR party_group_id IS NOT NULL)
      GROUP BY org_id, kind, {part_key})
SELECT req.id, req.kind, req.pkey, req.required, COALESCE(h.held, 0) AS held, COALESCE(h.failed, 0) AS failed,
       CASE WHEN COALESCE(h.held, 0) >= req.required THEN 'met'
            WHEN req.closed = 1 THEN 'missed'
            WHEN req.soon = 1 THEN 'due'
            ELSE 'open' END AS status
FROM req LEFT JOIN h ON h.org_id = req.id AND h.kind = req.kind AND h.pkey = req.pkey
"""
    params += [lo, hi, lo, hi, *BRANCH_KINDS, lo, hi, year * 100 + 1, year * 100 + 12]
    return sql, params


def raw_tallies(raw, root_path: str, year: int, as_of: dt.date) -> dict:
    core, params = raw_sql(raw, root_path, year, as_of)
    sql = f"""
SELECT c.id,
       SUM(CASE WHEN c.status = 'met' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'missed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'due' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = 'open' THEN 1 ELSE 0 END),
       SUM(c.failed)
FROM ({core}) c GROUP BY c.id
"""
    return {row[0]: tuple(int(x or 0) for x in row[1:]) for row in raw.all(sql, params)}


def zugong_tallies(root_path: str, window: Window, as_of: dt.date) -> dict:
    return {
        org_id: (t.met, t.missed, t.due, t.open, t.failed)
        for org_id, t in compliance.branch_tallies(root_path, window, as_of=as_of).items()
    }


class Sink:
    """What the stream's consumer keeps: per branch, rows by status, and sums of required and held
    (enough to tell two streams apart, cheap enough not to weigh on the time)."""

    def __init__(self) -> None:
        self.by_branch: Counter = Counter()
        self.required = self.held = self.rows = 0

    def add(self, org_id: int, status: str, required: int, held: int) -> None:
        self.by_branch[(org_id, status)] += 1
        self.required += required
        self.held += held
        self.rows += 1

    def answer(self) -> tuple:
        return self.rows, self.required, self.held, dict(self.by_branch)


def zugong_stream(root_path: str, window: Window, as_of: dt.date) -> tuple:
    sink = Sink()
    with transaction.atomic():  # a server-side cursor streams inside a transaction (PostgreSQL)
        for row in compliance.rows(root_path, window, as_of=as_of):
            sink.add(row.org_id, row.status, row.required, row.held)
    return sink.answer()


def raw_stream(raw, root_path: str, year: int, as_of: dt.date) -> tuple:
    """The same rows with the branch's code and name, in the same order (path, then kind and period),
    fetched in chunks through a server-side cursor on PostgreSQL."""
    core, params = raw_sql(raw, root_path, year, as_of)
    sql = f"""
SELECT c.id, o.code, o.name, c.kind, c.pkey, c.required, c.held, c.failed, c.status
FROM ({core}) c JOIN orgs_org o ON o.id = c.id ORDER BY o.path, c.kind, c.pkey
"""
    sink = Sink()
    connection = raw.connection
    with transaction.atomic():
        connection.ensure_connection()
        if raw.pg:
            raw.run("SET LOCAL cursor_tuple_fraction = 1.0")  # read to the end, not planned for 10 %
            cursor = connection.connection.cursor(name="bench_orglife_raw")
        else:
            cursor = connection.connection.cursor()
        try:
            cursor.execute(raw._sql(sql), tuple(params))
            while batch := cursor.fetchmany(10_000):
                for org_id, _code, _name, _kind, _pkey, required, held, _failed, status in batch:
                    sink.add(org_id, status, int(required), int(held))
        finally:
            cursor.close()
    return sink.answer()


def compare_stream(ours: tuple, theirs: tuple) -> list[str]:
    problems = diff("rows, Σ required, Σ held", ours[:3], theirs[:3])
    if not problems and ours[3] != theirs[3]:
        problems = diff("rows per branch and status", ours[3], theirs[3])
    return problems


def settle(raw) -> float:
    """PostgreSQL: VACUUM (ANALYZE) the orglife tables when the seed left their visibility map empty
    (the first reader would otherwise rewrite every page to set hint bits, inside the timing)."""
    if not raw.pg or raw.connection.in_atomic_block:  # VACUUM cannot run in a transaction (tests)
        return 0.0
    pages, visible = raw.all(
        "SELECT relpages, relallvisible FROM pg_class WHERE oid = 'orglife_meetingpart'::regclass"
    )[0]
    if visible * 2 >= pages:
        return 0.0
    started = time.perf_counter()
    raw.run("VACUUM (ANALYZE) orglife_meetingpart, orglife_meeting, members_partygroup, orgs_committeeseat")
    return time.perf_counter() - started


def run(bench: Bench) -> list[Result]:
    raw = bench.raw
    if getattr(settings, "ZUGONG_ORGLIFE_LEAD_DAYS", None) not in (None, DEFAULT_LEAD_DAYS):
        raise RuntimeError("the raw SQL has the default reminder lead times as literals")
    as_of = seeded_as_of()
    year = as_of.year
    window = Window(year)
    root = bench.root
    vacuumed = settle(raw)
    branches = raw.one(
        "SELECT COUNT(*) FROM orgs_org WHERE path >= %s AND path < %s AND kind IN (%s, %s, %s)",
        (root.path, root.path + "~", *BRANCH_KINDS),
    )
    parts = raw.one(
        "SELECT COUNT(*) FROM orglife_meetingpart"
        " WHERE org_path >= %s AND org_path < %s AND ym >= %s AND ym <= %s",
        (root.path, root.path + "~", year * 100 + 1, year * 100 + 12),
    )
    where = f"{branches:,} branches, {parts:,} meeting parts of {year}, judged on {as_of}"
    notes = [where] + ([f"vacuumed the orglife tables first ({vacuumed:.0f} s)"] if vacuumed else [])
    target = f"≤ {TARGET_RATIO} × hand-written SQL"
    tallies = Result(
        "orglife",
        "orglife: a year of compliance, every branch (branch_tallies)",
        target=target,
        limit=TARGET_RATIO,
        judge="ratio",
        notes=list(notes),
    )
    measure(
        tallies,
        [
            Probe(
                "tallies",
                lambda: zugong_tallies(root.path, window, as_of),
                lambda: raw_tallies(raw, root.path, year, as_of),
                lambda ours, theirs: diff("per-branch met/missed/due/open/failed", ours, theirs),
            )
        ],
        bench.options.timing,
    )
    if tallies.correct and tallies.zugong:
        answer = zugong_tallies(root.path, window, as_of)
        colours = Counter("red" if t[1] else ("amber" if t[2] else "green") for t in answer.values())
        tallies.notes.append(
            f"red {colours['red']:,} / amber {colours['amber']:,} / green {colours['green']:,}"
        )
    stream = Result(
        "orglife",
        "orglife: stream every row of the year (compliance.rows)",
        target=target,
        limit=TARGET_RATIO,
        judge="ratio",
    )
    measure(
        stream,
        [
            Probe(
                "rows",
                lambda: zugong_stream(root.path, window, as_of),
                lambda: raw_stream(raw, root.path, year, as_of),
                compare_stream,
            )
        ],
        bench.options.timing,
    )
    if stream.correct and stream.zugong:
        rows = zugong_stream(root.path, window, as_of)[0]
        stream.notes.append(f"{rows:,} rows, {rows / (stream.zugong_median / 1000):,.0f} rows/s")
    return [tallies, stream]
