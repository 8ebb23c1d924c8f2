"""Dues pages: a branch's monthly ledger with quick entry, a committee's roll-up, the arrears list,
a member's dues (bases, reliefs, months, payments) and its forms, and a member's own dues.

Thin: reads through dues.selectors with the request's scope, writes through dues.services. Out of
scope → 404 (NotInScope); in scope without `dues.edit` → 403. The month's rows are derived data:
opening a ledger (or the roll-up of a county-sized subtree) computes the missing ones first.
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
from zugong.dues import forms, rules, selectors, services
from zugong.members.models import Member
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.orgs.selectors import org_breadcrumbs, org_roots
from zugong.rules import engine

GET_POST = require_http_methods(["GET", "POST"])
# Roll-ups of subtrees up to this many members compute the month's missing rows on opening; a
# bigger tree relies on `zugong dues compute` (run monthly).
FILL_ON_VIEW_MAX = 50_000
MONTH_CHOICES = 24


def _scope(request, perm: str = "dues.view") -> Scope:
    scope = scope_for(request.user)
    if not scope.has("dues.view"):
        raise NotInScope if not scope.is_self_only else PermissionDenied
    if perm != "dues.view":
        scope.require(perm)
    return scope


def _month(request) -> dt.date:
    """?month=YYYY-MM, never after the current month; the current month by default."""
    current = rules.month_start(timezone.localdate())
    try:
        month = rules.parse_month(request.GET.get("month", ""))
    except ValueError:
        return current
    return min(month, current)


def _months(current: dt.date) -> list[dt.date]:
    return [rules.add_months(current, -i) for i in range(MONTH_CHOICES)]


def _root(request, scope: Scope) -> Org | None:
    own = request.user.org if request.user.org_id else None
    if own is not None:
        return own
    roots = list(org_roots(scope=scope)[:2])
    return roots[0] if len(roots) == 1 else None


def _org_url(org: Org, month: dt.date | None = None) -> str:
    name = "dues:ledger" if org.kind in BRANCH_KINDS else "dues:rollup"
    url = reverse(name, args=[org.code])
    return f"{url}?month={month:%Y-%m}" if month else url


# -- entry points ------------------------------------------------------------------------------------
@login_required
@require_GET
def index(request):
    scope = scope_for(request.user)
    if scope.is_self_only:
        return redirect("dues:me")
    scope = _scope(request)
    org = _root(request, scope)
    if org is None:
        raise Http404
    return redirect(_org_url(org))


@login_required
@require_GET
def me(request):
    scope = scope_for(request.user)
    if not scope.is_self_only:
        return redirect("dues:index")
    if not scope.member_id:
        raise Http404
    member = selectors.dues_member(scope=scope, pk=scope.member_id)
    info = selectors.member_dues(scope=scope, member=member)
    return render(request, "dues/member.html", _member_context(scope, info, is_self=True))


# -- the branch ledger -------------------------------------------------------------------------------
@login_required
@require_GET
def ledger(request, code: str):
    scope = _scope(request)
    org = selectors.dues_org(scope=scope, code=code)
    if org.kind not in BRANCH_KINDS:
        return redirect(_org_url(org, _month(request)))
    month = _month(request)
    services.dues_fill(org=org, month=month)
    return _render_ledger(request, scope, org, month)


def _render_ledger(request, scope: Scope, org: Org, month: dt.date, form=None, status: int = 200):
    led = selectors.ledger(scope=scope, org=org, month=month)
    can_edit = scope.has("dues.edit")
    unpaid = [
        r
        for r in led.rows
        if r.dues is not None and not r.dues.payment_id and not r.moved and r.dues.amount > 0
    ]
    if form is None and can_edit:
        today = timezone.localdate()
        default_day = today if rules.month_start(today) == month else month
        form = forms.QuickPayForm(
            choices=[(r.member.pk, r.member.name) for r in unpaid], default_day=default_day
        )
    thresholds = rules.arrears_rules(on=led.as_of, org=org.path)
    ctx = {
        "org": org,
        "month": month,
        "months": _months(rules.month_start(timezone.localdate())),
        "led": led,
        "unpaid": unpaid,
        "form": form,
        "can_edit": can_edit,
        "thresholds": thresholds,
        "breadcrumbs": org_breadcrumbs(scope=scope, org=org),
        "df08": engine.rule("DF-08", on=month, org=org.path),
        "export_query": f"org={org.code}&month={month:%Y-%m}",
        "month_param": f"{month:%Y-%m}",
    }
    return render(request, "dues/ledger.html", ctx, status=status)


@login_required
@require_POST
def ledger_pay(request, code: str):
    scope = _scope(request)
    org = selectors.dues_org(scope=scope, code=code)
    scope.require("dues.edit")
    if org.kind not in BRANCH_KINDS:
        raise Http404
    try:
        month = rules.parse_month(request.POST.get("month", ""))
    except ValueError as exc:
        raise Http404 from exc
    if month > rules.month_start(timezone.localdate()):
        raise Http404
    services.dues_fill(org=org, month=month)
    led = selectors.ledger(scope=scope, org=org, month=month)
    unpaid = [r for r in led.rows if r.dues is not None and not r.dues.payment_id and not r.moved]
    form = forms.QuickPayForm(
        request.POST, choices=[(r.member.pk, r.member.name) for r in unpaid], default_day=timezone.localdate()
    )
    if form.is_valid():
        chosen = set(form.cleaned_data["members"])
        members = [r.member for r in unpaid if r.member.pk in chosen]
        try:
            paid = services.dues_pay_month(
                actor=request.user,
                org=org,
                month=month,
                members=members,
                paid_on=form.cleaned_data["paid_on"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            total = sum((p.amount for p in paid), start=rules.FEN * 0)
            messages.success(
                request,
                _("已登记%(n)d人交纳%(m)s党费,合计%(t)s元")
                % {"n": len(paid), "m": f"{month:%Y年%m月}", "t": f"{total:.2f}"},
            )
            return redirect(_org_url(org, month))
    return _render_ledger(request, scope, org, month, form=form, status=422)


# -- the committee roll-up ---------------------------------------------------------------------------
@login_required
@require_GET
def rollup(request, code: str):
    scope = _scope(request)
    org = selectors.dues_org(scope=scope, code=code)
    month = _month(request)
    if org.kind in BRANCH_KINDS:
        return redirect(_org_url(org, month))
    if org.member_total <= FILL_ON_VIEW_MAX:
        services.dues_fill(org=org, month=month)
    rows, total = selectors.rollup(scope=scope, org=org, month=month)
    for row in rows:
        row.url = _org_url(row.org, month)  # type: ignore[attr-defined]
    ctx = {
        "org": org,
        "month": month,
        "months": _months(rules.month_start(timezone.localdate())),
        "rows": rows,
        "total": total,
        "breadcrumbs": org_breadcrumbs(scope=scope, org=org),
        "export_query": f"org={org.code}&month={month:%Y-%m}",
        "df07": engine.rule("DF-07", on=month),
        "filled": org.member_total <= FILL_ON_VIEW_MAX,
    }
    return render(request, "dues/rollup.html", ctx)


# -- arrears -----------------------------------------------------------------------------------------
@login_required
@require_GET
def arrears(request):
    scope = _scope(request)
    code = request.GET.get("org", "").strip()
    under = selectors.dues_org(scope=scope, code=code) if code else _root(request, scope)
    if under is not None and not scope.contains(under.path):
        under = None
    today = timezone.localdate()
    try:
        as_of = dt.date.fromisoformat(request.GET.get("as_of", "").strip())
    except ValueError:
        as_of = today
    only = request.GET.get("status", "")
    rows = selectors.arrears(scope=scope, under=under, as_of=as_of, include_warned=only != "flagged")
    if only == "warned":
        rows = [r for r in rows if r.status == "warned"]
    thresholds = rules.arrears_rules(on=as_of, org=under.path if under else None)
    query = "&".join(
        p
        for p in (
            f"org={under.code}" if under else "",
            f"as_of={as_of:%Y-%m-%d}",
            f"status={only}" if only else "",
        )
        if p
    )
    ctx = {
        "rows": rows,
        "under": under,
        "as_of": as_of,
        "status": only,
        "thresholds": thresholds,
        "last_month": selectors.last_ended_month(as_of),
        "flagged": sum(1 for r in rows if r.status == "flagged"),
        "warned": sum(1 for r in rows if r.status == "warned"),
        "export_query": query,
        "breadcrumbs": org_breadcrumbs(scope=scope, org=under) if under else [],
    }
    return render(request, "dues/arrears.html", ctx)


# -- one member --------------------------------------------------------------------------------------
def _member_context(scope: Scope, info: selectors.MemberDues, *, is_self: bool = False) -> dict:
    member = info.member
    thresholds = rules.arrears_rules(on=timezone.localdate(), org=member.org_path)
    return {
        "info": info,
        "member": member,
        "is_self": is_self,
        "can_edit": not is_self and scope.has("dues.edit"),
        "thresholds": thresholds,
        "arrears_status": thresholds.status(info.arrears),
        "breadcrumbs": [] if is_self else [*org_breadcrumbs(scope=scope, org=member.org), member.org],
        "quote": _safe_quote(info.current, member),
    }


def _safe_quote(base, member: Member):
    if base is None:
        return None
    try:
        return rules.quote(
            category=base.category, base=base.base, fixed_amount=base.fixed_amount, org=member.org_path
        )
    except ValidationError:
        return None


@login_required
@require_GET
def member_detail(request, pk: int):
    scope = scope_for(request.user)
    if scope.is_self_only:
        if scope.member_id != pk:
            raise Http404
        return redirect("dues:me")
    scope = _scope(request)
    member = selectors.dues_member(scope=scope, pk=pk)
    info = selectors.member_dues(scope=scope, member=member)
    return render(request, "dues/member.html", _member_context(scope, info))


def _member_for_edit(request, pk: int) -> tuple[Scope, Member]:
    scope = scope_for(request.user)
    if scope.is_self_only:
        raise Http404 if scope.member_id != pk else PermissionDenied
    scope = _scope(request)
    member = selectors.dues_member(scope=scope, pk=pk)
    scope.require("dues.edit")
    return scope, member


@login_required
@GET_POST
def base_edit(request, pk: int):
    scope, member = _member_for_edit(request, pk)
    current = selectors.member_dues(scope=scope, member=member).current
    initial = {"effective_from": rules.month_start(timezone.localdate())}
    if current is not None:
        initial.update(
            {"category": current.category, "base": current.base, "fixed_amount": current.fixed_amount}
        )
    form = forms.BaseForm(request.POST or None, initial=initial)
    form.set_quote_url(reverse("dues:quote") + f"?member={member.pk}")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dues_base_set(
                actor=request.user,
                member=member,
                category=data["category"],
                base=data.get("base"),
                fixed_amount=data.get("fixed_amount"),
                effective_from=data["effective_from"],
                note=data.get("note") or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记%(n)s的党费基数") % {"n": member.name})
            return redirect("dues:member", pk=member.pk)
    quote_ctx = _quote_context(form.data if form.is_bound else initial, member)
    return render(
        request,
        "dues/base_form.html",
        {
            "form": form,
            "member": member,
            "current": current,
            "breadcrumbs": [*org_breadcrumbs(scope=scope, org=member.org), member.org],
            **quote_ctx,
        },
    )


def _quote_context(data, member: Member | None) -> dict:
    form = forms.QuoteForm(data)
    if not form.is_valid():
        return {"quote": None, "quote_error": ""}
    d = form.cleaned_data
    try:
        q = rules.quote(
            category=d["category"],
            base=d.get("base") if rules.needs_base(d["category"]) else None,
            fixed_amount=d.get("fixed_amount"),
            on=d.get("effective_from") or None,
            org=member.org_path if member else None,
        )
    except ValidationError as exc:
        return {"quote": None, "quote_error": ";".join(m for ms in exc.message_dict.values() for m in ms)}
    base_rule = rules.BASE_RULES.get(d["category"])
    return {
        "quote": q,
        "quote_error": "",
        "base_rule": engine.rule(base_rule, on=d.get("effective_from") or None) if base_rule else None,
    }


@login_required
@require_GET
def quote(request):
    """The live amount of the base form (htmx fragment)."""
    scope = _scope(request)
    member = None
    if request.GET.get("member", "").isdigit():
        member = selectors.dues_member(scope=scope, pk=int(request.GET["member"]))
    return render(request, "dues/_quote.html", _quote_context(request.GET, member))


@login_required
@GET_POST
def payment_new(request, pk: int):
    scope, member = _member_for_edit(request, pk)
    payers = Member.objects.filter(org_id=member.org_id, standing=Member.Standing.NORMAL).exclude(
        pk=member.pk
    )
    payers = payers.order_by("name")
    form = forms.PaymentForm(request.POST or None, member=member, payers=payers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            payment = services.dues_payment_record(
                actor=request.user,
                member=member,
                paid_on=d["paid_on"],
                method=d["method"],
                first_month=d.get("first_month"),
                last_month=d.get("last_month") or d.get("first_month"),
                paid_by=d.get("paid_by"),
                voluntary_amount=d.get("voluntary_amount") or rules.FEN * 0,
                amount=d.get("amount"),
                back_approved_by=d.get("back_approved_by") or "",
                note=d.get("note") or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            text = _("已登记%(n)s交纳%(a)s元(%(k)s)") % {
                "n": member.name,
                "a": f"{payment.amount:.2f}",
                "k": payment.get_kind_display(),
            }
            if payment.to_centre:
                rule = engine.rule("DF-07", on=payment.paid_on)
                text += _(";自愿多交%(v)s元,全部上缴中央(%(cite)s)") % {
                    "v": f"{payment.voluntary_amount:.2f}",
                    "cite": rule.cite,
                }
            messages.success(request, text)
            return redirect("dues:member", pk=member.pk)
    info = selectors.member_dues(scope=scope, member=member, months=12)
    return render(
        request,
        "dues/payment_form.html",
        {
            "form": form,
            "member": member,
            "info": info,
            "breadcrumbs": [*org_breadcrumbs(scope=scope, org=member.org), member.org],
            "df07": engine.rule("DF-07"),
            "df08": engine.rule("DF-08", org=member.org_path),
            "df09": engine.rule("DF-09"),
            "df12": engine.rule("DF-12"),
        },
    )


@login_required
@GET_POST
def relief_new(request, pk: int):
    scope, member = _member_for_edit(request, pk)
    ancestors = [member.org_path[:i] for i in range(Org.steplen, len(member.org_path), Org.steplen)]
    approvers = Org.objects.filter(path__in=ancestors).order_by("-path")
    form = forms.ReliefForm(request.POST or None, approvers=approvers)
    if not form.is_bound:
        form.initial.update({"start_month": rules.month_start(timezone.localdate()), "kind": "exempt"})
        first = approvers.first()
        if first is not None:
            form.initial["approving_org"] = first.pk
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.dues_relief_create(actor=request.user, member=member, **d)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已登记%(n)s的%(k)s")
                % {"n": member.name, "k": dict(form.fields["kind"].choices)[d["kind"]]},
            )
            return redirect("dues:member", pk=member.pk)
    return render(
        request,
        "dues/relief_form.html",
        {
            "form": form,
            "member": member,
            "breadcrumbs": [*org_breadcrumbs(scope=scope, org=member.org), member.org],
            "df10": engine.rule("DF-10"),
        },
    )


@login_required
@GET_POST
def payment_void(request, pk: int):
    scope = scope_for(request.user)
    if scope.is_self_only:
        raise Http404
    scope = _scope(request)
    payment = selectors.payments_in_scope(scope=scope).select_related("member").filter(pk=pk).first()
    if payment is None:
        raise Http404
    scope.require("dues.edit")
    form = forms.VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dues_payment_void(
                actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已撤销该交纳记录,所交月份恢复为未交"))
            return redirect("dues:member", pk=payment.member_id)
    return render(
        request,
        "dues/void_form.html",
        {
            "form": form,
            "payment": payment,
            "member": payment.member,
            "breadcrumbs": [*org_breadcrumbs(scope=scope, org=payment.member.org), payment.member.org],
        },
    )
