"""`zugong seed` of the real county (seed 001's shape: 17 townships, 590 villages): plausible members
and terms, read from one seeding shared by the module (tests/conftest.py shared_seed)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from dateutil.relativedelta import relativedelta

from zugong.members.models import Member
from zugong.orgs.models import BRANCH_KINDS, Org, OrgKind

from ..conftest import shared_seed

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)
county = shared_seed(scale="county", seed=2026, as_of=AS_OF)


def test_members_are_plausible(county):
    summary = county
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


def test_terms_spread_some_due_or_overdue(county):
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


def test_county_has_the_shape_of_seed_001(county):
    summary = county
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
