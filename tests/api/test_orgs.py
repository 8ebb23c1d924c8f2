import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zugong.core.models import AuditEntry
from zugong.orgs import services as org_services
from zugong.orgs.models import Org, OrgKind

from ..factories import make_org, make_unit


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [o["code"] for o in response.json()["results"]]


@pytest.mark.django_db
def test_list_is_scoped_and_filtered(api, tree, accounts):
    everything = _codes(api.get("/api/orgs", "organizer_a"))
    assert everything == ["C0A", "C0A1", "C0AG", "C0AG1"]  # tree order, own subtree only
    assert _codes(api.get("/api/orgs", "organizer_a", under="C0AG")) == ["C0AG", "C0AG1"]
    assert _codes(api.get("/api/orgs", "dept_admin", kind="general_branch")) == ["C0AG"]
    assert _codes(api.get("/api/orgs", "dept_admin", q="乙")) == ["C0B", "C0B1"]
    org_services.org_dissolve(actor=None, org=tree.branch_b1)
    assert _codes(api.get("/api/orgs", "dept_admin", under="C0B")) == ["C0B"]
    assert _codes(api.get("/api/orgs", "dept_admin", under="C0B", include_dissolved="true")) == [
        "C0B",
        "C0B1",
    ]
    assert api.get("/api/orgs", "organizer_a", under="C0B").status_code == 404


@pytest.mark.django_db
def test_list_items(api, tree, accounts):
    body = api.get("/api/orgs", "dept_admin", under="C0AG").json()
    assert body["count"] == 2 and body["page"] == 1 and body["page_size"] == 50
    general, branch = body["results"]
    assert general["parent_code"] == "C0A" and branch["parent_code"] == "C0AG"
    assert branch["kind"] == "branch" and branch["kind_label"] == "党支部"
    assert branch["depth"] == 4 and branch["path"] == Org.objects.get(code="C0AG1").path
    assert api.get("/api/orgs", "dept_admin", under="C0").json()["results"][0]["parent_code"] is None


@pytest.mark.django_db
def test_pagination(api, tree, accounts):
    first = api.get("/api/orgs", "dept_admin", page_size=3).json()
    second = api.get("/api/orgs", "dept_admin", page_size=3, page=3).json()
    assert first["count"] == second["count"] == 7
    assert len(first["results"]) == 3 and len(second["results"]) == 1
    assert api.get("/api/orgs", "dept_admin", page=9).json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"page_size": 201}, "page_size", "每页条数:不能大于200"),
        ({"page": 0}, "page", "页码:不能小于1"),
        ({"page": "x"}, "page", "页码:应为整数"),
        ({"kind": "club"}, "kind", "组织类别:应为以下之一"),
    ],
)
def test_bad_query_is_422_naming_the_field(api, tree, accounts, query, field, words):
    response = api.get("/api/orgs", "dept_admin", **query)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == field
    assert words in error["message"]


@pytest.mark.django_db
def test_detail(api, tree, accounts):
    unit = make_unit(tree.town_a, code="UV1", name="甲村村民委员会", kind="village")
    org_services.org_set_units(actor=None, org=tree.branch_a1, units=[unit])
    org_services.org_update(actor=None, org=tree.branch_a1, term_started_on=dt.date(2021, 5, 1))
    org_services.seat_add(
        actor=None, org=tree.branch_a1, post="secretary", person_name="李书记", started_on=dt.date(2021, 5, 1)
    )
    body = api.get("/api/orgs/C0A1", "leader_a").json()
    assert body["parent_code"] == "C0A"
    assert body["units"] == [
        {
            "code": "UV1",
            "name": "甲村村民委员会",
            "kind": "village",
            "kind_label": unit.kind_label,
            "is_primary": True,
        }
    ]
    assert [(s["post"], s["post_label"], s["person_name"]) for s in body["seats"]] == [
        ("secretary", "书记", "李书记")
    ]
    assert body["term"]["started_on"] == "2021-05-01"
    assert body["term"]["due_on"] == "2026-05-01"  # village branches: five-year terms
    assert body["term"]["cite"]
    assert body["member_total"] == 1 and body["org_total"] == 0
    assert api.get("/api/orgs/C0B1", "leader_a").status_code == 404
    assert api.get("/api/orgs/NOPE", "dept_admin").status_code == 404


@pytest.mark.django_db
def test_create_and_update(api, tree, accounts):
    unit = make_unit(tree.town_a, code="UA9")
    response = api(
        "POST",
        "/api/orgs",
        "organizer_a",
        {"parent": "C0A", "code": "C0A9", "name": " 新党支部 ", "kind": "branch", "units": ["UA9"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "新党支部" and body["parent_code"] == "C0A" and body["region_code"] == "140525"
    assert [u["code"] for u in body["units"]] == [unit.code]
    entry = AuditEntry.objects.filter(action="org.create", object_repr="新党支部").get()
    assert entry.actor_id == accounts["organizer_a"].pk
    response = api("PATCH", "/api/orgs/C0A9", "organizer_a", {"short_name": "新支部", "units": []})
    assert response.status_code == 200, response.content
    assert response.json()["short_name"] == "新支部" and response.json()["units"] == []
    assert AuditEntry.objects.filter(
        action="org.update", object_id=str(Org.objects.get(code="C0A9").pk)
    ).exists()


@pytest.mark.django_db
def test_create_out_of_scope_parent_is_404_and_top_level_is_403(api, tree, accounts):
    assert (
        api(
            "POST", "/api/orgs", "organizer_a", {"parent": "C0B", "code": "X1", "name": "x", "kind": "branch"}
        ).status_code
        == 404
    )
    assert (
        api("POST", "/api/orgs", "organizer_a", {"code": "X1", "name": "x", "kind": "committee"}).status_code
        == 422
    )
    assert (
        api("POST", "/api/orgs", "leader_a", {"code": "X1", "name": "x", "kind": "committee"}).status_code
        == 403
    )
    assert (
        api("POST", "/api/orgs", "superuser", {"code": "X1", "name": "省委", "kind": "committee"}).status_code
        == 201
    )


@pytest.mark.django_db
def test_write_validation_is_422_in_chinese_naming_the_field(api, tree, accounts):
    taken = api(
        "POST", "/api/orgs", "dept_admin", {"parent": "C0A", "code": "C0B", "name": "重复", "kind": "branch"}
    )
    assert taken.status_code == 422
    assert taken.json()["detail"] == [{"field": "code", "message": "组织代码C0B已被使用"}]
    under_branch = api(
        "POST", "/api/orgs", "dept_admin", {"parent": "C0A1", "code": "Z1", "name": "x", "kind": "branch"}
    )
    assert under_branch.status_code == 422
    assert under_branch.json()["detail"][0]["field"] == "kind"
    assert "党支部下不能设置党支部" in under_branch.json()["detail"][0]["message"]
    missing = api("POST", "/api/orgs", "dept_admin", {"parent": "C0A", "kind": "branch"})
    assert missing.status_code == 422
    assert {(e["field"], e["message"]) for e in missing.json()["detail"]} == {
        ("code", "组织代码:必须填写"),
        ("name", "名称:必须填写"),
    }
    unknown = api("PATCH", "/api/orgs/C0A1", "dept_admin", {"nmae": "x"})
    assert unknown.json()["detail"] == [{"field": "nmae", "message": "nmae:不是可以填写的字段"}]
    null = api("PATCH", "/api/orgs/C0A1", "dept_admin", {"name": None})
    assert null.status_code == 422 and null.json()["detail"][0]["field"] == "name"
    region = api("PATCH", "/api/orgs/C0A1", "dept_admin", {"region_code": "999999"})
    assert region.json()["detail"] == [{"field": "region_code", "message": "行政区划代码999999不在代码表中"}]
    bad_date = api("PATCH", "/api/orgs/C0A1", "dept_admin", {"established_on": "2020-13-01"})
    assert bad_date.json()["detail"][0]["message"] == "成立日期:应为日期,格式 YYYY-MM-DD"
    assert api("PATCH", "/api/orgs/C0A1", "dept_admin", {"units": ["NO-SUCH-UNIT"]}).status_code == 404


@pytest.mark.django_db
def test_children(api, tree, accounts):
    body = api.get("/api/orgs/C0A/children", "leader_a").json()
    assert [(o["code"], o["parent_code"]) for o in body["results"]] == [("C0A1", "C0A"), ("C0AG", "C0A")]
    assert body["count"] == 2
    assert api.get("/api/orgs/C0A/children", "organizer_b").status_code == 404


def _queries(api, path, who, **query) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, who, **query)
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == query["page_size"]
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_page_size(api, tree, accounts):
    for _ in range(50):
        make_org(tree.town_b, kind=OrgKind.BRANCH)
    for i in range(50):
        make_unit(tree.town_b, code=f"UQ{i:03d}")
    api.get("/api/orgs", "organizer_b", page_size=1)  # warm the token and code-table caches
    assert _queries(api, "/api/orgs", "organizer_b", page_size=5) == _queries(
        api, "/api/orgs", "organizer_b", page_size=50
    )
    assert _queries(api, "/api/orgs/C0B/children", "organizer_b", page_size=5) == _queries(
        api, "/api/orgs/C0B/children", "organizer_b", page_size=50
    )
    assert _queries(api, "/api/units", "organizer_b", page_size=5) == _queries(
        api, "/api/units", "organizer_b", page_size=50
    )


# -- units ------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_units_list_filters(api, tree, accounts):
    village = make_unit(tree.town_a, code="UV1", name="甲村村民委员会", kind="village")
    make_unit(tree.town_a, code="UP1", name="甲镇煤业公司", kind="private")
    make_unit(tree.town_b, code="UB1", name="乙镇公司", kind="private")
    org_services.org_set_units(actor=None, org=tree.branch_a1, units=[village])

    def codes(**query):
        return sorted(u["code"] for u in api.get("/api/units", "organizer_a", **query).json()["results"])

    assert codes() == ["UP1", "UV1"]
    assert codes(kind="village") == ["UV1"]
    assert codes(has_org="yes") == ["UV1"]
    assert codes(has_org="no") == ["UP1"]
    assert codes(q="煤业") == ["UP1"]
    assert api.get("/api/units", "organizer_a", has_org="maybe").status_code == 422
    item = api.get("/api/units", "organizer_a", kind="village").json()["results"][0]
    assert item["managing_org"] == "C0A" and item["has_org"] is True
    assert api.get("/api/units", "organizer_a", under="C0B").status_code == 404


@pytest.mark.django_db
def test_unit_detail_create_update(api, tree, accounts):
    response = api(
        "POST",
        "/api/units",
        "organizer_a",
        {"managing_org": "C0A", "code": "UN1", "name": "甲镇新公司", "kind": "private", "employees": 30},
    )
    assert response.status_code == 201, response.content
    assert response.json()["orgs"] == [] and response.json()["has_org"] is False
    bad = api(
        "POST",
        "/api/units",
        "organizer_a",
        {"managing_org": "C0A", "code": "UN2", "name": "x", "kind": "nope"},
    )
    assert bad.json()["detail"] == [{"field": "kind", "message": "未知的单位类别:nope"}]
    patched = api("PATCH", "/api/units/UN1", "organizer_a", {"managing_org": "C0A1", "employees": 31})
    assert patched.status_code == 200, patched.content
    assert patched.json()["managing_org"] == "C0A1" and patched.json()["employees"] == 31
    assert api("PATCH", "/api/units/UN1", "organizer_a", {"managing_org": "C0B"}).status_code == 404
    assert api("PATCH", "/api/units/UN1", "secretary_a1", {"employees": 1}).status_code == 403
    detail = api.get("/api/units/UN1", "leader_a").json()
    assert detail["managing_org_name"] == tree.branch_a1.name
