"""/api/dues: the quote, a branch ledger, a member's dues, recording a payment with the rules' errors."""

from __future__ import annotations

import datetime as dt

import pytest

from ..factories import make_dues_base, make_member

pytestmark = pytest.mark.django_db


def test_quote_returns_money_as_strings_and_the_rule(api, accounts):
    r = api.get("/api/dues/quote", "leader_a", category="retiree", base="5000.01")
    assert r.status_code == 200
    body = r.json()
    assert (body["amount"], body["rule_id"], body["base"]) == ("50.00", "DF-04", "5000.01")
    assert body["line"] == "50.00 DF-04《关于中国共产党党费收缴、使用和管理的规定》第五条"
    r = api.get("/api/dues/quote", "leader_a", category="soldier", base="1")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "category"


def test_ledger_and_payment_and_member_dues(api, tree, accounts):
    m = make_member(tree.branch_a1, name="王五")
    make_dues_base(m, "in_service", "4500", month=dt.date(2026, 1, 1))
    r = api.get("/api/dues/ledger", "secretary_a1", org="C0A1", month="2026-06")
    assert r.status_code == 200
    row = next(x for x in r.json()["rows"] if x["name"] == "王五")
    assert (row["amount"], row["paid"], row["arrears_months"]) == ("45.00", False, 6)
    body = {"member_id": m.pk, "paid_on": "2026-06-20", "method": "in_person", "first_month": "2026-06"}
    r = api("POST", "/api/dues/payments", "secretary_a1", {**body, "amount": "40.00"})
    assert r.status_code == 422
    assert (
        r.json()["detail"][0]["field"] == "amount" and "合计应为45.00元" in r.json()["detail"][0]["message"]
    )
    r = api("POST", "/api/dues/payments", "secretary_a1", {**body, "method": "deduct"})
    assert r.status_code == 422 and "DF-09" in r.json()["detail"][0]["message"]
    r = api("POST", "/api/dues/payments", "secretary_a1", body)
    assert r.status_code == 201 and r.json()["amount"] == "45.00" and r.json()["kind"] == "monthly"
    r = api.get(f"/api/dues/members/{m.pk}", "leader_a")
    assert r.status_code == 200
    assert r.json()["months"] == [
        {
            "month": "2026-06",
            "amount": "45.00",
            "category": "in_service",
            "base": "4500.00",
            "rule_id": "DF-02",
            "rule_version": "2008",
            "paid_on": "2026-06-20",
            "payment_id": r.json()["payments"][0]["id"],
        }
    ]


def test_a_branch_is_needed_for_the_ledger(api, accounts):
    r = api.get("/api/dues/ledger", "organizer_a", org="C0A")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "org"
