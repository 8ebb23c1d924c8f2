"""Member pages: list a subtree, open, create, edit, reveal a sensitive field, and one's own record.

Views stay thin: reads go through members.selectors with the request's scope, writes through
members.services; out-of-scope objects are 404 (the selectors raise NotInScope).
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zugong.core.scope import Scope, scope_for
from zugong.core.views import apply_service_errors, paginate
from zugong.members import selectors, services
from zugong.members.filters import MemberFilterForm
from zugong.members.forms import MemberForm
from zugong.members.models import Member, MemberEvent
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.orgs.selectors import org_breadcrumbs, org_get, org_roots, org_search

ORG_SEARCH_LIMIT = 15


def years_between(start: dt.date | None, end: dt.date) -> int | None:
    return relativedelta(end, start).years if start else None


def _root_org(request, scope: Scope) -> Org | None:
    """The org a list starts from: the account's own, or the single root of a global account's tree."""
    own = request.user.org if request.user.org_id else None
    if own is not None and own.path == scope.root_path:
        return own  # already loaded with the account's scope
    roots = list(org_roots(scope=scope)[:2])
    return roots[0] if len(roots) == 1 else None


def _scope(request, perm: str) -> Scope:
    scope = scope_for(request.user)
    scope.require(perm)
    return scope


# -- list ------------------------------------------------------------------------------------------
@login_required
def member_list(request):
    scope = scope_for(request.user)
    if scope.is_self_only:
        return redirect("members:me")
    scope.require("member.view")
    code = request.GET.get("org", "").strip()
    under = org_get(scope=scope, code=code) if code else _root_org(request, scope)
    filters = selectors.MemberFilters.from_mapping(request.GET)
    sort = request.GET.get("sort", "org")
    qs = selectors.member_list(scope=scope, under=under, filters=filters, sort=sort)
    if under is not None:
        total = selectors.member_count(scope=scope, under=under, filters=filters, qs=qs)
    else:
        total = qs.count()
    # Ids first: the page's sort and offset run on the narrow filtered rows (or an index), then the
    # 50 rows are read by primary key with the columns the table shows.
    page = paginate(request, qs.values_list("pk", flat=True), count=total)
    page.object_list = selectors.member_rows(list(page.object_list))
    today = dt.date.today()
    short_sex = {"1": _("男"), "2": _("女")}
    for member in page.object_list:
        member.age = years_between(member.birth_date, today)
        member.age_text = _("%(a)s岁") % {"a": member.age}
        member.sex_short = short_sex.get(member.sex) or member.sex_label
    return render(
        request,
        "members/list.html",
        {
            "page_obj": page,
            "members": page.object_list,
            "under": under,
            "crumbs": org_breadcrumbs(scope=scope, org=under) if under is not None else [],
            "filter_form": MemberFilterForm.for_query(request.GET),
            "filtered": not filters.is_default,
            "sort": sort if sort in selectors.SORTS else "org",
            "can_create": scope.has("member.edit"),
            "detail_prefix": reverse("members:detail", args=[0])[:-2],  # one reverse, not one per row
        },
    )


@login_required
def org_search_view(request):
    """A few orgs in scope matching a name or code, as buttons for the htmx org pickers."""
    scope = _scope(request, "org.view")
    q = request.GET.get("q", "").strip()
    orgs: list[Org] = []
    if q:
        qs = org_search(scope=scope, q=q)
        if request.GET.get("kind") == "branch":
            qs = qs.filter(kind__in=BRANCH_KINDS)
        orgs = list(qs[: ORG_SEARCH_LIMIT + 1])
        parents = {
            p.path: p.name for p in Org.objects.filter(path__in={o.path[: -Org.steplen] for o in orgs})
        }
        for o in orgs:
            o.parent_name = parents.get(o.path[: -Org.steplen], "")
    return render(
        request,
        "members/_org_search_results.html",
        {"orgs": orgs[:ORG_SEARCH_LIMIT], "more": len(orgs) > ORG_SEARCH_LIMIT, "q": q},
    )


# -- detail ----------------------------------------------------------------------------------------
def _detail_context(request, scope: Scope, member: Member, *, revealed: dict | None = None) -> dict:
    today = dt.date.today()
    is_self = scope.is_self_only and scope.member_id == member.pk
    events = (
        MemberEvent.objects.filter(member=member)
        .select_related("from_org", "to_org", "actor")
        .order_by("-on", "-id")
    )
    party_age = None
    if member.status == Member.Status.FORMAL and member.converted_on:
        party_age = years_between(member.converted_on, today)
    return {
        "member": member,
        "age": years_between(member.birth_date, today),
        "party_age": party_age,
        "events": events,
        "breadcrumbs": [] if is_self else [*org_breadcrumbs(scope=scope, org=member.org), member.org],
        "is_self": is_self,
        "can_reveal": is_self or (scope.has("member.reveal") and scope.contains(member.org_path)),
        "can_edit": scope.has("member.edit") and not scope.is_self_only,
        "revealed": revealed or {},
    }


@login_required
def member_detail(request, pk: int):
    scope = scope_for(request.user)
    if scope.is_self_only and scope.member_id != pk:
        raise Http404
    if not scope.is_self_only:
        scope.require("member.view")
    member = selectors.member_get(scope=scope, pk=pk)
    return render(request, "members/detail.html", _detail_context(request, scope, member))


@login_required
def member_me(request):
    scope = scope_for(request.user)
    if not scope.is_self_only:
        return redirect("members:list") if scope.has("member.view") else redirect("home")
    if not scope.member_id:
        raise Http404
    member = selectors.member_get(scope=scope, pk=scope.member_id)
    return render(request, "members/detail.html", _detail_context(request, scope, member))


@login_required
@require_POST
def member_reveal(request, pk: int, field: str):
    """The clear 公民身份号码 or 手机, audited by the service; swapped into the page by htmx."""
    if field not in services.SENSITIVE:
        raise Http404
    scope = scope_for(request.user)
    if scope.is_self_only and scope.member_id != pk:
        raise Http404
    if not scope.is_self_only:
        scope.require("member.reveal")
    member = selectors.member_get(scope=scope, pk=pk)
    value = services.member_reveal(actor=request.user, member=member, field=field)
    if request.htmx:
        return render(request, "members/_revealed.html", {"value": value, "field": field})
    context = _detail_context(request, scope, member, revealed={field: value})
    return render(request, "members/detail.html", context)


# -- create and edit -------------------------------------------------------------------------------
@login_required
def member_create(request):
    scope = _scope(request, "member.edit")
    code = request.GET.get("org", "").strip()
    org = org_get(scope=scope, code=code) if code else None
    if org is None or org.kind not in BRANCH_KINDS or not org.is_active:
        branches = []
        if org is not None:
            branches = list(org_search(scope=scope, under=org).filter(kind__in=BRANCH_KINDS)[:21])
        return render(
            request,
            "members/pick_branch.html",
            {"org": org, "branches": branches[:20], "more_branches": len(branches) > 20},
        )
    form = MemberForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(actor=request.user, org=org, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记党员“%(n)s”") % {"n": member.name})
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "members/form.html",
        {
            "form": form,
            "org": org,
            "member": None,
            "breadcrumbs": [*org_breadcrumbs(scope=scope, org=org), org],
        },
    )


@login_required
def member_edit(request, pk: int):
    scope = scope_for(request.user)
    if scope.is_self_only:
        raise Http404 if scope.member_id != pk else PermissionDenied
    scope.require("member.view")
    member = selectors.member_get(scope=scope, pk=pk)
    scope.require("member.edit")
    form = MemberForm(request.POST or None, org=member.org, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(actor=request.user, member=member, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(n)s”的信息") % {"n": member.name})
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "members/form.html",
        {
            "form": form,
            "org": member.org,
            "member": member,
            "breadcrumbs": [*org_breadcrumbs(scope=scope, org=member.org), member.org],
        },
    )
