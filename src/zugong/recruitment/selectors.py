"""Scoped reads of 发展党员: applicant lists, one file, the pipeline of a subtree, the plans.

The pipeline and the plans are set-based: one GROUP BY over applicants (their stored stage, next
deadline and key dates, kept by the services), so a county or a province costs the same few queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from zugong.core.exceptions import NotInScope
from zugong.core.paths import subtree_q
from zugong.core.scope import Scope
from zugong.members.models import Member
from zugong.orgs.models import Org
from zugong.recruitment.models import OPEN_STAGES, Applicant, Plan, Stage, StepRecord

SORTS = {
    "org": ("org_path", "applied_on", "id"),
    "due": ("due_on", "org_path", "id"),
    "applied": ("-applied_on", "id"),
    "name": ("name", "id"),
}


@dataclass
class ApplicantFilters:
    name: str = ""
    stage: str = "open"  # open | all | one Stage value
    due: str = ""  # "" | overdue | month
    problems: bool = False

    @classmethod
    def from_mapping(cls, data) -> ApplicantFilters:
        out = cls()
        for f in fields(cls):
            raw = data.get(f.name)
            if raw in (None, ""):
                continue
            if f.name == "problems":
                out.problems = str(raw).lower() in {"1", "true", "yes", "on"}
            else:
                setattr(out, f.name, str(raw).strip())
        return out

    @property
    def is_default(self) -> bool:
        return self == ApplicantFilters()


def month_bounds(on: dt.date) -> tuple[dt.date, dt.date]:
    start = on.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def applicants_in_scope(*, scope: Scope) -> QuerySet[Applicant]:
    return scope.filter(Applicant.objects.all(), field="org_path", perm="recruitment.view")


def applicant_list(
    *,
    scope: Scope,
    under: Org | None = None,
    filters: ApplicantFilters | None = None,
    sort: str = "org",
    on: dt.date | None = None,
) -> QuerySet[Applicant]:
    f = filters or ApplicantFilters()
    on = on or dt.date.today()
    qs = applicants_in_scope(scope=scope)
    if under is not None:
        if not scope.contains(under.path):
            raise NotInScope
        qs = qs.filter(subtree_q(under.path, "org_path"))
    if f.name:
        qs = qs.filter(name__contains=f.name)
    if f.stage == "open":
        qs = qs.filter(stage__in=OPEN_STAGES)
    elif f.stage in Stage.values:
        qs = qs.filter(stage=f.stage)
    if f.due == "overdue":
        qs = qs.filter(due_on__lt=on)
    elif f.due == "month":
        start, end = month_bounds(on)
        qs = qs.filter(Q(due_on__gte=on, due_on__lt=end) | Q(next_earliest__gte=start, next_earliest__lt=end))
    if f.problems:
        qs = qs.filter(breach_count__gt=0)
    return qs.select_related("org").order_by(*SORTS.get(sort, SORTS["org"]))


def applicant_get(*, scope: Scope, pk: int) -> Applicant:
    found = applicants_in_scope(scope=scope).select_related("org", "member").filter(pk=pk).first()
    if found is None:
        raise NotInScope
    return found


def applicant_records(applicant: Applicant) -> list[StepRecord]:
    return list(
        applicant.records.select_related("recorded_by")
        .prefetch_related("documents")
        .order_by("done_on", "id")
    )


def branch_members(org: Org) -> QuerySet[Member]:
    """Who may be a contact or an introducer: the branch's full members in good standing."""
    return Member.objects.filter(
        org=org, status=Member.Status.FORMAL, standing=Member.Standing.NORMAL
    ).order_by("name", "id")


# -- the pipeline ------------------------------------------------------------------------------------
PIPELINE_STAGES = [Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.ADMISSION, Stage.PROBATIONARY]


@dataclass
class PipelineRow:
    org: Org | None
    counts: dict[str, int] = field(default_factory=dict)
    due_month: int = 0
    overdue: int = 0
    with_problems: int = 0
    admitted_year: int = 0
    converted_year: int = 0

    @property
    def cells(self) -> list[tuple[str, str, int]]:
        """(stage, label, count) in the order of the stages, for the templates."""
        return [(s, str(Stage(s).label), self.counts.get(s, 0)) for s in PIPELINE_STAGES]

    @property
    def open_total(self) -> int:
        return sum(self.counts.get(s, 0) for s in PIPELINE_STAGES)


def _aggregates(on: dt.date) -> dict:
    start, end = month_bounds(on)
    year_start, year_end = dt.date(on.year, 1, 1), dt.date(on.year + 1, 1, 1)
    open_q = Q(stage__in=OPEN_STAGES)
    out = {f"n_{s}": Count("id", filter=Q(stage=s)) for s in PIPELINE_STAGES}
    out.update(
        due_month=Count(
            "id",
            filter=open_q
            & (Q(due_on__gte=on, due_on__lt=end) | Q(next_earliest__gte=start, next_earliest__lt=end)),
        ),
        overdue=Count("id", filter=open_q & Q(due_on__lt=on)),
        with_problems=Count("id", filter=open_q & Q(breach_count__gt=0)),
        admitted_year=Count(
            "id", filter=Q(approved_on__isnull=False, admitted_on__gte=year_start, admitted_on__lt=year_end)
        ),
        converted_year=Count("id", filter=Q(converted_on__gte=year_start, converted_on__lt=year_end)),
    )
    return out


def _row(org: Org | None, values: dict) -> PipelineRow:
    return PipelineRow(
        org=org,
        counts={s: values.get(f"n_{s}", 0) or 0 for s in PIPELINE_STAGES},
        due_month=values.get("due_month", 0) or 0,
        overdue=values.get("overdue", 0) or 0,
        with_problems=values.get("with_problems", 0) or 0,
        admitted_year=values.get("admitted_year", 0) or 0,
        converted_year=values.get("converted_year", 0) or 0,
    )


def pipeline(*, scope: Scope, under: Org, on: dt.date | None = None) -> tuple[PipelineRow, list[PipelineRow]]:
    """The subtree's total and one row per child org (its whole subtree): three queries."""
    if not scope.contains(under.path):
        raise NotInScope
    on = on or dt.date.today()
    base = applicants_in_scope(scope=scope).filter(subtree_q(under.path, "org_path"))
    total = _row(under, base.aggregate(**_aggregates(on)))
    width = len(under.path) + Org.steplen
    grouped: dict[str, dict] = {
        r["prefix"]: dict(r)
        for r in base.exclude(org_path=under.path)
        .annotate(prefix=Substr("org_path", 1, width))
        .values("prefix")
        .annotate(**_aggregates(on))
    }
    children = Org.objects.filter(subtree_q(under.path), depth=under.depth + 1).order_by("path")
    rows = [
        _row(child, grouped.get(child.path, {}))
        for child in children
        if child.is_active or child.path in grouped
    ]
    return total, rows


# -- plans ---------------------------------------------------------------------------------------------
@dataclass
class PlanRow:
    plan: Plan
    admitted: int
    in_pipeline: int

    @property
    def share(self) -> int | None:
        return round(self.admitted * 100 / self.plan.quota) if self.plan.quota else None


def plan_rows(*, scope: Scope, year: int) -> list[PlanRow]:
    """The plans in scope for a year with what happened: admitted (批准为预备党员, by the date of the
    支部大会) and the candidates now on the way (发展对象 and 接收审批中). Two queries."""
    if not scope.has("recruitment.view"):
        return []
    plans = list(
        scope.filter(Plan.objects.filter(year=year), field="org_path", perm="recruitment.view")
        .select_related("org")
        .order_by("org_path")
    )
    if not plans:
        return []
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    rows = (
        applicants_in_scope(scope=scope)
        .filter(
            Q(approved_on__isnull=False, admitted_on__gte=start, admitted_on__lt=end)
            | Q(stage__in=[Stage.CANDIDATE, Stage.ADMISSION])
        )
        .values_list("org_path", "stage", "approved_on", "admitted_on")
    )
    admitted = dict.fromkeys((p.pk for p in plans), 0)
    pipeline_ = dict.fromkeys((p.pk for p in plans), 0)
    prefixes = sorted(plans, key=lambda p: -len(p.org_path))
    for path, stage, approved, joined in rows.iterator():
        for p in prefixes:
            if path.startswith(p.org_path):
                if approved and joined and start <= joined < end:
                    admitted[p.pk] += 1
                if stage in (Stage.CANDIDATE, Stage.ADMISSION):
                    pipeline_[p.pk] += 1
    return [PlanRow(p, admitted[p.pk], pipeline_[p.pk]) for p in plans]
