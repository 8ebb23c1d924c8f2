"""The org importer: parents in the file in any order or in the system, kinds that nest, units and
secretaries, scope, idempotence."""

import pytest

from zugong.core.audit import verify_chain
from zugong.core.importing.pipeline import ImportRefused
from zugong.core.models import AuditEntry, AuditHead
from zugong.orgs.models import CommitteeSeat, Org, OrgEvent, Unit

from ..conftest import refreshed
from ..import_helpers import FIXTURES, reasons, run, write_xlsx

HEADER = [
    "组织代码",
    "组织名称",
    "组织类别",
    "上级组织代码",
    "所在单位名称",
    "单位类别",
    "行政区划代码",
    "成立日期",
    "书记姓名",
]


def orgs_file(tmp_path, rows, name="o.xlsx"):
    return write_xlsx(tmp_path / name, [HEADER, *rows], title="党组织和所在单位基本信息采集表")


@pytest.mark.django_db
def test_children_before_parents_units_and_secretaries(tree):
    report = run("orgs", FIXTURES / "orgs.xls")

    assert reasons(report) == "" and report.imported == 3
    general = Org.objects.get(code="C0B2G")
    child = Org.objects.get(code="C0B2G1")
    assert Org.objects.get_parent(child) == general
    assert Org.objects.get_parent(general) == tree.town_b
    assert general.kind == "general_branch" and child.kind == "branch"
    assert str(child.established_on) == "2008-07-01"  # 2008.7, month only
    assert refreshed(tree.town_b).org_total == 4 and refreshed(tree.county).org_total == 9
    village = Unit.objects.get(name="丙村村民委员会")  # one unit, linked to both
    assert set(village.orgs.values_list("code", flat=True)) == {"C0B2G", "C0B2G1"}
    assert village.kind == "village" and village.managing_org == tree.town_b
    assert Unit.objects.get(name="乙镇卫生院").kind == "hospital"
    seat = CommitteeSeat.objects.get(org=general)
    assert (seat.post, seat.person_name, str(seat.started_on)) == ("secretary", "陈二", "2008-06-01")
    assert OrgEvent.objects.filter(org=child, kind="created").exists()
    assert verify_chain()[1] == []


@pytest.mark.django_db
def test_reimporting_changes_nothing_and_differences_are_named(tree, tmp_path):
    run("orgs", FIXTURES / "orgs.xls")
    again = run("orgs", FIXTURES / "orgs.xls")
    assert (again.imported, again.unchanged, again.rejected) == (0, 3, 0)

    changed = orgs_file(tmp_path, [["C0B3", "乙镇中心卫生院党支部", "党支部", "C0B", "", "", "", "", "王五"]])
    report = run("orgs", changed)
    assert report.refused
    assert "该组织代码已登记为“乙镇卫生院党支部”,与本行不同的项目:组织名称、书记姓名" in reasons(report)


@pytest.mark.django_db
def test_parent_problems_are_named_and_cascade(tree, tmp_path):
    rows = [
        ["X1", "一", "党支部", "C0A1", "", "", "", "", ""],  # a branch under a branch
        ["X2", "二", "党委", "C0AG", "", "", "", "", ""],  # a committee under a general branch
        ["X3", "三", "党支部", "NOPE", "", "", "", "", ""],
        ["X4", "四", "党总支", "X5", "", "", "", "", ""],  # a cycle
        ["X5", "五", "党总支", "X4", "", "", "", "", ""],
        ["X6", "六", "党委", "C0B", "", "", "", "坏日期", ""],
        ["X7", "七", "党总支", "X6", "", "", "", "", ""],  # below a bad row
        ["X8", "八", "党支部", "X7", "", "", "", "", ""],
        ["X9", "九", "党支部", "C0B", "某单位", "", "", "", ""],
    ]
    report = run("orgs", orgs_file(tmp_path, rows), skip_invalid=True)

    text = reasons(report)
    assert "第4行“上级组织代码”列(值:C0A1):党支部下不能设置党支部" in text
    assert "第5行“上级组织代码”列(值:C0AG):党总支下不能设置党委" in text
    assert "第6行“上级组织代码”列(值:NOPE):找不到上级组织“NOPE”" in text
    assert "第7行“上级组织代码”列(值:X5):上级组织关系形成循环" in text
    assert "第8行“上级组织代码”列(值:X4):上级组织关系形成循环" in text
    assert "第9行“成立日期”列(值:坏日期)" in text
    assert "第10行“上级组织代码”列(值:X6):上级组织(第9行)有错误,未能导入" in text
    assert "第11行“上级组织代码”列(值:X7):上级组织(第10行)有错误,未能导入" in text
    assert "第12行“单位类别”列:填写了所在单位名称时须填写单位类别" in text
    assert not report.refused and report.imported == 0 and report.rejected == 9
    assert not Org.objects.filter(code__startswith="X").exists()


@pytest.mark.django_db
def test_scope_of_the_account(tree, accounts, tmp_path):
    rows = [
        ["A1", "甲镇新支部", "党支部", "C0A", "", "", "", "", ""],
        ["B1", "乙镇新支部", "党支部", "C0B", "", "", "", "", ""],
        ["R1", "新县委", "党委", "", "", "", "", "", ""],
    ]
    report = run("orgs", orgs_file(tmp_path, rows), actor=accounts["organizer_a"], skip_invalid=True)

    text = reasons(report)
    assert "第5行“上级组织代码”列(值:C0B):上级组织“乙镇党委”(C0B)不在该账号的管理范围内" in text
    assert "第6行“上级组织代码”列:只有系统管理员可以创建顶级党组织" in text
    assert report.imported == 1 and Org.objects.get(code="A1").path.startswith(tree.town_a.path)
    with pytest.raises(ImportRefused):
        run("orgs", orgs_file(tmp_path, rows), actor=accounts["secretary_a1"])


@pytest.mark.django_db
def test_duplicate_codes_within_the_file(tree, tmp_path):
    rows = [
        ["D1", "一", "党支部", "C0A", "", "", "", "", ""],
        ["D1", "二", "党支部", "C0A", "", "", "", "", ""],
    ]
    report = run("orgs", orgs_file(tmp_path, rows))
    assert report.refused and "第5行“组织代码”列(值:D1):与第4行重复" in reasons(report)


def _snapshot():
    return (
        list(
            Org.objects.order_by("path").values_list(
                "code", "name", "kind", "path", "region_code", "established_on"
            )
        ),
        AuditEntry.objects.count(),
        OrgEvent.objects.count(),
        AuditHead.objects.values_list("last_hash", flat=True).first(),
    )


@pytest.mark.django_db
def test_update_mode_changes_orgs_field_by_field_and_a_second_run_changes_nothing(tree, accounts, tmp_path):
    run("orgs", FIXTURES / "orgs.xls")
    general = Org.objects.get(code="C0B2G")
    rows = [
        ["C0B2G", "中共丙村总支部委员会", "党总支", "C0B", "丙村村民委员会", "行政村", "", "2008.6", ""],
        ["C0B2G1", "中共丙村第一支部委员会", "党支部", "C0B2G", "丙村卫生室", "医院", "", "", ""],
    ]
    path = orgs_file(tmp_path, rows)
    audit_before = AuditEntry.objects.count()

    report = run("orgs", path, actor=accounts["dept_admin"], update=True)

    assert reasons(report) == "" and (report.updated, report.imported, report.unchanged) == (2, 0, 0)
    assert refreshed(general).name == "中共丙村总支部委员会"
    child = Org.objects.get(code="C0B2G1")
    assert child.name == "中共丙村第一支部委员会" and Org.objects.get_parent(child) == general
    assert set(child.units.values_list("name", flat=True)) == {"丙村卫生室"}
    entries = list(AuditEntry.objects.order_by("id")[audit_before:])
    update = next(e for e in entries if e.action == "org.update" and e.object_id == str(general.pk))
    assert update.before == {"name": general.name}
    assert update.after == {"name": "中共丙村总支部委员会"}
    assert update.actor == accounts["dept_admin"]
    assert [e.action for e in entries].count("import.orgs") == 1
    assert {e.request_id for e in entries} == {entries[-1].request_id}  # traceable to the import
    assert verify_chain()[1] == []

    before = _snapshot()
    again = run("orgs", path, actor=accounts["dept_admin"], update=True)
    assert (again.updated, again.unchanged, again.rejected) == (0, 2, 0)
    assert _snapshot() == before  # nothing changed, not even an audit entry


@pytest.mark.django_db
def test_update_mode_refuses_a_move_and_a_new_secretary_naming_the_row(tree, tmp_path):
    run("orgs", FIXTURES / "orgs.xls")
    before = _snapshot()
    rows = [
        ["C0B2G", "中共丙村党总支部委员会", "党总支", "C0A", "", "", "", "", ""],  # another parent
        ["C0B2G1", "中共丙村第一党支部委员会", "党支部", "C0B2G", "", "", "", "", "赵六"],
    ]
    report = run("orgs", orgs_file(tmp_path, rows), update=True)

    assert report.refused and _snapshot() == before
    move, secretary = report.problems
    assert (move.line, move.column) == (4, "上级组织代码")  # under the title and header rows
    assert "上级组织是C0B" in move.reason and "调整隶属关系" in move.reason
    assert (secretary.line, secretary.column) == (5, "书记姓名") and "班子成员" in secretary.reason


@pytest.mark.django_db
def test_update_refused_by_the_service_rolls_everything_back(tree, tmp_path):
    run("orgs", FIXTURES / "orgs.xls")
    before = _snapshot()
    rows = [
        ["C0B3", "乙镇中心卫生院党支部", "党支部", "C0B", "", "", "", "", ""],  # a fine change
        ["C0B2G", "中共丙村党总支部委员会", "党支部", "C0B", "", "", "", "", ""],  # has a child branch
    ]
    report = run("orgs", orgs_file(tmp_path, rows), update=True, skip_invalid=True)

    assert report.refused and _snapshot() == before
    (problem,) = report.problems
    assert problem.line == 5 and problem.column == "组织类别" and "有下级组织" in problem.reason
    assert problem.value == "党支部"


@pytest.mark.django_db
def test_without_update_mode_a_difference_points_to_it(tree, tmp_path):
    run("orgs", FIXTURES / "orgs.xls")
    rows = [["C0B2G", "中共丙村总支部委员会", "党总支", "C0B", "", "", "", "", ""]]
    report = run("orgs", orgs_file(tmp_path, rows))
    assert report.refused and "如需更新请使用更新模式" in reasons(report)


@pytest.mark.django_db
def test_update_mode_through_the_web_pages(client, settings, tree, accounts, tmp_path):
    """Upload with 更新已登记的记录 ticked → the check names the updates → confirm → audited field
    by field; without the box the same file is refused with a pointer to the update mode."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from zugong.core.models import Job

    settings.DATA_DIR = tmp_path
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }
    run("orgs", FIXTURES / "orgs.xls")
    general = Org.objects.get(code="C0B2G")
    row = ["C0B2G", "中共丙村总支部委员会", "党总支", "C0B", "丙村村民委员会", "行政村", "", "2008.6", ""]
    data = orgs_file(tmp_path, [row]).read_bytes()

    def upload(**extra):
        file = SimpleUploadedFile("组织.xlsx", data)
        return client.post(reverse("imports:upload", args=["orgs"]), {"file": file, **extra})

    client.force_login(accounts["dept_admin"])
    upload()
    plain = Job.objects.latest("id")
    assert plain.report["rejected"] == 1
    assert "更新" in client.get(reverse("imports:job", args=[plain.pk])).content.decode()

    response = upload(update="on")
    job = Job.objects.latest("id")
    assert response.status_code == 302 and job.params.get("update") is True
    assert job.report["rejected"] == 0
    client.post(reverse("imports:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done" and job.report["updated"] == 1
    assert refreshed(general).name == "中共丙村总支部委员会"
    entry = AuditEntry.objects.get(action="org.update", object_id=str(general.pk))
    assert entry.before == {"name": general.name} and entry.after == {"name": "中共丙村总支部委员会"}
    assert entry.actor == accounts["dept_admin"]
