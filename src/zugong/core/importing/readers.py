"""Rows out of the files people have, streamed, with the line numbers their spreadsheet shows."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
# python-calamine holds the whole sheet in memory (about 170 MiB per 100,000 rows of a roster);
# .xlsx files above this size are read by the streaming reader instead, whose memory stays flat.
STREAM_XLSX_ABOVE = 16 * 2**20


class UnreadableFile(ValueError):
    pass


def detect_encoding(head: bytes) -> str:
    """UTF-8 (BOM or not) when the bytes decode as UTF-8, else GB18030 (a superset of GBK)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise UnreadableFile(_("无法识别文件编码:不是UTF-8、GBK或GB18030")) from exc


def iter_rows(path: str | Path, *, filename: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(line number as the user sees it, cell values) for each non-empty row of the first sheet."""
    path = Path(path)
    suffix = Path(filename or path.name).suffix.lower()
    if suffix in CSV_SUFFIXES:
        yield from _iter_csv(path)
    elif suffix in SPREADSHEET_SUFFIXES:
        yield from _iter_spreadsheet(path)
    else:
        raise UnreadableFile(
            _("不支持的文件类型“%(s)s”,请上传 .xlsx、.xls、.ods 或 .csv 文件") % {"s": suffix}
        )


def _trim(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and (row[end - 1] is None or (isinstance(row[end - 1], str) and not row[end - 1].strip())):
        end -= 1
    return row[:end]


def _iter_csv(path: Path) -> Iterator[tuple[int, list[Any]]]:
    with path.open("rb") as raw:
        encoding = detect_encoding(raw.read(64 * 1024))
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(16 * 1024)
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        try:
            for row in reader:
                cells = _trim(row)
                if cells:
                    yield reader.line_num, cells
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UnreadableFile(_("第%(n)d行无法读取:%(e)s") % {"n": reader.line_num + 1, "e": exc}) from exc


def _iter_spreadsheet(path: Path) -> Iterator[tuple[int, list[Any]]]:
    if path.suffix.lower() in {".xlsx", ".xlsm"} or _is_zip(path):
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        if size > STREAM_XLSX_ABOVE and _is_zip(path):
            from zugong.core.importing.xlsx_stream import iter_xlsx

            yield from iter_xlsx(path)
            return
    yield from _iter_calamine(path)


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _iter_calamine(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise UnreadableFile(_("无法打开表格文件:%(e)s") % {"e": exc}) from exc
    first_row = (sheet.start or (0, 0))[0]
    first_col = (sheet.start or (0, 0))[1]
    try:
        for index, row in enumerate(sheet.iter_rows()):
            cells = _trim([None if c == "" else c for c in row])
            if cells:
                yield first_row + index + 1, [None] * first_col + cells
    finally:
        workbook.close()


def open_text(data: bytes) -> io.StringIO:
    return io.StringIO(data.decode(detect_encoding(data[:65536])))
