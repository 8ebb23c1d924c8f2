"""REST endpoints of 发展党员 (/api/recruitment): list and open files, their checks, record a step.

The same scope as the pages (out of scope 404, read-only 403 on writes); 公民身份号码 only masked.
The checks are those of the file's page (recruitment.checks): next steps with their earliest and
latest dates, and every finding with its rule id and article.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from zugong.core.api import ERRORS, InputSchema, PageQuery, actor_of, paginate, scope_of
from zugong.orgs import selectors as org_selectors
from zugong.recruitment import checks, selectors, services, steps
from zugong.recruitment.models import Applicant

router = Router(tags=["发展党员"])
StepCode = Literal[tuple(s.code for s in steps.STEPS if s.code != "apply")]  # type: ignore[valid-type]


class ApplicantOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    id_number_masked: str
    org: str = Field(description="所在党支部的组织代码")
    org_name: str
    stage: str
    stage_label: str
    applied_on: dt.date
    activist_on: dt.date | None
    candidate_on: dt.date | None
    admitted_on: dt.date | None
    approved_on: dt.date | None
    probation_end: dt.date | None
    converted_on: dt.date | None
    next_step: str
    next_earliest: dt.date | None
    next_latest: dt.date | None
    due_on: dt.date | None
    due_step: str
    breach_count: int
    member: int | None

    @staticmethod
    def resolve_org(obj) -> str:
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_stage_label(obj) -> str:
        return str(obj.get_stage_display())

    @staticmethod
    def resolve_member(obj) -> int | None:
        return obj.member_id


class RecordOut(Schema):
    id: int
    step: str
    step_label: str
    done_on: dt.date
    done_by: str
    note: str
    summary: list[str]
    passed: bool | None
    vote_note: str
    warnings: list[dict]

    @staticmethod
    def resolve_step_label(obj) -> str:
        return obj.step_def.label


class ApplicantDetailOut(ApplicantOut):
    work_unit: str
    phone_masked: str
    form_serial: str
    records: list[RecordOut]

    @staticmethod
    def resolve_records(obj) -> list:
        return selectors.applicant_records(obj)


class ApplicantPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ApplicantOut]


class ApplicantQuery(Schema):
    org: str = Field("", description="组织代码:该组织及其下级;默认为账号的管辖范围")
    name: str = ""
    stage: str = Field("open", description="open 在发展(默认)、all 全部,或阶段代码")
    due: Literal["", "overdue", "month"] = Field("", description="overdue 已逾期,month 本月应办")
    problems: bool = Field(False, description="只列记录有问题的")


class DueOut(Schema):
    step: str
    step_label: str
    earliest: dt.date | None
    latest: dt.date | None
    reason: str
    cite: str
    provisional: bool


class FindingOut(Schema):
    step: str
    step_label: str
    kind: Literal["breach", "overdue", "missing"]
    rule_id: str
    article: str
    cite: str
    message: str
    due: dt.date | None
    provisional: bool


class ChecksOut(Schema):
    as_of: dt.date
    next: DueOut | None
    open: list[DueOut]
    findings: list[FindingOut]


class StepIn(InputSchema):
    step: StepCode  # type: ignore[valid-type]
    done_on: dt.date
    done_by: str = Field("", max_length=100)
    note: str = ""
    people: list[dict] | None = Field(
        None, description='[{"member": 党员编号, "name": "姓名", "formal": true}]'
    )
    method: str | None = None
    outcome: str | None = None
    decision: str | None = None
    extension_months: int | None = None
    special: bool | None = None
    serial: str | None = None
    publicity_from: dt.date | None = None
    publicity_to: dt.date | None = None
    training_days: Decimal | None = None
    training_hours: Decimal | None = None
    leaving_on: dt.date | None = None
    expected: int | None = Field(None, ge=0)
    present: int | None = Field(None, ge=0)
    yes: int | None = Field(None, ge=0)
    no: int | None = Field(None, ge=0)
    abstain: int | None = Field(None, ge=0)
    written_yes: int | None = Field(None, ge=0)
    written_no: int | None = Field(None, ge=0)
    written_abstain: int | None = Field(None, ge=0)


def _scope_root_org(scope):
    from zugong.orgs.models import Org

    return Org.objects.filter(path=scope.root_path).first() if scope.root_path else None


@router.get("/applicants", response={200: ApplicantPage, **ERRORS}, summary="发展档案列表")
def applicant_list(request, query: Query[ApplicantQuery], paging: Query[PageQuery]):
    scope = scope_of(request)
    scope.require("recruitment.view")
    under = org_selectors.org_get(scope=scope, code=query.org) if query.org else _scope_root_org(scope)
    filters = selectors.ApplicantFilters.from_mapping(query.dict())
    return paginate(selectors.applicant_list(scope=scope, under=under, filters=filters), paging)


@router.get(
    "/applicants/{int:applicant_id}", response={200: ApplicantDetailOut, **ERRORS}, summary="发展档案"
)
def applicant_detail(request, applicant_id: int):
    scope = scope_of(request)
    scope.require("recruitment.view")
    return selectors.applicant_get(scope=scope, pk=applicant_id)


def _due(d: checks.Due) -> dict:
    return {**d.__dict__, "step_label": d.step_label}


@router.get(
    "/applicants/{int:applicant_id}/checks", response={200: ChecksOut, **ERRORS}, summary="下一步与问题"
)
def applicant_checks(request, applicant_id: int, as_of: dt.date | None = None):
    """The next step with its earliest and latest dates, and every finding with its rule and article,
    judged as of `as_of` (today by default) by the rule versions in force."""
    scope = scope_of(request)
    scope.require("recruitment.view")
    applicant = selectors.applicant_get(scope=scope, pk=applicant_id)
    review = checks.review(applicant, selectors.applicant_records(applicant), as_of=as_of)
    return {
        "as_of": review.as_of,
        "next": _due(review.primary) if review.primary else None,
        "open": [_due(d) for d in review.open],
        "findings": [{**f.__dict__, "step_label": f.step_label} for f in review.findings],
    }


@router.post(
    "/applicants/{int:applicant_id}/steps",
    response={201: ApplicantDetailOut, **ERRORS},
    summary="记录一个环节",
)
def step_record(request, applicant_id: int, payload: StepIn):
    """Records one step. Mechanically impossible steps are refused (422, in Chinese, by field); what
    a rule advises against is recorded and returned in the record's `warnings`."""
    scope = scope_of(request)
    scope.require("recruitment.view")
    applicant = selectors.applicant_get(scope=scope, pk=applicant_id)
    values = payload.dict(exclude_unset=True)
    step, done_on = values.pop("step"), values.pop("done_on")
    done_by, note = values.pop("done_by", ""), values.pop("note", "")
    values = {k: v for k, v in values.items() if v is not None}
    services.step_record(
        actor=actor_of(request),
        applicant=applicant,
        step=step,
        done_on=done_on,
        done_by=done_by,
        note=note,
        **values,
    )
    return Status(201, selectors.applicant_get(scope=scope, pk=applicant_id))


__all__ = ["Applicant", "router"]
