"""The second sign-in step: enrol an authenticator (with backup codes) or enter a code."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zugong.accounts import otp


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
def otp_verify(request):
    if not otp.required_for(request.user):
        return redirect(_next(request))
    if otp.confirmed_device(request.user) is None:
        return redirect("otp_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.verify(request, form.cleaned_data["token"]):
            left = otp.backup_codes_left(request.user)
            if left <= 3:
                messages.warning(
                    request, _("备用验证码只剩%(n)d个,请在“我的账号安全”中重新生成") % {"n": left}
                )
            return redirect(_next(request))
        form.add_error(
            "token", _("验证码不正确或已过期,请重新输入手机验证器上显示的6位数字;连续输错后须稍等片刻再试")
        )
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next(request)})


@login_required
def otp_setup(request):
    if not otp.required_for(request.user):
        return redirect("home")
    if otp.confirmed_device(request.user) is not None:
        return redirect("otp_verify" if not request.user.is_verified() else "home")
    device = otp.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = otp.enrol_confirm(request, form.cleaned_data["token"])
        if codes is not None:
            return render(
                request, "registration/otp_backup_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error("token", _("验证码不正确,请确认手机时间准确后重新输入"))
    return render(
        request,
        "registration/otp_setup.html",
        {"form": form, "qr": otp.qr_svg(device), "secret": otp.secret_text(device), "next": _next(request)},
    )


@login_required
@require_POST
def otp_backup_renew(request):
    if otp.confirmed_device(request.user) is None or not request.user.is_verified():
        return redirect("otp_setup")
    codes = otp.backup_codes_renew(request)
    return render(request, "registration/otp_backup_codes.html", {"codes": codes, "next": "/"})


@login_required
def security(request):
    """My sign-in security: whether two-factor is on, backup codes left, renew them."""
    return render(
        request,
        "registration/security.html",
        {
            "required": otp.required_for(request.user),
            "device": otp.confirmed_device(request.user),
            "codes_left": otp.backup_codes_left(request.user),
        },
    )
