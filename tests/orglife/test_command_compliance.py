"""`zugong orglife compliance`: the table per branch × period × rule, streamed to .csv or .xlsx, in an
account's scope or the system's, audited like an export."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from zugong.core import exporting
from zugong.core.models import AuditEntry
from zugong.orglife import compliance
from zugong.orglife.compliance import Window

from ..factories import make_meeting

pytestmark = pytest.mark.django_db

AS_OF = "2026-03-25"
HEADER = [
    "组织代码",
    "党组织名称",
    "期间",
    "规则编号",
    "条款",
    "应开次数",
    "实开次数",
    "状态",
    "事项",
    "到会不足",
]


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("orglife", "compliance", *args, stdout=out)
    return out.getvalue()


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


@pytest.fixture
def held(tree):
    make_meeting(tree.branch_a1, ["theme_day", "branch_assembly"], held_on=dt.date(2026, 1, 9))
    make_meeting(
        tree.branch_a2,
        ["branch_assembly"],
        held_on=dt.date(2026, 2, 3),
        expected=10,
        present=4,
        voting_expected=10,
        voting_present=4,
    )
    return tree


def test_csv_has_one_row_per_branch_period_rule_and_a_summary(held, tmp_path):
    out = tmp_path / "合规.csv"
    message = run("--year", "2026", "--quarter", "1", "--as-of", AS_OF, "-o", str(out))
    rows = read_csv(out)
    assert rows[0] == HEADER
    body, summary = rows[1:-1], rows[-1]
    expected = list(compliance.rows("", Window(2026, quarter=1), as_of=dt.date(2026, 3, 25)))
    assert len(body) == len(expected)
    assert {r[0] for r in body} == {"C0A1", "C0AG1", "C0B1"}  # branches only
    first = next(r for r in body if r[0] == "C0A1" and r[3] == "ZB-12" and r[2] == "2026年1月")
    assert first[1:] == [
        "甲村党支部",
        "2026年1月",
        "ZB-12",
        "第四章 第十五条",
        "1",
        "1",
        "达标",
        "主题党日",
        "0",
    ]
    failed = next(r for r in body if r[0] == "C0AG1" and r[3] == "ZB-08")
    assert failed[5:] == ["1", "0", "即将到期", "支部党员大会", "1"]  # no quorum: held 0, 到会不足 1
    assert summary[0] == "合计" and "党支部3个" in summary[1]
    tally = compliance.total(
        compliance.branch_tallies("", Window(2026, quarter=1), as_of=dt.date(2026, 3, 25))
    )
    assert f"红{tally.red}、黄{tally.amber}、绿{tally.green}" in summary[1]
    assert f"达标{tally.met}、未达标{tally.missed}" in summary[7]
    assert summary[9] == str(tally.failed) == "1"
    assert f"{len(body)}行" in message and "党支部3个" in message
    entry = AuditEntry.objects.filter(action="export.orglife_compliance").get()
    assert entry.actor is None and entry.after["rows"] == len(body) + 1
    assert entry.after["filters"]["quarter"] == "1"


def test_xlsx_and_a_month(held, tmp_path):
    out = tmp_path / "合规.xlsx"
    run("--year", "2026", "--month", "1", "--as-of", AS_OF, "-o", str(out))
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert [str(c) for c in rows[0]] == HEADER
    periods = {r[2] for r in rows[1:-1]}
    # a month window lists that month and the quarter and year it belongs to
    assert periods == {"2026年1月", "2026年第一季度", "2026年"}
    assert rows[-1][0] == "合计"


def test_scope_of_an_account(held, accounts, tmp_path):
    out = tmp_path / "a.csv"
    run("--year", "2026", "--quarter", "1", "--as-of", AS_OF, "--as", "organizer_a", "-o", str(out))
    assert {r[0] for r in read_csv(out)[1:-1]} == {"C0A1", "C0AG1"}
    entry = AuditEntry.objects.filter(action="export.orglife_compliance").get()
    assert entry.actor.username == "organizer_a" and entry.org_path == held.town_a.path
    with pytest.raises(CommandError) as err:  # town B is not in organizer A's subtree: not found
        run("--year", "2026", "--org", "C0B", "--as", "organizer_a", "-o", str(out))
    assert err.value.returncode == 1 and "C0B" in str(err.value)
    with pytest.raises(CommandError) as err:  # a member's account has no orglife.view
        run("--year", "2026", "--as", "member_zs", "-o", str(out))
    assert err.value.returncode == 1 and "无权" in str(err.value)
    with pytest.raises(CommandError):
        run("--year", "2026", "--as", "nobody", "-o", str(out))
    assert AuditEntry.objects.filter(action="export.orglife_compliance").count() == 1


def test_org_option_limits_to_a_subtree(held, tmp_path):
    out = tmp_path / "b.csv"
    run("--year", "2026", "--org", "C0B", "--as-of", AS_OF, "-o", str(out))
    assert {r[0] for r in read_csv(out)[1:-1]} == {"C0B1"}


@pytest.mark.parametrize(
    "args",
    [
        ["--year", "2026", "--quarter", "5"],
        ["--year", "2026", "--month", "13"],
        ["--year", "26"],
        ["--year", "2026", "--as-of", "2026-13-01"],
    ],
)
def test_usage_errors_exit_2(tree, tmp_path, args):
    with pytest.raises(CommandError) as err:
        run(*args, "-o", str(tmp_path / "x.csv"))
    assert err.value.returncode == 2
    assert not (tmp_path / "x.csv").exists()


def test_wrong_suffix_and_missing_folder(tree, tmp_path):
    with pytest.raises(CommandError) as err:
        run("--year", "2026", "-o", str(tmp_path / "x.txt"))
    assert err.value.returncode == 2
    with pytest.raises(CommandError) as err:
        run("--year", "2026", "-o", str(tmp_path / "nowhere" / "x.csv"))
    assert err.value.returncode == 1


def test_a_worksheet_too_small_is_refused_before_writing(held, tmp_path, monkeypatch):
    import zugong.orglife.compliance_exports as exports

    monkeypatch.setattr(exports, "MAX_ROWS", 10)
    out = tmp_path / "big.xlsx"
    with pytest.raises(CommandError) as err:
        run("--year", "2026", "--as-of", AS_OF, "-o", str(out))
    assert err.value.returncode == 1 and ".csv" in str(err.value)
    assert not out.exists() and not list(tmp_path.iterdir())  # the temporary file is gone too
    assert not AuditEntry.objects.filter(action="export.orglife_compliance").exists()
    run("--year", "2026", "--as-of", AS_OF, "-o", str(tmp_path / "big.csv"))  # csv has no such limit
    assert exporting.MAX_ROWS > 10
