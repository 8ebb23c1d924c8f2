"""Local packs: only tighter than the rule above, dated versions instead of overwrites, scope,
audit, subtree moves, and importing a local pack file."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zugong.core.exceptions import NotInScope
from zugong.core.models import AuditEntry
from zugong.orgs import services as org_services
from zugong.rules import engine, packs, services
from zugong.rules.models import Rule, RulePack

D = dt.date
pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _pack(org, actor=None, **kw):
    values = {"title": "本地规定", "level": "county", "effective_from": D(2025, 1, 1)} | kw
    return services.pack_create(actor=actor, org=org, **values)


def _save(pack, rule_id, params, actor=None, **kw):
    values = {"title": "本地收紧", "article": "第一条"} | kw
    return services.rule_save(actor=actor, pack=pack, rule_id=rule_id, params=params, **values)


def _errors(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def _obligation(times, per, kind="party_lecture", label="党课"):
    return {
        "obligations": [
            {"meeting_kind": kind, "label": label, "times": times, "per": per, "applies_to": "branch"}
        ]
    }


# -- tightening ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("times", "per"),
    [(1, "quarter"), (1, "month"), (2, "year"), (4, "quarter")],
)
def test_a_frequency_may_rise_or_its_period_shorten(tree, times, per):
    row = _save(_pack(tree.town_a), "ZB-11", _obligation(times, per))
    assert row.params["obligations"][0]["per"] == per


@pytest.mark.parametrize(
    ("rule_id", "params", "words"),
    [
        ("ZB-09", _obligation(1, "quarter", "branch_committee", "支部委员会会议"), ["每月1次", "每季度1次"]),
        ("ZB-09", _obligation(3, "quarter", "branch_committee", "支部委员会会议"), ["每月1次", "每季度3次"]),
        ("ZB-08", _obligation(1, "year", "branch_assembly", "支部党员大会"), ["每季度1次", "每年1次"]),
        ("ZB-13", _obligation(1, "year", "life_meeting", "组织生活会"), ["民主评议党员频次", "未规定"]),
    ],
)
def test_a_looser_frequency_is_refused_naming_both_values(tree, rule_id, params, words):
    with pytest.raises(ValidationError) as exc:
        _save(_pack(tree.town_a), rule_id, params)
    text = _errors(exc)
    assert "不能放宽" in text and rule_id in text
    for word in words:
        assert word in text


def _q(present, passing=None):
    out = {"present": {"op": present[0], "fraction": present[1], "base": "voting_expected"}}
    if passing:
        out["pass"] = {"op": passing[0], "fraction": passing[1], "base": "voting_expected"}
    return {"quorum": out}


@pytest.mark.parametrize(
    ("params", "ok"),
    [
        (_q(("gt", "1/2"), ("gt", "2/3")), True),
        (_q(("gte", "2/3"), ("gt", "1/2")), True),
        (_q(("gt", "2/3"), ("gte", "2/3")), True),
        (_q(("gte", "1/2"), ("gt", "1/2")), False),  # gte is looser than gt at the same fraction
        (_q(("gt", "2/5"), ("gt", "1/2")), False),
        (_q(("gt", "1/2")), False),  # dropping the pass clause
    ],
)
def test_quorum_fractions_only_rise(tree, params, ok):
    pack = _pack(tree.town_a)
    if ok:
        assert _save(pack, "FZ-14", params).params["quorum"] == params["quorum"]
    else:
        with pytest.raises(ValidationError) as exc:
            _save(pack, "FZ-14", params)
        assert "不能放宽FZ-14" in _errors(exc)


def test_quorum_message_names_parameter_and_values(tree):
    with pytest.raises(ValidationError) as exc:
        _save(_pack(tree.town_a), "ZB-17", _q(("gte", "4/5"), ("gt", "1/2")))
    assert _errors(exc) == "不能放宽ZB-17:参数“到会人数”全国规定为超过五分之四,本地为不少于五分之四"


def test_a_deadline_may_only_shorten(tree):
    pack = _pack(tree.town_a)
    assert _save(pack, "FZ-03", {"within_months": 1}).params == {"within_months": 1}
    with pytest.raises(ValidationError) as exc:
        _save(_pack(tree.town_b), "FZ-16", {"within_months": 4})
    assert "参数“办理时限(月)”全国规定为3,本地为4" in _errors(exc)
    assert _save(_pack(tree.town_b), "FZ-16", {"within_months": 2})


def test_an_earliest_date_may_only_move_later(tree):
    assert _save(_pack(tree.town_a), "GB-07", {"min_workdays": 7}).params["min_workdays"] == 7
    with pytest.raises(ValidationError) as exc:
        _save(_pack(tree.town_b), "GB-07", {"min_workdays": 3})
    assert "公示期(工作日,下限)" in _errors(exc)


def test_thresholds_follow_their_declared_direction(tree):
    assert _save(_pack(tree.town_a), "ZB-03", {"max_members": 30}).params["max_members"] == 30
    with pytest.raises(ValidationError) as exc:
        _save(_pack(tree.town_b), "ZB-03", {"max_members": 60})
    assert "党员人数(上限)" in _errors(exc) and "50" in _errors(exc) and "60" in _errors(exc)
    duties = ["组织委员", "宣传委员", "纪检委员", "青年委员"]
    assert (
        _save(_pack(tree.branch_a1), "ZB-04", {"required_duties": duties}).params["required_duties"] == duties
    )
    with pytest.raises(ValidationError):
        _save(_pack(tree.branch_b1), "ZB-04", {"required_duties": ["组织委员"]})


def test_undeclared_and_fixed_params_cannot_change(tree):
    with pytest.raises(ValidationError) as exc:
        _save(_pack(tree.town_a), "DF-02", {"mode": "marginal"})
    assert "不能在本地修改" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        _save(_pack(tree.town_a), "FZ-18", {"probation_months": 6})
    assert "预备期(月)" in _errors(exc)
    with pytest.raises(ValidationError):
        _save(_pack(tree.town_a), "ZB-03", {"max_members": 30, "new_param": 1})


def test_a_deeper_pack_may_not_loosen_its_ancestors_pack(tree):
    _save(_pack(tree.county), "ZB-11", _obligation(1, "month"))
    with pytest.raises(ValidationError) as exc:
        _save(_pack(tree.town_a), "ZB-11", _obligation(1, "quarter"))
    assert "每月1次" in _errors(exc) and "每季度1次" in _errors(exc)


def test_unknown_national_rule_or_bad_local_id(tree):
    pack = _pack(tree.town_a)
    with pytest.raises(ValidationError) as exc:
        _save(pack, "ZB-99", {})
    assert "L-" in _errors(exc)
    with pytest.raises(ValidationError):
        _save(pack, "L-党课", {"x": 1}, kind="threshold")
    with pytest.raises(ValidationError):
        _save(pack, "L-ZB-20", {}, kind="frequency")  # a frequency rule needs obligations
    row = _save(pack, "L-ZB-20", _obligation(1, "month", "dual_report", "双报到"), kind="frequency")
    assert row.rule_id == "L-ZB-20" and row.base_pack is None


# -- versions ---------------------------------------------------------------------------------------
def test_editing_a_rule_in_force_closes_it_and_starts_a_new_version(tree):
    pack = _pack(tree.town_a, effective_from=D(2025, 1, 1))
    first = _save(pack, "ZB-11", _obligation(1, "quarter"), effective_from=D(2025, 1, 1))
    second = _save(pack, "ZB-11", _obligation(1, "month"))
    first.refresh_from_db()
    assert first.effective_to == TODAY and second.effective_from == TODAY and second.pk != first.pk
    # The past is judged as it was.
    old = engine.rule("ZB-11", on=TODAY - dt.timedelta(days=1), org=tree.branch_a1)
    assert old.params["obligations"][0]["per"] == "quarter"
    assert engine.rule("ZB-11", on=TODAY, org=tree.branch_a1).params["obligations"][0]["per"] == "month"
    assert engine.rule("ZB-11", on=TODAY, org=tree.branch_a1).pack_version.endswith(TODAY.isoformat())
    assert AuditEntry.objects.filter(action="rules.rule_version").count() == 1


def test_a_new_version_cannot_be_backdated(tree):
    pack = _pack(tree.town_a, effective_from=D(2025, 1, 1))
    _save(pack, "ZB-11", _obligation(1, "quarter"), effective_from=D(2025, 1, 1))
    with pytest.raises(ValidationError) as exc:
        _save(pack, "ZB-11", _obligation(1, "month"), effective_from=D(2025, 6, 1))
    assert "不能早于今天" in _errors(exc)


def test_a_rule_not_yet_in_force_is_edited_in_place(tree):
    future = TODAY + dt.timedelta(days=30)
    pack = _pack(tree.town_a, effective_from=future)
    first = _save(pack, "ZB-11", _obligation(1, "quarter"))
    second = _save(pack, "ZB-11", _obligation(1, "month"))
    assert first.pk == second.pk and Rule.objects.filter(pack=pack).count() == 1


def test_ending_a_rule(tree):
    pack = _pack(tree.town_a, effective_from=D(2025, 1, 1))
    row = _save(pack, "ZB-11", _obligation(1, "quarter"), effective_from=D(2025, 1, 1))
    services.rule_end(actor=None, rule=row)
    row.refresh_from_db()
    assert row.effective_to == TODAY
    assert not engine.rule("ZB-11", on=TODAY, org=tree.branch_a1).is_local
    with pytest.raises(ValidationError):
        services.rule_end(actor=None, rule=row)
    future = _save(
        _pack(tree.town_b, effective_from=TODAY + dt.timedelta(days=5)), "ZB-11", _obligation(1, "month")
    )
    services.rule_end(actor=None, rule=future)
    assert not Rule.objects.filter(pk=future.pk).exists()


def test_pack_dates_protect_the_past(tree):
    pack = _pack(tree.town_a, effective_from=D(2025, 1, 1))
    with pytest.raises(ValidationError):
        services.pack_update(actor=None, pack=pack, effective_from=D(2025, 2, 1))
    with pytest.raises(ValidationError):
        services.pack_update(actor=None, pack=pack, effective_to=D(2025, 6, 1))
    services.pack_update(actor=None, pack=pack, effective_to=TODAY + dt.timedelta(days=1), title="改名")
    pack.refresh_from_db()
    assert pack.title == "改名"


def test_shipped_packs_cannot_be_changed(tree):
    national = RulePack.objects.get(code="branch-work")
    with pytest.raises(ValidationError):
        services.pack_update(actor=None, pack=national, title="x")
    with pytest.raises(ValidationError):
        services.rule_save(actor=None, pack=national, rule_id="ZB-11", title="x", params={}, article="x")


# -- scope and audit ------------------------------------------------------------------------------------
def test_editors_work_in_their_subtree_only(tree, accounts):
    organizer_a = accounts["organizer_a"]
    pack = _pack(tree.branch_a1, actor=organizer_a)
    _save(pack, "ZB-03", {"max_members": 40}, actor=organizer_a)
    with pytest.raises(NotInScope):
        _pack(tree.town_b, actor=organizer_a)
    with pytest.raises(NotInScope):
        _pack(tree.county, actor=organizer_a)  # above its subtree
    with pytest.raises(PermissionDenied):
        _pack(tree.branch_a1, actor=accounts["secretary_a1"])
    with pytest.raises(PermissionDenied):
        _pack(tree.town_a, actor=accounts["leader_a"])
    with pytest.raises(NotInScope):
        _save(pack, "ZB-03", {"max_members": 30}, actor=accounts["organizer_b"])
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "org_path"))
    assert actions[-2:] == [
        ("rules.pack_create", tree.branch_a1.path),
        ("rules.rule_add", tree.branch_a1.path),
    ]


def test_local_packs_follow_a_subtree_move(tree):
    pack = _pack(tree.general_a)
    _save(pack, "ZB-03", {"max_members": 30})
    org_services.org_move(actor=None, org=tree.general_a, new_parent=tree.town_b)
    pack.refresh_from_db()
    general = type(tree.general_a).objects.get(pk=tree.general_a.pk)
    assert pack.org_path == general.path and pack.org_path.startswith(tree.town_b.path)
    branch = type(tree.branch_a2).objects.get(pk=tree.branch_a2.pk)
    assert engine.rule("ZB-03", org=branch).params["max_members"] == 30


# -- importing a local pack -------------------------------------------------------------------------------
def test_the_example_pack_imports_and_tightens_zb11(tree):
    data = json.loads((packs.EXAMPLE_DIR / "county-practice.json").read_text(encoding="utf-8"))
    pack = services.pack_load_local(actor=None, org=tree.county, data=data)
    assert pack.org == tree.county and not pack.is_shipped
    ids = set(pack.rules.values_list("rule_id", flat=True))
    assert {"ZB-11", "L-ZB-18", "L-XJ-01", "L-XJ-02", "L-RR-01", "L-RR-02", "L-CX-02", "L-CX-05"} <= ids
    lecture = engine.rule("ZB-11", on=D(2025, 6, 1), org=tree.branch_b1)
    assert lecture.is_local and lecture.params["obligations"][0]["per"] == "quarter"
    assert pack.rules.get(rule_id="L-XJ-01").confidence == "L"


def test_a_looser_local_file_is_refused_whole(tree):
    data = {
        "title": "放宽的规定",
        "level": "county",
        "effective_from": "2025-01-01",
        "rules": [
            {"id": "ZB-03", "title": "人数", "params": {"max_members": 40}, "article": "一"},
            {
                "id": "ZB-09",
                "title": "支委会",
                "params": _obligation(1, "quarter", "branch_committee", "支部委员会会议"),
                "article": "二",
            },
        ],
    }
    with pytest.raises(ValidationError) as exc:
        services.pack_load_local(actor=None, org=tree.county, data=data)
    assert "ZB-09" in _errors(exc)
    assert not RulePack.objects.filter(title="放宽的规定").exists()


def test_example_packs_are_not_loaded_by_default():
    assert not RulePack.objects.filter(code__startswith="example-").exists()
    assert all(p.org_id is None for p in RulePack.objects.all())
