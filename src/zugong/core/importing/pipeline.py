"""One pipeline for every registry: read → normalize → validate every row → (preview) → commit.

An importer declares its columns (primary header from the national collection sheet plus the
synonyms people use) and hooks: `prepare` (once, before reading: permissions, options),
`check_batch` (row rules for a batch of parsed rows, so look-ups are one query per batch, not per
row; the default calls `check_row` for each), `key` (what makes a row unique: duplicates within
the file are refused), `accept` (a row passed every check), `finish` (checks that need the whole
file, such as parents named further down) and `write` (the commit, given only valid rows, inside
one transaction).

The pipeline streams: valid rows are spooled to a temporary file between the passes and rejected
rows go straight to the rejects workbook, so memory stays flat whatever the file size. The report
keeps every problem up to `MAX_PROBLEMS` (the rejects workbook has all of them) and the first
`MAX_REJECTED_ROWS` rejected rows for a preview.
"""

from __future__ import annotations

import datetime as dt
import pickle
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from zugong.core.importing import readers, values

HEADER_SCAN_ROWS = 12
MAX_PROBLEMS = 100_000
MAX_REJECTED_ROWS = 1_000
PROGRESS_EVERY = 1_000
# What people write in an optional coded cell to say "none" (学位: 无).
NONE_WORDS = {"无", "/", "-", "—", "－"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    kind: str = "text"  # text | compact | date | month | code | choice | bool | int | id_number | phone
    table: str = ""
    required: bool = False
    help: str = ""
    # kind "choice": (stored value, (spellings, the first shown in templates)), ...
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    example: str = ""

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

    def short(self) -> str:
        """Without the line number: the text of the 问题说明 cell of the rejected row."""
        where = _("“%(c)s”列") % {"c": self.column} if self.column else ""
        value = _("(值:%(v)s)") % {"v": self.value} if self.value else ""
        return f"{where}{value}:{self.reason}" if where or value else self.reason


@dataclass
class Report:
    read: int = 0
    valid: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False
    refused: bool = False
    dry_run: bool = False
    header_line: int = 0
    seconds: float = 0.0
    # The first MAX_REJECTED_ROWS rejected rows: (line, original cells, problems).
    rejected_rows: list[tuple[int, list[Any], list[Problem]]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rejects_written: int = 0

    @property
    def problems_truncated(self) -> bool:
        return self.problem_count > len(self.problems)

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

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


class ImportRefused(Exception):
    """The import cannot start (no permission, an unknown --org): a message for the user."""


class Importer:
    """Base of every registry's importer. Subclasses set name/title/columns and the hooks."""

    name = ""
    title = ""
    columns: list[Column] = []
    notes: list[str] = []
    preview_size = 20
    batch_size = 1000
    # True when `finish` may reject rows after the first pass: the spool then keeps their cells.
    late_checks = False

    def __init__(self, *, actor, update: bool = False, **options: Any) -> None:
        self.actor = actor
        self.update = update
        self.options = options

    # -- hooks -------------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Once before reading; raise ImportRefused when the import cannot start."""

    def required_keys(self, present: set[str]) -> set[str]:
        """Columns that must be in the file (present: the column keys found in the header)."""
        return {c.key for c in self.columns if c.required}

    def check_batch(self, rows: list[dict[str, Any]]) -> dict[int, list[Problem]]:
        """Problems of each row by line. Rows arrive parsed, in file order; `row["_bad"]` names the
        columns whose cells could not be parsed (their value is None; do not report them again)."""
        out: dict[int, list[Problem]] = {}
        for row in rows:
            problems = self.check_row(row, row["_line"])
            if problems:
                out[row["_line"]] = problems
        return out

    def check_row(self, row: dict[str, Any], line: int) -> list[Problem]:
        return []

    def key(self, row: dict[str, Any]) -> str | None:
        return None

    def key_column(self) -> str:
        return ""

    def accept(self, row: dict[str, Any]) -> None:
        """A row passed every check of the first pass."""

    def rejected(self, row: dict[str, Any]) -> None:
        """A row failed the first pass (`row` holds what could be parsed)."""

    def finish(self) -> dict[int, list[Problem]]:
        """Problems found once the whole file is read (rows accepted earlier), by line."""
        return {}

    def write(self, rows: Iterable[dict[str, Any]]) -> WriteResult:
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------------------------------
    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def problem(self, line: int, key: str, value: Any, reason: str) -> Problem:
        column = self.column(key)
        label = self.header_of.get(key) or (column.label if column else "")
        return Problem(line, label, values.text(value)[:60], reason)

    # The header texts as the user's file spells them, by column key (set by the pipeline).
    header_of: dict[str, str] = {}


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
        mapping: dict[int, Column] = {}
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
    return _PARSERS[column.kind](column, raw)


_PARSERS: dict[str, Callable[[Column, Any], Any]] = {
    "text": lambda column, raw: values.text(raw),
    "compact": lambda column, raw: values.compact(raw),
    "date": lambda column, raw: values.parse_date(raw),
    "month": lambda column, raw: values.parse_date(raw, allow_month=True),
    "code": lambda column, raw: (
        None
        if not column.required and values.compact(raw) in NONE_WORDS
        else values.parse_code(column.table, raw)
    ),
    "choice": lambda column, raw: values.parse_choice(column.choices, raw),
    "bool": lambda column, raw: values.parse_bool(raw),
    "int": lambda column, raw: values.parse_int(raw),
    "id_number": lambda column, raw: values.parse_id_number(raw),
    "phone": lambda column, raw: values.parse_phone(raw),
}
# Kinds whose few distinct spellings repeat down a column: parse each spelling once per import.
_MEMO_KINDS = {"code", "choice", "bool", "date", "month"}
_MEMO_SIZE = 20_000


def cell_parser(column: Column) -> Callable[[Any], Any]:
    """parse_cell for one column, remembering what each spelling gave (or why it failed)."""
    parse = _PARSERS[column.kind]
    blank = values.is_blank
    if column.kind not in _MEMO_KINDS:
        return lambda raw: None if blank(raw) else parse(column, raw)
    memo: dict[Any, tuple[bool, Any]] = {}

    def parse_memo(raw: Any) -> Any:
        if raw is None:
            return None
        key = (raw.__class__, raw)
        hit = memo.get(key)
        if hit is None:
            try:
                hit = (True, None if blank(raw) else parse(column, raw))
            except ValueError as exc:
                hit = (False, str(exc))
            if len(memo) < _MEMO_SIZE:
                memo[key] = hit
        if hit[0]:
            return hit[1]
        raise ValueError(hit[1])

    return parse_memo


class _Rejects:
    """Rejected rows with their original cells and a 问题说明 column, as an .xlsx the user can fix
    and import again (the header row is theirs, so it is recognized)."""

    def __init__(self, target: str | Path | IO[bytes], headers: list[str]) -> None:
        import xlsxwriter

        self.workbook = xlsxwriter.Workbook(
            str(target) if isinstance(target, str | Path) else target,
            {"constant_memory": True, "in_memory": not isinstance(target, str | Path)},
        )
        self.sheet = self.workbook.add_worksheet(_("拒绝的行"))
        self.width = len(headers)
        bold = self.workbook.add_format({"bold": True})
        self.date = self.workbook.add_format({"num_format": "yyyy-mm-dd"})
        for index, text in enumerate(headers):
            self.sheet.write_string(0, index, text, bold)
        self.sheet.write_string(0, self.width, _("问题说明"), bold)
        self.sheet.set_column(self.width, self.width, 60)
        self.sheet.freeze_panes(1, 0)
        self.row = 0

    def add(self, line: int, cells: list[Any], problems: list[Problem]) -> None:
        self.row += 1
        sheet, row = self.sheet, self.row
        for index, cell in enumerate(cells[: self.width]):
            if cell is None or cell == "":
                continue
            if isinstance(cell, bool):
                sheet.write_boolean(row, index, cell)
            elif isinstance(cell, int | float):
                sheet.write_number(row, index, cell)
            elif isinstance(cell, dt.datetime | dt.date):
                sheet.write_datetime(row, index, cell, self.date)
            else:
                sheet.write_string(row, index, str(cell))
        note = _("原第%(n)d行:") % {"n": line} + ";".join(p.short() for p in problems)
        sheet.write_string(row, self.width, note)

    def close(self) -> None:
        self.workbook.close()


class _Run:
    def __init__(self, importer: Importer, report: Report, rejects, progress) -> None:
        self.importer = importer
        self.report = report
        self.rejects_target = rejects
        self.rejects: _Rejects | None = None
        self.progress = progress
        self.seen: dict[str, int] = {}
        self.actions: Counter[str] = Counter()  # what the valid rows would do: create/update/same

    def reject(self, line: int, cells: list[Any], problems: list[Problem]) -> None:
        report = self.report
        report.rejected += 1
        for problem in problems:
            report.add(problem)
        if len(report.rejected_rows) < MAX_REJECTED_ROWS:
            report.rejected_rows.append((line, cells, problems))
        if self.rejects_target is not None:
            if self.rejects is None:
                self.rejects = _Rejects(self.rejects_target, report.headers)
            self.rejects.add(line, cells, problems)
            report.rejects_written += 1

    def check(self, batch: list[tuple[int, list[Any], dict[str, Any], list[Problem]]], spool) -> None:
        importer, report = self.importer, self.report
        found = importer.check_batch([row for _line, _cells, row, _problems in batch])
        keep_cells = importer.late_checks
        valid = []
        for line, cells, row, problems in batch:
            problems = problems + found.get(line, [])
            key = importer.key(row)
            if key is not None:
                first = self.seen.get(key)
                if first is not None:
                    column = importer.key_column()
                    reason = _("与第%(n)d行重复") % {"n": first}
                    problems.append(importer.problem(line, column, row.get(column), reason))
                else:
                    self.seen[key] = line
            if problems:
                importer.rejected(row)
                self.reject(line, cells, problems)
                continue
            report.valid += 1
            self.actions[row.get("_action", "create")] += 1
            importer.accept(row)
            if len(report.preview) < importer.preview_size:
                report.preview.append(row)
            valid.append((line, cells if keep_cells else None, row))
        if valid:
            pickle.dump(valid, spool, protocol=pickle.HIGHEST_PROTOCOL)


def run(
    importer: Importer,
    path: str | Path,
    *,
    filename: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[str, int], None] | None = None,
    rejects: str | Path | IO[bytes] | None = None,
) -> Report:
    """Import one file. All-or-nothing unless `skip_invalid`; nothing is written on a dry run.

    `rejects`: where to write the rejected rows (.xlsx), whether the import was refused or the
    good rows were written. Raises readers.UnreadableFile for a file it cannot read and
    ImportRefused when the importer cannot start; bad rows never raise, they are reported.
    """
    started = time.monotonic()
    report = Report(dry_run=dry_run)
    importer.prepare()
    rows = readers.iter_rows(path, filename=filename)
    header_line, mapping, headers, rest = locate_header(rows, importer.columns)
    report.header_line, report.headers = header_line, headers
    importer.header_of = {column.key: headers[index] for index, column in mapping.items()}
    present = {c.key for c in mapping.values()}
    for key in sorted(importer.required_keys(present) - present):
        column = importer.column(key)
        report.add(Problem(header_line, column.label if column else key, "", _("缺少必填列")))
    if report.problems:
        report.refused = True
        report.seconds = time.monotonic() - started
        return report

    state = _Run(importer, report, rejects, progress)
    needed = importer.required_keys(present)
    required = {index for index, column in mapping.items() if column.key in needed}
    fields = [
        (index, column.key, cell_parser(column), headers[index] or column.label)
        for index, column in sorted(mapping.items())
    ]
    try:
        with ExitStack() as stack:
            spool = stack.enter_context(tempfile.TemporaryFile(prefix="zugong-import-"))
            batch: list[tuple[int, list[Any], dict[str, Any], list[Problem]]] = []
            for line, cells in _chain(rest, rows):
                report.read += 1
                batch.append((line, cells, *_parse(line, cells, fields, required)))
                if len(batch) >= importer.batch_size:
                    state.check(batch, spool)
                    batch = []
                if progress and report.read % PROGRESS_EVERY == 0:
                    progress("validate", report.read)
            if batch:
                state.check(batch, spool)
            state.seen.clear()
            late = importer.finish()
            if late:
                spool = stack.enter_context(_drop_late(spool, late, state))
            report.imported = state.actions["create"]
            report.updated = state.actions["update"]
            report.unchanged = state.actions["same"]
            if report.rejected and not skip_invalid:
                report.refused = True
                report.imported = report.updated = report.unchanged = 0
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
    finally:
        if state.rejects is not None:
            state.rejects.close()
    report.problems.sort(key=lambda p: p.line)
    report.seconds = time.monotonic() - started
    return report


def _parse(
    line: int, cells: list[Any], fields: list[tuple[int, str, Callable[[Any], Any], str]], required: set[int]
) -> tuple[dict[str, Any], list[Problem]]:
    row: dict[str, Any] = {"_line": line}
    problems: list[Problem] = []
    bad: set[int] | None = None
    width = len(cells)
    for index, key, parse, label in fields:
        raw = cells[index] if index < width else None
        try:
            value = row[key] = parse(raw)
        except ValueError as exc:
            problems.append(Problem(line, label, values.text(raw)[:60], str(exc)))
            row[key] = None
            bad = bad or set()
            bad.add(index)
            continue
        if value is None and index in required:
            problems.append(Problem(line, label, "", _("必填项为空")))
            bad = bad or set()
            bad.add(index)
    if bad:
        keys = {index: key for index, key, _parse, _label in fields}
        row["_bad"] = {keys[index] for index in bad}
    return row, problems


def _drop_late(spool, late: dict[int, list[Problem]], state: _Run):
    """Move the rows `finish` rejected from the spool to the rejects; returns the new spool."""
    kept = tempfile.TemporaryFile(prefix="zugong-import-")
    spool.seek(0)
    for records in _batches(spool):
        keep = []
        for line, cells, row in records:
            problems = late.get(line)
            if problems:
                state.report.valid -= 1
                state.actions[row.get("_action", "create")] -= 1
                state.reject(line, cells or [], problems)
            else:
                keep.append((line, cells, row))
        if keep:
            pickle.dump(keep, kept, protocol=pickle.HIGHEST_PROTOCOL)
    rejected_lines = set(late)
    state.report.preview = [r for r in state.report.preview if r["_line"] not in rejected_lines]
    return kept


def _chain(first: list[tuple[int, list[Any]]], then: Iterator[tuple[int, list[Any]]]):
    yield from first
    yield from then


def _batches(spool) -> Iterator[list[tuple[int, list[Any] | None, dict[str, Any]]]]:
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _records(spool) -> Iterator[tuple[int, list[Any] | None, dict[str, Any]]]:
    for records in _batches(spool):
        yield from records


def _unspool(spool, progress) -> Iterator[dict[str, Any]]:
    n = 0
    for _line, _cells, row in _records(spool):
        n += 1
        if progress and n % PROGRESS_EVERY == 0:
            progress("write", n)
        yield row
