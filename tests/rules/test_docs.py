"""docs/rules.md lists every shipped rule exactly as the packs say."""

from __future__ import annotations

from pathlib import Path

from zugong.rules import doctable, packs

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_doc_table_matches_the_packs():
    text = DOC.read_text(encoding="utf-8")
    assert doctable.replace(text) == text, "运行 python -m zugong.rules.doctable docs/rules.md 重新生成规则表"


def test_every_shipped_rule_is_in_the_doc():
    text = DOC.read_text(encoding="utf-8")
    for path in packs.shipped_files():
        for rule in packs.read(path)["rules"]:
            assert f"| {rule['id']} |" in text, rule["id"]
