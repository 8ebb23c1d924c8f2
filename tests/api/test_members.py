import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zugong.core.models import AuditEntry
from zugong.members import services as member_services
from zugong.members.models import Member

from ..factories import id_number_for, make_member, member_fields


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(m["name"] for m in response.json()["results"])


@pytest.fixture
def people(tree, accounts):
    """Members of town A with distinct values for every filter (plus 张三 from the accounts fixture)."""
    today = dt.date.today()
    young = today.replace(year=today.year - 25) - dt.timedelta(days=3)
    return {
        "li": make_member(
            tree.branch_a1,
            name="李丽",
            sex="2",
            birth_date=today.replace(year=today.year - 53, day=1),
            education="11",
        ),
        "wang": make_member(
            tree.branch_a2,
            name="王强",
            ethnicity="02",
            birth_date=young,
            joined_on=young.replace(year=young.year + 19),
            converted_on=None,
            status="probationary",
            is_mobile=True,
            category="10",
        ),
        "zhao": make_member(
            tree.branch_a2, name="赵刚", joined_on=dt.date(2015, 7, 1), converted_on=dt.date(2016, 7, 1)
        ),
        "b": make_member(tree.branch_b1, name="乙村党员"),
    }


@pytest.mark.django_db
def test_list_scope_and_default_count(api, tree, accounts, people):
    body = api.get("/api/members", "leader_a").json()
    assert body["count"] == 4
    assert sorted(m["name"] for m in body["results"]) == ["张三", "李丽", "王强", "赵刚"]
    assert _names(api.get("/api/members", "leader_a", org="C0AG")) == ["王强", "赵刚"]
    assert api.get("/api/members", "leader_a", org="C0B").status_code == 404
    assert api.get("/api/members", "dept_admin").json()["count"] == 5
    assert api.get("/api/members", "superuser").json()["count"] == 5
    assert _names(api.get("/api/members", "member")) == ["张三"]  # self only
    assert api.get("/api/members", "talent_office").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"name": "李"}, ["李丽"]),
        ({"sex": "2"}, ["李丽"]),
        ({"ethnicity": "02"}, ["王强"]),
        ({"age_band": "-30"}, ["王强"]),
        ({"age_band": "51-55"}, ["李丽"]),
        ({"education": "1"}, ["李丽"]),
        ({"category": "10"}, ["王强"]),
        ({"status": "probationary"}, ["王强"]),
        ({"join_year": 2015}, ["赵刚"]),
        ({"is_mobile": "true"}, ["王强"]),
        ({"is_mobile": "false", "org": "C0AG"}, ["赵刚"]),
        ({"sex": "1", "org": "C0AG", "status": "formal"}, ["赵刚"]),
    ],
)
def test_filters_with_exact_count(api, tree, accounts, people, query, names):
    response = api.get("/api/members", "leader_a", **query)
    assert _names(response) == names
    assert response.json()["count"] == len(names)


@pytest.mark.django_db
def test_standing_filter_and_sort(api, tree, accounts, people):
    member_services.member_update(actor=None, member=people["zhao"], standing="deceased")
    assert "赵刚" not in _names(api.get("/api/members", "leader_a"))
    assert _names(api.get("/api/members", "leader_a", standing="deceased")) == ["赵刚"]
    assert len(api.get("/api/members", "leader_a", standing="all").json()["results"]) == 4
    assert api.get("/api/members", "leader_a").json()["count"] == 3
    joined = api.get("/api/members", "leader_a", sort="-joined").json()["results"]
    dates = [m["joined_on"] for m in joined]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.django_db
def test_pagination_and_bad_filters(api, tree, accounts, people):
    page = api.get("/api/members", "leader_a", page_size=3, page=2).json()
    assert page["count"] == 4 and len(page["results"]) == 1 and page["page"] == 2
    for query, field in [
        ({"age_band": "20-25"}, "age_band"),
        ({"join_year": "去年"}, "join_year"),
        ({"status": "candidate"}, "status"),
        ({"sort": "age"}, "sort"),
        ({"page_size": 500}, "page_size"),
    ]:
        response = api.get("/api/members", "leader_a", **query)
        assert response.status_code == 422, query
        assert response.json()["detail"][0]["field"] == field
        assert "\u4e00" <= response.json()["detail"][0]["message"][0] <= "\u9fff"  # Chinese


@pytest.mark.django_db
def test_responses_never_carry_clear_or_encrypted_sensitive_values(api, tree, accounts, people):
    member = people["li"]
    clear_id = member_services.member_reveal(actor=None, member=member, field="id_number")
    for response in (api.get("/api/members", "leader_a"), api.get(f"/api/members/{member.pk}", "leader_a")):
        text = response.content.decode()
        assert clear_id not in text and "13912345678" not in text
        assert "_enc" not in text and "v1:" not in text and "id_number_hash" not in text
    detail = api.get(f"/api/members/{member.pk}", "leader_a").json()
    assert detail["id_number_masked"] == clear_id[:6] + "********" + clear_id[-4:]
    assert detail["phone_masked"] == "139****5678"
    assert detail["org"] == "C0A1" and detail["sex_label"] == "女性" and detail["status_label"] == "正式党员"


@pytest.mark.django_db
def test_reveal_is_audited(api, tree, accounts, people):
    member = people["li"]
    before = AuditEntry.objects.filter(action="member.reveal_phone").count()
    response = api("POST", f"/api/members/{member.pk}/reveal", "secretary_a1", {"field": "phone"})
    assert response.json() == {"field": "phone", "value": "13912345678"}
    entry = AuditEntry.objects.filter(action="member.reveal_phone").latest("id")
    assert AuditEntry.objects.filter(action="member.reveal_phone").count() == before + 1
    assert entry.actor_id == accounts["secretary_a1"].pk and entry.object_id == str(member.pk)
    assert "13912345678" not in str(entry.after)
    own = accounts["member_record"]
    assert api("POST", f"/api/members/{own.pk}/reveal", "member", {"field": "id_number"}).status_code == 200
    assert (
        api("POST", f"/api/members/{member.pk}/reveal", "member", {"field": "id_number"}).status_code == 404
    )
    assert api("POST", f"/api/members/{member.pk}/reveal", "leader_a", {"field": "phone"}).status_code == 403
    bad = api("POST", f"/api/members/{member.pk}/reveal", "secretary_a1", {"field": "address"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "field"


@pytest.mark.django_db
def test_create(api, tree, accounts):
    fields = member_fields(name="孙红", sex="2", birth_date=dt.date(1990, 2, 3), phone="13800001111")
    fields.pop("birth_date")  # taken from the ID number
    response = api("POST", "/api/members", "secretary_a1", {"org": "C0A1", **fields})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "孙红" and body["birth_date"] == "1990-02-03" and body["org"] == "C0A1"
    assert body["phone_masked"] == "138****1111"
    member = Member.objects.get(pk=body["id"])
    assert member_services.member_reveal(actor=None, member=member, field="phone") == "13800001111"
    assert AuditEntry.objects.filter(action="member.create", object_id=str(member.pk)).exists()
    assert api("POST", "/api/members", "secretary_a1", {"org": "C0B1", **member_fields()}).status_code == 404


@pytest.mark.django_db
def test_create_validation_in_chinese(api, tree, accounts):
    bad_id = member_fields(id_number="140525199002030000")
    response = api("POST", "/api/members", "secretary_a1", {"org": "C0A1", **bad_id})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == "id_number" and "公民身份号码校验位错误" in error["message"]
    too_young = member_fields(
        birth_date=dt.date(2000, 1, 1), joined_on=dt.date(2015, 1, 1), converted_on=None
    )
    too_young["id_number"] = id_number_for(dt.date(2000, 1, 1))
    response = api("POST", "/api/members", "secretary_a1", {"org": "C0A1", **too_young})
    assert any(e["field"] == "joined_on" and "未满18周岁" in e["message"] for e in response.json()["detail"])
    missing = member_fields()
    del missing["name"], missing["joined_on"]
    response = api("POST", "/api/members", "secretary_a1", {"org": "C0A1", **missing})
    assert {(e["field"], e["message"]) for e in response.json()["detail"]} == {
        ("name", "姓名:必须填写"),
        ("joined_on", "入党日期:必须填写"),
    }
    general = api("POST", "/api/members", "organizer_a", {"org": "C0AG", **member_fields()})
    assert general.status_code == 422 and general.json()["detail"][0]["field"] == "org"
    group = api(
        "POST", "/api/members", "secretary_a1", {"org": "C0A1", **member_fields(), "party_group": 999}
    )
    assert group.json()["detail"] == [{"field": "party_group", "message": "该党支部没有编号为999的党小组"}]


@pytest.mark.django_db
def test_update(api, tree, accounts, people):
    member = people["wang"]
    response = api(
        "PATCH", f"/api/members/{member.pk}", "organizer_a", {"work_unit": "甲镇中学", "phone": "13700000000"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["work_unit"] == "甲镇中学" and response.json()["phone_masked"] == "137****0000"
    entry = AuditEntry.objects.filter(action="member.update", object_id=str(member.pk)).latest("id")
    assert entry.after["work_unit"] == "甲镇中学" and "13700000000" not in str(entry.after)
    bad = api("PATCH", f"/api/members/{member.pk}", "organizer_a", {"converted_on": "2000-01-01"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["detail"]} >= {"converted_on"}
    assert api("PATCH", f"/api/members/{member.pk}", "organizer_b", {"address": "x"}).status_code == 404
    group = member_services.party_group_create(actor=None, org=tree.branch_a2, name="第一党小组")
    response = api("PATCH", f"/api/members/{member.pk}", "organizer_a", {"party_group": group.pk})
    assert response.json()["party_group"] == group.pk and response.json()["party_group_name"] == "第一党小组"
    cleared = api("PATCH", f"/api/members/{member.pk}", "organizer_a", {"party_group": None})
    assert cleared.json()["party_group"] is None


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_page_size(api, tree, accounts):
    for i in range(50):  # distinct birth dates: the factory's ID numbers repeat every 100 per date
        make_member(tree.branch_b1, birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=i))

    def count(**query) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/members", "organizer_b", **query)
        assert len(response.json()["results"]) == query["page_size"]
        return len(ctx.captured_queries)

    api.get("/api/members", "organizer_b", page_size=1)  # warm the token and code-table caches
    assert count(page_size=5) == count(page_size=50)
    assert count(page_size=5, sex="1") == count(page_size=50, sex="1")


FZ18_CASES = [
    (dt.date(2019, 7, 1), dt.date(2020, 7, 1), True),  # exactly one year
    (dt.date(2019, 7, 1), dt.date(2020, 6, 30), False),  # a day short
    (dt.date(2020, 2, 29), dt.date(2021, 2, 28), True),  # leap day + 1 year
    (dt.date(2020, 2, 29), dt.date(2021, 2, 27), False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("joined", "converted", "ok"), FZ18_CASES)
def test_create_refuses_a_conversion_before_the_probation_ends(api, tree, accounts, joined, converted, ok):
    fields = member_fields(joined_on=joined, converted_on=converted)
    response = api("POST", "/api/members", "secretary_a1", {"org": "C0A1", **fields})
    if ok:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["field"] == "converted_on"
        assert "不足12个月的预备期(FZ-18《中国共产党发展党员工作细则》第三十二条)" in error["message"]
        assert not Member.objects.filter(name=fields["name"]).exists()
