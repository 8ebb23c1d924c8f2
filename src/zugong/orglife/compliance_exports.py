"""The compliance table as an export: one row per branch × period × rule, then one summary line.

Streamed from `compliance.rows` (a server-side cursor on PostgreSQL) into a CSV writer or
`core.exporting.write_xlsx`, so memory stays flat for a province (≈ 13 million rows: CSV only — a
worksheet holds 1,048,576). Audited through `core.exporting.export_to` like every other export.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core.exporting import MAX_ROWS, Column, Export, TooManyRows, write_xlsx
from zugong.orglife import compliance
from zugong.orglife.compliance import STATUS_LABELS, Window


class BranchCounter:
    """Colours of branches as their rows stream past in path order (one branch in memory at a time)."""

    def __init__(self) -> None:
        self.total = compliance.Tally()
        self.current: int | None = None
        self.missed = self.due = 0

    def add(self, row: compliance.Row) -> None:
        if row.org_id != self.current:
            self._close()
            self.current = row.org_id
            self.total.branches += 1
        setattr(self.total, row.status, getattr(self.total, row.status) + 1)
        self.total.failed += row.failed
        if row.status == "missed":
            self.missed += 1
        elif row.status == "due":
            self.due += 1

    def _close(self) -> None:
        if self.current is None:
            return
        colour = "red" if self.missed else ("amber" if self.due else "green")
        setattr(self.total, colour, getattr(self.total, colour) + 1)
        self.missed = self.due = 0

    def finish(self) -> compliance.Tally:
        self._close()
        self.current = None
        return self.total


class ComplianceExport(Export):
    """组织生活达标情况: every branch of the subtree (or the whole scope), every period of the window."""

    name = "orglife_compliance"
    title = gettext_lazy("组织生活达标情况")
    perm = "orglife.view"
    param_names = ("org", "year", "quarter", "month", "as_of")

    def __init__(self, *, actor, params=None, full: bool = False, fmt: str = "xlsx") -> None:
        super().__init__(actor=actor, params=params, full=full)
        self.fmt = fmt
        self.summary: compliance.Tally | None = None
        p = self.params
        self.window = Window(
            int(p["year"]),
            quarter=int(p["quarter"]) if p.get("quarter") else None,
            month=int(p["month"]) if p.get("month") else None,
        )
        self.as_of = dt.date.fromisoformat(p["as_of"]) if p.get("as_of") else dt.date.today()

    def resolve_under(self) -> Any:
        from zugong.orgs import selectors

        code = self.params.get("org", "")
        return selectors.org_get(scope=self.scope, code=code) if code else None

    def root_path(self) -> str:
        under = self.under
        return under.path if under is not None else (self.scope.root_path or "")

    def conditions(self) -> list[tuple[str, str]]:
        out = []
        if self.under is not None:
            out.append((_("组织范围"), f"{self.under.name}({self.under.code})"))
        out.append((_("期间"), self.window.label))
        out.append((_("判断日期"), self.as_of.isoformat()))
        out.append((_("格式"), self.fmt))
        return out

    def filename(self) -> str:
        return f"{self.title}-{self.window.key}.{self.fmt}"

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), "", "text_id"),
            Column(_("党组织名称"), ""),
            Column(_("期间"), ""),
            Column(_("规则编号"), "", "text_id"),
            Column(_("条款"), ""),
            Column(_("应开次数"), "", "int"),
            Column(_("实开次数"), "", "int"),
            Column(_("状态"), ""),
            Column(_("事项"), ""),
            Column(_("到会不足"), "", "int"),
        ]

    def rows(self) -> Iterator[list]:
        counter = BranchCounter()
        labels = {k: str(v) for k, v in STATUS_LABELS.items()}
        for r in compliance.rows(self.root_path(), self.window, as_of=self.as_of, chunk=10_000):
            counter.add(r)
            ob = r.obligation
            yield [
                r.org_code, r.org_name, ob.period.label, ob.rule_id, ob.article,
                r.required, r.held, labels[r.status], ob.label, r.failed,
            ]  # fmt: skip
        self.summary = t = counter.finish()
        yield [
            _("合计"),
            _("党支部%(b)d个:红%(r)d、黄%(a)d、绿%(g)d")
            % {"b": t.branches, "r": t.red, "a": t.amber, "g": t.green},
            self.window.label,
            "",
            _("判断日期%(d)s") % {"d": self.as_of.isoformat()},
            None,
            None,
            _("达标%(m)d、未达标%(x)d、即将到期%(d)d、进行中%(o)d")
            % {"m": t.met, "x": t.missed, "d": t.due, "o": t.open},
            "",
            t.failed,
        ]

    def estimate_min_rows(self) -> int:
        """A lower bound of the rows (branches × the obligations every branch owes), to refuse a
        worksheet that cannot hold them before spending minutes on it."""
        from zugong.core.paths import subtree_q
        from zugong.orgs.models import BRANCH_KINDS, Org

        root = self.root_path()
        branches = Org.objects.filter(kind__in=BRANCH_KINDS, is_active=True)
        n = (branches.filter(subtree_q(root, "path")) if root else branches).count()
        obs = compliance.obligations(root, self.window, self.as_of)
        return n * sum(1 for o in obs if o.applies_to == "branch")

    def write(self, target: Any, *, progress=None) -> int:
        # One transaction: the server-side cursor streams instead of PostgreSQL keeping the result.
        with transaction.atomic():
            if self.fmt == "csv":
                return self._write_csv(target)
            if self.estimate_min_rows() > MAX_ROWS:
                raise TooManyRows(self.estimate_min_rows())
            return write_xlsx(
                target, self.columns(), self.rows(), sheet_name=str(self.title), progress=progress
            )

    def _write_csv(self, target: Any) -> int:
        # UTF-8 with a byte-order mark: Excel and WPS open it as Chinese text.
        n = 0
        with open(target, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([str(c.label) for c in self.columns()])
            for row in self.rows():
                writer.writerow(["" if v is None else v for v in row])
                n += 1
        return n
