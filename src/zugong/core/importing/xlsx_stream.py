"""A streaming .xlsx reader for files too large to hold in memory: the sheet XML is parsed row by
row (lxml iterparse) and each row is dropped once yielded, so memory stays flat whatever the number
of rows (the shared strings table, if the file has one, is kept: one string per distinct value).

It yields what the calamine reader yields for the same file — (row number as the spreadsheet shows
it, cells), strings as str, numbers as float, date-formatted numbers as datetime, booleans as bool —
so the pipeline cannot tell them apart (tests/core/test_import_readers.py compares them).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
import zlib
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
_columns: dict[str | bytes, int] = {}


def _column_index(ref: str | bytes) -> int:
    """The 0-based column of a cell reference ("D12") or of its letters (b"D")."""
    key = ref if isinstance(ref, bytes) else ref.rstrip(_DIGITS)
    index = _columns.get(key)
    if index is None:
        n = 0
        for ch in key.decode() if isinstance(key, bytes) else key:
            n = n * 26 + ord(ch) - 64
        index = _columns[key] = n - 1
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
    try:
        head = handle.read(_CHUNK)
        if _SHEET_DATA.search(head) is None and not _NO_ROWS.search(head):
            # A prefixed namespace (<x:row>) or a sheet the fast scanner does not know: lxml.
            handle.close()
            handle = archive.open(book.sheet)
            yield from _iter_lxml(handle, book)
        else:
            yield from _iter_fast(handle, head, book)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, IndexError, zlib.error) as exc:
        raise UnreadableFile(_("表格文件已损坏,无法读取:%(e)s") % {"e": exc}) from exc
    finally:
        handle.close()
        archive.close()


# The fast path: the sheet XML is cut into chunks of whole rows and each row's cells are found by
# one regular expression (C speed) instead of an element tree per cell, which made the reader the
# slowest stage of a million-row import (≈ 110 µs a row with lxml, ≈ 20 µs here). Whatever the
# expression cannot account for — a cell count that does not match, a formula or rich text it does
# not expect — is handed to lxml for that chunk, so the result is the same as `_iter_lxml`'s
# (tests/core/test_import_readers.py compares the two on ordinary and unusual files).
_CHUNK = 4 * 2**20
_SHEET_DATA = re.compile(rb"<sheetData\b[^>]*>")
_NO_ROWS = re.compile(rb"<sheetData\s*/>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(
    rb'<c(?: r="([A-Z]{1,3})\d+")?([^>/]*)(?:/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?'
    rb'(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>|<is>(.*?)</is>)?</c>)',
    re.S,
)
_ATTR = re.compile(rb'([a-zA-Z:]+)="([^"]*)"')
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
    return _NAMED[name]


def _text(value: str) -> str:
    """Entities and line ends as an XML parser gives them (only called when the text has one)."""
    if "&" in value:
        value = _ENTITY.sub(_entity, value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class _Slow(Exception):
    """A chunk the fast scanner cannot read exactly: lxml reads it."""


def _iter_fast(handle, head: bytes, book: _Book) -> Iterator[tuple[int, list[Any]]]:
    start = _SHEET_DATA.search(head)
    if start is None:  # <sheetData/>: no rows
        return
    buffer = head[start.end() :]
    kinds: dict[bytes, tuple[str, bool]] = {}  # the attributes after r="…" -> (type, date style)
    number = 0
    while True:
        data = handle.read(_CHUNK)
        buffer += data
        end = buffer.find(b"</sheetData>")
        last = end >= 0 or not data
        if last:
            chunk = buffer if end < 0 else buffer[:end]
        else:
            cut = buffer.rfind(b"<row")
            if cut <= 0:
                continue
            chunk, buffer = buffer[:cut], buffer[cut:]
        try:
            rows = _fast_rows(chunk, number, book, kinds)
        except _Slow:
            rows = _lxml_rows(chunk, number, book)
        for number, cells in rows:
            yield number, cells
        if last:
            return


def _fast_rows(
    chunk: bytes, number: int, book: _Book, kinds: dict[bytes, tuple[str, bool]]
) -> list[tuple[int, list[Any]]]:
    out: list[tuple[int, list[Any]]] = []
    strings, findall, columns = book.strings, _CELL.findall, _columns
    pieces = chunk.split(b"<row")
    if pieces[0].strip():
        raise _Slow
    for piece in pieces[1:]:
        close = piece.find(b">")
        if close < 0:
            raise _Slow
        attrs = piece[:close]
        if attrs and attrs[0] not in b" \t\r\n/":
            raise _Slow  # <rowBreaks> or another element whose name starts with "row"
        found = _ROW_NUMBER.search(attrs)
        number = int(found.group(1)) if found else number + 1
        if attrs.endswith(b"/"):
            continue  # <row r="5"/>: an empty row
        end = piece.rfind(b"</row>")
        if end < 0:
            raise _Slow
        body = piece[close + 1 : end]
        matches = findall(body)
        if len(matches) != body.count(b"<c ") + body.count(b"<c>") + body.count(b"<c/>"):
            raise _Slow
        cells: list[Any] = []
        for letters, rest, v, plain, inline in matches:
            if letters:
                index = columns.get(letters)
                if index is None:
                    index = _column_index(letters)
                width = len(cells)
                if index != width:
                    if index < width:
                        raise _Slow  # cells out of order
                    cells.extend([None] * (index - width))
            value: Any
            if plain:  # <is><t>text</t></is>
                value = plain.decode()
                if "&" in value or "\r" in value:
                    value = _text(value)
            elif inline:
                raise _Slow  # rich text or phonetic guides
            elif v:
                kind = kinds.get(rest)
                if kind is None:
                    kind = kinds[rest] = _kind_of(rest, book)
                t = kind[0]
                if t == "s":
                    value = strings[int(v)] or None
                elif t == "n":
                    value = float(v)
                    if kind[1]:
                        value = book.date(value)
                elif t == "str" or t == "e":
                    value = v.decode()
                    if "&" in value or "\r" in value:
                        value = _text(value)
                    value = value or None
                elif t == "b":
                    value = v == b"1"
                else:
                    raise _Slow
            else:
                value = None
            cells.append(value)
        end = len(cells)
        while end and (
            cells[end - 1] is None or (isinstance(cells[end - 1], str) and not cells[end - 1].strip())
        ):
            end -= 1
        if end:
            out.append((number, cells[:end]))
    return out


def _kind_of(rest: bytes, book: _Book) -> tuple[str, bool]:
    attrs = dict(_ATTR.findall(rest))
    if b"r" in attrs:
        raise _Slow  # the reference is not the first attribute: not worth a fast path
    style = attrs.get(b"s")
    return attrs.get(b"t", b"n").decode(), bool(style) and int(style) in book.date_styles


def _lxml_rows(chunk: bytes, number: int, book: _Book) -> list[tuple[int, list[Any]]]:
    wrapped = b'<sheetData xmlns="' + MAIN[1:-1].encode() + b'">' + chunk + b"</sheetData>"
    return list(_iter_lxml(io.BytesIO(wrapped), book, number))


def _iter_lxml(handle, book: _Book, number: int = 0) -> Iterator[tuple[int, list[Any]]]:
    strings, date_styles = book.strings, book.date_styles
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
