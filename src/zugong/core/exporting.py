"""Spreadsheets out: every list exports what the account sees to .xlsx, streamed, and audited.

Two layers:

* `write_xlsx(target, columns, rows)` streams rows into a workbook with xlsxwriter in
  constant-memory mode (each row goes to disk as soon as the next one starts, so memory stays flat
  however many rows there are): Chinese headers on a frozen first row, real date cells shown as
  yyyy-mm-dd, text cells for numbers that are not numbers (公民身份号码, codes with leading zeros),
  column widths fitted to what was written.
* `Export`: one list of the UI as an export — its permission, its scoped and filtered queryset
  (the same selector and filters as the page), its columns and a description of the filters for
  the audit entry. Apps declare theirs in `<app>/exports.py` and list them in `EXPORTS`.

`export_to(export, target)` writes and audits (one entry per export: who, which filters, how many
rows, whether clear values were included), in that order, so an entry means a file was produced.
"""

from __future__ import annotations

import datetime as dt
import decimal
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import xlsxwriter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from zugong.core import audit
from zugong.core.scope import ROLE_PERMS, Role, Scope, scope_for

CHUNK_SIZE = 2000
MAX_WIDTH = 60
MIN_WIDTH = 6
WIDTH_SAMPLE = 1000  # rows measured for the column widths
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

# One sheet holds 1,048,576 rows in Excel (and WPS); the header and title lines take a few.
MAX_ROWS = 1_048_576 - 3


class TooManyRows(ValueError):
    """More rows than one worksheet can hold."""

    def __init__(self, rows: int) -> None:
        super().__init__(
            _("共%(n)d行,超过Excel单个工作表的上限(%(max)d行)。请缩小范围,例如按下级组织分别导出。")
            % {"n": rows, "max": MAX_ROWS}
        )


# Every export by name: the list pages, the background task and `zugong export` find them here.
EXPORTS: dict[str, str] = {
    "members": "zugong.members.exports.MemberListExport",
    "roster": "zugong.members.exports.MemberRosterExport",
    "orgs": "zugong.orgs.exports.OrgExport",
    "units": "zugong.orgs.exports.UnitExport",
    "accounts": "zugong.accounts.exports.AccountExport",
    "audit": "zugong.core.audit_exports.AuditExport",
    "meetings": "zugong.orglife.exports.MeetingExport",
    "dues_ledger": "zugong.dues.exports.DuesLedgerExport",
    "dues_rollup": "zugong.dues.exports.DuesRollupExport",
    "dues_arrears": "zugong.dues.exports.DuesArrearsExport",
    "applicants": "zugong.recruitment.exports.ApplicantExport",
    "mobility_members": "zugong.members.mobility_exports.MobileMemberExport",
    "mobility_lost": "zugong.members.mobility_exports.LostMemberExport",
    "mobility_tasks": "zugong.members.mobility_exports.MobilityTaskExport",
    "standing_changes": "zugong.members.mobility_exports.StandingChangeExport",
    "community_reports": "zugong.members.community_exports.CommunityReportsExport",
    "community_activities": "zugong.members.community_exports.CommunityActivitiesExport",
    "community_employer_reports": "zugong.members.community_exports.EmployerReportsExport",
    "community_unreported": "zugong.members.community_exports.UnreportedExport",
    "community_hours_member": "zugong.members.community_exports.HoursByMemberExport",
    "community_hours_community": "zugong.members.community_exports.HoursByCommunityExport",
    "community_hours_employer": "zugong.members.community_exports.HoursByEmployerExport",
    "transfers": "zugong.members.transfers_exports.TransferExport",
}


def get(name: str) -> type[Export]:
    try:
        return import_string(EXPORTS[name])
    except KeyError as exc:
        raise LookupError(name) from exc


# -- columns and rows ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column: its Chinese header, how to get the value from an object, how to write it.

    `kind`: text (default), text_id (kept as text, in a text-formatted cell: 公民身份号码, codes),
    date, datetime, int, number, money (a Decimal shown with two decimals), bool (是/否).
    """

    label: str | Promise
    get: str | Callable[[Any], Any]
    kind: str = "text"
    width: float | None = None

    def value(self, obj: Any) -> Any:
        if callable(self.get):
            return self.get(obj)
        value = obj
        for part in self.get.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value


def queryset_rows(qs: QuerySet, columns: Sequence[Column], *, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """The rows of `qs` as lists of column values, read in chunks (never the whole result at once)."""
    for obj in qs.iterator(chunk_size=chunk_size):
        yield [c.value(obj) for c in columns]


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (CJK) characters count twice."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def labels(choices) -> Callable[[str], str]:
    """A fast value → label look-up for a field's choices (each label translated once)."""
    table = {str(k): str(v) for k, v in choices}
    return lambda value: table.get(value, value or "")


class _Formats:
    def __init__(self, workbook) -> None:
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        self.header = workbook.add_format(
            {**base, "bold": True, "bg_color": "#F2F2F2", "border": 1, "align": "center", "text_wrap": True}
        )
        self.title = workbook.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
        self.subtitle = workbook.add_format({**base, "font_size": 10, "font_color": "#666666"})
        self.text = workbook.add_format(base)
        self.text_id = workbook.add_format({**base, "num_format": "@"})
        self.date = workbook.add_format({**base, "num_format": DATE_FORMAT, "align": "left"})
        self.datetime = workbook.add_format({**base, "num_format": DATETIME_FORMAT, "align": "left"})
        self.number = workbook.add_format(base)
        self.money = workbook.add_format({**base, "num_format": "0.00"})


def _write_cell(ws, fmt: _Formats, row: int, col: int, kind: str, value: Any) -> str:
    """Write one cell; returns the text it shows (for the column width)."""
    if isinstance(value, str):
        if not value:
            return ""  # an empty cell; a text_id column's format comes from the column
        # write_string: a value starting with "=" stays text, never a formula.
        ws.write_string(row, col, value, fmt.text_id if kind == "text_id" else fmt.text)
        return value
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        ws.write_datetime(row, col, value, fmt.datetime)
        return "0000-00-00 00:00:00"
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, value, fmt.date)
        return "0000-00-00"
    if isinstance(value, bool):
        text = _("是") if value else _("否")
        ws.write_string(row, col, text, fmt.text)
        return text
    if kind == "text_id":
        text = str(value)
        ws.write_string(row, col, text, fmt.text_id)
        return text
    if isinstance(value, decimal.Decimal):
        ws.write_number(row, col, float(value), fmt.money)
        return f"{value:.2f}"
    if isinstance(value, int | float):
        ws.write_number(row, col, value, fmt.number)
        return str(value)
    text = str(value)
    ws.write_string(row, col, text, fmt.text)
    return text


def write_xlsx(
    target: Any,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_name: str = "",
    title: str = "",
    subtitle: str = "",
    progress: Callable[[int], None] | None = None,
    progress_every: int = 500,
) -> int:
    """Stream `rows` into a new workbook at `target` (a path or a binary file); returns the row count.

    With a `title` the sheet starts with a title line (and an optional `subtitle` line) above the
    header, as the national collection sheets do; the header row is frozen either way.
    """
    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "tmpdir": str(_tmpdir()), "remove_timezone": True},
    )
    workbook.set_properties({"title": title or sheet_name, "author": _("组工综合管理平台")})
    fmt = _Formats(workbook)
    ws = workbook.add_worksheet(_sheet_name(sheet_name or title or _("数据")))
    ncols = len(columns)
    header_row = 0
    if title:
        ws.set_row(0, 28)
        if ncols > 1:
            ws.merge_range(0, 0, 0, ncols - 1, title, fmt.title)
        else:
            ws.write_string(0, 0, title, fmt.title)
        header_row = 1
        if subtitle:
            if ncols > 1:
                ws.merge_range(1, 0, 1, ncols - 1, subtitle, fmt.subtitle)
            else:
                ws.write_string(1, 0, subtitle, fmt.subtitle)
            header_row = 2
    widths = [max(MIN_WIDTH, display_width(str(c.label)) + 2) for c in columns]
    for col, column in enumerate(columns):
        ws.write_string(header_row, col, str(column.label), fmt.header)
    ws.set_row(header_row, 20)
    kinds = [c.kind for c in columns]
    r = header_row
    n = 0
    for values in rows:
        r += 1
        n += 1
        if n > MAX_ROWS:
            workbook.close()
            raise TooManyRows(n)
        if n <= WIDTH_SAMPLE:
            for col, value in enumerate(values):
                shown = _write_cell(ws, fmt, r, col, kinds[col], value)
                if shown:
                    w = display_width(shown) + 2
                    if w > widths[col]:
                        widths[col] = w
        else:  # the widths come from the first rows; the rest only need writing
            for col, value in enumerate(values):
                _write_cell(ws, fmt, r, col, kinds[col], value)
        if progress is not None and n % progress_every == 0:
            progress(n)
    # Column settings are written when the sheet is closed, so the widths can come last.
    for col, column in enumerate(columns):
        width = column.width or min(widths[col], MAX_WIDTH)
        cell_format = fmt.text_id if column.kind == "text_id" else None
        ws.set_column(col, col, width, cell_format)
    ws.freeze_panes(header_row + 1, 0)
    if ncols:
        ws.autofilter(header_row, 0, max(r, header_row), ncols - 1)
    workbook.close()
    if progress is not None:
        progress(n)
    return n


def _sheet_name(name: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name))
    return cleaned[:31] or "Sheet1"


def _tmpdir():
    path = settings.DATA_DIR / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- exports -------------------------------------------------------------------------------------
SYSTEM_SCOPE = Scope(role=Role.DEPT_ADMIN, root_path="", perms=ROLE_PERMS[Role.DEPT_ADMIN])


class Export:
    """One list as an export. Subclasses set the class attributes and `queryset`/`columns`.

    `params` are the list page's query parameters (only `param_names` are kept), so the export
    has exactly the filters the page has; `actor` decides the scope (`None`: the system, all of it).
    """

    name = ""
    title: str | Promise = ""
    perm = ""
    param_names: tuple[str, ...] = ()
    sheet_title: str | Promise = ""  # a title line above the header (national sheet layouts)

    def __init__(self, *, actor, params: Mapping[str, Any] | None = None, full: bool = False) -> None:
        self.actor = actor
        self.scope = scope_for(actor) if actor is not None else SYSTEM_SCOPE
        raw = params or {}
        self.params = {
            k: str(raw.get(k)).strip()
            for k in self.param_names
            if raw.get(k) is not None and str(raw.get(k)).strip() != ""
        }
        self.full = bool(full)

    # -- what subclasses provide ---------------------------------------------------------------
    def check(self) -> None:
        """Raise PermissionDenied (403) or NotInScope (404) unless the actor may export this."""
        if not self.scope.has(self.perm) or (self.full and not self.may_export_full()):
            raise PermissionDenied
        _under = self.under  # an org outside the scope is NotInScope (404)

    def may_export_full(self) -> bool:
        """Whether clear sensitive values may be exported (never, unless a subclass says so)."""
        return False

    @cached_property
    def under(self) -> Any:
        """The org the list starts from (its subtree), or None for the whole scope."""
        return self.resolve_under()

    def resolve_under(self) -> Any:
        return None

    def queryset(self) -> QuerySet:
        raise NotImplementedError

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[list]:
        return queryset_rows(self.queryset(), self.columns())

    def org_path(self) -> str:
        """Where the audit entry sits in the tree: the subtree the export covers."""
        under = self.under
        return under.path if under is not None else (self.scope.root_path or "")

    def conditions(self) -> list[tuple[str, str]]:
        """The filters in words, for the audit entry and the job page."""
        return [(k, v) for k, v in self.params.items()]

    def subtitle(self) -> str:
        return ""

    # -- shared ----------------------------------------------------------------------------------
    def filename(self) -> str:
        stamp = timezone.localdate().strftime("%Y%m%d")
        suffix = _("(完整信息)") if self.full else ""
        return f"{self.title}{suffix}-{stamp}.xlsx"

    def conditions_text(self) -> str:
        return ";".join(f"{k}:{v}" for k, v in self.conditions()) or _("无")

    def write(self, target: Any, *, progress: Callable[[int], None] | None = None) -> int:
        return write_xlsx(
            target,
            self.columns(),
            self.rows(),
            sheet_name=str(self.title),
            title=str(self.sheet_title),
            subtitle=self.subtitle() if self.sheet_title else "",
            progress=progress,
        )

    def record(self, rows: int, *, job_id: int | None = None) -> None:
        """The audit entry of a finished export."""
        with transaction.atomic():
            audit.record(
                actor=self.actor,
                action=f"export.{self.name}",
                object_type="export",
                object_id=str(job_id or ""),
                object_repr=self.filename(),
                org_path=self.org_path(),
                after={
                    "rows": rows,
                    "full": self.full,
                    "conditions": self.conditions_text(),
                    "filters": self.params,
                },
            )


def export_to(export: Export, target: Any, *, progress=None, job_id: int | None = None) -> int:
    """Check, write and audit one export; returns the number of rows written.

    Raises TooManyRows (nothing audited) when the rows do not fit one worksheet.
    """
    export.check()
    rows = export.write(target, progress=progress)
    export.record(rows, job_id=job_id)
    return rows


# -- import problem lists ------------------------------------------------------------------------
def write_problems(target: Any, problems: Iterable[Any]) -> int:
    """An import's problems as a sheet: 行号, 列, 值, 问题说明 (for problems that are no row's,
    such as a missing column; rejected rows go to the pipeline's rejects workbook). Returns the count."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "tmpdir": str(_tmpdir())})
    fmt = _Formats(workbook)
    sheet = workbook.add_worksheet(_("问题清单"))
    for col, header in enumerate([_("行号"), _("列"), _("值"), _("问题说明")]):
        sheet.write_string(0, col, header, fmt.header)
    n = 0
    for n, p in enumerate(problems, start=1):
        sheet.write_number(n, 0, p.line, fmt.number)
        sheet.write_string(n, 1, p.column or "", fmt.text)
        sheet.write_string(n, 2, p.value or "", fmt.text_id)
        sheet.write_string(n, 3, p.reason, fmt.text)
    for col, width in enumerate([8, 18, 24, 70]):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return n
