"""Pages of 发展党员: the list of a subtree, one applicant's file with its next step and problems,
recording a step, the pipeline of a subtree and the yearly plans.

Views stay thin: reads through recruitment.selectors with the request's scope (out of scope is
404), writes through recruitment.services, the rules through recruitment.checks.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zugong.core.scope import Scope, scope_for
from zugong.core.views import apply_service_errors, paginate
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.orgs.selectors import org_breadcrumbs, org_get, org_roots, org_search
from zugong.recruitment import checks, paperwork, selectors, services, steps
from zugong.recruitment.forms import ApplicantForm, CloseForm, PlanForm, StepForm
from zugong.recruitment.models import OPEN_STAGES, Stage

STAGE_FILTERS = [("open", _("在发展")), *Stage.choices, ("all", _("全部"))]


def _scope(request, perm: str) -> Scope:
    scope = scope_for(request.user)
    scope.require(perm)
    return scope


def _under(request, scope: Scope) -> Org | None:
    code = request.GET.get("org", "").strip()
    if code:
        return org_get(scope=scope, code=code)
    own = request.user.org if request.user.org_id else None
    if own is not None and own.path == scope.root_path:
        return own
    roots = list(org_roots(scope=scope)[:2])
    return roots[0] if len(roots) == 1 else None


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# -- list ------------------------------------------------------------------------------------------
@login_required
def applicant_list(request):
    scope = _scope(request, "recruitment.view")
    under = _under(request, scope)
    filters = selectors.ApplicantFilters.from_mapping(request.GET)
    sort = request.GET.get("sort", "org")
    today = dt.date.today()
    qs = selectors.applicant_list(scope=scope, under=under, filters=filters, sort=sort, on=today)
    page = paginate(request, qs)
    for a in page.object_list:
        a.age = _age(a.birth_date, today)
        a.overdue = a.due_on is not None and a.due_on < today
    return render(
        request,
        "recruitment/list.html",
        {
            "page_obj": page,
            "applicants": page.object_list,
            "under": under,
            "crumbs": org_breadcrumbs(scope=scope, org=under) if under is not None else [],
            "filters": filters,
            "stage_filters": STAGE_FILTERS,
            "sort": sort if sort in selectors.SORTS else "org",
            "can_edit": scope.has("recruitment.edit"),
            "today": today,
            "documents": DOCUMENT_LINKS,
        },
    )


# -- create and edit -------------------------------------------------------------------------------
@login_required
def applicant_create(request):
    scope = _scope(request, "recruitment.edit")
    code = request.GET.get("org", "").strip()
    org = org_get(scope=scope, code=code) if code else _under(request, scope)
    if org is None or org.kind not in BRANCH_KINDS or not org.is_active:
        branches = list(org_search(scope=scope, under=org).filter(kind__in=BRANCH_KINDS)[:31]) if org else []
        return render(
            request,
            "recruitment/pick_branch.html",
            {"org": org, "branches": branches[:30], "more_branches": len(branches) > 30},
        )
    form = ApplicantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            applicant = services.applicant_create(
                actor=request.user,
                org=org,
                applied_on=form.cleaned_data["applied_on"],
                done_by=form.cleaned_data.get("done_by") or "",
                **form.service_fields(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已建立“%(n)s”的发展档案") % {"n": applicant.name})
            return redirect("recruitment:detail", pk=applicant.pk)
    return render(
        request,
        "recruitment/form.html",
        {
            "form": form,
            "org": org,
            "applicant": None,
            "breadcrumbs": [*org_breadcrumbs(scope=scope, org=org), org],
        },
    )


@login_required
def applicant_edit(request, pk: int):
    scope = _scope(request, "recruitment.view")
    applicant = selectors.applicant_get(scope=scope, pk=pk)
    scope.require("recruitment.edit")
    form = ApplicantForm(request.POST or None, instance=applicant)
    if request.method == "POST" and form.is_valid():
        try:
            services.applicant_update(actor=request.user, applicant=applicant, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(n)s”的信息") % {"n": applicant.name})
            return redirect("recruitment:detail", pk=applicant.pk)
    return render(
        request,
        "recruitment/form.html",
        {
            "form": form,
            "org": applicant.org,
            "applicant": applicant,
            "breadcrumbs": [*org_breadcrumbs(scope=scope, org=applicant.org), applicant.org],
        },
    )


# -- the file ----------------------------------------------------------------------------------------
def _progress(records, review: checks.Review, latest_pk: int | None):
    """The 5 stages with their steps: the records of each step, whether it is open now, its window."""
    by_step: dict[str, list] = {}
    for r in records:
        by_step.setdefault(r.step, []).append(r)
    open_by_step = {d.step: d for d in review.open}
    findings_by_step: dict[str, list[checks.Finding]] = {}
    for f in review.findings:
        findings_by_step.setdefault(f.step, []).append(f)
    stages = []
    for number, title in steps.STAGES.items():
        items = []
        for step in steps.STEPS:
            if step.stage != number:
                continue
            recs = by_step.get(step.code, [])
            items.append(
                {
                    "step": step,
                    "records": recs,
                    "due": open_by_step.get(step.code),
                    "findings": findings_by_step.get(step.code, []),
                    "done": bool(recs),
                    "latest_pk": latest_pk,
                }
            )
        done = sum(1 for i in items if i["done"])
        stages.append({"number": number, "title": title, "items": items, "done": done, "total": len(items)})
    return stages


def _detail_context(request, scope: Scope, applicant, *, revealed: str = "") -> dict:
    records = selectors.applicant_records(applicant)
    today = dt.date.today()
    review = checks.review(applicant, records, as_of=today)
    latest = max(records, key=lambda r: (r.done_on, r.pk)) if records else None
    can_edit = scope.has("recruitment.edit")
    return {
        "applicant": applicant,
        "age": _age(applicant.birth_date, today),
        "review": review,
        "primary": review.primary,
        "others": [d for d in review.open if review.primary is None or d.step != review.primary.step],
        "stages": _progress(records, review, latest.pk if latest and can_edit else None),
        "breadcrumbs": [*org_breadcrumbs(scope=scope, org=applicant.org), applicant.org],
        "can_edit": can_edit and (applicant.is_open or bool(review.open)),
        "can_edit_any": can_edit,
        "can_reveal": scope.has("recruitment.reveal"),
        "revealed": revealed,
        "today": today,
        "close_form": CloseForm()
        if can_edit and applicant.is_open and applicant.stage != Stage.PROBATIONARY
        else None,
        "documents": DOCUMENT_LINKS,
    }


DOCUMENT_LINKS = [(k, str(v)) for k, v in paperwork.KINDS.items()]


@login_required
def applicant_detail(request, pk: int):
    scope = _scope(request, "recruitment.view")
    applicant = selectors.applicant_get(scope=scope, pk=pk)
    return render(request, "recruitment/detail.html", _detail_context(request, scope, applicant))


@login_required
@require_POST
def applicant_reveal(request, pk: int):
    scope = _scope(request, "recruitment.view")
    applicant = selectors.applicant_get(scope=scope, pk=pk)
    scope.require("recruitment.reveal")
    value = services.applicant_reveal(actor=request.user, applicant=applicant)
    if request.htmx:
        return render(request, "members/_revealed.html", {"value": value, "field": "id_number"})
    return render(
        request, "recruitment/detail.html", _detail_context(request, scope, applicant, revealed=value)
    )


@login_required
def step_record(request, pk: int, step: str):
    if step not in steps.BY_CODE:
        raise Http404
    scope = _scope(request, "recruitment.view")
    applicant = selectors.applicant_get(scope=scope, pk=pk)
    scope.require("recruitment.edit")
    definition = steps.get(step)
    members = list(selectors.branch_members(applicant.org)) if step in ("contacts", "introducers") else []
    form = StepForm(
        request.POST or None, request.FILES or None, step=definition, applicant=applicant, members=members
    )
    records = selectors.applicant_records(applicant)
    review = checks.review(applicant, records)
    due = next((d for d in review.open if d.step == step), None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.step_record(
                actor=request.user,
                applicant=applicant,
                step=step,
                done_on=form.cleaned_data["done_on"],
                done_by=form.cleaned_data.get("done_by") or "",
                note=form.cleaned_data.get("note") or "",
                document=form.cleaned_data.get("document"),
                **form.service_fields({m.pk: m for m in members}),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if record.warnings:
                messages.warning(
                    request,
                    _("已记录“%(s)s”,但有%(n)d条提示,请核对:%(w)s")
                    % {
                        "s": definition.title,
                        "n": len(record.warnings),
                        "w": ";".join(w["message"] for w in record.warnings),
                    },
                )
            else:
                messages.success(request, _("已记录“%(s)s”") % {"s": definition.title})
            return redirect("recruitment:detail", pk=applicant.pk)
    return render(
        request,
        "recruitment/step_form.html",
        {
            "form": form,
            "applicant": applicant,
            "step": definition,
            "due": due,
            "rules": [r for r in definition.rules],
            "breadcrumbs": [*org_breadcrumbs(scope=scope, org=applicant.org), applicant.org],
            "no_members": step in ("contacts", "introducers") and not members,
        },
    )


@login_required
@require_POST
def step_undo(request, pk: int, record_pk: int):
    scope = _scope(request, "recruitment.view")
    applicant = selectors.applicant_get(scope=scope, pk=pk)
    scope.require("recruitment.edit")
    record = applicant.records.filter(pk=record_pk).first()
    if record is None:
        raise Http404
    try:
        services.step_undo(actor=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    else:
        messages.success(request, _("已撤销“%(s)s”") % {"s": record.step_def.title})
    return redirect("recruitment:detail", pk=applicant.pk)


@login_required
@require_POST
def applicant_close(request, pk: int):
    scope = _scope(request, "recruitment.view")
    applicant = selectors.applicant_get(scope=scope, pk=pk)
    scope.require("recruitment.edit")
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.applicant_close(
                actor=request.user,
                applicant=applicant,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, ";".join(exc.messages))
        else:
            messages.success(request, _("已终止“%(n)s”的发展档案") % {"n": applicant.name})
    else:
        messages.error(request, _("请填写终止日期和原因"))
    return redirect("recruitment:detail", pk=applicant.pk)


# -- pipeline and plans ------------------------------------------------------------------------------
@login_required
def pipeline(request):
    scope = _scope(request, "recruitment.view")
    under = _under(request, scope)
    if under is None:
        roots = list(org_roots(scope=scope)[:1])
        if not roots:
            raise Http404
        under = roots[0]
    today = dt.date.today()
    total, rows = selectors.pipeline(scope=scope, under=under, on=today)
    return render(
        request,
        "recruitment/pipeline.html",
        {
            "under": under,
            "crumbs": org_breadcrumbs(scope=scope, org=under),
            "total": total,
            "rows": rows,
            "stages": [(s, Stage(s).label) for s in selectors.PIPELINE_STAGES],
            "today": today,
        },
    )


@login_required
def plans(request):
    scope = _scope(request, "recruitment.view")
    today = dt.date.today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    can_plan = scope.has("recruitment.plan")
    form = PlanForm(request.POST or None, initial={"year": year})
    if request.method == "POST":
        scope.require("recruitment.plan")
        if form.is_valid():
            org = org_get(scope=scope, code=form.cleaned_data["org"])
            try:
                services.plan_save(
                    actor=request.user,
                    org=org,
                    year=form.cleaned_data["year"],
                    quota=form.cleaned_data["quota"],
                    note=form.cleaned_data.get("note") or "",
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已保存%(o)s%(y)d年的发展党员计划") % {"o": org.name, "y": form.cleaned_data["year"]},
                )
                return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    committees = []
    if can_plan:
        committees = list(
            org_search(scope=scope, under=None).exclude(kind__in=BRANCH_KINDS).filter(is_active=True)[:200]
        )
    return render(
        request,
        "recruitment/plans.html",
        {
            "rows": selectors.plan_rows(scope=scope, year=year),
            "year": year,
            "years": list(range(today.year + 1, today.year - 5, -1)),
            "form": form,
            "can_plan": can_plan,
            "committees": committees,
        },
    )


__all__ = ["OPEN_STAGES"]


# -- paperwork ---------------------------------------------------------------------------------------
def _attachment(data: bytes, name: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def document(request, pk: int, kind: str):
    if kind not in paperwork.KINDS:
        raise Http404
    scope = _scope(request, "recruitment.view")
    applicant = selectors.applicant_get(scope=scope, pk=pk)
    data = paperwork.generate(actor=request.user, kind=kind, applicant=applicant)
    return _attachment(data, paperwork.filename(kind, applicant), DOCX)


@login_required
def documents(request):
    """The document of every applicant of the list as it is filtered, in one zip."""
    kind = request.GET.get("kind", "")
    if kind not in paperwork.KINDS:
        raise Http404
    scope = _scope(request, "recruitment.view")
    under = _under(request, scope)
    filters = selectors.ApplicantFilters.from_mapping(request.GET)
    found = list(selectors.applicant_list(scope=scope, under=under, filters=filters)[: paperwork.MAX_BATCH])
    if not found:
        messages.info(request, _("没有符合条件的人员"))
        return redirect(f"{reverse('recruitment:list')}?{request.GET.urlencode()}")
    data = paperwork.generate_batch(
        actor=request.user, kind=kind, applicants=found, org_path=under.path if under else ""
    )
    name = _("%(k)s(%(n)d份).zip") % {"k": paperwork.KINDS[kind], "n": len(found)}
    return _attachment(data, name, "application/zip")
