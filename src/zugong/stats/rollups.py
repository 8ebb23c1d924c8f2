"""Rollups kept exact by the services: writes (deltas in the caller's transaction) and reads.

Every member in good standing counts once in each dimension of every org above its branch that
is not itself a branch: sex, education level, 人员类别 (top level), 党员类型 and age band as of
`RollupState.bands_on`. Every active org counts once by kind in each org above it. The services
call `member_changed` (create, update, change of branch: the old facts out, the new ones in),
`subtree_moved` (org_move / org_merge) and `org_kind_changed` (create, kind change, dissolve);
the importer counts its new rows with `NewMembers`; `rebuild` recomputes everything set-based (seed, recount).

Reads (`counts`) take the rows of one org, one query, plus, when the day asked for is not
`bands_on`, one more for the members whose age crossed a band edge in between: ≈ 2,500 members a
day at province scale, found through the index on `birth_date`. `refresh` moves them for good.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Length, Substr

from zugong.core import codes
from zugong.core.paths import PATH_END, STEPLEN, ancestor_paths
from zugong.members.models import Member
from zugong.members.selectors import AGE_BANDS, birth_range
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.stats.models import Rollup, RollupState

Dim = Rollup.Dim
MEMBER_DIMS = (Dim.SEX, Dim.EDUCATION, Dim.CATEGORY, Dim.STATUS, Dim.AGE_BAND)
Key = tuple[int, str, str]  # (org id, dim, value)


# -- state ------------------------------------------------------------------------------------------
def get_state(*, lock: bool = False) -> RollupState:
    """The state row, created on first use. `lock`: held (shared) until the transaction ends, so
    `refresh` cannot move `bands_on` between a writer's reading it and its commit."""
    if lock and connection.vendor == "postgresql":
        # FOR SHARE, not select_for_update(): writers must not wait for each other here.
        with connection.cursor() as cursor:
            cursor.execute("SELECT bands_on, county_depth FROM stats_rollupstate WHERE id = 1 FOR SHARE")
            found = cursor.fetchone()
        if found is not None:
            return RollupState(pk=1, bands_on=found[0], county_depth=found[1])
    state = RollupState.objects.filter(pk=1).first()
    if state is None:
        state, _created = RollupState.objects.get_or_create(
            pk=1, defaults={"bands_on": dt.date.today(), "county_depth": settings.ZUGONG_COUNTY_DEPTH}
        )
    return state


def county_prefix(org_path: str, depth: int) -> str:
    """The member's county-level path: its branch path cut at the county depth."""
    return org_path[: depth * STEPLEN]


# -- age bands ----------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def thresholds(on: dt.date) -> tuple[tuple[str, dt.date | None], ...]:
    """(band, earliest birth date in it) youngest first; the oldest band has None (no lower bound)."""
    out = []
    for key, _label, _low, _high in AGE_BANDS:
        earliest, _latest = birth_range(key, on=on)
        out.append((key, earliest))
    return tuple(out)


def band_of(birth: dt.date, on: dt.date) -> str:
    for key, earliest in thresholds(on):
        if earliest is None or birth >= earliest:
            return key
    return AGE_BANDS[-1][0]


def crossing_windows(a: dt.date, b: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Half-open birth-date ranges [lo, hi) of the people whose band differs between days a and b."""
    out = []
    for (_k, ea), (_k2, eb) in zip(thresholds(a), thresholds(b), strict=True):
        if ea is None or eb is None or ea == eb:
            continue
        out.append((min(ea, eb), max(ea, eb)))
    return out


@functools.cache
def _tops() -> dict[str, str]:
    out: dict[str, str] = {}
    for top, _label in codes.choices("occupation", parent=""):
        out[top] = top
        for child, _child_label in codes.choices("occupation", parent=top):
            out[child] = top
    return out


def top_category(code: str) -> str:
    return _tops().get(code or "", code or "")


# -- member facts -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """What a member in good standing contributes: where, and the values of each dimension."""

    path: str
    sex: str
    education: str
    category: str
    status: str
    birth_date: dt.date

    @classmethod
    def of(cls, member: Member) -> Facts | None:
        if member.standing != Member.Standing.NORMAL:
            return None
        birth = member.birth_date
        if isinstance(birth, str):
            birth = dt.date.fromisoformat(birth)
        return cls(
            member.org_path,
            member.sex or "",
            member.education or "",
            member.category or "",
            member.status or "",
            birth,
        )

    def values(self, bands_on: dt.date) -> list[tuple[str, str]]:
        return [
            (Dim.SEX, self.sex),
            (Dim.EDUCATION, self.education[:1]),
            (Dim.CATEGORY, top_category(self.category)),
            (Dim.STATUS, self.status),
            (Dim.AGE_BAND, band_of(self.birth_date, bands_on)),
        ]


def _rollup_orgs(paths: Iterable[str]) -> dict[str, int]:
    """path → id of the orgs among `paths` that carry rollups (not branches)."""
    paths = set(paths)
    if not paths:
        return {}
    rows = Org.objects.filter(path__in=paths).exclude(kind__in=BRANCH_KINDS).values_list("path", "pk")
    return dict(rows)


def _above(path: str) -> list[str]:
    return ancestor_paths(path, include_self=True)


def member_changed(before: Facts | None, after: Facts | None) -> None:
    """A member's contribution changed from `before` to `after` (None: not counted)."""
    if before == after:
        return
    state = get_state(lock=True)
    ids = _rollup_orgs([*(_above(before.path) if before else []), *(_above(after.path) if after else [])])
    deltas: Counter[Key] = Counter()
    for facts, sign in ((before, -1), (after, 1)):
        if facts is None:
            continue
        values = facts.values(state.bands_on)
        for path in _above(facts.path):
            org_id = ids.get(path)
            if org_id is not None:
                for dim, value in values:
                    deltas[(org_id, dim, value)] += sign
    apply(deltas)


def org_kind_changed(path: str, *, before: str | None, after: str | None) -> None:
    """An org at `path` started (after), stopped (before) or changed how it counts by kind."""
    if before == after:
        return
    ids = _rollup_orgs(ancestor_paths(path, include_self=False))
    deltas: Counter[Key] = Counter()
    for org_id in ids.values():
        if before:
            deltas[(org_id, Dim.ORG_KIND, before)] -= 1
        if after:
            deltas[(org_id, Dim.ORG_KIND, after)] += 1
    apply(deltas)


def _contents(org: Org, bands_on: dt.date) -> Counter[tuple[str, str]]:
    """What the subtree of `org` (itself included) contributes to the orgs above it."""
    out: Counter[tuple[str, str]] = Counter()
    if org.kind in BRANCH_KINDS:
        subtree = Q(org_path__gte=org.path, org_path__lt=org.path + PATH_END)
        for values in _member_values_query(subtree, bands_on):
            for (dim, value), n in values:
                out[(dim, value)] += n
    else:
        for dim, value, n in Rollup.objects.filter(org_id=org.pk).values_list("dim", "value", "n"):
            out[(dim, value)] += n
    if org.is_active:
        out[(Dim.ORG_KIND, org.kind)] += 1
    return out


def subtree_moved(org: Org, *, old_path: str, new_parent_path: str) -> None:
    """Before `org` (at `old_path`) moves under the org at `new_parent_path`: its contents leave
    the old line of ancestors and join the new one (the shared ancestors cancel out)."""
    state = get_state(lock=True)
    contents = _contents(org, state.bands_on)
    old = ancestor_paths(old_path, include_self=False)
    new = _above(new_parent_path)
    ids = _rollup_orgs([*old, *new])
    deltas: Counter[Key] = Counter()
    for paths, sign in ((old, -1), (new, 1)):
        for path in paths:
            org_id = ids.get(path)
            if org_id is None:
                continue
            for (dim, value), n in contents.items():
                deltas[(org_id, dim, value)] += sign * n
    apply(deltas)


class NewMembers:
    """New members of a bulk write (the importer's), counted as they are written: each member is
    one key (branch path and its dimension values), so a million rows cost a million dict updates
    and `apply_to_ancestors` one upsert, instead of a grouping query over the rows just written."""

    def __init__(self, bands_on: dt.date) -> None:
        self.bands_on = bands_on
        self.counts: Counter[tuple[str, str, str, str, str, str]] = Counter()
        self._bands: dict[dt.date, str] = {}

    def add(self, path: str, *, sex: str, education: str, category: str, status: str, birth: dt.date) -> None:
        """One member in good standing (what `Facts.values` reads, without building Facts)."""
        band = self._bands.get(birth)
        if band is None:
            band = self._bands[birth] = band_of(birth, self.bands_on)
        self.counts[(path, sex or "", (education or "")[:1], top_category(category), status or "", band)] += 1

    def apply_to_ancestors(self) -> None:
        """Add the counted members to the rollups of every org above their branches."""
        per_path: Counter[tuple[str, str, str]] = Counter()
        for (path, *values), n in self.counts.items():
            for member_dim, value in zip(MEMBER_DIMS, values, strict=True):
                per_path[(path, str(member_dim), value)] += n
        above = {p: _above(p) for p, _d, _v in per_path}
        ids = _rollup_orgs({a for paths in above.values() for a in paths})
        deltas: Counter[Key] = Counter()
        for (path, dim, value), n in per_path.items():
            for a in above[path]:
                org_id = ids.get(a)
                if org_id is not None:
                    deltas[(org_id, dim, value)] += n
        apply(deltas)
        self.counts.clear()


class RollupMismatch(RuntimeError):
    """A count was to go below zero: the rollups disagree with the data (run `zugong recount`)."""


def apply(deltas: Counter[Key]) -> None:
    """Add the deltas to the rollup rows, in a fixed order: increments as one upsert, decrements as
    one UPDATE of rows that must exist (a CHECK on the inserted row fires before ON CONFLICT)."""
    rows = sorted((k, n) for k, n in deltas.items() if n)
    table = Rollup._meta.db_table
    ups = [r for r in rows if r[1] > 0]
    downs = [r for r in rows if r[1] < 0]
    with connection.cursor() as cursor:
        for start in range(0, len(ups), 2000):
            chunk = ups[start : start + 2000]
            cursor.execute(
                f"INSERT INTO {table} (org_id, dim, value, n) VALUES {_marks(len(chunk))} "
                f"ON CONFLICT (org_id, dim, value) DO UPDATE SET n = {table}.n + excluded.n",
                _params(chunk),
            )
        for start in range(0, len(downs), 2000):
            chunk = downs[start : start + 2000]
            cursor.execute(
                f"UPDATE {table} SET n = {table}.n + v.column4 FROM (VALUES {_marks(len(chunk))}) AS v "
                f"WHERE {table}.org_id = v.column1 AND {table}.dim = v.column2 AND {table}.value = v.column3",
                _params(chunk),
            )
            if cursor.rowcount != len(chunk):
                raise RollupMismatch(f"{len(chunk) - cursor.rowcount} rollup rows missing")


def _marks(n: int) -> str:
    return ", ".join(["(%s, %s, %s, %s)"] * n)


def _params(rows: list[tuple[Key, int]]) -> list:
    params: list = []
    for (org_id, dim, value), n in rows:
        params += [org_id, str(dim), value, n]
    return params


# -- set-based queries ----------------------------------------------------------------------------------
def _band_expr(on: dt.date):
    from zugong.stats.summary import age_band_case

    return age_band_case(on)


def _member_values_query(where: Q, bands_on: dt.date, *, by_path: bool = False):
    """For each dimension, the counts of members in good standing matching `where`, as lists of
    ((dim, value), n), or ((parent path, dim, value), n) grouped by the branch's parent path."""
    base = Member.objects.filter(where, standing=Member.Standing.NORMAL)
    exprs = {
        Dim.SEX: F("sex"),
        Dim.EDUCATION: Substr("education", 1, 1),
        Dim.CATEGORY: F("category"),
        Dim.STATUS: F("status"),
        Dim.AGE_BAND: _band_expr(bands_on),
    }
    parent = Substr("org_path", 1, Length("org_path") - STEPLEN)
    for dim, expr in exprs.items():
        rows: list = []
        if by_path:
            grouped = base.annotate(p=parent, v=expr).values_list("p", "v").annotate(n=Count("pk")).order_by()
            rows = [((p, dim, _norm(dim, v)), n) for p, v, n in grouped]
        else:
            single = base.annotate(v=expr).values_list("v").annotate(n=Count("pk")).order_by()
            rows = [((dim, _norm(dim, v)), n) for v, n in single]
        yield rows


def _norm(dim: str, value) -> str:
    value = value or ""
    return top_category(value) if dim == Dim.CATEGORY else value


# -- reads --------------------------------------------------------------------------------------------
def counts(org: Org, on: dt.date) -> dict[str, dict[str, int]] | None:
    """{dim: {value: n}} of `org`'s subtree on `on`, from its rollup rows; None for a branch."""
    if org.kind in BRANCH_KINDS:
        return None
    table = Rollup._meta.db_table
    state_table = RollupState._meta.db_table
    out: dict[str, dict[str, int]] = {d: {} for d in Dim.values}
    bands_on = None
    with connection.cursor() as cursor:
        # One statement: the rows and the day their bands are valid for, from the same snapshot.
        cursor.execute(
            f"SELECT s.bands_on, r.dim, r.value, r.n FROM {table} r CROSS JOIN {state_table} s "
            "WHERE r.org_id = %s AND s.id = 1 AND r.n <> 0",
            [org.pk],
        )
        for valid_on, dim, value, n in cursor.fetchall():
            out[dim][value] = n
            bands_on = valid_on
    if bands_on is None or not org.member_total:
        return out
    if isinstance(bands_on, str):
        bands_on = dt.date.fromisoformat(bands_on)
    if bands_on != on:
        for band, n in band_corrections(org.path, bands_on, on).items():
            out[Dim.AGE_BAND][band] = out[Dim.AGE_BAND].get(band, 0) + n
    return out


def _crossers(windows: list[tuple[dt.date, dt.date]]) -> Q:
    q = Q(pk__in=[])
    for lo, hi in windows:
        q |= Q(birth_date__gte=lo, birth_date__lt=hi)
    return q


def band_corrections(path: str, bands_on: dt.date, on: dt.date) -> Counter[str]:
    """How the band counts of the subtree at `path` differ on `on` from `bands_on`."""
    windows = crossing_windows(bands_on, on)
    out: Counter[str] = Counter()
    if not windows:
        return out
    rows = (
        Member.objects.filter(_crossers(windows), standing=Member.Standing.NORMAL)
        .filter(org_path__gte=path, org_path__lt=path + PATH_END)
        .values_list("birth_date")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for birth, n in rows:
        old, new = band_of(birth, bands_on), band_of(birth, on)
        if old != new:
            out[old] -= n
            out[new] += n
    return out


# -- maintenance ----------------------------------------------------------------------------------------
@transaction.atomic
def refresh(on: dt.date | None = None) -> int:
    """Move the stored age bands to `on` (default today): the members who crossed a band edge
    since `bands_on` change band in every org above them. Idempotent; returns members moved."""
    on = on or dt.date.today()
    get_state()
    state = RollupState.objects.select_for_update().get(pk=1)
    if state.bands_on == on:
        return 0
    windows = crossing_windows(state.bands_on, on)
    per_path: Counter[tuple[str, str, str]] = Counter()
    moved = 0
    if windows:
        rows = (
            Member.objects.filter(_crossers(windows), standing=Member.Standing.NORMAL)
            .values_list("org_path", "birth_date")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for path, birth, n in rows:
            old, new = band_of(birth, state.bands_on), band_of(birth, on)
            if old != new:
                per_path[(path, old, new)] += n
                moved += n
    ids = _rollup_orgs({a for p, _o, _n in per_path for a in _above(p)})
    deltas: Counter[Key] = Counter()
    for (path, old, new), n in per_path.items():
        for a in _above(path):
            org_id = ids.get(a)
            if org_id is not None:
                deltas[(org_id, Dim.AGE_BAND, old)] -= n
                deltas[(org_id, Dim.AGE_BAND, new)] += n
    apply(deltas)
    RollupState.objects.filter(pk=1).update(bands_on=on)
    return moved


def compute(on: dt.date) -> dict[Key, int]:
    """Every rollup row from the members and orgs tables (set-based: one grouped scan of the
    members per dimension, by the branch's parent; the rest is summing up the tree)."""
    orgs = list(Org.objects.values_list("pk", "path", "kind", "is_active"))
    ids = {path: pk for pk, path, kind, _active in orgs if kind not in BRANCH_KINDS}
    out: Counter[Key] = Counter()
    for _pk, path, kind, active in orgs:
        if active:
            for a in ancestor_paths(path, include_self=False):
                org_id = ids.get(a)
                if org_id is not None:
                    out[(org_id, Dim.ORG_KIND, kind)] += 1
    above: dict[str, list[int]] = {}
    for values in _member_values_query(Q(), on, by_path=True):
        for (parent, dim, value), n in values:
            targets = above.get(parent)
            if targets is None:
                targets = above[parent] = [i for a in _above(parent) if (i := ids.get(a)) is not None]
            for org_id in targets:
                out[(org_id, dim, value)] += n
    return {k: n for k, n in out.items() if n}


@transaction.atomic
def rebuild(on: dt.date | None = None) -> int:
    """Recompute every rollup row as of `on` (default today) and store it; returns the number of
    (org, dimension, value) counts that were wrong (0 after a consistent history)."""
    on = on or dt.date.today()
    get_state()
    stored_on = RollupState.objects.select_for_update().get(pk=1).bands_on
    fresh = compute(on)
    changed = 0
    if Rollup.objects.exists():
        stored = Rollup.objects.filter(n__gt=0).values_list("org_id", "dim", "value", "n")
        old = {(o, d, v): n for o, d, v, n in stored.iterator(chunk_size=20_000)}
        if stored_on != on:  # compare like with like: the stored bands are as of their own day
            old = {k: n for k, n in old.items() if k[1] != Dim.AGE_BAND}
            compare = {k: n for k, n in fresh.items() if k[1] != Dim.AGE_BAND}
        else:
            compare = fresh
        changed = sum(1 for k in compare.keys() | old.keys() if compare.get(k, 0) != old.get(k, 0))
        Rollup.objects.all().delete()
    write(fresh)
    RollupState.objects.filter(pk=1).update(bands_on=on)
    return changed


def write(rows: dict[Key, int]) -> None:
    table = Rollup._meta.db_table
    data = [(org_id, str(dim), value, n) for (org_id, dim, value), n in sorted(rows.items())]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} (org_id, dim, value, n) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} (org_id, dim, value, n) VALUES (%s, %s, %s, %s)", data)
