"""The 导出Excel buttons: each export holds exactly the rows its list holds (filters, scope, every
page), masks sensitive fields unless the full version is asked for by a role that may reveal them,
is audited, and goes to a background job above the inline threshold. Plus the permission matrix
of the exports namespace."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from zugong.core import crypto, exporting
from zugong.core.models import AuditEntry, Job
from zugong.members.models import Member
from zugong.orgs import services as org_services

from ..factories import id_number_for, make_member, make_unit
from ..members.test_matrix import namespace_url_names

pytestmark = pytest.mark.django_db

NAMESPACE = "exports"
COVERED_URL_NAMES = {"exports:start", "exports:jobs", "exports:job", "exports:progress", "exports:download"}
WANG_ID = id_number_for(dt.date(1990, 5, 1), "2", seq=26)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = IMMEDIATE


def sheet(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def export(client, name: str, query: str = "", **post) -> tuple:
    url = reverse("exports:start", args=[name]) + (f"?{query}" if query else "")
    response = client.post(url, post)
    return response, (sheet(body(response)) if response.status_code == 200 else None)


@pytest.fixture
def people(tree, accounts):
    """Members in both towns; a woman and a probationary member in town A."""
    a1 = make_member(tree.branch_a1, name="李四", phone="13800001111")
    a2 = make_member(
        tree.branch_a2,
        name="王芳",
        sex="2",
        birth_date=dt.date(1990, 5, 1),
        id_number=WANG_ID,
        status=Member.Status.PROBATIONARY,
        converted_on=None,
        joined_on=dt.date(2025, 7, 1),
    )
    b1 = make_member(tree.branch_b1, name="赵六")
    return {"a1": a1, "a2": a2, "b1": b1, "zs": accounts["member_record"]}


# -- members ---------------------------------------------------------------------------------------
def test_member_export_holds_exactly_the_list_rows_in_scope(client, accounts, people):
    client.force_login(accounts["organizer_a"])
    ids = client.get(reverse("members:list")).context["page_obj"].paginator.object_list  # paged ids first
    listed = set(Member.objects.filter(pk__in=list(ids)).values_list("name", flat=True))
    response, rows = export(client, "members")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    header, data = rows[0], rows[1:]
    assert header[:4] == ["姓名", "性别", "民族", "出生日期"]
    assert {r[0] for r in data} == listed == {"张三", "李四", "王芳"}  # town B's 赵六 is out of scope
    li = next(r for r in data if r[0] == "李四")
    assert li[3] == dt.date(1985, 3, 14)  # a date cell
    assert li[header.index("公民身份号码")] == people["a1"].id_number_masked
    assert li[header.index("手机")] == "138****1111"


def test_member_export_applies_the_page_filters_on_every_page(client, settings, accounts, people, tree):
    for i in range(60):
        make_member(tree.branch_a1, name=f"女党员{i:02d}", sex="2")
    client.force_login(accounts["organizer_a"])
    page = client.get(reverse("members:list"), {"sex": "2", "page": 2})
    total = page.context["page_obj"].paginator.count
    assert total == 61 and len(page.context["members"]) == 11
    _response, rows = export(client, "members", "sex=2&page=2")
    names = [r[0] for r in rows[1:]]
    assert len(names) == 61 and "王芳" in names and "李四" not in names
    _response, rows = export(client, "members", f"org={tree.general_a.code}")
    assert [r[0] for r in rows[1:]] == ["王芳"]


def test_roster_layout_of_the_national_sheet(client, accounts, people):
    client.force_login(accounts["organizer_a"])
    _response, rows = export(client, "roster")
    assert rows[0][0] == "党员基本信息采集表"
    header = rows[2]
    for label in ["姓名", "性别", "民族", "公民身份号码", "出生日期", "学历", "人员类别", "入党日期"]:
        assert label in header
    for label in ["转正日期", "党员类型", "工作单位及职务", "手机", "所在党支部"]:
        assert label in header
    wang = next(r for r in rows[3:] if r[header.index("姓名")] == "王芳")
    assert wang[header.index("性别")] == "女"
    assert wang[header.index("党员类型")] == "预备党员"
    assert wang[header.index("公民身份号码")] == WANG_ID[:6] + "********" + WANG_ID[-4:]
    assert wang[header.index("入党日期")] == dt.date(2025, 7, 1)


def test_full_export_needs_reveal_and_is_audited(client, accounts, people):
    client.force_login(accounts["leader_a"])  # may view, may not reveal
    response, _rows = export(client, "roster", full="1")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()

    client.force_login(accounts["organizer_a"])
    _response, rows = export(client, "roster", "sex=2", full="1")
    header = rows[2]
    wang = rows[3]
    assert wang[header.index("公民身份号码")] == WANG_ID
    entry = AuditEntry.objects.get(action="export.roster")
    assert entry.actor == accounts["organizer_a"]
    assert entry.after["full"] is True and entry.after["rows"] == 1
    assert "性别" in entry.after["conditions"] and entry.after["filters"] == {"sex": "2"}
    assert entry.org_path == accounts["organizer_a"].org.path


def test_every_export_is_audited_once(client, accounts, people):
    client.force_login(accounts["leader_a"])
    export(client, "members")
    export(client, "members", "sex=1")
    entries = list(AuditEntry.objects.filter(action="export.members").order_by("id"))
    assert len(entries) == 2
    assert entries[0].after["full"] is False and entries[0].after["rows"] == 3
    assert entries[1].after["rows"] == 2
    assert entries[0].actor_label == "leader_a"


def test_out_of_scope_org_is_404_and_no_permission_is_403(client, accounts, people, tree):
    client.force_login(accounts["organizer_b"])
    assert export(client, "members", f"org={tree.town_a.code}")[0].status_code == 404
    client.force_login(accounts["talent_office"])
    assert export(client, "members")[0].status_code == 403
    client.force_login(accounts["member"])
    assert export(client, "members")[0].status_code == 403
    assert export(client, "nope")[0].status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


# -- orgs, units, accounts, audit ------------------------------------------------------------------
def test_org_export_subtree_and_search(client, accounts, tree):
    client.force_login(accounts["organizer_a"])
    _response, rows = export(client, "orgs")
    header = rows[0]
    assert header[:4] == ["组织代码", "党组织名称", "简称", "组织类别"]
    codes = [r[0] for r in rows[1:]]
    assert codes == ["C0A", "C0A1", "C0AG", "C0AG1"]  # tree order, town B left out
    first = dict(zip(header, rows[1], strict=False))
    assert first["上级党组织代码"] == ""  # the county above the account's subtree is not named
    general = dict(zip(header, rows[3], strict=False))
    assert general["上级党组织代码"] == "C0A" and general["组织类别"] == "党总支"
    _response, rows = export(client, "orgs", "org=C0AG")
    assert [r[0] for r in rows[1:]] == ["C0AG", "C0AG1"]
    _response, rows = export(client, "orgs", "q=中学")
    assert [r[0] for r in rows[1:]] == ["C0AG", "C0AG1"]
    assert export(client, "orgs", "org=C0B")[0].status_code == 404


def test_org_export_dissolved_only_when_asked(client, accounts, tree):
    org_services.org_dissolve(actor=None, org=tree.branch_a2, on=dt.date(2026, 1, 1), reason="测试")
    client.force_login(accounts["organizer_a"])
    _r, rows = export(client, "orgs")
    assert "C0AG1" not in [r[0] for r in rows[1:]]
    _r, rows = export(client, "orgs", "dissolved=on")
    row = next(r for r in rows[1:] if r[0] == "C0AG1")
    assert "已撤销" in row


def test_unit_export_with_filters(client, accounts, tree):
    make_unit(tree.town_a, name="甲镇企业", kind="private")
    make_unit(tree.town_b, name="乙镇企业", kind="private")
    client.force_login(accounts["organizer_a"])
    _r, rows = export(client, "units")
    assert rows[0][0] == "单位名称"
    assert [r[0] for r in rows[1:]] == ["甲镇企业"]
    client.force_login(accounts["dept_admin"])
    _r, rows = export(client, "units", "q=乙镇")
    assert [r[0] for r in rows[1:]] == ["乙镇企业"]


def test_account_and_audit_exports(client, accounts, people):
    client.force_login(accounts["dept_admin"])
    _r, rows = export(client, "accounts", "role=leader")
    assert rows[0][:3] == ["用户名", "姓名", "角色"]
    assert [r[0] for r in rows[1:]] == ["leader_a"]
    _r, rows = export(client, "audit", "action=member.create")
    assert rows[0][:3] == ["时间", "操作人", "操作"]
    assert len(rows) - 1 == AuditEntry.objects.filter(action="member.create").count()
    assert isinstance(rows[1][0], dt.datetime)
    client.force_login(accounts["organizer_a"])
    assert export(client, "accounts")[0].status_code == 403
    assert export(client, "audit")[0].status_code == 403


# -- big exports become jobs -----------------------------------------------------------------------
def test_above_the_threshold_the_export_is_a_job(
    client, settings, accounts, people, django_capture_on_commit_callbacks
):
    settings.ZUGONG_EXPORT_INLINE_ROWS = 2
    client.force_login(accounts["organizer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exports:start", args=["members"]) + "?status=",
            {"next": reverse("members:list"), "full": "1"},
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.background and job.kind == "export" and job.total == 3
    assert job.state == Job.State.DONE and job.done == 3  # the immediate backend ran it
    assert job.params["back"] == reverse("members:list") and job.params["full"] is True
    entry = AuditEntry.objects.get(action="export.members")
    assert entry.object_id == str(job.pk) and entry.after["rows"] == 3 and entry.after["full"] is True

    page = client.get(reverse("exports:job", args=[job.pk]))
    assert page.status_code == 200 and "下载文件" in page.content.decode()
    download = client.get(reverse("exports:download", args=[job.pk]))
    rows = sheet(body(download))
    assert {r[0] for r in rows[1:]} == {"张三", "李四", "王芳"}
    assert crypto.decrypt(people["a1"].id_number_enc) in {r[9] for r in rows[1:]}


def test_at_the_threshold_the_export_is_still_direct(client, settings, accounts, people):
    assert settings.ZUGONG_EXPORT_INLINE_ROWS == 5000  # the shipped default
    settings.ZUGONG_EXPORT_INLINE_ROWS = 3  # organizer_a sees exactly 3 members
    client.force_login(accounts["organizer_a"])
    response, rows = export(client, "members")
    assert response.status_code == 200 and len(rows) == 4 and not Job.objects.exists()
    settings.ZUGONG_EXPORT_INLINE_ROWS = 2
    assert export(client, "members")[0].status_code == 302 and Job.objects.count() == 1


def test_queued_job_polls_until_done(client, settings, accounts, people, django_capture_on_commit_callbacks):
    settings.ZUGONG_EXPORT_INLINE_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}
    client.force_login(accounts["organizer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exports:start", args=["members"]))
    job = Job.objects.get()
    assert job.state == Job.State.QUEUED and job.task_id
    fragment = client.get(reverse("exports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in html and "排队" in html
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
    from zugong.core import tasks

    tasks.execute(job.pk)
    html = client.get(reverse("exports:progress", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html and "导出完成" in html


def test_download_needs_the_permission_still(
    client, settings, accounts, people, django_capture_on_commit_callbacks
):
    settings.ZUGONG_EXPORT_INLINE_ROWS = 1
    client.force_login(accounts["organizer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exports:start", args=["roster"]), {"full": "1"})
    job = Job.objects.get()
    user = accounts["organizer_a"]
    user.role = "leader"
    user.save()
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 403


def test_job_list_query_count_is_constant(client, accounts):
    user = accounts["leader_a"]
    client.force_login(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("exports:jobs")).status_code == 200
        return len(ctx.captured_queries)

    Job.objects.create(kind="export", name="members", phase="export", actor=user, state="done", done=1)
    queries()  # the first request after login slides the session (at most once a minute)
    one = queries()
    for name in ["orgs", "units", "roster"] * 5:
        Job.objects.create(kind="export", name=name, phase="export", actor=user, state="done", done=1)
    assert queries() == one


# -- CLI -------------------------------------------------------------------------------------------
def test_cli_export(tmp_path, tree, accounts, people, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = tmp_path / "m.xlsx"
    call_command(
        "export", "members", "--as", "organizer_a", "--sex", "女", "--layout", "list", "-o", str(out)
    )
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("已导出党员名册1行") and "脱敏" in line
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows[1:]] == ["王芳"]
    call_command("export", "members", "--org", "C0B", "--full", "-o", str(out))  # the system: all of it
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[3][rows[2].index("公民身份号码")] == crypto.decrypt(people["b1"].id_number_enc)
    call_command("export", "orgs", "--org", "C0A", "-o", str(out))
    assert "4行" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("export", "members", "--as", "leader_a", "--full", "-o", str(out))
    with pytest.raises(CommandError):
        call_command("export", "members", "--as", "organizer_b", "--org", "C0A", "-o", str(out))
    assert AuditEntry.objects.filter(action__startswith="export.").count() == 3


# -- permission matrix -----------------------------------------------------------------------------
# (url name, method, actor, expected); jobs belong to organizer_a.
ROWS = [
    ("start", "post", None, "login"),
    ("start", "post", "organizer_b", 404),  # ?org= of town A
    ("start", "post", "talent_office", 403),
    ("start", "post", "member", 403),
    ("start", "post", "leader_a", 200),
    ("start", "post", "organizer_a", 200),
    ("start", "get", "organizer_a", 405),
    ("jobs", "get", None, "login"),
    ("jobs", "get", "organizer_b", 200),
    ("jobs", "get", "organizer_a", 200),
    ("job", "get", None, "login"),
    ("job", "get", "organizer_b", 404),
    ("job", "get", "leader_a", 404),
    ("job", "get", "organizer_a", 200),
    ("progress", "get", None, "login"),
    ("progress", "get", "organizer_b", 404),
    ("progress", "get", "organizer_a", 200),
    ("download", "get", None, "login"),
    ("download", "get", "organizer_b", 404),
    ("download", "get", "leader_a", 404),
    ("download", "get", "organizer_a", 200),
]


def test_every_url_is_covered():
    assert namespace_url_names(NAMESPACE) == COVERED_URL_NAMES
    assert {f"{NAMESPACE}:{row[0]}" for row in ROWS} == COVERED_URL_NAMES


@pytest.mark.parametrize(("name", "method", "actor", "expected"), ROWS)
def test_matrix(client, settings, tree, accounts, people, name, method, actor, expected):
    owner = accounts["organizer_a"]
    export_ = exporting.get("members")(actor=owner, params={"org": "C0A"})
    relative, path = __import__("zugong.core.tasks", fromlist=["new_file"]).new_file("exports", ".xlsx")
    export_.write(path)
    job = Job.objects.create(
        kind="export",
        name="members",
        phase="export",
        actor=owner,
        state="done",
        params={"filters": {"org": "C0A"}},
        result_path=relative,
        filename="党员名册.xlsx",
    )
    if actor is not None:
        client.force_login(accounts[actor])
    if name == "start":
        url = reverse("exports:start", args=["members"]) + "?org=C0A"
    elif name == "jobs":
        url = reverse("exports:jobs")
    else:
        url = reverse(f"exports:{name}", args=[job.pk])
    response = client.post(url) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == expected
    if name == "start" and expected != 200:
        assert not AuditEntry.objects.filter(action__startswith="export.").exists()
