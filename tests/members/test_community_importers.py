"""`zugong import volunteer_hours`: all-or-nothing with row-named Chinese errors, activities created
on the way, importing again changes nothing; `zugong template volunteer_hours`."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zugong.core import crypto
from zugong.members.models import VolunteerActivity, VolunteerRecord

from ..factories import make_member
from ..import_helpers import write_xlsx
from .community_helpers import D, activity, make_community, report

pytestmark = pytest.mark.django_db

HEADER = [
    "社区党组织代码",
    "活动名称",
    "活动日期",
    "活动类别",
    "姓名",
    "公民身份号码",
    "服务时长",
    "服务日期",
]


def call(*args) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command("import", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code)
    except CommandError as exc:
        return 1, [str(exc)]
    return code, out.getvalue().strip().splitlines()


@pytest.fixture
def people(tree):
    com = make_community(tree.town_a, code="C0AS", name="幸福社区党支部")
    a = make_member(tree.branch_a1, name="张工", category="50")
    b = make_member(tree.branch_a1, name="李工", category="50")
    report(a, com, on=D(2026, 1, 5))
    report(b, com, on=D(2026, 1, 5))
    activity(com, title="清理楼道杂物", on=D(2026, 3, 5))
    return com, a, b


def _id(m) -> str:
    return crypto.decrypt(m.id_number_enc)


def test_good_file_is_written_and_reimport_changes_nothing(people, tmp_path):
    _com, a, b = people
    rows = [
        HEADER,
        ["C0AS", "清理楼道杂物", "2026-03-05", None, "张工", _id(a), "2", None],
        ["C0AS", "清理楼道杂物", "2026.3.5", None, "李工", _id(b), "1.5", None],
        ["C0AS", "助老送餐", "2026年4月1日", "助老助残", "张工", _id(a), "３", "2026-04-02"],
    ]
    path = write_xlsx(tmp_path / "hours.xlsx", rows, title="幸福社区2026年志愿服务登记表")
    code, lines = call("volunteer_hours", str(path))
    assert code == 0, lines
    assert lines[-1] == "导入完成。读取3行,新增3行,更新0行,未变0行,拒绝0行"
    meal = VolunteerActivity.objects.get(title="助老送餐")
    assert meal.kind == "care" and meal.ended_on == D(2026, 4, 2)
    assert VolunteerRecord.objects.filter(member=a).count() == 2
    code, lines = call("volunteer_hours", str(path))
    assert lines[-1] == "导入完成。读取3行,新增0行,更新0行,未变3行,拒绝0行"


def test_one_bad_row_writes_nothing_and_every_bad_row_is_named(people, tree, tmp_path):
    _com, a, b = people
    stranger = make_member(tree.branch_b1, name="路人", category="50")
    rows = [
        HEADER,
        ["C0AS", "清理楼道杂物", "2026-03-05", None, "张工", _id(a), "2", None],
        ["C0AS", "清理楼道杂物", "2026-03-05", None, "李工", _id(b), "0.3", None],
        ["C0AS", "清理楼道杂物", "2026-03-05", None, "路人", _id(stranger), "1", None],
        ["C0A1", "清理楼道杂物", "2026-03-05", None, "张工", _id(a), "1", None],
        ["C0AS", "新活动", "2026-03-06", None, "张工", _id(a), "1", None],
        ["C0AS", "清理楼道杂物", "2026-03-05", None, "张三丰", _id(a), "1", None],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    code, lines = call("volunteer_hours", str(path))
    text = "\n".join(lines)
    assert code == 2, text
    assert "第3行“服务时长”列(值:0.3):服务时长按半小时登记" in text
    assert "第4行" in text and "未向本社区报到" in text
    assert "第5行“社区党组织代码”列(值:C0A1):甲村党支部不是社区党组织" in text
    assert "第6行“活动类别”列:新活动须填写活动类别" in text
    assert "第7行“姓名”列(值:张三丰):与公民身份号码登记的姓名“张工”不一致" in text
    assert not VolunteerRecord.objects.exists()
    assert not VolunteerActivity.objects.filter(title="新活动").exists()


def test_template(tmp_path):
    out = tmp_path / "t.xlsx"
    call_command("template", "volunteer_hours", "-o", str(out))
    assert out.stat().st_size > 1000
