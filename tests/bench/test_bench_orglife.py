"""The orglife scenario: zugong's compliance and the hand-written SQL agree on a seeded tree, and a
fast wrong answer fails the run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from bench.context import Options
from bench.core import WRONG, Settings
from bench.raw import Raw
from bench.runner import run
from bench.scenarios import orglife as scenario
from zugong.demo import seed as seeding
from zugong.orglife.compliance import Window
from zugong.orgs.models import Org

AS_OF = dt.date(2026, 11, 20)


@pytest.fixture
def tiny(db):
    seeding.seed(scale="tiny", seed=2026, as_of=AS_OF)
    return Org.objects.get(depth=1)


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2026, 3, 31), dt.date(2026, 12, 31), dt.date(2027, 1, 1)])
def test_raw_sql_equals_compliance_on_any_day(tiny, as_of):
    raw = Raw(connection)
    for org in (tiny, Org.objects.filter(depth=2).order_by("-member_total").first()):
        ours = scenario.zugong_tallies(org.path, Window(as_of.year if as_of.month > 1 else 2026), as_of)
        theirs = scenario.raw_tallies(raw, org.path, as_of.year if as_of.month > 1 else 2026, as_of)
        assert ours == theirs and ours
    year = AS_OF.year
    ours_stream = scenario.zugong_stream(tiny.path, Window(year), AS_OF)
    assert ours_stream == scenario.raw_stream(raw, tiny.path, year, AS_OF)


def test_scenario_runs_and_a_wrong_answer_fails(tiny, monkeypatch):
    options = Options(scale="tiny", timing=Settings(repeat=1, warmup=0))
    report = run(options, only=["orglife"], log=lambda line: None)
    assert [r.verdict for r in report.results if r.verdict == WRONG] == []
    assert len(report.results) == 2 and all(r.zugong and r.raw for r in report.results)
    assert "red" in report.results[0].notes[-1]

    real = scenario.compliance.branch_tallies

    def one_more_met(root_path, window, *, as_of=None):
        out = real(root_path, window, as_of=as_of)
        first = min(out)
        out[first].met += 1
        return out

    monkeypatch.setattr(scenario.compliance, "branch_tallies", one_more_met)
    report = run(options, only=["orglife"], log=lambda line: None)
    assert report.results[0].verdict == WRONG and "met/missed" in report.results[0].errors[0]
