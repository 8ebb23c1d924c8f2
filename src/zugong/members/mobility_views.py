"""流动与失联 pages: the scope page (tabs 流动党员, 失联党员, 待办, 党籍变动) and the forms of every
action (start, edit, yearly report, return, reveal the phone; lost contact, search effort, found;
停止党籍, 恢复党籍, 出党, 死亡).

Thin: reads through members.mobility_selectors with the request's scope, writes through
members.mobility. Out of scope → 404 (NotInScope); in scope without `member.edit` → 403.
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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zugong.core.exceptions import NotInScope
from zugong.core.scope import Scope, scope_for
from zugong.core.views import apply_service_errors, paginate
from zugong.members import mobility as services
from zugong.members import mobility_forms as forms
from zugong.members import mobility_selectors as selectors
from zugong.members.models import LostContact, Member, Mobility, StandingChange
from zugong.members.selectors import member_get
from zugong.orgs.models import Org
from zugong.orgs.selectors import org_breadcrumbs, org_get, org_roots
from zugong.rules import engine

GET_POST = require_http_methods(["GET", "POST"])
TABS = ("mobile", "lost", "tasks", "history")
TASKS_PER_PAGE = 50


def _scope(request, perm: str = "member.view") -> Scope:
    scope = scope_for(request.user)
    if scope.is_self_only:
        raise PermissionDenied
    if not scope.has("member.view"):
        raise NotInScope
    if perm != "member.view":
        scope.require(perm)
    return scope


def _root(request, scope: Scope) -> Org:
    code = request.GET.get("org", "").strip()
    if code:
        return org_get(scope=scope, code=code)
    own = request.user.org if request.user.org_id else None
    if own is not None:
        return own
    roots = list(org_roots(scope=scope)[:2])
    if len(roots) != 1:
        raise Http404
    return roots[0]


def _as_of(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return timezone.localdate()


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _member_url(member: Member) -> str:
    return reverse("members:detail", args=[member.pk]) + "#mobility"


# -- the page ---------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def mobility_page(request):
    scope = _scope(request)
    root = _root(request, scope)
    tab = request.GET.get("tab", "tasks")
    if tab not in TABS:
        tab = "tasks"
    q = request.GET.get("q", "").strip()
    context: dict = {
        "root": root,
        "tab": tab,
        "q": q,
        "trail": org_breadcrumbs(scope=scope, org=root),
        "can_edit": scope.has("member.edit"),
        "rules": _rules(root),
    }
    if tab == "mobile":
        status = request.GET.get("status", "open")
        reason = request.GET.get("reason", "")
        qs = selectors.mobile_list(scope=scope, root=root, status=status, reason=reason, q=q)
        context.update(
            page=paginate(request, qs),
            status=status,
            reason=reason,
            reasons=Mobility.Reason.choices,
            this_year=timezone.localdate().year,
            export="mobility_members",
        )
    elif tab == "lost":
        status = request.GET.get("status", "open")
        abroad = request.GET.get("abroad", "")
        qs = selectors.lost_list(scope=scope, root=root, status=status, abroad=abroad, q=q)
        context.update(page=paginate(request, qs), status=status, abroad=abroad, export="mobility_lost")
    elif tab == "history":
        kind = request.GET.get("kind", "")
        try:
            year = int(request.GET.get("year", "")) or None
        except ValueError:
            year = None
        qs = selectors.standing_history(scope=scope, root=root, kind=kind, year=year, q=q)
        context.update(
            page=paginate(request, qs),
            kind=kind,
            year=year,
            kinds=StandingChange.Kind.choices,
            export="standing_changes",
        )
    else:
        as_of = _as_of(request)
        kind = request.GET.get("kind", "")
        status = request.GET.get("status", "")
        found = selectors.tasks(scope=scope, root=root, as_of=as_of, kind=kind, status=status)
        if q:
            found = [t for t in found if q in t.member.name]
        context.update(
            page=paginate(request, found, per_page=TASKS_PER_PAGE),
            as_of=as_of,
            kind=kind,
            status=status,
            task_kinds=list(selectors.TASK_KINDS.items()),
            task_statuses=list(selectors.STATUS_LABELS.items()),
            urgent=sum(1 for t in found if t.urgent),
            export="mobility_tasks",
        )
    context["export_query"] = (
        request.GET.urlencode() if "org" in request.GET else f"org={root.code}&" + request.GET.urlencode()
    )
    return render(request, "members/mobility/page.html", context)


def _rules(root: Org) -> dict:
    on = timezone.localdate()
    return {
        rid.replace("-", "").lower(): engine.rule(rid, on=on, org=root.path)
        for rid in ("GX-02", "GX-06", "GX-07", "GX-08")
    }


# -- forms ------------------------------------------------------------------------------------------------
def _form_page(
    request,
    *,
    form,
    member: Member,
    title: str,
    submit: str,
    back: str,
    intro: str = "",
    cite=None,
    extra=None,
    status: int = 200,
    danger: bool = False,
):
    context = {
        "breadcrumbs": org_breadcrumbs(scope=scope_for(request.user), org=member.org),
        "form": form,
        "member": member,
        "title": title,
        "submit": submit,
        "back": back,
        "intro": intro,
        "cite": cite,
        "danger": danger,
        "next": _next(request, ""),
        **(extra or {}),
    }
    return render(request, "members/mobility/form.html", context, status=status)


def _run(request, form, call, *, success: str, back: str):
    """Validate, call the service, redirect on success; the page again (400) with the errors."""
    if not form.is_valid():
        return None
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    messages.success(request, success)
    return redirect(_next(request, back))


@login_required
@GET_POST
def mobility_start(request, pk: int):
    scope = _scope(request, "member.edit")
    member = member_get(scope=scope, pk=pk)
    back = _member_url(member)
    form = forms.MobilityForm(request.POST or None, scope=scope, initial={"left_on": timezone.localdate()})
    if request.method == "POST":
        done = _run(
            request,
            form,
            lambda d: services.mobility_start(actor=request.user, member=member, **d),
            success=_("已登记为流动党员"),
            back=back,
        )
        if done:
            return done
    rule = engine.rule("GX-07", org=member.org_path)
    return _form_page(
        request,
        form=form,
        member=member,
        title=_("登记外出流动"),
        submit=_("登记"),
        back=back,
        intro=_(
            "党员外出前应向党组织报告外出事由、时间、地点和联系方式,并领取《流动党员活动证》;外出期间每年至少向流出地党组织汇报一次。"
        ),
        cite=rule,
        status=400 if request.method == "POST" else 200,
    )


MOBILITY_ACTIONS = ("edit", "report", "return")


@login_required
@GET_POST
def mobility_action(request, pk: int, action: str):
    if action not in MOBILITY_ACTIONS:
        raise Http404
    scope = _scope(request)
    mobility = selectors.mobility_get(scope=scope, pk=pk)
    scope.require("member.edit")
    member = mobility.member
    back = _member_url(member)
    post = request.POST if request.method == "POST" else None
    extra = {"mobility": mobility}
    if action == "edit":
        initial = {
            f: getattr(mobility, f) for f in forms.MobilityForm.base_fields if f not in ("phone", "host_org")
        }
        initial["host_org"] = mobility.host_org_id
        form = forms.MobilityForm(post, scope=scope, editing=True, initial=initial)

        def call(d):
            if not d.get("phone"):
                d.pop("phone", None)
            return services.mobility_update(actor=request.user, mobility=mobility, **d)

        title, submit, success, intro, cite = _("修改流动党员登记"), _("保存"), _("已保存"), "", None
    elif action == "report":
        form = forms.ReportForm(post, initial={"on": timezone.localdate(), "channel": "phone"})

        def call(d):
            return services.mobility_report(actor=request.user, mobility=mobility, **d)

        cite = engine.rule("GX-07", org=mobility.org_path)
        title, submit, success = _("登记流动党员汇报"), _("登记"), _("已登记汇报")
        intro = _("流动党员每年至少向流出地党组织汇报一次思想、工作情况。")
    else:
        if mobility.returned_on:
            raise Http404
        form = forms.ReturnForm(post, initial={"on": timezone.localdate()})

        def call(d):
            return services.mobility_return(actor=request.user, mobility=mobility, **d)

        title, submit, success, intro, cite = (
            _("登记返回"),
            _("登记返回"),
            _("已登记返回,不再是流动党员"),
            "",
            None,
        )
    if request.method == "POST":
        done = _run(request, form, call, success=success, back=back)
        if done:
            return done
    return _form_page(
        request,
        form=form,
        member=member,
        title=title,
        submit=submit,
        back=back,
        intro=intro,
        cite=cite,
        extra=extra,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def mobility_reveal(request, pk: int):
    scope = _scope(request)
    mobility = selectors.mobility_get(scope=scope, pk=pk)
    scope.require("member.reveal")
    value = services.mobility_reveal(actor=request.user, mobility=mobility)
    if request.htmx:
        return render(request, "members/_revealed.html", {"value": value, "field": "phone"})
    return render(request, "members/mobility/revealed.html", {"mobility": mobility, "value": value})


@login_required
@GET_POST
def lost_open(request, pk: int):
    scope = _scope(request, "member.edit")
    member = member_get(scope=scope, pk=pk)
    back = _member_url(member)
    form = forms.LostOpenForm(request.POST or None)
    if request.method == "POST":
        done = _run(
            request,
            form,
            lambda d: services.lost_contact_open(actor=request.user, member=member, **d),
            success=_("已登记失联,开始计时"),
            back=back,
        )
        if done:
            return done
    rule = engine.rule("GX-06", org=member.org_path)
    return _form_page(
        request,
        form=form,
        member=member,
        title=_("登记失联党员"),
        submit=_("登记"),
        back=back,
        intro=_(
            "与党组织失去联系%(m)d个月以上、通过各种方式查找仍没有取得联系的,停止其党籍;出国(境)学习研究超过%(y)d年仍未返回的,一般予以停止党籍。"
        )
        % {"m": rule.params["lost_contact_months"], "y": rule.params["abroad_suspend_years"]},
        cite=rule,
        status=400 if request.method == "POST" else 200,
    )


LOST_ACTIONS = ("note", "found")


@login_required
@GET_POST
def lost_action(request, pk: int, action: str):
    if action not in LOST_ACTIONS:
        raise Http404
    scope = _scope(request)
    lost = selectors.lost_get(scope=scope, pk=pk)
    scope.require("member.edit")
    if lost.closed_on:
        raise Http404
    member = lost.member
    back = _member_url(member)
    post = request.POST if request.method == "POST" else None
    if action == "note":
        form = forms.EffortForm(post, initial={"on": timezone.localdate()})

        def call(d):
            return services.lost_contact_note(actor=request.user, lost=lost, **d)

        title, submit, success = _("登记查找情况"), _("登记"), _("已登记查找情况")
    else:
        form = forms.FoundForm(post, initial={"on": timezone.localdate()})

        def call(d):
            return services.lost_contact_found(actor=request.user, lost=lost, **d)

        title, submit = _("登记已取得联系"), _("登记")
        success = (
            _("已登记取得联系。该党员仍为停止党籍,如符合条件请办理恢复党籍。")
            if member.standing == Member.Standing.STOPPED
            else _("已登记取得联系")
        )
    if request.method == "POST":
        done = _run(request, form, call, success=success, back=back)
        if done:
            return done
    return _form_page(
        request,
        form=form,
        member=member,
        title=title,
        submit=submit,
        back=back,
        cite=engine.rule("GX-06", org=member.org_path),
        extra={"lost": lost},
        status=400 if request.method == "POST" else 200,
    )


STANDING_FORMS = {
    "suspend": (forms.SuspendForm, services.member_suspend),
    "restore": (forms.RestoreForm, services.member_restore),
    "remove": (forms.RemoveForm, services.member_remove),
    "died": (forms.DiedForm, services.member_died),
}


@login_required
@GET_POST
def standing(request, pk: int, action: str):
    if action not in STANDING_FORMS:
        raise Http404
    scope = _scope(request, "member.edit")
    member = member_get(scope=scope, pk=pk)
    back = _member_url(member)
    form_class, service = STANDING_FORMS[action]
    initial = {"on": timezone.localdate()}
    if action == "remove" and request.GET.get("removal") in StandingChange.Removal.values:
        initial["removal"] = request.GET["removal"]
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        done = _run(
            request,
            form,
            lambda d: service(actor=request.user, member=member, **d),
            success=_("已登记:%(k)s") % {"k": StandingChange.Kind(action).label},
            back=back,
        )
        if done:
            return done
    lost = LostContact.objects.filter(member_id=member.pk, closed_on__isnull=True).first()
    intro, cite = _standing_intro(action, member, lost)
    titles = {
        "suspend": _("停止党籍"),
        "restore": _("恢复党籍"),
        "remove": _("出党(除名、劝退、开除、自行脱党除名)"),
        "died": _("登记党员去世"),
    }
    return _form_page(
        request,
        form=form,
        member=member,
        title=titles[action],
        submit=_("确认登记"),
        back=back,
        intro=intro,
        cite=cite,
        extra={"lost": lost, "action": action},
        danger=action in ("suspend", "remove"),
        status=400 if request.method == "POST" else 200,
    )


def _standing_intro(action: str, member: Member, lost: LostContact | None):
    today = timezone.localdate()
    if action == "suspend":
        if lost is None:
            rule = engine.rule("GX-06", org=member.org_path)
            return _(
                "停止党籍适用于失去联系或出国(境)学习研究逾期未归的党员。该党员没有失联登记,请先登记失联。"
            ), rule
        due, rule = services.suspend_due(lost, on=today)
        return _("计时自%(s)s起,%(d)s起可停止党籍。停止党籍由党支部提出意见,报上级党委批准。") % {
            "s": lost.since.isoformat(),
            "d": due.isoformat(),
        }, rule
    if action == "remove":
        rule = engine.rule("GX-06", org=member.org_path)
        return _(
            "开除党籍依纪律处分决定;除名、劝退由支部大会讨论决定并报上级党组织批准;停止党籍满期限后仍无法取得联系的,按自行脱党予以除名。"
        ), rule
    if action == "restore":
        return _("取得联系后,本人申请恢复党籍的,由党支部讨论,报上级党委批准后登记。"), engine.rule(
            "GX-06", org=member.org_path
        )
    return _("登记后该党员不再计入党员总数,其外出流动和失联登记一并结束。"), None
