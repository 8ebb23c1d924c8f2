"""REST endpoints for the member registry (/api/members).

Responses carry the masks of 公民身份号码 and 手机 only, never clear values or ciphertext; the clear
value comes from POST /api/members/{id}/reveal, which is an audited action.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from zugong.core.api import ERRORS, InputSchema, PageQuery, actor_of, paginate, scope_of, set_fields
from zugong.members import selectors, services
from zugong.members.models import PartyGroup
from zugong.orgs import selectors as org_selectors
from zugong.orgs.models import Org

router = Router(tags=["党员"])

AgeBand = Literal[tuple(["", *(band[0] for band in selectors.AGE_BANDS)])]  # type: ignore[valid-type]
StatusFilter = Literal["", "probationary", "formal"]
Standing = Literal["normal", "stopped", "left", "deceased", "transferred_out", "all"]
Sort = Literal[tuple(selectors.SORTS)]  # type: ignore[valid-type]


# -- schemas --------------------------------------------------------------------------------------
class MemberOut(Schema):
    id: int
    name: str
    sex: str
    sex_label: str
    ethnicity: str
    ethnicity_label: str
    birth_date: dt.date
    id_number_masked: str
    phone_masked: str
    education: str
    education_label: str
    category: str
    category_label: str
    status: str
    status_label: str
    standing: str
    standing_label: str
    joined_on: dt.date
    converted_on: dt.date | None
    is_mobile: bool
    org: str = Field(description="所在党支部的组织代码")
    org_name: str

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_standing_label(obj) -> str:
        return str(obj.get_standing_display())

    @staticmethod
    def resolve_org(obj) -> str:
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name


class MemberDetailOut(MemberOut):
    native_place: str
    degree: str
    degree_label: str
    work_unit: str
    job_title: str
    address: str
    party_group: int | None
    party_group_name: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_party_group(obj) -> int | None:
        return obj.party_group_id

    @staticmethod
    def resolve_party_group_name(obj) -> str:
        return obj.party_group.name if obj.party_group_id else ""


class MemberPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[MemberOut]


class MemberQuery(Schema):
    org: str = Field("", description="组织代码:列出该党组织及其下级的党员;默认为账号的管辖范围")
    name: str = Field("", description="姓名(包含)")
    sex: str = Field("", description="性别代码(GB/T 2261.1)")
    ethnicity: str = Field("", description="民族代码(GB/T 3304)")
    age_band: AgeBand = Field("", description="年龄段")
    education: str = Field("", description="学历代码或其第一位(学历层次)")
    category: str = Field("", description="人员类别代码")
    status: StatusFilter = Field("", description="党员类型")
    join_year: int | None = Field(None, ge=1921, le=2100, description="入党年份")
    is_mobile: bool | None = Field(None, description="是否流动党员")
    standing: Standing = Field("normal", description="党籍状态;all 为全部")
    sort: Sort = Field("org", description="排序:org 按组织、name 按姓名、-joined 按入党日期倒序")


class MemberIn(InputSchema):
    org: str = Field(min_length=1, description="所在党支部的组织代码")
    name: str = Field(min_length=1, max_length=50)
    sex: str = Field(min_length=1, max_length=1)
    ethnicity: str = Field(min_length=1, max_length=2)
    id_number: str = Field(min_length=1, max_length=40, description="公民身份号码(明文,加密存储)")
    birth_date: dt.date | None = Field(None, description="不填时取自公民身份号码")
    native_place: str = Field("", max_length=100)
    education: str = Field("", max_length=4)
    degree: str = Field("", max_length=4)
    category: str = Field("", max_length=8)
    work_unit: str = Field("", max_length=200)
    job_title: str = Field("", max_length=100)
    joined_on: dt.date
    converted_on: dt.date | None = None
    status: Literal["probationary", "formal"]
    standing: Literal["normal", "stopped", "left", "deceased"] = "normal"
    phone: str = Field("", max_length=20, description="手机(明文,加密存储)")
    address: str = Field("", max_length=200)
    is_mobile: bool = False
    party_group: int | None = Field(None, description="党小组编号")


# A field left out of a PATCH stays as it is; `null` is refused where the column has no empty value.
class MemberPatch(InputSchema):
    name: str = Field(None, min_length=1, max_length=50)
    sex: str = Field(None, min_length=1, max_length=1)
    ethnicity: str = Field(None, min_length=1, max_length=2)
    id_number: str = Field(None, min_length=1, max_length=40)
    birth_date: dt.date = None
    native_place: str = Field(None, max_length=100)
    education: str = Field(None, max_length=4)
    degree: str = Field(None, max_length=4)
    category: str = Field(None, max_length=8)
    work_unit: str = Field(None, max_length=200)
    job_title: str = Field(None, max_length=100)
    joined_on: dt.date = None
    converted_on: dt.date | None = None
    status: Literal["probationary", "formal"] = None
    standing: Literal["normal", "stopped", "left", "deceased"] = None
    phone: str = Field(None, max_length=20)
    address: str = Field(None, max_length=200)
    is_mobile: bool = None
    party_group: int | None = None


class RevealIn(InputSchema):
    field: Literal["id_number", "phone"]


class RevealOut(Schema):
    field: str
    value: str


# -- helpers --------------------------------------------------------------------------------------
def _party_group(values: dict, org: Org) -> None:
    """The party group id of a request body as the object (or a 422 naming the field)."""
    if values.get("party_group") is None:
        return
    group = PartyGroup.objects.filter(pk=values["party_group"], org=org).first()
    if group is None:
        raise ValidationError(
            {"party_group": _("该党支部没有编号为%(n)s的党小组") % {"n": values["party_group"]}}
        )
    values["party_group"] = group


def _scope_root_org(scope) -> Org | None:
    return Org.objects.filter(path=scope.root_path).first() if scope.root_path else None


# -- endpoints ------------------------------------------------------------------------------------
@router.get("", response={200: MemberPage, **ERRORS}, summary="党员列表")
def member_list(request, query: Query[MemberQuery], paging: Query[PageQuery]):
    """Members of the subtree under `org` (default: the caller's scope) with the list filters and the
    exact total count."""
    scope = scope_of(request)
    if not scope.is_self_only:
        scope.require("member.view")
    filters = selectors.MemberFilters.from_mapping(query.dict(exclude={"org", "sort"}))
    if scope.is_self_only:
        under = None
    elif query.org:
        under = org_selectors.org_get(scope=scope, code=query.org)
    else:
        under = _scope_root_org(scope)
    qs = selectors.member_list(scope=scope, under=under, filters=filters, sort=query.sort)
    if under is not None:
        count = selectors.member_count(scope=scope, under=under, filters=filters, qs=qs)
    elif scope.root_path == "" and filters.is_default:
        count = Org.objects.filter(depth=1).aggregate(n=Sum("member_total"))["n"] or 0
    else:
        count = qs.count()
    return paginate(qs, paging, count=count)


@router.post("", response={201: MemberDetailOut, **ERRORS}, summary="新建党员")
def member_create(request, payload: MemberIn):
    scope = scope_of(request)
    scope.require("member.view")
    org = org_selectors.org_get(scope=scope, code=payload.org)
    values = set_fields(payload)
    values.pop("org")
    _party_group(values, org)
    member = services.member_create(actor=actor_of(request), org=org, **values)
    return Status(201, selectors.member_get(scope=scope, pk=member.pk))


@router.get("/{int:member_id}", response={200: MemberDetailOut, **ERRORS}, summary="党员详情")
def member_detail(request, member_id: int):
    return selectors.member_get(scope=scope_of(request), pk=member_id)


@router.patch("/{int:member_id}", response={200: MemberDetailOut, **ERRORS}, summary="修改党员信息")
def member_update(request, member_id: int, payload: MemberPatch):
    scope = scope_of(request)
    member = selectors.member_get(scope=scope, pk=member_id)
    values = set_fields(payload)
    _party_group(values, member.org)
    services.member_update(actor=actor_of(request), member=member, **values)
    return selectors.member_get(scope=scope, pk=member_id)


@router.post(
    "/{int:member_id}/reveal", response={200: RevealOut, **ERRORS}, summary="查看公民身份号码或手机明文"
)
def member_reveal(request, member_id: int, payload: RevealIn):
    """Shows one sensitive field in full. Every call is written to the audit log."""
    member = selectors.member_get(scope=scope_of(request), pk=member_id)
    value = services.member_reveal(actor=actor_of(request), member=member, field=payload.field)
    return {"field": payload.field, "value": value}
