from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zugong.recruitment import steps

from ..factories import make_applicant
from .helpers import ON_TIME, record, walk

pytestmark = pytest.mark.django_db
D = dt.date


def _many(tree, n: int):
    for i in range(n):
        org = tree.branch_a1 if i % 2 else tree.branch_a2
        a = make_applicant(org, applied_on=D(2026, 9, 1) + dt.timedelta(days=i))
        if i % 3 == 0:
            record(a, "talk", D(2026, 10, 20))


@pytest.mark.parametrize("n", [3, 30])
def test_list_query_count_does_not_grow(client, tree, accounts, django_assert_max_num_queries, n):
    _many(tree, n)
    client.force_login(accounts["organizer_a"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("recruitment:list"))
    assert response.status_code == 200
    assert response.content.decode().count("/recruitment/") >= n


@pytest.mark.parametrize("n", [3, 30])
def test_pipeline_query_count_does_not_grow(client, tree, accounts, django_assert_max_num_queries, n):
    _many(tree, n)
    client.force_login(accounts["dept_admin"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("recruitment:pipeline"))
    assert response.status_code == 200
    total = response.context["total"]
    assert total.counts["applicant"] == n
    rows = {r.org.code: r for r in response.context["rows"]}
    assert rows["C0A"].counts["applicant"] == n and rows["C0B"].open_total == 0
    assert total.overdue == len([i for i in range(n) if i % 3])  # no talk within a month of September


def test_pipeline_overdue_links_to_the_list(client, tree, accounts):
    _many(tree, 6)
    client.force_login(accounts["organizer_a"])
    response = client.get(reverse("recruitment:list") + "?due=overdue&sort=due")
    assert len(response.context["applicants"]) == 4


def test_detail_of_a_member_shows_every_stage_and_the_member(client, tree, accounts, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    walk(a, ON_TIME, introducers)
    client.force_login(accounts["secretary_a1"])
    html = client.get(reverse("recruitment:detail", args=[a.pk])).content.decode()
    for step in steps.STEPS:
        assert str(step.title) in html
    assert "已登记为党员" in html and "党龄自2026年7月20日起计算" in html
    assert "需要注意的问题" not in html


def test_every_step_form_renders(client, tree, accounts, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    client.force_login(accounts["secretary_a1"])
    for step in steps.STEPS:
        response = client.get(reverse("recruitment:step", args=[a.pk, step.code]))
        assert response.status_code == 200, step.code
    assert client.get(reverse("recruitment:step", args=[a.pk, "nonsense"])).status_code == 404


def test_a_failed_vote_through_the_page_is_recorded_with_its_article(client, tree, accounts, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    walk(a, ON_TIME[:14], introducers)
    client.force_login(accounts["secretary_a1"])
    response = client.post(
        reverse("recruitment:step", args=[a.pk, "assembly"]),
        {"done_on": "2025-07-20", "done_by": "王书记", "expected": 9, "present": 6, "yes": 4, "no": 2},
        follow=True,
    )
    html = response.content.decode()
    assert "表决未通过" in html and "FZ-14" in html
    a.refresh_from_db()
    assert a.admitted_on is None


def test_a_step_before_its_predecessor_is_refused_on_the_page(client, tree, accounts):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    client.force_login(accounts["secretary_a1"])
    response = client.post(reverse("recruitment:step", args=[a.pk, "talk"]), {"done_on": "2024-02-01"})
    assert response.status_code == 200
    assert "不能早于“递交入党申请书”" in response.content.decode()


def test_contacts_are_chosen_from_the_branch(client, tree, accounts, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    walk(a, ON_TIME[:2], introducers)
    client.force_login(accounts["secretary_a1"])
    response = client.post(
        reverse("recruitment:step", args=[a.pk, "contacts"]),
        {"done_on": "2024-05-20", "person_1": introducers[0]["member"]},
    )
    assert response.status_code == 302
    people = a.records.get(step="contacts").people
    assert people == [{"member": introducers[0]["member"], "name": "赵介绍", "formal": True}]
