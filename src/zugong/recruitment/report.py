"""The problem list of `zugong recruitment check` (and its CSV): one row per finding of checks.review
over every open file of a subtree, read in chunks with their steps (two queries a chunk)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext as _

from zugong.core import crypto
from zugong.core.paths import subtree_q
from zugong.core.scope import Scope
from zugong.recruitment import checks, selectors
from zugong.recruitment.models import OPEN_STAGES, Applicant

HEADER = ["姓名", "公民身份号码", "环节", "规则编号", "条款", "问题", "应办日期或最早日期"]
CHUNK = 500


@dataclass
class Summary:
    files: int = 0
    files_with_problems: int = 0
    kinds: Counter = field(default_factory=Counter)

    @property
    def problems(self) -> int:
        return sum(self.kinds.values())

    def line(self) -> str:
        return _(
            "检查%(f)d份发展档案,%(p)d份有问题,共%(n)d个问题(逾期%(o)d个,不符合规定%(b)d个,缺少记录%(m)d个)"
        ) % {
            "f": self.files,
            "p": self.files_with_problems,
            "n": self.problems,
            "o": self.kinds[checks.OVERDUE],
            "b": self.kinds[checks.BREACH],
            "m": self.kinds[checks.MISSING],
        }


def applicants(*, scope: Scope, under_path: str = "", include_closed: bool = False) -> Iterator[Applicant]:
    qs = selectors.applicants_in_scope(scope=scope)
    if under_path:
        qs = qs.filter(subtree_q(under_path, "org_path"))
    if not include_closed:
        qs = qs.filter(stage__in=OPEN_STAGES)
    return qs.order_by("org_path", "applied_on", "id").prefetch_related("records").iterator(chunk_size=CHUNK)


def rows(
    found: Iterator[Applicant], *, as_of: dt.date, full: bool = False, summary: Summary | None = None
) -> Iterator[list[str]]:
    summary = summary if summary is not None else Summary()
    for a in found:
        summary.files += 1
        review = checks.review(a, list(a.records.all()), as_of=as_of)
        if review.findings:
            summary.files_with_problems += 1
        id_number = crypto.decrypt(a.id_number_enc) if full else a.id_number_masked
        for f in review.findings:
            summary.kinds[f.kind] += 1
            yield [
                a.name,
                id_number,
                f.step_label,
                f.rule_id,
                f.article,
                f.message,
                f.due.isoformat() if f.due else "",
            ]


def write_csv(out: IO[str], found: Iterator[Applicant], *, as_of: dt.date, full: bool = False) -> Summary:
    """UTF-8 with a byte-order mark, so Excel and WPS open the Chinese correctly."""
    summary = Summary()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows(found, as_of=as_of, full=full, summary=summary):
        writer.writerow(row)
    return summary
