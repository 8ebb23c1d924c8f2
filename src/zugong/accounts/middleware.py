from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from zugong.accounts import otp


class RequireOTPMiddleware:
    """Operators (see accounts.otp.required_for) reach no page until this session has verified a
    second factor: without an authenticator they are sent to enrol, otherwise to enter a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and otp.required_for(user) and not user.is_verified():
            allowed = (
                reverse("otp_verify"),
                reverse("otp_setup"),
                reverse("logout"),
                settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL,
            )
            if not request.path.startswith(allowed):
                target = "otp_verify" if otp.confirmed_device(user) else "otp_setup"
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)
