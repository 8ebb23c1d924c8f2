"""`zugong import applicants`: paper files with the stage dates they have; all-or-nothing, every bad
row named, idempotent by 公民身份号码, later files add steps."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zugong.members.models import Member
from zugong.recruitment import checks
from zugong.recruitment.models import Applicant

from ..factories import id_number_for, make_member
from ..import_helpers import write_xlsx

pytestmark = pytest.mark.django_db
HEADER = ["党支部代码", "姓名", "公民身份号码", "性别", "民族", "申请日期", "谈话日期", "确定积极分子日期",
          "培养联系人", "确定发展对象日期", "入党介绍人", "政审日期", "培训日期", "培训天数", "预审日期",
          "志愿书编号", "支部大会日期", "应到人数", "实到人数", "赞成票", "上级党委批准日期"]  # fmt: skip


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


@pytest.fixture
def people(tree):
    make_member(tree.branch_a1, name="赵介绍")
    make_member(tree.branch_a1, name="钱介绍")


def row(number, name, **dates):
    values = {"applied": "2024.3.1", "talk": "2024年3月20日", "activist": "2024-05-10"}
    values.update(dates)
    return ["C0A1", name, number, "女", "汉族", values["applied"], values["talk"], values["activist"],
            values.get("contacts"), values.get("candidate"), values.get("introducers"), values.get("review"),
            values.get("training"), values.get("days"), values.get("pre"), values.get("serial"),
            values.get("assembly"), values.get("expected"), values.get("present"), values.get("yes"),
            values.get("approval")]  # fmt: skip


ADMITTED = {
    "contacts": "赵介绍、钱介绍", "candidate": "2025-05-12", "introducers": "赵介绍、钱介绍",
    "review": "2025-06-10", "training": "2025-06-20", "days": 3, "pre": "2025-07-08", "serial": "SN-1",
    "assembly": "2025-07-20", "expected": 9, "present": 8, "yes": 8, "approval": "2025-08-15",
}  # fmt: skip


def test_good_rows_are_written_through_the_services_and_reimport_changes_nothing(tree, people, tmp_path):
    a, b = id_number_for(dt.date(2001, 4, 9), "2"), id_number_for(dt.date(2002, 6, 1), "2")
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER, row(a, "孙晓梅", **ADMITTED), row(b, "周小红")])
    code, lines = call("applicants", str(path))
    assert code == 0, lines
    assert lines[-1] == "导入完成。读取2行,新增2行,更新0行,未变0行,拒绝0行"
    sun = Applicant.objects.get(name="孙晓梅")
    assert sun.stage == "probationary" and sun.form_serial == "SN-1"
    found = checks.review(sun, list(sun.records.all())).findings
    # the paper file has no filings nor assessments: named as missing, nothing else is wrong
    assert {f.kind for f in found if f.rule_id != "FZ-06"} == {"missing"}
    assert Member.objects.get(pk=sun.member_id).joined_on == dt.date(2025, 7, 20)
    assert Applicant.objects.get(name="周小红").stage == "activist"
    code, lines = call("applicants", str(path))
    assert lines[-1] == "导入完成。读取2行,新增0行,更新0行,未变2行,拒绝0行"
    # a later file with more dates adds the new steps
    later = write_xlsx(tmp_path / "b.xlsx", [HEADER, row(b, "周小红", candidate="2025-06-01")])
    code, lines = call("applicants", str(later))
    assert lines[-1] == "导入完成。读取1行,新增0行,更新1行,未变0行,拒绝0行"
    assert Applicant.objects.get(name="周小红").stage == "candidate"


def test_bad_rows_are_named_and_nothing_is_written(tree, people, tmp_path):
    ok = id_number_for(dt.date(2001, 4, 9), "2")
    young = id_number_for(dt.date(2007, 1, 1), "2")
    order = id_number_for(dt.date(2000, 1, 1), "2")
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            row(ok, "孙晓梅"),
            row(young, "年轻人", applied="2024-12-31"),
            row(order, "顺序错", talk="2024-02-01"),
            ["C9", "无组织", id_number_for(dt.date(2000, 2, 2), "2"), "女", "汉族", "2024-3-1"],
            row(ok, "重复人"),
        ],
    )
    code, lines = call("applicants", str(path))
    assert code == 2
    text = "\n".join(lines)
    assert "第3行" in text and "未满18周岁" in text
    assert "第4行" in text and "不能早于“递交入党申请书”" in text
    assert "第5行" in text and "系统中没有这个组织代码" in text
    assert "第6行" in text and "与第2行重复" in text
    assert Applicant.objects.count() == 0


def test_late_talk_is_imported_and_flagged(tree, people, tmp_path):
    n = id_number_for(dt.date(2001, 4, 9), "2")
    path = write_xlsx(tmp_path / "late.xlsx", [HEADER, row(n, "孙晓梅", talk="2024-05-01")])
    code, lines = call("applicants", str(path))
    assert code == 0, lines
    (found,) = [
        f
        for f in checks.review(Applicant.objects.get(), list(Applicant.objects.get().records.all())).findings
        if f.kind == "breach"
    ]
    assert found.rule_id == "FZ-03"


def test_template(tmp_path):
    out = tmp_path / "t.xlsx"
    call_command("template", "applicants", "-o", str(out), stdout=io.StringIO())
    assert out.stat().st_size > 1000
