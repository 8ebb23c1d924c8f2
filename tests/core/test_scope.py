import pytest
from django.core.exceptions import PermissionDenied

from zugong.core.exceptions import NotInScope
from zugong.core.scope import ROLE_PERMS, Role, scope_for
from zugong.members import selectors as member_selectors
from zugong.members import services as member_services
from zugong.members.models import Member
from zugong.orgs import selectors as org_selectors
from zugong.orgs import services as org_services
from zugong.orgs.models import Org

from ..factories import make_member, make_user


def fresh(user):
    user.refresh_from_db()
    user.__dict__.pop("_zugong_scope", None)
    return user


@pytest.mark.django_db
def test_every_role_has_permissions_defined():
    roles = {v for k, v in vars(Role).items() if not k.startswith("_")}
    assert roles == set(ROLE_PERMS)


@pytest.mark.django_db
def test_subtree_visibility_at_each_depth(tree, accounts):
    make_member(tree.branch_a2)
    make_member(tree.branch_b1)
    seen = {
        name: set(org_selectors.orgs_in_scope(scope=scope_for(accounts[name])).values_list("code", flat=True))
        for name in ("dept_admin", "organizer_a", "organizer_b", "secretary_a1", "member", "superuser")
    }
    assert seen["dept_admin"] == set(Org.objects.values_list("code", flat=True))
    assert seen["superuser"] == seen["dept_admin"]
    assert seen["organizer_a"] == {"C0A", "C0A1", "C0AG", "C0AG1"}
    assert seen["organizer_b"] == {"C0B", "C0B1"}
    assert seen["secretary_a1"] == {"C0A1"}
    assert seen["member"] == set()  # self-service only


@pytest.mark.django_db
def test_member_role_sees_only_itself(tree, accounts):
    make_member(tree.branch_a1)
    scope = scope_for(accounts["member"])
    assert list(member_selectors.members_in_scope(scope=scope)) == [accounts["member_record"]]


@pytest.mark.django_db
def test_out_of_scope_objects_are_not_found(tree, accounts):
    other = make_member(tree.branch_b1)
    scope = scope_for(accounts["organizer_a"])
    with pytest.raises(NotInScope):
        member_selectors.member_get(scope=scope, pk=other.pk)
    with pytest.raises(NotInScope):
        org_selectors.org_get(scope=scope, code="C0B1")


@pytest.mark.django_db
def test_read_only_roles_cannot_write(tree, accounts):
    member = make_member(tree.branch_a1)
    with pytest.raises(PermissionDenied):
        member_services.member_update(actor=accounts["leader_a"], member=member, address="新地址")
    with pytest.raises(NotInScope):
        member_services.member_update(actor=accounts["organizer_b"], member=member, address="新地址")
    with pytest.raises(PermissionDenied):
        org_services.org_dissolve(actor=accounts["secretary_a1"], org=tree.branch_a1)


@pytest.mark.django_db
def test_scope_follows_a_subtree_move(tree, accounts):
    """An account bound inside a moved subtree keeps seeing it; the old parent's account loses it."""
    secretary = make_user(Role.BRANCH_SECRETARY, tree.branch_a2)
    member = make_member(tree.branch_a2)
    org_services.org_move(actor=accounts["dept_admin"], org=tree.general_a, new_parent=tree.town_b)
    assert member_selectors.member_get(scope=scope_for(fresh(secretary)), pk=member.pk) == member
    with pytest.raises(NotInScope):
        member_selectors.member_get(scope=scope_for(fresh(accounts["organizer_a"])), pk=member.pk)
    assert member_selectors.member_get(scope=scope_for(fresh(accounts["organizer_b"])), pk=member.pk)


@pytest.mark.django_db
def test_move_target_outside_scope_is_refused(tree, accounts):
    with pytest.raises(NotInScope):
        org_services.org_move(actor=accounts["organizer_a"], org=tree.general_a, new_parent=tree.town_b)
    assert Member.objects.count() == 1  # nothing else changed


@pytest.mark.django_db
def test_inactive_or_unbound_accounts_see_nothing(tree):
    loose = make_user(Role.DEPT_ADMIN, None)
    assert not org_selectors.orgs_in_scope(scope=scope_for(loose)).exists()
    inactive = make_user(Role.DEPT_ADMIN, tree.county)
    inactive.is_active = False
    assert scope_for(inactive).root_path is None
