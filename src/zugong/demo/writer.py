"""Writing a plan into the database in bulk: the rows the services would write, without their cost.

The tree is walked depth first. Paths, depths and numchild are computed here exactly as treebeard
would (a 4-character base-36 step per level), ids are allocated here in walk order, and rows are
buffered per table and written by COPY on PostgreSQL or executemany on SQLite, in one
transaction. Member rows carry the same encrypted columns, blind index and masks as
`member_create` produces.

On PostgreSQL the counties of a city or province are generated in worker processes (drawing
members and encrypting their ID numbers is most of the work) while this process streams their
rows into COPY. A county's ids are reserved before it is handed out, from its plan, so the result
is the same as generating it here.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zugong.core import crypto
from zugong.demo import worker
from zugong.demo.builder import (
    BRANCHES,
    COMMITTEE,
    GENERAL,
    WORKING,
    Ctx,
    Lazy,
    Node,
    UnitSpec,
    cn,
    count,
    groups_for,
)
from zugong.demo.people import People, Person
from zugong.members.models import Member, PartyGroup
from zugong.orgs.models import CommitteeSeat, Org, OrgEvent, OrgUnit, Unit
from zugong.rules import engine

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Plain strings, not enum members: COPY adapts values by type.
SECRETARY = CommitteeSeat.Post.SECRETARY.value
DEPUTY = CommitteeSeat.Post.DEPUTY_SECRETARY.value
MEMBER = CommitteeSeat.Post.MEMBER.value
CREATED = OrgEvent.Kind.CREATED.value
STEPLEN = Org.steplen
# Tables whose ids the generator allocates (rows refer to them); the others get theirs from the database.
ID_TABLES = ("orgs", "units", "members", "groups")


def step(n: int) -> str:
    """The treebeard path step of the n-th child (1-based): 1 → 0001, 36 → 0010."""
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _ALPHABET[r] + out
    if len(out) > STEPLEN:
        raise ValueError("too many children")
    return out.rjust(STEPLEN, "0")


# -- what a county (or the whole plan) produces -------------------------------------------------------
@dataclass
class Params:
    """Everything the generator needs from the database, read once (workers have no connection)."""

    as_of: dt.date
    min_join_age: int
    probation_months: int
    term_years: dict
    committee_from: int
    duties: list
    party_age_days: int
    created_summary: str
    county_depth: int = 3  # members' county_path is their org path cut at this depth

    @classmethod
    def read(cls, as_of: dt.date, county_depth: int = 3) -> Params:
        terms = engine.rule("ZB-05", on=as_of).params
        committee = engine.rule("ZB-04", on=as_of).params
        return cls(
            as_of=as_of,
            min_join_age=engine.rule("FZ-01", on=as_of).params["min_age_years"],
            probation_months=engine.rule("FZ-18", on=as_of).params["probation_months"],
            term_years={"village": terms["village_community_years"], "default": terms["default_years"]},
            committee_from=committee["committee_from_formal_members"],
            duties=list(committee["required_duties"]),
            party_age_days=round(engine.rule("ZB-06", on=as_of).params["secretary_min_party_years"] * 365.25),
            created_summary=_("成立"),
            county_depth=county_depth,
        )


@dataclass
class Progress:
    name: str
    orgs: int
    members: int
    total_orgs: int
    total_members: int
    seconds: float


@dataclass
class Done:
    """A finished subtree, as its parent needs it."""

    members: int  # in good standing, the subtree total
    orgs: int  # organizations in the subtree below the root
    pool: list  # (member id, name) candidates for the parent's committee
    leader: bool  # the parent's committee is drawn from here first


@dataclass
class CountyResult:
    name: str
    done: Done
    rows: dict
    counts: dict


class RowMaker:
    """Generates the rows of a subtree into per-table lists; no database access."""

    def __init__(self, params: Params, next_ids: dict[str, int]) -> None:
        self.params = params
        self.as_of = params.as_of
        self.next_ids = dict(next_ids)
        self.rows: dict[str, list] = {
            name: [] for name in ("orgs", "units", "org_units", "members", "groups", "seats", "events")
        }
        self.counts = {"orgs": 0, "units": 0, "members": 0, "normal": 0, "seats": 0, "groups": 0}
        self.people = People(
            params.as_of, min_join_age=params.min_join_age, probation_months=params.probation_months
        )

    def _id(self, table: str) -> int:
        n = self.next_ids[table]
        self.next_ids[table] = n + 1
        return n

    # -- the walk --------------------------------------------------------------------------------
    def visit(self, node: Node | Lazy, parent_path: str, depth: int, index: int, parent_code: str) -> Done:
        if isinstance(node, Lazy):
            return self.visit_lazy(node, parent_path, depth, index, parent_code)
        ctx: Ctx = node.ctx
        rng = ctx.rng
        org_id = self._id("orgs")
        path = parent_path + step(index)
        code = node.code or f"{parent_code}{index:03d}"
        term_start = self._term_start(rng, node.term)
        established = min(dt.date(node.established, rng.randint(1, 12), rng.randint(1, 28)), term_start)
        for i, spec in enumerate(node.units):
            unit_id = self._unit(ctx, spec, org_id, path)
            self.rows["org_units"].append((org_id, unit_id, i == 0))
        for spec in node.orphan_units:
            self._unit(ctx, spec, org_id, path)
        org_total = 0
        if node.kind in BRANCHES:
            people = self.people.branch(ctx, node, node.size)
            member_total, pool = self._branch(ctx, node, org_id, path, people, term_start)
            numchild = 0
        else:
            member_total = 0
            leaders: list = []
            others: list = []
            for done in self.children(node, path, depth, code):
                member_total += done.members
                org_total += done.orgs + 1
                (leaders if done.leader else others).extend(done.pool)
            numchild = len(node.children)
            rng.shuffle(leaders)
            rng.shuffle(others)
            candidates = leaders + others  # seats go to the leading branches' members first
            self._committee(node, org_id, candidates, term_start, rng)
            pool = candidates[:8]
        phone = f"{ctx.area_code}-{rng.randint(2000000, 8999999)}"
        self.rows["orgs"].append(
            (
                org_id, path, depth, numchild, code, node.name[:200], node.short[:100], node.kind,
                node.region, node.mobile, established, None, True, term_start, phone,
                (node.address or ctx.address)[:200], ctx.province_code, member_total, org_total,
            )
        )  # fmt: skip
        self.rows["events"].append((org_id, CREATED, established, self.params.created_summary))
        self.counts["orgs"] += 1
        self.after_org(node, depth, member_total, org_total)
        return Done(member_total, org_total, pool, node.leader_pool)

    def children(self, node: Node, path: str, depth: int, code: str):
        return [self.visit(child, path, depth + 1, i, code) for i, child in enumerate(node.children, start=1)]

    def visit_lazy(self, lazy: Lazy, parent_path: str, depth: int, index: int, parent_code: str) -> Done:
        return self.visit(lazy.build(), parent_path, depth, index, parent_code)

    def after_org(self, node: Node, depth: int, members: int, orgs: int) -> None:
        pass

    def _term_start(self, rng, term: str) -> dt.date:
        """Start of the current term: most within the term, some due within six months, a few overdue."""
        days = self.params.term_years[term] * 365
        r = rng.random()
        if r < 0.05:
            back = days + rng.randint(15, 420)
        elif r < 0.14:
            back = days - rng.randint(0, 180)
        else:
            back = rng.randint(20, days - 181)
        return self.as_of - dt.timedelta(days=back)

    def _unit(self, ctx: Ctx, spec: UnitSpec, org_id: int, path: str) -> int:
        if spec.db_id:
            return spec.db_id
        unit_id = spec.db_id = self._id("units")
        ctx.unit_seq += 1
        self.rows["units"].append(
            (
                unit_id, f"U{ctx.id_region}{ctx.unit_seq:05d}", spec.credit_code, spec.name[:200], spec.kind,
                spec.region, spec.township, spec.village, spec.employees, org_id, path, True,
            )
        )  # fmt: skip
        self.counts["units"] += 1
        return unit_id

    # -- a branch: members, its committee and party groups ------------------------------------------
    def _branch(self, ctx: Ctx, node: Node, org_id: int, path: str, people: list[Person], term_start):
        rng = ctx.rng
        params = self.params
        for p in people:
            p.id = self._id("members")
        normal = [p for p in people if p.standing == "normal"]
        formal = [p for p in normal if p.status == "formal"]
        # 班子: a secretary nearly always; a committee from seven formal members (ZB-04), its
        # members of at least a year's standing (ZB-06).
        latest_join = term_start - dt.timedelta(days=params.party_age_days)
        eligible = [p for p in formal if p.joined <= latest_join and p.category not in ("62", "63")]
        year = self.as_of.year
        prime = [p for p in eligible if 28 <= year - p.birth.year <= 62] or eligible
        posts: list[tuple[str, str]] = []
        if rng.random() >= 0.01:
            posts.append((SECRETARY, ""))
        if len(formal) >= params.committee_from:
            if len(formal) >= 15 and rng.random() < 0.3:
                posts.append((DEPUTY, ""))
            posts.extend((MEMBER, duty) for duty in params.duties if rng.random() < 0.93)
        elif len(formal) >= 3 and rng.random() < 0.05:
            posts.append((DEPUTY, ""))
        chosen = rng.sample(prime, min(len(prime), len(posts)))
        village = node.sector in ("village", "community")
        seats = self.rows["seats"]
        for (post, duty), p in zip(posts, chosen, strict=False):
            started = term_start
            if post != SECRETARY and rng.random() < 0.12:
                started = term_start + dt.timedelta(
                    days=rng.randint(30, max(31, (self.as_of - term_start).days))
                )
                started = min(started, self.as_of)
            seats.append((org_id, post, duty, p.id, p.name, started, None))
            if village:
                if post == SECRETARY:
                    p.job = (
                        "村党支部书记、村委会主任"
                        if node.sector == "village"
                        else "社区党组织书记、居委会主任"
                    )
                else:
                    p.job = "村党支部委员" if node.sector == "village" else "社区党组织委员"
            elif post == SECRETARY and node.sector in ("private", "soe", "social_org") and rng.random() < 0.5:
                p.job = "党支部书记"
        self.counts["seats"] += len(chosen)
        # 党小组 in larger branches; their number follows from the size (ids are reserved from it).
        group_of: dict[int, int] = {}
        n_groups = groups_for(len(people))
        if n_groups:
            per = -(-len(normal) // n_groups)
            for g in range(n_groups):
                group_id = self._id("groups")
                chunk = [p for p in normal[g * per : (g + 1) * per] if not p.mobile]
                leader = next((p for p in chunk if p.status == "formal"), chunk[0] if chunk else None)
                self.rows["groups"].append(
                    (group_id, org_id, f"第{cn(g + 1)}党小组", leader.name if leader else "")
                )
                for p in chunk:
                    if rng.random() < 0.95:
                        group_of[p.id] = group_id
            self.counts["groups"] += n_groups
        encrypt, blind = crypto.encrypt, crypto.blind_index
        mask_id, mask_phone = crypto.mask_id_number, crypto.mask_phone
        province = ctx.province_code
        mobile = node.mobile
        county_path = path[: params.county_depth * STEPLEN]
        rows = self.rows["members"]
        for p in people:
            number = p.id_number
            phone = p.phone
            rows.append(
                (
                    p.id, p.name, p.sex, p.ethnicity, encrypt(number), blind(number), mask_id(number),
                    p.birth, p.native, p.education, p.degree, p.category, p.work_unit[:200], p.job,
                    p.joined, p.converted, p.status, p.standing, encrypt(phone), mask_phone(phone),
                    p.address[:200], p.mobile or mobile, org_id, path, group_of.get(p.id), province,
                    county_path,
                )
            )  # fmt: skip
        self.counts["members"] += len(people)
        self.counts["normal"] += len(normal)
        pool = [(p.id, p.name) for p in prime[: 8 if node.leader_pool else 3]]
        return len(normal), pool

    # -- committees of 党委 / 党工委 / 党总支 -----------------------------------------------------------
    def _committee(self, node: Node, org_id: int, candidates: list, term_start, rng) -> None:
        if not candidates:
            return
        if node.kind in (COMMITTEE, WORKING):
            posts = [(SECRETARY, "")]
            posts += [(DEPUTY, "")] * rng.randint(1, 2)
            duties = ["组织委员", "宣传委员", "纪检委员", "统战委员", "武装委员", "青年委员", "妇女委员"]
            posts += [(MEMBER, d) for d in duties[: rng.randint(3, 5)]]
        elif node.kind == GENERAL:
            posts = [(SECRETARY, "")]
            if rng.random() < 0.3:
                posts.append((DEPUTY, ""))
            posts += [(MEMBER, d) for d in self.params.duties[: rng.randint(2, 3)]]
        else:
            return
        if rng.random() < 0.005:
            posts = posts[1:]  # a vacant secretary, to be filled
        chosen = candidates[: len(posts)]
        for (post, duty), (member_id, name) in zip(posts, chosen, strict=False):
            self.rows["seats"].append((org_id, post, duty, member_id, name, term_start, None))
        self.counts["seats"] += len(chosen)


def county_task(lazy: Lazy, params: Params, ids: dict, parent_path: str, depth: int, index: int, code: str):
    """Worker: one county's rows, with ids from the block reserved for it."""
    maker = RowMaker(params, ids)
    node = lazy.build()
    done = maker.visit(node, parent_path, depth, index, code)
    return CountyResult(node.short, done, maker.rows, maker.counts)


# -- the database side ----------------------------------------------------------------------------------
class Table:
    """A model's table: the columns we fill, then every other column with its default value (the
    primary key is left to the database when not filled)."""

    def __init__(self, model, supplied: list[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [a for a in supplied if a not in fields]
        if unknown:
            raise LookupError(f"{model.__name__} has no field {unknown}")
        now = timezone.now()
        others = [f for a, f in fields.items() if a not in supplied and not f.primary_key]
        self.model = model
        self.name = model._meta.db_table
        self.columns = [fields[a].column for a in supplied] + [f.column for f in others]
        extra = []
        for f in others:
            value = (
                now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
            )
            extra.append(f.get_db_prep_save(value, connection))
        self.extra = tuple(extra)
        self.date_positions = [
            i for i, a in enumerate(supplied) if fields[a].get_internal_type() == "DateField"
        ]


class PostgresSink:
    """COPY … FROM STDIN through psycopg, a table at a time."""

    def __init__(self) -> None:
        self.cursor = connection.cursor()

    def write(self, table: Table, rows: list[tuple]) -> None:
        columns = ", ".join(f'"{c}"' for c in table.columns)
        extra = table.extra
        with self.cursor.cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            write = copy.write_row
            if extra:
                for row in rows:
                    write(row + extra)
            else:
                for row in rows:
                    write(row)


class SqliteSink:
    def __init__(self) -> None:
        self.cursor = connection.connection.cursor()

    def write(self, table: Table, rows: list[tuple]) -> None:
        columns = ", ".join(f'"{c}"' for c in table.columns)
        marks = ", ".join("?" * len(table.columns))
        extra = table.extra
        positions = table.date_positions
        out = []
        for row in rows:
            if positions:
                row = list(row)
                for i in positions:
                    if row[i] is not None:
                        row[i] = row[i].isoformat()
                row = tuple(row)
            out.append(row + extra if extra else row)
        self.cursor.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', out)


def _tables() -> dict[str, Table]:
    return {
        "orgs": Table(
            Org,
            [
                "id", "path", "depth", "numchild", "code", "name", "short_name", "kind", "region_code",
                "for_mobile_members", "established_on", "dissolved_on", "is_active", "term_started_on",
                "phone", "address", "province_code", "member_total", "org_total",
            ],
        ),
        "units": Table(
            Unit,
            [
                "id", "code", "credit_code", "name", "kind", "region_code", "township", "village",
                "employees", "managing_org_id", "managing_path", "is_active",
            ],
        ),
        "org_units": Table(OrgUnit, ["org_id", "unit_id", "is_primary"]),
        "groups": Table(PartyGroup, ["id", "org_id", "name", "leader_name"]),
        "members": Table(
            Member,
            [
                "id", "name", "sex", "ethnicity", "id_number_enc", "id_number_hash", "id_number_masked",
                "birth_date", "native_place", "education", "degree", "category", "work_unit", "job_title",
                "joined_on", "converted_on", "status", "standing", "phone_enc", "phone_masked", "address",
                "is_mobile", "org_id", "org_path", "party_group_id", "province_code", "county_path",
            ],
        ),
        "seats": Table(
            CommitteeSeat, ["org_id", "post", "duty", "member_id", "person_name", "started_on", "ended_on"]
        ),
        "events": Table(OrgEvent, ["org_id", "kind", "on", "summary"]),
    }  # fmt: skip


class Writer(RowMaker):
    """Walks a plan, writing to the database as it goes; counties go to worker processes when
    `workers` > 0 (PostgreSQL)."""

    FLUSH_EVERY = 50_000  # member rows

    def __init__(
        self,
        *,
        as_of: dt.date,
        progress: Callable[[Progress], None] | None = None,
        workers: int | None = None,
        county_depth: int = 3,
    ) -> None:
        self.tables = _tables()
        next_ids = {
            name: (self.tables[name].model.objects.aggregate(m=Max("id"))["m"] or 0) + 1 for name in ID_TABLES
        }
        super().__init__(Params.read(as_of, county_depth), next_ids)
        self.progress = progress
        self.started = time.monotonic()
        postgres = connection.vendor == "postgresql"
        self.sink = PostgresSink() if postgres else SqliteSink()
        if workers is None:
            workers = (os.cpu_count() or 1) if postgres else 0
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def write(self, root: Node) -> tuple[int, str]:
        """Write the whole plan; returns the id and path of the root org."""
        index = Org.objects.filter(depth=1).count() + 1
        root_id = self.next_ids["orgs"]
        try:
            self.visit(root, "", 1, index, "")
            self.flush()
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        return root_id, step(index)

    def flush(self) -> None:
        for name, rows in self.rows.items():
            if rows:
                self.sink.write(self.tables[name], rows)
                self.rows[name] = []

    def after_org(self, node: Node, depth: int, members: int, orgs: int) -> None:
        if len(self.rows["members"]) >= self.FLUSH_EVERY:
            self.flush()
        if depth == 2 or (depth > 1 and node.code and node.ctx.level == "county"):
            self._report(node.short, orgs + 1, members)

    def _report(self, name: str, orgs: int, members: int) -> None:
        if self.progress:
            self.progress(
                Progress(
                    name,
                    orgs,
                    members,
                    self.counts["orgs"],
                    self.counts["normal"],
                    time.monotonic() - self.started,
                )
            )

    # -- counties in parallel --------------------------------------------------------------------
    def children(self, node: Node, path: str, depth: int, code: str):
        if not self.workers or not any(isinstance(c, Lazy) for c in node.children):
            return super().children(node, path, depth, code)
        results: list = []
        lazies = []
        for i, child in enumerate(node.children, start=1):
            if isinstance(child, Lazy):
                results.append(None)
                lazies.append((len(results) - 1, i, child))
            else:
                results.append(self.visit(child, path, depth + 1, i, code))
        if self.pool is None:
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=worker.setup)
        window = self.workers + 1  # results waiting in memory stay few
        pending = []
        for slot, i, lazy in lazies:
            pending.append((slot, self._submit(lazy, path, depth + 1, i, code)))
            if len(pending) >= window:
                self._collect(results, *pending.pop(0))
        while pending:
            self._collect(results, *pending.pop(0))
        return results

    def _submit(self, lazy: Lazy, path: str, depth: int, index: int, code: str):
        need = count(lazy.build())  # built here too, only to reserve exactly the ids it will use
        ids = {name: self.next_ids[name] for name in ID_TABLES}
        for name in ID_TABLES:
            self.next_ids[name] += need[name]
        return self.pool.submit(worker.county, lazy, self.params, ids, path, depth, index, code)

    def _collect(self, results: list, slot: int, future) -> None:
        result: CountyResult = future.result()
        self.flush()
        for name, rows in result.rows.items():
            if rows:
                self.sink.write(self.tables[name], rows)
        for key, value in result.counts.items():
            self.counts[key] += value
        results[slot] = result.done
        self._report(result.name, result.counts["orgs"], result.counts["normal"])
