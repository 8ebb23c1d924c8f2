"""Dues pages: what they show, the live quote, quick entry, and query counts that do not grow with
the number of members."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from zugong.core import exporting
from zugong.core.models import AuditEntry
from zugong.dues import services
from zugong.dues.models import DuesPayment

from ..factories import make_dues_base, make_member, make_payment

pytestmark = pytest.mark.django_db

JUL = dt.date(2026, 7, 1)


def _people(org, n, *, start=0):
    out = []
    for i in range(n):
        m = make_member(org, name=f"党员{start + i:03d}", is_mobile=bool(i % 3 == 0))
        make_dues_base(
            m, "in_service" if i % 2 else "retiree", 3000 + 1000 * (i % 9), month=dt.date(2026, 1, 1)
        )
        out.append(m)
    return out


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/dues/ledger/C0A1/?month=2026-06",
        "/dues/rollup/C0A/?month=2026-06",
        "/dues/arrears/?org=C0A&as_of=2026-07-01",
    ],
)
def test_list_pages_query_count_does_not_grow(client, tree, accounts, url):
    client.force_login(accounts["organizer_a"])
    members = _people(tree.branch_a1, 3)
    _people(tree.branch_a2, 2, start=50)
    make_payment(members[0], dt.date(2026, 6, 1), paid_on=dt.date(2026, 6, 5))
    _queries(client, url)  # the month's rows are computed on the first visit
    small = _queries(client, url)
    more = _people(tree.branch_a1, 25, start=100)
    for m in more[:10]:
        make_payment(
            m, dt.date(2026, 6, 1), paid_on=dt.date(2026, 6, 5), method="by_other", paid_by=members[1]
        )
    _queries(client, url)
    big = _queries(client, url)
    assert big == small
    assert big <= 16


def test_ledger_shows_every_member_and_the_rules(client, tree, accounts):
    client.force_login(accounts["secretary_a1"])
    a, b = _people(tree.branch_a1, 2)
    make_payment(a, dt.date(2026, 6, 1), paid_on=dt.date(2026, 6, 5))
    html = client.get("/dues/ledger/C0A1/?month=2026-06").content.decode()
    assert "党员000" in html and "党员001" in html and "张三" in html
    assert "未核定基数" in html  # 张三 of the accounts fixture has no base
    assert "GX-05《中国共产党章程》第九条" in html and "DF-13" in html
    assert "登记6月已交党费" in html and f'value="{b.pk}"' in html and f'value="{a.pk}"' not in html


def test_quick_entry_records_payments_for_the_month(client, tree, accounts):
    client.force_login(accounts["secretary_a1"])
    a, b = _people(tree.branch_a1, 2)
    url = reverse("dues:ledger_pay", args=["C0A1"])
    response = client.post(url, {"month": "2026-07", "paid_on": "2026-07-03", "members": [a.pk, b.pk]})
    assert response.status_code == 302 and response["Location"] == "/dues/ledger/C0A1/?month=2026-07"
    assert DuesPayment.objects.filter(first_month=JUL, collected_by=accounts["secretary_a1"]).count() == 2
    assert AuditEntry.objects.filter(action="dues.pay").count() == 2
    response = client.post(url, {"month": "2026-07", "paid_on": "2026-08-03", "members": [a.pk]})
    assert response.status_code == 422


def test_live_quote_cites_the_rule(client, tree, accounts):
    client.force_login(accounts["secretary_a1"])
    html = client.get("/dues/quote/", {"category": "retiree", "base": "5000.01"}).content.decode()
    assert "50.00" in html and "DF-04《关于中国共产党党费收缴、使用和管理的规定》第五条" in html
    html = client.get("/dues/quote/", {"category": "farmer", "fixed_amount": "3"}).content.decode()
    assert "0.20元至1.00元" in html


def test_base_form_shows_the_amount_and_saves(client, tree, accounts):
    client.force_login(accounts["secretary_a1"])
    m = make_member(tree.branch_a1, name="调资")
    url = reverse("dues:base", args=[m.pk])
    html = client.get(url).content.decode()
    assert 'hx-get="/dues/quote/?member=' in html
    response = client.post(url, {"category": "in_service", "base": "", "effective_from": "2026-07"})
    assert response.status_code == 200 and "DF-01" in response.content.decode()
    response = client.post(url, {"category": "in_service", "base": "10000.01", "effective_from": "2026-07"})
    assert response.status_code == 302
    html = client.get(reverse("dues:member", args=[m.pk])).content.decode()
    assert "200.00" in html and "DF-02" in html


def test_payment_form_tells_about_the_centre(client, tree, accounts):
    client.force_login(accounts["secretary_a1"])
    (m,) = _people(tree.branch_a1, 1)
    url = reverse("dues:pay", args=[m.pk])
    data = {"first_month": "2026-07", "last_month": "2026-07", "paid_on": "2026-07-02", "method": "in_person"}
    response = client.post(url, {**data, "voluntary_amount": "1000"}, follow=True)
    assert "全部上缴中央(DF-07" in response.content.decode()
    response = client.post(url, {**data, "first_month": "2025-12", "last_month": "2025-12"})
    assert response.status_code == 200


def test_a_member_sees_their_own_dues(client, tree, accounts):
    own = accounts["member_record"]
    make_dues_base(own, "student", month=dt.date(2026, 1, 1))
    services.dues_fill(org=tree.branch_a1, month=dt.date(2026, 6, 1))
    client.force_login(accounts["member"])
    html = client.get("/dues/me/").content.decode()
    assert "我的党费" in html and "学生党员" in html and "0.20" in html
    assert "登记交纳" not in html


def _export(name, actor, params) -> list[list]:
    export = exporting.get(name)(actor=actor, params=params)
    export.check()
    handle = io.BytesIO()
    exporting.export_to(export, handle)
    handle.seek(0)
    path = "/tmp/zg-dues-test-export.xlsx"
    with open(path, "wb") as f:
        f.write(handle.read())
    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


def test_exports_follow_the_page(tree, accounts):
    a, b = _people(tree.branch_a1, 2)
    (c,) = _people(tree.branch_b1, 1, start=9)
    for m in (a, b, c):
        make_payment(m, dt.date(2026, 6, 1), paid_on=dt.date(2026, 6, 3))
    services.dues_fill(org=None, month=dt.date(2026, 6, 1))
    rows = _export("dues_ledger", accounts["organizer_a"], {"org": "C0A1", "month": "2026-06"})
    assert rows[0][0] == "党费收缴台账" and rows[2][:3] == ["组织代码", "党支部", "姓名"]
    names = {r[2] for r in rows[3:]}
    assert names == {"党员000", "党员001", "张三"}
    amounts = {r[2]: r[6] for r in rows[3:]}
    assert amounts["党员000"] == 15.0 and amounts["党员001"] == 40.0
    rows = _export("dues_rollup", accounts["dept_admin"], {"org": "C0", "month": "2026-06"})
    assert [r[0] for r in rows[3:]] == ["C0A", "C0B", ""] and rows[-1][1] == "合计"
    assert rows[-1][2] == pytest.approx(float(Decimal("70.00")))
    rows = _export("dues_arrears", accounts["dept_admin"], {"as_of": "2026-06-01"})
    assert {r[2] for r in rows[3:]} == {"党员000", "党员001", "党员009"}
    assert {r[7] for r in rows[3:]} == {"DF-13"}
    with pytest.raises(Exception):  # noqa: B017 - NotInScope
        _export("dues_ledger", accounts["organizer_b"], {"org": "C0A1"})
