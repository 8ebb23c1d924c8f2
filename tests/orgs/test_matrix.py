"""Permission matrix of every URL in the orgs and units namespaces.

Actors: anonymous (→ login); organizer_b, an editor of town B, on town A's objects (→ 404, or for a
page without an object: its own scope only); leader_a, read-only in town A (reads 200, writes 403
on GET and POST); organizer_a, the editor of town A (GET 200, POST succeeds and changes the database).
A URL added to orgs/urls.py or orgs/unit_urls.py without a row here fails `test_every_url_is_covered`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver, reverse

from zugong.orgs import services
from zugong.orgs.models import CommitteeSeat, Org, OrgUnit, Unit

from ..factories import make_org, make_unit

NAMESPACES = ("orgs", "units")
COVERED_URL_NAMES = {
    "orgs:tree",
    "orgs:children",
    "orgs:search",
    "orgs:detail",
    "orgs:create",
    "orgs:edit",
    "orgs:move",
    "orgs:merge",
    "orgs:dissolve",
    "orgs:seat_add",
    "orgs:seat_end",
    "orgs:term",
    "orgs:units",
    "units:list",
    "units:detail",
    "units:create",
    "units:edit",
}


@dataclass
class World:
    """The `tree` fixture plus one object of each kind in town A for the pages to act on."""

    tree: object
    accounts: dict
    seat: CommitteeSeat
    unit: Unit
    empty_branch: Org


@pytest.fixture
def world(tree, accounts) -> World:
    seat = services.seat_add(
        actor=None,
        org=tree.branch_a1,
        post="member",
        duty="组织委员",
        person_name="赵六",
        started_on=dt.date(2022, 1, 1),
    )
    unit = make_unit(tree.town_a, name="甲镇兴达煤机有限公司", code="UA1")
    empty = make_org(tree.town_a, code="C0AE", name="甲镇待撤销党支部")
    return World(tree, accounts, seat, unit, empty)


def org_url(name: str, attr: str) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[getattr(w.tree, attr).code])


@dataclass
class Page:
    name: str
    url: Callable[[World], str]
    # None: a read page (GET only). Otherwise the editor's successful POST and what it must change.
    post: Callable[[World], dict] | None = None
    changed: Callable[[World], bool] | None = None
    # Pages without an object in town A show organizer_b its own scope: this text must not appear.
    hidden_text: str | None = None
    extra: dict = field(default_factory=dict)


def _refresh(obj):
    return type(obj).objects.get(pk=obj.pk)


PAGES = [
    Page("orgs:tree", lambda w: reverse("orgs:tree"), hidden_text="甲镇党委"),
    Page("orgs:children", org_url("orgs:children", "town_a")),
    Page(
        "orgs:search",
        lambda w: reverse("orgs:search") + "?purpose=move&for=C0A1&field=new_parent",
    ),
    Page("orgs:detail", org_url("orgs:detail", "branch_a1")),
    Page(
        "orgs:create",
        lambda w: reverse("orgs:create") + "?parent=C0A",
        post=lambda w: {"code": "C0A9", "name": "甲镇新建党支部", "kind": "branch"},
        changed=lambda w: Org.objects.filter(code="C0A9", path__startswith=w.tree.town_a.path).exists(),
    ),
    Page(
        "orgs:edit",
        org_url("orgs:edit", "branch_a1"),
        post=lambda w: {"name": "甲村党支部委员会", "kind": "branch", "region_code": "140525"},
        changed=lambda w: _refresh(w.tree.branch_a1).name == "甲村党支部委员会",
    ),
    Page(
        "orgs:move",
        org_url("orgs:move", "branch_a1"),
        post=lambda w: {"new_parent": "C0AG", "on": "2024-05-01", "reason": "调整", "confirmed": "1"},
        changed=lambda w: _refresh(w.tree.branch_a1).path.startswith(_refresh(w.tree.general_a).path),
    ),
    Page(
        "orgs:merge",
        org_url("orgs:merge", "branch_a1"),
        post=lambda w: {"target": "C0AG1", "on": "2024-05-01", "reason": "合并", "confirmed": "1"},
        changed=lambda w: not _refresh(w.tree.branch_a1).is_active,
    ),
    Page(
        "orgs:dissolve",
        lambda w: reverse("orgs:dissolve", args=[w.empty_branch.code]),
        post=lambda w: {"on": "2024-05-01", "reason": "单位撤销"},
        changed=lambda w: not _refresh(w.empty_branch).is_active,
    ),
    Page(
        "orgs:seat_add",
        org_url("orgs:seat_add", "branch_a1"),
        post=lambda w: {"post": "secretary", "person_name": "王五", "started_on": "2024-01-01"},
        changed=lambda w: CommitteeSeat.objects.filter(org=w.tree.branch_a1, person_name="王五").exists(),
    ),
    Page(
        "orgs:seat_end",
        lambda w: reverse("orgs:seat_end", args=[w.seat.pk]),
        post=lambda w: {"ended_on": "2024-06-01"},
        changed=lambda w: _refresh(w.seat).ended_on == dt.date(2024, 6, 1),
    ),
    Page(
        "orgs:term",
        org_url("orgs:term", "branch_a1"),
        post=lambda w: {"on": "2024-03-01"},
        changed=lambda w: _refresh(w.tree.branch_a1).term_started_on == dt.date(2024, 3, 1),
    ),
    Page(
        "orgs:units",
        org_url("orgs:units", "branch_a1"),
        post=lambda w: {"units": [str(w.unit.pk)]},
        changed=lambda w: OrgUnit.objects.filter(org=w.tree.branch_a1, unit=w.unit).exists(),
    ),
    Page("units:list", lambda w: reverse("units:list"), hidden_text="甲镇兴达煤机有限公司"),
    Page("units:detail", lambda w: reverse("units:detail", args=[w.unit.code])),
    Page(
        "units:create",
        lambda w: reverse("units:create"),
        post=lambda w: {"code": "UA2", "name": "甲镇鑫源合作社", "kind": "private", "managing_org": "C0A"},
        changed=lambda w: Unit.objects.filter(code="UA2", managing_org=w.tree.town_a).exists(),
        hidden_text="甲镇党委",
    ),
    Page(
        "units:edit",
        lambda w: reverse("units:edit", args=[w.unit.code]),
        post=lambda w: {
            "name": "甲镇兴达机械有限公司",
            "kind": "soe",
            "managing_org": "C0A",
            "is_active": "on",
        },
        changed=lambda w: _refresh(w.unit).kind == "soe",
    ),
]
BY_NAME = {p.name: p for p in PAGES}
WRITE_PAGES = [p for p in PAGES if p.post]


def resolver_names() -> set[str]:
    resolver = get_resolver()
    names = set()
    for ns in NAMESPACES:
        _prefix, sub = resolver.namespace_dict[ns]
        names |= {f"{ns}:{p.name}" for p in sub.url_patterns if getattr(p, "name", None)}
    return names


def test_every_url_is_covered():
    assert resolver_names() == COVERED_URL_NAMES
    assert set(BY_NAME) == COVERED_URL_NAMES


def login(client, world: World, who: str):
    client.force_login(world.accounts[who])
    return client


# -- anonymous ------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_anonymous_goes_to_login(client, world, page):
    url = page.url(world)
    for response in [client.get(url), *([client.post(url, page.post(world))] if page.post else [])]:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    if page.changed:
        assert not page.changed(world)


# -- out of scope ---------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_out_of_scope_is_not_found(client, world, page):
    login(client, world, "organizer_b")
    url = page.url(world)
    response = client.get(url)
    if page.hidden_text:
        # No object of town A in the URL: the page shows organizer_b's own scope, without town A.
        assert response.status_code == 200
        assert page.hidden_text not in response.content.decode()
    else:
        assert response.status_code == 404
    if page.post:
        response = client.post(url, page.post(world))
        assert response.status_code in ((200,) if page.hidden_text else (404,))
        assert not page.changed(world)


# -- in scope, read-only ---------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_read_only_reads_but_cannot_write(client, world, page):
    login(client, world, "leader_a")
    url = page.url(world)
    if page.post is None:
        assert client.get(url).status_code == 200
        return
    assert client.get(url).status_code == 403
    assert client.post(url, page.post(world)).status_code == 403
    assert not page.changed(world)


# -- in scope, editor --------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("editor", ["organizer_a", "dept_admin"])
def test_editor_reads_and_writes(client, world, page, editor):
    login(client, world, editor)
    url = page.url(world)
    assert client.get(url).status_code == 200
    if page.post is None:
        return
    response = client.post(url, page.post(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert page.changed(world)


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in PAGES if p.post is None], ids=lambda p: p.name)
def test_read_pages_refuse_post(client, world, page):
    login(client, world, "organizer_a")
    assert client.post(page.url(world), {}).status_code == 405


# -- other roles -----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_member_role_sees_no_org_or_unit_pages(client, world, page):
    login(client, world, "member")
    assert client.get(page.url(world)).status_code == 404
    if page.post:
        assert client.post(page.url(world), page.post(world)).status_code == 404
        assert not page.changed(world)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["orgs:move", "orgs:merge", "orgs:dissolve", "orgs:create"])
def test_branch_secretary_cannot_change_structure(client, world, name):
    login(client, world, "secretary_a1")
    page = BY_NAME[name]
    url = (
        reverse(name, args=[world.tree.branch_a1.code])
        if name != "orgs:create"
        else reverse(name) + "?parent=C0A1"
    )
    assert client.get(url).status_code == 403
    data = page.post(world)
    assert client.post(url, data).status_code == 403
    assert _refresh(world.tree.branch_a1).is_active
    assert _refresh(world.tree.branch_a1).path.startswith(_refresh(world.tree.town_a).path)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["orgs:edit", "orgs:seat_add", "orgs:term", "orgs:units"])
def test_branch_secretary_edits_own_branch(client, world, name):
    login(client, world, "secretary_a1")
    assert client.get(reverse(name, args=[world.tree.branch_a1.code])).status_code == 200
    assert client.get(reverse(name, args=[world.tree.branch_b1.code])).status_code == 404
