"""Rollups (stats.rollups) equal a recount of the members and orgs tables after any sequence of
writes through the services, on every day (age bands move with the calendar)."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zugong.core.exceptions import NotInScope
from zugong.core.scope import NO_SCOPE, ROLE_PERMS, Role, Scope
from zugong.members import services as member_services
from zugong.members.models import Member
from zugong.orgs import services as org_services
from zugong.orgs.models import BRANCH_KINDS, Org, OrgKind
from zugong.stats import rollups
from zugong.stats.models import Rollup, RollupState
from zugong.stats.summary import count_summary, dashboard_summary

from ..factories import id_number_for, make_member, make_org, member_fields
from ..import_helpers import reasons, run

ADMIN = Scope(role=Role.DEPT_ADMIN, root_path="", perms=ROLE_PERMS[Role.DEPT_ADMIN])
FIELDS = ("by_sex", "by_education", "by_age_band", "by_category", "by_status", "orgs_by_kind")


def nonzero(d: dict) -> dict:
    return {k: v for k, v in d.items() if v}


def assert_exact(on: dt.date | None = None) -> None:
    """Every org's summary from the rollups equals the row-counting reference."""
    for org in Org.objects.all():
        fast = dashboard_summary(scope=ADMIN, org=org, on=on)
        slow = count_summary(scope=ADMIN, org=org, on=on)
        for name in FIELDS:
            assert nonzero(getattr(fast, name)) == nonzero(getattr(slow, name)), (org.code, name)
        assert fast.members == slow.members == sum(slow.by_sex.values())


def assert_county_paths() -> None:
    depth = rollups.get_state().county_depth
    for path, county in Member.objects.values_list("org_path", "county_path"):
        assert county == path[: depth * 4]


@pytest.mark.django_db
def test_services_keep_rollups_exact(tree):
    a = make_member(tree.branch_a1, sex="2", education="11", category="31")
    b = make_member(tree.branch_a2, birth_date=dt.date(1950, 5, 5), status=Member.Status.FORMAL)
    assert_exact()
    member_services.member_update(actor=None, member=a, education="31", category="62")
    member_services.member_change_org(actor=None, member=b, to_org=tree.branch_b1, on=dt.date.today())
    assert_exact()
    member_services.member_update(actor=None, member=a, standing=Member.Standing.DECEASED)
    assert_exact()
    org_services.org_move(actor=None, org=tree.general_a, new_parent=tree.town_b)
    org_services.org_update(actor=None, org=tree.town_b, kind=OrgKind.WORKING_COMMITTEE)
    new = make_org(tree.town_a, code="C0A9")
    org_services.org_dissolve(actor=None, org=new)
    assert_exact()
    assert Rollup.objects.get(org=tree.county, dim="s", value="1").n == 1
    assert rollups.rebuild() == 0  # nothing to correct after a consistent history


@pytest.mark.django_db
def test_merge_keeps_rollups_exact(tree):
    for i in range(3):
        make_member(tree.branch_a2, sex="2" if i else "1")
    make_member(tree.branch_b1)
    org_services.org_merge(actor=None, source=tree.general_a, target=tree.town_b)
    assert_exact()
    other = make_org(tree.town_b, code="C0B2")
    org_services.org_merge(actor=None, source=tree.branch_b1, target=other)
    assert_exact()
    assert_county_paths()


def grown(birth: dt.date) -> dict:
    joined = birth + relativedelta(years=22)
    return {"birth_date": birth, "joined_on": joined, "converted_on": joined + relativedelta(years=1)}


@pytest.mark.django_db
def test_age_bands_stay_exact_on_later_days_and_refresh_moves_them(tree):
    today = dt.date.today()
    # Born so that they cross the 30/31 and 60/61 edges within the next days.
    make_member(tree.branch_a1, **grown(today - relativedelta(years=31) + dt.timedelta(days=3)))
    make_member(tree.branch_a2, birth_date=today - relativedelta(years=61) + dt.timedelta(days=10))
    make_member(tree.branch_b1, birth_date=today - relativedelta(years=45))
    for days in (0, 3, 4, 10, 11, 400, -20):
        assert_exact(today + dt.timedelta(days=days))
    later = today + dt.timedelta(days=11)
    assert rollups.refresh(later) == 2
    assert rollups.refresh(later) == 0  # idempotent
    assert RollupState.objects.get().bands_on == later
    for days in (0, 11, 12):
        assert_exact(today + dt.timedelta(days=days))
    # writes after the refresh use the new day's bands
    make_member(tree.branch_a1, **grown(today - relativedelta(years=31) + dt.timedelta(days=5)))
    assert_exact(later)
    assert_exact(today)
    assert rollups.rebuild(later) == 0


@pytest.mark.django_db
def test_import_adds_rows_to_the_rollups_and_county_paths(tree, tmp_path):
    from ..members.test_importers import person, roster, row_of

    rows = [row_of(person(i), "C0A1" if i % 2 else "C0AG1") for i in range(1, 8)]
    report = run("members", roster(tmp_path, rows))
    assert reasons(report) == "" and report.imported == 7
    assert_exact()
    assert_county_paths()


@pytest.mark.django_db
def test_recount_rebuilds_rollups_and_county_paths(tree):
    make_member(tree.branch_a1)
    make_member(tree.branch_b1, sex="2")
    Rollup.objects.filter(org=tree.county, dim="s").update(n=7)
    Member.objects.update(county_path="")
    call_command("recount", county_depth=2, stdout=open("/dev/null", "w"))
    assert RollupState.objects.get().county_depth == 2
    assert_county_paths()
    assert_exact()


@pytest.mark.django_db
def test_summary_refuses_out_of_scope(tree):
    with pytest.raises(NotInScope):
        dashboard_summary(scope=NO_SCOPE, org=tree.county)


# -- the property: random writes keep rollups equal to a recount ---------------------------------------
OPS = st.lists(
    st.tuples(
        st.sampled_from(["create", "update", "move", "remove", "restore", "org_move", "org_kind", "org_new"]),
        st.integers(0, 1000),
        st.integers(0, 1000),
    ),
    min_size=1,
    max_size=12,
)
SEXES, EDUS, CATS = ["1", "2"], ["11", "21", "31", "41", "61", "71", ""], ["10", "31", "50", "62", "82", ""]


@pytest.mark.django_db
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS)
def test_random_writes_keep_rollups_equal_to_a_recount(tree, ops):
    counter = iter(range(10_000))
    with transaction.atomic():
        for op, x, y in ops:
            branches = list(Org.objects.filter(kind__in=BRANCH_KINDS, is_active=True).order_by("path"))
            members = list(Member.objects.order_by("pk"))
            if op == "create" or not members:
                birth = dt.date(1950, 1, 1) + dt.timedelta(days=x * 11 + y)
                sex = SEXES[x % 2]
                n = 500 + next(counter) + x * 7
                member_services.member_create(
                    actor=None,
                    org=branches[y % len(branches)],
                    **member_fields(
                        birth_date=birth,
                        sex=sex,
                        id_number=id_number_for(birth, sex, seq=n % 1000),
                        education=EDUS[y % len(EDUS)],
                        category=CATS[x % len(CATS)],
                    ),
                )
            elif op == "update":
                member_services.member_update(
                    actor=None,
                    member=members[x % len(members)],
                    education=EDUS[y % len(EDUS)],
                    category=CATS[(x + y) % len(CATS)],
                )
            elif op == "move":
                member = members[x % len(members)]
                target = branches[y % len(branches)]
                if target.pk != member.org_id:
                    member_services.member_change_org(
                        actor=None, member=member, to_org=target, on=dt.date.today()
                    )
            elif op in ("remove", "restore"):
                standing = Member.Standing.LEFT if op == "remove" else Member.Standing.NORMAL
                member_services.member_update(actor=None, member=members[x % len(members)], standing=standing)
            elif op == "org_move":
                movable = list(Org.objects.filter(depth__gt=1, is_active=True).order_by("path"))
                parents = list(
                    Org.objects.exclude(kind__in=BRANCH_KINDS).filter(is_active=True).order_by("path")
                )
                org, parent = movable[x % len(movable)], parents[y % len(parents)]
                if not parent.path.startswith(org.path) and parent.path != org.path[:-4]:
                    if org.kind not in BRANCH_KINDS and parent.kind == OrgKind.GENERAL_BRANCH:
                        continue
                    org_services.org_move(actor=None, org=org, new_parent=parent)
            elif op == "org_kind":
                org = branches[x % len(branches)]
                kind = [OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH][y % 3]
                org_services.org_update(actor=None, org=org, kind=kind)
            elif op == "org_new":
                parents = list(Org.objects.filter(kind=OrgKind.COMMITTEE, is_active=True).order_by("path"))
                make_org(parents[x % len(parents)], code=f"N{next(counter)}-{x}")
        assert_exact()
        assert_exact(dt.date.today() + dt.timedelta(days=y * 3))
        assert_county_paths()
        assert rollups.rebuild() == 0
        transaction.set_rollback(True)
