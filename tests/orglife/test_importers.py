"""`zugong import meetings`: back-filling paper records, all-or-nothing, every bad row named."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zugong.members.models import Member
from zugong.members.services import party_group_create
from zugong.orglife.models import Attendance, Meeting, MeetingPart

from ..factories import make_member
from ..import_helpers import write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["组织代码", "会议日期", "会议类型", "会议主题", "地点", "应到人数", "实到人数", "有表决权应到人数",
          "有表决权实到人数", "出席人员", "请假人员", "缺席人员"]  # fmt: skip


def call(*args) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command("import", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    except CommandError as exc:
        return 1, [str(exc)]
    return code, out.getvalue().strip().splitlines()


def test_rows_with_names_and_with_counts_are_written_and_reimport_changes_nothing(tree, tmp_path):
    zhang, li, wang = (make_member(tree.branch_a1, name=n) for n in ("张三", "李四", "王五"))
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [
            ["泽州县甲镇会议记录"],
            HEADER,
            ["C0A1", "2026.1.9", "主题党日、党员大会", "学习党章", "村部", None, None, None, None,
             "张三、李四", "王五(外出务工)", None],
            ["C0B1", "2026年2月3日", "党课", "专题党课", None, 12, 11, None, None, None, None, None],
        ],
    )  # fmt: skip
    code, lines = call("meetings", str(path))
    assert code == 0, lines
    assert lines[-1] == "导入完成。读取2行,新增2行,更新0行,未变0行,拒绝0行"
    m = Meeting.objects.get(org=tree.branch_a1)
    assert sorted(m.kinds) == ["branch_assembly", "theme_day"]
    assert (m.expected, m.present, m.on_leave, m.voting_present) == (3, 2, 1, 2)
    assert m.quorum_met is True
    assert Attendance.objects.get(member=wang).reason == "外出务工"
    assert Member.objects.get(pk=zhang.pk).last_orglife_on == dt.date(2026, 1, 9)
    assert li.pk
    code, lines = call("meetings", str(path))
    assert code == 0 and "未变2行" in lines[-1]
    assert Meeting.objects.count() == 2 and MeetingPart.objects.count() == 3


def test_every_bad_row_is_named_and_nothing_is_written(tree, tmp_path):
    make_member(tree.branch_a1, name="张三")
    make_member(tree.branch_a1, name="重名")
    make_member(tree.branch_a1, name="重名")
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            ["C0A1", "2026-01-09", "主题党日", "好的一行", None, 5, 5, None, None, None, None, None],
            ["C9", "2026-01-09", "主题党日", "未知组织", None, 5, 5, None, None, None, None, None],
            ["C0A1", "2026-01-10", "团日", "未知类型", None, 5, 5, None, None, None, None, None],
            ["C0A1", "2026-01-11", "党员大会", "缺表决权", None, 5, 4, None, None, None, None, None],
            ["C0A1", "2026-01-12", "主题党日", "不在册", None, None, None, None, None, "张三、赵六", None,
             None],
            ["C0A1", "2026-01-13", "主题党日", "重名", None, None, None, None, None, "重名", None, None],
            ["C0A1", "2026-01-14", "主题党日", "请假无因", None, None, None, None, None, "张三", "重名",
             None],
            ["C0A1", "2026-01-15", "主题党日", "人数不符", None, 9, None, None, None, "张三", None, None],
            ["C0A1", "2099-01-15", "主题党日", "将来", None, 5, 5, None, None, None, None, None],
            ["C0A1", "2026-01-09", "主题党日", "好的一行", None, 5, 5, None, None, None, None, None],
        ],
    )  # fmt: skip
    code, lines = call("meetings", str(path))
    assert code == 2
    text = "\n".join(lines)
    for expected in [
        "第3行“组织代码”列(值:C9):系统中没有这个组织代码",
        "第4行“会议类型”列(值:团日):未知的会议类型",
        "第5行",
        "有表决权",
        "第6行“出席人员”列(值:赵六)",
        "第7行“出席人员”列(值:重名)",
        "公民身份号码后四位",
        "第8行",
        "第9行“应到人数”列",
        "第10行“会议日期”列",
        "第11行“会议主题”列(值:好的一行):与第2行重复",
    ]:
        assert expected in text, expected
    assert lines[-1].startswith("未导入") and "拒绝9行" in lines[-1]
    assert not Meeting.objects.exists()


def test_group_meeting_needs_its_group_and_update_mode_rewrites(tree, tmp_path):
    party_group_create(actor=None, org=tree.branch_a1, name="第一党小组")
    header = ["组织代码", "会议日期", "会议类型", "会议主题", "党小组", "应到人数", "实到人数"]
    path = write_xlsx(
        tmp_path / "g.xlsx", [header, ["C0A1", "2026-01-09", "党小组会", "学习", "第一党小组", 6, 6]]
    )
    assert call("meetings", str(path))[0] == 0
    path2 = write_xlsx(
        tmp_path / "g2.xlsx", [header, ["C0A1", "2026-01-09", "党小组会", "学习", "第一党小组", 6, 5]]
    )
    code, lines = call("meetings", str(path2))
    assert code == 0 and "未变1行" in lines[-1]  # same kinds: unchanged without --update
    code, lines = call("meetings", str(path2), "--update")
    assert code == 0 and "更新1行" in lines[-1]
    assert Meeting.objects.get().present == 5
    bad = write_xlsx(tmp_path / "g3.xlsx", [header, ["C0A1", "2026-01-10", "党小组会", "学习", "", 6, 6]])
    code, lines = call("meetings", str(bad))
    assert code == 2 and "党小组" in "\n".join(lines)


def test_secretary_cannot_import_into_another_branch(tree, accounts, tmp_path):
    path = write_xlsx(
        tmp_path / "s.xlsx",
        [HEADER[:7], ["C0B1", "2026-01-09", "主题党日", "学习", None, 5, 5]],
    )
    code, lines = call("meetings", str(path), "--as", "secretary_a1")
    assert code == 2 and "不在本账号的管理范围内" in "\n".join(lines)
    code, lines = call("meetings", str(path), "--as", "leader_a")
    assert code == 1 and "没有记录组织生活的权限" in "\n".join(lines)
