"""`zugong import dues`: good rows written, every bad row named (row, column, reason), nothing
written on any problem, importing again changes nothing; `zugong template dues`."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zugong.core import crypto
from zugong.dues.models import Dues, DuesPayment

from ..factories import make_dues_base, make_member
from ..import_helpers import write_xlsx

pytestmark = pytest.mark.django_db

HEADER = [
    "姓名",
    "公民身份号码",
    "所交首月",
    "所交末月",
    "交纳日期",
    "实交金额",
    "自愿多交",
    "交纳方式",
    "代交人",
    "超期补交批准人",
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


def _id(m) -> str:
    return crypto.decrypt(m.id_number_enc)


@pytest.fixture
def people(tree):
    zhang = make_member(tree.branch_a1, name="张三")
    li = make_member(tree.branch_a1, name="李四")
    wang = make_member(tree.branch_b1, name="王五")
    make_dues_base(zhang, "in_service", "4500", month=dt.date(2025, 1, 1))
    make_dues_base(li, "retiree", "6000", month=dt.date(2026, 1, 1))
    make_dues_base(wang, "farmer", month=dt.date(2026, 1, 1), fixed_amount=Decimal("0.5"))
    return zhang, li, wang


def test_good_rows_are_written_and_reimport_changes_nothing(people, tmp_path):
    zhang, li, wang = people
    path = write_xlsx(
        tmp_path / "dues.xlsx",
        [
            HEADER,
            ["张三", _id(zhang), "2026-01", "2026-03", "2026-03-05", 135, None, "本人交纳", None, None],
            ["李四", _id(li), "2026.04", None, "2026-04-10", "60.00", None, "委托他人代交", "张三", None],
            ["王五", _id(wang), "2026年1月", "2026年6月", dt.date(2026, 6, 30), 3, None, None, None, None],
            ["张三", _id(zhang), None, None, "2026-05-04", "1000", "1000", None, None, None],
        ],
        title="甲镇2026年党费收缴登记表",
    )
    code, lines = call("dues", str(path))
    assert code == 0, lines
    assert lines[-1] == "导入完成。读取4行,新增4行,更新0行,未变0行,拒绝0行"
    assert Dues.objects.filter(member=zhang, payment__isnull=False).count() == 3
    li_payment = DuesPayment.objects.get(member=li)
    assert (li_payment.method, li_payment.paid_by, li_payment.amount) == ("by_other", zhang, Decimal("60.00"))
    assert DuesPayment.objects.get(member=zhang, months=0).to_centre is True
    code, lines = call("dues", str(path))
    assert code == 0 and lines[-1] == "导入完成。读取4行,新增0行,更新0行,未变4行,拒绝0行"
    assert DuesPayment.objects.count() == 4


def test_every_bad_row_is_named_and_nothing_is_written(people, tmp_path):
    zhang, li, wang = people
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            ["张三", _id(zhang), "2026-01", None, "2026-01-05", 45, None, None, None, None],
            ["张三丰", _id(zhang), "2026-02", None, "2026-02-05", 45, None, None, None, None],
            ["李四", _id(li), "2026-01", "2026-02", "2026-02-05", 100, None, None, None, None],
            ["李四", _id(li), "2026-03", None, "2026-03-05", 60, None, "支部垫交", None, None],
            ["王五", _id(wang), "2025-12", None, "2026-01-05", "0.5", None, None, None, None],
            ["张三", _id(zhang), "2025-01", "2025-06", "2026-07-01", 135, None, None, None, None],
            ["张三", _id(zhang), "2026-01", None, "2026-01-06", 45, None, None, None, None],
            ["李四", "110101199001011234", "2026-01", None, "2026-01-05", 60, None, None, None, None],
            ["李四", _id(li), "2026-05", None, "2026-05-05", "六十", None, None, None, None],
        ],
    )
    code, lines = call("dues", str(path))
    assert code == 2
    text = "\n".join(lines)
    assert "第3行“姓名”列(值:张三丰):与公民身份号码登记的姓名“张三”不一致" in text
    assert "第4行“实交金额”列(值:100):实交金额100.00元与应交不符:2个月应交120.00元" in text
    assert "第5行“交纳方式”列(值:支部垫交):党组织不得为党员垫交或从工资中扣缴党费(DF-09" in text
    assert "第6行“所交首月”列" in text and "2025年12月尚未核定交纳基数" in text
    assert "第7行“超期补交批准人”列" in text and "超过6个月" in text
    assert "第8行“所交首月”列" in text and "与第2行的月份重叠" in text
    assert "第9行“公民身份号码”列" in text
    assert "第10行“实交金额”列(值:六十):金额应为数字" in text
    assert not any(line.startswith("第2行") for line in lines)
    assert lines[-1].startswith("未导入:发现问题,数据库未做任何修改。读取9行")
    assert not DuesPayment.objects.exists()
    assert not Dues.objects.filter(payment__isnull=False).exists()


def test_import_as_an_account_is_scoped(people, tmp_path, accounts):
    _zhang, _li, wang = people
    path = write_xlsx(
        tmp_path / "scope.xlsx",
        [HEADER, ["王五", _id(wang), "2026-01", None, "2026-01-05", "0.5", None, None, None, None]],
    )
    code, lines = call("dues", str(path), "--as", "secretary_a1")
    assert code == 2 and "该党员不在本账号的管理范围内" in "\n".join(lines)
    code, lines = call("dues", str(path), "--as", "leader_a")
    assert code == 1 and "没有登记党费的权限" in lines[0]


def test_template(tmp_path):
    from python_calamine import CalamineWorkbook

    call_command("template", "dues", "-o", str(tmp_path / "t.xlsx"), stdout=io.StringIO())
    header = CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")).get_sheet_by_index(0).to_python()[0]
    assert {"*姓名", "*公民身份号码", "所交首月", "*交纳日期", "*实交金额", "交纳方式"} <= set(header)
