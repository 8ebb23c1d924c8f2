"""The 发展党员 list exports what the list shows: scope, subtree and filters; masked unless a role
that may reveal asks for the full file; audited."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from python_calamine import CalamineWorkbook

from zugong.core import exporting
from zugong.core.exceptions import NotInScope
from zugong.core.models import AuditEntry

from ..factories import make_applicant

pytestmark = pytest.mark.django_db


def _export(name, actor, params, *, full=False) -> list[list]:
    export = exporting.get(name)(actor=actor, params=params, full=full)
    export.check()
    handle = io.BytesIO()
    exporting.export_to(export, handle)
    return CalamineWorkbook.from_filelike(io.BytesIO(handle.getvalue())).get_sheet_by_index(0).to_python()


@pytest.fixture
def files(tree):
    return {
        "a1": make_applicant(tree.branch_a1, name="甲申请", applied_on=dt.date(2025, 3, 1)),
        "a2": make_applicant(tree.branch_a2, name="乙申请", applied_on=dt.date(2025, 4, 1)),
        "b1": make_applicant(tree.branch_b1, name="丙申请", applied_on=dt.date(2025, 5, 1)),
    }


def test_export_holds_the_lists_rows_in_scope(client, tree, accounts, files):
    client.force_login(accounts["organizer_a"])
    page = client.get("/recruitment/").content.decode()
    assert "导出Excel" in page
    rows = _export("applicants", accounts["organizer_a"], {})
    header, body = rows[0], rows[1:]
    assert header[:4] == ["姓名", "性别", "民族", "公民身份号码"]
    assert sorted(r[0] for r in body) == ["乙申请", "甲申请"]  # town B's file is out of scope
    assert all("*" in r[3] for r in body)  # masked by default
    assert body[0][header.index("申请日期")]  # a real date cell
    entry = AuditEntry.objects.filter(action="export.applicants").latest("id")
    assert entry.after["rows"] == 2 and entry.after["full"] is False
    assert entry.org_path == tree.town_a.path


def test_filters_and_subtree_follow_the_page(tree, accounts, files):
    rows = _export("applicants", accounts["dept_admin"], {"org": tree.branch_b1.code})
    assert [r[0] for r in rows[1:]] == ["丙申请"]
    rows = _export("applicants", accounts["dept_admin"], {"name": "甲"})
    assert [r[0] for r in rows[1:]] == ["甲申请"]


def test_full_file_only_for_a_role_that_reveals(tree, accounts, files):
    rows = _export("applicants", accounts["organizer_a"], {"org": tree.branch_a1.code}, full=True)
    number = rows[1][3]
    assert "*" not in number and len(number) == 18
    with pytest.raises(PermissionDenied):
        _export("applicants", accounts["leader_a"], {}, full=True)


def test_out_of_scope_subtree_is_404(tree, accounts, files):
    with pytest.raises(NotInScope):
        _export("applicants", accounts["organizer_b"], {"org": tree.branch_a1.code})
    with pytest.raises(PermissionDenied):
        _export("applicants", accounts["member"], {})


def test_cli_exports_any_list_with_its_page_parameters(tmp_path, tree, accounts, files, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = tmp_path / "a.xlsx"
    call_command("export", "applicants", "--as", "organizer_a", "--param", "name=乙", "-o", str(out))
    assert "发展党员名册1行" in capsys.readouterr().out.strip().splitlines()[-1]
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows[1:]] == ["乙申请"]
    call_command("export", "applicants", "--org", tree.branch_b1.code, "--full", "-o", str(out))
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert "*" not in rows[1][3]
    with pytest.raises(CommandError, match="不是applicants导出的筛选参数"):
        call_command("export", "applicants", "--param", "colour=red", "-o", str(out))
    with pytest.raises(CommandError, match="--full 只适用于"):
        call_command("export", "meetings", "--full", "-o", str(out))
    call_command("export", "dues_arrears", "--param", "as_of=2026-06-01", "-o", str(out))
    assert "行到" in capsys.readouterr().out
