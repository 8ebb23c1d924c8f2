"""Permission matrix of every URL in the rules namespace.

Actors: anonymous (→ login), a self-service member (→ 404: no rules pages), organizer_b (an editor
of town B: town A's local pack is not found, pages without an object show its own scope only),
leader_a (reads, 403 on writes), organizer_a (edits local packs of town A), dept_admin (edits the
calendar too). A URL added to rules/urls.py without a row here fails `test_every_url_is_covered`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import get_resolver, reverse

from zugong.rules import services
from zugong.rules.models import CalendarDay, CalendarYear, Rule, RulePack

NAMESPACE = "rules"
COVERED_URL_NAMES = {
    "rules:list",
    "rules:pack",
    "rules:pack_edit",
    "rules:rule_add",
    "rules:rule_edit",
    "rules:rule_end",
    "rules:rule",
    "rules:pack_create",
    "rules:calendar_index",
    "rules:calendar",
    "rules:calendar_day",
    "rules:calendar_mark",
}
TODAY = dt.date.today()
HIDDEN = "甲镇党委组织生活规定"  # town A's local pack: never shown to organizer_b


@dataclass
class World:
    tree: object
    accounts: dict
    pack: RulePack
    rule: Rule
    county_pack: RulePack


@pytest.fixture
def world(tree, accounts) -> World:
    pack = services.pack_create(
        actor=None, org=tree.town_a, title=HIDDEN, level="county", effective_from=dt.date(2025, 1, 1)
    )
    lecture = {
        "meeting_kind": "party_lecture",
        "label": "党课",
        "times": 1,
        "per": "quarter",
        "applies_to": "branch",
    }
    rule = services.rule_save(
        actor=None,
        pack=pack,
        rule_id="ZB-11",
        title="党课每季度1次",
        params={"obligations": [lecture]},
        article="第三条",
        effective_from=dt.date(2025, 1, 1),
    )
    county_pack = services.pack_create(
        actor=None, org=tree.county, title="泽州县委规定", level="county", effective_from=dt.date(2025, 1, 1)
    )
    return World(tree, accounts, pack, rule, county_pack)


def _r(obj):
    return type(obj).objects.get(pk=obj.pk)


@dataclass
class Page:
    name: str
    url: Callable[[World], str]
    post: Callable[[World], dict] | None = None
    changed: Callable[[World], bool] | None = None
    write_perm: str = "rules.edit"  # for write pages: who may write
    scoped: bool = True  # the page is about town A's pack: organizer_b gets 404
    hidden_text: str | None = None  # a page without an object: organizer_b sees its own scope


PAGES = [
    Page("rules:list", lambda w: reverse("rules:list"), scoped=False, hidden_text=HIDDEN),
    Page("rules:pack", lambda w: reverse("rules:pack", args=[w.pack.pk])),
    Page(
        "rules:pack_edit",
        lambda w: reverse("rules:pack_edit", args=[w.pack.pk]),
        post=lambda w: {
            "title": "甲镇党委组织生活规定(修订)",
            "level": "county",
            "effective_from": "2025-01-01",
        },
        changed=lambda w: _r(w.pack).title.endswith("(修订)"),
    ),
    Page(
        "rules:rule_add",
        lambda w: reverse("rules:rule_add", args=[w.pack.pk]),
        post=lambda w: {
            "rule_id": "ZB-03",
            "title": "党支部人数",
            "params": '{"max_members": 40}',
            "article": "第四条",
        },
        changed=lambda w: w.pack.rules.filter(rule_id="ZB-03").exists(),
    ),
    Page(
        "rules:rule_edit",
        lambda w: reverse("rules:rule_edit", args=[w.pack.pk, w.rule.pk]),
        post=lambda w: {
            "title": "党课每月1次",
            "params": '{"obligations": [{"meeting_kind": "party_lecture", "label": "党课", "times": 1, '
            '"per": "month", "applies_to": "branch"}]}',
            "article": "第三条",
        },
        changed=lambda w: w.pack.rules.filter(
            rule_id="ZB-11", effective_to__isnull=True, title="党课每月1次"
        ).exists(),
    ),
    Page(
        "rules:rule_end",
        lambda w: reverse("rules:rule_end", args=[w.pack.pk, w.rule.pk]),
        post=lambda w: {},
        changed=lambda w: _r(w.rule).effective_to == TODAY,
    ),
    Page("rules:rule", lambda w: reverse("rules:rule", args=["ZB-11"]), scoped=False, hidden_text=HIDDEN),
    Page(
        "rules:pack_create",
        lambda w: reverse("rules:pack_create"),
        post=lambda w: {
            "org": "C0A1",
            "title": "甲村党支部规定",
            "level": "unit",
            "effective_from": "2026-01-01",
        },
        changed=lambda w: RulePack.objects.filter(title="甲村党支部规定", org=w.tree.branch_a1).exists(),
        scoped=False,
    ),
    Page("rules:calendar_index", lambda w: reverse("rules:calendar_index"), scoped=False),
    Page("rules:calendar", lambda w: reverse("rules:calendar", args=[2025]), scoped=False),
    Page(
        "rules:calendar_day",
        lambda w: reverse("rules:calendar_day", args=[2027]),
        post=lambda w: {"date": "2027-10-01", "is_workday": "0", "name": "国庆节", "note": "国办通知"},
        changed=lambda w: CalendarDay.objects.filter(date=dt.date(2027, 10, 1), is_workday=False).exists(),
        write_perm="calendar.edit",
        scoped=False,
    ),
    Page(
        "rules:calendar_mark",
        lambda w: reverse("rules:calendar_mark", args=[2027]),
        post=lambda w: {"note": "国务院办公厅关于2027年部分节假日安排的通知"},
        changed=lambda w: CalendarYear.objects.filter(year=2027).exists(),
        write_perm="calendar.edit",
        scoped=False,
    ),
]
BY_NAME = {p.name: p for p in PAGES}


def test_every_url_is_covered():
    _prefix, sub = get_resolver().namespace_dict[NAMESPACE]
    names = {f"{NAMESPACE}:{p.name}" for p in sub.url_patterns if getattr(p, "name", None)}
    assert names == COVERED_URL_NAMES == set(BY_NAME)


def login(client, world: World, who: str):
    client.force_login(world.accounts[who])
    return client


def _read_ok(response) -> bool:
    return response.status_code == 200 or (
        response.status_code == 302 and "/rules/calendar/" in response["Location"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_anonymous_goes_to_login(client, world, page):
    url = page.url(world)
    for response in [client.get(url), *([client.post(url, page.post(world))] if page.post else [])]:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")
    if page.changed:
        assert not page.changed(world)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_self_service_member_sees_no_rules_pages(client, world, page):
    login(client, world, "member")
    assert client.get(page.url(world)).status_code == 404
    if page.post:
        assert client.post(page.url(world), page.post(world)).status_code == 404
        assert not page.changed(world)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_out_of_scope(client, world, page):
    login(client, world, "organizer_b")
    url = page.url(world)
    response = client.get(url)
    if page.scoped:
        assert response.status_code == 404
    elif page.post and page.write_perm == "calendar.edit":
        assert response.status_code == 403
    else:
        assert _read_ok(response)
        if page.hidden_text:
            assert page.hidden_text not in response.content.decode()
    if page.post:
        response = client.post(url, page.post(world))
        expected = 404 if page.scoped else 403 if page.write_perm == "calendar.edit" else 200
        assert response.status_code == expected  # pack_create: the form refuses town A's org
        assert not page.changed(world)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_read_only_reads_but_cannot_write(client, world, page):
    login(client, world, "leader_a")
    url = page.url(world)
    if page.post is None:
        response = client.get(url)
        assert _read_ok(response)
        if page.hidden_text:
            assert page.hidden_text in response.content.decode()  # town A's own pack is shown
        return
    assert client.get(url).status_code == 403
    assert client.post(url, page.post(world)).status_code == 403
    assert not page.changed(world)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_editor_reads_and_writes(client, world, page):
    who = "dept_admin" if page.write_perm == "calendar.edit" else "organizer_a"
    login(client, world, who)
    url = page.url(world)
    assert _read_ok(client.get(url))
    if page.post is None:
        return
    response = client.post(url, page.post(world))
    body = response.content.decode()
    assert response.status_code == 302, body[body.find("<main") :][:3000]
    assert page.changed(world)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["rules:calendar_day", "rules:calendar_mark"])
def test_committee_organizers_cannot_correct_the_calendar(client, world, name):
    login(client, world, "organizer_a")
    page = BY_NAME[name]
    assert client.get(page.url(world)).status_code == 403
    assert client.post(page.url(world), page.post(world)).status_code == 403
    assert not page.changed(world)


@pytest.mark.django_db
def test_an_ancestors_pack_is_readable_not_editable(client, world):
    login(client, world, "organizer_a")
    assert client.get(reverse("rules:pack", args=[world.county_pack.pk])).status_code == 200
    assert client.get(reverse("rules:pack_edit", args=[world.county_pack.pk])).status_code == 403
    assert client.get(reverse("rules:rule_add", args=[world.county_pack.pk])).status_code == 403


@pytest.mark.django_db
def test_national_packs_are_readable_not_editable(client, world):
    login(client, world, "dept_admin")
    national = RulePack.objects.get(code="branch-work")
    assert client.get(reverse("rules:pack", args=[national.pk])).status_code == 200
    assert client.get(reverse("rules:pack_edit", args=[national.pk])).status_code == 403
    assert client.post(reverse("rules:rule_add", args=[national.pk]), {}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in PAGES if p.post is None], ids=lambda p: p.name)
def test_read_pages_refuse_post(client, world, page):
    login(client, world, "organizer_a")
    assert client.post(page.url(world), {}).status_code == 405
