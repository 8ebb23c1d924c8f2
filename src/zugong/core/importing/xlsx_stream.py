"""A streaming .xlsx reader for files too large to hold in memory: the sheet XML is parsed row by
row (lxml iterparse) and each row is dropped once yielded, so memory stays flat whatever the number
of rows (the shared strings table, if the file has one, is kept: one string per distinct value).

It yields what the calamine reader yields for the same file — (row number as the spreadsheet shows
it, cells), strings as str, numbers as float, date-formatted numbers as datetime, booleans as bool —
so the pipeline cannot tell them apart (tests/core/test_import_readers.py compares them).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from zugong.core.importing.readers import UnreadableFile

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
ROW, CELL, VALUE, INLINE, TEXT, RUN, PHONETIC = (
    MAIN + "row", MAIN + "c", MAIN + "v", MAIN + "is", MAIN + "t", MAIN + "r", MAIN + "rPh",
)  # fmt: skip
# Built-in number formats that are dates or times (ECMA-376 18.8.30, plus the CJK date formats).
DATE_FORMAT_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _is_date_code(code: str) -> bool:
    code = _QUOTED.sub("", code).lower()
    return any(ch in code for ch in "ymdhs") and "general" not in code


_DIGITS = "0123456789"
_columns: dict[str, int] = {}


def _column_index(ref: str) -> int:
    letters = ref.rstrip(_DIGITS)
    index = _columns.get(letters)
    if index is None:
        n = 0
        for ch in letters:
            n = n * 26 + ord(ch) - 64
        index = _columns[letters] = n - 1
    return index


def _text_of(element) -> str:
    """The text of a shared or inline string: its runs joined, phonetic guides left out."""
    if len(element) == 1 and element[0].tag == TEXT:
        return element[0].text or ""
    parts = []
    for node in element.iter(TEXT):
        if node.getparent().tag == PHONETIC:
            continue
        parts.append(node.text or "")
    return "".join(parts)


class _Book:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        names = set(archive.namelist())
        workbook = etree.fromstring(archive.read("xl/workbook.xml"))
        pr = workbook.find(MAIN + "workbookPr")
        self.epoch = (
            dt.datetime(1904, 1, 1) if pr is not None and pr.get("date1904") in {"1", "true"} else None
        )
        first = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
        if first is None:
            raise UnreadableFile(_("表格文件中没有工作表"))
        target = "worksheets/sheet1.xml"
        rels_name = "xl/_rels/workbook.xml.rels"
        if rels_name in names:
            rid = first.get(REL + "id")
            for rel in etree.fromstring(archive.read(rels_name)).iter(PKG_REL + "Relationship"):
                if rel.get("Id") == rid:
                    target = rel.get("Target", target)
        self.sheet = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        self.strings = self._strings() if "xl/sharedStrings.xml" in names else []
        self.date_styles = self._date_styles() if "xl/styles.xml" in names else set()

    def _strings(self) -> list[str]:
        out = []
        with self.archive.open("xl/sharedStrings.xml") as handle:
            for _event, si in etree.iterparse(handle, tag=MAIN + "si", huge_tree=True):
                out.append(_text_of(si))
                si.clear()
        return out

    def _date_styles(self) -> set[int]:
        styles = etree.fromstring(self.archive.read("xl/styles.xml"))
        custom = {int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(MAIN + "numFmt")}
        dates = set()
        xfs = styles.find(MAIN + "cellXfs")
        for index, xf in enumerate(xfs if xfs is not None else []):
            fmt = int(xf.get("numFmtId", "0"))
            if fmt in DATE_FORMAT_IDS or (fmt in custom and _is_date_code(custom[fmt])):
                dates.add(index)
        return dates

    def date(self, serial: float) -> dt.date | dt.datetime:
        """A date when the serial has no time of day (as calamine gives), else a datetime."""
        if self.epoch is not None:
            base = self.epoch
        else:
            # The 1900 system counts a fictitious 1900-02-29; serials from 61 on are one day ahead.
            base = dt.datetime(1899, 12, 30) if serial >= 61 else dt.datetime(1899, 12, 31)
        moment = base + dt.timedelta(days=serial)
        return moment.date() if serial == int(serial) else moment


def iter_xlsx(path: Path) -> Iterator[tuple[int, list[Any]]]:
    try:
        archive = zipfile.ZipFile(path)
        book = _Book(archive)
        handle = archive.open(book.sheet)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError) as exc:
        raise UnreadableFile(_("无法打开表格文件:%(e)s") % {"e": exc}) from exc
    strings, date_styles = book.strings, book.date_styles
    try:
        number = 0
        for _event, row in etree.iterparse(handle, tag=ROW, huge_tree=True):
            number = int(row.get("r") or number + 1)
            cells: list[Any] = []
            for c in row.iterchildren(CELL):
                ref = c.get("r")
                if ref:
                    index = _column_index(ref)
                    if index > len(cells):
                        cells.extend([None] * (index - len(cells)))
                kind = c.get("t")
                if kind == "inlineStr":
                    inline = c.find(INLINE)
                    value: Any = _text_of(inline) if inline is not None else None
                else:
                    v = c.find(VALUE)
                    raw = v.text if v is not None else None
                    if raw is None:
                        value = None
                    elif kind == "s":
                        value = strings[int(raw)]
                    elif kind in {"str", "e"}:
                        value = raw
                    elif kind == "b":
                        value = raw == "1"
                    else:
                        value = float(raw)
                        style = c.get("s")
                        if style and int(style) in date_styles:
                            value = book.date(value)
                if value == "":
                    value = None
                cells.append(value)
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
            end = len(cells)
            while end and (
                cells[end - 1] is None or (isinstance(cells[end - 1], str) and not cells[end - 1].strip())
            ):
                end -= 1
            if end:
                yield number, cells[:end]
    except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, IndexError) as exc:
        raise UnreadableFile(_("表格文件已损坏,无法读取:%(e)s") % {"e": exc}) from exc
    finally:
        handle.close()
        archive.close()
