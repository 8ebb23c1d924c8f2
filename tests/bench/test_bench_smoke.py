"""The benchmark harness on a tiny tree in the test database: every scenario runs and every answer
agrees with the raw database. Timing is not judged here (see docs/performance.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from bench.context import BENCH_USERNAME, Options, member_page, tree_rows
from bench.core import INFO, WRONG, Result, Settings
from bench.raw import Raw
from bench.runner import run
from bench.scenarios.dashboard import compare_summary, raw_summary, years_before
from bench.scenarios.member_list import raw_page
from zugong.accounts.models import User
from zugong.core.exceptions import NotInScope
from zugong.core.scope import NO_SCOPE, ROLE_PERMS, Role, Scope
from zugong.demo import seed as seeding
from zugong.members.models import Member
from zugong.orgs.models import Org
from zugong.stats.summary import dashboard_summary

AS_OF = dt.date(2026, 6, 30)
GROUPS = {"dashboard", "exact", "tree", "list", "load", "move", "orglife", "import"}


@pytest.fixture
def tiny(db):
    seeding.seed(scale="tiny", seed=2026, as_of=AS_OF)
    return Org.objects.get(depth=1)


@pytest.fixture
def tiny_committed(transactional_db, settings):
    """Committed, so the live server's threads see it; the harness's own transactions count."""
    settings.ROOT_URLCONF = "bench.urls"  # the floor page of the load scenario
    seeding.seed(scale="tiny", seed=2026, as_of=AS_OF)
    return Org.objects.get(depth=1)


def _by_group(results: list[Result]) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {}
    for r in results:
        out.setdefault(r.group, []).append(r)
    return out


def test_every_scenario_agrees_with_the_raw_database(tiny_committed, live_server):
    tiny = tiny_committed
    options = Options(
        scale="tiny",
        timing=Settings(repeat=1, warmup=0),
        load_seconds=1,
        load_connections=1,
        server_url=live_server.url,
        move_repeat=1,
    )
    report = run(options, log=lambda line: None)
    wrong = [(r.name, r.errors) for r in report.results if r.verdict == WRONG]
    assert not wrong
    groups = _by_group(report.results)
    assert set(groups) == GROUPS
    for group, rows in groups.items():
        for r in rows:
            if group == "import":  # no --db URL here: tests/bench/test_bench_import.py runs it
                assert r.verdict == INFO
            elif group == "exact":
                assert r.met is True
            else:
                assert r.zugong and r.raw, r.name  # measured, both ways
    assert "one commit counted" in groups["move"][0].notes  # org_move is one transaction
    assert groups["list"][0].extra["queries"] and len(groups["list"]) == 2
    load = groups["load"][0].extra
    assert load["list"]["requests"] and load["floor"]["requests"]
    assert not User.objects.filter(username=BENCH_USERNAME).exists()  # cleaned up
    assert Org.objects.get(pk=tiny.pk).member_total == tiny.member_total  # writes rolled back
    assert Member.objects.filter(name="基准测试").count() == 0


def test_dashboard_summary_equals_raw_counts_at_every_org(tiny):
    scope = Scope(role=Role.LEADER, root_path=tiny.path, perms=ROLE_PERMS[Role.LEADER])
    on = dt.date(2028, 2, 29)  # a leap day: band edges shift
    for org in Org.objects.all():
        summary = dashboard_summary(scope=scope, org=org, on=on)
        raw = raw_summary(Raw(connection), org.path, on)
        assert not compare_summary(summary, raw), org.code
        assert summary.members == raw["members"] == sum(summary.by_age_band.values())
        assert {k: v for k, v in summary.by_category.items() if v} == raw["by_category"]
        assert {k: v for k, v in summary.by_age_band.items() if v} == raw["by_age_band"]
        assert summary.orgs_by_kind == raw["orgs_by_kind"]
    with pytest.raises(NotInScope):
        dashboard_summary(scope=NO_SCOPE, org=tiny)
    member_scope = Scope(role=Role.MEMBER, root_path=tiny.path, perms=ROLE_PERMS[Role.MEMBER])
    with pytest.raises(NotInScope):
        dashboard_summary(scope=member_scope, org=tiny)


def test_years_before_handles_the_leap_day():
    assert years_before(dt.date(2028, 2, 29), 31) == "1997-02-28"
    assert years_before(dt.date(2028, 2, 29), 32) == "1996-02-29"
    assert years_before(dt.date(2026, 6, 30), 31) == "1995-06-30"


def test_page_readers(tiny, client):
    user = User.objects.create(username="reader", role=Role.DEPT_ADMIN, org=tiny)
    client.force_login(user)
    html = client.get(f"/orgs/{tiny.code}/children/").content.decode()
    rows = tree_rows(html)
    children = Org.objects.filter(depth=2, is_active=True).order_by("path")
    assert rows == [(o.code, o.member_total, o.org_total) for o in children]
    html = client.get(f"/members/?org={tiny.code}&sex=1&sort=name&page=2").content.decode()
    assert member_page(html) == raw_page(Raw(connection), tiny, 2, ("sex", "1"))


def test_a_fast_wrong_answer_fails_the_run(tiny, monkeypatch):
    from dataclasses import replace

    from bench.scenarios import dashboard

    real = dashboard.dashboard_summary

    def off_by_one(**kwargs):
        summary = real(**kwargs)
        return replace(summary, by_sex={**summary.by_sex, "1": summary.by_sex.get("1", 0) + 1})

    monkeypatch.setattr(dashboard, "dashboard_summary", off_by_one)
    options = Options(scale="tiny", timing=Settings(repeat=1, warmup=0))
    report = run(options, only=["dashboard"], log=lambda line: None)
    assert report.wrong and all(r.verdict == WRONG for r in report.results)
    assert "by_sex" in report.wrong[0].errors[0]
