"""The REST API under /api/ (django-ninja): token auth, the same scope as the pages.

OpenAPI at /api/openapi.json. The interactive docs page is off: ninja's loads Swagger UI from a
CDN, and government intranets are offline.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from zugong.core.api import ERRORS, SessionAuth, TokenAuth, scope_of
from zugong.core.scope import ROLE_PERMS
from zugong.dues.api import router as dues_router
from zugong.members.api import router as members_router
from zugong.members.community_api import router as community_router
from zugong.members.mobility_api import router as mobility_router
from zugong.members.models import Member
from zugong.members.transfers_api import router as transfers_router
from zugong.orglife.api import router as orglife_router
from zugong.orgs.api import router as orgs_router
from zugong.orgs.api import units_router
from zugong.orgs.models import Org, Unit
from zugong.recruitment.api import router as recruitment_router
from zugong.rules.api import router as rules_router

api = NinjaAPI(
    title="zugong 组工综合管理平台 API",
    version="1",
    description=(
        "党组织、单位、党员、组织生活的查询与维护。按账号的角色和所属党组织限定范围;"
        "认证:Authorization: Bearer 令牌。"
    ),
    urls_namespace="api",
    docs_url=None,
    auth=[TokenAuth(), SessionAuth()],
)


# -- errors ---------------------------------------------------------------------------------------
def _labels(path: str) -> dict[str, str]:
    """Chinese names of the fields of the resource at `path` (the verbose names of its model)."""
    out: dict[str, str] = {
        "id_number": _("公民身份号码"),
        "phone": _("手机"),
        "parent": _("上级党组织"),
        "under": _("上级党组织"),
        "units": _("所在单位"),
        "managing_org": _("管理党组织"),
        "page": _("页码"),
        "page_size": _("每页条数"),
        "field": _("字段"),
        "q": _("关键词"),
        "has_org": _("有无党组织"),
        "age_band": _("年龄段"),
        "join_year": _("入党年份"),
        "sort": _("排序"),
        "include_dissolved": _("包含已撤销组织"),
        "region": _("行政区划"),
    }
    resource = path.removeprefix("/api/").split("/", 1)[0]
    model = {"orgs": Org, "units": Unit, "members": Member}.get(resource)
    if model is not None:
        for f in model._meta.get_fields():
            if getattr(f, "verbose_name", None):
                out.setdefault(f.name, str(f.verbose_name))
    if resource == "members":
        out["org"] = _("所在党支部")
    if resource == "rules":
        out.update({"on": _("日期"), "org": _("党组织代码"), "level": _("层级"), "kind": _("规则类型")})
    return out


def _problem(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("必须填写")
    if kind == "string_too_short":
        return (
            _("不能为空")
            if ctx.get("min_length") == 1
            else _("至少%(n)s个字符") % {"n": ctx.get("min_length")}
        )
    if kind == "string_too_long":
        return _("最多%(n)s个字符") % {"n": ctx.get("max_length")}
    if kind in {"string_type"}:
        return _("应为文本")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("应为整数")
    if kind == "greater_than_equal":
        return _("不能小于%(n)s") % {"n": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("不能大于%(n)s") % {"n": ctx.get("le")}
    if kind in {"bool_parsing", "bool_type"}:
        return _("应为 true 或 false")
    if kind.startswith("date"):
        return _("应为日期,格式 YYYY-MM-DD")
    if kind in {"literal_error", "enum"}:
        return _("应为以下之一:%(v)s") % {"v": ctx.get("expected", "")}
    if kind == "list_type":
        return _("应为列表")
    if kind == "extra_forbidden":
        return _("不是可以填写的字段")
    if kind in {"json_invalid", "model_attributes_type", "dict_type", "model_type"}:
        return _("请求体应为 JSON 对象")
    return _("格式不正确")


def _field(loc) -> str:
    parts = [str(p) for p in loc]
    # ("body", "payload", "name") / ("query", "page") / ("path", "code")
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts:
        parts = parts[1:]
    return ".".join(parts) or NON_FIELD_ERRORS


@api.exception_handler(NinjaValidationError)
def _invalid_request(request, exc: NinjaValidationError):
    labels = _labels(request.path)
    detail = []
    for error in exc.errors:
        field = _field(error.get("loc", ()))
        label = labels.get(field.split(".")[0], field)
        detail.append({"field": field, "message": _("%(f)s:%(p)s") % {"f": label, "p": _problem(error)}})
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(DjangoValidationError)
def _invalid_data(request, exc: DjangoValidationError):
    detail = []
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            detail.extend({"field": field, "message": m} for m in messages)
    else:
        detail.extend({"field": NON_FIELD_ERRORS, "message": m} for m in exc.messages)
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("未找到,或不在您的管辖范围内")}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": _("您的角色无权进行此操作")}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = api.create_response(
        request, {"detail": _("未认证:请在 Authorization 头中提供有效的接口令牌(Bearer)")}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="zugong"'
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


# -- the account itself ---------------------------------------------------------------------------
class OrgRefOut(Schema):
    code: str
    name: str


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    org: OrgRefOut | None
    scope_root: str | None
    member_id: int | None
    permissions: list[str]


me_router = Router(tags=["账号"])


@me_router.get("", response={200: MeOut, **ERRORS}, summary="当前账号")
def me(request):
    """The calling account: role, org, the code of its scope root and its permissions."""
    user = request.auth
    scope = scope_of(request)
    org = user.org if user.org_id else None
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": scope.role,
        "role_label": str(user.RoleChoice(scope.role).label) if scope.role in ROLE_PERMS else "",
        "org": org,
        "scope_root": org.code if org is not None and scope.root_path else None,
        "member_id": scope.member_id,
        "permissions": sorted(scope.perms),
    }


api.add_router("/me", me_router)
api.add_router("/orgs", orgs_router)
api.add_router("/units", units_router)
api.add_router("/members", members_router)
api.add_router("/rules", rules_router)
api.add_router("/orglife", orglife_router)
api.add_router("/dues", dues_router)
api.add_router("/recruitment", recruitment_router)
api.add_router("/mobility", mobility_router)
api.add_router("/community", community_router)
api.add_router("/transfers", transfers_router)
