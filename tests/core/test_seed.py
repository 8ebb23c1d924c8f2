"""`zugong seed`: realistic, consistent, deterministic demo data written in bulk."""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from collections import Counter

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command

from zugong.core import crypto, idnumber
from zugong.core.models import AuditEntry
from zugong.core.paths import subtree_q
from zugong.demo import seed as seeding
from zugong.demo.people import IdMaker
from zugong.members.models import Member, PartyGroup
from zugong.members.services import validate_member
from zugong.orgs.management.commands.recount import recount_totals
from zugong.orgs.models import BRANCH_KINDS, CommitteeSeat, Org, OrgKind, Unit

from ..factories import make_user

AS_OF = dt.date(2026, 6, 30)


def _seed(scale="tiny", seed=2026, **kw):
    return seeding.seed(scale=scale, seed=seed, as_of=kw.pop("as_of", AS_OF), **kw)


@pytest.fixture
def tiny(db):
    return _seed()


# -- the tree ----------------------------------------------------------------------------------------
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


# -- members -------------------------------------------------------------------------------------------
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


def test_members_pass_the_service_validation(db):
    """The rows are what member_create would have accepted (validated against today)."""
    _seed(as_of=dt.date.today())
    fields = ["name", "sex", "ethnicity", "birth_date", "education", "degree", "category", "joined_on"]
    fields += ["converted_on", "status", "standing", "work_unit", "job_title", "address", "is_mobile"]
    for m in Member.objects.all()[:400]:
        data = {f: getattr(m, f) for f in fields}
        data["id_number"] = crypto.decrypt(m.id_number_enc)
        validate_member(data, instance=m)


def test_members_are_plausible(db):
    summary = _seed(scale="county")
    members = Member.objects.all()
    n = members.count()
    women = members.filter(sex="2").count() / n
    assert 0.25 <= women <= 0.35
    han = members.filter(ethnicity="01").count() / n
    assert 0.97 <= han < 1
    assert set(members.values_list("ethnicity", flat=True)) <= {"01", "02", "03", "11"}
    mobile = members.filter(is_mobile=True).count() / n
    assert 0.02 <= mobile <= 0.05
    probationary = members.filter(status=Member.Status.PROBATIONARY).count() / n
    assert 0.005 <= probationary <= 0.05
    assert members.filter(standing=Member.Standing.DECEASED).exists()
    assert members.filter(standing=Member.Standing.STOPPED).exists()
    # Villages are older and farmers; organs younger, with degrees, and public servants.
    village = members.filter(org__unit_links__unit__kind="village")
    organ = members.filter(org__unit_links__unit__kind="organ", org__kind=OrgKind.BRANCH)
    assert village.filter(category="20").count() / village.count() > 0.7
    assert organ.filter(category="50").count() / organ.count() > 0.9
    born = AS_OF.year - 60
    assert village.filter(birth_date__year__lte=born).count() / village.count() > 0.3
    assert organ.filter(birth_date__year__lte=born).count() == 0
    assert organ.filter(education__in=["11", "14", "21"]).count() / organ.count() > 0.6
    assert village.filter(education__in=["61", "71", "81"]).count() / village.count() > 0.5
    # Names: common surnames dominate; given names of one or two characters.
    surnames = Counter(name[0] for name in members.values_list("name", flat=True))
    assert {s for s, _ in surnames.most_common(5)} & {"王", "李", "张", "刘"}
    assert all(2 <= len(name) <= 4 for name in members.values_list("name", flat=True))
    # Branch sizes: 5 to 80, most of them 15 to 40 (ZB-03: generally no more than 50).
    sizes = sorted(Org.objects.filter(kind__in=BRANCH_KINDS).values_list("member_total", flat=True))
    assert sizes[len(sizes) // 2] in range(15, 41)
    assert sum(1 for s in sizes if s > 50) / len(sizes) < 0.05
    assert summary.members == n


def test_id_maker_matches_idnumber_make():
    maker = IdMaker()
    rng = random.Random(1)
    for _ in range(2000):
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30_000))
        region = rng.choice(["140525", "140581", "110105", "140100"])
        seq, sex = rng.randrange(100), rng.choice("12")
        assert maker.make(region, birth.toordinal(), seq, sex) == idnumber.make(region, birth, seq, sex)


# -- committees, groups, units -------------------------------------------------------------------------
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


def test_terms_spread_some_due_or_overdue(db):
    _seed(scale="county")
    villages = {o.path for o in Org.objects.filter(unit_links__unit__kind__in=["village", "community"])}
    overdue = due_soon = 0
    branches = Org.objects.filter(kind__in=BRANCH_KINDS)
    for org in branches.only("path", "term_started_on"):
        in_village = org.path in villages or org.path[:-4] in villages
        ends = org.term_started_on + relativedelta(years=5 if in_village else 3)  # ZB-05
        overdue += ends < AS_OF
        due_soon += AS_OF <= ends < AS_OF + relativedelta(months=6)
    n = branches.count()
    assert 0.01 < overdue / n < 0.15
    assert 0.05 < due_soon / n < 0.3


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


# -- determinism, refusal, audit -------------------------------------------------------------------
def test_same_seed_same_data_other_seed_other_data(db):
    _seed(seed=5)
    first = seeding.digest()
    names = sorted(Member.objects.values_list("name", flat=True))
    _seed(seed=5, force=True)
    assert seeding.digest() == first
    assert sorted(Member.objects.values_list("name", flat=True)) == names
    _seed(seed=6, force=True)
    assert seeding.digest() != first


def test_refuses_a_database_with_orgs(tiny):
    with pytest.raises(seeding.SeedRefused, match="--force"):
        _seed()
    with pytest.raises(CommandError, match="已有"):
        call_command("seed", "--scale", "tiny", stdout=io.StringIO())
    assert Org.objects.count() == tiny.orgs


def test_force_replaces_without_duplicates_and_unbinds_accounts(tiny):
    branch = Org.objects.filter(kind=OrgKind.BRANCH).first()
    member = branch.members.first()
    user = make_user("member", branch, member=member, username="zs")
    other = make_user("dept_admin", Org.objects.get(depth=1), username="boss")
    again = _seed(force=True)
    assert again.wiped["accounts_unbound"] == 2
    assert Org.objects.count() == tiny.orgs
    assert Member.objects.count() == tiny.members
    assert Unit.objects.count() == tiny.units
    user.refresh_from_db()
    other.refresh_from_db()
    assert (user.org_id, user.member_id, user.role) == (None, None, "")
    assert (other.org_id, other.role) == (None, "dept_admin")


def test_one_audit_entry_for_the_seeding(tiny):
    entries = AuditEntry.objects.filter(action="seed")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.after["scale"] == "tiny"
    assert entry.after["seed"] == 2026
    assert entry.after["members"] == tiny.members
    assert entry.org_path == Org.objects.get(depth=1).path
    assert AuditEntry.objects.count() == 1  # not one per row


def test_seed_command_prints_progress_and_summary(db):
    out = io.StringIO()
    call_command("seed", "--scale", "tiny", "--seed", "3", "--as-of", "2026-06-30", stdout=out)
    text = out.getvalue()
    assert "巴公镇党委" in text
    assert "已生成中共泽州县委员会(140525)" in text
    assert "党员" in text and "秒" in text


# -- the real county ---------------------------------------------------------------------------------
def test_county_has_the_shape_of_seed_001(db):
    started = time.monotonic()
    summary = _seed(scale="county")
    seconds = time.monotonic() - started
    assert seconds < 60, seconds
    root = Org.objects.get(depth=1)
    townships = Org.objects.filter(
        depth=2, unit_links__unit__kind="township", kind=OrgKind.COMMITTEE
    ).values_list("short_name", flat=True)
    assert len(townships) == 17
    assert {"巴公镇党委", "北义城镇党委", "南村镇党委", "川底乡党委"} <= set(townships)
    villages = Org.objects.filter(unit_links__unit__kind="village")
    assert villages.count() == 590
    general = villages.filter(kind=OrgKind.GENERAL_BRANCH)
    village_branches = villages.filter(kind=OrgKind.BRANCH).count() + sum(g.numchild for g in general)
    assert village_branches >= 550
    assert 30 <= general.count() <= 150
    for g in general[:20]:
        assert 2 <= g.numchild <= 4
    assert Org.objects.filter(unit_links__unit__kind="community").exists()
    assert Org.objects.filter(for_mobile_members=True).count() == 2
    for name in (
        "县直机关党工委",
        "县教育系统党委",
        "县卫生健康系统党委",
        "县国有企业党委",
        "县两新组织党工委",
    ):
        assert Org.objects.filter(short_name=name, depth=2).exists(), name
    hospital = Org.objects.get(name="中共泽州县人民医院委员会")
    assert hospital.numchild >= 6
    assert 1_200 <= summary.orgs <= 1_800
    assert 25_000 <= summary.members <= 35_000
    assert root.member_total == summary.normal_members


def test_counties_generated_in_worker_processes_give_the_same_data(db, monkeypatch):
    """City and province scales hand counties to worker processes (PostgreSQL); the ids are
    reserved from each county's plan, so the data equal a run in this process."""
    from zugong.demo import builder

    def small_city(scale, seed):
        plans = builder.city_plans(seed, "140500", 2, 0.1, set())
        for plan in plans:
            plan.townships = plan.townships[:2]
            plan.villages = 6
            plan.communities = 2
        return builder.build_city(seed, "140500", plans, 0.1, builder.region_codes())

    monkeypatch.setattr(builder, "build", small_city)
    serial = _seed(scale="city", workers=0)
    first = seeding.digest()
    parallel = _seed(scale="city", workers=2, force=True)
    assert seeding.digest() == first
    assert (parallel.orgs, parallel.members, parallel.units) == (serial.orgs, serial.members, serial.units)
    assert [len(problems) for problems in Org.objects.find_problems()] == [0, 0, 0, 0, 0]
    assert recount_totals() == (Org.objects.count(), 0)
    assert Org.objects.filter(depth=2, code__in=["140502", "140521"]).count() == 2


def test_force_keeps_the_shipped_rule_packs(db):
    """A forced reseed wipes the tree, not the national rules every check depends on."""
    from zugong.demo import seed as seeding
    from zugong.rules import engine
    from zugong.rules.models import RulePack

    shipped = RulePack.objects.filter(org__isnull=True).count()
    seeding.wipe()
    engine.invalidate()
    assert RulePack.objects.filter(org__isnull=True).count() == shipped > 0
    assert engine.rule("FZ-01").params["min_age_years"] == 18
