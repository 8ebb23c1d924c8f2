"""Pages of the organization tree and the unit registry: thin views over selectors and services.

Reads go through the selectors with the request's scope (outside it: 404); writes go through the
services, whose ValidationErrors land on the form. A role without the write permission gets 403.
"""

from __future__ import annotations

import html

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zugong.core.exceptions import NotInScope
from zugong.core.scope import Scope, scope_for
from zugong.core.views import apply_service_errors, paginate
from zugong.members.selectors import member_list
from zugong.orgs import filters, forms, selectors, services
from zugong.orgs.models import BRANCH_KINDS, CommitteeSeat, Org, OrgKind
from zugong.rules import engine

TREE_ROOTS_EXPANDED = 10
TREE_SEARCH_LIMIT = 50
DETAIL_CHILDREN_LIMIT = 100
DETAIL_EVENTS_LIMIT = 50
MEMBER_PREVIEW = 10
# Breakdowns counted live only below these sizes; bigger subtrees show the stored totals only.
STATUS_COUNT_MAX = 50_000
KIND_COUNT_MAX = 5_000
SEAT_MEMBER_CHOICES_MAX = 500
UNIT_CANDIDATES = 50
SEAT_ORDER = {
    CommitteeSeat.Post.SECRETARY: 0,
    CommitteeSeat.Post.DEPUTY_SECRETARY: 1,
    CommitteeSeat.Post.MEMBER: 2,
}
PICKER_NEAR = {"merge": 1, "move": 2}  # levels up from the org where the picker starts
PICKER_FIELDS = {"new_parent", "target", "managing_org", "org"}

GET_POST = require_http_methods(["GET", "POST"])


def _scope(request, perm: str = "org.view") -> Scope:
    """The request's scope; an account whose role cannot see this kind of object sees nothing (404)."""
    scope = scope_for(request.user)
    if not scope.has(perm):
        raise NotInScope
    return scope


def _org(request, code: str, perm: str | None = None) -> tuple[Scope, Org]:
    scope = _scope(request)
    org = selectors.org_get(scope=scope, code=code)
    if perm:
        scope.require(perm)
    return scope, org


def _with_trails(scope: Scope, orgs: list[Org]) -> list[tuple[Org, list[Org]]]:
    trails = selectors.org_trails(scope=scope, orgs=orgs)
    return [(o, trails[o.pk]) for o in orgs]


def _picker(request, scope: Scope, *, purpose: str, org: Org | None, field: str, selected: str) -> dict:
    """Search results of an org picker, the chosen org first so a new search never drops it."""
    q = request.GET.get("q", "").strip()[:100]
    qs = forms.picker_queryset(scope=scope, purpose=purpose, org=org, q=q)
    if not q and org is not None and purpose in PICKER_NEAR:
        # Before any search, offer the likely targets: a merge goes to a sibling, a move to a sibling
        # of the current parent (the same level, under the same grandparent).
        up = PICKER_NEAR[purpose]
        near = org.path[: -Org.steplen * up]
        if len(near) < len(scope.root_path or ""):
            near = scope.root_path or ""
        qs = qs.filter(path__gte=near, path__lt=near + "~", depth=org.depth - up + 1)
    found = list(qs[: forms.PICKER_LIMIT + 1])
    more = len(found) > forms.PICKER_LIMIT
    found = found[: forms.PICKER_LIMIT]
    chosen = None
    if selected:
        chosen = next((o for o in found if o.code == selected), None)
        if chosen is None:
            qs = forms.picker_queryset(scope=scope, purpose=purpose, org=org)
            chosen = qs.filter(code=selected).first()
    rows = ([chosen] if chosen else []) + [o for o in found if o != chosen]
    return {
        "field": field,
        "purpose": purpose,
        "for_code": org.code if org else "",
        "parent_path": org.path[: -Org.steplen] if org else None,
        "q": q,
        "selected": chosen.code if chosen else "",
        "results": _with_trails(scope, rows),
        "more": more,
    }


def _initial_from_get(request, names: list[str]) -> dict:
    return {n: request.GET[n] for n in names if request.GET.get(n)}


# -- tree -------------------------------------------------------------------------------------------
def tree_rows(orgs, *, show_dissolved: bool) -> list[Org]:
    """The orgs with what a tree row shows, prepared once per response."""
    from urllib.parse import quote

    detail = reverse("orgs:detail", args=["~code~"])
    kids = reverse("orgs:children", args=["~code~"]) + ("?dissolved=1" if show_dissolved else "")
    kinds = {k: str(label) for k, label in OrgKind.choices}
    rows = list(orgs)
    for o in rows:
        code = quote(o.code, safe="")
        o.detail_url = detail.replace("~code~", code)
        o.kids_url = kids.replace("~code~", code)
        o.kind_text = kinds.get(o.kind, o.kind)
        o.members_text = f"{o.member_total:,}"
        o.orgs_text = f"{o.org_total:,}"
        o.expandable = bool(o.numchild if show_dissolved else o.org_total)
        o.expanded = False
    return rows


def tree_rows_html(rows: list[Org]) -> str:
    """The <li> rows of the tree, built in Python: a node with hundreds of children cost ≈ 0.3 ms per
    row through the template engine (and half of that again through format_html's lazy-string
    checks); the stdlib escape on plain strings is a tenth of it. The markup is the tree's
    (orgs/tree.html includes it; the benchmark reads names and totals back from it)."""
    esc = html.escape
    if not rows:
        return mark_safe(f'<li class="zg-tree-empty">{esc(_("没有下级组织"))}</li>')
    toggle, count_title = esc(_("展开或收起")), esc(_("党员总数(含下级)/ 下级组织数"))
    mobile = f' <span class="badge zg-badge-soft">{esc(_("流动党员"))}</span>'
    dissolved = f' <span class="badge text-bg-secondary">{esc(_("已撤销"))}</span>'
    leaf = '<span class="zg-tree-toggle zg-tree-leaf" aria-hidden="true"><i class="bi bi-dot"></i></span>'
    out = []
    for o in rows:
        pk = int(o.pk)
        if o.expanded:
            button = (
                f'<button type="button" class="zg-tree-toggle" aria-expanded="true" '
                f'aria-controls="zg-kids-{pk}" data-loaded="1" aria-label="{toggle}">'
                '<i class="bi bi-dash-square"></i></button>'
            )
        elif o.expandable:
            button = (
                f'<button type="button" class="zg-tree-toggle" aria-expanded="false" '
                f'aria-controls="zg-kids-{pk}" aria-label="{toggle}" hx-get="{esc(o.kids_url)}" '
                f'hx-target="#zg-kids-{pk}" '
                'hx-trigger="click once" hx-swap="innerHTML"><i class="bi bi-plus-square"></i></button>'
            )
        else:
            button = leaf
        kids = tree_rows_html(o.kids) if o.expanded else ""
        out.append(
            '<li class="zg-tree-item">\n'
            f'  <div class="zg-tree-row{"" if o.is_active else " zg-dissolved"}">\n'
            f"    {button}\n"
            f'    <span class="zg-tree-label">\n'
            f'      <a class="zg-tree-name" href="{esc(o.detail_url)}">{esc(o.name)}</a>\n'
            f'      <span class="badge badge-kind">{esc(o.kind_text)}</span>'
            f"{mobile if o.for_mobile_members else ''}{'' if o.is_active else dissolved}\n    </span>\n"
            f'    <span class="zg-tree-count" title="{count_title}">\n'
            f'      <span><i class="bi bi-person"></i> {o.members_text}</span>\n'
            f'      <span class="zg-tree-count-orgs"><i class="bi bi-diagram-3"></i> {o.orgs_text}</span>\n'
            f'    </span>\n  </div>\n  <ul class="zg-tree" id="zg-kids-{pk}">{kids}</ul>\n</li>'
        )
    return mark_safe("\n".join(out))


@login_required
@require_GET
def tree(request):
    scope = _scope(request)
    search = filters.TreeSearchForm(request.GET)
    search.is_valid()
    q = (search.cleaned_data.get("q") or "").strip()
    show_dissolved = bool(search.cleaned_data.get("dissolved"))
    roots = list(selectors.org_roots(scope=scope)[: TREE_ROOTS_EXPANDED + 1])
    expand = len(roots) <= TREE_ROOTS_EXPANDED
    nodes = tree_rows(roots, show_dissolved=show_dissolved)
    if expand:
        for root in nodes:
            children = selectors.org_children(scope=scope, parent=root, include_dissolved=show_dissolved)
            root.kids = tree_rows(children, show_dissolved=show_dissolved)
            root.expanded = True
    results, more = None, False
    if q:
        found = list(
            selectors.org_search(scope=scope, q=q, include_dissolved=show_dissolved)[: TREE_SEARCH_LIMIT + 1]
        )
        more = len(found) > TREE_SEARCH_LIMIT
        results = _with_trails(scope, found[:TREE_SEARCH_LIMIT])
    top = roots[0] if len(roots) == 1 else None
    return render(
        request,
        "orgs/tree.html",
        {
            "search": search,
            "q": q,
            "show_dissolved": show_dissolved,
            "nodes": nodes,
            "nodes_html": tree_rows_html(nodes) if nodes else "",
            "results": results,
            "more": more,
            "can_create": top is not None and scope.has("org.structure") and top.kind not in BRANCH_KINDS,
            "top": top,
        },
    )


@login_required
@require_GET
def children(request, code):
    scope, org = _org(request, code)
    show_dissolved = request.GET.get("dissolved") == "1"
    rows = selectors.org_children(scope=scope, parent=org, include_dissolved=show_dissolved)
    return HttpResponse(tree_rows_html(tree_rows(rows, show_dissolved=show_dissolved)))


@login_required
@require_GET
def search(request):
    """The org picker: matching orgs in scope as radio rows (htmx) or as JSON (`?format=json`)."""
    scope = _scope(request)
    purpose = request.GET.get("purpose", "")
    for_code = request.GET.get("for", "")
    org = selectors.org_get(scope=scope, code=for_code) if for_code else None
    field = request.GET.get("field", "org")
    if field not in PICKER_FIELDS:
        field = "org"
    picker = _picker(
        request, scope, purpose=purpose, org=org, field=field, selected=request.GET.get(field, "")
    )
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "results": [
                    {
                        "code": o.code,
                        "name": o.name,
                        "kind": o.kind,
                        "kind_label": o.get_kind_display(),
                        "trail": [a.name for a in trail],
                        "member_total": o.member_total,
                        "org_total": o.org_total,
                    }
                    for o, trail in picker["results"]
                ],
                "more": picker["more"],
            },
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "orgs/_picker_results.html", {"picker": picker})


# -- detail -----------------------------------------------------------------------------------------
@login_required
@require_GET
def detail(request, code):
    scope, org = _org(request, code)
    seats = sorted(selectors.current_seats(org), key=lambda s: SEAT_ORDER.get(s.post, 9))
    kids = list(selectors.org_children(scope=scope, parent=org)[: DETAIL_CHILDREN_LIMIT + 1])
    active = org.is_active
    ctx = {
        "org": org,
        "breadcrumbs": selectors.org_breadcrumbs(scope=scope, org=org),
        "units": list(org.units.order_by("name")),
        "seats": seats,
        "term": selectors.org_term(org),
        "vacancies": selectors.org_vacancies(org, seats) if active else [],
        "children": kids[:DETAIL_CHILDREN_LIMIT],
        "children_more": len(kids) > DETAIL_CHILDREN_LIMIT,
        "events": list(org.events.select_related("actor")[:DETAIL_EVENTS_LIMIT]),
        "can_edit": scope.has("org.edit") and active,
        "can_structure": scope.has("org.structure") and active,
        "can_add_child": scope.has("org.structure") and active and org.kind not in BRANCH_KINDS,
        "is_scope_root": org.path == scope.root_path,
        "members": None,
        "member_stats": None,
        "kind_counts": None,
    }
    if scope.has("member.view"):
        members = member_list(scope=scope, under=org)
        ctx["members"] = list(members[:MEMBER_PREVIEW])
        if org.member_total <= STATUS_COUNT_MAX:
            ctx["member_stats"] = members.aggregate(
                formal=Count("pk", filter=Q(status="formal")),
                probationary=Count("pk", filter=Q(status="probationary")),
                mobile=Count("pk", filter=Q(is_mobile=True)),
            )
    if 0 < org.org_total <= KIND_COUNT_MAX:
        by_kind = dict(
            selectors.org_search(scope=scope, under=org)
            .exclude(pk=org.pk)
            .order_by()
            .values_list("kind")
            .annotate(n=Count("pk"))
        )
        ctx["kind_counts"] = [(label, by_kind[v]) for v, label in OrgKind.choices if by_kind.get(v)]
    return render(request, "orgs/detail.html", ctx)


# -- create and edit --------------------------------------------------------------------------------
@login_required
@GET_POST
def create(request):
    scope = _scope(request)
    parent_code = request.GET.get("parent", "")
    if parent_code:
        parent = selectors.org_get(scope=scope, code=parent_code)
    elif scope.root_path == "":
        parent = None
    else:
        parent = selectors.org_roots(scope=scope).first()
    scope.require("org.structure")
    initial = {}
    if request.method == "GET":
        initial = {
            "code": services.suggest_code(parent),
            "region_code": parent.region_code if parent else "",
            "kind": OrgKind.BRANCH if parent is not None else OrgKind.COMMITTEE,
        }
    form = forms.OrgCreateForm(request.POST or None, parent=parent, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.org_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已新建党组织“%(name)s”") % {"name": org.name})
            return redirect("orgs:detail", org.code)
    can_hold = parent is None or (parent.is_active and parent.kind not in BRANCH_KINDS)
    breadcrumbs = [*selectors.org_breadcrumbs(scope=scope, org=parent), parent] if parent else []
    return render(
        request,
        "orgs/org_form.html",
        {"form": form, "parent": parent, "can_hold": can_hold, "breadcrumbs": breadcrumbs, "creating": True},
    )


@login_required
@GET_POST
def edit(request, code):
    scope, org = _org(request, code, "org.edit")
    parent = Org.objects.get_parent(org)
    form = forms.OrgEditForm(request.POST or None, instance=org, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.org_update(actor=request.user, org=org, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的基本信息") % {"name": org.name})
            return redirect("orgs:detail", org.code)
    return _org_page(request, scope, org, "orgs/org_form.html", {"form": form, "creating": False})


def _org_page(request, scope: Scope, org: Org, template: str, ctx: dict):
    """A page about one org: its breadcrumbs (within scope) and itself."""
    ctx = {"org": org, "breadcrumbs": [*selectors.org_breadcrumbs(scope=scope, org=org), org], **ctx}
    return render(request, template, ctx)


# -- structure: move, merge, dissolve ---------------------------------------------------------------
@login_required
@GET_POST
def move(request, code):
    scope, org = _org(request, code, "org.structure")
    form = forms.MoveForm(
        request.POST or None, scope=scope, org=org, initial=_initial_from_get(request, ["on", "reason"])
    )
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["new_parent"]
        if request.POST.get("confirmed") == "1":
            try:
                services.org_move(
                    actor=request.user,
                    org=org,
                    new_parent=target,
                    on=form.cleaned_data["on"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                text = (
                    _("已将“%(org)s”及其下级组织调整到“%(parent)s”之下")
                    if org.org_total
                    else _("已将“%(org)s”调整到“%(parent)s”之下")
                )
                messages.success(request, text % {"org": org.name, "parent": target.name})
                return redirect("orgs:detail", org.code)
        else:
            return _org_page(
                request, scope, org, "orgs/confirm.html", {"form": form, "action": "move", "target": target}
            )
    selected = request.POST.get("new_parent") or request.GET.get("new_parent", "")
    picker = _picker(request, scope, purpose="move", org=org, field="new_parent", selected=selected)
    return _org_page(request, scope, org, "orgs/move.html", {"form": form, "picker": picker})


@login_required
@GET_POST
def merge(request, code):
    scope, org = _org(request, code, "org.structure")
    form = forms.MergeForm(
        request.POST or None, scope=scope, org=org, initial=_initial_from_get(request, ["on", "reason"])
    )
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        if request.POST.get("confirmed") == "1":
            try:
                services.org_merge(
                    actor=request.user,
                    source=org,
                    target=target,
                    on=form.cleaned_data["on"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("已将“%(org)s”并入“%(target)s”") % {"org": org.name, "target": target.name}
                )
                return redirect("orgs:detail", target.code)
        else:
            return _org_page(
                request, scope, org, "orgs/confirm.html", {"form": form, "action": "merge", "target": target}
            )
    selected = request.POST.get("target") or request.GET.get("target", "")
    picker = _picker(request, scope, purpose="merge", org=org, field="target", selected=selected)
    return _org_page(request, scope, org, "orgs/merge.html", {"form": form, "picker": picker})


@login_required
@GET_POST
def dissolve(request, code):
    scope, org = _org(request, code, "org.structure")
    form = forms.DissolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.org_dissolve(
                actor=request.user, org=org, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已撤销“%(org)s”") % {"org": org.name})
            return redirect("orgs:detail", org.code)
    return _org_page(request, scope, org, "orgs/dissolve.html", {"form": form})


# -- committee and term -----------------------------------------------------------------------------
@login_required
@GET_POST
def seat_add(request, code):
    scope, org = _org(request, code, "org.edit")
    members = member_list(scope=scope, under=org)
    if org.member_total > SEAT_MEMBER_CHOICES_MAX:
        members = members.filter(org=org)
    form = forms.SeatAddForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            seat = services.seat_add(
                actor=request.user,
                org=org,
                post=data["post"],
                duty=data["duty"],
                member=data["member"],
                person_name=data["person_name"],
                started_on=data["started_on"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已登记%(name)s任%(post)s")
                % {"name": seat.person_name, "post": seat.duty or seat.get_post_display()},
            )
            return redirect("orgs:detail", org.code)
    return _org_page(request, scope, org, "orgs/seat_add.html", {"form": form})


@login_required
@GET_POST
def seat_end(request, pk):
    scope = _scope(request)
    seat = selectors.seat_get(scope=scope, pk=pk)
    scope.require("org.edit")
    form = forms.SeatEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.seat_end(actor=request.user, seat=seat, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已登记%(name)s不再担任%(post)s")
                % {"name": seat.person_name, "post": seat.duty or seat.get_post_display()},
            )
            return redirect("orgs:detail", seat.org.code)
    return _org_page(request, scope, seat.org, "orgs/seat_end.html", {"form": form, "seat": seat})


@login_required
@GET_POST
def term(request, code):
    scope, org = _org(request, code, "org.edit")
    form = forms.TermRenewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.term_renew(actor=request.user, org=org, on=form.cleaned_data["on"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记换届,新一届任期自%(d)s起算") % {"d": form.cleaned_data["on"]})
            return redirect("orgs:detail", org.code)
    return _org_page(request, scope, org, "orgs/term.html", {"form": form, "term": selectors.org_term(org)})


@login_required
@GET_POST
def org_units(request, code):
    """Host units of an org: check them among the search results; the chosen ones stay on top."""
    scope, org = _org(request, code, "org.edit")
    source = request.POST if request.method == "POST" else request.GET
    if request.method == "POST" or "units" in request.GET or "q" in request.GET:
        chosen_ids = [int(v) for v in source.getlist("units") if v.isdigit()]
    else:
        chosen_ids = list(org.unit_links.values_list("unit_id", flat=True))
    chosen = list(selectors.units_in_scope(scope=scope).filter(pk__in=chosen_ids).order_by("name"))
    q = request.GET.get("q", "").strip()[:100]
    if q:
        found = selectors.unit_list(scope=scope, q=q)
    else:  # units without an org near this one: under its parent (when the account sees it)
        crumbs = selectors.org_breadcrumbs(scope=scope, org=org)
        found = selectors.unit_list(scope=scope, has_org="no", under=crumbs[-1] if crumbs else org)
    shown = chosen + [u for u in found[:UNIT_CANDIDATES] if u.pk not in chosen_ids]
    form = forms.OrgUnitsForm(
        request.POST or None, scope=scope, shown=shown, initial={"units": [u.pk for u in chosen]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.org_set_units(actor=request.user, org=org, units=list(form.cleaned_data["units"]))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(org)s”的所在单位") % {"org": org.name})
            return redirect("orgs:detail", org.code)
    rule = engine.rule("ZB-01")
    ctx = {
        "form": form,
        "q": q,
        "searched": bool(q),
        "limit": rule.params["joint_branch_max_units"],
        "cite": rule.cite,
        "is_joint": org.kind == OrgKind.JOINT_BRANCH,
    }
    if request.htmx:
        return render(request, "orgs/_unit_choices.html", ctx)
    return _org_page(request, scope, org, "orgs/org_units.html", ctx)


# -- units ------------------------------------------------------------------------------------------
@login_required
@require_GET
def unit_list(request):
    scope = _scope(request, "unit.view")
    filter_form = filters.UnitFilterForm(request.GET or None)
    qs = selectors.unit_list(scope=scope, **filter_form.values())
    page = paginate(request, qs)
    return render(
        request,
        "orgs/unit_list.html",
        {"filter_form": filter_form, "page_obj": page, "can_create": scope.has("unit.edit")},
    )


@login_required
@require_GET
def unit_detail(request, code):
    scope = _scope(request, "unit.view")
    unit = selectors.unit_get(scope=scope, code=code)
    hosted = list(
        selectors.orgs_in_scope(scope=scope).filter(unit_links__unit=unit).order_by("-is_active", "path")
    )
    return render(
        request,
        "orgs/unit_detail.html",
        {"unit": unit, "hosted": hosted, "can_edit": scope.has("unit.edit")},
    )


@login_required
@GET_POST
def unit_create(request):
    scope = _scope(request, "unit.view")
    scope.require("unit.edit")
    initial = _initial_from_get(request, ["managing_org"])
    if request.method == "GET" and "managing_org" not in initial:
        root = selectors.org_roots(scope=scope).first()
        initial = {"managing_org": root.code, "region_code": root.region_code} if root else {}
    form = forms.UnitForm(request.POST or None, scope=scope, creating=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已新建单位“%(name)s”") % {"name": unit.name})
            return redirect("units:detail", unit.code)
    selected = request.POST.get("managing_org") or initial.get("managing_org", "")
    picker = _picker(request, scope, purpose="", org=None, field="managing_org", selected=selected)
    return render(request, "orgs/unit_form.html", {"form": form, "picker": picker, "unit": None})


@login_required
@GET_POST
def unit_edit(request, code):
    scope = _scope(request, "unit.view")
    unit = selectors.unit_get(scope=scope, code=code)
    scope.require("unit.edit")
    form = forms.UnitForm(
        request.POST or None,
        instance=unit,
        scope=scope,
        creating=False,
        initial={"managing_org": unit.managing_org.code},
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_update(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存单位“%(name)s”") % {"name": unit.name})
            return redirect("units:detail", unit.code)
    selected = request.POST.get("managing_org") or unit.managing_org.code
    picker = _picker(request, scope, purpose="", org=None, field="managing_org", selected=selected)
    return render(request, "orgs/unit_form.html", {"form": form, "picker": picker, "unit": unit})
