"""The audit log pages: scope, filters, labels, query count, chain check, and their permission matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zugong.core.models import AuditEntry
from zugong.core.scope import Role
from zugong.members import services as member_services
from zugong.orgs import services as org_services

from ..factories import make_member, make_user
from ..members.test_matrix import namespace_url_names

pytestmark = pytest.mark.django_db

LIST = reverse("audit:list")
VERIFY = reverse("audit:verify")
NAMESPACE = "audit"
COVERED_URL_NAMES = {"audit:list", "audit:verify"}


def entries(response) -> list[AuditEntry]:
    return [row["entry"] for row in response.context["rows"]]


@pytest.fixture
def town_b_admin(tree):
    return make_user(Role.DEPT_ADMIN, tree.town_b, username="town_b_admin")


@pytest.fixture
def history(tree, accounts):
    """A change in each town and a look at a member's ID number in town A."""
    a = make_member(tree.branch_a1, name="李四")
    b = make_member(tree.branch_b1, name="王五")
    member_services.member_update(actor=accounts["organizer_a"], member=a, job_title="主任")
    member_services.member_reveal(actor=accounts["organizer_a"], member=a, field="id_number")
    member_services.member_update(actor=accounts["organizer_b"], member=b, job_title="会计")
    org_services.org_update(actor=accounts["dept_admin"], org=tree.town_a, phone="0356-1234567")
    return a, b


def test_list_shows_only_entries_in_scope_newest_first(client, tree, accounts, history, town_b_admin):
    client.force_login(town_b_admin)
    got = entries(client.get(LIST))
    assert got and all(e.org_path.startswith(tree.town_b.path) for e in got)
    assert {e.object_repr for e in got} >= {"王五", "乙村党支部"}
    assert "李四" not in {e.object_repr for e in got}
    client.force_login(accounts["dept_admin"])
    everything = entries(client.get(LIST))
    assert [e.pk for e in everything] == sorted((e.pk for e in everything), reverse=True)
    assert {"李四", "王五"} <= {e.object_repr for e in everything}


def test_rows_have_chinese_labels_links_and_compact_changes(client, accounts, history):
    a, _b = history
    client.force_login(accounts["dept_admin"])
    html = client.get(LIST).content.decode()
    for text in ("查看公民身份号码", "修改党员信息", "修改组织信息", "登记党员", "新建组织"):
        assert text in html
    assert "职务：" in html and "主任" in html  # before → after of member.update
    assert "联系电话：" in html and "0356-1234567" in html
    assert "查看字段：" in html and "公民身份号码" in html
    assert reverse("members:detail", args=[a.pk]) in html
    reveal = AuditEntry.objects.get(action="member.reveal_id_number")
    assert reveal.request_id[:10] in html


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"action": "member.reveal_id_number"}, lambda e: e.action == "member.reveal_id_number"),
        ({"actor": "organizer_b"}, lambda e: e.actor_label == "organizer_b"),
        ({"object_type": "orgs.org"}, lambda e: e.object_type == "orgs.org"),
    ],
)
def test_filters_narrow_the_list(client, accounts, history, params, check):
    client.force_login(accounts["dept_admin"])
    everything = entries(client.get(LIST))
    got = entries(client.get(LIST, params))
    assert got and all(check(e) for e in got) and len(got) < len(everything)


def test_date_range(client, accounts, history):
    old = AuditEntry.objects.get(action="member.update", actor_label="organizer_b")
    AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=10))
    client.force_login(accounts["dept_admin"])
    day = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    assert [e.pk for e in entries(client.get(LIST, {"date_from": day, "date_to": day}))] == [old.pk]
    recent = entries(client.get(LIST, {"date_from": timezone.localdate().isoformat()}))
    assert old.pk not in {e.pk for e in recent} and recent


def _queries(client) -> int:
    client.get(LIST)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_constant(client, tree, accounts):
    client.force_login(accounts["dept_admin"])
    for _i in range(5):
        make_member(tree.branch_a1)
    few = _queries(client)
    for _i in range(35):
        make_member(tree.branch_b1)
    assert _queries(client) == few


def test_verify_reports_an_intact_chain_and_a_tampered_one(client, accounts, history):
    client.force_login(accounts["dept_admin"])
    assert "校验完整性" in client.get(LIST).content.decode()
    response = client.post(VERIFY, follow=True)
    total = AuditEntry.objects.count()
    text = response.content.decode()
    assert f"已校验{total}条审计记录" in text and "哈希链完整" in text
    victim = AuditEntry.objects.filter(action="member.update").first()
    AuditEntry.objects.filter(pk=victim.pk).update(after={"job_title": "篡改"})
    text = client.post(VERIFY, follow=True).content.decode()
    assert "发现1条被修改或删除的痕迹" in text and str(victim.pk) in text


def test_verify_is_for_department_operators(client, accounts):
    client.force_login(accounts["cadre_office"])  # reads the county, no audit.view
    assert client.post(VERIFY).status_code == 403


# -- permission matrix -----------------------------------------------------------------------------
ACTORS = [None, "town_b_admin", "leader_a", "organizer_a", "dept_admin", "member"]
ROWS = {
    ("list", "get"): ["login", 200, 403, 403, 200, 403],
    ("verify", "get"): ["login", 405, 405, 405, 405, 405],
    ("verify", "post"): ["login", 302, 403, 403, 302, 403],
}


def test_every_url_is_covered():
    assert namespace_url_names(NAMESPACE) == COVERED_URL_NAMES
    assert {f"{NAMESPACE}:{name}" for name, _method in ROWS} == COVERED_URL_NAMES


@pytest.mark.parametrize(
    ("name", "method", "actor", "expected"),
    [(n, m, actor, exp[i]) for (n, m), exp in ROWS.items() for i, actor in enumerate(ACTORS)],
)
def test_matrix(client, tree, accounts, town_b_admin, history, name, method, actor, expected):
    accounts["town_b_admin"] = town_b_admin
    if actor is not None:
        client.force_login(accounts[actor])
    url = reverse(f"audit:{name}")
    response = client.post(url) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == expected
    if name == "list" and expected == 200:
        seen = {e.object_repr for e in entries(response)}
        assert ("李四" in seen) == (actor == "dept_admin")  # town A's entries are out of town B's scope
