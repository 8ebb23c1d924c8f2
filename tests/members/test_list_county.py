"""The member list of a county: county_path kept by every write, the list paged ids first on the
(county_path, name, id) index, the pager count from the rollups, a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zugong.core.scope import ROLE_PERMS, Role, Scope
from zugong.members import selectors
from zugong.members import services as member_services
from zugong.members.models import Member
from zugong.orgs import services as org_services
from zugong.orgs.models import Org
from zugong.stats.models import RollupState

from ..factories import make_member
from .test_views import login

ADMIN = Scope(role=Role.DEPT_ADMIN, root_path="", perms=ROLE_PERMS[Role.DEPT_ADMIN])
LIST = reverse("members:list")


@pytest.fixture
def county_depth_2(db):
    """The townships of the `tree` fixture play the counties (depth 2)."""
    RollupState.objects.update_or_create(pk=1, defaults={"county_depth": 2, "bands_on": dt.date.today()})


def county_paths_ok() -> bool:
    return all(c == p[:8] for p, c in Member.objects.values_list("org_path", "county_path"))


def test_writes_keep_county_paths(tree, county_depth_2):
    a = make_member(tree.branch_a1)
    make_member(tree.branch_a2)
    assert Member.objects.get(pk=a.pk).county_path == tree.town_a.path
    member_services.member_change_org(actor=None, member=a, to_org=tree.branch_b1, on=dt.date.today())
    assert Member.objects.get(pk=a.pk).county_path == tree.town_b.path
    org_services.org_move(actor=None, org=tree.general_a, new_parent=tree.town_b)
    assert county_paths_ok()
    org_services.org_move(actor=None, org=tree.town_b, new_parent=tree.town_a)  # a county moves down
    assert county_paths_ok()


@pytest.mark.parametrize("params", [{}, {"sex": "1"}, {"sex": "2", "education": "2"}, {"age_band": "41-45"}])
def test_county_list_equals_the_path_range(tree, county_depth_2, params):
    for i in range(12):
        make_member(
            [tree.branch_a1, tree.branch_a2, tree.branch_b1][i % 3],
            sex="1" if i % 4 else "2",
            birth_date=dt.date(1970 + i, 1 + i % 12, 1 + i),
        )
    filters = selectors.MemberFilters.from_mapping(params)
    town = Org.objects.get(pk=tree.town_a.pk)
    qs = selectors.member_list(scope=ADMIN, under=town, filters=filters, sort="name")
    assert "county_path" in str(qs.query)
    expected = [
        m.pk
        for m in Member.objects.filter(org_path__startswith=tree.town_a.path).order_by("name", "id")
        if selectors.member_list(scope=ADMIN, filters=filters).filter(pk=m.pk).exists()
    ]
    assert list(qs.values_list("pk", flat=True)) == expected
    count = selectors.member_count(scope=ADMIN, under=town, filters=filters, qs=qs)
    assert count == len(expected)


def test_pager_count_comes_from_the_rollups_for_one_filter(client, tree, accounts):
    for i in range(6):
        make_member(tree.branch_a1 if i % 2 else tree.branch_b1, sex="1" if i % 3 else "2")
    client = login(client, accounts, "dept_admin")
    client.get(LIST, {"sex": "1"})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, {"sex": "1", "sort": "name"})
    assert response.context["page_obj"].paginator.count == Member.objects.filter(sex="1").count()
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


def test_list_pages_have_a_fixed_number_of_queries(client, tree, accounts, django_assert_max_num_queries):
    for i in range(120):
        make_member(tree.branch_a1 if i % 2 else tree.branch_a2, sex="1")
    client = login(client, accounts, "dept_admin")
    url = LIST + f"?org={tree.county.code}&sex=1&sort=name&page="
    client.get(url + "1")
    # session, account, its org, the listed org, the county depth, the rollup count, the page's ids,
    # its rows with their branch
    for page in (1, 3, 200):
        with django_assert_max_num_queries(8):
            response = client.get(url + str(page))
        assert response.status_code == 200
    names = [m.name for m in response.context["members"]]
    assert names == sorted(names) and len(names) == Member.objects.filter(sex="1").count() % 50  # the last
