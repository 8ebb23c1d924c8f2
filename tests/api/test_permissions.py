"""The permission matrix over every API endpoint: anonymous, out of scope, in scope read-only, editor.

The rows are checked against the routes registered with ninja, so a new endpoint without a row fails.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from zugong.api import api as ninja_api

from ..factories import make_meeting, make_unit, member_fields

_seq = itertools.count(1)


@dataclass
class World:
    tree: object
    accounts: dict
    unit: object
    member: object


@dataclass(frozen=True)
class Row:
    request: Callable[[World], tuple[str, dict | None]]
    ok: int  # what the in-scope editor gets
    outside: int = 404
    read_only: int | None = None  # None: same as `ok` for reads, 403 for writes


def _new_member(w: World) -> dict:
    fields = member_fields()
    fields.update({"org": w.tree.branch_a1.code})
    return fields


def _meeting(w: World) -> int:
    return make_meeting(w.tree.branch_a1, ["theme_day"], held_on=dt.date(2026, 3, 10)).pk


NEW_MEETING = {
    "org": "C0A1",
    "kinds": ["theme_day", "party_lecture"],
    "held_on": "2026-03-12",
    "topic": "接口登记的主题党日",
    "expected": 12,
    "present": 10,
}


MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/api/me"): Row(lambda w: ("/api/me", None), 200, outside=200),
    ("GET", "/api/orgs"): Row(lambda w: (f"/api/orgs?under={w.tree.town_a.code}", None), 200),
    ("POST", "/api/orgs"): Row(
        lambda w: (
            "/api/orgs",
            {
                "parent": w.tree.town_a.code,
                "code": f"NEW{next(_seq)}",
                "name": "新建党支部",
                "kind": "branch",
            },
        ),
        201,
    ),
    ("GET", "/api/orgs/{code}"): Row(lambda w: (f"/api/orgs/{w.tree.branch_a1.code}", None), 200),
    ("PATCH", "/api/orgs/{code}"): Row(
        lambda w: (f"/api/orgs/{w.tree.branch_a1.code}", {"phone": "0356-2020202"}), 200
    ),
    ("GET", "/api/orgs/{code}/children"): Row(
        lambda w: (f"/api/orgs/{w.tree.town_a.code}/children", None), 200
    ),
    ("GET", "/api/units"): Row(lambda w: (f"/api/units?under={w.tree.town_a.code}", None), 200),
    ("POST", "/api/units"): Row(
        lambda w: (
            "/api/units",
            {
                "managing_org": w.tree.town_a.code,
                "code": f"NU{next(_seq)}",
                "name": "新单位",
                "kind": "private",
            },
        ),
        201,
    ),
    ("GET", "/api/units/{code}"): Row(lambda w: (f"/api/units/{w.unit.code}", None), 200),
    ("PATCH", "/api/units/{code}"): Row(lambda w: (f"/api/units/{w.unit.code}", {"employees": 12}), 200),
    ("GET", "/api/members"): Row(lambda w: (f"/api/members?org={w.tree.town_a.code}", None), 200),
    ("POST", "/api/members"): Row(lambda w: ("/api/members", _new_member(w)), 201),
    ("GET", "/api/members/{member_id}"): Row(lambda w: (f"/api/members/{w.member.pk}", None), 200),
    ("PATCH", "/api/members/{member_id}"): Row(
        lambda w: (f"/api/members/{w.member.pk}", {"address": "甲村一组"}), 200
    ),
    ("POST", "/api/members/{member_id}/reveal"): Row(
        lambda w: (f"/api/members/{w.member.pk}/reveal", {"field": "phone"}), 200
    ),
    # Everyone with a scope reads the national rules; asking about town A's org is out of scope.
    ("GET", "/api/rules"): Row(lambda w: ("/api/rules?kind=quorum", None), 200, outside=200),
    ("GET", "/api/rules/{rule_id}"): Row(
        lambda w: (f"/api/rules/ZB-09?org={w.tree.branch_a1.code}&on=2025-06-01", None), 200
    ),
    ("GET", "/api/orglife/meetings"): Row(lambda w: ("/api/orglife/meetings?org=C0A", None), 200),
    ("POST", "/api/orglife/meetings"): Row(lambda w: ("/api/orglife/meetings", NEW_MEETING), 201),
    ("GET", "/api/orglife/meetings/{meeting_id}"): Row(
        lambda w: (f"/api/orglife/meetings/{_meeting(w)}", None), 200
    ),
    ("GET", "/api/orglife/compliance"): Row(
        lambda w: ("/api/orglife/compliance?org=C0A&window=2026Q1", None), 200
    ),
    ("GET", "/api/orglife/reviews"): Row(lambda w: ("/api/orglife/reviews?org=C0A&year=2025", None), 200),
    ("POST", "/api/orglife/reviews"): Row(
        lambda w: ("/api/orglife/reviews", {"member": w.member.pk, "year": 2025, "grade": "qualified"}), 200
    ),
    ("GET", "/api/dues/quote"): Row(
        lambda w: ("/api/dues/quote?category=in_service&base=4500", None), 200, outside=200
    ),
    ("GET", "/api/dues/ledger"): Row(lambda w: (f"/api/dues/ledger?org={w.tree.branch_a1.code}", None), 200),
    ("GET", "/api/dues/arrears"): Row(
        lambda w: (f"/api/dues/arrears?org={w.tree.town_a.code}&as_of=2026-07-01", None), 200
    ),
    ("GET", "/api/dues/members/{member_id}"): Row(lambda w: (f"/api/dues/members/{w.member.pk}", None), 200),
    ("POST", "/api/dues/payments"): Row(
        lambda w: (
            "/api/dues/payments",
            {
                "member_id": w.member.pk,
                "paid_on": "2026-07-01",
                "method": "in_person",
                "voluntary_amount": "10",
            },
        ),
        201,
    ),
}


def _applicant(w: World) -> int:
    from ..factories import make_applicant

    return make_applicant(w.tree.branch_a1, applied_on=dt.date.today() - dt.timedelta(days=5)).pk


MATRIX.update(
    {
        ("GET", "/api/recruitment/applicants"): Row(
            lambda w: (f"/api/recruitment/applicants?org={w.tree.town_a.code}", None), 200
        ),
        ("GET", "/api/recruitment/applicants/{applicant_id}"): Row(
            lambda w: (f"/api/recruitment/applicants/{_applicant(w)}", None), 200
        ),
        ("GET", "/api/recruitment/applicants/{applicant_id}/checks"): Row(
            lambda w: (f"/api/recruitment/applicants/{_applicant(w)}/checks", None), 200
        ),
        ("POST", "/api/recruitment/applicants/{applicant_id}/steps"): Row(
            lambda w: (
                f"/api/recruitment/applicants/{_applicant(w)}/steps",
                {"step": "talk", "done_on": dt.date.today().isoformat(), "done_by": "王书记"},
            ),
            201,
        ),
    }
)


# -- /api/mobility (members/mobility_api.py) --------------------------------------------------------------
def _mobility(w: World) -> int:
    from zugong.members import mobility

    found = w.member.mobilities.filter(returned_on__isnull=True).first()
    if found is None:
        found = mobility.mobility_start(
            actor=None, member=w.member, left_on=dt.date.today(), destination="北京市", reason="work"
        )
    return found.pk


def _lost(w: World) -> int:
    from zugong.members import mobility

    return mobility.lost_contact_open(actor=None, member=w.member, since=dt.date.today()).pk


_TODAY = dt.date.today().isoformat()
MATRIX.update(
    {
        ("GET", "/api/mobility/mobile"): Row(
            lambda w: (f"/api/mobility/mobile?org={w.tree.town_a.code}", None), 200
        ),
        ("GET", "/api/mobility/lost"): Row(
            lambda w: (f"/api/mobility/lost?org={w.tree.town_a.code}", None), 200
        ),
        ("GET", "/api/mobility/tasks"): Row(
            lambda w: (f"/api/mobility/tasks?org={w.tree.town_a.code}&as_of=2026-07-01", None), 200
        ),
        ("POST", "/api/mobility/members/{member_id}/start"): Row(
            lambda w: (
                f"/api/mobility/members/{w.member.pk}/start",
                {"left_on": _TODAY, "destination": "太原市", "reason": "work", "phone": "13800003333"},
            ),
            201,
        ),
        ("POST", "/api/mobility/{mobility_id}/reports"): Row(
            lambda w: (
                f"/api/mobility/{_mobility(w)}/reports",
                {"on": _TODAY, "channel": "phone", "summary": "电话汇报"},
            ),
            201,
        ),
        ("POST", "/api/mobility/{mobility_id}/return"): Row(
            lambda w: (f"/api/mobility/{_mobility(w)}/return", {"on": _TODAY}), 200
        ),
        ("POST", "/api/mobility/members/{member_id}/lost"): Row(
            lambda w: (f"/api/mobility/members/{w.member.pk}/lost", {"since": _TODAY}), 201
        ),
        ("POST", "/api/mobility/lost/{lost_id}/efforts"): Row(
            lambda w: (
                f"/api/mobility/lost/{_lost(w)}/efforts",
                {"on": _TODAY, "method": "电话", "note": "未接通"},
            ),
            201,
        ),
        ("POST", "/api/mobility/lost/{lost_id}/found"): Row(
            lambda w: (f"/api/mobility/lost/{_lost(w)}/found", {"on": _TODAY}), 200
        ),
        ("POST", "/api/mobility/members/{member_id}/standing"): Row(
            lambda w: (
                f"/api/mobility/members/{w.member.pk}/standing",
                {"action": "died", "on": _TODAY, "reason": "病故"},
            ),
            201,
        ),
    }
)


# -- 双报到与志愿服务 (/api/community): the community is under town A, so organizer_b is a third party --
def _community_world(w: World):
    from ..members.community_helpers import activity, make_community, report

    com = make_community(w.tree.town_a, code="C0AS", name="幸福社区党支部")
    worker = make_member_in(w.tree.branch_a1, name="王工")
    r = report(worker, com, on=dt.date(2026, 1, 5))
    act = activity(com, on=dt.date(2026, 3, 5))
    return com, worker, r, act


def make_member_in(org, **kw):
    from ..factories import make_member

    return make_member(org, **kw)


def _new_report(w: World) -> dict:
    from zugong.core import crypto

    _community_world(w)
    newcomer = make_member_in(w.tree.branch_a1, name="新来")
    return {
        "community": "C0AS",
        "id_number": crypto.decrypt(newcomer.id_number_enc),
        "name": "新来",
        "reported_on": "2026-02-01",
        "residence": "幸福小区5号楼",
    }


MATRIX.update(
    {
        ("GET", "/api/community/reports"): Row(
            lambda w: (_community_world(w) and "/api/community/reports?community=C0AS", None), 200
        ),
        ("POST", "/api/community/reports"): Row(lambda w: ("/api/community/reports", _new_report(w)), 201),
        ("POST", "/api/community/reports/{report_id}/end"): Row(
            lambda w: (
                f"/api/community/reports/{_community_world(w)[2].pk}/end",
                {"ended_on": "2026-06-30", "reason": "迁居"},
            ),
            200,
        ),
        ("GET", "/api/community/activities"): Row(
            lambda w: (_community_world(w) and "/api/community/activities?community=C0AS&year=2026", None),
            200,
        ),
        ("POST", "/api/community/activities"): Row(
            lambda w: (
                _community_world(w) and "/api/community/activities",
                {"community": "C0AS", "title": "助老送餐", "kind": "care", "started_on": "2026-04-01"},
            ),
            201,
        ),
        ("GET", "/api/community/records"): Row(
            lambda w: (_community_world(w) and "/api/community/records?org=C0A&year=2026", None), 200
        ),
        ("POST", "/api/community/activities/{activity_id}/records"): Row(
            lambda w: (
                (lambda c: f"/api/community/activities/{c[3].pk}/records")(cw := _community_world(w)),
                {"entries": [{"member_id": cw[1].pk, "hours": "1.5"}]},
            ),
            201,
        ),
        ("GET", "/api/community/evaluations"): Row(
            lambda w: (_community_world(w) and "/api/community/evaluations?org=C0A&year=2026", None), 200
        ),
        ("POST", "/api/community/evaluations"): Row(
            lambda w: (
                "/api/community/evaluations",
                {"report_id": _community_world(w)[2].pk, "grade": "qualified", "evaluated_on": "2026-06-30"},
            ),
            201,
        ),
        ("GET", "/api/community/summary"): Row(
            lambda w: (_community_world(w) and "/api/community/summary?org=C0A&year=2026", None), 200
        ),
        ("GET", "/api/community/unreported"): Row(
            lambda w: (_community_world(w) and "/api/community/unreported?org=C0A", None), 200
        ),
    }
)


def _transfer(w: World, *, to: str = "a2", issued_on: dt.date | None = None, returned: bool = False) -> int:
    """A letter from 甲村党支部 (town A): to a branch of town A, or out of the system (to=None)."""
    from zugong.members import transfers

    from ..factories import make_member, make_transfer

    org = {"a2": w.tree.branch_a2, "out": None}[to]
    t = make_transfer(make_member(w.tree.branch_a1), org, issued_on=issued_on)
    if returned:
        transfers.transfer_return(actor=None, transfer=t, reason="核实去向")
    return t.pk


def _overdue(w: World) -> int:
    from zugong.rules import engine

    months = engine.rule("GX-03").params["max_letter_months"]
    return _transfer(w, issued_on=engine.add_months(dt.date.today(), -months) - dt.timedelta(days=1))


MATRIX.update(
    {
        ("GET", "/api/transfers"): Row(lambda w: ("/api/transfers?org=C0A&tab=all", None), 200),
        ("GET", "/api/transfers/{transfer_id}"): Row(lambda w: (f"/api/transfers/{_transfer(w)}", None), 200),
        ("POST", "/api/transfers"): Row(
            lambda w: ("/api/transfers", {"member_id": w.member.pk, "kind": "within", "to_org": "C0AG1"}), 201
        ),
        ("POST", "/api/transfers/{transfer_id}/receive"): Row(
            lambda w: (f"/api/transfers/{_transfer(w)}/receive", {}), 200
        ),
        ("POST", "/api/transfers/{transfer_id}/return"): Row(
            lambda w: (f"/api/transfers/{_transfer(w)}/return", {"reason": "不符合接收条件"}), 200
        ),
        ("POST", "/api/transfers/{transfer_id}/cancel"): Row(
            lambda w: (f"/api/transfers/{_transfer(w)}/cancel", {"reason": "去向有误"}), 200
        ),
        ("POST", "/api/transfers/{transfer_id}/receipt"): Row(
            lambda w: (
                f"/api/transfers/{_transfer(w, to='out')}/receipt",
                {"received_on": dt.date.today().isoformat(), "receipt_number": "回1"},
            ),
            200,
        ),
        ("POST", "/api/transfers/{transfer_id}/reissue"): Row(
            lambda w: (f"/api/transfers/{_overdue(w)}/reissue", {}), 201
        ),
        ("POST", "/api/transfers/{transfer_id}/settle"): Row(
            lambda w: (f"/api/transfers/{_transfer(w, returned=True)}/settle", {"note": "暂不转接"}), 200
        ),
    }
)


# who is who: every account below is a fixture of tests/conftest.py
OUTSIDE = "organizer_b"  # committee organizer of the other township: full rights, other subtree
READ_ONLY = "leader_a"  # leader of town A: sees everything under it, changes nothing
EDITOR = "organizer_a"  # committee organizer of town A


def registered_endpoints() -> set[tuple[str, str]]:
    """(method, path) of every operation registered with the API, path params as {name}."""
    out = set()
    for bound in ninja_api._get_bound_routers():
        for path, view in bound.path_operations.items():
            full = "/api" + re.sub(r"\{\w+:(\w+)\}", r"{\1}", bound.prefix + path)
            for operation in view.operations:
                out.update((method, full.rstrip("/")) for method in operation.methods)
    return out


def test_matrix_covers_every_endpoint():
    assert registered_endpoints() == set(MATRIX)


@pytest.fixture
def world(tree, accounts) -> World:
    return World(
        tree, accounts, make_unit(tree.town_a, code="UA1", name="甲镇某公司"), accounts["member_record"]
    )


def _expected(method: str, row: Row, who: str) -> int:
    if who == "anonymous":
        return 401
    if who == OUTSIDE:
        return row.outside
    if who == READ_ONLY:
        if row.read_only is not None:
            return row.read_only
        return row.ok if method == "GET" else 403
    return row.ok


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", OUTSIDE, READ_ONLY, EDITOR])
@pytest.mark.parametrize(("method", "template"), sorted(MATRIX))
def test_permission_matrix(api, world, method, template, who):
    row = MATRIX[(method, template)]
    path, body = row.request(world)
    response = api(method, path, None if who == "anonymous" else who, body)
    expected = _expected(method, row, who)
    assert response.status_code == expected, (who, method, path, response.content.decode())
    assert response["Content-Type"].startswith("application/json")
    if expected >= 400:
        assert isinstance(response.json()["detail"], str)
