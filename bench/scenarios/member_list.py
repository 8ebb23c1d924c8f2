"""The member list of a county subtree: 50 rows, one filter, sorted by name, at page 1 and page 200,
through the test Client (logged in), with the number of queries of each page.

raw: the same page and the pager's count by hand-written SQL (the join for the branch name too).
"""

from __future__ import annotations

import json
import math
from urllib.parse import urlencode

from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.context import Bench, member_page
from bench.core import Probe, Result, diff, measure
from bench.explain import plans
from zugong.core.views import PAGE_SIZE

TARGET_MS = {"postgresql": 100.0, "sqlite": 50.0}  # the issue: 100 ms on PostgreSQL, 50 on SQLite
MAX_QUERIES = 10


def list_url(org, page: int, flt: tuple[str, str]) -> str:
    query = {"org": org.code, flt[0]: flt[1], "sort": "name", "page": page}
    return reverse("members:list") + "?" + urlencode(query)


def raw_page(raw, org, page: int, flt: tuple[str, str]) -> tuple[list[int], int]:
    column, value = flt
    if column not in {"sex", "status", "ethnicity", "category"}:
        raise ValueError(column)
    where = f"m.org_path >= %s AND m.org_path < %s AND m.standing = 'normal' AND m.{column} = %s"
    params = (org.path, org.path + "~", value)
    total = raw.one(f"SELECT COUNT(*) FROM members_member m WHERE {where}", params)
    page = max(1, min(page, math.ceil(total / PAGE_SIZE)))  # the paginator shows the last page
    rows = raw.all(
        "SELECT m.id, m.name, m.sex, m.ethnicity, m.birth_date, m.education, m.status, m.joined_on,"
        " m.id_number_masked, m.phone_masked, m.is_mobile, m.standing, o.name"
        f" FROM members_member m JOIN orgs_org o ON o.id = m.org_id WHERE {where}"
        " ORDER BY m.name, m.id LIMIT %s OFFSET %s",
        (*params, PAGE_SIZE, (page - 1) * PAGE_SIZE),
    )
    return [r[0] for r in rows], total


def run(bench: Bench) -> list[Result]:
    org = bench.list_county()
    flt = bench.options.list_filter
    client = bench.http_client()
    limit = TARGET_MS.get(bench.vendor, 100.0)
    results = []
    queries: dict[int, int] = {}
    for page in (1, bench.options.list_page):
        url = list_url(org, page, flt)

        def ours(url=url):
            response = client.get(url)
            if response.status_code != 200:
                return ("status", response.status_code)
            return member_page(response.content.decode())

        def raw(page=page):
            return raw_page(bench.raw, org, page, flt)

        result = Result(
            "list",
            f"member list: county, page {page}",
            target=f"p95 ≤ {limit:.0f} ms, fixed queries",
            limit=limit,
            notes=[f"{org.code} ({org.member_total:,} members), {flt[0]}={flt[1]}, sort=name"],
            extra={"url": url},
        )
        measure(
            result, [Probe(f"page {page}", ours, raw, lambda a, b: diff("page", a, b))], bench.options.timing
        )
        with CaptureQueriesContext(bench.connection) as captured:
            client.get(url)
        queries[page] = len(captured)
        result.extra["queries"] = [q["sql"] for q in captured.captured_queries]
        result.extra["plans"] = plans(bench.connection, result.extra["queries"])
        result.notes.append(f"{len(captured)} queries")
        if len(captured) > MAX_QUERIES:
            result.met = False  # slow by design even when fast now
            result.notes.append(f"more than {MAX_QUERIES} queries")
        results.append(result)
    if bench.raw.pg:
        results[0].notes.append(estimate(bench, org))
    if len(set(queries.values())) > 1:  # the issue asks for a fixed number: treated as a wrong result
        results[-1].errors.append(f"query count depends on the page: {queries}")
    return results


def estimate(bench: Bench, org) -> str:
    """The planner's row estimate for the county's path range against the truth: what the higher
    statistics target on org_path is for (PERFORMANCE.md: 799 guessed for 53,198)."""
    rng = (org.path, org.path + "~")
    plan = bench.raw.one(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM members_member WHERE org_path >= %s AND org_path < %s", rng
    )
    plan = json.loads(plan) if isinstance(plan, str) else plan
    guessed = plan[0]["Plan"]["Plan Rows"]
    actual = bench.raw.one("SELECT COUNT(*) FROM members_member WHERE org_path >= %s AND org_path < %s", rng)
    return f"planner estimate {guessed:,} rows for {actual:,}"
