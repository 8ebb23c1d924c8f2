import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from zugong.orgs import selectors, services
from zugong.orgs.models import CommitteeSeat

from ..factories import make_member, make_unit


@pytest.mark.django_db
def test_village_branches_have_five_year_terms(tree):
    village = make_unit(tree.town_a, kind="village")
    services.org_set_units(actor=None, org=tree.branch_a1, units=[village])
    tree.branch_a1.term_started_on = dt.date(2021, 5, 1)
    term = selectors.org_term(tree.branch_a1, on=dt.date(2026, 1, 1))
    assert term.years == 5 and term.due_on == dt.date(2026, 5, 1)
    assert term.state == "due_soon" and "ZB-05" in term.cite and "ZB-07" in term.remind_cite


@pytest.mark.django_db
def test_other_branches_have_three_year_terms(tree):
    tree.branch_a2.term_started_on = dt.date(2020, 1, 1)
    term = selectors.org_term(tree.branch_a2, on=dt.date(2026, 1, 1))
    assert term.years == 3 and term.state == "overdue"
    assert selectors.org_term(tree.branch_b1).state == "unknown"


@pytest.mark.django_db
def test_vacancies_follow_zb04(tree):
    assert selectors.org_vacancies(tree.branch_a1) == ["书记空缺"]
    for _ in range(7):
        make_member(tree.branch_a1)
    services.seat_add(
        actor=None,
        org=tree.branch_a1,
        post=CommitteeSeat.Post.SECRETARY,
        person_name="王书记",
        started_on=dt.date(2024, 1, 1),
    )
    vacancies = selectors.org_vacancies(tree.branch_a1)
    assert any("应设支部委员会" in v and "ZB-04" in v for v in vacancies)
    assert any("组织委员" in v for v in vacancies)


@pytest.mark.django_db
def test_joint_branch_unit_limit(tree):
    from django.core.exceptions import ValidationError

    from ..factories import make_org

    joint = make_org(tree.town_a, kind="joint_branch")
    units = [make_unit(tree.town_a) for _ in range(6)]
    services.org_set_units(actor=None, org=joint, units=units[:5])
    with pytest.raises(ValidationError, match="ZB-01"):
        services.org_set_units(actor=None, org=joint, units=units)
    with pytest.raises(ValidationError):
        services.org_set_units(actor=None, org=tree.branch_a1, units=units[:2])


@pytest.mark.django_db
def test_second_secretary_is_refused_until_the_first_leaves(tree):
    from django.core.exceptions import ValidationError

    seat = services.seat_add(
        actor=None, org=tree.branch_a1, post="secretary", person_name="甲", started_on=dt.date(2023, 1, 1)
    )
    with pytest.raises(ValidationError):
        services.seat_add(
            actor=None, org=tree.branch_a1, post="secretary", person_name="乙", started_on=dt.date(2024, 1, 1)
        )
    services.seat_end(actor=None, seat=seat, ended_on=dt.date(2024, 1, 1))
    services.seat_add(
        actor=None, org=tree.branch_a1, post="secretary", person_name="乙", started_on=dt.date(2024, 1, 1)
    )


@pytest.mark.django_db
def test_breadcrumbs_stop_at_the_scope_root(tree, accounts):
    from zugong.core.scope import scope_for

    crumbs = selectors.org_breadcrumbs(scope=scope_for(accounts["organizer_a"]), org=tree.branch_a2)
    assert [o.code for o in crumbs] == ["C0A", "C0AG"]


@pytest.mark.django_db
def test_term_renew_restarts_the_clock(tree):
    services.term_renew(actor=None, org=tree.branch_a2, on=dt.date.today() - relativedelta(months=1))
    tree.branch_a2.refresh_from_db()
    assert selectors.org_term(tree.branch_a2).state == "ok"


@pytest.mark.django_db
def test_committees_have_five_year_terms(tree):
    tree.town_a.term_started_on = dt.date(2022, 1, 1)
    term = selectors.org_term(tree.town_a, on=dt.date(2026, 1, 1))
    assert term.years == 5 and "EL-01" in term.cite


@pytest.mark.django_db
def test_secretary_with_short_party_age_is_flagged(tree):
    member = make_member(tree.branch_a2, joined_on=dt.date(2023, 6, 1), converted_on=dt.date(2024, 6, 1))
    services.seat_add(
        actor=None,
        org=tree.branch_a2,
        post="secretary",
        person_name=member.name,
        member=member,
        started_on=dt.date(2024, 1, 1),
    )
    assert any("ZB-06" in v for v in selectors.org_vacancies(tree.branch_a2))
