"""双报到 and 志愿服务 pages: a community's page (reported members, activities, batch hours,
evaluations), an employer's or committee's page (report status, 未报到, hours per member / community /
child org, the yearly summary), and the member's own 我的志愿服务.

Thin: reads through community_selectors with the request's scope, writes through members.community.
Out of scope → 404; in scope without `community.edit` → 403.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zugong.core.exceptions import NotInScope
from zugong.core.scope import Scope, scope_for
from zugong.core.views import apply_service_errors
from zugong.members import community
from zugong.members import community_forms as forms
from zugong.members import community_selectors as selectors
from zugong.members.models import CommunityReport, Member
from zugong.orgs.models import Org
from zugong.orgs.selectors import org_roots

GET_POST = require_http_methods(["GET", "POST"])
YEARS_BACK = 5


def _scope(request, perm: str = "community.view") -> Scope:
    scope = scope_for(request.user)
    if not scope.has("community.view"):
        if scope.is_self_only:
            raise PermissionDenied
        raise NotInScope
    if perm != "community.view":
        scope.require(perm)
    return scope


def _year(request) -> int:
    this = timezone.localdate().year
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return this
    return year if this - 30 <= year <= this else this


def _years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, this - YEARS_BACK, -1))


def _org_url(org: Org) -> str:
    name = "members:community_org" if community.is_community(org) else "members:community_employer"
    return reverse(name, args=[org.code])


@login_required
@require_GET
def index(request):
    scope = scope_for(request.user)
    if scope.is_self_only:
        return redirect("members:community_me")
    scope = _scope(request)
    own = request.user.org if request.user.org_id else None
    if own is None:
        roots = list(org_roots(scope=scope)[:2])
        own = roots[0] if len(roots) == 1 else None
    if own is None:
        raise Http404
    return redirect(_org_url(own))


@login_required
@require_GET
def me(request):
    scope = scope_for(request.user)
    if not scope.is_self_only:
        return redirect("members:community_index")
    if not scope.member_id:
        raise Http404
    member = Member.objects.select_related("org").get(pk=scope.member_id)
    info = selectors.member_community(member=member)
    return render(request, "members/community/me.html", {"member": member, "info": info})


# -- a community ------------------------------------------------------------------------------------
@login_required
@require_GET
def community_page(request, code: str):
    scope = _scope(request)
    org = selectors.community_get(scope=scope, code=code)
    tab = request.GET.get("tab", "reports")
    year = _year(request)
    ctx: dict = {
        "org": org,
        "tab": tab,
        "year": year,
        "years": _years(),
        "can_edit": scope.has("community.edit"),
    }
    if tab == "activities":
        ctx["activities"] = list(selectors.activities(scope=scope, org=org, year=year))
        ctx["export"] = "community_activities"
    else:
        status = request.GET.get("status", "active")
        if status not in ("active", "ended", "unevaluated"):
            status = "active"
        rows, period = selectors.community_reports(scope=scope, org=org, status=status)
        ctx.update(rows=rows, period=period, status=status, export="community_reports")
        ctx["rule"] = community.rule(org=org)
    ctx["export_query"] = f"org={org.code}&year={year}&tab={tab}&status={request.GET.get('status', '')}"
    return render(request, "members/community/community.html", ctx)


@login_required
@GET_POST
def report_new(request, code: str):
    scope = _scope(request, "community.edit")
    org = selectors.community_get(scope=scope, code=code)
    form = forms.ReportForm(request.POST or None, initial={"reported_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = community.member_by_id_number(id_number=data["id_number"], name=data["name"])
            community.report_register(
                actor=request.user,
                member=member,
                community=org,
                reported_on=data["reported_on"],
                residence=data["residence"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(n)s已登记报到") % {"n": member.name})
            return redirect("members:community_org", code=org.code)
    return render(
        request,
        "members/community/form.html",
        {
            "org": org,
            "form": form,
            "title": _("登记在职党员报到"),
            "back": reverse("members:community_org", args=[org.code]),
        },
        status=400 if form.errors else 200,
    )


@login_required
@GET_POST
def report_end(request, pk: int):
    scope = _scope(request)
    report = selectors.report_get(scope=scope, pk=pk)
    scope.require("community.edit")
    if report.status != CommunityReport.Status.ACTIVE:
        raise Http404
    form = forms.EndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    back = _back(scope, report)
    if request.method == "POST" and form.is_valid():
        try:
            community.report_end(
                actor=request.user,
                report=report,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已结束%(n)s的报到") % {"n": report.member.name})
            return redirect(back)
    return render(
        request,
        "members/community/form.html",
        {
            "org": report.community,
            "form": form,
            "title": _("结束报到:%(n)s") % {"n": report.member.name},
            "lead": _("%(n)s自%(d)s起向%(c)s报到。")
            % {
                "n": report.member.name,
                "d": report.reported_on.isoformat(),
                "c": report.community.name,
            },
            "back": back,
        },
        status=400 if form.errors else 200,
    )


def _back(scope: Scope, report: CommunityReport) -> str:
    if scope.contains(report.community_path):
        return reverse("members:community_org", args=[report.community.code])
    return reverse("members:community_employer", args=[report.member.org.code])


@login_required
@GET_POST
def evaluate(request, pk: int):
    scope = _scope(request)
    report = selectors.report_get(scope=scope, pk=pk)
    if not scope.contains(report.community_path):
        raise NotInScope  # the member's own branch reads the evaluation; only the community makes it
    scope.require("community.edit")
    today = timezone.localdate()
    period = community.evaluation_period(on=today, org=report.community)
    form = forms.EvaluationForm(request.POST or None, initial={"evaluated_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            community.evaluation_record(
                actor=request.user,
                report=report,
                grade=form.cleaned_data["grade"],
                evaluated_on=form.cleaned_data["evaluated_on"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记%(n)s的评议") % {"n": report.member.name})
            return redirect(
                reverse("members:community_org", args=[report.community.code]) + "?status=unevaluated"
            )
    info = selectors.member_community(member=report.member, on=today)
    hours_here = sum(
        (r.hours for r in info.records if r.activity.community_id == report.community_id and r.confirmed_on),
        selectors.ZERO,
    )
    return render(
        request,
        "members/community/evaluate.html",
        {
            "org": report.community,
            "report": report,
            "form": form,
            "period": period,
            "rule": community.rule(on=today, org=report.community),
            "hours_here": hours_here,
            "records_here": [r for r in info.records if r.activity.community_id == report.community_id][:10],
        },
        status=400 if form.errors else 200,
    )


# -- activities and hours --------------------------------------------------------------------------
def _activity_form_values(form) -> dict:
    data = dict(form.cleaned_data)
    return data


@login_required
@GET_POST
def activity_new(request, code: str):
    scope = _scope(request, "community.edit")
    org = selectors.community_get(scope=scope, code=code)
    form = forms.ActivityForm(request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            activity = community.activity_create(
                actor=request.user, community=org, **_activity_form_values(form)
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已新建活动“%(t)s”") % {"t": activity.title})
            return redirect("members:community_activity", pk=activity.pk)
    return render(
        request,
        "members/community/form.html",
        {
            "org": org,
            "form": form,
            "title": _("新建志愿服务活动"),
            "back": reverse("members:community_org", args=[org.code]) + "?tab=activities",
        },
        status=400 if form.errors else 200,
    )


@login_required
@GET_POST
def activity_edit(request, pk: int):
    scope = _scope(request)
    activity = selectors.activity_get(scope=scope, pk=pk)
    scope.require("community.edit")
    initial = {
        name: getattr(activity, name)
        for name in ("title", "kind", "started_on", "ended_on", "place", "organizer", "description")
    }
    form = forms.ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            community.activity_update(actor=request.user, activity=activity, **_activity_form_values(form))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("members:community_activity", pk=activity.pk)
    return render(
        request,
        "members/community/form.html",
        {
            "org": activity.community,
            "form": form,
            "title": _("修改活动:%(t)s") % {"t": activity.title},
            "back": reverse("members:community_activity", args=[activity.pk]),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def activity_detail(request, pk: int):
    scope = _scope(request)
    activity = selectors.activity_get(scope=scope, pk=pk)
    records = selectors.activity_records(activity)
    confirmed = [r for r in records if r.confirmed_on]
    return render(
        request,
        "members/community/activity.html",
        {
            "org": activity.community,
            "activity": activity,
            "records": records,
            "hours": sum((r.hours for r in confirmed), selectors.ZERO),
            "pending": len(records) - len(confirmed),
            "can_edit": scope.has("community.edit"),
            "remove_form": forms.RemoveForm(),
        },
    )


@login_required
@GET_POST
def hours(request, pk: int):
    """Batch entry of one activity's hours: every reporting (and own) member on one phone-friendly
    list, a number box each; an empty box is skipped, one bad box refuses the whole batch."""
    scope = _scope(request)
    activity = selectors.activity_get(scope=scope, pk=pk)
    scope.require("community.edit")
    candidates = selectors.hour_candidates(activity=activity)
    done = set(activity.records.values_list("member_id", flat=True))
    errors: list[str] = []
    typed: dict[int, str] = {}
    served_on = activity.started_on
    if request.method == "POST":
        by_id = {m.pk: m for m, _where, _reporting in candidates}
        entries = []
        for key, value in request.POST.items():
            if not key.startswith("h_") or not value.strip():
                continue
            try:
                member = by_id[int(key[2:])]
            except (KeyError, ValueError):
                raise Http404 from None
            typed[member.pk] = value
            entries.append(community.HoursEntry(member=member, hours=value))
        try:
            served_on = (
                dt.date.fromisoformat(request.POST.get("served_on", ""))
                if request.POST.get("served_on")
                else activity.started_on
            )
        except ValueError:
            errors.append(_("服务日期格式应为 YYYY-MM-DD"))
        if not errors:
            try:
                rows = community.volunteer_record_add(
                    actor=request.user,
                    activity=activity,
                    entries=entries,
                    served_on=served_on,
                    confirm=request.POST.get("confirm") == "1",
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("已登记%(n)d名党员的服务时长") % {"n": len(rows)})
                return redirect("members:community_activity", pk=activity.pk)
    return render(
        request,
        "members/community/hours.html",
        {
            "org": activity.community,
            "activity": activity,
            "reporting": [
                (m, where, m.pk in done, typed.get(m.pk, "")) for m, where, rep in candidates if rep
            ],
            "own": [(m, where, m.pk in done, typed.get(m.pk, "")) for m, where, rep in candidates if not rep],
            "own_typed": any(typed.get(m.pk) for m, _where, rep in candidates if not rep),
            "errors": errors,
            "served_on": served_on,
            "confirm": request.method != "POST" or request.POST.get("confirm") == "1",
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def confirm(request, pk: int):
    scope = _scope(request)
    activity = selectors.activity_get(scope=scope, pk=pk)
    scope.require("community.edit")
    try:
        n = community.volunteer_record_confirm(actor=request.user, activity=activity)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已确认%(n)d条服务记录") % {"n": n})
    return redirect("members:community_activity", pk=activity.pk)


@login_required
@require_POST
def record_remove(request, pk: int):
    scope = _scope(request)
    record = selectors.record_get(scope=scope, pk=pk)
    scope.require("community.edit")
    form = forms.RemoveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        community.volunteer_record_remove(actor=request.user, record=record, reason=reason)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已删除%(n)s的服务记录") % {"n": record.member.name})
    return redirect("members:community_activity", pk=record.activity_id)


# -- the employer / committee side ------------------------------------------------------------------
EMPLOYER_TABS = {
    "summary": ("community_hours_employer", _("年度汇总")),
    "reports": ("community_employer_reports", _("报到情况")),
    "unreported": ("community_unreported", _("未报到")),
    "members": ("community_hours_member", _("党员服务时长")),
    "communities": ("community_hours_community", _("按社区")),
}


@login_required
@require_GET
def employer(request, code: str):
    scope = _scope(request)
    org = selectors.org_get(scope=scope, code=code)
    tab = request.GET.get("tab", "summary")
    if tab not in EMPLOYER_TABS:
        tab = "summary"
    year = _year(request)
    ctx: dict = {
        "org": org,
        "tab": tab,
        "tabs": [(k, v[1]) for k, v in EMPLOYER_TABS.items()],
        "year": year,
        "years": _years(),
        "export": EMPLOYER_TABS[tab][0],
        "export_query": f"org={org.code}&year={year}",
        "is_community": community.is_community(org),
        "can_edit": scope.has("community.edit"),
    }
    if tab == "summary":
        ctx["summary"] = s = selectors.summary(scope=scope, under=org, year=year)
        ctx["rows"], ctx["total"] = s.rows, s.total
    elif tab == "reports":
        ctx["reports"] = list(selectors.employer_reports(scope=scope, under=org)[:500])
    elif tab == "unreported":
        qs = selectors.unreported(scope=scope, under=org)
        ctx["members"] = list(qs[:500])
        ctx["count"] = qs.count() if len(ctx["members"]) == 500 else len(ctx["members"])
        ctx["rule"] = community.rule(org=org)
    elif tab == "members":
        ctx["rows"] = selectors.hours_by_member(scope=scope, under=org, year=year)
    else:
        ctx["rows"] = selectors.hours_by_community(scope=scope, under=org, year=year)
    return render(request, "members/community/employer.html", ctx)
