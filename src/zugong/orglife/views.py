"""Pages of organizational life: compliance overview and drill-down, meetings (list, detail, form,
delete, attachments), 民主评议党员, 四议两公开, the 主题党日 checklist and the secretary's inbox.

Views stay thin: reads go through orglife.selectors with the request's scope (outside it: 404),
writes through orglife.services (a role that may only read: 403).
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zugong.core.scope import Scope, scope_for
from zugong.core.views import apply_service_errors, paginate
from zugong.orglife import compliance, forms, selectors, services
from zugong.orglife.context_processors import forget_inbox
from zugong.orglife.filters import DecisionFilterForm, MeetingFilterForm
from zugong.orglife.models import (
    QUORUM_RULES,
    VILLAGE_STEPS,
    Meeting,
    MeetingKind,
    MemberReview,
    VillageDecision,
)
from zugong.orgs.models import Org
from zugong.rules import engine

GET_POST = require_http_methods(["GET", "POST"])
PICK_LIMIT = 30
INBOX_GROUPS_SHOWN = 100
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def _scope(request, perm: str = "orglife.view") -> Scope:
    scope = scope_for(request.user)
    scope.require("orglife.view")
    if perm != "orglife.view":
        scope.require(perm)
    return scope


def _today() -> dt.date:
    return dt.date.today()


def _root(request, scope: Scope) -> Org | None:
    """The org the account's pages start from (its own org is already loaded with the scope)."""
    own = request.user.org if request.user.org_id else None
    if own is not None and own.path == scope.root_path:
        return own
    return selectors.scope_root_org(scope=scope)


def _under(request, scope: Scope) -> Org | None:
    code = request.GET.get("org", "").strip()
    return selectors.org_get(scope=scope, code=code) if code else _root(request, scope)


def _crumbs(scope: Scope, org: Org | None) -> list[Org]:
    return [*selectors.breadcrumbs(scope=scope, org=org), org] if org is not None else []


class _Invalid(Exception):
    """Raised inside a transaction to roll back a multi-step save that collected errors."""


# -- overview ---------------------------------------------------------------------------------------
@login_required
@require_GET
def overview(request, pk: int | None = None):
    scope = _scope(request)
    today = _today()
    window = selectors.parse_window(request.GET.get("w", ""), today=today)
    if pk is None:
        org = _root(request, scope)
        if org is None:
            roots = list(selectors.orgs_in_scope(scope=scope).filter(depth=1).order_by("path")[:PICK_LIMIT])
            return render(request, "orglife/pick_root.html", {"roots": roots, "window": window})
    else:
        org = selectors.org_get(scope=scope, pk=pk)
    context: dict[str, Any] = {
        "org": org,
        "window": window,
        "nav": selectors.window_nav(window, today=today),
        "today": today,
        "crumbs": selectors.breadcrumbs(scope=scope, org=org),
        "can_edit": scope.has("orglife.edit"),
        "is_branch": selectors.is_branch(org),
        "status_labels": compliance.STATUS_LABELS,
    }
    if context["is_branch"]:
        columns, grid = selectors.branch_grid(org=org, window=window, as_of=today)
        rates = compliance.attendance_rates(org.path, window)
        present = sum(p for p, _e in rates.values())
        expected = sum(e for _p, e in rates.values())
        lapsed = list(selectors.without_orglife(org=org, as_of=today)[:200])
        _cutoff, gx05 = compliance.six_month_rule(today)
        tally = compliance.Tally()
        for g in grid:
            for cell in g.cells:
                if cell.row is not None:
                    setattr(tally, cell.row.status, getattr(tally, cell.row.status) + 1)
                    tally.failed += cell.row.failed
        context.update(
            {
                "columns": columns,
                "grid": grid,
                "tally": tally,
                "meetings": list(selectors.meetings_in_window(org=org, window=window)[:100]),
                "attendance": (present, expected),
                "attendance_rate": present / expected if expected else None,
                "lapsed": lapsed,
                "gx05": gx05,
            }
        )
    else:
        data = selectors.committee_overview(org=org, window=window, as_of=today)
        present, expected = data["attendance"]
        context.update(data)
        context["attendance_rate"] = present / expected if expected else None
    return render(request, "orglife/overview.html", context)


# -- meetings ---------------------------------------------------------------------------------------
@login_required
@require_GET
def meeting_list(request):
    scope = _scope(request)
    under = _under(request, scope)
    filters = selectors.MeetingFilters.from_mapping(request.GET)
    qs = selectors.meeting_list(scope=scope, under=under, filters=filters)
    page = paginate(request, qs)
    return render(
        request,
        "orglife/meeting_list.html",
        {
            "page_obj": page,
            "meetings": page.object_list,
            "under": under,
            "crumbs": selectors.breadcrumbs(scope=scope, org=under) if under is not None else [],
            "filter_form": MeetingFilterForm.for_query(request.GET),
            "filtered": not filters.is_default,
            "can_create": scope.has("orglife.edit"),
        },
    )


def _quorum_rules(meeting: Meeting) -> list[dict[str, str]]:
    out = []
    for kind in meeting.kinds:
        rule_id = QUORUM_RULES.get(kind)
        if rule_id:
            rule = engine.rule(rule_id, on=meeting.held_on)
            out.append(
                {"kind": MeetingKind(kind).label, "cite": rule.cite, "text": selectors.quorum_text(rule)}
            )
    return out


@login_required
@require_GET
def meeting_detail(request, pk: int):
    scope = _scope(request)
    meeting = selectors.meeting_get(scope=scope, pk=pk)
    items = services.theme_items_for(meeting.org)
    ticked = set(meeting.theme_items or [])
    checklist = [(i.name, i.required, i.code in ticked) for i in items]
    known = {i.code for i in items}
    checklist += [(code, False, True) for code in meeting.theme_items or [] if code not in known]
    attendance = list(meeting.attendance.select_related("member").order_by("status", "member__name"))
    return render(
        request,
        "orglife/meeting_detail.html",
        {
            "meeting": meeting,
            "kinds": [(k, MeetingKind(k).label) for k in meeting.kinds],
            "is_theme_day": MeetingKind.THEME_DAY in meeting.kinds,
            "checklist": checklist,
            "attendance": attendance,
            "votes": list(meeting.votes.all()),
            "attachments": list(meeting.attachments.all()),
            "quorum_rules": _quorum_rules(meeting),
            "reviews": meeting.reviews.count() if MeetingKind.MEMBER_REVIEW in meeting.kinds else 0,
            "crumbs": _crumbs(scope, meeting.org),
            "can_edit": scope.has("orglife.edit"),
        },
    )


def _pick_org(request, scope: Scope, *, title: str, target: str, branch_only: bool = True):
    """Choose the org a new record belongs to: branch-level orgs under the account's root."""
    root = _root(request, scope)
    q = request.GET.get("q", "").strip()[:50]
    qs = selectors.orgs_in_scope(scope=scope).filter(is_active=True)
    kinds = services.BRANCH_LEVEL_KINDS
    qs = qs.filter(kind__in=kinds) if branch_only else qs
    if q:
        qs = qs.filter(name__contains=q) | qs.filter(code__startswith=q)
    orgs = list(qs.order_by("path")[: PICK_LIMIT + 1])
    keep = {k: v for k, v in request.GET.items() if k not in ("org", "q")}
    return render(
        request,
        "orglife/pick_org.html",
        {
            "orgs": orgs[:PICK_LIMIT],
            "more": len(orgs) > PICK_LIMIT,
            "q": q,
            "title": title,
            "target": target,
            "keep": urlencode(keep),
            "root": root,
        },
    )


def _meeting_form_context(org: Org, meeting: Meeting | None = None) -> dict[str, Any]:
    return {
        "roster": selectors.roster(org=org) if org.kind in services.BRANCH_LEVEL_KINDS else [],
        "theme_items": services.theme_items_for(org),
        "decisions": list(selectors.open_decisions(org=org))
        if org.kind in services.BRANCH_LEVEL_KINDS
        else [],
    }


def _apply_meeting_errors(form, votes, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                if field in form.fields:
                    form.add_error(field, error)
                elif field == "attendance":
                    form.add_error("mode", error)
                elif field == "votes":
                    votes.non_form_errors().append(error.message % (error.params or {}))
                elif field == "file":
                    form.add_error("files", error)
                else:
                    form.add_error(None, error)
    else:
        apply_service_errors(form, exc)


def _save_attachments(request, meeting: Meeting, files) -> None:
    for upload in files:
        services.attachment_add(actor=request.user, meeting=meeting, upload=upload)


def _render_meeting_form(request, scope, *, form, votes, org, meeting=None, decision=None):
    return render(
        request,
        "orglife/meeting_form.html",
        {
            "form": form,
            "votes": votes,
            "org": org,
            "meeting": meeting,
            "decision": decision,
            "crumbs": _crumbs(scope, org),
            "quorum_kinds": sorted(QUORUM_RULES),
            "village_kinds": [k.value for k in VILLAGE_STEPS],
            "attachments": list(meeting.attachments.all()) if meeting else [],
        },
    )


@login_required
@GET_POST
def meeting_create(request):
    scope = _scope(request, "orglife.edit")
    code = request.GET.get("org", "").strip()
    org = selectors.org_get(scope=scope, code=code) if code else None
    if org is None:
        root = _root(request, scope)
        if root is not None and selectors.is_branch(root):
            org = root
    if org is None or not org.is_active:
        return _pick_org(request, scope, title=_("登记会议:选择党组织"), target="orglife:meeting_create")
    extra = _meeting_form_context(org)
    initial: dict[str, Any] = {"held_on": _today()}
    kind = request.GET.get("kind", "")
    if kind in MeetingKind.values:
        initial["kinds"] = [kind]
        if kind == MeetingKind.THEME_DAY:
            initial["theme_items"] = [i.code for i in extra["theme_items"] if i.required]
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
        initial["held_on"] = min(day, _today())
    except ValueError:
        pass
    decision = None
    if request.GET.get("decision", "").isdigit():
        decision = selectors.decision_get(scope=scope, pk=int(request.GET["decision"]))
        if decision.org_id != org.pk:
            raise Http404
        initial["village_decision"] = decision.pk
        if decision not in extra["decisions"]:
            extra["decisions"].append(decision)
    initial["topic"] = decision.title if decision else ""
    form = forms.MeetingForm(request.POST or None, request.FILES or None, org=org, initial=initial, **extra)
    votes = forms.VoteFormSet(request.POST or None, prefix="votes")
    if request.method == "POST" and form.is_valid() and votes.is_valid():
        try:
            with transaction.atomic():
                meeting = services.meeting_create(
                    actor=request.user,
                    org=org,
                    kinds=form.cleaned_data["kinds"],
                    attendance=form.attendance() or None,
                    votes=forms.votes_from(votes),
                    **form.service_fields(),
                )
                _save_attachments(request, meeting, form.cleaned_data["files"])
        except ValidationError as exc:
            _apply_meeting_errors(form, votes, exc)
        else:
            forget_inbox(request.user)
            messages.success(
                request,
                _("已登记“%(t)s”(%(k)s)")
                % {"t": meeting.topic, "k": "、".join(str(x) for x in meeting.kind_labels)},
            )
            return redirect("orglife:meeting_detail", pk=meeting.pk)
    return _render_meeting_form(request, scope, form=form, votes=votes, org=org, decision=decision)


@login_required
@GET_POST
def meeting_edit(request, pk: int):
    scope = _scope(request)
    meeting = selectors.meeting_get(scope=scope, pk=pk)
    scope.require("orglife.edit")
    org = meeting.org
    extra = _meeting_form_context(org, meeting)
    if meeting.village_decision and meeting.village_decision not in extra["decisions"]:
        extra["decisions"].append(meeting.village_decision)
    # Members who attended and have left the branch since still show on their row.
    shown = {m.pk for m in extra["roster"]}
    extra["roster"] += [
        a.member for a in meeting.attendance.select_related("member") if a.member_id not in shown
    ]
    form = forms.MeetingForm(
        request.POST or None,
        request.FILES or None,
        org=org,
        meeting=meeting,
        initial=forms.MeetingForm.initial_for(meeting),
        **extra,
    )
    votes = forms.VoteFormSet(request.POST or None, prefix="votes", initial=forms.vote_initial(meeting))
    if request.method == "POST" and form.is_valid() and votes.is_valid():
        try:
            with transaction.atomic():
                services.meeting_update(
                    actor=request.user,
                    meeting=meeting,
                    kinds=form.cleaned_data["kinds"],
                    attendance=form.attendance(),
                    votes=forms.votes_from(votes),
                    **form.service_fields(),
                )
                _save_attachments(request, meeting, form.cleaned_data["files"])
        except ValidationError as exc:
            _apply_meeting_errors(form, votes, exc)
        else:
            forget_inbox(request.user)
            messages.success(request, _("已保存“%(t)s”") % {"t": form.cleaned_data["topic"]})
            return redirect("orglife:meeting_detail", pk=meeting.pk)
    return _render_meeting_form(request, scope, form=form, votes=votes, org=org, meeting=meeting)


@login_required
@GET_POST
def meeting_delete(request, pk: int):
    scope = _scope(request)
    meeting = selectors.meeting_get(scope=scope, pk=pk)
    scope.require("orglife.edit")
    form = forms.DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_delete(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            forget_inbox(request.user)
            messages.success(request, _("已删除会议记录“%(t)s”") % {"t": meeting.topic})
            return redirect(reverse("orglife:meetings") + "?" + urlencode({"org": meeting.org.code}))
    return render(
        request,
        "orglife/meeting_delete.html",
        {"meeting": meeting, "form": form, "crumbs": _crumbs(scope, meeting.org)},
    )


@login_required
@require_GET
def attachment_download(request, pk: int):
    """A meeting's file, only to accounts that may see the meeting (files are never public URLs)."""
    scope = _scope(request)
    attachment = selectors.attachment_get(scope=scope, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    guessed = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
    inline = guessed in INLINE_TYPES and request.GET.get("download") != "1"
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.name, content_type=guessed)
    response["Cache-Control"] = "private, max-age=0"
    return response


@login_required
@require_POST
def attachment_delete(request, pk: int):
    scope = _scope(request)
    attachment = selectors.attachment_get(scope=scope, pk=pk)
    scope.require("orglife.edit")
    meeting_id = attachment.meeting_id
    services.attachment_remove(actor=request.user, attachment=attachment)
    messages.success(request, _("已删除附件“%(n)s”") % {"n": attachment.name})
    return redirect("orglife:meeting_detail", pk=meeting_id)


# -- 民主评议党员 --------------------------------------------------------------------------------------
def _year(request, default: int) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return default
    return year if 1921 <= year <= default else default


@login_required
@GET_POST
def reviews(request):
    scope = _scope(request)
    today = _today()
    year = _year(request, today.year)
    org = _under(request, scope)
    if org is None:
        return _pick_org(request, scope, title=_("民主评议党员:选择党组织"), target="orglife:reviews")
    context: dict[str, Any] = {
        "org": org,
        "year": year,
        "year_str": str(year),
        "today": today,
        "children": None,
        "years": list(range(today.year, today.year - 6, -1)),
        "crumbs": selectors.breadcrumbs(scope=scope, org=org),
        "can_edit": scope.has("orglife.edit"),
        "grades": MemberReview.Grade.choices,
        "followups": list(selectors.review_followups(scope=scope, under=org, year=year)[:500]),
        "close_form": forms.ReviewCloseForm(),
        "rule": engine.rule("ZB-13", on=dt.date(year, 12, 31)),
    }
    if not selectors.is_branch(org):
        kids = list(selectors.children(org=org))
        counts = selectors.review_rollup(org=org, year=year)
        context["children"] = [(k, counts.get(k.path, {})) for k in kids]
        return render(request, "orglife/reviews.html", context)
    pairs = selectors.review_roster(org=org, year=year)
    members = [m for m, _r in pairs]
    existing = {m.pk: r for m, r in pairs if r is not None}
    meetings = selectors.review_meetings(org=org, year=year)
    form = forms.ReviewRosterForm(request.POST or None, members=members, reviews=existing, meetings=meetings)
    if request.method == "POST":
        scope.require("orglife.edit")
        if form.is_valid():
            saved = 0
            try:
                with transaction.atomic():
                    failed = False
                    for member, values in form.entries():
                        try:
                            services.review_record(
                                actor=request.user,
                                member=member,
                                year=year,
                                meeting=form.cleaned_data.get("meeting"),
                                **values,
                            )
                            saved += 1
                        except ValidationError as exc:
                            failed = True
                            for field, errors in exc.message_dict.items():
                                target = {"grade": "grade", "action": "action", "action_due": "due"}.get(
                                    field, "note"
                                )
                                if field == "meeting":
                                    form.add_error("meeting", errors)
                                else:
                                    form.add_error(f"{target}_{member.pk}", errors)
                    if failed:
                        raise _Invalid
            except _Invalid:
                messages.error(request, _("有评议结果未通过检查,全部未保存;请按红色提示修改后重新提交。"))
            else:
                forget_inbox(request.user)
                messages.success(request, _("已保存%(y)s年度%(n)s名党员的评议结果") % {"y": year, "n": saved})
                return redirect(reverse("orglife:reviews") + "?" + urlencode({"org": org.code, "year": year}))
    counts: dict[str, int] = {}
    for _m, r in pairs:
        if r is not None:
            counts[r.grade] = counts.get(r.grade, 0) + 1
    context.update({"form": form, "meetings": meetings, "counts": counts, "reviewed": sum(counts.values())})
    return render(request, "orglife/reviews.html", context)


@login_required
@require_POST
def review_close(request, pk: int):
    scope = _scope(request)
    review = selectors.review_get(scope=scope, pk=pk)
    scope.require("orglife.edit")
    form = forms.ReviewCloseForm(request.POST)
    back = reverse("orglife:reviews") + "?" + urlencode({"org": review.org.code, "year": review.year})
    if form.is_valid():
        try:
            services.review_close(
                actor=request.user,
                review=review,
                closed_on=form.cleaned_data["closed_on"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for e in errors:
                    messages.error(request, _("%(n)s:%(e)s") % {"n": review.member.name, "e": e})
        else:
            forget_inbox(request.user)
            messages.success(request, _("%(n)s 的处置已办结") % {"n": review.member.name})
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, _("%(n)s:%(e)s") % {"n": review.member.name, "e": e})
    return redirect(back + f"#review-{review.pk}")


# -- 四议两公开 ----------------------------------------------------------------------------------------
@login_required
@require_GET
def decision_list(request):
    scope = _scope(request)
    under = _under(request, scope)
    status = request.GET.get("status", "")
    qs = selectors.decision_list(scope=scope, under=under, status=status)
    page = paginate(request, qs)
    return render(
        request,
        "orglife/decision_list.html",
        {
            "page_obj": page,
            "decisions": page.object_list,
            "under": under,
            "crumbs": selectors.breadcrumbs(scope=scope, org=under) if under is not None else [],
            "filter_form": DecisionFilterForm.for_query(request.GET),
            "can_create": scope.has("orglife.edit"),
            "step_total": len(VILLAGE_STEPS),
        },
    )


@login_required
@require_GET
def decision_detail(request, pk: int):
    scope = _scope(request)
    decision = selectors.decision_get(scope=scope, pk=pk)
    rule = engine.rule("CX-01", on=decision.started_on)
    return render(
        request,
        "orglife/decision_detail.html",
        {
            "decision": decision,
            "steps": [
                {**step, "short": str(step["label"]).split(":", 1)[-1]}
                for step in services.decision_steps(decision)
            ],
            "rule": rule,
            "rule_text": selectors.quorum_text(rule),
            "crumbs": _crumbs(scope, decision.org),
            "can_edit": scope.has("orglife.edit") and decision.status != VillageDecision.Status.DROPPED,
            "can_change": scope.has("orglife.edit"),
        },
    )


@login_required
@GET_POST
def decision_create(request):
    scope = _scope(request, "orglife.edit")
    code = request.GET.get("org", "").strip()
    org = selectors.org_get(scope=scope, code=code) if code else None
    if org is None:
        root = _root(request, scope)
        if root is not None and root.kind in services.BRANCH_LEVEL_KINDS:
            org = root
    if org is None:
        return _pick_org(
            request, scope, title=_("新建“四议两公开”事项:选择村党组织"), target="orglife:decision_create"
        )
    form = forms.DecisionForm(request.POST or None, initial={"started_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_create(
                actor=request.user,
                org=org,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                started_on=form.cleaned_data["started_on"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已新建事项“%(t)s”,请依次登记六个步骤") % {"t": decision.title})
            return redirect("orglife:decision_detail", pk=decision.pk)
    return render(
        request,
        "orglife/decision_form.html",
        {"form": form, "org": org, "decision": None, "crumbs": _crumbs(scope, org)},
    )


@login_required
@GET_POST
def decision_edit(request, pk: int):
    scope = _scope(request)
    decision = selectors.decision_get(scope=scope, pk=pk)
    scope.require("orglife.edit")
    initial = {
        "title": decision.title,
        "summary": decision.summary,
        "started_on": decision.started_on,
        "dropped": decision.status == VillageDecision.Status.DROPPED,
    }
    form = forms.DecisionForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_update(
                actor=request.user,
                decision=decision,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                started_on=form.cleaned_data["started_on"],
                dropped=form.cleaned_data["dropped"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存事项“%(t)s”") % {"t": form.cleaned_data["title"]})
            return redirect("orglife:decision_detail", pk=decision.pk)
    return render(
        request,
        "orglife/decision_form.html",
        {"form": form, "org": decision.org, "decision": decision, "crumbs": _crumbs(scope, decision.org)},
    )


# -- the 主题党日 checklist ------------------------------------------------------------------------------
@login_required
@GET_POST
def theme_items(request):
    scope = _scope(request, "orglife.configure")
    org = _under(request, scope)
    if org is None:
        return _pick_org(
            request,
            scope,
            title=_("主题党日清单:选择党组织"),
            target="orglife:theme_items",
            branch_only=False,
        )
    in_force = services.theme_items_for(org)
    own = bool(in_force) and in_force[0].org_id == org.pk
    source = None
    if in_force and in_force[0].org_id and not own:
        source = Org.objects.filter(pk=in_force[0].org_id).first()
    initial = [
        {"name": i.name, "code": i.code, "required": i.required, "order": n}
        for n, i in enumerate(in_force, start=1)
    ]
    formset = forms.ThemeItemFormSet(request.POST or None, initial=initial, prefix="items")
    if request.method == "POST":
        reset = request.POST.get("reset") == "1"
        if reset or formset.is_valid():
            items = [] if reset else forms.theme_items_from(formset)
            if not reset and not items:
                formset._non_form_errors = formset.error_class(
                    [_("清单至少要有一项;如要沿用上级清单,请点击“恢复使用上级清单”")]
                )
            else:
                try:
                    services.theme_items_set(actor=request.user, org=org, items=items)
                except ValidationError as exc:
                    formset._non_form_errors = formset.error_class(exc.messages)
                else:
                    if reset:
                        messages.success(request, _("%(o)s已恢复使用上级的主题党日清单") % {"o": org.name})
                    else:
                        messages.success(request, _("已保存%(o)s的主题党日清单") % {"o": org.name})
                    return redirect(reverse("orglife:theme_items") + "?" + urlencode({"org": org.code}))
    return render(
        request,
        "orglife/theme_items.html",
        {
            "org": org,
            "in_force": in_force,
            "own": own,
            "source": source,
            "formset": formset,
            "crumbs": selectors.breadcrumbs(scope=scope, org=org),
        },
    )


# -- inbox ------------------------------------------------------------------------------------------
@login_required
@require_GET
def inbox(request):
    scope = _scope(request)
    root = _root(request, scope)
    if root is None:
        raise Http404
    box = selectors.inbox(scope=scope, root=root, as_of=_today())
    groups = box.groups
    hidden = 0
    if not selectors.is_branch(root):
        # Above a branch the inbox is a list of branches that need attention now.
        urgent = [g for g in groups if g.urgent]
        hidden = len(urgent) - INBOX_GROUPS_SHOWN if len(urgent) > INBOX_GROUPS_SHOWN else 0
        groups = urgent[:INBOX_GROUPS_SHOWN]
    return render(
        request,
        "orglife/inbox.html",
        {
            "box": box,
            "groups": groups,
            "hidden": hidden,
            "calm": len(box.groups) - len(groups) - hidden,
            "root": root,
            "can_edit": scope.has("orglife.edit"),
            "today": box.as_of,
        },
    )
