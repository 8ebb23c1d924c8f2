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
