"""The 双报到与志愿服务 section of a member's detail page (members/_detail_community.html)."""

from __future__ import annotations

from django import template

from zugong.members import community_selectors

register = template.Library()


@register.inclusion_tag("members/community/_section.html")
def community_section(member, scope):
    """Shown to accounts that may read 双报到 (the member is in their scope: the detail page checked)
    and to the member's own account."""
    visible = scope.is_self_only or scope.has("community.view")
    info = community_selectors.member_community(member=member) if visible else None
    return {"member": member, "info": info, "scope": scope}
