"""Spreadsheets for the import tests, written by xlsxwriter the way office programs write them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

from zugong.core.importing import pipeline, registry

FIXTURES = Path(__file__).parent / "fixtures" / "import"

MEMBER_HEADER = [
    "姓名",
    "性别",
    "民族",
    "公民身份号码",
    "出生日期",
    "学历",
    "入党日期",
    "转正日期",
    "党员类型",
    "手机",
    "所在党支部",
]


def write_xlsx(path: Path, rows: list[list[Any]], *, title: str | None = None, width: int = 0) -> Path:
    """rows[0] is the header. A title, when given, stands merged above it (like the national sheets)."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Sheet1")
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    top = 0
    if title:
        sheet.merge_range(0, 0, 0, max(width, len(rows[0])) - 1, title)
        top = 2  # a title, an empty line, then the header
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(top + r, c, dt.datetime(value.year, value.month, value.day), date)
            elif isinstance(value, int | float):
                sheet.write_number(top + r, c, value)
            else:
                sheet.write_string(top + r, c, str(value))
    workbook.close()
    return path


def run(name: str, path: Path, *, actor=None, **options) -> pipeline.Report:
    run_options = {k: options.pop(k) for k in ("dry_run", "skip_invalid", "rejects") if k in options}
    importer = registry.get(name)(actor=actor, **options)
    return pipeline.run(importer, path, **run_options)


def reasons(report: pipeline.Report) -> str:
    return "\n".join(str(p) for p in report.problems)
