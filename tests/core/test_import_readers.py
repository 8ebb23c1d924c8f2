"""The two .xlsx readers give the same rows: python-calamine (whole sheet in memory) and the
streaming reader used above readers.STREAM_XLSX_ABOVE (flat memory)."""

import datetime as dt
import tracemalloc
from pathlib import Path

import pytest
import xlsxwriter

from zugong.core.importing import readers
from zugong.core.importing.xlsx_stream import iter_xlsx

from ..import_helpers import FIXTURES, MEMBER_HEADER, reasons, run, write_xlsx


def both(path: Path):
    return list(readers._iter_calamine(path)), list(iter_xlsx(path))


def _workbook(path: Path, *, constant_memory: bool) -> Path:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = workbook.add_worksheet()
    date = workbook.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.merge_range(0, 0, 0, 5, "标题")
    rows = [
        ["姓名", "数字", "日期", "布尔", "时间", "空白"],
        ["张三", 42, dt.datetime(2019, 7, 1), True, dt.datetime(2020, 1, 2, 3, 4), " "],
        ["李四", 1.40525198503141e17, dt.datetime(1900, 1, 5), False, None, None],
        [None, None, None, None, None, None],
        ["王五 ", -3.5, "2019.7.1", None, None, "  "],
    ]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, stamp if value.hour else date)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, value)
    sheet.write_string(20, 9, " ")
    workbook.close()
    return path


@pytest.mark.parametrize("constant_memory", [False, True])  # shared strings / inline strings
def test_streaming_reader_matches_calamine(tmp_path, constant_memory):
    calamine, streamed = both(_workbook(tmp_path / "t.xlsx", constant_memory=constant_memory))
    assert streamed == calamine
    assert streamed[0] == (1, ["标题"])
    assert streamed[2][1][2] == dt.date(2019, 7, 1)


def test_streaming_reader_matches_calamine_on_an_office_file():
    calamine, streamed = both(FIXTURES / "members-office.xlsx")
    assert streamed == calamine and len(streamed) == 8


@pytest.mark.django_db
def test_large_files_are_streamed(tree, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "STREAM_XLSX_ABOVE", 0)
    calls = []
    from zugong.core.importing import xlsx_stream

    original = xlsx_stream.iter_xlsx
    monkeypatch.setattr(xlsx_stream, "iter_xlsx", lambda path: calls.append(path) or original(path))
    report = run("members", FIXTURES / "members-office.xlsx")
    assert calls and reasons(report) == "" and report.imported == 5


def test_streaming_memory_stays_flat(tmp_path):
    def peak(rows: int) -> int:
        path = tmp_path / f"{rows}.xlsx"
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = workbook.add_worksheet()
        for r in range(rows):
            for c, text in enumerate(MEMBER_HEADER):
                sheet.write_string(r, c, f"{text}{r}")
        workbook.close()
        tracemalloc.start()
        n = sum(1 for _row in iter_xlsx(path))
        _size, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert n == rows
        return top

    assert peak(6_000) < 2 * peak(600)


def test_damaged_xlsx_is_refused_by_the_streaming_reader(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(readers.UnreadableFile):
        list(iter_xlsx(path))
    write_xlsx(tmp_path / "ok.xlsx", [["姓名", "性别"], ["甲", "男"]])
    assert list(iter_xlsx(tmp_path / "ok.xlsx")) == [(1, ["姓名", "性别"]), (2, ["甲", "男"])]
