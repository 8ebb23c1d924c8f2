"""Permission matrix of every URL in the dues namespace.

Actors: anonymous; organizer_b (an editor of town B: town A's branches and members are out of scope,
404); talent_office (a staff role without dues.view: 404); leader_a (in scope, read-only: 403 on
writes); organizer_a and secretary_a1 (in-scope editors); member (the 党员 role: its own dues only).
A URL added to dues/urls.py without rows here fails `test_every_url_is_covered`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from zugong.dues.models import DuesBase, DuesPayment, DuesRelief

from ..factories import make_dues_base, make_member, make_payment
from ..members.test_matrix import namespace_url_names

NAMESPACE = "dues"
COVERED_URL_NAMES = {
    "dues:index",
    "dues:me",
    "dues:quote",
    "dues:arrears",
    "dues:ledger",
    "dues:ledger_pay",
    "dues:rollup",
    "dues:member",
    "dues:base",
    "dues:pay",
    "dues:relief",
    "dues:void",
}
LOGIN = "/login/"
READ = (
    ("organizer_b", 404),
    ("talent_office", 404),
    ("leader_a", 200),
    ("organizer_a", 200),
    ("secretary_a1", 200),
)
# C0A (town A) is above the branch secretary's subtree: its roll-up and arrears are not found
READ_UP = tuple((who, 404 if who == "secretary_a1" else status) for who, status in READ)
WRITE = (
    ("organizer_b", 404),
    ("talent_office", 404),
    ("leader_a", 403),
    ("organizer_a", "ok"),
    ("secretary_a1", "ok"),
)

ROWS = [
    ("index", "get", None, "other", "login"),
    ("index", "get", "organizer_b", "other", "redirect:/dues/rollup/C0B/"),
    ("index", "get", "organizer_a", "other", "redirect:/dues/rollup/C0A/"),
    ("index", "get", "secretary_a1", "other", "redirect:/dues/ledger/C0A1/"),
    ("index", "get", "talent_office", "other", 404),
    ("index", "get", "member", "own", "redirect:/dues/me/"),
    ("me", "get", None, "own", "login"),
    ("me", "get", "organizer_a", "own", "redirect:/dues/"),
    ("me", "get", "member", "own", 200),
    ("quote", "get", None, "other", "login"),
    ("quote", "get", "member", "other", 403),
    *[("quote", "get", who, "other", status) for who, status in READ],
    ("arrears", "get", None, "other", "login"),
    ("arrears", "get", "member", "other", 403),
    *[("arrears", "get", who, "other", status) for who, status in READ_UP],
    ("ledger", "get", None, "other", "login"),
    ("ledger", "get", "member", "other", 403),
    *[("ledger", "get", who, "other", status) for who, status in READ],
    ("ledger_pay", "get", "organizer_a", "other", 405),
    ("ledger_pay", "post", None, "other", "login"),
    ("ledger_pay", "post", "member", "other", 403),
    *[("ledger_pay", "post", who, "other", status) for who, status in WRITE],
    ("rollup", "get", None, "other", "login"),
    ("rollup", "get", "member", "other", 403),
    *[("rollup", "get", who, "other", status) for who, status in READ_UP],
    ("member", "get", None, "other", "login"),
    ("member", "get", "member", "own", "redirect:/dues/me/"),
    ("member", "get", "member", "other", 404),
    *[("member", "get", who, "other", status) for who, status in READ],
]
for _name in ("base", "pay", "relief", "void"):
    ROWS += [
        (_name, "get", None, "other", "login"),
        (_name, "get", "member", "own", 403 if _name != "void" else 404),
        (_name, "get", "member", "other", 404),
        *[(_name, "get", who, "other", 200 if status == "ok" else status) for who, status in WRITE],
        (_name, "post", None, "other", "login"),
        (_name, "post", "member", "own", 403 if _name != "void" else 404),
        (_name, "post", "member", "other", 404),
        *[(_name, "post", who, "other", status) for who, status in WRITE],
    ]


def test_every_url_is_covered():
    assert namespace_url_names(NAMESPACE) == COVERED_URL_NAMES
    assert {f"{NAMESPACE}:{row[0]}" for row in ROWS} == COVERED_URL_NAMES


def _request(name: str, target, payment, tree) -> tuple[str, dict]:
    july = dt.date(2026, 7, 1)
    if name in ("index", "me", "arrears"):
        return reverse(f"dues:{name}") + ("?org=C0A" if name == "arrears" else ""), {}
    if name == "quote":
        return reverse("dues:quote") + f"?category=in_service&base=4500&member={target.pk}", {}
    if name == "ledger":
        return reverse("dues:ledger", args=["C0A1"]) + "?month=2026-07", {}
    if name == "ledger_pay":
        return reverse("dues:ledger_pay", args=["C0A1"]), {
            "month": "2026-07",
            "paid_on": "2026-07-03",
            "members": [target.pk],
        }
    if name == "rollup":
        return reverse("dues:rollup", args=["C0A"]) + "?month=2026-07", {}
    if name == "member":
        return reverse("dues:member", args=[target.pk]), {}
    if name == "base":
        return reverse("dues:base", args=[target.pk]), {
            "category": "retiree",
            "base": "6000",
            "effective_from": "2026-07",
        }
    if name == "pay":
        return reverse("dues:pay", args=[target.pk]), {
            "first_month": "2026-07",
            "last_month": "2026-07",
            "paid_on": july.isoformat(),
            "method": "in_person",
        }
    if name == "relief":
        return reverse("dues:relief", args=[target.pk]), {
            "kind": "exempt",
            "start_month": "2026-07",
            "approving_org": tree.town_a.pk,
            "document_number": "甲组字〔2026〕1号",
            "approved_on": "2026-06-30",
        }
    if name == "void":
        return reverse("dues:void", args=[payment.pk]), {"reason": "录错"}
    raise AssertionError(name)


def _done(name: str, target) -> bool:
    if name == "ledger_pay" or name == "pay":
        return DuesPayment.objects.filter(
            member=target, first_month=dt.date(2026, 7, 1), voided_at__isnull=True
        ).exists()
    if name == "base":
        return DuesBase.objects.filter(member=target, category="retiree").exists()
    if name == "relief":
        return DuesRelief.objects.filter(member=target).exists()
    if name == "void":
        return DuesPayment.objects.filter(member=target, voided_at__isnull=False).exists()
    raise AssertionError(name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor", "target", "expected"), ROWS)
def test_matrix(client, tree, accounts, name, method, actor, target, expected):
    own = accounts["member_record"]
    other = make_member(tree.branch_a1, name="李四")
    make_dues_base(other, "in_service", Decimal("4500"), month=dt.date(2026, 1, 1))
    make_dues_base(own, "in_service", Decimal("3000"), month=dt.date(2026, 1, 1))
    who = own if target == "own" else other
    payment = make_payment(who, dt.date(2026, 6, 1), paid_on=dt.date(2026, 6, 5))
    if actor is not None:
        client.force_login(accounts[actor])
    url, data = _request(name, who, payment, tree)
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    elif isinstance(expected, str) and expected.startswith("redirect:"):
        assert response.status_code == 302 and response["Location"] == expected.split(":", 1)[1]
    elif expected == "ok":
        assert response.status_code == 302, response.content.decode()[:3000]
        assert _done(name, who)
    else:
        assert response.status_code == expected
        if method == "post":
            assert not _done(name, who)
