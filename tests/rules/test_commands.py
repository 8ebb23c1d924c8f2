"""`zugong rules …` and `zugong calendar …`: output and exit codes (0 done, 2 refused input)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from zugong.rules import packs
from zugong.rules.models import RulePack

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_rules_list_prints_each_pack_and_rule():
    code, out, _err = run("rules", "list", "--on", "2025-06-01")
    assert code == 0
    assert "== 中国共产党支部工作条例(试行)(branch-work/2018)" in out
    assert "ZB-09" in out and "支部委员会会议:每月至少1次" in out and "[第四章 第十二条]" in out
    assert "recruitment/2014" in out and "recruitment/2026" not in out
    code, out, _err = run("rules", "list", "--on", "2026-06-01", "--kind", "bracket")
    assert "DF-02" in out and "ZB-09" not in out


def test_rules_list_for_an_org_includes_its_local_packs(tree):
    data = json.loads((packs.EXAMPLE_DIR / "county-practice.json").read_text(encoding="utf-8"))
    from zugong.rules import services

    services.pack_load_local(actor=None, org=tree.town_a, data=data)
    code, out, _err = run("rules", "list", "--org", "C0A1", "--on", "2025-06-01")
    assert code == 0 and "某县基层党建工作规范(示例)" in out and "L-ZB-18" in out
    code, out, _err = run("rules", "list", "--org", "C0B1", "--on", "2025-06-01")
    assert "L-ZB-18" not in out


def test_rules_explain_shows_versions_basis_and_source():
    code, out, _err = run("rules", "explain", "fz-16", "--on", "2026-04-30")
    assert code == 0
    assert "FZ-16《中国共产党发展党员工作细则》第二十四条" in out
    assert "依据:上级党委审批预备党员,应当在三个月内审批" in out
    assert "来源:https://" in out
    assert "* 中国共产党发展党员工作细则(2014)" in out and "(2026年修订)(2026)" in out


@pytest.mark.parametrize(
    "args",
    [
        ("rules", "explain", "NOPE-1"),
        ("rules", "explain", "ZB-09", "--on", "2025-13-01"),
        ("rules", "list", "--org", "NOSUCH"),
        ("rules", "load-local", "/nonexistent.json", "--org", "C0"),
    ],
)
def test_refused_input_exits_2_with_a_chinese_message(tree, args):
    code, _out, err = run(*args)
    assert code == 2 and err.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err)


def test_load_local_imports_the_example_and_refuses_a_looser_file(tree, tmp_path):
    code, out, _err = run(
        "rules", "load-local", str(packs.EXAMPLE_DIR / "county-practice.json"), "--org", "C0"
    )
    assert code == 0 and "已导入本地规则包" in out and "泽州县委" in out
    loose = tmp_path / "loose.json"
    loose.write_text(
        json.dumps(
            {
                "title": "宽松",
                "level": "county",
                "effective_from": "2025-01-01",
                "rules": [{"id": "ZB-03", "title": "人数", "params": {"max_members": 80}, "article": "一"}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, _out, err = run("rules", "load-local", str(loose), "--org", "C0A")
    assert code == 2 and "不能放宽ZB-03" in err and "50" in err and "80" in err
    assert not RulePack.objects.filter(title="宽松").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert run("rules", "load-local", str(bad), "--org", "C0A")[0] == 2


def test_calendar_show_and_load():
    code, out, _err = run("calendar", "show", "2025")
    assert code == 0 and "2025-09-28 周日 上班 国庆节调休上班" in out and "全年工作日248天" in out
    code, out, _err = run("calendar", "show", "2027")
    assert "暂定" in out
    code, out, _err = run("calendar", "load", "--year", "2025")
    assert code == 0 and "2025" in out
    code, _out, err = run("calendar", "load", "--year", "2031")
    assert code == 2 and "2031" in err
