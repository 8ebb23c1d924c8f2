"""What the rules pages show: every rule with readable parameters and its source, the versions,
the tightening errors on the form, the calendar marks; and the list page's query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zugong.rules import services
from zugong.rules.models import RulePack

pytestmark = pytest.mark.django_db


def _login(client, accounts, who):
    client.force_login(accounts[who])
    return client


def _local_pack(tree, org=None, title="甲镇党委组织生活规定"):
    pack = services.pack_create(
        actor=None, org=org or tree.town_a, title=title, level="county", effective_from=dt.date(2025, 1, 1)
    )
    services.rule_save(
        actor=None,
        pack=pack,
        rule_id="ZB-03",
        title="党支部人数",
        params={"max_members": 40},
        article="第四条",
        effective_from=dt.date(2025, 1, 1),
    )
    return pack


def test_list_shows_every_rule_in_force_with_params_and_articles(client, tree, accounts):
    _local_pack(tree)
    body = _login(client, accounts, "leader_a").get(reverse("rules:list")).content.decode()
    for text in [
        "ZB-09",
        "支部委员会会议:每月至少1次",
        "FZ-14",
        "DF-02",
        "3000元以下(含) 0.5%",
        "XT-01",
        "第四章 第十二条",
        "甲镇党委组织生活规定",
        "党员人数(上限)",
    ]:
        assert text in body, text
    # Today is after 2026-05-01: the 2026 细则 is listed, the 2014 one only with all versions.
    assert "发展党员工作细则(2026年修订)" in body
    assert "recruitment/2026" in body and "recruitment/2014" not in body


def test_list_filters(client, tree, accounts):
    _login(client, accounts, "leader_a")
    body = client.get(reverse("rules:list"), {"kind": "bracket"}).content.decode()
    assert "DF-02" in body and "ZB-09" not in body
    body = client.get(reverse("rules:list"), {"q": "民主生活会"}).content.decode()
    assert "ZB-16" in body and "DF-02" not in body
    body = client.get(reverse("rules:list"), {"on": "2020-01-01", "kind": "deadline"}).content.decode()
    assert "第二十四条" in body and "FZ-08" not in body
    body = client.get(reverse("rules:list"), {"all": "on", "q": "FZ-16"}).content.decode()
    assert "第二十四条" in body and "第二十五条" in body


@pytest.mark.parametrize("who", ["leader_a", "dept_admin", "organizer_b"])
def test_list_query_count(client, tree, accounts, django_assert_max_num_queries, who):
    _local_pack(tree)
    _local_pack(tree, org=tree.town_b, title="乙镇规定")
    _login(client, accounts, who)
    client.get(reverse("rules:list"))  # warm the session and the engine cache
    with django_assert_max_num_queries(8):
        assert client.get(reverse("rules:list")).status_code == 200


def test_pack_detail_shows_basis_source_and_confidence(client, accounts):
    pack = RulePack.objects.get(code="recruitment", version="2026")
    body = _login(client, accounts, "leader_a").get(reverse("rules:pack", args=[pack.pk])).content.decode()
    assert "公示时间不少于5个工作日" in body and "待核实" in body and "http" in body


def test_pack_detail_query_count(client, tree, accounts, django_assert_max_num_queries):
    pack = RulePack.objects.get(code="branch-work")
    _login(client, accounts, "leader_a")
    client.get(reverse("rules:pack", args=[pack.pk]))
    with django_assert_max_num_queries(8):
        client.get(reverse("rules:pack", args=[pack.pk]))


def test_rule_detail_shows_versions_and_local_overrides(client, tree, accounts):
    _local_pack(tree)
    _login(client, accounts, "leader_a")
    body = client.get(reverse("rules:rule", args=["ZB-03"])).content.decode()
    assert "甲镇党委组织生活规定" in body and "<dt>党员人数(上限)</dt><dd>40</dd>" in body
    body = client.get(reverse("rules:rule", args=["FZ-16"]), {"on": "2020-01-01"}).content.decode()
    assert "FZ-16《中国共产党发展党员工作细则》第二十四条" in body and "第二十五条" in body
    assert client.get(reverse("rules:rule", args=["NOPE-1"])).status_code == 404
    assert client.get(reverse("rules:rule", args=["ZB-03"]), {"org": "C0B1"}).status_code == 404


def test_a_looser_override_is_refused_on_the_form(client, tree, accounts):
    pack = _local_pack(tree)
    _login(client, accounts, "organizer_a")
    url = reverse("rules:rule_add", args=[pack.pk])
    body = client.get(url, {"rule_id": "ZB-09"}).content.decode()
    assert "支部委员会会议" in body and "branch_committee" in body  # the national params, prefilled
    response = client.post(
        url,
        {
            "rule_id": "ZB-09",
            "title": "支委会",
            "article": "第五条",
            "params": '{"obligations": [{"meeting_kind": "branch_committee", "label": "支部委员会会议", '
            '"times": 1, "per": "quarter", "applies_to": "branch_with_committee"}]}',
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "不能放宽ZB-09" in body and "每月1次" in body and "每季度1次" in body
    response = client.post(url, {"rule_id": "ZB-09", "title": "x", "article": "y", "params": "{oops"})
    assert "不是有效的 JSON" in response.content.decode()


def test_calendar_page_marks_holidays_shift_days_and_provisional_years(client, accounts):
    _login(client, accounts, "dept_admin")
    body = client.get(reverse("rules:calendar", args=[2025])).content.decode()
    assert "国庆节调休上班" in body and "zg-cal-shift" in body and "zg-cal-holiday" in body
    assert "暂定" not in body
    body = client.get(reverse("rules:calendar", args=[2027])).content.decode()
    assert "暂定" in body and "标记该年已完整" in body
    assert client.get(reverse("rules:calendar", args=[1800])).status_code == 404


def test_calendar_day_remove_on_the_page(client, accounts):
    _login(client, accounts, "dept_admin")
    url = reverse("rules:calendar_day", args=[2025])
    assert "国庆节" in client.get(url, {"date": "2025-10-08"}).content.decode()
    response = client.post(url, {"action": "remove", "date": "2025-10-08"})
    assert response.status_code == 302
    from zugong.rules import engine

    assert engine.is_workday(dt.date(2025, 10, 8)).value
