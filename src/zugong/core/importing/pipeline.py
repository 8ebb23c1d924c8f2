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
import multiprocessing
import os
import pickle
import queue
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import connection, connections, transaction
from django.utils.translation import gettext as _

from zugong.core import audit, context
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


class RowsRefused(Exception):
    """Raised by `Importer.write` when a service refuses a row (a rule only the service checks):
    the import's transaction is rolled back and the rows are reported as rejected."""

    def __init__(self, problems: list[Problem], cells: list[Any] | None = None) -> None:
        super().__init__(problems)
        self.problems = problems
        self.cells = cells or []  # the refused row's cells, for the rejects workbook


class Importer:
    """Base of every registry's importer. Subclasses set name/title/columns and the hooks."""

    name = ""
    title = ""
    columns: list[Column] = []
    notes: list[str] = []
    preview_size = 20
    batch_size = 1000
    # Whether batches may be read and prepared in a second process (see `prepare_batch`).
    parallel = False
    # True when `finish` may reject rows after the first pass: the spool then keeps their cells.
    late_checks = False

    def __init__(self, *, actor, update: bool = False, **options: Any) -> None:
        self.actor = actor
        self.update = update
        self.options = options
        # What the import's audit entry names (set by `run`).
        self.source_name = ""
        self.import_id = ""
        self.import_org_path = ""

    # -- hooks -------------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Once before reading; raise ImportRefused when the import cannot start."""

    def required_keys(self, present: set[str]) -> set[str]:
        """Columns that must be in the file (present: the column keys found in the header)."""
        return {c.key for c in self.columns if c.required}

    def prepare_batch(self, rows: list[dict[str, Any]]) -> None:
        """CPU work on a batch of parsed rows that writes nothing and needs no transaction (checks
        of each row on its own, hashing, encryption). On PostgreSQL a big file's batches are read,
        parsed and prepared in a second process while this one checks and writes; store results
        in the rows (they travel pickled) and report problems from `check_batch`."""

    def check_batch(self, rows: list[dict[str, Any]]) -> dict[int, list[Problem]]:
        """Problems of each row by line. Rows arrive parsed, in file order; `row["_bad"]` names the
        columns whose cells could not be parsed (their value is None; do not report them again);
        `row["_dup"]` is set on a repeat of an earlier row's key (it is rejected for that alone)."""
        out: dict[int, list[Problem]] = {}
        for row in rows:
            if "_dup" in row:
                continue
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
# Kinds whose spellings repeat down a column (codes, dates, names of places and units): parse each
# spelling once per import, up to _MEMO_SIZE spellings a column.
_MEMO_KINDS = {"code", "choice", "bool", "date", "month", "text", "compact"}
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

    def check(self, batch: list[_Entry]) -> list[tuple[int, list[Any] | None, dict[str, Any]]]:
        """Check one batch; returns its valid rows as (line, cells if kept, row)."""
        importer, report = self.importer, self.report
        report.read += len(batch)
        # Repeats first: a row repeating an earlier one is refused for that, and the importer never
        # compares it with what an earlier row of the same file has just written.
        for line, _cells, row, _problems in batch:
            key = importer.key(row)
            if key is not None:
                first = self.seen.get(key)
                if first is not None:
                    row["_dup"] = first
                else:
                    self.seen[key] = line
        found = importer.check_batch([row for _line, _cells, row, _problems in batch])
        keep_cells = importer.late_checks
        valid = []
        for line, cells, row, problems in batch:
            problems = problems + found.get(line, [])
            if "_dup" in row:
                column = importer.key_column()
                reason = _("与第%(n)d行重复") % {"n": row["_dup"]}
                problems.append(importer.problem(line, column, row.get(column), reason))
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
        return valid


# (line, cells, parsed row, problems of its cells)
_Entry = tuple[int, list[Any], dict[str, Any], list[Problem]]


class _Refused(Exception):
    """A row was rejected while writing without --skip-invalid: the transaction is rolled back."""


def run(
    importer: Importer,
    path: str | Path,
    *,
    filename: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[str, int], None] | None = None,
    rejects: str | Path | IO[bytes] | None = None,
    import_id: str = "",
    org_path: str = "",
) -> Report:
    """Import one file. All-or-nothing unless `skip_invalid`; nothing is written on a dry run.

    `rejects`: where to write the rejected rows (.xlsx), whether the import was refused or the
    good rows were written. Raises readers.UnreadableFile for a file it cannot read and
    ImportRefused when the importer cannot start; bad rows never raise, they are reported.

    A written import leaves one `import.<name>` audit entry in its own transaction (object: the
    import, `import_id` or the import's request id; `org_path` where it was made): who, when,
    which file, what it did. Every record it creates or changes carries the same request id.
    """
    started = time.monotonic()
    report = Report(dry_run=dry_run)
    importer.source_name = filename or Path(path).name
    importer.import_id, importer.import_org_path = import_id, org_path
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
    source = _chain(rest, rows)
    token = context.request_id.set("imp-" + uuid.uuid4().hex[:12])
    try:
        with ExitStack() as stack:
            if _parallel(importer, path):
                batches = stack.enter_context(_ReaderProcess(source, fields, required, importer))
            else:
                batches = _prepared_batches(source, fields, required, importer)
            if dry_run or importer.late_checks:
                _check_then_write(state, batches, stack, dry_run=dry_run, skip_invalid=skip_invalid)
            else:
                _write_while_checking(state, batches, skip_invalid=skip_invalid)
    finally:
        context.request_id.reset(token)
        if state.rejects is not None:
            state.rejects.close()
    report.problems.sort(key=lambda p: p.line)
    report.seconds = time.monotonic() - started
    return report


def _record_import(importer: Importer, report: Report, *, skip_invalid: bool) -> None:
    """The import itself in the audit log, in the import's transaction."""
    options = getattr(importer, "audit_options", dict)()
    audit.record(
        actor=importer.actor,
        action=f"import.{importer.name}",
        object_type="import",
        object_id=importer.import_id or context.current_request_id(),
        object_repr=importer.source_name[:200],
        org_path=importer.import_org_path,
        after={
            "file": importer.source_name,
            "read": report.read,
            "imported": report.imported,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
            "skip_invalid": skip_invalid,
            "update": importer.update,
            **options,
        },
    )


def _count(state: _Run, batches: Iterable[list[_Entry]]) -> Iterator[list[_Entry]]:
    progress, report = state.progress, state.report
    for batch in batches:
        before = report.read
        yield batch
        if progress and report.read // PROGRESS_EVERY != before // PROGRESS_EVERY:
            progress("validate", report.read)


def _check_then_write(state: _Run, batches, stack: ExitStack, *, dry_run: bool, skip_invalid: bool) -> None:
    """Check every row first (spooling the valid ones when `finish` may still reject some), then
    write the valid rows in one transaction: for dry runs and importers with late checks."""
    importer, report = state.importer, state.report
    spool = (
        stack.enter_context(tempfile.TemporaryFile(prefix="zugong-import-")) if importer.late_checks else None
    )
    for batch in _count(state, batches):
        valid = state.check(batch)
        if valid and spool is not None:
            pickle.dump(valid, spool, protocol=pickle.HIGHEST_PROTOCOL)
    state.seen.clear()
    late = importer.finish()
    if late and spool is not None:
        spool = stack.enter_context(_drop_late(spool, late, state))
    report.imported = state.actions["create"]
    report.updated = state.actions["update"]
    report.unchanged = state.actions["same"]
    if report.rejected and not skip_invalid:
        report.refused = True
        report.imported = report.updated = report.unchanged = 0
    elif not dry_run and report.valid and spool is not None:
        spool.seek(0)
        try:
            with transaction.atomic():
                result = importer.write(_unspool(spool, state.progress))
                report.imported, report.updated, report.unchanged = (
                    result.imported,
                    result.updated,
                    result.unchanged,
                )
                if result.imported or result.updated:
                    _record_import(importer, report, skip_invalid=skip_invalid)
        except RowsRefused as exc:
            lines = sorted({p.line for p in exc.problems})
            for line in lines:
                state.reject(line, exc.cells, [p for p in exc.problems if p.line == line])
                report.valid -= 1
            report.refused = True
            report.imported = report.updated = report.unchanged = 0
            return
        report.written = True


def _write_while_checking(state: _Run, batches, *, skip_invalid: bool) -> None:
    """One pass: each batch is checked and its valid rows written at once, inside the import's
    transaction. The first rejected row (without --skip-invalid) rolls the transaction back; the
    rest of the file is still checked, so the report names every problem."""
    importer, report = state.importer, state.report
    progress = state.progress
    batches = iter(batches)

    def valid_rows() -> Iterator[dict[str, Any]]:
        written = 0
        for batch in batches:
            valid = state.check(batch)
            if report.rejected and not skip_invalid:
                raise _Refused
            for _line, _cells, row in valid:
                yield row
            before, written = written, written + len(valid)
            if progress and written // PROGRESS_EVERY != before // PROGRESS_EVERY:
                progress("write", written)  # the rows written so far (the valid rows are the total)

    try:
        with transaction.atomic():
            result = importer.write(valid_rows())
            report.imported, report.updated, report.unchanged = (
                result.imported,
                result.updated,
                result.unchanged,
            )
            if result.imported or result.updated:
                _record_import(importer, report, skip_invalid=skip_invalid)
        report.written = bool(report.valid)
    except _Refused:
        for batch in _count(state, batches):  # the rest of the file: every problem in the report
            state.check(batch)
        report.refused = True
        report.imported = report.updated = report.unchanged = 0
    state.seen.clear()


def _prepared_batches(source, fields, required: set[int], importer: Importer) -> Iterator[list[_Entry]]:
    """Parsed and prepared batches of rows, read in this process."""
    batch: list[_Entry] = []
    size = importer.batch_size
    for line, cells in source:
        batch.append((line, cells, *_parse(line, cells, fields, required)))
        if len(batch) >= size:
            importer.prepare_batch([entry[2] for entry in batch])
            yield batch
            batch = []
    if batch:
        importer.prepare_batch([entry[2] for entry in batch])
        yield batch


# A file at least this big is read, parsed and prepared in a second process on PostgreSQL (fork on
# Linux), while this process checks against the database and writes. Below it, the fork and the
# pickling cost more than they save. The environment variable overrides it (tests set 0).
PARALLEL_MIN_BYTES = 4 * 2**20
PARALLEL_ENV = "ZUGONG_IMPORT_PARALLEL_BYTES"
READ_AHEAD = 16
# The other process's connection: kept referenced, never closed or collected there (closing it
# would end this process's session, which shares the socket).
_inherited: list[Any] = []


def _parallel(importer: Importer, path: str | Path) -> bool:
    if not importer.parallel or connection.vendor != "postgresql":
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        return os.path.getsize(path) >= int(os.environ.get(PARALLEL_ENV) or PARALLEL_MIN_BYTES)
    except OSError:
        return False


class _ReaderProcess:
    """Batches read, parsed and prepared by a forked process and handed over through a pipe.

    The child opens its own database connection when it needs one (code tables, rules) and never
    touches the parent's: no transaction of the import is ever visible to it, and it writes
    nothing. If the parent dies the pipe breaks and the child ends; if the child dies the parent
    sees the pipe close and the import fails (its transaction is rolled back)."""

    def __init__(self, source, fields, required: set[int], importer: Importer) -> None:
        ctx = multiprocessing.get_context("fork")
        self.receive, send = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=_reader_main, args=(send, self.receive, source, fields, required, importer), daemon=True
        )
        self.process.start()
        send.close()
        # A thread drains the pipe (recv releases the GIL), so the reader runs up to READ_AHEAD
        # batches ahead while this process waits on the database at the end of each COPY.
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=READ_AHEAD)
        self.stop = threading.Event()
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _drain(self) -> None:
        while not self.stop.is_set():
            try:
                data: bytes | None = self.receive.recv_bytes()
            except (EOFError, OSError):
                data = None
            while not self.stop.is_set():
                try:
                    self.queue.put(data, timeout=0.5)
                    break
                except queue.Full:
                    continue
            if data is None:
                return

    def __enter__(self) -> Iterator[list[_Entry]]:
        return self._batches()

    def _batches(self) -> Iterator[list[_Entry]]:
        while True:
            data = self.queue.get()
            if data is None:
                raise RuntimeError("the import's reader process ended without finishing")
            kind, payload = pickle.loads(data)
            if kind == "rows":
                yield payload
            elif kind == "error":
                raise payload
            else:
                return

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.drain.join()
        self.receive.close()


def _reader_main(send, receive, source, fields, required: set[int], importer: Importer) -> None:
    receive.close()
    for conn in connections.all(initialized_only=True):
        _inherited.append(conn.connection)
        conn.connection = None
    try:
        try:
            for batch in _prepared_batches(source, fields, required, importer):
                send.send_bytes(pickle.dumps(("rows", batch), protocol=pickle.HIGHEST_PROTOCOL))
        except BrokenPipeError:
            return
        except Exception as exc:  # to the parent, which raises it where it would have been raised
            try:
                message = pickle.dumps(("error", exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                message = pickle.dumps(("error", RuntimeError(repr(exc))))
            send.send_bytes(message)
            return
        send.send_bytes(pickle.dumps(("end", None)))
    finally:
        send.close()
        connections.close_all()


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
    """The pickled lists of valid rows in a spool, in order."""
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
    for _line, cells, row in _records(spool):
        n += 1
        if cells is not None:
            row["_cells"] = cells
        if progress and n % PROGRESS_EVERY == 0:
            progress("write", n)
        yield row
