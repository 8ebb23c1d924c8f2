"""`zugong dues quote|arrears|compute`: exact output lines, the CSV, refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command

from zugong.dues.models import Dues

from ..factories import make_dues_base, make_member, make_payment

pytestmark = pytest.mark.django_db


def call(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("dues", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code)
    return code, out.getvalue().strip(), err.getvalue().strip()


@pytest.mark.parametrize(
    ("category", "base", "line"),
    [
        ("in_service", "4500", "45.00 DF-02《关于中国共产党党费收缴、使用和管理的规定》第二条"),
        ("in_service", "3000", "15.00 DF-02《关于中国共产党党费收缴、使用和管理的规定》第二条"),
        ("in_service", "3000.01", "30.00 DF-02《关于中国共产党党费收缴、使用和管理的规定》第二条"),
        ("annual_salary", "10000.01", "200.00 DF-02《关于中国共产党党费收缴、使用和管理的规定》第二条"),
        ("self_employed", "2001", "10.01 DF-02《关于中国共产党党费收缴、使用和管理的规定》第二条"),
        ("retiree", "5000", "25.00 DF-04《关于中国共产党党费收缴、使用和管理的规定》第五条"),
        ("retiree", "5000.01", "50.00 DF-04《关于中国共产党党费收缴、使用和管理的规定》第五条"),
        ("farmer", "0", "0.20 DF-05《关于中国共产党党费收缴、使用和管理的规定》第六条"),
        ("student", "0", "0.20 DF-05《关于中国共产党党费收缴、使用和管理的规定》第六条"),
        ("unemployed", "1500", "0.20 DF-05《关于中国共产党党费收缴、使用和管理的规定》第六条"),
        ("relief", "0", "0.20 DF-05《关于中国共产党党费收缴、使用和管理的规定》第六条"),
    ],
)
def test_quote_prints_one_line(category, base, line):
    assert call("quote", "--category", category, "--base", base) == (0, line, "")


def test_quote_farmer_amount_and_refusals():
    assert call("quote", "--category", "farmer", "--base", "0", "--amount", "1")[1].startswith("1.00 DF-05")
    code, out, err = call("quote", "--category", "farmer", "--base", "0", "--amount", "2")
    assert code == 2 and out == "" and "0.20元至1.00元" in err
    code, _out, err = call("quote", "--category", "in_service", "--base", "四千")
    assert code == 2 and "金额应为数字" in err


def test_arrears_csv(tree, tmp_path):
    flagged = make_member(tree.branch_a1, name="六月未交")
    warned = make_member(tree.branch_b1, name="三月未交")
    fine = make_member(tree.branch_a1, name="按时交纳")
    for m in (flagged, warned, fine):
        make_dues_base(m, "in_service", "3000", month=dt.date(2026, 1, 1))
    make_payment(warned, dt.date(2026, 1, 1), dt.date(2026, 3, 1), paid_on=dt.date(2026, 3, 1))
    make_payment(fine, dt.date(2026, 1, 1), dt.date(2026, 6, 1), paid_on=dt.date(2026, 6, 1))
    out = tmp_path / "arrears.csv"
    code, line, _err = call("arrears", "--as-of", "2026-07-01", "-o", str(out))
    assert code == 0
    assert (
        line == "合计:2人连续3个月以上未交党费,其中提醒1人、满6个月视为自行脱党1人(计算到2026-06,范围:全部)"
    )
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == [
        "组织代码",
        "组织名称",
        "姓名",
        "公民身份号码",
        "连续未交月数",
        "起始月份",
        "状态",
        "规则",
        "条款",
    ]
    assert rows[1][:3] == ["C0A1", "甲村党支部", "六月未交"]
    assert rows[1][4:] == ["6", "2026-01", "flagged", "GX-05", "《中国共产党章程》第九条"]
    assert "*" in rows[1][3]
    assert rows[2][4:] == [
        "3",
        "2026-04",
        "warned",
        "DF-13",
        "《关于中国共产党党费收缴、使用和管理的规定》第十三条(党章第九条)",
    ]
    assert rows[-1] == [line]
    code, line, _err = call("arrears", "--org", "C0A", "--as-of", "2026-07-01", "-o", str(out))
    assert "合计:1人" in line and "甲镇党委(C0A)" in line
    assert call("arrears", "--org", "NOPE", "--as-of", "2026-07-01", "-o", str(out))[0] == 2
    assert call("arrears", "--as-of", "2026-13-01", "-o", str(out))[0] == 2


def test_compute_fills_a_month_once(tree):
    m = make_member(tree.branch_a1)
    make_dues_base(m, "retiree", "4000", month=dt.date(2026, 1, 1))
    assert call("compute", "--month", "2026-05") == (0, "2026-05:新生成1名党员的应交党费", "")
    assert call("compute", "--month", "2026-05")[1] == "2026-05:新生成0名党员的应交党费"
    assert Dues.objects.get(member=m).amount == 20
    assert call("compute", "--month", "2026-09")[0] == 2
