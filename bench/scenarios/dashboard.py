"""Dashboard summary of a subtree, and its exactness right after writes.

zugong: `org_get` + `stats.summary.dashboard_summary` with the bench account's scope (the selector a
dashboard view calls; measured without HTTP and rendering).
raw: the same counts by one hand-written GROUP BY. Its age-band boundaries come from shifting the
date's year (not from zugong's `birth_range`) and its category parents from the code file (not
from the code table), so a mistake in either implementation shows as a difference.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.db import transaction

import zugong.core
from bench.context import Bench
from bench.core import Probe, Result, diff, measure
from bench.explain import capture, plans
from zugong.core import crypto, idnumber
from zugong.members import mobility as mobility_services
from zugong.members import services as member_services
from zugong.members.models import Member
from zugong.members.selectors import AGE_BANDS
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.orgs.selectors import org_get
from zugong.stats.summary import dashboard_summary

TARGET_MS = 50.0


def _category_parents() -> dict[str, str]:
    path = Path(zugong.core.__file__).parent / "data" / "codes" / "occupation.json"
    items = json.loads(path.read_text(encoding="utf-8"))["items"]
    return {i["code"]: i["parent"] for i in items if i.get("parent")}


def years_before(on: dt.date, years: int) -> str:
    """The same day `years` earlier as an ISO string; 29 February of a common year becomes the 28th
    (for a strict "born after" comparison the two are the same boundary)."""
    text = f"{on.year - years:04d}{on.isoformat()[4:]}"
    leap = (on.year - years) % 4 == 0 and ((on.year - years) % 100 != 0 or (on.year - years) % 400 == 0)
    return text.replace("-02-29", "-02-28") if text.endswith("-02-29") and not leap else text


def band_sql(raw, on: dt.date) -> tuple[str, list[str]]:
    """CASE giving the AGE_BANDS key: aged at most H on `on` ⟺ born after the day H+1 years before."""
    cases, params = [], []
    default = AGE_BANDS[-1][0]
    for key, _label, _low, high in AGE_BANDS:
        if high is None:
            default = key
            continue
        cases.append(f"WHEN birth_date > {raw.date()} THEN '{key}'")
        params.append(years_before(on, high + 1))
    return "CASE " + " ".join(cases) + f" ELSE '{default}' END", params


def raw_summary(raw, path: str, on: dt.date) -> dict:
    """The dashboard's numbers, by hand: a GROUP BY over the subtree's path range."""
    parents = _category_parents()
    top = "CASE " + " ".join(f"WHEN category = '{c}' THEN '{p}'" for c, p in parents.items())
    top += " ELSE category END"
    band, band_params = band_sql(raw, on)
    sql = f"""
        SELECT sex, substr(education, 1, 1), {top}, {band}, COUNT(*)
        FROM members_member
        WHERE org_path >= %s AND org_path < %s AND standing = 'normal'
        GROUP BY 1, 2, 3, 4
    """
    params = (*band_params, path, path + "~")
    out: dict = {"by_sex": {}, "by_education": {}, "by_age_band": {}, "by_category": {}}
    total = 0
    for sex, edu, cat, band, n in raw.all(sql, params):
        total += n
        for key, value in (
            ("by_sex", sex),
            ("by_education", edu),
            ("by_age_band", band),
            ("by_category", cat),
        ):
            out[key][value] = out[key].get(value, 0) + n
    kinds = raw.all(
        "SELECT kind, COUNT(*) FROM orgs_org WHERE path > %s AND path < %s AND is_active = %s GROUP BY kind",
        (path, path + "~", True),
    )
    out["orgs_by_kind"] = dict(kinds)
    out["members"] = total
    out["orgs"] = sum(n for _k, n in kinds)
    return out


def _nonzero(d: dict) -> dict:
    return {k: v for k, v in d.items() if v}


def compare_summary(summary, raw: dict) -> list[str]:
    problems: list[str] = []
    problems += diff("members (stored total vs COUNT)", summary.members, raw["members"])
    problems += diff("orgs (stored total vs COUNT)", summary.orgs, raw["orgs"])
    for key in ("by_sex", "by_education", "by_age_band", "by_category", "orgs_by_kind"):
        problems += diff(key, _nonzero(getattr(summary, key)), _nonzero(raw[key]))
    return problems


def _probe(bench: Bench, level: str, org: Org, on: dt.date) -> Probe:
    code, path = org.code, org.path

    def ours():
        scope = bench.scope
        return dashboard_summary(scope=scope, org=org_get(scope=scope, code=code), on=on)

    return Probe(f"{level} {code}", ours, lambda: raw_summary(bench.raw, path, on), compare_summary)


def run(bench: Bench) -> list[Result]:
    on = dt.date.today()
    results = []
    for level, orgs in bench.levels():
        sizes = sorted(o.member_total for o in orgs)
        result = Result(
            "dashboard",
            f"dashboard: {level}",
            target=f"p95 ≤ {TARGET_MS:.0f} ms",
            limit=TARGET_MS,
            notes=[f"orgs: {len(orgs)}, {sizes[0]:,}–{sizes[-1]:,} members"],
            extra={"orgs": [o.code for o in orgs], "members": [o.member_total for o in orgs]},
        )
        probes = [_probe(bench, level, o, on) for o in orgs]
        results.append(measure(result, probes, bench.options.timing))
        if not result.errors:  # how the largest org of the level is read
            result.extra["plans"] = plans(bench.connection, capture(bench.connection, probes[0].zugong))
    results.append(exactness(bench, on))
    return results


# -- exactness after writes ------------------------------------------------------------------------
def _new_member_fields(on: dt.date) -> dict:
    """A member who turns 31 tomorrow (the last day of the youngest band: an off-by-one in the band
    arithmetic shows), with an unused ID number."""
    birth = on - relativedelta(years=31) + dt.timedelta(days=1)
    for seq in range(100):
        for region in ("149901", "149902", "149903"):
            number = idnumber.make(region, birth, seq, "2")
            if not Member.objects.filter(id_number_hash=crypto.blind_index(number)).exists():
                break
        else:
            continue
        break
    joined = birth + relativedelta(years=22)
    return {
        "name": "基准测试",
        "sex": "2",
        "ethnicity": "01",
        "id_number": number,
        "birth_date": birth,
        "education": "14",
        "category": "32",
        "joined_on": joined,
        "converted_on": joined + relativedelta(years=1),
        "status": Member.Status.FORMAL,
        "phone": "13900000000",
    }


def _two_branches(bench: Bench) -> tuple[Org, Org]:
    """A branch with members, and one under a different township (so the move crosses levels)."""
    branches = Org.objects.filter(kind__in=BRANCH_KINDS, is_active=True, member_total__gte=2).order_by("path")
    first = branches.first()
    township = first.path[: (bench.county_depth() + 1) * Org.steplen]
    second = branches.exclude(path__gte=township, path__lt=township + "~").order_by("-path").first()
    return first, second or branches.exclude(pk=first.pk).last()


def exactness(bench: Bench, on: dt.date) -> Result:
    """Add, move and remove a member through the services (in a transaction rolled back at the
    end) and compare the summaries of every affected subtree with raw counts after each write,
    including the expected change itself (a summary that ignores writes is wrong too)."""
    result = Result("exact", "dashboard: exact after add/move/remove", target="equal to raw COUNT")
    actor = bench.user
    b1, b2 = _two_branches(bench)
    watch = sorted(
        {b1.path[:n] for n in range(4, len(b1.path) + 1, 4)}
        | {b2.path[:n] for n in range(4, len(b2.path) + 1, 4)}
    )
    orgs = {o.path: o for o in Org.objects.filter(path__in=watch)}

    def check(step: str) -> dict[str, object]:
        scope = bench.scope
        seen = {}
        for path in watch:
            summary = dashboard_summary(scope=scope, org=Org.objects.get(pk=orgs[path].pk), on=on)
            problems = compare_summary(summary, raw_summary(bench.raw, path, on))
            result.errors.extend(f"after {step}, {orgs[path].code}: {p}" for p in problems)
            seen[path] = summary
        return seen

    with transaction.atomic():
        before = check("nothing")
        member = member_services.member_create(actor=actor, org=b1, **_new_member_fields(on))
        added = check("add")
        expect(result, "add", before, added, [(b1.path, +1)])
        member_services.member_change_org(actor=actor, member=member, to_org=b2, on=on, note="基准测试")
        moved = check("move")
        expect(result, "move", added, moved, [(b1.path, -1), (b2.path, +1)])
        # 出党 through its flow (members/mobility.py): 党籍状态 is not an editable field
        mobility_services.member_remove(
            actor=actor,
            member=member,
            on=on,
            removal="persuaded",
            reason="基准测试",
            decided_by="基准测试党委",
            decision_ref="基准〔2026〕1号",
        )
        removed = check("remove")
        expect(result, "remove", moved, removed, [(b2.path, -1)])
        transaction.set_rollback(True)
    result.met = not result.errors
    result.notes.append(f"{len(watch)} subtrees checked after each write, then rolled back")
    return result


def expect(result: Result, step: str, before: dict, after: dict, changes: list[tuple[str, int]]) -> None:
    """The member (a woman in the youngest band) counts in her branch's line of ancestors only."""
    for path, summary in after.items():
        d = sum(delta for branch_path, delta in changes if branch_path.startswith(path))
        old = before[path]
        got = (
            summary.members - old.members,
            summary.by_sex.get("2", 0) - old.by_sex.get("2", 0),
            summary.by_age_band["-30"] - old.by_age_band["-30"],
        )
        if got != (d, d, d):
            result.errors.append(f"after {step}, {summary.org_code}: changed by {got}, expected {(d, d, d)}")
