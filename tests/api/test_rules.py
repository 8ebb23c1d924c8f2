"""/api/rules: the packs in force for the caller's scope and one rule explained."""

from __future__ import annotations

import datetime as dt

import pytest

from zugong.rules import services

pytestmark = pytest.mark.django_db


def _town_a_pack(tree):
    pack = services.pack_create(
        actor=None, org=tree.town_a, title="甲镇规定", level="county", effective_from=dt.date(2025, 1, 1)
    )
    services.rule_save(
        actor=None,
        pack=pack,
        rule_id="ZB-03",
        title="人数",
        params={"max_members": 40},
        article="第四条",
        effective_from=dt.date(2025, 1, 1),
    )


def test_pack_list_is_scoped(api, tree):
    _town_a_pack(tree)
    mine = api.get("/api/rules", "leader_a").json()
    theirs = api.get("/api/rules", "organizer_b").json()
    assert "甲镇规定" in {p["title"] for p in mine}
    assert "甲镇规定" not in {p["title"] for p in theirs}
    dues = next(p for p in mine if p["code"] == "party-dues")
    df02 = next(r for r in dues["rules"] if r["rule_id"] == "DF-02")
    assert df02["kind"] == "bracket" and df02["article"] == "第二条" and df02["source_url"].startswith("http")
    assert df02["params"]["brackets"][0] == {
        "upto": "3000",
        "rate": "0.005",
        "label": "3000元以下(含3000元)交纳0.5%",
    }


def test_explain_uses_the_date_and_the_org(api, tree):
    _town_a_pack(tree)
    body = api.get("/api/rules/FZ-16", "leader_a", on="2026-04-30").json()
    assert body["current"]["pack_version"] == "2014" and body["current"]["article"] == "第二十四条"
    assert [v["pack_version"] for v in body["national_versions"]] == ["2014", "2026"]
    local = api.get("/api/rules/zb-03", "leader_a", org=tree.branch_a1.code).json()
    assert (
        local["current"]["params"] == {"max_members": 40} and local["current"]["local_org_name"] == "甲镇党委"
    )
    assert "甲镇规定" in local["current"]["cite"]
    national = api.get("/api/rules/ZB-03", "organizer_b").json()
    assert national["current"]["params"] == {"max_members": 50} and national["local_versions"] == []
    assert api.get("/api/rules/NOPE-9", "leader_a").status_code == 404
    assert api.get("/api/rules/ZB-03", "leader_a", on="2025-02-30").status_code == 422
    assert api.get("/api/rules", "member").status_code == 404
