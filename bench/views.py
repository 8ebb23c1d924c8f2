"""The floor: the least a Django page of this project can cost (whole middleware stack, one query)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.html import escape

from zugong.orgs.models import Org

FLOOR_MARK = "zugong-bench-floor"
# About 2 KB, like the constant page of the research floor (PERFORMANCE.md).
_FILLER = "<p>" + "组工综合管理平台" * 80 + "</p>"


def floor(request):
    name = Org.objects.filter(depth=1).order_by("path").values_list("name", flat=True).first() or ""
    return HttpResponse(f"<!doctype html><title>{FLOOR_MARK}</title><h1>{escape(name)}</h1>{_FILLER}")


@login_required
def floor_signed_in(request):
    """The floor for a signed-in account: the same query and page after the session and the account
    are loaded (two primary-key reads every page behind a login pays). The ceiling of any such page
    against the anonymous floor."""
    return floor(request)
