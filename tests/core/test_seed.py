"""`zugong seed`: realistic, consistent, deterministic demo data written in bulk. The tests that only
read one seeded county share it: tests/core/test_seed_tiny.py and test_seed_county.py."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command

from zugong.core import crypto, idnumber
from zugong.demo import seed as seeding
from zugong.demo.people import IdMaker
from zugong.members.models import Member
from zugong.members.services import validate_member
from zugong.orgs.management.commands.recount import recount_totals
from zugong.orgs.models import Org, OrgKind, Unit

from ..factories import make_user

AS_OF = dt.date(2026, 6, 30)


def _seed(scale="tiny", seed=2026, **kw):
    return seeding.seed(scale=scale, seed=seed, as_of=kw.pop("as_of", AS_OF), **kw)


@pytest.fixture
def tiny(db):
    return _seed()


# -- members -------------------------------------------------------------------------------------------
def test_members_pass_the_service_validation(db):
    """The rows are what member_create would have accepted (validated against today)."""
    _seed(as_of=dt.date.today())
    fields = ["name", "sex", "ethnicity", "birth_date", "education", "degree", "category", "joined_on"]
    fields += ["converted_on", "status", "standing", "work_unit", "job_title", "address", "is_mobile"]
    for m in Member.objects.all()[:400]:
        data = {f: getattr(m, f) for f in fields}
        data["id_number"] = crypto.decrypt(m.id_number_enc)
        validate_member(data, instance=m)


def test_id_maker_matches_idnumber_make():
    maker = IdMaker()
    rng = random.Random(1)
    for _ in range(2000):
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30_000))
        region = rng.choice(["140525", "140581", "110105", "140100"])
        seq, sex = rng.randrange(100), rng.choice("12")
        assert maker.make(region, birth.toordinal(), seq, sex) == idnumber.make(region, birth, seq, sex)


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


def test_seed_command_prints_progress_and_summary(db):
    out = io.StringIO()
    call_command("seed", "--scale", "tiny", "--seed", "3", "--as-of", "2026-06-30", stdout=out)
    text = out.getvalue()
    assert "巴公镇党委" in text
    assert "已生成中共泽州县委员会(140525)" in text
    assert "党员" in text and "秒" in text


# -- worker processes ------------------------------------------------------------------------------
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
