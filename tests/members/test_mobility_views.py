"""The 流动与失联 page (each tab: content, scope, query count), the member-page section, the form
flow with its Chinese refusals, the exports and `zugong members tasks`."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from zugong.members import mobility as svc
from zugong.members.models import Member

from ..factories import make_member

TODAY = dt.date.today()
LEFT = dt.date(2024, 3, 15)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }


def populate(tree, n: int = 3) -> None:
    for i in range(n):
        org = tree.branch_a1 if i % 2 else tree.branch_a2
        m = make_member(org, name=f"外出{i}")
        mobility = svc.mobility_start(
            actor=None, member=m, left_on=LEFT, destination=f"北京市{i}", reason="work", phone="13800001111"
        )
        svc.mobility_report(
            actor=None, mobility=mobility, on=dt.date(2025, 5, 1), channel="phone", summary="汇报"
        )
        lost = svc.lost_contact_open(
            actor=None, member=make_member(org, name=f"失联{i}"), since=dt.date(2024, 1, 1)
        )
        svc.lost_contact_note(actor=None, lost=lost, on=dt.date(2024, 2, 1), method="电话", note="空号")
        svc.member_suspend(actor=None, member=lost.member, on=dt.date(2024, 8, 1), reason="失联")
    make_member(tree.branch_b1, name="乙村外出")


@pytest.mark.django_db
@pytest.mark.parametrize("tab", ["tasks", "mobile", "lost", "history"])
def test_each_tab_lists_the_subtree_in_a_fixed_number_of_queries(
    client, tree, accounts, tab, django_assert_max_num_queries
):
    client.force_login(accounts["organizer_a"])
    url = reverse("members:mobility") + f"?tab={tab}"
    populate(tree, 2)
    client.get(url)  # warm the caches (rules, code tables, session)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    populate(tree, 6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "乙村外出" not in html
    if tab in ("mobile", "tasks", "lost"):
        assert "外出" in html or "失联" in html
    assert "GX-06" in html and "GX-07" in html


@pytest.mark.django_db
def test_tasks_tab_shows_rule_and_action_and_filters(client, tree, accounts):
    populate(tree, 1)
    client.force_login(accounts["organizer_a"])
    response = client.get(reverse("members:mobility") + "?tab=tasks&as_of=2026-09-01&kind=remove")
    html = response.content.decode()
    assert "按自行脱党除名" in html and "GX-06" in html and "第二十八条" in html
    assert "年度向流出地党组织汇报" not in html
    assert reverse("members:standing", args=[Member.objects.get(name="失联0").pk, "remove"]) in html
    client.force_login(accounts["leader_a"])
    html = client.get(reverse("members:mobility") + "?tab=tasks&as_of=2026-09-01").content.decode()
    assert "办理除名" not in html  # read-only: no action buttons


@pytest.mark.django_db
def test_member_page_section_and_the_form_flow(client, tree, accounts):
    member = make_member(tree.branch_a1, name="王五")
    client.force_login(accounts["secretary_a1"])
    detail = reverse("members:detail", args=[member.pk])
    assert "登记外出流动" in client.get(detail).content.decode()
    bad = client.post(
        reverse("members:mobility_start", args=[member.pk]),
        {"left_on": (TODAY + dt.timedelta(days=3)).isoformat(), "destination": "北京", "reason": "work"},
    )
    assert bad.status_code == 400 and "外出日期不能晚于今天" in bad.content.decode()
    ok = client.post(
        reverse("members:mobility_start", args=[member.pk]),
        {
            "left_on": TODAY.isoformat(),
            "destination": "上海市浦东新区",
            "reason": "work",
            "phone": "13912340000",
        },
    )
    assert ok.status_code == 302 and ok["Location"].endswith("#mobility")
    html = client.get(detail).content.decode()
    assert "上海市浦东新区" in html and "139****0000" in html and "13912340000" not in html
    member.refresh_from_db()
    assert member.is_mobile
    suspend = client.post(
        reverse("members:standing", args=[member.pk, "suspend"]), {"on": TODAY.isoformat(), "reason": "x"}
    )
    assert suspend.status_code == 400 and "请先登记失联" in suspend.content.decode()
    assert client.get(reverse("members:standing", args=[member.pk, "exile"])).status_code == 404
    mobility = member.mobilities.get()
    assert client.get(reverse("members:mobility_action", args=[mobility.pk, "fly"])).status_code == 404
    back = client.post(
        reverse("members:mobility_action", args=[mobility.pk, "return"]), {"on": TODAY.isoformat()}
    )
    assert back.status_code == 302
    member.refresh_from_db()
    assert not member.is_mobile
    # the member role does not see the section on their own page
    client.force_login(accounts["member"])
    assert 'id="mobility"' not in client.get(reverse("members:me")).content.decode()


def _sheet(response) -> list[list]:
    content = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("mobility_members", "北京市0"),
        ("mobility_lost", "失联0"),
        ("mobility_tasks", "GX-06"),
        ("standing_changes", "停止党籍"),
    ],
)
def test_exports_hold_the_tab_rows_in_scope(client, tree, accounts, name, expect):
    populate(tree, 2)
    client.force_login(accounts["organizer_a"])
    response = client.post(reverse("exports:start", args=[name]) + "?org=C0A")
    assert response.status_code == 200
    text = str(_sheet(response))
    assert expect in text and "乙村外出" not in text
    assert "13800001111" not in text
    client.force_login(accounts["organizer_b"])
    assert client.post(reverse("exports:start", args=[name]) + "?org=C0A").status_code == 404


@pytest.mark.django_db
def test_cli_tasks_csv(tmp_path, tree):
    populate(tree, 1)
    out = tmp_path / "tasks.csv"
    call_command("members", "tasks", "--org", "C0A", "--as-of", "2026-09-01", "-o", str(out))
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][:4] == ["组织代码", "党支部", "姓名", "公民身份号码"]
    kinds = {(r[2], r[4], r[9]) for r in rows[1:]}
    assert ("外出0", "应转接组织关系", "GX-02") in kinds
    assert ("失联0", "按自行脱党除名", "GX-06") in kinds
    assert all("*" in r[3] for r in rows[1:])
    with pytest.raises(SystemExit) as exit_info:
        call_command("members", "tasks", "--org", "NOPE", "-o", str(out))
    assert exit_info.value.code == 2


@pytest.mark.django_db
def test_edit_keeps_the_phone_unless_a_new_one_is_given(client, tree, accounts):
    member = make_member(tree.branch_a1)
    mobility = svc.mobility_start(
        actor=None, member=member, left_on=TODAY, destination="北京市", reason="work", phone="13800004444"
    )
    client.force_login(accounts["organizer_a"])
    url = reverse("members:mobility_action", args=[mobility.pk, "edit"])
    page = client.get(url).content.decode()
    assert "北京市" in page and "13800004444" not in page
    response = client.post(
        url,
        {"left_on": TODAY.isoformat(), "destination": "天津市", "reason": "study", "phone": "", "note": "改"},
    )
    assert response.status_code == 302
    mobility.refresh_from_db()
    assert mobility.destination == "天津市" and mobility.reason == "study"
    assert mobility.phone_masked == "138****4444"
