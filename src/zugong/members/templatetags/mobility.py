"""`{% mobility_status member as ms %}`: the member page's 流动/失联/党籍 section reads its data here,
so members/views.py stays as it is (the section is one include in detail.html)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from zugong.members.mobility_selectors import MemberStatus, member_status

register = template.Library()


@register.simple_tag(takes_context=True)
def mobility_status(context, member) -> MemberStatus | None:
    scope = context.get("scope")
    if scope is None or scope.is_self_only or not scope.has("member.view"):
        return None
    return member_status(scope=scope, member=member, as_of=timezone.localdate())
