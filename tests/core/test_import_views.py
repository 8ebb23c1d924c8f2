"""The web import: upload → check (counts, first rows, every problem) → confirm (all or nothing, or
only the rows without problems) → result; big files as background jobs; the problem list and the
template; 我的导入. A small test importer stands in for the registries' own (it writes code items),
so these tests exercise the pages, not an importer's rules."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from zugong.core import idnumber, tasks
from zugong.core.importing import registry
from zugong.core.importing.pipeline import Column, Importer, Problem, WriteResult
from zugong.core.models import AuditEntry, CodeItem, Job, JobProblem

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}


class FakeImporter(Importer):
    """Rows of 姓名, 年龄, 入党日期, 公民身份号码; under 18 is a problem; writes code items."""

    name = "members"
    title = "测试名单"
    notes = ["一行一人。"]
    columns = [
        Column("name", "姓名", ("名字",), required=True),
        Column("age", "年龄", kind="int", required=True),
        Column("joined_on", "入党日期", kind="date"),
        Column("id_number", "公民身份号码", kind="id_number"),
    ]

    def check_row(self, row: dict[str, Any], line: int) -> list[Problem]:
        if row.get("age") is not None and row["age"] < 18:
            return [self.problem(line, "age", row["age"], "年龄不满18岁")]
        return []

    def key(self, row):
        return row["name"]

    def key_column(self):
        return "name"

    def write(self, rows):
        n = 0
        for row in rows:
            CodeItem.objects.create(table="test_import", code=row["name"], name=row["name"])
            n += 1
        return WriteResult(imported=n)


def fake_template(importer_cls, target):
    import xlsxwriter

    wb = xlsxwriter.Workbook(target, {"in_memory": True})
    ws = wb.add_worksheet("模板")
    for i, c in enumerate(importer_cls.columns):
        ws.write_string(0, i, c.label)
    wb.close()


@pytest.fixture(autouse=True)
def setup(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    settings.TASKS = IMMEDIATE
    monkeypatch.setitem(registry.IMPORTERS, "members", "tests.core.test_import_views.FakeImporter")


def csv_file(rows: list[str], name: str = "名单.csv") -> SimpleUploadedFile:
    text = "姓名,年龄,入党日期,公民身份号码\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile(name, text.encode("gbk"), content_type="text/csv")


ID1 = idnumber.make("140525", dt.date(1985, 3, 14), 1, "1")
GOOD = [f"张三,40,2010-07-01,{ID1}", "李四,35,2012年7月1日,"]
BAD = ["王五,16,2020.7.1,", "赵六,abc,,"]


def upload(client, rows, *, name="members", **extra):
    return client.post(reverse("imports:upload", args=[name]), {"file": csv_file(rows), **extra})


def imported() -> set[str]:
    return set(CodeItem.objects.filter(table="test_import").values_list("code", flat=True))


# -- the happy path --------------------------------------------------------------------------------
def test_upload_check_confirm_writes(client, accounts):
    client.force_login(accounts["organizer_a"])
    response = upload(client, GOOD)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:job", args=[job.pk])
    assert job.phase == "check" and job.state == "done" and not job.background
    assert job.upload_path.startswith("imports/") and job.filename == "名单.csv"
    assert job.report["read"] == 2 and job.report["valid"] == 2 and job.report["rejected"] == 0
    assert not imported()  # the check writes nothing

    page = client.get(response["Location"]).content.decode()
    assert "检查通过" in page and "确认导入" in page and "张三" in page
    assert ID1[:6] + "********" + ID1[-4:] in page and ID1 not in page  # masked preview

    response = client.post(reverse("imports:confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.phase == "commit" and job.state == "done" and job.report["written"]
    assert imported() == {"张三", "李四"}
    entry = AuditEntry.objects.get(action="import.members")
    assert entry.actor == accounts["organizer_a"] and entry.after["imported"] == 2
    assert entry.after["file"] == "名单.csv"
    assert not job.upload_path  # the uploaded file is gone once imported
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "导入完成" in page

    # a second confirm does nothing
    client.post(reverse("imports:confirm", args=[job.pk]))
    assert CodeItem.objects.filter(table="test_import").count() == 2


# -- problems --------------------------------------------------------------------------------------
def test_problems_are_listed_and_refuse_the_import(client, accounts):
    client.force_login(accounts["organizer_a"])
    upload(client, GOOD + BAD)
    job = Job.objects.get()
    assert job.report["rejected"] == 2 and job.report["valid"] == 2
    problems = list(JobProblem.objects.filter(job=job).order_by("line"))
    assert [(p.line, p.column) for p in problems] == [(4, "年龄"), (5, "年龄")]
    assert problems[0].reason == "年龄不满18岁" and problems[0].value == "16"
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "检查发现 2 行有问题" in page and "年龄不满18岁" in page
    assert 'id="zg-confirm-button" disabled' in page and "只导入无误的行" in page
    assert "下载问题清单" in page

    # all or nothing: without the option, nothing is written
    response = client.post(reverse("imports:confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.phase == "check" and not imported()

    # the problem list: the rejected rows as they were, with a 问题说明 column
    download = client.get(reverse("imports:problems", args=[job.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][:2] == ["姓名", "年龄"] and rows[0][-1] == "问题说明"
    assert [r[0] for r in rows[1:]] == ["王五", "赵六"]
    assert "年龄不满18岁" in rows[1][-1]


def test_skip_invalid_imports_the_good_rows(client, accounts):
    client.force_login(accounts["organizer_a"])
    upload(client, GOOD + BAD)
    job = Job.objects.get()
    client.post(reverse("imports:confirm", args=[job.pk]), {"skip_invalid": "1"})
    job.refresh_from_db()
    assert job.report["written"] and job.report["imported"] == 2 and job.report["rejected"] == 2
    assert imported() == {"张三", "李四"}
    assert AuditEntry.objects.get(action="import.members").after["skip_invalid"] is True
    assert client.get(reverse("imports:problems", args=[job.pk])).status_code == 200


def test_problems_are_paginated(client, accounts):
    client.force_login(accounts["organizer_a"])
    upload(client, [f"人{i},{i % 10}" for i in range(120)])
    job = Job.objects.get()
    assert job.report["problems"] == 120
    page1 = client.get(reverse("imports:job", args=[job.pk]))
    assert len(page1.context["problems"]) == 50 and page1.context["page_obj"].paginator.num_pages == 3
    page3 = client.get(reverse("imports:job", args=[job.pk]), {"page": 3})
    assert [p.line for p in page3.context["problems"]][-1] == 121


def test_unreadable_file_and_missing_columns(client, accounts):
    client.force_login(accounts["organizer_a"])
    client.post(
        reverse("imports:upload", args=["members"]),
        {"file": SimpleUploadedFile("x.csv", "甲,乙\n1,2\n".encode())},
    )
    job = Job.objects.get()
    assert "找不到表头" in job.report["error"]
    assert "无法读取这个文件" in client.get(reverse("imports:job", args=[job.pk])).content.decode()
    client.post(
        reverse("imports:upload", args=["members"]),
        {"file": SimpleUploadedFile("y.csv", "姓名,入党日期\n张三,2010-01-01\n".encode())},
    )
    job = Job.objects.latest("id")
    assert job.report["refused"] and JobProblem.objects.get(job=job).reason == "缺少必填列"
    assert client.get(reverse("imports:problems", args=[job.pk])).status_code == 200


def test_upload_is_validated(client, settings, accounts):
    client.force_login(accounts["organizer_a"])
    bad = SimpleUploadedFile("a.pdf", b"%PDF-1.4")
    response = client.post(reverse("imports:upload", args=["members"]), {"file": bad})
    assert response.status_code == 200 and "不支持的文件类型" in response.content.decode()
    settings.ZUGONG_IMPORT_MAX_BYTES = 10
    response = upload(client, GOOD)
    assert response.status_code == 200 and "文件过大" in response.content.decode()
    settings.ZUGONG_IMPORT_MAX_BYTES = 10_000
    response = upload(client, GOOD, org="C0B")  # an org outside the scope
    assert response.status_code == 200 and "不在您的管理范围内" in response.content.decode()
    assert not Job.objects.exists()


def test_options_reach_the_importer(client, accounts, monkeypatch):
    seen = {}

    def capture(job):
        importer = original(job)
        seen.update(update=importer.update, options=importer.options, actor=importer.actor)
        return importer

    original = tasks.importer_for
    monkeypatch.setattr(tasks, "importer_for", capture)
    client.force_login(accounts["organizer_a"])
    upload(client, GOOD, org="C0A1", update="on")
    assert seen == {"update": True, "options": {"org": "C0A1"}, "actor": accounts["organizer_a"]}
    assert Job.objects.get().org_path == accounts["organizer_a"].org.path + "0001"


# -- big files -------------------------------------------------------------------------------------
def test_big_files_run_in_the_background(client, settings, accounts, django_capture_on_commit_callbacks):
    settings.ZUGONG_IMPORT_INLINE_ROWS = 2
    settings.TASKS = DUMMY
    client.force_login(accounts["organizer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, [*GOOD, "王七,50,,"])
    job = Job.objects.get()
    assert job.background and job.state == "queued" and job.total == 4  # header line included
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "可以关闭此页面" in page
    fragment = client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "progress-bar" in fragment.content.decode()

    tasks.execute(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.state == "done" and job.report["valid"] == 3
    fragment = client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.phase == "commit" and job.state == "queued" and not imported()
    tasks.execute(job.pk)
    assert imported() == {"张三", "李四", "王七"}


def test_my_imports_list(client, accounts):
    client.force_login(accounts["organizer_a"])
    upload(client, GOOD)
    upload(client, BAD)
    client.force_login(accounts["organizer_b"])
    upload(client, GOOD)
    client.force_login(accounts["organizer_a"])
    page = client.get(reverse("imports:index"))
    jobs = list(page.context["jobs"])
    assert len(jobs) == 2 and all(j.actor == accounts["organizer_a"] for j in jobs)
    html = page.content.decode()
    assert "有问题,待处理" in html and "检查通过,待确认" in html and "下载导入模板" in html


def test_job_list_query_count_is_constant(client, accounts):
    user = accounts["organizer_a"]
    client.force_login(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("imports:index")).status_code == 200
        return len(ctx.captured_queries)

    Job.objects.create(
        kind="import", name="members", phase="check", actor=user, state="done", filename="a.csv"
    )
    queries()  # the first request after login slides the session (at most once a minute)
    one = queries()
    for i in range(15):
        Job.objects.create(
            kind="import", name="members", phase="commit", actor=user, state="done", filename=f"{i}.csv"
        )
    assert queries() == one


def test_template_download(client, accounts, monkeypatch):
    import zugong.core.importing.templates as templates

    monkeypatch.setattr(templates, "build_template", fake_template)
    client.force_login(accounts["organizer_a"])
    response = client.get(reverse("imports:template", args=["members"]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["姓名", "年龄", "入党日期", "公民身份号码"]
    assert "attachment" in response["Content-Disposition"]


def test_import_buttons_only_for_those_who_may(client, accounts):
    client.force_login(accounts["organizer_a"])
    assert reverse("imports:upload", args=["members"]) in client.get(reverse("members:list")).content.decode()
    assert reverse("imports:upload", args=["orgs"]) in client.get(reverse("orgs:tree")).content.decode()
    client.force_login(accounts["leader_a"])
    assert (
        reverse("imports:upload", args=["members"])
        not in client.get(reverse("members:list")).content.decode()
    )
    assert reverse("imports:upload", args=["orgs"]) not in client.get(reverse("orgs:tree")).content.decode()
    client.force_login(accounts["secretary_a1"])  # member.edit, no org.structure
    assert reverse("imports:upload", args=["orgs"]) not in client.get(reverse("orgs:tree")).content.decode()


def test_real_member_importer_through_the_page(client, settings, accounts, monkeypatch, tree):
    """The registry's own member importer, end to end (not the stand-in)."""
    monkeypatch.setitem(registry.IMPORTERS, "members", "zugong.members.importers.MemberImporter")
    from ..factories import id_number_for

    number = id_number_for(dt.date(1988, 8, 8), "1")
    header = "姓名,性别,民族,公民身份号码,入党日期,转正日期,党员类型,所在党支部\n"
    good = f"孙八,男,汉族,{number},2015-07-01,2016-07-01,正式党员,C0A1\n"
    bad = f"周九,男,汉族,{number[:-1]}0,2015-07-01,2016-07-01,正式党员,C0B1\n"
    client.force_login(accounts["organizer_a"])
    client.post(
        reverse("imports:upload", args=["members"]),
        {"file": SimpleUploadedFile("m.csv", (header + good + bad).encode("utf-8-sig"))},
    )
    job = Job.objects.get()
    assert job.report["valid"] == 1 and job.report["rejected"] == 1, job.report
    client.post(reverse("imports:confirm", args=[job.pk]), {"skip_invalid": "1"})
    from zugong.members.models import Member

    assert Member.objects.filter(name="孙八", org=tree.branch_a1).exists()
    assert not Member.objects.filter(name="周九").exists()


# -- permission matrix -----------------------------------------------------------------------------
NAMESPACE = "imports"
COVERED_URL_NAMES = {
    "imports:index",
    "imports:upload",
    "imports:template",
    "imports:job",
    "imports:progress",
    "imports:confirm",
    "imports:problems",
}
# (url name, method, actor, importer, expected). Jobs belong to organizer_a.
ROWS = [
    ("index", "get", None, "", "login"),
    ("index", "get", "leader_a", "", 403),
    ("index", "get", "member", "", 403),
    ("index", "get", "secretary_a1", "", 200),
    ("index", "get", "organizer_a", "", 200),
    ("upload", "get", None, "members", "login"),
    ("upload", "get", "leader_a", "members", 403),
    ("upload", "get", "member", "members", 403),
    ("upload", "get", "organizer_a", "members", 200),
    ("upload", "get", "secretary_a1", "orgs", 403),
    ("upload", "get", "organizer_a", "orgs", 200),
    ("upload", "get", "organizer_a", "nope", 404),
    ("upload", "post", None, "members", "login"),
    ("upload", "post", "leader_a", "members", 403),
    ("upload", "post", "organizer_a", "members", "ok"),
    ("template", "get", None, "members", "login"),
    ("template", "get", "leader_a", "members", 403),
    ("template", "get", "organizer_a", "members", 200),
    ("job", "get", None, "", "login"),
    ("job", "get", "organizer_b", "", 404),
    ("job", "get", "leader_a", "", 404),
    ("job", "get", "organizer_a", "", 200),
    ("progress", "get", None, "", "login"),
    ("progress", "get", "organizer_b", "", 404),
    ("progress", "get", "organizer_a", "", 200),
    ("confirm", "post", None, "", "login"),
    ("confirm", "post", "organizer_b", "", 404),
    ("confirm", "get", "organizer_a", "", 405),
    ("confirm", "post", "organizer_a", "", "ok"),
    ("problems", "get", None, "", "login"),
    ("problems", "get", "organizer_b", "", 404),
    ("problems", "get", "organizer_a", "", 200),
]


def test_every_url_is_covered():
    from ..members.test_matrix import namespace_url_names

    assert namespace_url_names(NAMESPACE) == COVERED_URL_NAMES
    assert {f"{NAMESPACE}:{row[0]}" for row in ROWS} == COVERED_URL_NAMES


@pytest.mark.parametrize(("name", "method", "actor", "importer", "expected"), ROWS)
def test_matrix(client, accounts, monkeypatch, name, method, actor, importer, expected):
    import zugong.core.importing.templates as templates

    monkeypatch.setattr(templates, "build_template", fake_template)
    owner = accounts["organizer_a"]
    client.force_login(owner)
    upload(client, GOOD + BAD)
    job = Job.objects.get()
    client.logout()
    if actor is not None:
        client.force_login(accounts[actor])
    data: dict = {}
    if name == "index":
        url = reverse("imports:index")
    elif name in {"upload", "template"}:
        url = reverse(f"imports:{name}", args=[importer])
        data = {"file": csv_file(GOOD)}
    else:
        url = reverse(f"imports:{name}", args=[job.pk])
        data = {"skip_invalid": "1"}
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif expected == "ok":
        assert response.status_code == 302
        if name == "upload":
            assert Job.objects.count() == 2
        else:
            assert imported() == {"张三", "李四"}
    else:
        assert response.status_code == expected
    if expected != "ok":
        assert Job.objects.count() == 1 and not imported()


def test_the_commit_gets_its_own_task(client, settings, accounts, django_capture_on_commit_callbacks):
    """The check's finished task must not make the queued commit look abandoned."""
    from django_tasks_db.models import DBTaskResult

    settings.ZUGONG_IMPORT_INLINE_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    client.force_login(accounts["organizer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, GOOD)
    job = Job.objects.get()
    tasks.execute(job.pk)
    check_task = job.task_id
    DBTaskResult.objects.filter(id=check_task).update(status="SUCCESSFUL")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", args=[job.pk]))
    client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    job.refresh_from_db()
    assert job.phase == "commit" and job.state == "queued" and job.task_id and job.task_id != check_task
    tasks.execute(job.pk)
    assert imported() == {"张三", "李四"}
