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


def test_streaming_memory_stays_flat(tmp_path, monkeypatch):
    from zugong.core.importing import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "_CHUNK", 64 * 1024)  # both files span many chunks

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


_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'
)
_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<si><t>共享</t></si><si><t></t></si><si><r><t>富</t></r>"
    '<r><rPr><color rgb="FFFF0000"/></rPr><t>文本</t></r></si></sst>'
)


def _hand_made(path: Path, rows_xml: str, *, prefix: str = "") -> Path:
    """An .xlsx whose sheet XML is written by hand: what other programs write, not xlsxwriter."""
    import zipfile

    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    open_tag = f'<{prefix}worksheet xmlns{":" + prefix[:-1] if prefix else ""}="{ns}">'
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + open_tag
        + f"<{prefix}sheetData>{rows_xml}</{prefix}sheetData>"
        + f'<{prefix}rowBreaks count="1"><{prefix}brk id="3"/></{prefix}rowBreaks></{prefix}worksheet>'
    )
    package = "http://schemas.openxmlformats.org/package/2006"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{package}/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{main}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{main}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{main}.sharedStrings+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}/relationships">'
            f'<Relationship Id="rId1" Type="{office}" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr("xl/sharedStrings.xml", _STRINGS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


_UNUSUAL_ROWS = (
    '<row r="1" spans="1:6"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="s"><v>2</v></c>'
    '<c r="D1" s="1"><v>43647</v></c><c r="E1" t="b"><v>1</v></c><c r="F1"><f>1+1</f><v>2</v></c></row>'
    '<row r="2"><c r="B2" t="inlineStr"><is><t xml:space="preserve"> a&amp;b &lt;c&gt; &#20013;</t></is></c>'
    '<c r="C2" t="str"><f>A1&amp;"x"</f><v>共享x</v></c><c r="D2" t="e"><v>#N/A</v></c></row>'
    '<row r="3"/>'
    '<row r="5"><c t="inlineStr"><is><t>无引用</t></is></c><c t="n"><v>1.5</v></c></row>'
    '<row r="6"><c r="A6" t="inlineStr"><is><r><t>分</t></r><r><t>段</t></r></is></c>'
    '<c r="C6" s="0" t="inlineStr"><is><t>x</t><rPh sb="0" eb="1"><t>ピン</t></rPh></is></c></row>'
    '<row r="7"><c r="AA7" t="inlineStr"><is><t>远列</t></is></c></row>'
)


@pytest.mark.parametrize("prefix", ["", "x:"], ids=["plain", "prefixed namespace"])
def test_fast_scanner_reads_what_lxml_reads_on_unusual_xml(tmp_path, prefix):
    from zugong.core.importing import xlsx_stream

    rows = _UNUSUAL_ROWS
    if prefix:
        rows = rows.replace("<", "<x:").replace("<x:/", "</x:")
    path = _hand_made(tmp_path / "odd.xlsx", rows, prefix=prefix)
    fast = list(iter_xlsx(path))
    import zipfile

    with zipfile.ZipFile(path) as archive:
        book = xlsx_stream._Book(archive)
        slow = list(xlsx_stream._iter_lxml(archive.open(book.sheet), book))
    assert fast == slow
    assert fast[0] == (1, ["共享", None, "富文本", dt.date(2019, 7, 1), True, 2.0])
    assert fast[1] == (2, [None, " a&b <c> 中", "共享x", "#N/A"])
    assert fast[2] == (5, ["无引用", 1.5])
    assert fast[3] == (6, ["分段", None, "x"])
    assert fast[4] == (7, [None] * 26 + ["远列"])
    if not prefix:  # calamine agrees too, error cells (#N/A) aside, which it leaves out
        calamine = list(readers._iter_calamine(path))
        assert calamine[1] == (2, fast[1][1][:3])
        assert calamine[:1] + calamine[2:] == fast[:1] + fast[2:]


def test_fast_scanner_chunks_cut_anywhere(tmp_path, monkeypatch):
    from zugong.core.importing import xlsx_stream

    path = _workbook(tmp_path / "t.xlsx", constant_memory=False)
    whole = list(iter_xlsx(path))
    for size in (7, 64, 333):  # chunks that cut rows, cells and characters in two
        monkeypatch.setattr(xlsx_stream, "_CHUNK", size)
        assert list(iter_xlsx(path)) == whole
