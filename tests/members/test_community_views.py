"""双报到 pages: what each side sees (and does not), fixed query counts on every list page, the
exports with the pages' scope, the member detail section and the self-service page."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from zugong.core.exporting import export_to, get
from zugong.core.scope import Role
from zugong.members import community_selectors as sel
from zugong.members.models import Member

from ..factories import make_member, make_user
from .community_helpers import D, activity, hours, make_community, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, accounts):
    com = make_community(tree.town_a, code="C0AS", name="幸福社区党支部")
    accounts["com_secretary"] = make_user(Role.BRANCH_SECRETARY, com, username="com_secretary")
    workers = [
        make_member(tree.branch_a1, name=f"在职{i}", category="50", phone="13900001234") for i in range(4)
    ]
    jan_1 = D.today().replace(month=1, day=1)
    for w in workers[:3]:
        report(w, com, on=jan_1)
    this_year = D.today().replace(month=1, day=2)
    act = activity(com, title="今年的活动", on=this_year)
    hours(act, (workers[0], 2), (workers[1], "1.5"))
    make_member(tree.branch_b1, name="乙村党员", category="50")
    return {"com": com, "workers": workers, "activity": act, "tree": tree}


def _text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_community_sees_reporting_members_but_not_their_records(client, world, accounts):
    client.force_login(accounts["com_secretary"])
    html = _text(client, reverse("members:community_org", args=["C0AS"]))
    assert "在职0" in html and "139****1234" in html and "甲村党支部" in html
    assert "13900001234" not in html and f"/members/{world['workers'][0].pk}/" not in html
    member = world["workers"][0]
    assert client.get(reverse("members:detail", args=[member.pk])).status_code == 404
    assert client.get(reverse("members:community_employer", args=["C0A1"])).status_code == 404


def test_employer_sees_its_members_reports_hours_and_unreported(client, world, accounts):
    client.force_login(accounts["secretary_a1"])
    base = reverse("members:community_employer", args=["C0A1"])
    assert "幸福社区党支部" in _text(client, base + "?tab=reports")
    unreported = _text(client, base + "?tab=unreported")
    assert "在职3" in unreported and "在职0" not in unreported and "乙村党员" not in unreported
    per_member = _text(client, base + "?tab=members")
    assert "在职0" in per_member and "2.0" in per_member
    assert client.get(reverse("members:community_org", args=["C0AS"])).status_code == 404
    assert client.get(reverse("members:community_activity", args=[world["activity"].pk])).status_code == 404


def test_a_third_party_sees_nothing(client, world, accounts):
    client.force_login(accounts["organizer_b"])
    for url in (
        reverse("members:community_org", args=["C0AS"]),
        reverse("members:community_employer", args=["C0A1"]),
        reverse("members:community_activity", args=[world["activity"].pk]),
    ):
        assert client.get(url).status_code == 404


def test_selectors_two_sides_and_outside(world, accounts):
    from zugong.core.scope import scope_for

    r = world["workers"][0].community_reports.get()
    assert sel.report_get(scope=scope_for(accounts["com_secretary"]), pk=r.pk) == r
    assert sel.report_get(scope=scope_for(accounts["secretary_a1"]), pk=r.pk) == r
    from zugong.core.exceptions import NotInScope

    with pytest.raises(NotInScope):
        sel.report_get(scope=scope_for(accounts["organizer_b"]), pk=r.pk)


def test_rollup_and_summary_figures(world, accounts):
    from zugong.core.scope import scope_for

    scope = scope_for(accounts["dept_admin"])
    tree = world["tree"]
    year = D.today().year
    s = sel.summary(scope=scope, under=tree.county, year=year)
    # accounts["member_record"] (张三) is in-service (category 50) too and has not reported
    assert (s.in_service, s.reported, s.unreported) == (6, 3, 3)
    assert (s.hours, s.people, s.records, s.activities, s.communities) == (3.5, 2, 2, 1, 1)
    rows, total = sel.rollup(scope=scope, under=tree.county, year=year)
    town_a = next(r for r in rows if r.key == "C0A")
    assert town_a.extra["reported"] == 3 and town_a.hours == 3.5 and total.extra["unreported"] == 3


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("community_org", ""),
        ("community_org", "?status=unevaluated"),
        ("community_org", "?tab=activities"),
        ("community_employer", ""),
        ("community_employer", "?tab=reports"),
        ("community_employer", "?tab=unreported"),
        ("community_employer", "?tab=members"),
        ("community_employer", "?tab=communities"),
    ],
)
def test_list_pages_keep_a_fixed_number_of_queries(
    client, world, accounts, django_assert_max_num_queries, url, extra
):
    client.force_login(accounts["organizer_a"])
    code = "C0AS" if url == "community_org" else "C0A"
    target = reverse(f"members:{url}", args=[code]) + extra
    client.get(target)
    with django_assert_max_num_queries(14) as before:
        client.get(target)
    n = len(before.captured_queries)
    more = [make_member(world["tree"].branch_a1, name=f"又{i}", category="50") for i in range(6)]
    for m in more[:4]:
        report(m, world["com"], on=D.today().replace(month=1, day=1))
    act = activity(world["com"], title="再一次", on=D.today().replace(month=1, day=3))
    hours(act, *[(m, 1) for m in more[:4]])
    with django_assert_max_num_queries(n):
        client.get(target)


def test_activity_detail_and_me_query_counts(client, world, accounts, django_assert_max_num_queries):
    client.force_login(accounts["com_secretary"])
    url = reverse("members:community_activity", args=[world["activity"].pk])
    client.get(url)
    with django_assert_max_num_queries(12) as first:
        assert client.get(url).status_code == 200
    more = [make_member(world["tree"].branch_a1, name=f"又{i}", category="50") for i in range(4)]
    for m in more:
        report(m, world["com"], on=D.today().replace(month=1, day=1))
    hours(world["activity"], *[(m, 1) for m in more])
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200
    client.force_login(accounts["member"])
    me = reverse("members:community_me")
    client.get(me)
    with django_assert_max_num_queries(12):
        assert client.get(me).status_code == 200


def test_batch_hours_page_keeps_what_was_typed_on_error(client, world, accounts):
    client.force_login(accounts["com_secretary"])
    w = world["workers"][2]
    day = D.today().replace(month=1, day=5)
    act = activity(world["com"], title="另一次", on=day)
    url = reverse("members:community_hours", args=[act.pk])
    response = client.post(url, {f"h_{w.pk}": "0.7", "served_on": day.isoformat(), "confirm": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "第1行 在职2:服务时长按半小时登记" in html and 'value="0.7"' in html


def test_member_detail_section_and_self_page(client, world, accounts, tree):
    client.force_login(accounts["secretary_a1"])
    w = world["workers"][0]
    html = _text(client, reverse("members:detail", args=[w.pk]))
    assert "双报到与志愿服务" in html and "幸福社区党支部报到" in html
    html = _text(client, reverse("members:detail", args=[world["workers"][3].pk]))
    assert "未报到" in html
    own = accounts["member_record"]
    report(own, world["com"], on=D.today().replace(month=1, day=1))
    client.force_login(accounts["member"])
    html = _text(client, reverse("members:community_me"))
    assert "我的志愿服务" in html and "幸福社区党支部" in html


def _export(name, actor, params) -> list[tuple]:
    export = get(name)(actor=actor, params=params)
    buffer = io.BytesIO()
    export_to(export, buffer)
    book = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))
    return [tuple(r) for r in book.get_sheet_by_index(0).to_python()]


def test_exports_follow_the_pages(world, accounts):
    year = str(D.today().year)
    rows = _export("community_unreported", accounts["secretary_a1"], {"org": "C0A1"})
    names = [r[2] for r in rows[3:]]
    assert set(names) == {"在职3", "张三"}
    rows = _export("community_hours_member", accounts["organizer_a"], {"org": "C0A", "year": year})
    assert [r[2] for r in rows[3:]] == ["在职0", "在职1"]
    rows = _export("community_hours_employer", accounts["organizer_a"], {"org": "C0A", "year": year})
    assert rows[-1][1] == "合计" and rows[-1][7] == 3.5
    rows = _export("community_reports", accounts["com_secretary"], {"org": "C0AS"})
    assert len(rows) == 3 + 3 and rows[3][1] == "139****1234"
    rows = _export("community_hours_community", accounts["organizer_a"], {"org": "C0A", "year": year})
    assert rows[3][1] == "幸福社区党支部"
    for name in ("community_activities", "community_employer_reports"):
        assert _export(name, accounts["organizer_a"], {"org": "C0AS" if "activities" in name else "C0A"})
    from zugong.core.exceptions import NotInScope

    with pytest.raises(NotInScope):
        _export("community_reports", accounts["secretary_a1"], {"org": "C0AS"})
    assert Member.objects.count() > 0
