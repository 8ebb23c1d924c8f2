"""`zugong seed` at tiny scale: the tree, totals, members, committees, units and the audit entry, read
from one seeding shared by the module (tests/conftest.py shared_seed; each test rolls back)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command

from zugong.core import crypto, idnumber
from zugong.core.models import AuditEntry
from zugong.core.paths import subtree_q
from zugong.demo import seed as seeding
from zugong.members.models import Member, PartyGroup
from zugong.orgs.management.commands.recount import recount_totals
from zugong.orgs.models import BRANCH_KINDS, CommitteeSeat, Org, OrgKind, Unit

from ..conftest import shared_seed

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)
tiny = shared_seed(scale="tiny", seed=2026, as_of=AS_OF)


def _seed(scale="tiny", seed=2026, **kw):
    return seeding.seed(scale=scale, seed=seed, as_of=kw.pop("as_of", AS_OF), **kw)


def test_tree_is_well_formed(tiny):
    assert [len(problems) for problems in Org.objects.find_problems()] == [0, 0, 0, 0, 0]
    root = Org.objects.get(depth=1)
    assert (root.code, root.name, root.region_code) == ("140525", "中共泽州县委员会", "140525")
    assert tiny.orgs == Org.objects.count()
    # Codes are unique and follow the parent's code (region committees keep their region code).
    for org in Org.objects.exclude(depth=1).iterator():
        parent = Org.objects.get(path=org.path[:-4])
        assert org.code.startswith(parent.code) or (org.code.isdigit() and len(org.code) == 6)
    # Only general branches and committees have children; branches hold members.
    assert not Org.objects.filter(kind__in=BRANCH_KINDS, numchild__gt=0).exists()
    assert not Member.objects.exclude(org__kind__in=BRANCH_KINDS).exists()
    for general in Org.objects.filter(kind=OrgKind.GENERAL_BRANCH):
        kinds = set(Org.objects.get_children(general).values_list("kind", flat=True))
        assert kinds <= BRANCH_KINDS


def test_tiny_has_a_bit_of_everything(tiny):
    assert 30 <= tiny.orgs <= 70
    assert 300 <= tiny.members <= 800
    kinds = Counter(Org.objects.values_list("kind", flat=True))
    for kind in (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH):
        assert kinds[kind], kind
    assert kinds[OrgKind.JOINT_BRANCH]
    assert Org.objects.filter(for_mobile_members=True).exclude(region_code="140525").exists()
    unit_kinds = set(Unit.objects.values_list("kind", flat=True))
    assert {"village", "township", "organ", "private", "school", "soe"} <= unit_kinds


def test_totals_are_exact(tiny):
    assert recount_totals() == (Org.objects.count(), 0)
    for org in Org.objects.all():
        members = Member.objects.filter(subtree_q(org.path, "org_path"), standing=Member.Standing.NORMAL)
        below = Org.objects.filter(subtree_q(org.path), is_active=True).exclude(pk=org.pk)
        assert (org.member_total, org.org_total) == (members.count(), below.count()), org.name


def test_recount_repairs_and_reports(tiny, capsys):
    org = Org.objects.get(depth=1)
    Org.objects.filter(pk=org.pk).update(member_total=1, org_total=0)
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "其中1个" in out.getvalue()
    org.refresh_from_db()
    assert org.member_total == tiny.normal_members
    assert org.org_total == tiny.orgs - 1


def test_every_member_is_consistent(tiny):
    orgs = {o.pk: o for o in Org.objects.all()}
    groups = dict(PartyGroup.objects.values_list("id", "org_id"))
    for m in Member.objects.iterator():
        number = crypto.decrypt(m.id_number_enc)
        _number, birth, sex = idnumber.parse(number)
        assert (birth, sex) == (m.birth_date, m.sex)
        assert number.startswith("140525")
        assert m.id_number_hash == crypto.blind_index(number)
        assert m.id_number_masked == crypto.mask_id_number(number)
        phone = crypto.decrypt(m.phone_enc)
        assert m.phone_masked == crypto.mask_phone(phone)
        assert phone == "" or (len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789")
        assert m.joined_on >= m.birth_date + relativedelta(years=18)
        assert m.joined_on <= AS_OF
        if m.status == Member.Status.FORMAL:
            assert m.converted_on == m.joined_on + relativedelta(years=1)
            assert m.converted_on <= AS_OF
        else:
            assert m.converted_on is None
            assert AS_OF - relativedelta(years=1) < m.joined_on
        org = orgs[m.org_id]
        assert org.kind in BRANCH_KINDS
        assert m.org_path == org.path
        assert m.province_code == org.province_code == "14"
        if m.party_group_id:
            assert groups[m.party_group_id] == m.org_id
    assert len(set(Member.objects.values_list("id_number_hash", flat=True))) == Member.objects.count()


def test_committees_and_groups(tiny):
    branches = Org.objects.filter(kind__in=BRANCH_KINDS)
    with_secretary = branches.filter(seats__post=CommitteeSeat.Post.SECRETARY).distinct().count()
    assert with_secretary >= branches.count() * 0.9
    for seat in CommitteeSeat.objects.select_related("org", "member"):
        assert seat.member is not None
        assert seat.member.org_path.startswith(seat.org.path)
        assert seat.person_name == seat.member.name
        assert seat.org.term_started_on <= seat.started_on <= AS_OF
        assert seat.member.joined_on <= seat.started_on
    for org in Org.objects.all():
        assert CommitteeSeat.objects.filter(org=org, post=CommitteeSeat.Post.SECRETARY).count() <= 1
        assert org.established_on <= org.term_started_on <= AS_OF
    # A branch of seven formal members or more has a committee (ZB-04), most with all three duties.
    big = [b for b in branches if b.members.filter(status="formal", standing="normal").count() >= 7]
    duties = Counter(CommitteeSeat.objects.filter(org__in=big).values_list("duty", flat=True))
    assert duties["组织委员"] >= len(big) * 0.7
    assert PartyGroup.objects.exists()
    assert Member.objects.filter(party_group__isnull=False).exists()


def test_units_cover_joint_branches_and_some_have_no_org(tiny):
    for org in Org.objects.filter(kind=OrgKind.JOINT_BRANCH):
        assert 2 <= org.unit_links.count() <= 5
        assert org.unit_links.filter(is_primary=True).count() == 1
    for unit in Unit.objects.select_related("managing_org"):
        assert unit.managing_path == unit.managing_org.path
    uncovered = Unit.objects.exclude(org_links__isnull=False)
    assert uncovered.exists()
    assert set(uncovered.values_list("kind", flat=True)) <= {"private", "social_org", "collective"}
    for unit in Unit.objects.filter(kind__in=["private", "social_org"]).exclude(credit_code=""):
        assert len(unit.credit_code) == 18


def test_refuses_a_database_with_orgs(tiny):
    with pytest.raises(seeding.SeedRefused, match="--force"):
        _seed()
    with pytest.raises(CommandError, match="已有"):
        call_command("seed", "--scale", "tiny", stdout=io.StringIO())
    assert Org.objects.count() == tiny.orgs


def test_one_audit_entry_for_the_seeding(tiny):
    entries = AuditEntry.objects.filter(action="seed")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.after["scale"] == "tiny"
    assert entry.after["seed"] == 2026
    assert entry.after["members"] == tiny.members
    assert entry.org_path == Org.objects.get(depth=1).path
    assert AuditEntry.objects.count() == 1  # not one per row
