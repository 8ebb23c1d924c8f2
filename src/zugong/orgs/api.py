"""REST endpoints for the organization tree (/api/orgs) and host units (/api/units).

Handlers are thin: look-ups through the selectors with the caller's scope (out of scope → 404),
writes through the services (no permission → 403, invalid → 422).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db import transaction
from ninja import Field, Query, Router, Schema, Status

from zugong.core.api import ERRORS, InputSchema, PageQuery, actor_of, paginate, scope_of, set_fields
from zugong.orgs import selectors, services
from zugong.orgs.models import Org, OrgKind, OrgUnit, Unit

router = Router(tags=["党组织"])
units_router = Router(tags=["单位"])


# -- schemas --------------------------------------------------------------------------------------
class OrgOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    parent_code: str | None = Field(None, description="上级党组织的组织代码;顶级组织为空")
    path: str
    depth: int
    region_code: str
    region_label: str
    is_active: bool
    dissolved_on: dt.date | None
    member_total: int = Field(description="党员总数(含下级组织)")
    org_total: int = Field(description="下级组织数(含各级)")


class OrgUnitOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    is_primary: bool


class SeatOut(Schema):
    post: str
    post_label: str
    duty: str
    person_name: str
    member_id: int | None
    started_on: dt.date

    @staticmethod
    def resolve_post_label(obj) -> str:
        return str(obj.get_post_display())


class TermOut(Schema):
    started_on: dt.date | None
    years: int
    due_on: dt.date | None = Field(description="换届到期日期")
    state: str = Field(description="unknown / ok / due_soon / overdue")
    label: str
    cite: str


class OrgDetailOut(OrgOut):
    established_on: dt.date | None
    term_started_on: dt.date | None
    for_mobile_members: bool
    phone: str
    address: str
    units: list[OrgUnitOut]
    seats: list[SeatOut] = Field(description="现任班子成员")
    term: TermOut
    vacancies: list[str] = Field(description="班子缺额及依据")


class OrgPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[OrgOut]


class OrgFilters(Schema):
    under: str = Field("", description="只列出该组织代码的党组织及其下级")
    q: str = Field("", description="名称、简称或组织代码开头")
    kind: OrgKind | None = None
    include_dissolved: bool = False


class OrgIn(InputSchema):
    parent: str | None = Field(None, description="上级党组织的组织代码;只有系统管理员可以不填")
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    kind: OrgKind
    short_name: str = Field("", max_length=100)
    region_code: str = Field("", max_length=12)
    established_on: dt.date | None = None
    term_started_on: dt.date | None = None
    for_mobile_members: bool = False
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=200)
    units: list[str] | None = Field(None, description="所在单位的单位代码,第一个为主要单位")


# A field left out of a PATCH stays as it is; `null` is refused where the column has no empty value.
class OrgPatch(InputSchema):
    name: str = Field(None, min_length=1, max_length=200)
    short_name: str = Field(None, max_length=100)
    kind: OrgKind = None
    region_code: str = Field(None, max_length=12)
    established_on: dt.date | None = None
    term_started_on: dt.date | None = None
    for_mobile_members: bool = None
    phone: str = Field(None, max_length=32)
    address: str = Field(None, max_length=200)
    units: list[str] = Field(None, description="所在单位的单位代码,第一个为主要单位;[] 清空")


class UnitOut(Schema):
    code: str
    name: str
    credit_code: str
    kind: str
    kind_label: str
    region_code: str
    region_label: str
    township: str
    village: str
    employees: int | None
    managing_org: str
    managing_org_name: str
    is_active: bool
    has_org: bool = Field(description="是否已建立党组织(含联合党支部)")

    @staticmethod
    def resolve_managing_org(obj) -> str:
        return obj.managing_org.code

    @staticmethod
    def resolve_managing_org_name(obj) -> str:
        return obj.managing_org.name


class UnitOrgOut(Schema):
    code: str
    name: str
    is_active: bool
    is_primary: bool


class UnitDetailOut(UnitOut):
    orgs: list[UnitOrgOut] = Field(description="设在该单位的党组织")

    @staticmethod
    def resolve_orgs(obj) -> list[dict]:
        links = obj.org_links_for_api
        return [
            {"code": x.org.code, "name": x.org.name, "is_active": x.org.is_active, "is_primary": x.is_primary}
            for x in links
        ]


class UnitPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[UnitOut]


class UnitFilters(Schema):
    under: str = Field("", description="只列出由该组织代码的党组织及其下级管理的单位")
    q: str = Field("", description="名称、单位代码开头或统一社会信用代码")
    kind: str = Field("", description="单位类别代码")
    has_org: Literal["", "yes", "no"] = Field("", description="yes:已建党组织;no:未建")
    region: str = Field("", description="行政区划代码前缀")


class UnitIn(InputSchema):
    managing_org: str = Field(min_length=1, description="管理党组织的组织代码")
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=32)
    region_code: str = Field("", max_length=12)
    township: str = Field("", max_length=100)
    village: str = Field("", max_length=100)
    credit_code: str = Field("", max_length=18)
    employees: int | None = Field(None, ge=0)


class UnitPatch(InputSchema):
    managing_org: str = Field(None, min_length=1)
    name: str = Field(None, min_length=1, max_length=200)
    kind: str = Field(None, min_length=1, max_length=32)
    region_code: str = Field(None, max_length=12)
    township: str = Field(None, max_length=100)
    village: str = Field(None, max_length=100)
    credit_code: str = Field(None, max_length=18)
    employees: int | None = Field(None, ge=0)
    is_active: bool = None


# -- helpers --------------------------------------------------------------------------------------
def _with_parent_codes(orgs: list[Org]) -> list[Org]:
    """Parent codes for a page of orgs in one query, whatever the page size."""
    parent_paths = {o.path[: -Org.steplen] for o in orgs if o.depth > 1}
    codes = (
        dict(Org.objects.filter(path__in=parent_paths).values_list("path", "code")) if parent_paths else {}
    )
    for o in orgs:
        o.parent_code = codes.get(o.path[: -Org.steplen]) if o.depth > 1 else None
    return orgs


def _org_detail(org: Org) -> dict:
    _with_parent_codes([org])
    links = OrgUnit.objects.filter(org=org).select_related("unit").order_by("-is_primary", "unit__name")
    seats = selectors.current_seats(org)
    term = selectors.org_term(org)
    out = OrgOut.from_orm(org).dict()
    out.update(
        {
            "established_on": org.established_on,
            "term_started_on": org.term_started_on,
            "for_mobile_members": org.for_mobile_members,
            "phone": org.phone,
            "address": org.address,
            "units": [
                {
                    "code": link.unit.code,
                    "name": link.unit.name,
                    "kind": link.unit.kind,
                    "kind_label": link.unit.kind_label,
                    "is_primary": link.is_primary,
                }
                for link in links
            ],
            "seats": seats,
            "term": {
                "started_on": term.started_on,
                "years": term.years,
                "due_on": term.due_on,
                "state": term.state,
                "label": term.label,
                "cite": term.cite,
            },
            "vacancies": selectors.org_vacancies(org, seats),
        }
    )
    return out


def _units_by_code(scope, codes: list[str]) -> list[Unit]:
    return [selectors.unit_get(scope=scope, code=code) for code in codes]


def _unit_detail(unit: Unit) -> Unit:
    links = list(OrgUnit.objects.filter(unit=unit).select_related("org").order_by("-is_primary", "org__path"))
    unit.org_links_for_api = links
    unit.has_org = any(ln.org.is_active for ln in links)
    return unit


# -- orgs -----------------------------------------------------------------------------------------
@router.get("", response={200: OrgPage, **ERRORS}, summary="党组织列表")
def org_list(request, filters: Query[OrgFilters], paging: Query[PageQuery]):
    """Orgs in the caller's scope, optionally only the subtree under `under`, in tree order."""
    scope = scope_of(request)
    scope.require("org.view")
    under = selectors.org_get(scope=scope, code=filters.under) if filters.under else None
    qs = selectors.org_search(
        scope=scope,
        q=filters.q.strip(),
        kind=filters.kind.value if filters.kind else "",
        include_dissolved=filters.include_dissolved,
        under=under,
    )
    page = paginate(qs, paging)
    _with_parent_codes(page["results"])
    return page


@router.post("", response={201: OrgDetailOut, **ERRORS}, summary="新建党组织")
def org_create(request, payload: OrgIn):
    scope = scope_of(request)
    scope.require("org.view")
    if payload.parent:
        parent = selectors.org_get(scope=scope, code=payload.parent)
    else:
        scope.require("org.structure")
        parent = None
    values = set_fields(payload)
    values.pop("parent", None)
    unit_codes = values.pop("units", None)
    with transaction.atomic():
        org = services.org_create(actor=actor_of(request), parent=parent, **values)
        if unit_codes is not None:
            services.org_set_units(actor=actor_of(request), org=org, units=_units_by_code(scope, unit_codes))
    return Status(201, _org_detail(org))


@router.get("/{code}", response={200: OrgDetailOut, **ERRORS}, summary="党组织详情")
def org_detail(request, code: str):
    scope = scope_of(request)
    scope.require("org.view")
    return _org_detail(selectors.org_get(scope=scope, code=code))


@router.patch("/{code}", response={200: OrgDetailOut, **ERRORS}, summary="修改党组织")
def org_update(request, code: str, payload: OrgPatch):
    scope = scope_of(request)
    scope.require("org.view")
    org = selectors.org_get(scope=scope, code=code)
    values = set_fields(payload)
    unit_codes = values.pop("units", None)
    with transaction.atomic():
        org = services.org_update(actor=actor_of(request), org=org, **values)
        if unit_codes is not None:
            services.org_set_units(actor=actor_of(request), org=org, units=_units_by_code(scope, unit_codes))
    return _org_detail(org)


@router.get("/{code}/children", response={200: OrgPage, **ERRORS}, summary="下级党组织")
def org_children(request, code: str, paging: Query[PageQuery], include_dissolved: bool = False):
    scope = scope_of(request)
    scope.require("org.view")
    parent = selectors.org_get(scope=scope, code=code)
    qs = selectors.org_children(scope=scope, parent=parent, include_dissolved=include_dissolved)
    page = paginate(qs, paging, count=None)
    for child in page["results"]:
        child.parent_code = parent.code
    return page


# -- units ----------------------------------------------------------------------------------------
@units_router.get("", response={200: UnitPage, **ERRORS}, summary="单位列表")
def unit_list(request, filters: Query[UnitFilters], paging: Query[PageQuery]):
    scope = scope_of(request)
    scope.require("unit.view")
    under = selectors.org_get(scope=scope, code=filters.under) if filters.under else None
    qs = selectors.unit_list(
        scope=scope,
        q=filters.q.strip(),
        kind=filters.kind,
        has_org=filters.has_org,
        under=under,
        region=filters.region.strip(),
    )
    return paginate(qs, paging)


@units_router.post("", response={201: UnitDetailOut, **ERRORS}, summary="新建单位")
def unit_create(request, payload: UnitIn):
    scope = scope_of(request)
    scope.require("unit.view")
    managing_org = selectors.org_get(scope=scope, code=payload.managing_org)
    values = set_fields(payload)
    values.pop("managing_org")
    unit = services.unit_create(actor=actor_of(request), managing_org=managing_org, **values)
    return Status(201, _unit_detail(unit))


@units_router.get("/{code}", response={200: UnitDetailOut, **ERRORS}, summary="单位详情")
def unit_detail(request, code: str):
    scope = scope_of(request)
    scope.require("unit.view")
    return _unit_detail(selectors.unit_get(scope=scope, code=code))


@units_router.patch("/{code}", response={200: UnitDetailOut, **ERRORS}, summary="修改单位")
def unit_update(request, code: str, payload: UnitPatch):
    scope = scope_of(request)
    scope.require("unit.view")
    unit = selectors.unit_get(scope=scope, code=code)
    values = set_fields(payload)
    if "managing_org" in values:
        values["managing_org"] = selectors.org_get(scope=scope, code=values["managing_org"])
    unit = services.unit_update(actor=actor_of(request), unit=unit, **values)
    return _unit_detail(selectors.unit_get(scope=scope, code=unit.code))
