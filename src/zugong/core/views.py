"""Shared view plumbing: the home redirect and turning service errors into form errors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect

from zugong.core.scope import scope_for

PAGE_SIZE = 50


@login_required
def home(request):
    scope = scope_for(request.user)
    if scope.is_self_only:
        return redirect("members:me")
    if scope.has("org.view"):
        return redirect("orgs:tree")
    return redirect("no_access")


def apply_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def paginate(request, qs, *, count: int | None = None, per_page: int = PAGE_SIZE):
    """A page of `qs`; `count` (a stored total) saves the COUNT query when known."""
    paginator = Paginator(qs, per_page)
    if count is not None:
        paginator.count = count  # cached_property: set the known exact total
    return paginator.get_page(request.GET.get("page"))
