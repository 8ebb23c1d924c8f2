"""Account pages for account managers (account.manage): list, create, edit, password, tokens, unlock.

Reads go through accounts.selectors with the request's scope (an account outside it is 404),
writes through accounts.services, which check roles and scope again and write the audit entries.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zugong.accounts import otp, selectors, services
from zugong.accounts.forms import AccountCreateForm, AccountEditForm, AccountFilterForm, PasswordForm
from zugong.accounts.models import User
from zugong.core.exceptions import NotInScope
from zugong.core.scope import Scope, scope_for
from zugong.core.views import apply_service_errors, paginate
from zugong.orgs.models import Org
from zugong.orgs.selectors import org_get


def _manager_scope(request) -> Scope:
    scope = scope_for(request.user)
    scope.require("account.manage")
    return scope


def _locked_usernames(usernames) -> set[str]:
    """Which of these accounts django-axes currently locks out (one query)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


@login_required
def account_list(request):
    scope = _manager_scope(request)
    code = request.GET.get("org", "").strip()
    under = org_get(scope=scope, code=code) if code else None
    filter_form = AccountFilterForm(request.GET or None)
    qs = filter_form.apply(selectors.accounts_in_scope(scope=scope), under=under)
    page = paginate(request, qs)
    locked = _locked_usernames(a.username for a in page.object_list)
    for account in page.object_list:
        account.locked = account.username in locked
    return render(
        request,
        "accounts/list.html",
        {
            "page_obj": page,
            "accounts": page.object_list,
            "filter_form": filter_form,
            "under": under,
            "filtered": bool(code or any(request.GET.get(k) for k in ("q", "role", "active"))),
        },
    )


@login_required
def account_create(request):
    scope = _manager_scope(request)
    form = AccountCreateForm(request.POST or None, actor=request.user, scope=scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.account_create(
                actor=request.user,
                username=data["username"],
                role=data["role"],
                org=data["org"],
                member=data["member"],
                password=data["password"],
                display_name=data["display_name"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已创建账号“%(u)s”") % {"u": account.username})
            return redirect("accounts:edit", pk=account.pk)
    org = form["org"].value()
    return render(request, "accounts/form.html", {"form": form, "picked_org": _picked(scope, org)})


def _picked(scope: Scope, value) -> Org | None:
    """The org a picker shows after a failed submit (an invalid code shows nothing)."""
    if isinstance(value, Org) or not value:
        return value or None
    try:
        return org_get(scope=scope, code=str(value))
    except NotInScope:
        return None


def _edit_context(request, scope: Scope, account: User, **extra) -> dict:
    tokens = selectors.account_tokens(scope=scope, account=account)
    return {
        "account": account,
        "form": extra.pop("form", None) or AccountEditForm(actor=request.user, scope=scope, account=account),
        "password_form": extra.pop("password_form", None) or PasswordForm(),
        "tokens": tokens,
        "live_tokens": [t for t in tokens if t.revoked_at is None],
        "locked": bool(_locked_usernames([account.username])),
        "is_self": account.pk == request.user.pk,
        "otp_required": otp.required_for(account),
        "otp_device": otp.confirmed_device(account),
        **extra,
    }


@login_required
def account_edit(request, pk: int):
    scope = _manager_scope(request)
    account = selectors.account_get(scope=scope, pk=pk)
    form = AccountEditForm(request.POST or None, actor=request.user, scope=scope, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(actor=request.user, account=account, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存账号“%(u)s”") % {"u": account.username})
            return redirect("accounts:edit", pk=account.pk)
    context = _edit_context(request, scope, account, form=form)
    if request.method == "POST":
        context["picked_org"] = _picked(scope, form["org"].value())
    return render(request, "accounts/detail.html", context)


@login_required
@require_POST
def account_password(request, pk: int):
    scope = _manager_scope(request)
    account = selectors.account_get(scope=scope, pk=pk)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.account_set_password(
                actor=request.user, account=account, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已为账号“%(u)s”设置新密码") % {"u": account.username})
            return redirect("accounts:edit", pk=account.pk)
    return render(request, "accounts/detail.html", _edit_context(request, scope, account, password_form=form))


@never_cache
@login_required
@require_POST
def token_issue(request, pk: int):
    """Issues a token and shows it on this response only: it is never stored in clear."""
    scope = _manager_scope(request)
    account = selectors.account_get(scope=scope, pk=pk)
    try:
        key = services.token_issue(actor=request.user, account=account)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("accounts:edit", pk=account.pk)
    return render(request, "accounts/detail.html", _edit_context(request, scope, account, new_token=key))


@login_required
@require_POST
def token_revoke(request, pk: int, token_pk: int):
    scope = _manager_scope(request)
    account = selectors.account_get(scope=scope, pk=pk)
    token = get_object_or_404(selectors.account_tokens(scope=scope, account=account), pk=token_pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("已吊销令牌 %(p)s…") % {"p": token.prefix})
    return redirect("accounts:edit", pk=account.pk)


@transaction.atomic
@login_required
@require_POST
def account_unlock(request, pk: int):
    scope = _manager_scope(request)
    account = selectors.account_get(scope=scope, pk=pk)
    services.account_unlock(actor=request.user, account=account)
    messages.success(request, _("已解除账号“%(u)s”的登录锁定") % {"u": account.username})
    return redirect("accounts:edit", pk=account.pk)


@transaction.atomic
@login_required
@require_POST
def account_otp_reset(request, pk: int):
    scope = _manager_scope(request)
    account = selectors.account_get(scope=scope, pk=pk)
    services.account_otp_reset(actor=request.user, account=account)
    messages.success(
        request, _("已重置账号“%(u)s”的二次验证,该账号下次登录时需重新设置") % {"u": account.username}
    )
    return redirect("accounts:edit", pk=account.pk)
