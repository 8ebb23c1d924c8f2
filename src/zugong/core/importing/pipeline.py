"""One pipeline for every registry: read → normalize → validate every row → (preview) → commit.

An importer declares its columns (primary header from the national collection sheet plus the
synonyms people use) and three hooks: `check_row` (row rules, after each cell was parsed),
`key` (what makes a row unique: duplicates within the file are refused) and `write` (the commit,
given only valid rows, inside one transaction). The pipeline streams: valid rows are spooled to a
temporary file between the passes, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zugong.core.importing import readers, values

HEADER_SCAN_ROWS = 12


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    kind: str = "text"  # text | compact | date | month | code | bool | int | id_number | phone
    table: str = ""
    required: bool = False
    help: str = ""

    def names(self) -> list[str]:
        return [self.label, *self.synonyms]


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = _("第%(n)d行") % {"n": self.line}
        if self.column:
            where += _("“%(c)s”列") % {"c": self.column}
        value = _("(值:%(v)s)") % {"v": self.value} if self.value else ""
        return f"{where}{value}:{self.reason}"


@dataclass
class Report:
    read: int = 0
    valid: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False
    refused: bool = False
    dry_run: bool = False
    header_line: int = 0
    seconds: float = 0.0
    rejected_rows: list[tuple[int, list[Any], list[Problem]]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.refused:
            state = _("未导入:发现问题,数据库未做任何修改")
        elif self.dry_run:
            state = _("试运行:未写入")
        else:
            state = _("导入完成")
        return _(
            "%(state)s。读取%(read)d行,新增%(imported)d行,更新%(updated)d行,未变%(unchanged)d行,拒绝%(rejected)d行"
        ) % {
            "state": state,
            "read": self.read,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


@dataclass
class WriteResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0


class Importer:
    """Base of every registry's importer. Subclasses set name/title/columns and the hooks."""

    name = ""
    title = ""
    columns: list[Column] = []
    preview_size = 20

    def __init__(self, *, actor, update: bool = False, **options: Any) -> None:
        self.actor = actor
        self.update = update
        self.options = options

    def check_row(self, row: dict[str, Any], line: int) -> list[Problem]:
        return []

    def key(self, row: dict[str, Any]) -> str | None:
        return None

    def key_column(self) -> str:
        return ""

    def write(self, rows: Iterable[dict[str, Any]]) -> WriteResult:
        raise NotImplementedError

    def problem(self, line: int, key: str, value: Any, reason: str) -> Problem:
        label = next((c.label for c in self.columns if c.key == key), key)
        return Problem(line, label, values.text(value)[:60], reason)


def _normalized_header(value: Any) -> str:
    return values.compact(value).replace("*", "").replace("(", "(").replace(")", ")")


def locate_header(
    rows: Iterator[tuple[int, list[Any]]], columns: list[Column]
) -> tuple[int, dict[int, Column], list[str], list[tuple[int, list[Any]]]]:
    """Find the header row among the first rows (a title row may stand above it).

    Returns (header line, {cell index: column}, the header texts, rows read past the header that
    still need processing).
    """
    names = {_normalized_header(n): c for c in columns for n in c.names()}
    best: tuple[int, int, dict[int, Column], list[str]] | None = None
    scanned: list[tuple[int, list[Any]]] = []
    for line, cells in rows:
        scanned.append((line, cells))
        mapping = {}
        for index, cell in enumerate(cells):
            column = names.get(_normalized_header(cell))
            if column is not None and column not in mapping.values():
                mapping[index] = column
        if mapping and (best is None or len(mapping) > best[1]):
            best = (line, len(mapping), mapping, [values.text(c) for c in cells])
        if len(scanned) >= HEADER_SCAN_ROWS:
            break
    if best is None or best[1] < 2:
        raise readers.UnreadableFile(
            _("在前%(n)d行中找不到表头;请使用导入模板,表头应包含“%(cols)s”等列")
            % {"n": HEADER_SCAN_ROWS, "cols": "”“".join(c.label for c in columns[:4])}
        )
    header_line, _count, mapping, headers = best
    rest = [(line, cells) for line, cells in scanned if line > header_line]
    return header_line, mapping, headers, rest


def parse_cell(column: Column, raw: Any) -> Any:
    if values.is_blank(raw):
        return None
    kind = column.kind
    if kind == "text":
        return values.text(raw)
    if kind == "compact":
        return values.compact(raw)
    if kind == "date":
        return values.parse_date(raw)
    if kind == "month":
        return values.parse_date(raw, allow_month=True)
    if kind == "code":
        return values.parse_code(column.table, raw)
    if kind == "bool":
        return values.parse_bool(raw)
    if kind == "int":
        return values.parse_int(raw)
    if kind == "id_number":
        return values.parse_id_number(raw)
    if kind == "phone":
        return values.parse_phone(raw)
    raise ValueError(kind)


def run(
    importer: Importer,
    path: str | Path,
    *,
    filename: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> Report:
    """Import one file. All-or-nothing unless `skip_invalid`; nothing is written on a dry run."""
    started = time.monotonic()
    report = Report(dry_run=dry_run)
    rows = readers.iter_rows(path, filename=filename)
    header_line, mapping, headers, rest = locate_header(rows, importer.columns)
    report.header_line, report.headers = header_line, headers
    present = set(mapping.values())
    for column in importer.columns:
        if column.required and column not in present:
            report.problems.append(Problem(header_line, column.label, "", _("缺少必填列")))
    if report.problems:
        report.refused = True
        report.seconds = time.monotonic() - started
        return report

    seen: dict[str, int] = {}
    with tempfile.TemporaryFile(prefix="zugong-import-") as spool:
        for line, cells in _chain(rest, rows):
            report.read += 1
            row: dict[str, Any] = {"_line": line}
            problems: list[Problem] = []
            for index, column in mapping.items():
                raw = cells[index] if index < len(cells) else None
                try:
                    row[column.key] = parse_cell(column, raw)
                except ValueError as exc:
                    problems.append(Problem(line, column.label, values.text(raw)[:60], str(exc)))
                    row[column.key] = None
                    row.setdefault("_bad", set()).add(column.key)
            for column in importer.columns:
                if column.required and row.get(column.key) is None and column.key not in row.get("_bad", ()):
                    problems.append(Problem(line, column.label, "", _("必填项为空")))
            if not problems:
                problems.extend(importer.check_row(row, line))
            key = importer.key(row) if not problems else None
            if key is not None:
                first = seen.get(key)
                if first is not None:
                    problems.append(
                        importer.problem(line, importer.key_column(), "", _("与第%(n)d行重复") % {"n": first})
                    )
                else:
                    seen[key] = line
            if problems:
                report.rejected += 1
                report.problems.extend(problems)
                report.rejected_rows.append((line, cells, problems))
            else:
                report.valid += 1
                if len(report.preview) < importer.preview_size:
                    report.preview.append(row)
                pickle.dump(row, spool, protocol=pickle.HIGHEST_PROTOCOL)
            if progress and report.read % 1000 == 0:
                progress("validate", report.read)
        seen.clear()
        if report.rejected and not skip_invalid:
            report.refused = True
        elif not dry_run and report.valid:
            spool.seek(0)
            with transaction.atomic():
                result = importer.write(_unspool(spool, progress))
            report.imported, report.updated, report.unchanged = (
                result.imported,
                result.updated,
                result.unchanged,
            )
            report.written = True
    report.seconds = time.monotonic() - started
    return report


def _chain(first: list[tuple[int, list[Any]]], then: Iterator[tuple[int, list[Any]]]):
    yield from first
    yield from then


def _unspool(spool, progress) -> Iterator[dict[str, Any]]:
    n = 0
    while True:
        try:
            row = pickle.load(spool)
        except EOFError:
            return
        n += 1
        if progress and n % 1000 == 0:
            progress("write", n)
        yield row
