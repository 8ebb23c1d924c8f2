"""Member pages: list a subtree, open, create, edit, reveal a sensitive field, and one's own record.

Views stay thin: reads go through members.selectors with the request's scope, writes through
members.services; out-of-scope objects are 404 (the selectors raise NotInScope).
"""

from __future__ import annotations

import datetime as dt
import html

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zugong.core import codes
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
    return render(
        request,
        "members/list.html",
        {
            "page_obj": page,
            "members": page.object_list,
            "rows_html": member_rows_html(page.object_list, filtered=not filters.is_default),
            "under": under,
            "crumbs": org_breadcrumbs(scope=scope, org=under) if under is not None else [],
            "filter_form": MemberFilterForm.for_query(request.GET),
            "filtered": not filters.is_default,
            "sort": sort if sort in selectors.SORTS else "org",
            "can_create": scope.has("member.edit"),
        },
    )


def _ym(d: dt.date | None, days: bool = False) -> str:
    if d is None:
        return ""
    return f"{d.year}.{d.month:02d}.{d.day:02d}" if days else f"{d.year}.{d.month:02d}"


# One row of members/list.html's table (the benchmark and the browser tests read the name links and
# the total back from it). Filled with escaped text only.
_ROW = """<tr>
  <td class="text-nowrap zg-c-name"><a href="{prefix}{pk}/">{name}</a>{badges}</td>
  <td class="text-nowrap zg-c-meta zg-c-sex">{sex}</td>
  <td class="text-nowrap zg-c-meta">{ethnicity}</td>
  <td class="text-nowrap zg-c-meta">{born} <span class="text-muted small">({age})</span></td>
  <td class="d-none d-md-table-cell text-nowrap">{education}</td>
  {status}
  <td class="text-nowrap zg-c-joined">{joined}<span class="d-sm-none">{joined_word}</span></td>
  <td class="zg-c-org" title="{org_name}">{org_short}</td>
  <td class="d-none d-lg-table-cell zg-masked text-nowrap">{id_number}</td>
  <td class="d-none d-lg-table-cell zg-masked text-nowrap">{phone}</td>
</tr>"""
_EMPTY = '<tr><td colspan="10" class="text-center text-muted py-5">{}</td></tr>'
_BADGE = ' <span class="badge {css}"{title}>{text}</span>'
_PROBATIONARY = '<td class="text-nowrap zg-c-status"><span class="badge zg-badge-probationary">{}</span></td>'
_FORMAL = '<td class="text-nowrap zg-c-status zg-c-formal">{}</td>'


def member_rows_html(members: list[selectors.MemberRow], *, filtered: bool) -> str:
    """The <tr> rows of the member list, built in Python with the stdlib escape.

    Through the template engine the 50 rows were ≈ 60 % of the page's CPU (≈ 25 tags and
    variables a row, each resolved through Django's lazy-string checks); labels are looked up once
    per response here."""
    esc = html.escape
    if not members:
        return mark_safe(_EMPTY.format(esc(_("没有符合条件的党员") if filtered else _("该组织下暂无党员"))))
    today = dt.date.today()
    prefix = reverse("members:detail", args=[0])[:-2]  # one reverse, not one per row
    short_sex = {"1": _("男"), "2": _("女")}
    status_text = {k: esc(str(v)) for k, v in Member.Status.choices}
    standing_text = {k: esc(str(v)) for k, v in Member.Standing.choices}
    mobile_title = f' title="{esc(_("流动党员"))}"'
    mobile = _BADGE.format(css="text-bg-info fw-normal", title=mobile_title, text=esc(_("流动")))
    joined_word, age_fmt = esc(_("入党")), _("%(a)s岁")
    labels: dict[tuple[str, str], str] = {}

    def label(table: str, code: str) -> str:
        if (table, code) not in labels:
            labels[table, code] = esc(codes.label(table, code))
        return labels[table, code]

    out = []
    for m in members:
        badges = mobile if m.is_mobile else ""
        if m.standing != Member.Standing.NORMAL:
            text = standing_text.get(m.standing) or esc(m.standing)
            badges += _BADGE.format(css="text-bg-secondary fw-normal", title="", text=text)
        status = status_text.get(m.status) or esc(m.status)
        out.append(
            _ROW.format(
                prefix=prefix,
                pk=int(m.pk),
                name=esc(m.name),
                badges=badges,
                sex=esc(short_sex.get(m.sex) or codes.label("sex", m.sex)),
                ethnicity=label("ethnicity", m.ethnicity) if m.ethnicity else "",
                born=_ym(m.birth_date),
                age=esc(age_fmt % {"a": years_between(m.birth_date, today)}) if m.birth_date else "",
                education=label("education", m.education) if m.education else "—",
                status=(_PROBATIONARY if m.status == Member.Status.PROBATIONARY else _FORMAL).format(status),
                joined=_ym(m.joined_on, days=True),
                joined_word=joined_word,
                org_name=esc(m.org_name),
                org_short=esc(m.org_short_name or m.org_name),
                id_number=esc(m.id_number_masked or ""),
                phone=esc(m.phone_masked or "") or "—",
            )
        )
    return mark_safe("\n".join(out))


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
