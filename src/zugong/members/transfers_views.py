"""组织关系转接 pages: the list of a scope's letters, start a letter from a member's page, a letter's
detail with its actions, the printable 介绍信, a member coming in from outside, and the in-transit
slot of the member list. Reads go through members.transfers_selectors with the request's scope,
writes through members.transfers; out-of-scope letters are 404."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zugong.core import codes
from zugong.core.paths import in_subtree
from zugong.core.scope import Scope, scope_for
from zugong.core.views import apply_service_errors, paginate
from zugong.members import selectors as member_selectors
from zugong.members import transfers as services
from zugong.members import transfers_selectors as selectors
from zugong.members.forms import MemberForm
from zugong.members.models import Member, Transfer
from zugong.members.transfers_forms import ACTION_FORMS, TransferInForm, TransferStartForm
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.orgs.selectors import org_get
from zugong.rules import engine


def _scope(request, perm: str = "transfer.view") -> Scope:
    scope = scope_for(request.user)
    if scope.is_self_only:
        raise PermissionDenied
    scope.require(perm)
    return scope


def decorate(transfer: Transfer, scope: Scope, today: dt.date) -> Transfer:
    """What a row or the detail shows beside the stored fields: flags and this account's side."""
    t = transfer
    t.overdue = services.is_overdue(t, today)
    t.days_left = (t.valid_until - today).days if t.state == Transfer.State.PENDING else None
    t.days_over = -t.days_left if t.days_left is not None and t.days_left < 0 else 0
    t.needs_sender = services.needs_sender(t)
    t.to_province_label = codes.label("region", f"{t.to_province}0000") if t.to_province else ""
    t.is_sender = bool(t.from_path) and scope.contains(t.from_path)
    t.is_receiver = bool(t.to_path) and scope.contains(t.to_path)
    return t


def rule_notes(on: dt.date | None = None) -> dict[str, str]:
    """The rules the pages cite, with their articles and numbers from the packs."""
    gx02 = engine.rule("GX-02", on=on)
    gx03 = engine.rule("GX-03", on=on)
    return {
        "gx01": engine.rule("GX-01", on=on).cite,
        "gx02": _(
            "外出学习、工作、生活%(n)d个月以上并且地点相对固定的,应当转接组织关系;转出后至接收前原党组织仍负有管理责任;党组织不得无故拒转拒接(%(rule)s)"
        )
        % {"n": gx02.params["transfer_after_months"], "rule": gx02.cite},
        "gx03": _(
            "介绍信有效期一般不超过%(n)d个月,跨省转接不超过%(m)d个月;实行回执制度,存根保存%(y)d年(%(rule)s)"
        )
        % {
            "n": gx03.params["max_letter_months"],
            "m": gx03.params["max_letter_months_cross_province"],
            "y": gx03.params["stub_keep_years"],
            "rule": gx03.cite,
        },
        "gx02_cite": gx02.cite,
        "gx03_cite": gx03.cite,
    }


# -- list ----------------------------------------------------------------------------------------
@login_required
def transfer_list(request):
    scope = _scope(request)
    under = selectors.resolve_under(scope=scope, code=request.GET.get("org", "").strip())
    filters = selectors.TransferFilters.from_mapping(request.GET)
    today = dt.date.today()
    qs = selectors.transfer_list(scope=scope, under=under, filters=filters, today=today)
    page = paginate(request, qs)
    rows = [decorate(t, scope, today) for t in page.object_list]
    return render(
        request,
        "members/transfers/list.html",
        {
            "page_obj": page,
            "rows": rows,
            "under": under,
            "filters": filters,
            "tabs": selectors.TABS,
            "counts": selectors.tab_counts(scope=scope, under=under, today=today),
            "kinds": Transfer.Kind.choices,
            "can_edit": scope.has("transfer.edit"),
            "rules": rule_notes(),
            "section": "transfers",
        },
    )


@login_required
def transfer_slot(request):
    """The in-transit members of an org, loaded into the member list by htmx."""
    scope = _scope(request)
    org = selectors.resolve_under(scope=scope, code=request.GET.get("org", "").strip())
    if org is None:
        org = request.user.org if request.user.org_id else None
    rows: list[Transfer] = []
    if org is not None:
        today = dt.date.today()
        rows = [decorate(t, scope, today) for t in selectors.in_transit(scope=scope, org=org)]
        for t in rows:
            t.incoming = in_subtree(t.to_path, org.path)
    return render(request, "members/transfers/_slot.html", {"rows": rows, "org": org})


# -- detail and actions ----------------------------------------------------------------------------
def _detail_context(request, scope: Scope, transfer: Transfer, forms: dict | None = None) -> dict:
    today = dt.date.today()
    t = decorate(transfer, scope, today)
    pending = t.state == Transfer.State.PENDING
    editor = scope.has("transfer.edit")
    actions = {
        "receive": editor and pending and t.kind == Transfer.Kind.WITHIN and t.is_receiver,
        "return": editor
        and pending
        and (
            (t.kind == Transfer.Kind.WITHIN and t.is_receiver)
            or (t.kind == Transfer.Kind.OUT and t.is_sender)
        ),
        "cancel": editor and pending and t.kind != Transfer.Kind.IN and t.is_sender,
        "receipt": editor and pending and t.kind == Transfer.Kind.OUT and t.is_sender,
        "reissue": editor and pending and t.overdue and t.is_sender,
        "settle": editor and t.needs_sender and t.is_sender,
    }
    forms = forms or {}
    bound = {name: forms.get(name) or ACTION_FORMS[name]() for name, allowed in actions.items() if allowed}
    member = t.member
    return {
        "t": t,
        "member": member,
        "member_visible": scope.contains(member.org_path),
        "age": relativedelta(today, member.birth_date).years,
        "actions": bound,
        "validity": services.validity(
            issued_on=t.issued_on, cross_province=t.cross_province, org=t.from_org or t.to_org
        ),
        "stub_until": services.stub_keep_until(t),
        "reissued_as": Transfer.objects.filter(reissue_of=t).first(),
        "rules": rule_notes(t.issued_on),
        "section": "transfers",
    }


@login_required
def transfer_detail(request, pk: int):
    scope = _scope(request)
    transfer = selectors.transfer_get(scope=scope, pk=pk)
    return render(request, "members/transfers/detail.html", _detail_context(request, scope, transfer))


@login_required
@require_POST
def transfer_act(request, pk: int, action: str):
    if action not in ACTION_FORMS:
        raise PermissionDenied
    scope = _scope(request)
    transfer = selectors.transfer_get(scope=scope, pk=pk)
    scope.require("transfer.edit")
    form = ACTION_FORMS[action](request.POST)
    if form.is_valid():
        data = form.cleaned_data
        user = request.user
        try:
            if action == "receive":
                services.transfer_receive(
                    actor=user, transfer=transfer, on=data["received_on"], note=data["note"]
                )
                done = _("已接收,%(n)s的组织关系已转入本支部") % {"n": transfer.member.name}
            elif action == "return":
                services.transfer_return(
                    actor=user, transfer=transfer, reason=data["return_reason"], on=data["returned_on"]
                )
                done = _("已退回介绍信%(n)s") % {"n": transfer.letter_number}
            elif action == "cancel":
                services.transfer_cancel(actor=user, transfer=transfer, reason=data["reason"])
                done = _("已撤销介绍信%(n)s") % {"n": transfer.letter_number}
            elif action == "receipt":
                services.transfer_record_receipt(
                    actor=user,
                    transfer=transfer,
                    on=data["received_on"],
                    receipt_number=data["receipt_number"],
                    note=data["receipt_note"],
                )
                done = _("已登记回执,%(n)s的组织关系已转出本系统") % {"n": transfer.member.name}
            elif action == "reissue":
                new = services.transfer_reissue(
                    actor=user,
                    transfer=transfer,
                    issued_on=data["issued_on"],
                    letter_number=data["letter_number"],
                )
                messages.success(request, _("已重开介绍信,新编号%(n)s") % {"n": new.letter_number})
                return redirect("members:transfer_detail", pk=new.pk)
            else:
                services.transfer_settle(actor=user, transfer=transfer, note=data["note"])
                done = _("已记录退回处理结果")
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("members:transfer_detail", pk=transfer.pk)
    context = _detail_context(request, scope, transfer, forms={action: form})
    context["failed"] = action
    return render(request, "members/transfers/detail.html", context)


@login_required
def transfer_letter(request, pk: int):
    """The 组织关系介绍信 with its stub (存根) and receipt (回执), to print."""
    scope = _scope(request)
    transfer = selectors.transfer_get(scope=scope, pk=pk)
    context = _detail_context(request, scope, transfer)
    from zugong.dues.selectors import paid_through

    # 党费已交到: filled from the dues ledger when the member's dues are kept in zugong, else blank.
    context["dues_paid_through"] = paid_through(transfer.member)
    return render(request, "members/transfers/letter.html", context)


# -- start ---------------------------------------------------------------------------------------
@login_required
def transfer_start(request, pk: int):
    scope = _scope(request)
    scope.require("member.view")
    member = member_selectors.member_get(scope=scope, pk=pk)
    scope.require("transfer.edit")
    form = TransferStartForm(request.POST or None)
    open_one = selectors.open_transfer(member=member)
    matched = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            to_org = None
            if data["kind"] == Transfer.Kind.WITHIN:
                to_org = matched = services.find_receiving_org(data["to_org"])
            transfer = services.transfer_start(
                actor=request.user,
                member=member,
                kind=data["kind"],
                to_org=to_org,
                to_name=data["to_name"],
                to_province=data["to_province"],
                issued_on=data["issued_on"],
                valid_until=data["valid_until"],
                letter_number=data["letter_number"],
                reason=data["reason"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已开具组织关系介绍信%(n)s,有效期至%(d)s")
                % {"n": transfer.letter_number, "d": transfer.valid_until},
            )
            return redirect("members:transfer_detail", pk=transfer.pk)
    return render(
        request,
        "members/transfers/start.html",
        {
            "form": form,
            "member": member,
            "open_one": open_one,
            "matched": matched,
            "rules": rule_notes(),
            "home_province": services.province_of(member.org),
            "can_start": member.standing == Member.Standing.NORMAL and open_one is None,
            "section": "transfers",
        },
    )


@login_required
def transfer_org_lookup(request):
    """The one org whose code or full name was typed, for the start form to confirm (no list)."""
    _scope(request, "transfer.edit")
    text = request.GET.get("to_org", "").strip()
    org = parent = None
    error = ""
    if text:
        try:
            org = services.find_receiving_org(text)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            parent = Org.objects.filter(path=org.path[: -Org.steplen]).first() if org.depth > 1 else None
            if org.kind not in BRANCH_KINDS or not org.is_active:
                error = _("“%(o)s”不是可接收党员的有效党支部") % {"o": org.name}
    return render(
        request,
        "members/transfers/_lookup.html",
        {"org": org, "parent": parent, "error": error, "text": text},
    )


# -- in from outside -------------------------------------------------------------------------------
@login_required
def transfer_in(request):
    scope = _scope(request, "transfer.edit")
    code = request.GET.get("org", "").strip()
    org = org_get(scope=scope, code=code) if code else (request.user.org if request.user.org_id else None)
    if org is None or org.kind not in BRANCH_KINDS or not org.is_active:
        messages.info(request, _("请先在党员名册中选定接收党员的党支部,再从“从系统外转入”进入"))
        return redirect("members:transfer_list")
    scope.require_path(org.path)
    letter = TransferInForm(request.POST or None, prefix="letter")
    person = MemberForm(request.POST or None, org=org, prefix="member")
    if request.method == "POST" and letter.is_valid() and person.is_valid():
        try:
            transfer = services.transfer_in_from_outside(
                actor=request.user, to_org=org, **letter.service_fields(), **person.service_fields()
            )
        except ValidationError as exc:
            letter_errors = {k: v for k, v in exc.message_dict.items() if k in letter.fields}
            person_errors = {k: v for k, v in exc.message_dict.items() if k not in letter.fields}
            if letter_errors:
                apply_service_errors(letter, ValidationError(letter_errors))
            if person_errors:
                apply_service_errors(person, ValidationError(person_errors))
        else:
            messages.success(request, _("已登记%(n)s转入%(o)s") % {"n": transfer.member.name, "o": org.name})
            return redirect("members:transfer_detail", pk=transfer.pk)
    return render(
        request,
        "members/transfers/in.html",
        {"letter": letter, "form": person, "org": org, "rules": rule_notes(), "section": "transfers"},
    )
