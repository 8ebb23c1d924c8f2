"""The member list under load: gunicorn with 2 sync workers on 127.0.0.1, loaded for N seconds at
C connections (one session each) from another process, against the one-query floor page in the
same run. Target: the list serves at least half the floor's requests per second.

On PostgreSQL the settings check repeats the list load with a stock setting put back (parallel
query on; no persistent connections), so each production setting shows what it is worth here.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

from bench import loadgen
from bench.context import Bench, member_page
from bench.core import Result, diff
from bench.scenarios.member_list import list_url, raw_page
from bench.server import Gunicorn
from bench.views import FLOOR_MARK

RESULTS = Path(__file__).resolve().parent.parent / "results"
TARGET_RATIO = 0.5


def _get(url: str, cookie: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def _served_problems(load: dict) -> list[str]:
    bad = {k: v for k, v in load["errors"].items() if v}
    out = [f"socket errors {bad}"] if bad else []
    if load["non_2xx"]:
        out.append(f"{load['non_2xx']} responses were not 2xx")
    if not load["requests"]:
        out.append("no request completed")
    return out


def _latency(load: dict) -> str:
    return f"p50 {load['p50_ms']:.1f} ms, p95 {load['p95_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms"


def _run_against(bench: Bench, base: str, cookies: list[str], org, flt) -> tuple[dict, dict, dict, list[str]]:
    """Check the answers over HTTP, then load the floor, the signed-in floor and the list page 1."""
    problems: list[str] = []
    floor_url = base + "/bench/floor/"
    signed_url = base + "/bench/floor/signed-in/"
    list_page_url = base + list_url(org, 1, flt)
    status, body = _get(floor_url)
    if status != 200 or FLOOR_MARK not in body:
        problems.append(f"floor page answered {status}")
    status, body = _get(signed_url, cookies[0])
    if status != 200 or FLOOR_MARK not in body:
        problems.append(f"signed-in floor page answered {status}")
    expected = raw_page(bench.raw, org, 1, flt)
    status, body = _get(list_page_url, cookies[0])
    problems += diff("list page 1 over HTTP", (status, member_page(body)), (200, expected))
    seconds, conns = bench.options.load_seconds, bench.options.load_connections
    floor = loadgen.load(floor_url, seconds=seconds, connections=conns, cookies=[])
    signed = loadgen.load(signed_url, seconds=seconds, connections=conns, cookies=cookies)
    listed = loadgen.load(list_page_url, seconds=seconds, connections=conns, cookies=cookies)
    problems += [f"floor: {p}" for p in _served_problems(floor)]
    problems += [f"signed-in floor: {p}" for p in _served_problems(signed)]
    problems += [f"list: {p}" for p in _served_problems(listed)]
    status, body = _get(list_page_url, cookies[0])
    problems += diff("list page 1 after the load", (status, member_page(body)), (200, expected))
    return floor, signed, listed, problems


def run(bench: Bench) -> list[Result]:
    org = bench.list_county()
    flt = bench.options.list_filter
    conns = bench.options.load_connections
    cookies = [bench.cookie(bench.new_session()) for _ in range(conns)]
    server = bench.options.server_url
    name = f"load: member list p1 vs floor ({conns} conns, {bench.options.load_seconds:g} s)"
    result = Result(
        "load",
        name,
        unit="req/s",
        target=f"≥ {TARGET_RATIO:.2f} × floor req/s",
        limit=TARGET_RATIO,
        higher_is_better=True,
        judge="ratio",
    )
    if server:
        floor, signed, listed, problems = _run_against(bench, server.rstrip("/"), cookies, org, flt)
        result.notes.append(f"server {server} (given)")
    else:
        with _gunicorn(bench, "production") as g:
            floor, signed, listed, problems = _run_against(bench, g.url, cookies, org, flt)
        result.notes.append("gunicorn 2 sync workers")
    result.errors += problems
    result.zugong, result.raw = [listed["rps"]], [floor["rps"]]
    result.notes += [
        f"list {_latency(listed)}",
        f"floor {floor['rps']:.0f} req/s, {_latency(floor)}",
        f"load by {listed['generator']}",
    ]
    result.extra = {"list": listed, "floor": floor, "signed_in_floor": signed, "org": org.code}
    # What the ratio can reach at all: the same one-query page behind the login, against the floor.
    ceiling = Result(
        "load",
        f"load: signed-in floor vs floor ({conns} conns, {bench.options.load_seconds:g} s)",
        unit="req/s",
        target="reference: the ceiling of any signed-in page",
        judge="ratio",
    )
    ceiling.zugong, ceiling.raw = [signed["rps"]], [floor["rps"]]
    ceiling.notes += [
        f"signed-in floor {_latency(signed)}",
        f"member list p1 / signed-in floor: {listed['rps'] / signed['rps']:.2f}×" if signed["rps"] else "",
    ]
    ceiling.extra = {"signed_in_floor": signed, "floor": floor}
    results = [result, ceiling]
    if bench.options.settings_check and bench.vendor == "postgresql" and not server and not problems:
        results += settings_check(bench, cookies, org, flt, listed)
    return results


def _gunicorn(bench: Bench, label: str, env: dict[str, str] | None = None) -> Gunicorn:
    return Gunicorn(
        db_url=bench.options.db_url or "",
        data_dir=bench.options.data_dir or "",
        log=RESULTS / f"gunicorn-{label}.log",
        env=env,
    )


STOCK = [
    ("max_parallel_workers_per_gather = 0", "parallel-2", {"BENCH_PG_PARALLEL": "2"}, "stock: 2"),
    ("persistent connections (CONN_MAX_AGE)", "conn-max-age-0", {"BENCH_CONN_MAX_AGE": "0"}, "stock: 0"),
]


def settings_check(bench: Bench, cookies: list[str], org, flt, production: dict) -> list[Result]:
    out = []
    url_path = list_url(org, 1, flt)
    for setting, label, env, stock in STOCK:
        result = Result(
            "settings",
            f"setting: {setting}",
            unit="req/s",
            target="production ≥ stock",
            limit=1.0,
            higher_is_better=True,
            judge="ratio",
        )
        with _gunicorn(bench, label, env) as g:
            status, body = _get(g.url + url_path, cookies[0])
            result.errors += diff(
                "list page 1", (status, member_page(body)), (200, raw_page(bench.raw, org, 1, flt))
            )
            stocked = loadgen.load(
                g.url + url_path,
                seconds=bench.options.load_seconds,
                connections=bench.options.load_connections,
                cookies=cookies,
            )
        result.errors += _served_problems(stocked)
        result.zugong, result.raw = [production["rps"]], [stocked["rps"]]
        result.notes += [f"{stock}: {stocked['rps']:.0f} req/s, {_latency(stocked)}"]
        result.extra = {"stock": stocked, "production": production}
        out.append(result)
    return out
