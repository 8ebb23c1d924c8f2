"""core/exporting.py: the streamed workbook (headers, date cells, text cells, frozen header, widths)
and the problem list of an import."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from zugong.core import exporting
from zugong.core.exporting import Column, write_xlsx
from zugong.core.importing.pipeline import Problem


def read(data: bytes | str, sheet: int = 0) -> list[list]:
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    wb = (
        CalamineWorkbook.from_filelike(source)
        if isinstance(source, io.BytesIO)
        else CalamineWorkbook.from_path(source)
    )
    return wb.get_sheet_by_index(sheet).to_python(skip_empty_area=False)


def sheet_xml(data: bytes, n: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(f"xl/worksheets/sheet{n}.xml").decode()


COLUMNS = [
    Column("姓名", "name"),
    Column("出生日期", "birth", "date"),
    Column("公民身份号码", "id_number", "text_id"),
    Column("人数", "n", "int"),
    Column("是否流动党员", "mobile", "bool"),
    Column("记录时间", "at", "datetime"),
]


class Row:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def write(rows, **kw) -> bytes:
    out = io.BytesIO()
    values = ([c.value(r) for c in COLUMNS] for r in rows)
    n = write_xlsx(out, COLUMNS, values, sheet_name="测试", **kw)
    assert n == len(rows)
    return out.getvalue()


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_chinese_headers_dates_text_and_numbers():
    at = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 30))
    data = write(
        [
            Row(
                name="张三",
                birth=dt.date(1985, 3, 14),
                id_number="14052519850314001X",
                n=3,
                mobile=True,
                at=at,
            ),
            Row(name="=1+1", birth=None, id_number="012345", n=0, mobile=False, at=None),
        ]
    )
    rows = read(data)
    assert rows[0] == ["姓名", "出生日期", "公民身份号码", "人数", "是否流动党员", "记录时间"]
    assert rows[1][0] == "张三"
    assert rows[1][1] == dt.date(1985, 3, 14)  # a real date cell, not text
    assert rows[1][2] == "14052519850314001X"
    assert rows[1][3] == 3
    assert rows[1][4] == "是"
    assert rows[1][5] == dt.datetime(2026, 3, 1, 9, 30)  # local time, no timezone
    assert rows[2][0] == "=1+1"  # text, never a formula
    assert rows[2][2] == "012345"  # the leading zero survives: a text cell
    xml = sheet_xml(data)
    assert "<f>" not in xml


def test_date_format_frozen_header_widths_and_filter():
    data = write(
        [Row(name="欧阳" * 10, birth=dt.date(2000, 1, 1), id_number="1", n=1, mobile=False, at=None)]
    )
    xml = sheet_xml(data)
    assert 'state="frozen"' in xml and 'ySplit="1"' in xml
    assert "<autoFilter" in xml
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        styles = zf.read("xl/styles.xml").decode()
    assert "yyyy-mm-dd" in styles
    # the long name column is wider than the short count column
    import re

    widths = [float(w) for w in re.findall(r'<col min="\d+" max="\d+" width="([\d.]+)"', xml)]
    assert widths[0] > widths[3]
    assert max(widths) <= exporting.MAX_WIDTH + 1


def test_title_rows_above_a_frozen_header():
    data = write([], title="党员基本信息采集表", subtitle="填报单位:甲镇党委")
    rows = read(data)
    assert rows[0][0] == "党员基本信息采集表"
    assert rows[1][0] == "填报单位:甲镇党委"
    assert rows[2][0] == "姓名"
    assert 'ySplit="3"' in sheet_xml(data)


def test_streams_many_rows_in_constant_memory(tmp_path):
    path = tmp_path / "big.xlsx"
    seen = []
    rows = ([f"党员{i}", dt.date(1990, 1, 1), str(i), i, False, None] for i in range(12_000))
    n = write_xlsx(path, COLUMNS, rows, progress=seen.append, progress_every=5000)
    assert n == 12_000
    assert seen == [5000, 10000, 12000]
    got = read(str(path))
    assert len(got) == 12_001 and got[-1][0] == "党员11999"


def test_problem_list():
    out = io.BytesIO()
    n = exporting.write_problems(
        out, [Problem(1, "组织代码", "", "缺少必填列"), Problem(5, "性别", "x", "无法识别")]
    )
    assert n == 2
    rows = read(out.getvalue())
    assert rows[0] == ["行号", "列", "值", "问题说明"]
    assert rows[2] == [5, "性别", "x", "无法识别"]


def test_every_registered_export_loads():
    for name in exporting.EXPORTS:
        cls = exporting.get(name)
        assert cls.name == name and cls.perm and str(cls.title)
    with pytest.raises(LookupError):
        exporting.get("nope")


def test_memory_stays_flat_with_the_row_count(tmp_path):
    import tracemalloc

    def peak(n: int) -> int:
        rows = ([f"党员{i}", dt.date(1990, 1, 1), f"1405251990{i:08d}", i, True, None] for i in range(n))
        tracemalloc.start()
        write_xlsx(tmp_path / f"{n}.xlsx", COLUMNS, rows)
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(1_000), peak(15_000)
    assert large < small * 1.5 + 1_000_000, (small, large)
