import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from zugong.core.models import AuditEntry
from zugong.members.models import Member
from zugong.orgs import services
from zugong.orgs.models import Org, OrgEvent, OrgKind

from ..conftest import refreshed
from ..factories import make_member, make_org


def raw_count(org: Org) -> int:
    return Member.objects.filter(org_path__startswith=org.path, standing="normal").count()


def assert_totals_exact():
    for org in Org.objects.all():
        assert org.member_total == raw_count(org), org.name
        descendants = Org.objects.filter(path__startswith=org.path, is_active=True).exclude(pk=org.pk).count()
        assert org.org_total == descendants, org.name


@pytest.mark.django_db
def test_create_counts_and_audits(tree):
    make_member(tree.branch_a1)
    make_member(tree.branch_a2)
    assert refreshed(tree.county).member_total == 2
    assert refreshed(tree.county).org_total == 6
    assert_totals_exact()
    assert AuditEntry.objects.filter(action="org.create").count() == 7


@pytest.mark.django_db
def test_move_subtree_moves_member_paths_and_totals(tree):
    m = make_member(tree.branch_a2)
    make_member(tree.branch_a1)
    services.org_move(actor=None, org=tree.general_a, new_parent=tree.town_b, reason="区划调整")
    m.refresh_from_db()
    general = refreshed(tree.general_a)
    assert general.path.startswith(refreshed(tree.town_b).path)
    assert m.org_path == refreshed(tree.branch_a2).path
    assert refreshed(tree.town_a).member_total == 1
    assert refreshed(tree.town_b).member_total == 1
    assert_totals_exact()
    assert OrgEvent.objects.filter(org=tree.general_a, kind="moved").exists()


@pytest.mark.django_db
def test_move_into_own_subtree_is_refused(tree):
    with pytest.raises(ValidationError):
        services.org_move(actor=None, org=tree.town_a, new_parent=tree.general_a)


@pytest.mark.django_db
def test_branch_cannot_hold_orgs(tree):
    with pytest.raises(ValidationError):
        make_org(tree.branch_a1, kind=OrgKind.BRANCH)


@pytest.mark.django_db
def test_merge_moves_members_and_dissolves_source(tree):
    make_member(tree.branch_a1)
    make_member(tree.branch_a1)
    services.org_merge(actor=None, source=tree.branch_a1, target=tree.branch_b1, on=dt.date(2026, 1, 1))
    source = refreshed(tree.branch_a1)
    assert not source.is_active and source.dissolved_on == dt.date(2026, 1, 1)
    assert Member.objects.filter(org=tree.branch_b1).count() == 2
    assert_totals_exact()


@pytest.mark.django_db
def test_dissolve_refuses_org_with_members(tree):
    make_member(tree.branch_a1)
    with pytest.raises(ValidationError):
        services.org_dissolve(actor=None, org=tree.branch_a1)
    services.org_dissolve(actor=None, org=tree.branch_b1, on=dt.date(2026, 2, 1))
    assert not refreshed(tree.branch_b1).is_active
    assert_totals_exact()
