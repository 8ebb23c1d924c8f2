"""The organization and unit pages: what they show, what their forms change, and their query counts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zugong.members.models import Member
from zugong.orgs import forms, services
from zugong.orgs.models import CommitteeSeat, Org, OrgEvent, OrgKind, OrgUnit, Unit

from ..conftest import refreshed
from ..factories import make_member, make_org, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, accounts):
    client.force_login(accounts["dept_admin"])
    return client


@pytest.fixture
def organizer(client, accounts):
    client.force_login(accounts["organizer_a"])
    return client


def page(response) -> str:
    return response.content.decode()


# Every request of a logged-in account costs 3 queries before the view runs: session, account,
# the account's org (its scope). The session is saved at most once a minute (SlidingSessionMiddleware).
REQUEST_BASE = 3


def count_queries(client, url: str) -> int:
    client.get(url)  # warm the code-table and rule caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# -- tree -----------------------------------------------------------------------------------------
def test_tree_shows_scope_root_expanded_one_level(organizer, tree):
    html = page(organizer.get(reverse("orgs:tree")))
    assert "甲镇党委" in html
    assert "甲村党支部" in html and "甲镇中学党总支" in html
    assert "甲镇中学第一党支部" not in html  # grandchildren load on demand
    assert reverse("orgs:children", args=["C0AG"]) in html
    assert "乙镇党委" not in html and "泽州县委" not in html


def test_tree_children_fragment_is_rows(organizer, tree):
    response = organizer.get(reverse("orgs:children", args=["C0AG"]), headers={"HX-Request": "true"})
    html = page(response)
    assert "<html" not in html
    assert html.count('class="zg-tree-item"') == 1
    assert "甲镇中学第一党支部" in html


def test_tree_hides_dissolved_unless_asked(organizer, tree):
    services.org_dissolve(actor=None, org=tree.branch_a2, on=dt.date(2024, 1, 1))
    url = reverse("orgs:children", args=["C0AG"])
    assert "甲镇中学第一党支部" not in page(organizer.get(url))
    html = page(organizer.get(url + "?dissolved=1"))
    assert "甲镇中学第一党支部" in html and "已撤销" in html


def test_tree_search_lists_matches_with_their_path(organizer, tree):
    html = page(organizer.get(reverse("orgs:tree"), {"q": "第一"}))
    assert "甲镇中学第一党支部" in html
    assert "甲镇中学党总支" in html  # in the breadcrumb path of the match
    assert "泽州县委" not in html  # above the account's scope
    assert "C0AG1" in html


def test_tree_search_by_code_stays_in_scope(organizer, tree):
    html = page(organizer.get(reverse("orgs:tree"), {"q": "C0B"}))
    assert "乙村党支部" not in html
    assert "没有找到" in html


def test_tree_children_query_count_is_constant(admin, tree):
    parent = make_org(tree.town_b, kind=OrgKind.COMMITTEE, code="C0BX", name="乙镇工业园区党委")
    for i in range(3):
        make_org(parent, code=f"C0BX{i:02d}")
    url = reverse("orgs:children", args=["C0BX"])
    three = count_queries(admin, url)
    for i in range(3, 20):
        make_org(parent, code=f"C0BX{i:02d}")
    twenty = count_queries(admin, url)
    assert three == twenty
    assert twenty == REQUEST_BASE + 2  # the parent, its children


def test_tree_page_query_count_is_constant(admin, tree):
    url = reverse("orgs:tree")
    before = count_queries(admin, url)
    for i in range(17):
        make_org(tree.county, kind=OrgKind.COMMITTEE, code=f"C0T{i:02d}")
    assert count_queries(admin, url) == before


# -- detail ---------------------------------------------------------------------------------------
def test_detail_shows_org_committee_children_members_history(admin, tree, accounts):
    unit = make_unit(tree.town_a, name="甲镇人民政府", kind="township")
    services.org_set_units(actor=None, org=tree.town_a, units=[unit])
    services.seat_add(
        actor=None, org=tree.town_a, post="secretary", person_name="李书记", started_on=dt.date(2021, 7, 1)
    )
    services.org_update(
        actor=None, org=tree.town_a, term_started_on=dt.date(2020, 1, 1), phone="0356-1234567"
    )
    html = page(admin.get(reverse("orgs:detail", args=["C0A"])))
    for text in ["甲镇党委", "泽州县委", "甲镇人民政府", "乡镇", "李书记", "0356-1234567", "甲村党支部"]:
        assert text in html, text
    assert "已超期" in html and ("EL-01" in html or "ZB-05" in html)  # the term rule is cited
    assert "张三" in html  # a member of the subtree
    assert f"{reverse('members:list')}?org=C0A" in html
    assert "成立" in html and "修改" in html  # history
    for action in ["orgs:edit", "orgs:move", "orgs:merge", "orgs:dissolve"]:
        assert reverse(action, args=["C0A"]) in html


def test_detail_lists_vacancies_with_their_rule(admin, tree):
    for _ in range(7):
        make_member(tree.branch_b1)
    html = page(admin.get(reverse("orgs:detail", args=["C0B1"])))
    assert "书记空缺" in html
    assert "ZB-04" in html


def test_detail_breadcrumbs_stop_at_the_scope(organizer, tree):
    html = page(organizer.get(reverse("orgs:detail", args=["C0AG1"])))
    assert "甲镇党委" in html and "甲镇中学党总支" in html
    assert "泽州县委" not in html


def test_detail_hides_actions_the_role_cannot_do(client, tree, accounts):
    client.force_login(accounts["leader_a"])
    html = page(client.get(reverse("orgs:detail", args=["C0A1"])))
    for action in ["orgs:edit", "orgs:move", "orgs:merge", "orgs:dissolve", "orgs:seat_add", "orgs:term"]:
        assert reverse(action, args=["C0A1"]) not in html
    client.force_login(accounts["secretary_a1"])
    html = page(client.get(reverse("orgs:detail", args=["C0A1"])))
    assert reverse("orgs:edit", args=["C0A1"]) in html
    assert reverse("orgs:seat_add", args=["C0A1"]) in html
    for action in ["orgs:move", "orgs:merge", "orgs:dissolve"]:
        assert reverse(action, args=["C0A1"]) not in html


def test_detail_of_dissolved_org_says_so(admin, tree):
    services.org_dissolve(actor=None, org=tree.branch_b1, on=dt.date(2023, 5, 4))
    html = page(admin.get(reverse("orgs:detail", args=["C0B1"])))
    assert "已撤销" in html and "2023-05-04" in html
    assert reverse("orgs:edit", args=["C0B1"]) not in html


def test_detail_query_count_is_constant(admin, tree):
    parent = make_org(tree.town_b, kind=OrgKind.COMMITTEE, code="C0BY", name="乙镇社区党委")
    branches = [make_org(parent, code=f"C0BY{i:02d}") for i in range(3)]
    for b in branches:
        make_member(b)
    services.seat_add(
        actor=None, org=parent, post="secretary", person_name="甲", started_on=dt.date(2022, 1, 1)
    )
    services.org_set_units(actor=None, org=parent, units=[make_unit(parent)])
    url = reverse("orgs:detail", args=["C0BY"])
    three = count_queries(admin, url)
    for i in range(3, 20):
        b = make_org(parent, code=f"C0BY{i:02d}")
        make_member(b)
        services.seat_add(
            actor=None, org=parent, post="member", person_name=f"委员{i}", started_on=dt.date(2022, 1, 1)
        )
    twenty = count_queries(admin, url)
    assert three == twenty
    assert twenty <= REQUEST_BASE + 10, twenty


# -- create and edit --------------------------------------------------------------------------------
def test_create_form_suggests_code_and_limits_kinds(organizer, tree):
    response = organizer.get(reverse("orgs:create"), {"parent": "C0AG"})
    form = response.context["form"]
    assert form.initial["code"] == "C0AG002"
    assert {v for v, _ in form.fields["kind"].choices} == {"branch", "joint_branch", "temporary_branch"}


def test_create_under_a_branch_is_refused_politely(organizer, tree):
    html = page(organizer.get(reverse("orgs:create"), {"parent": "C0A1"}))
    assert "不能设置下级党组织" in html
    assert 'class="zg-form"' not in html


def test_create_through_the_view(organizer, tree):
    response = organizer.post(
        reverse("orgs:create") + "?parent=C0A",
        {"code": "C0A7", "name": "甲镇卫生院党支部", "kind": "branch", "established_on": "2020-06-01"},
        follow=True,
    )
    org = Org.objects.get(code="C0A7")
    assert response.redirect_chain[-1][0] == reverse("orgs:detail", args=["C0A7"])
    assert "已新建党组织“甲镇卫生院党支部”" in page(response)
    assert org.path.startswith(tree.town_a.path) and org.established_on == dt.date(2020, 6, 1)
    assert refreshed(tree.town_a).org_total == 4


def test_create_shows_service_and_field_errors(organizer, tree):
    response = organizer.post(
        reverse("orgs:create") + "?parent=C0A", {"code": "C0B1", "name": "", "kind": "branch"}
    )
    assert response.status_code == 200
    assert "这个字段是必填项" in page(response)
    response = organizer.post(
        reverse("orgs:create") + "?parent=C0A", {"code": "C0B1", "name": "重复", "kind": "branch"}
    )
    assert "组织代码C0B1已被使用" in page(response)
    assert not Org.objects.filter(name="重复").exists()


def test_edit_through_the_view(organizer, tree):
    response = organizer.post(
        reverse("orgs:edit", args=["C0A1"]),
        {"name": "甲村党支部委员会", "short_name": "甲村党支部", "kind": "branch", "phone": "0356-1111111"},
        follow=True,
    )
    assert "已保存" in page(response)
    org = refreshed(tree.branch_a1)
    assert (org.name, org.phone) == ("甲村党支部委员会", "0356-1111111")
    assert OrgEvent.objects.filter(org=org, kind="updated").exists()


def test_edit_refuses_a_kind_the_tree_forbids(organizer, tree):
    response = organizer.post(
        reverse("orgs:edit", args=["C0AG"]), {"name": "甲镇中学党总支", "kind": "branch"}
    )
    assert response.status_code == 200
    assert "不能改为党支部" in page(response)
    assert refreshed(tree.general_a).kind == OrgKind.GENERAL_BRANCH


def test_edit_form_offers_exactly_the_editable_fields():
    assert set(forms.EDIT_FIELDS) == services.EDITABLE_ORG_FIELDS


# -- move, merge, dissolve --------------------------------------------------------------------------
def test_move_confirms_before_changing(organizer, tree):
    url = reverse("orgs:move", args=["C0A1"])
    data = {"new_parent": "C0AG", "on": "2024-05-01", "reason": "划归中学管理"}
    response = organizer.post(url, data)
    html = page(response)
    assert response.status_code == 200 and "确认调整" in html
    assert "1</strong> 名党员" in html  # 张三 moves with the branch
    assert refreshed(tree.branch_a1).path.startswith(tree.town_a.path + "0")  # unchanged so far
    assert not refreshed(tree.branch_a1).path.startswith(refreshed(tree.general_a).path)
    response = organizer.post(url, {**data, "confirmed": "1"}, follow=True)
    assert "已将“甲村党支部”调整到“甲镇中学党总支”之下" in page(response)
    moved = refreshed(tree.branch_a1)
    assert moved.path.startswith(refreshed(tree.general_a).path)
    assert Member.objects.get(name="张三").org_path == moved.path
    event = OrgEvent.objects.get(org=moved, kind="moved")
    assert event.details["reason"] == "划归中学管理" and event.on == dt.date(2024, 5, 1)


def test_move_picker_offers_only_valid_targets(organizer, tree):
    response = organizer.get(reverse("orgs:search"), {"purpose": "move", "for": "C0AG", "format": "json"})
    codes = {r["code"] for r in json.loads(response.content)["results"]}
    assert codes == {"C0A"}  # not itself, not its own branches, not branches, not town B
    response = organizer.post(
        reverse("orgs:move", args=["C0AG"]), {"new_parent": "C0AG1", "on": "2024-05-01"}
    )
    assert "请从搜索结果中选择" in page(response)


def test_move_picker_search_keeps_the_chosen_org_first(organizer, tree):
    response = organizer.get(
        reverse("orgs:search"),
        {"purpose": "move", "for": "C0A1", "field": "new_parent", "q": "中学", "new_parent": "C0A"},
        headers={"HX-Request": "true"},
    )
    html = page(response)
    assert html.index('value="C0A"') < html.index('value="C0AG"')
    assert 'value="C0A" checked' in html
    assert "甲镇党委" in html  # the trail of 甲镇中学党总支


def test_move_service_error_is_shown(organizer, tree):
    response = organizer.post(
        reverse("orgs:move", args=["C0A1"]), {"new_parent": "C0A", "on": "2024-05-01", "confirmed": "1"}
    )
    assert response.status_code == 200
    assert "新的上级组织与原上级组织相同" in page(response)


def test_merge_through_the_view(organizer, tree):
    url = reverse("orgs:merge", args=["C0A1"])
    data = {"target": "C0AG1", "on": "2024-05-01", "reason": "村支部合并"}
    assert "确认合并" in page(organizer.post(url, data))
    response = organizer.post(url, {**data, "confirmed": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("orgs:detail", args=["C0AG1"])
    assert "已将“甲村党支部”并入“甲镇中学第一党支部”" in page(response)
    assert not refreshed(tree.branch_a1).is_active
    assert Member.objects.get(name="张三").org_id == tree.branch_a2.pk


def test_merge_into_a_committee_with_members_is_refused(organizer, tree):
    response = organizer.post(
        reverse("orgs:merge", args=["C0A1"]), {"target": "C0AG", "on": "2024-05-01", "confirmed": "1"}
    )
    assert "只能并入党支部" in page(response)
    assert refreshed(tree.branch_a1).is_active


def test_dissolve_refuses_when_not_empty(organizer, tree):
    url = reverse("orgs:dissolve", args=["C0A1"])
    assert "撤销前应先转接党员组织关系" in page(organizer.get(url))
    response = organizer.post(url, {"on": "2024-05-01", "reason": "撤村并居"})
    assert response.status_code == 200
    assert "该组织及其下级还有1名党员" in page(response)
    assert refreshed(tree.branch_a1).is_active


def test_dissolve_through_the_view(organizer, tree):
    org = make_org(tree.town_a, code="C0AX", name="甲镇临时党支部", kind=OrgKind.TEMPORARY_BRANCH)
    response = organizer.post(
        reverse("orgs:dissolve", args=["C0AX"]), {"on": "2024-05-01", "reason": "任务完成"}, follow=True
    )
    assert "已撤销“甲镇临时党支部”" in page(response)
    org = refreshed(org)
    assert not org.is_active and org.dissolved_on == dt.date(2024, 5, 1)


def test_dissolve_rejects_an_invalid_date(organizer, tree):
    org = make_org(tree.town_a, code="C0AY")
    response = organizer.post(reverse("orgs:dissolve", args=["C0AY"]), {"on": "2024-13-01"})
    assert response.status_code == 200
    assert "有效的日期" in page(response)
    assert refreshed(org).is_active


# -- committee and term -----------------------------------------------------------------------------
def test_seat_add_with_a_member_and_end_it(organizer, tree, accounts):
    member = accounts["member_record"]
    response = organizer.post(
        reverse("orgs:seat_add", args=["C0A1"]),
        {"post": "secretary", "member": str(member.pk), "started_on": "2023-01-10"},
        follow=True,
    )
    assert "已登记张三任书记" in page(response)
    seat = CommitteeSeat.objects.get(org=tree.branch_a1)
    assert seat.member_id == member.pk and seat.person_name == "张三"
    html = page(organizer.get(reverse("orgs:detail", args=["C0A1"])))
    assert reverse("members:detail", args=[member.pk]) in html
    response = organizer.post(reverse("orgs:seat_end", args=[seat.pk]), {"ended_on": "2022-01-01"})
    assert "离任日期不能早于任职日期" in page(response)
    response = organizer.post(
        reverse("orgs:seat_end", args=[seat.pk]), {"ended_on": "2024-01-10"}, follow=True
    )
    assert "不再担任书记" in page(response)
    assert CommitteeSeat.objects.get(pk=seat.pk).ended_on == dt.date(2024, 1, 10)


def test_seat_add_needs_a_name_and_one_secretary(organizer, tree):
    url = reverse("orgs:seat_add", args=["C0A1"])
    assert "请选择党员或填写姓名" in page(organizer.post(url, {"post": "member", "started_on": "2023-01-10"}))
    organizer.post(url, {"post": "secretary", "person_name": "甲", "started_on": "2023-01-10"})
    response = organizer.post(url, {"post": "secretary", "person_name": "乙", "started_on": "2023-02-10"})
    assert "该组织已有在任书记" in page(response)


def test_term_renew_through_the_view(organizer, tree):
    services.org_update(actor=None, org=tree.branch_a1, term_started_on=dt.date(2019, 1, 1))
    url = reverse("orgs:term", args=["C0A1"])
    assert "换届日期应晚于" in page(organizer.post(url, {"on": "2018-01-01"}))
    response = organizer.post(url, {"on": "2024-01-01"}, follow=True)
    assert "已登记换届" in page(response)
    assert refreshed(tree.branch_a1).term_started_on == dt.date(2024, 1, 1)


def test_set_units_respects_the_joint_branch_rule(organizer, tree):
    units = [make_unit(tree.town_a, name=f"甲镇企业{i}") for i in range(6)]
    url = reverse("orgs:units", args=["C0A1"])
    response = organizer.post(url, {"units": [str(units[0].pk), str(units[1].pk)]})
    assert "只有联合党支部可以覆盖多个单位" in page(response)
    joint = make_org(tree.town_a, code="C0AJ", kind=OrgKind.JOINT_BRANCH, name="甲镇非公企业联合党支部")
    url = reverse("orgs:units", args=["C0AJ"])
    response = organizer.post(url, {"units": [str(u.pk) for u in units]})
    assert "ZB-01" in page(response) and not OrgUnit.objects.filter(org=joint).exists()
    response = organizer.post(url, {"units": [str(u.pk) for u in units[:5]]}, follow=True)
    assert "已保存" in page(response)
    assert OrgUnit.objects.filter(org=joint).count() == 5


def test_set_units_search_keeps_checked_units(organizer, tree):
    kept = make_unit(tree.town_a, name="甲镇兴达煤机有限公司")
    make_unit(tree.town_a, name="甲镇鑫源合作社")
    response = organizer.get(
        reverse("orgs:units", args=["C0A1"]),
        {"q": "鑫源", "units": [str(kept.pk)]},
        headers={"HX-Request": "true"},
    )
    html = page(response)
    assert "<html" not in html
    assert html.index("兴达煤机") < html.index("鑫源合作社")
    assert f'value="{kept.pk}"' in html and "checked" in html


def test_set_units_cannot_use_units_out_of_scope(organizer, tree):
    other = make_unit(tree.town_b, name="乙镇企业")
    response = organizer.post(reverse("orgs:units", args=["C0A1"]), {"units": [str(other.pk)]})
    assert response.status_code == 200
    assert not OrgUnit.objects.filter(org=tree.branch_a1).exists()


# -- units ------------------------------------------------------------------------------------------
def test_unit_list_filters(organizer, tree):
    hosted = make_unit(tree.town_a, name="甲村村民委员会", kind="village")
    services.org_set_units(actor=None, org=tree.branch_a1, units=[hosted])
    make_unit(tree.town_a, name="甲镇兴达煤机有限公司", kind="private")
    make_unit(tree.town_b, name="乙镇企业", kind="private")
    url = reverse("units:list")
    html = page(organizer.get(url))
    assert "甲村村民委员会" in html and "甲镇兴达煤机有限公司" in html and "乙镇企业" not in html
    assert "已建党组织" in html and "未建" in html
    html = page(organizer.get(url, {"has_org": "no"}))
    assert "甲镇兴达煤机有限公司" in html and "甲村村民委员会" not in html
    html = page(organizer.get(url, {"kind": "village"}))
    assert "甲村村民委员会" in html and "兴达" not in html
    html = page(organizer.get(url, {"q": "兴达", "region": "140000"}))
    assert "兴达" in html and "甲村村民委员会" not in html
    assert organizer.get(url, {"kind": "nonsense", "has_org": "maybe"}).status_code == 200


def test_unit_list_query_count_is_constant(admin, tree):
    for i in range(3):
        u = make_unit(tree.town_a, name=f"单位{i:02d}")
        services.org_set_units(actor=None, org=make_org(tree.town_a), units=[u])
    url = reverse("units:list")
    three = count_queries(admin, url)
    for i in range(3, 20):
        u = make_unit(tree.town_b if i % 2 else tree.town_a, name=f"单位{i:02d}")
        if i % 3:
            services.org_set_units(actor=None, org=make_org(tree.town_b), units=[u])
    twenty = count_queries(admin, url)
    assert three == twenty
    assert twenty == REQUEST_BASE + 2  # COUNT, the page (managing org joined, has_org annotated)


def test_unit_list_paginates_by_50(admin, tree):
    for i in range(55):
        Unit.objects.create(
            code=f"B{i:03d}",
            name=f"批量单位{i:03d}",
            kind="private",
            managing_org=tree.town_a,
            managing_path=tree.town_a.path,
        )
    html = page(admin.get(reverse("units:list")))
    assert "批量单位049" in html and "批量单位050" not in html
    assert "共 55 条" in html
    assert "批量单位054" in page(admin.get(reverse("units:list"), {"page": 2}))


def test_unit_detail_lists_hosted_orgs(organizer, tree):
    unit = make_unit(tree.town_a, name="甲村村民委员会", kind="village", code="UV1")
    services.org_set_units(actor=None, org=tree.branch_a1, units=[unit])
    html = page(organizer.get(reverse("units:detail", args=["UV1"])))
    assert "甲村党支部" in html and "行政村" in html and "已建党组织" in html


def test_unit_create_and_edit_through_the_views(organizer, tree):
    response = organizer.post(
        reverse("units:create"),
        {
            "code": "UN1",
            "name": "甲镇卫生院",
            "kind": "hospital",
            "region_code": "140525",
            "township": "甲镇",
            "employees": "35",
            "managing_org": "C0AG",
        },
        follow=True,
    )
    assert "已新建单位“甲镇卫生院”" in page(response)
    unit = Unit.objects.get(code="UN1")
    assert unit.managing_org_id == tree.general_a.pk and unit.employees == 35
    response = organizer.post(
        reverse("units:edit", args=["UN1"]),
        {"name": "泽州县甲镇卫生院", "kind": "hospital", "managing_org": "C0A", "is_active": "on"},
        follow=True,
    )
    assert "已保存单位" in page(response)
    unit.refresh_from_db()
    assert unit.name == "泽州县甲镇卫生院" and unit.managing_path == tree.town_a.path


def test_unit_create_errors_in_chinese(organizer, tree):
    make_unit(tree.town_a, code="DUP")
    response = organizer.post(
        reverse("units:create"), {"code": "DUP", "name": "甲", "kind": "private", "managing_org": "C0A"}
    )
    assert "单位代码DUP已被使用" in page(response)
    response = organizer.post(
        reverse("units:create"), {"code": "U9", "name": "甲", "kind": "", "managing_org": "C0B"}
    )
    html = page(response)
    assert "这个字段是必填项" in html and "请从搜索结果中选择" in html
    assert not Unit.objects.filter(code="U9").exists()


# -- plumbing -------------------------------------------------------------------------------------
def test_writes_need_the_csrf_token(tree, accounts):
    client = Client(enforce_csrf_checks=True)
    client.force_login(accounts["organizer_a"])
    response = client.post(reverse("orgs:term", args=["C0A1"]), {"on": "2024-01-01"})
    assert response.status_code == 403
    assert refreshed(tree.branch_a1).term_started_on is None


def test_forms_carry_the_csrf_token(organizer, tree):
    for url in [
        reverse("orgs:edit", args=["C0A1"]),
        reverse("orgs:move", args=["C0A1"]),
        reverse("units:create"),
    ]:
        assert "csrfmiddlewaretoken" in page(organizer.get(url))


def test_no_inline_scripts(organizer, tree):
    for url in [
        reverse("orgs:tree"),
        reverse("orgs:detail", args=["C0A"]),
        reverse("orgs:move", args=["C0A1"]),
    ]:
        html = page(organizer.get(url))
        assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html


def test_pickers_start_near_the_org(organizer, tree):
    def codes(**params):
        response = organizer.get(reverse("orgs:search"), {"format": "json", **params})
        return [r["code"] for r in json.loads(response.content)["results"]]

    assert codes(purpose="merge", **{"for": "C0AG1"}) == []  # no sibling: the user searches
    assert "C0A1" in codes(purpose="merge", **{"for": "C0AG1"}, q="甲村")  # a search looks everywhere
    assert codes(purpose="move", **{"for": "C0AG1"}) == ["C0AG"]  # its parent's level (C0A1 is a branch)
    make_org(tree.town_a, kind=OrgKind.GENERAL_BRANCH, code="C0AH", name="甲镇小学党总支")
    assert codes(purpose="move", **{"for": "C0AG1"}) == ["C0AG", "C0AH"]
    assert codes(purpose="merge", **{"for": "C0A1"}) == ["C0AG", "C0AH"]  # its siblings
