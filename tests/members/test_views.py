"""Member pages: list with filters and exact totals, detail, reveal, create and edit, one's own record."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zugong.core import crypto
from zugong.core.models import AuditEntry
from zugong.members import services
from zugong.members.models import Member, MemberEvent
from zugong.orgs.models import Org

from ..factories import id_number_for, make_member

pytestmark = pytest.mark.django_db

LIST = reverse("members:list")


def names(response) -> set[str]:
    return {m.name for m in response.context["members"]}


def login(client, accounts, who):
    client.force_login(accounts[who])
    return client


# -- list ------------------------------------------------------------------------------------------
def test_list_starts_at_the_accounts_org_and_masks_sensitive_columns(client, tree, accounts):
    make_member(tree.branch_a2, name="李四", phone="13800001111")
    make_member(tree.branch_b1, name="王五")
    response = login(client, accounts, "organizer_a").get(LIST)
    assert response.status_code == 200
    assert names(response) == {"张三", "李四"}
    assert response.context["under"] == tree.town_a
    html = response.content.decode()
    li_si = Member.objects.get(name="李四")
    assert li_si.id_number_masked in html and "138****1111" in html
    assert crypto.decrypt(li_si.id_number_enc) not in html and "13800001111" not in html
    assert 'class="d-none d-lg-table-cell zg-masked' in html


def test_list_rows_escape_names_and_show_badges_and_labels(client, tree, accounts):
    """The rows are built in Python (members/views.py member_rows_html): escaping, labels, badges."""
    odd = make_member(tree.branch_a2, name="<b>王&五</b>", education="21", ethnicity="02", sex="2")
    Member.objects.filter(pk=odd.pk).update(is_mobile=True, status=Member.Status.PROBATIONARY)
    org = Org.objects.get(pk=odd.org_id)
    client = login(client, accounts, "dept_admin")
    html = client.get(LIST, {"org": org.code, "standing": "all"}).content.decode()
    row = html[html.index(f'<a href="/members/{odd.pk}/">') :]
    row = row[: row.index("</tr>")]
    assert "&lt;b&gt;王&amp;五&lt;/b&gt;" in row and "<b>王" not in html
    assert 'title="流动党员">流动</span>' in row
    assert '<span class="badge zg-badge-probationary">预备党员</span>' in row
    assert ">女</td>" in row and ">蒙古族</td>" in row and ">大学本科毕业</td>" in row
    assert f">{odd.birth_date:%Y.%m} " in row and f">{odd.joined_on:%Y.%m.%d}<" in row
    assert f'title="{org.name}"' in row
    empty = client.get(LIST, {"org": org.code, "name": "没有这个人"}).content.decode()
    assert "没有符合条件的党员" in empty


def test_list_of_a_subtree_and_out_of_scope_org(client, tree, accounts):
    make_member(tree.branch_a2, name="李四")
    client = login(client, accounts, "dept_admin")
    assert names(client.get(LIST, {"org": "C0AG"})) == {"李四"}
    assert names(client.get(LIST)) == {"张三", "李四"}
    client.force_login(accounts["organizer_b"])
    assert client.get(LIST, {"org": "C0A"}).status_code == 404


def test_member_role_is_sent_to_its_own_record(client, tree, accounts):
    response = login(client, accounts, "member").get(LIST)
    assert response.status_code == 302 and response["Location"] == reverse("members:me")


@pytest.fixture
def crowd(tree):
    """Members differing in one attribute each from a baseline (男, 汉族, 1985, 大学本科, 党政机关, 2010)."""
    today = dt.date.today()
    make_member(tree.branch_a1, name="基准")
    make_member(tree.branch_a1, name="女党员", sex="2")
    make_member(tree.branch_a1, name="回族党员", ethnicity="03")
    young = today - relativedelta(years=25)
    make_member(
        tree.branch_a1,
        name="青年党员",
        birth_date=young,
        joined_on=young + relativedelta(years=19),
        converted_on=young + relativedelta(years=20),
    )
    make_member(tree.branch_a1, name="研究生党员", education="14")
    make_member(tree.branch_a1, name="企业技术人员", category="31")
    recent = today - relativedelta(months=3)
    make_member(tree.branch_a1, name="预备党员", status="probationary", joined_on=recent, converted_on=None)
    make_member(
        tree.branch_a1, name="早年党员", joined_on=dt.date(2005, 7, 1), converted_on=dt.date(2006, 7, 1)
    )
    make_member(tree.branch_a1, name="流动党员", is_mobile=True)
    stopped = make_member(tree.branch_a1, name="停止党籍党员")
    services.member_update(actor=None, member=stopped, standing="stopped")
    return young


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "党员"}, None),  # checked below: every name containing 党员
        ({"sex": "2"}, {"女党员"}),
        ({"ethnicity": "03"}, {"回族党员"}),
        ({"age_band": "-30"}, {"青年党员"}),
        ({"education": "1"}, {"研究生党员"}),
        ({"category": "30"}, {"企业技术人员"}),  # a top-level 人员类别 takes in its sub-categories
        ({"category": "31"}, {"企业技术人员"}),
        ({"status": "probationary"}, {"预备党员"}),
        ({"join_year": "2005"}, {"早年党员"}),
        ({"is_mobile": "1"}, {"流动党员"}),
        ({"standing": "stopped"}, {"停止党籍党员"}),
    ],
)
def test_each_filter_narrows_the_list(client, tree, accounts, crowd, params, expected):
    client = login(client, accounts, "organizer_a")
    everyone = names(client.get(LIST, {"standing": "all"}))
    response = client.get(LIST, params)
    got = names(response)
    if expected is None:
        expected = {n for n in everyone if params["name"] in n} - {"停止党籍党员"}
    assert got == expected
    assert response.context["page_obj"].paginator.count == len(expected)
    assert len(got) < len(everyone)


def test_standing_defaults_to_normal_and_all_shows_everyone(client, tree, accounts, crowd):
    client = login(client, accounts, "organizer_a")
    default = names(client.get(LIST))
    assert "停止党籍党员" not in default
    assert names(client.get(LIST, {"standing": "all"})) == default | {"停止党籍党员"}
    assert names(client.get(LIST, {"is_mobile": "0"})) == default - {"流动党员"}


def test_sorting(client, tree, accounts, crowd):
    client = login(client, accounts, "organizer_a")
    by_join = [m.name for m in client.get(LIST, {"sort": "-joined"}).context["members"]]
    assert by_join[0] == "预备党员" and by_join[-1] == "早年党员"
    by_name = [m.name for m in client.get(LIST, {"sort": "name"}).context["members"]]
    in_db_order = (
        Member.objects.filter(standing="normal").order_by("name", "id").values_list("name", flat=True)
    )
    assert by_name == list(in_db_order)  # the database's collation decides


def test_unfiltered_total_is_the_stored_subtree_total_without_count(client, tree, accounts):
    for _i in range(3):
        make_member(tree.branch_a2)
    client = login(client, accounts, "organizer_a")
    client.get(LIST)  # warm the code-table cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST)
    assert (
        response.context["page_obj"].paginator.count == 4 == Org.objects.get(pk=tree.town_a.pk).member_total
    )
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    filtered = client.get(LIST, {"sex": "1"})
    assert filtered.context["page_obj"].paginator.count == len(filtered.context["members"])


def _list_queries(client, params=None) -> int:
    client.get(LIST, params)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_the_page(client, tree, accounts, django_assert_max_num_queries):
    client = login(client, accounts, "organizer_a")
    for _i in range(4):
        make_member(tree.branch_a2)
    small = _list_queries(client), _list_queries(client, {"sex": "1", "org": "C0A"})
    for i in range(35):
        make_member(tree.branch_a1 if i % 2 else tree.branch_a2, is_mobile=bool(i % 3))
    big = _list_queries(client), _list_queries(client, {"sex": "1", "org": "C0A"})
    assert small == big
    # session, account, its org, the county depth, the page's ids, its rows with their branch (+ the
    # listed org, its breadcrumbs and the rollup count with a filter); the session is saved at most
    # once a minute
    assert big[0] <= 6 and big[1] <= 8, big


def test_org_search_finds_orgs_in_scope_only(client, tree, accounts):
    url = reverse("members:org_search")
    client = login(client, accounts, "organizer_a")
    html = client.get(url, {"q": "党支部"}).content.decode()
    assert "甲村党支部" in html and "甲镇中学第一党支部" in html and "乙村党支部" not in html
    assert "上级：甲镇中学党总支" in html
    assert "C0A1" in client.get(url, {"q": "C0A1"}).content.decode()
    branches = client.get(url, {"q": "甲", "kind": "branch"}).content.decode()
    assert "甲村党支部" in branches and 'data-pick-name="甲镇中学党总支"' not in branches
    assert client.get(url, {"q": ""}).content.decode().strip() == ""


# -- detail and reveal -----------------------------------------------------------------------------
def test_detail_shows_national_fields_with_labels_and_history(client, tree, accounts):
    m = make_member(tree.branch_a1, name="李四", sex="2", ethnicity="03", education="14", category="31")
    services.member_update(actor=accounts["organizer_a"], member=m, job_title="工程师")
    response = login(client, accounts, "leader_a").get(reverse("members:detail", args=[m.pk]))
    html = response.content.decode()
    for text in (
        "李四",
        "女性",
        "回族",
        "硕士研究生毕业",
        "企业专业技术人员",
        "工程师",
        "甲村党支部",
        "正式党员",
    ):
        assert text in html
    assert "登记" in html and "信息修改" in html
    assert m.id_number_masked in html and crypto.decrypt(m.id_number_enc) not in html
    assert response.context["party_age"] == relativedelta(dt.date.today(), m.converted_on).years
    assert "显示" not in html  # 领导 may read, not reveal
    assert reverse("members:edit", args=[m.pk]) not in html
    assert reverse("orgs:detail", args=["C0A"]) in html  # breadcrumbs to the org


def test_probationary_member_has_no_party_age(client, tree, accounts):
    m = make_member(
        tree.branch_a1,
        status="probationary",
        joined_on=dt.date.today() - relativedelta(months=2),
        converted_on=None,
    )
    response = login(client, accounts, "organizer_a").get(reverse("members:detail", args=[m.pk]))
    assert response.context["party_age"] is None
    assert "预备期内不计党龄" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "action"), [("id_number", "member.reveal_id_number"), ("phone", "member.reveal_phone")]
)
def test_reveal_returns_the_clear_value_and_is_audited(client, tree, accounts, field, action):
    m = make_member(tree.branch_a1, phone="13912340000")
    clear = crypto.decrypt(m.id_number_enc) if field == "id_number" else "13912340000"
    client = login(client, accounts, "organizer_a")
    detail = client.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert clear not in detail and reverse("members:reveal", args=[m.pk, field]) in detail
    response = client.post(reverse("members:reveal", args=[m.pk, field]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert clear in response.content.decode() and "<html" not in response.content.decode()
    entry = AuditEntry.objects.get(action=action, object_id=str(m.pk))
    assert entry.actor_label == "organizer_a" and entry.org_path == tree.branch_a1.path
    assert clear not in str(entry.after)


def test_reveal_without_htmx_renders_the_page_with_the_value(client, tree, accounts):
    m = make_member(tree.branch_a1)
    response = login(client, accounts, "organizer_a").post(
        reverse("members:reveal", args=[m.pk, "id_number"])
    )
    assert response.status_code == 200
    assert crypto.decrypt(m.id_number_enc) in response.content.decode()
    assert response.context["member"] == m


def test_reveal_refusals(client, tree, accounts):
    m = make_member(tree.branch_a1)
    url = reverse("members:reveal", args=[m.pk, "id_number"])
    assert login(client, accounts, "leader_a").post(url).status_code == 403
    assert login(client, accounts, "organizer_b").post(url).status_code == 404
    assert login(client, accounts, "organizer_a").get(url).status_code == 405
    assert client.post(reverse("members:reveal", args=[m.pk, "address"])).status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="member.reveal").exists()


# -- self-service ----------------------------------------------------------------------------------
def test_member_sees_and_reveals_only_their_own_record(client, tree, accounts):
    me = accounts["member_record"]
    other = make_member(tree.branch_a1, name="李四")
    client = login(client, accounts, "member")
    response = client.get(reverse("members:me"))
    html = response.content.decode()
    assert response.status_code == 200 and response.context["member"] == me
    assert "这是您本人的党员信息" in html
    assert reverse("members:edit", args=[me.pk]) not in html
    assert reverse("members:reveal", args=[me.pk, "id_number"]) in html
    assert reverse("orgs:detail", args=["C0A1"]) not in html
    assert client.get(reverse("members:detail", args=[me.pk])).status_code == 200
    assert client.get(reverse("members:detail", args=[other.pk])).status_code == 404
    revealed = client.post(reverse("members:reveal", args=[me.pk, "phone"]), HTTP_HX_REQUEST="true")
    assert "13912345678" in revealed.content.decode()
    assert client.post(reverse("members:reveal", args=[other.pk, "phone"])).status_code == 404
    assert client.get(reverse("members:edit", args=[me.pk])).status_code == 403
    assert client.get(reverse("members:edit", args=[other.pk])).status_code == 404


def test_me_sends_staff_to_the_list(client, tree, accounts):
    response = login(client, accounts, "leader_a").get(reverse("members:me"))
    assert response.status_code == 302 and response["Location"] == LIST


# -- create ----------------------------------------------------------------------------------------
def form_data(**overrides) -> dict:
    birth = dt.date(1990, 5, 17)
    data = {
        "name": "赵 六",
        "sex": "2",
        "ethnicity": "01",
        "id_number": id_number_for(birth, "2"),
        "birth_date": "",
        "native_place": "山西泽州",
        "education": "21",
        "degree": "4",
        "status": "formal",
        "joined_on": "2015-06-30",
        "converted_on": "2016-06-30",
        "party_group": "",
        "category": "50",
        "work_unit": "泽州县委组织部",
        "job_title": "科员",
        "phone": "13700001234",
        "address": "泽州县南村镇",
    }
    data.update(overrides)
    return data


def test_create_registers_a_member_in_the_branch(client, tree, accounts):
    url = reverse("members:create") + "?org=C0A1"
    client = login(client, accounts, "secretary_a1")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for title in ("基本信息", "党籍信息", "工作与联系"):
        assert title in html
    assert 'type="date"' in html and "按公民身份号码自动填写" in html
    response = client.post(url, form_data())
    member = Member.objects.get(name="赵六")
    assert response.status_code == 302 and response["Location"] == reverse("members:detail", args=[member.pk])
    assert member.org == tree.branch_a1 and member.birth_date == dt.date(1990, 5, 17)  # from the ID number
    assert member.phone_masked == "137****1234" and member.degree == "4"
    assert MemberEvent.objects.filter(member=member, kind="registered").exists()
    assert AuditEntry.objects.filter(action="member.create", actor_label="secretary_a1").exists()


def test_create_needs_a_branch(client, tree, accounts):
    client = login(client, accounts, "organizer_a")
    page = client.get(reverse("members:create"), {"org": "C0AG"})
    html = page.content.decode()
    assert page.status_code == 200 and "form" not in page.context
    assert "党员应编入党支部" in html and "甲镇中学第一党支部" in html
    assert client.post(reverse("members:create") + "?org=C0AG", form_data()).status_code == 200
    assert not Member.objects.filter(name="赵六").exists()
    assert "党员应编入党支部" in client.get(reverse("members:create")).content.decode()
    assert client.get(reverse("members:create"), {"org": "C0B1"}).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "110101199003070000"}, "id_number", "校验位错误"),
        ({"id_number": "1101011990"}, "id_number", "应为18位"),
        ({"birth_date": "1990-05-18"}, "birth_date", "与公民身份号码中的1990-05-17不一致"),
        ({"sex": "1"}, "sex", "与公民身份号码不一致"),
        ({"joined_on": "2008-05-16", "converted_on": "2009-05-16"}, "joined_on", "入党时未满18周岁"),
        ({"converted_on": "2015-01-01"}, "converted_on", "转正日期应晚于入党日期"),
        ({"converted_on": ""}, "converted_on", "正式党员应填写转正日期"),
        ({"status": "probationary"}, "converted_on", "预备党员不应有转正日期"),
        ({"name": ""}, "name", "姓名不能为空"),
        ({"ethnicity": ""}, "ethnicity", "民族不能为空"),
        ({"joined_on": ""}, "joined_on", "入党日期不能为空"),
        ({"id_number": ""}, "id_number", "公民身份号码不能为空"),
    ],
)
def test_every_validation_message_is_shown_on_its_field(client, tree, accounts, overrides, field, message):
    response = login(client, accounts, "organizer_a").post(
        reverse("members:create") + "?org=C0A1", form_data(**overrides)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    html = response.content.decode()
    assert message in html and "is-invalid" in html
    assert not Member.objects.filter(name="赵六").exists()


def test_under_age_message_cites_the_rule(client, tree, accounts):
    response = login(client, accounts, "organizer_a").post(
        reverse("members:create") + "?org=C0A1", form_data(joined_on="2008-05-16", converted_on="2009-05-16")
    )
    (message,) = response.context["form"].errors["joined_on"]
    assert "FZ-01" in message and "第五条" in message


def test_duplicate_id_number_is_refused(client, tree, accounts):
    taken = make_member(tree.branch_b1)
    number = crypto.decrypt(taken.id_number_enc)
    response = login(client, accounts, "organizer_a").post(
        reverse("members:create") + "?org=C0A1", form_data(id_number=number, sex=taken.sex)
    )
    assert "公民身份号码已登记在其他党员名下" in response.context["form"].errors["id_number"]


def test_all_problems_are_reported_at_once(client, tree, accounts):
    response = login(client, accounts, "organizer_a").post(
        reverse("members:create") + "?org=C0A1", form_data(name="", sex="1", converted_on="2015-01-01")
    )
    assert {"name", "sex", "converted_on"} <= set(response.context["form"].errors)


# -- edit ------------------------------------------------------------------------------------------
def edit_data(member: Member, **overrides) -> dict:
    data = {
        "name": member.name,
        "sex": member.sex,
        "ethnicity": member.ethnicity,
        "id_number": "",
        "birth_date": member.birth_date.isoformat(),
        "native_place": member.native_place,
        "education": member.education,
        "degree": member.degree,
        "status": member.status,
        "standing": member.standing,
        "joined_on": member.joined_on.isoformat(),
        "converted_on": member.converted_on.isoformat() if member.converted_on else "",
        "party_group": member.party_group_id or "",
        "category": member.category,
        "work_unit": member.work_unit,
        "job_title": member.job_title,
        "phone": "",
        "address": member.address,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_edit_keeps_id_number_and_phone_when_left_blank(client, tree, accounts):
    m = make_member(tree.branch_a1, phone="13911112222")
    group = services.party_group_create(actor=None, org=tree.branch_a1, name="第一党小组")
    client = login(client, accounts, "organizer_a")
    page = client.get(reverse("members:edit", args=[m.pk])).content.decode()
    assert m.id_number_masked in page and "139****2222" in page
    assert crypto.decrypt(m.id_number_enc) not in page and "13911112222" not in page
    response = client.post(
        reverse("members:edit", args=[m.pk]),
        # 党籍状态 and 流动党员 are not on the form (their flows keep the history): posted anyway, ignored
        edit_data(m, job_title="主任", party_group=group.pk, is_mobile="on", standing="stopped"),
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.job_title, m.party_group, m.is_mobile, m.standing) == ("主任", group, False, "normal")
    assert crypto.decrypt(m.phone_enc) == "13911112222" and m.id_number_masked
    entry = AuditEntry.objects.get(action="member.update", object_id=str(m.pk))
    assert set(entry.after) == {"job_title", "party_group"}


def test_edit_replaces_or_clears_the_phone(client, tree, accounts):
    m = make_member(tree.branch_a1, phone="13911112222")
    client = login(client, accounts, "organizer_a")
    client.post(reverse("members:edit", args=[m.pk]), edit_data(m, phone="13600003333"))
    m.refresh_from_db()
    assert crypto.decrypt(m.phone_enc) == "13600003333"
    client.post(reverse("members:edit", args=[m.pk]), edit_data(m, clear_phone="on"))
    m.refresh_from_db()
    assert m.phone_masked == "" and m.phone_enc == ""


def test_edit_with_a_new_id_number_follows_its_birth_date(client, tree, accounts):
    m = make_member(tree.branch_a1)
    new = id_number_for(dt.date(1980, 1, 2), "1")
    response = login(client, accounts, "organizer_a").post(
        reverse("members:edit", args=[m.pk]), edit_data(m, id_number=new, birth_date="")
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.birth_date == dt.date(1980, 1, 2) and crypto.decrypt(m.id_number_enc) == new


def test_edit_shows_service_errors(client, tree, accounts):
    m = make_member(tree.branch_a1)
    response = login(client, accounts, "organizer_a").post(
        reverse("members:edit", args=[m.pk]), edit_data(m, converted_on="2000-01-01")
    )
    assert "转正日期应晚于入党日期" in response.context["form"].errors["converted_on"]


def test_party_group_choices_are_the_branchs_own(client, tree, accounts):
    mine = services.party_group_create(actor=None, org=tree.branch_a1, name="第一党小组")
    services.party_group_create(actor=None, org=tree.branch_a2, name="别的党小组")
    m = make_member(tree.branch_a1)
    form = login(client, accounts, "organizer_a").get(reverse("members:edit", args=[m.pk])).context["form"]
    assert list(form.fields["party_group"].queryset) == [mine]


@pytest.mark.parametrize(
    ("joined", "converted", "ok"),
    [
        ("2019-07-01", "2020-07-01", True),  # exactly one year
        ("2019-07-01", "2020-06-30", False),  # a day short
        ("2020-02-29", "2021-02-28", True),  # leap day + 1 year
        ("2020-02-29", "2021-02-27", False),
    ],
)
def test_form_refuses_a_conversion_before_the_probation_ends(client, tree, accounts, joined, converted, ok):
    url = reverse("members:create") + "?org=C0A1"
    client = login(client, accounts, "secretary_a1")
    response = client.post(url, form_data(joined_on=joined, converted_on=converted))
    if ok:
        assert response.status_code == 302 and Member.objects.filter(name="赵六").exists()
    else:
        assert response.status_code == 200 and not Member.objects.filter(name="赵六").exists()
        errors = response.context["form"].errors
        assert "不足12个月的预备期(FZ-18《中国共产党发展党员工作细则》第三十二条)" in " ".join(
            errors["converted_on"]
        )
