import datetime as dt

import pytest

from zugong.rules import engine
from zugong.rules.models import Rule, RulePack


@pytest.mark.django_db
def test_shipped_packs_are_loaded_with_articles():
    rule = engine.rule("ZB-05")
    assert rule.params["village_community_years"] == 5
    assert rule.params["default_years"] == 3
    assert "ZB-05" in rule.cite and "第" in rule.cite


@pytest.mark.django_db
def test_version_in_force_on_the_date_is_used():
    old = RulePack.objects.get(code="recruitment", version="2014")
    new = RulePack.objects.create(
        code="recruitment",
        version="2026",
        title="中国共产党发展党员工作细则(修订)",
        effective_from=dt.date(2026, 5, 1),
    )
    old.effective_to = dt.date(2026, 5, 1)
    old.save()
    Rule.objects.create(
        pack=new,
        rule_id="FZ-18",
        kind="deadline",
        title="预备期",
        params={"probation_months": 12, "extension_min_months": 6, "extension_max_months": 12},
        article="第三十三条",
    )
    engine.invalidate()
    assert engine.rule("FZ-18", on=dt.date(2020, 1, 1)).pack_version == "2014"
    assert engine.rule("FZ-18", on=dt.date(2026, 6, 1)).pack_version == "2026"
    assert engine.rule("FZ-18", on=dt.date(2026, 6, 1)).article == "第三十三条"


@pytest.mark.django_db
def test_unknown_rule_raises():
    with pytest.raises(engine.RuleNotFound):
        engine.rule("NOPE-1")
