"""The demo accounts: one per role, bound to sensible orgs of the seeded county."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _

from zugong.accounts.models import User
from zugong.core.paths import subtree_q
from zugong.core.scope import Role
from zugong.members.models import Member
from zugong.orgs.models import CommitteeSeat, Org, OrgKind, OrgUnit

DEMO_PASSWORD = "zugong-demo-2026"


@dataclass
class DemoAccount:
    username: str
    role: str
    role_label: str
    org_name: str
    display_name: str
    created: bool


class NoDemoTree(LookupError):
    pass


def _places() -> tuple[Org, Org, Org, Member | None, Member]:
    """The county, its first township committee, a village branch there with a secretary, the
    secretary and another member of that branch."""
    county = Org.objects.filter(depth=1).order_by("path").first()
    if county is None:
        raise NoDemoTree(_("数据库中还没有党组织,无法创建演示账号"))
    township_ids = OrgUnit.objects.filter(unit__kind__in=["township", "subdistrict"]).values("org_id")
    township = (
        Org.objects.filter(
            subtree_q(county.path),
            id__in=township_ids,
            kind__in=[OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE],
        )
        .order_by("path")
        .first()
    ) or county
    village_ids = OrgUnit.objects.filter(unit__kind="village").values("org_id")
    branches = Org.objects.filter(subtree_q(township.path), kind=OrgKind.BRANCH, is_active=True).order_by(
        "path"
    )
    branch = None
    secretary = None
    for candidate in [*branches.filter(id__in=village_ids)[:50], *branches[:50]]:
        seat = (
            CommitteeSeat.objects.filter(
                org=candidate, post=CommitteeSeat.Post.SECRETARY, ended_on__isnull=True, member__isnull=False
            )
            .select_related("member")
            .first()
        )
        if seat and Member.objects.filter(org=candidate, standing=Member.Standing.NORMAL).count() >= 3:
            branch, secretary = candidate, seat.member
            break
    if branch is None:
        raise NoDemoTree(_("没有找到有书记和党员的党支部,无法创建演示账号"))
    member = (
        Member.objects.filter(
            org=branch, standing=Member.Standing.NORMAL, status=Member.Status.FORMAL, account=None
        )
        .exclude(pk=secretary.pk if secretary else None)
        .order_by("id")
        .first()
    )
    if member is None:
        raise NoDemoTree(_("没有找到可用于党员账号的党员"))
    return county, township, branch, secretary, member


@transaction.atomic
def ensure_demo_accounts() -> list[DemoAccount]:
    """Create the demo accounts that are missing (password DEMO_PASSWORD). An existing account is
    left alone, unless a re-seed unbound it from the tree, in which case it is bound again."""
    county, township, branch, secretary, member = _places()
    plan = [
        ("admin", Role.DEPT_ADMIN, county, None, _("组织部管理员")),
        ("organizer", Role.COMMITTEE_ORGANIZER, township, None, _("党委组织员")),
        ("secretary", Role.BRANCH_SECRETARY, branch, None, secretary.name if secretary else _("支部书记")),
        ("leader", Role.LEADER, county, None, _("县委领导")),
        ("cadre", Role.CADRE_OFFICE, county, None, _("干部科")),
        ("talent", Role.TALENT_OFFICE, county, None, _("人才办")),
        ("member", Role.MEMBER, branch, member, member.name),
    ]
    labels = dict(User.RoleChoice.choices)
    out = []
    for username, role, org, linked, display in plan:
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username, is_superuser=False, is_staff=False)
            validate_password(DEMO_PASSWORD, user)
            user.set_password(DEMO_PASSWORD)
        if created or (user.org_id is None and not user.is_superuser):
            user.role, user.org, user.member, user.display_name = role, org, linked, str(display)
            user.save()
        out.append(
            DemoAccount(
                username=username,
                role=user.role,
                role_label=str(labels.get(user.role, user.role)),
                org_name=user.org.name if user.org else "",
                display_name=user.display_name,
                created=created,
            )
        )
    return out
