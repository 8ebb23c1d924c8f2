"""Permission matrix of the 流动与失联 URLs (members/mobility_views.py).

Actors: anonymous (login), organizer_b (editor of town B: out of scope, 404), leader_a (in scope,
read-only: 403 on every write and write form), organizer_a (in-scope editor), member (the 党员 role:
403). Each write that is allowed changes what it should; each refused one changes nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zugong.core.models import AuditEntry
from zugong.members import mobility as svc
from zugong.members.models import LostContactEffort, Member, Mobility, MobilityReport

from ..factories import make_member

COVERED_URL_NAMES = {
    "members:mobility",
    "members:mobility_start",
    "members:mobility_action",
    "members:mobility_reveal",
    "members:lost_open",
    "members:lost_action",
    "members:standing",
}
TODAY = dt.date.today()
ACTORS = {None: "login", "organizer_b": 404, "leader_a": 403, "member": 403}


def _rows():
    rows = [("mobility", "get", None, "login"), ("mobility", "get", "organizer_b", 404)]
    rows += [("mobility", "get", "leader_a", 200), ("mobility", "get", "organizer_a", 200)]
    rows += [("mobility", "get", "member", 403)]
    for name in ("mobility_start", "mobility_action", "lost_open", "lost_action", "standing"):
        for method in ("get", "post"):
            for actor, expected in ACTORS.items():
                rows.append((name, method, actor, expected))
            rows.append((name, method, "organizer_a", 200 if method == "get" else "ok"))
    rows += [("mobility_reveal", "get", "organizer_a", 405)]
    rows += [("mobility_reveal", "post", actor, expected) for actor, expected in ACTORS.items()]
    rows += [("mobility_reveal", "post", "organizer_a", 200)]
    return rows


ROWS = _rows()


def test_every_url_is_covered():
    from .test_matrix import namespace_url_names

    assert {f"members:{row[0]}" for row in ROWS} == COVERED_URL_NAMES
    assert COVERED_URL_NAMES <= namespace_url_names("members")


@pytest.fixture
def world(tree, accounts):
    away = make_member(tree.branch_a1, name="外出甲")
    mobility = svc.mobility_start(
        actor=None, member=away, left_on=TODAY, destination="北京市", reason="work", phone="13800002222"
    )
    lost_member = make_member(tree.branch_a1, name="失联乙")
    lost = svc.lost_contact_open(actor=None, member=lost_member, since=TODAY)
    plain = make_member(tree.branch_a1, name="普通丙")
    return {"mobility": mobility, "lost": lost, "plain": plain}


def _request(name: str, w: dict):
    today = TODAY.isoformat()
    if name == "mobility":
        return reverse("members:mobility") + "?org=C0A&tab=mobile", {}
    if name == "mobility_start":
        data = {"left_on": today, "destination": "太原市", "reason": "study"}
        return reverse("members:mobility_start", args=[w["plain"].pk]), data
    if name == "mobility_action":
        data = {"on": today, "channel": "phone", "summary": "矩阵测试汇报"}
        return reverse("members:mobility_action", args=[w["mobility"].pk, "report"]), data
    if name == "mobility_reveal":
        return reverse("members:mobility_reveal", args=[w["mobility"].pk]), {}
    if name == "lost_open":
        return reverse("members:lost_open", args=[w["plain"].pk]), {"since": today, "note": "矩阵"}
    if name == "lost_action":
        data = {"on": today, "method": "电话", "note": "矩阵测试查找"}
        return reverse("members:lost_action", args=[w["lost"].pk, "note"]), data
    if name == "standing":
        return reverse("members:standing", args=[w["plain"].pk, "died"]), {"on": today, "reason": "病故"}
    raise AssertionError(name)


def _changed(w: dict) -> set[str]:
    out = set()
    if Mobility.objects.filter(member=w["plain"]).exists():
        out.add("mobility_start")
    if MobilityReport.objects.filter(summary="矩阵测试汇报").exists():
        out.add("mobility_action")
    if w["plain"].lost_contacts.exists():
        out.add("lost_open")
    if LostContactEffort.objects.filter(note="矩阵测试查找").exists():
        out.add("lost_action")
    if Member.objects.get(pk=w["plain"].pk).standing != Member.Standing.NORMAL:
        out.add("standing")
    if AuditEntry.objects.filter(action="mobility.reveal_phone").exists():
        out.add("mobility_reveal")
    return out


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor", "expected"), ROWS)
def test_matrix(client, world, accounts, name, method, actor, expected):
    if actor is not None:
        client.force_login(accounts[actor])
    url, data = _request(name, world)
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif expected == "ok":
        assert response.status_code == 302, response.content.decode()[-2000:]
        assert _changed(world) == {name}
    else:
        assert response.status_code == expected
    if expected != "ok" and not (name == "mobility_reveal" and expected == 200):
        assert _changed(world) == set()
    if name == "mobility_reveal" and expected == 200:
        assert "13800002222" in response.content.decode()
