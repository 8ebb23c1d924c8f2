"""组织关系转接 pages: the list and its tabs, both sides' views of a letter in transit, the start form
with the exact-name lookup, actions with their errors, the printable letter, the export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from zugong.core import exporting
from zugong.members import transfers
from zugong.members.models import Member, Transfer
from zugong.rules import engine

from ..factories import make_dues_base, make_member, make_payment, make_transfer

pytestmark = pytest.mark.django_db
LIST = reverse("members:transfer_list")
TODAY = dt.date.today()


def _overdue(member, to):
    issued = engine.add_months(TODAY, -engine.rule("GX-03").params["max_letter_months"]) - dt.timedelta(
        days=2
    )
    return make_transfer(member, to, issued_on=issued)


def test_list_tabs_flag_overdue_and_returned_letters(client, tree, accounts):
    late = _overdue(make_member(tree.branch_a1, name="逾期甲"), tree.branch_b1)
    back = make_transfer(make_member(tree.branch_a1, name="退回乙"), tree.branch_b1)
    transfers.transfer_return(actor=None, transfer=back, reason="接收单位不符")
    make_transfer(make_member(tree.branch_a1, name="在途丙"))
    client.force_login(accounts["secretary_a1"])
    html = client.get(LIST).content.decode()
    assert "逾期甲" in html and "在途丙" in html and "退回乙" not in html  # open letters by default
    assert "已过期2天" in html and "GX-02" in html and "GX-03" in html
    overdue = client.get(LIST, {"tab": "overdue"}).context["rows"]
    assert [t.pk for t in overdue] == [late.pk] and overdue[0].overdue
    returned = client.get(LIST, {"tab": "returned"})
    assert [t.pk for t in returned.context["rows"]] == [back.pk]
    assert "接收单位不符" in returned.content.decode()
    assert returned.context["counts"] == {
        "open": 2,
        "outgoing": 2,
        "incoming": 0,
        "overdue": 1,
        "returned": 1,
    }
    assert [t.pk for t in client.get(LIST, {"q": "退回", "tab": "all"}).context["rows"]] == [back.pk]


def test_list_query_count_is_fixed(client, tree, accounts, django_assert_max_num_queries):
    client.force_login(accounts["organizer_a"])
    for i in range(3):
        make_transfer(make_member(tree.branch_a1), tree.branch_b1 if i % 2 else None)
    client.get(LIST)
    with django_assert_max_num_queries(8) as small:
        client.get(LIST, {"tab": "all"})
    for i in range(30):
        make_transfer(make_member(tree.branch_a2), tree.branch_b1 if i % 2 else tree.branch_a1)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(LIST, {"tab": "all"})
    assert len(response.context["rows"]) == 33


def test_both_orgs_see_the_member_in_transit(client, tree, accounts):
    m = make_member(tree.branch_a1, name="转接中")
    make_member(tree.branch_a1, name="留下的")
    t = make_transfer(m, tree.branch_b1)
    client.force_login(accounts["organizer_b"])
    slot = client.get(reverse("members:transfer_slot"), {"org": "C0B1"}).content.decode()
    assert "转接中" in slot and "转入中" in slot
    detail = client.get(reverse("members:transfer_detail", args=[t.pk])).content.decode()
    assert (
        "转接中" in detail
        and m.id_number_masked in detail
        and "接收" in detail
        and "撤销介绍信" not in detail
    )
    assert reverse("members:detail", args=[m.pk]) not in detail  # the sender's registry stays closed
    members_page = client.get(reverse("members:list")).content.decode()
    assert "留下的" not in members_page and reverse("members:transfer_slot") in members_page
    client.force_login(accounts["secretary_a1"])
    slot = client.get(reverse("members:transfer_slot"), {"org": "C0A1"}).content.decode()
    assert "转接中" in slot and "转出中" in slot
    detail = client.get(reverse("members:transfer_detail", args=[t.pk])).content.decode()
    assert (
        "撤销介绍信" in detail
        and 'action="' + reverse("members:transfer_act", args=[t.pk, "receive"]) not in detail
    )
    page = client.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert t.letter_number in page and reverse("members:transfer_start", args=[m.pk]) not in page  # one open


def test_start_finds_the_receiving_branch_by_exact_code_or_name(client, tree, accounts):
    m = make_member(tree.branch_a1)
    client.force_login(accounts["secretary_a1"])
    page = client.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert reverse("members:transfer_start", args=[m.pk]) in page
    lookup = reverse("members:transfer_org_lookup")
    assert "乙村党支部" in client.get(lookup, {"to_org": "C0B1"}).content.decode()
    assert "乙镇党委" in client.get(lookup, {"to_org": "C0B1"}).content.decode()  # its parent, to confirm
    assert "乙村党支部" not in client.get(lookup, {"to_org": "乙村"}).content.decode()
    url = reverse("members:transfer_start", args=[m.pk])
    bad = client.post(url, {"kind": "within", "to_org": "乙村"})
    assert bad.status_code == 200 and "请核对" in bad.content.decode()
    response = client.post(url, {"kind": "within", "to_org": "乙村党支部", "reason": "工作调动"})
    t = Transfer.objects.get(member=m)
    assert response.status_code == 302 and response["Location"] == reverse(
        "members:transfer_detail", args=[t.pk]
    )
    assert t.to_org == tree.branch_b1 and t.reason == "工作调动"


def test_receive_and_return_from_the_detail_page(client, tree, accounts):
    m = make_member(tree.branch_a1)
    t = make_transfer(m, tree.branch_b1)
    client.force_login(accounts["organizer_b"])
    url = reverse("members:transfer_act", args=[t.pk, "return"])
    response = client.post(url, {"return_reason": ""})
    assert response.status_code == 200 and "GX-02" in response.content.decode()
    response = client.post(reverse("members:transfer_act", args=[t.pk, "receive"]), {"note": "已报到"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.org_id == tree.branch_b1.pk
    assert client.get(reverse("members:detail", args=[m.pk])).status_code == 200  # now the receiver's


def test_receipt_page_action_takes_the_member_out(client, tree, accounts):
    m = make_member(tree.branch_a1)
    t = make_transfer(m)
    client.force_login(accounts["secretary_a1"])
    url = reverse("members:transfer_act", args=[t.pk, "receipt"])
    assert client.post(url, {"received_on": TODAY.isoformat(), "receipt_number": "回12"}).status_code == 302
    m.refresh_from_db()
    assert m.standing == Member.Standing.TRANSFERRED_OUT


def test_reissue_from_the_detail_page(client, tree, accounts):
    t = _overdue(make_member(tree.branch_a1), tree.branch_b1)
    client.force_login(accounts["secretary_a1"])
    html = client.get(reverse("members:transfer_detail", args=[t.pk])).content.decode()
    assert "逾期" in html and "过期重开" in html and "GX-03" in html
    response = client.post(reverse("members:transfer_act", args=[t.pk, "reissue"]), {})
    new = Transfer.objects.get(reissue_of=t)
    assert response["Location"] == reverse("members:transfer_detail", args=[new.pk])


def test_letter_prints_stub_letter_and_receipt(client, tree, accounts):
    m = make_member(tree.branch_a1, name="印信")
    t = make_transfer(m, tree.branch_b1)
    client.force_login(accounts["secretary_a1"])
    html = client.get(reverse("members:transfer_letter", args=[t.pk])).content.decode()
    assert html.count(t.letter_number) >= 3 and "（存根）" in html and "（回执）" in html
    assert "@media print" in html and "乙村党支部" in html and m.id_number_masked in html
    assert "&ensp;" not in html  # no dues kept for this member: 党费已交到 stays blank, to fill by hand


def test_letter_fills_dues_paid_through_from_the_ledger(client, tree, accounts):
    m = make_member(
        tree.branch_a1, name="交费", joined_on=dt.date(2015, 7, 1), converted_on=dt.date(2016, 7, 1)
    )
    last = engine.add_months(dt.date.today().replace(day=1), -1)  # paid up to last month
    first = engine.add_months(last, -2)
    make_dues_base(m, "in_service", 4000, month=first)
    make_payment(m, first, last, paid_on=dt.date.today())
    t = make_transfer(m, tree.branch_b1)
    client.force_login(accounts["secretary_a1"])
    html = client.get(reverse("members:transfer_letter", args=[t.pk])).content.decode()
    assert html.count(f"&ensp;{last.year}&ensp;") == 2 and html.count(f"&ensp;{last.month}&ensp;") == 2


def test_transfer_in_registers_the_member(client, tree, accounts):
    from .test_views import form_data

    client.force_login(accounts["secretary_a1"])
    url = reverse("members:transfer_in") + "?org=C0A1"
    assert client.get(url).status_code == 200
    data = {f"member-{k}": v for k, v in form_data().items()}
    data.update({"letter-from_name": "中共某县某支部", "letter-letter_number": "外1", "letter-issued_on": ""})
    response = client.post(url, data)
    assert response.status_code == 200 and "请填写介绍信开具日期" in response.content.decode()
    data["letter-issued_on"] = TODAY.isoformat()
    assert client.post(url, data).status_code == 302
    assert Member.objects.get(name="赵六").org_id == tree.branch_a1.pk


def _export(actor, params) -> list[list]:
    export = exporting.get("transfers")(actor=actor, params=params)
    handle = io.BytesIO()
    exporting.export_to(export, handle)
    path = "/tmp/zg-transfers-test-export.xlsx"
    with open(path, "wb") as f:
        f.write(handle.getvalue())
    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


def test_export_follows_the_page(tree, accounts):
    _overdue(make_member(tree.branch_a1, name="逾期甲"), tree.branch_b1)
    make_transfer(make_member(tree.branch_a2, name="在途乙"))
    make_transfer(make_member(tree.branch_b1, name="乙镇丙"))
    rows = _export(accounts["organizer_a"], {"tab": "all"})
    assert rows[0][:3] == ["姓名", "公民身份号码", "转接类型"]
    assert {r[0] for r in rows[1:]} == {"逾期甲", "在途乙"}
    rows = _export(accounts["organizer_a"], {"tab": "overdue"})
    assert [r[0] for r in rows[1:]] == ["逾期甲"] and rows[1][11] == "逾期未接收"
    with pytest.raises(Exception):  # noqa: B017 - NotInScope
        _export(accounts["organizer_b"], {"org": "C0A1"})
