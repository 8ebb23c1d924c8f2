"""Permission matrix of every 组织关系转接 URL (members:transfer_*).

The letter under test goes from 甲村党支部 to 甲镇中学第一党支部, both in town A: organizer_b (town B)
finds nothing (404), leader_a reads (403 on writes), organizer_a and secretary_a1 work on it, the
党员 role and the talent office (no transfer.view) are refused (403).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zugong.members.models import Member, Transfer

from ..factories import make_member, make_transfer
from .test_matrix import namespace_url_names
from .test_views import form_data

COVERED_URL_NAMES = {
    "members:transfer_list",
    "members:transfer_in",
    "members:transfer_slot",
    "members:transfer_org_lookup",
    "members:transfer_detail",
    "members:transfer_letter",
    "members:transfer_act",
    "members:transfer_start",
}
LOGIN = "/login/"
READ = (("organizer_b", 404), ("leader_a", 200), ("organizer_a", 200), ("secretary_a1", 200))
WRITE = (("organizer_b", 404), ("leader_a", 403), ("organizer_a", "ok"), ("secretary_a1", "ok"))
REFUSED = (("member", 403), ("talent_office", 403), (None, "login"))

ROWS = [
    # ?org=C0A: town A's letters; outside town A the org is not found
    *[("transfer_list", "get", who, 404 if who == "secretary_a1" else s) for who, s in READ],
    *[("transfer_slot", "get", who, s) for who, s in READ],
    *[("transfer_detail", "get", who, s) for who, s in READ],
    *[("transfer_letter", "get", who, s) for who, s in READ],
    # the exact-name lookup answers any editor (it names one org, never lists)
    ("transfer_org_lookup", "get", "organizer_b", 200),
    ("transfer_org_lookup", "get", "leader_a", 403),
    ("transfer_org_lookup", "get", "organizer_a", 200),
    ("transfer_act", "get", "organizer_a", 405),
    *[("transfer_act", "post", who, s) for who, s in WRITE],
    *[("transfer_start", "get", who, 200 if s == "ok" else s) for who, s in WRITE],
    *[("transfer_start", "post", who, s) for who, s in WRITE],
    *[("transfer_in", "get", who, 200 if s == "ok" else s) for who, s in WRITE],
    *[("transfer_in", "post", who, s) for who, s in WRITE],
]
for _name in sorted(n.split(":")[1] for n in COVERED_URL_NAMES):
    method = "post" if _name == "transfer_act" else "get"
    ROWS += [(_name, method, who, s) for who, s in REFUSED]


def test_every_url_is_covered():
    assert {n for n in namespace_url_names("members") if ":transfer_" in n} == COVERED_URL_NAMES
    assert {f"members:{row[0]}" for row in ROWS} == COVERED_URL_NAMES


def _request(name: str, transfer: Transfer, member: Member) -> tuple[str, dict]:
    if name == "transfer_list":
        return reverse("members:transfer_list") + "?org=C0A", {}
    if name == "transfer_slot":
        return reverse("members:transfer_slot") + "?org=C0A1", {}
    if name == "transfer_org_lookup":
        return reverse("members:transfer_org_lookup") + "?to_org=C0A1", {}
    if name in ("transfer_detail", "transfer_letter"):
        return reverse(f"members:{name}", args=[transfer.pk]), {}
    if name == "transfer_act":
        return reverse("members:transfer_act", args=[transfer.pk, "cancel"]), {"reason": "矩阵测试"}
    if name == "transfer_start":
        return reverse("members:transfer_start", args=[member.pk]), {
            "kind": "out",
            "to_name": "中共北京市某街道工委",
            "to_province": "11",
        }
    if name == "transfer_in":
        data = {f"member-{k}": v for k, v in form_data().items()}
        data.update(
            {
                "letter-from_name": "中共郑州市某支部",
                "letter-from_province": "41",
                "letter-letter_number": "郑转1号",
                "letter-issued_on": (dt.date.today() - dt.timedelta(days=5)).isoformat(),
            }
        )
        return reverse("members:transfer_in") + "?org=C0A1", data
    raise AssertionError(name)


def _done(name: str, transfer: Transfer, member: Member) -> bool:
    if name == "transfer_act":
        transfer.refresh_from_db()
        return transfer.state == Transfer.State.CANCELLED
    if name == "transfer_start":
        return Transfer.objects.filter(member=member, kind="out").exists()
    if name == "transfer_in":
        return Transfer.objects.filter(kind="in", letter_number="郑转1号").exists()
    raise AssertionError(name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor", "expected"), ROWS)
def test_matrix(client, tree, accounts, name, method, actor, expected):
    transfer = make_transfer(make_member(tree.branch_a1, name="李四"), tree.branch_a2)
    member = make_member(tree.branch_a1, name="王五")
    if actor is not None:
        client.force_login(accounts[actor])
    url, data = _request(name, transfer, member)
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    elif expected == "ok":
        assert response.status_code == 302, response.content.decode()[:3000]
        assert _done(name, transfer, member)
    else:
        assert response.status_code == expected, response.content.decode()[:2000]
        if method == "post" and name in ("transfer_act", "transfer_start", "transfer_in"):
            assert not _done(name, transfer, member)
