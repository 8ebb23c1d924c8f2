"""The member page's 组织关系转接 section, as an inclusion tag so the page's view stays as it is."""

from __future__ import annotations

import datetime as dt

from django import template

from zugong.core.scope import scope_for
from zugong.members import transfers_selectors as selectors
from zugong.members.models import Member
from zugong.members.transfers_views import decorate

register = template.Library()


@register.inclusion_tag("members/transfers/_member_section.html", takes_context=True)
def member_transfer_section(context, member: Member) -> dict:
    request = context["request"]
    scope = scope_for(request.user)
    if scope.is_self_only or not scope.has("transfer.view"):
        return {"show": False}
    today = dt.date.today()
    rows = [decorate(t, scope, today) for t in selectors.member_transfers(member=member)]
    for t in rows:
        t.visible = t.is_sender or t.is_receiver
    open_one = any(t.state == "pending" for t in rows)
    return {
        "show": True,
        "member": member,
        "rows": rows,
        "can_start": scope.has("transfer.edit")
        and scope.contains(member.org_path)
        and member.standing == Member.Standing.NORMAL
        and not open_one,
    }
