"""The one gate: what an account may see and change is its role × the subtree of its org.

Every list, detail, export, import, search, statistic and API call goes through `scope_for(user)`.
Objects outside the subtree are not found (404), so their existence does not leak; an in-scope
object the role may only read answers 403 on a write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from zugong.core.paths import in_subtree, subtree_q

if TYPE_CHECKING:
    from zugong.accounts.models import User


class Role:
    DEPT_ADMIN = "dept_admin"
    COMMITTEE_ORGANIZER = "committee_organizer"
    BRANCH_SECRETARY = "branch_secretary"
    CADRE_OFFICE = "cadre_office"
    TALENT_OFFICE = "talent_office"
    LEADER = "leader"
    MEMBER = "member"


_READ = {
    "org.view",
    "member.view",
    "unit.view",
    "stats.view",
    "orglife.view",
    "rules.view",
    "recruitment.view",
    "dues.view",
    "community.view",
    "transfer.view",
}
# 发展党员: branches keep the files; committees also set the yearly plans.
RECRUITMENT_BRANCH = {"recruitment.edit", "recruitment.reveal"}
RECRUITMENT_COMMITTEE = {*RECRUITMENT_BRANCH, "recruitment.plan"}
ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.DEPT_ADMIN: frozenset(
        _READ
        | {
            "org.edit",
            "org.structure",
            "member.edit",
            "member.reveal",
            "unit.edit",
            "account.manage",
            "audit.view",
            "orglife.edit",
            "orglife.configure",
            "rules.edit",
            "calendar.edit",
            "dues.edit",
            "community.edit",
            "transfer.edit",
            *RECRUITMENT_COMMITTEE,
        }
    ),
    Role.COMMITTEE_ORGANIZER: frozenset(
        _READ
        | {
            "org.edit",
            "org.structure",
            "member.edit",
            "member.reveal",
            "unit.edit",
            "orglife.edit",
            "orglife.configure",
            "rules.edit",
            "dues.edit",
            "community.edit",
            "transfer.edit",
            *RECRUITMENT_COMMITTEE,
        }
    ),
    Role.BRANCH_SECRETARY: frozenset(
        _READ
        | {
            "org.edit",
            "member.edit",
            "member.reveal",
            "orglife.edit",
            "dues.edit",
            "community.edit",
            "transfer.edit",
            *RECRUITMENT_BRANCH,
        }
    ),
    Role.CADRE_OFFICE: frozenset(_READ),
    Role.TALENT_OFFICE: frozenset({"org.view", "unit.view", "stats.view", "rules.view"}),
    Role.LEADER: frozenset(_READ),
    Role.MEMBER: frozenset({"self.view", "self.reveal"}),
}

# Which roles an account manager may hand out: never more than its own.
ASSIGNABLE_ROLES = {
    Role.DEPT_ADMIN: [
        Role.DEPT_ADMIN,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.CADRE_OFFICE,
        Role.TALENT_OFFICE,
        Role.LEADER,
        Role.MEMBER,
    ],
}


@dataclass(frozen=True)
class Scope:
    role: str
    root_path: str | None  # None: bound to nothing, sees nothing
    member_id: int | None = None
    perms: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None

    # -- questions -------------------------------------------------------------------------------
    def has(self, perm: str) -> bool:
        return perm in self.perms

    @property
    def is_self_only(self) -> bool:
        return self.role == Role.MEMBER

    @property
    def read_only(self) -> bool:
        return not any(p.endswith((".edit", ".structure", ".manage")) for p in self.perms)

    def contains(self, path: str | None) -> bool:
        return self.root_path is not None and in_subtree(path, self.root_path)

    # -- filters ---------------------------------------------------------------------------------
    def path_q(self, field: str) -> Q:
        if self.root_path is None:
            return Q(pk__in=[])
        if self.root_path == "":
            return Q()
        return subtree_q(self.root_path, field)

    def filter(self, qs: QuerySet, *, field: str, perm: str) -> QuerySet:
        """`qs` cut down to the subtree, or to nothing when the role lacks `perm`."""
        if not self.has(perm):
            return qs.none()
        return qs.filter(self.path_q(field))

    def members(self, qs: QuerySet) -> QuerySet:
        if self.is_self_only:
            return qs.filter(pk=self.member_id) if self.member_id else qs.none()
        return self.filter(qs, field="org_path", perm="member.view")

    # -- guards for views ------------------------------------------------------------------------
    def require(self, perm: str) -> None:
        if not self.has(perm):
            raise PermissionDenied

    def require_path(self, path: str | None) -> None:
        if not self.contains(path):
            raise Http404


NO_SCOPE = Scope(role="", root_path=None)


def scope_for(user: User | None) -> Scope:
    """The scope of an account, computed once per request and kept on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_zugong_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser and user.org_id is None:
        scope = Scope(role=Role.DEPT_ADMIN, root_path="", perms=ROLE_PERMS[Role.DEPT_ADMIN], user_id=user.pk)
    elif user.org_id is None or user.role not in ROLE_PERMS:
        scope = NO_SCOPE
    else:
        scope = Scope(
            role=user.role,
            root_path=user.org.path if user.org else None,
            member_id=user.member_id,
            perms=ROLE_PERMS[user.role],
            user_id=user.pk,
        )
    user._zugong_scope = scope  # type: ignore[attr-defined]
    return scope
