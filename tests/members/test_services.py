import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from zugong.core import crypto
from zugong.core.models import AuditEntry
from zugong.members import services
from zugong.members.models import Member, MemberEvent
from zugong.orgs.models import Org

from ..factories import id_number_for, make_member, member_fields


def errors_of(exc: ValidationError) -> dict[str, str]:
    return {
        field: " ".join(str(m) for e in errs for m in e.messages) for field, errs in exc.error_dict.items()
    }


def create_errors(org, **overrides) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        services.member_create(actor=None, org=org, **member_fields(**overrides))
    return errors_of(info.value)


@pytest.mark.django_db
def test_create_stores_sensitive_fields_encrypted_and_masked(tree):
    member = make_member(tree.branch_a1, phone="13912345678")
    assert member.id_number_masked.count("*") == 8
    assert member.phone_masked == "139****5678"
    assert "1391234" not in member.phone_enc
    assert crypto.decrypt(member.phone_enc) == "13912345678"
    assert MemberEvent.objects.filter(member=member, kind="registered").exists()


@pytest.mark.django_db
def test_checksum_failure_is_named(tree):
    good = id_number_for(dt.date(1985, 3, 14))
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert "校验位" in create_errors(tree.branch_a1, id_number=bad)["id_number"]


@pytest.mark.django_db
def test_birth_date_must_agree_with_id_number(tree):
    errors = create_errors(
        tree.branch_a1, id_number=id_number_for(dt.date(1985, 3, 14)), birth_date=dt.date(1985, 3, 15)
    )
    assert "不一致" in errors["birth_date"]


@pytest.mark.django_db
def test_sex_must_agree_with_id_number(tree):
    errors = create_errors(tree.branch_a1, id_number=id_number_for(dt.date(1985, 3, 14), sex="1"), sex="2")
    assert "性别" in errors["sex"]


@pytest.mark.django_db
def test_birth_date_is_taken_from_the_id_number(tree):
    fields = member_fields()
    fields.pop("birth_date")
    member = services.member_create(actor=None, org=tree.branch_a1, **fields)
    assert member.birth_date == dt.date(1985, 3, 14)


@pytest.mark.django_db
def test_under_18_at_joining_cites_the_rule(tree):
    errors = create_errors(
        tree.branch_a1,
        birth_date=dt.date(1995, 6, 1),
        joined_on=dt.date(2013, 5, 31),
        converted_on=dt.date(2014, 6, 1),
    )
    assert "未满18周岁" in errors["joined_on"] and "FZ-01" in errors["joined_on"]


@pytest.mark.django_db
def test_joining_on_the_18th_birthday_is_allowed(tree):
    make_member(
        tree.branch_a1,
        birth_date=dt.date(1995, 6, 1),
        joined_on=dt.date(2013, 6, 1),
        converted_on=dt.date(2014, 6, 1),
    )


@pytest.mark.django_db
def test_conversion_must_follow_joining(tree):
    errors = create_errors(tree.branch_a1, joined_on=dt.date(2010, 7, 1), converted_on=dt.date(2010, 6, 1))
    assert "转正日期应晚于入党日期" in errors["converted_on"]


@pytest.mark.django_db
def test_probationary_members_have_no_conversion_date(tree):
    errors = create_errors(tree.branch_a1, status="probationary")
    assert "预备党员不应有转正日期" in errors["converted_on"]


@pytest.mark.django_db
def test_formal_member_who_joined_recently_must_be_probationary(tree):
    joined = dt.date.today() - dt.timedelta(days=100)
    errors = create_errors(tree.branch_a1, joined_on=joined, converted_on=None)
    assert "FZ-18" in errors["status"]


@pytest.mark.django_db
def test_formal_member_needs_conversion_date(tree):
    assert "转正日期" in create_errors(tree.branch_a1, converted_on=None)["converted_on"]


@pytest.mark.django_db
def test_future_dates_are_refused(tree):
    future = dt.date.today() + dt.timedelta(days=3)
    assert (
        "晚于今天"
        in create_errors(tree.branch_a1, joined_on=future, converted_on=None, status="probationary")[
            "joined_on"
        ]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("ethnicity", "99"), ("education", "55"), ("sex", "7"), ("category", "nope"), ("degree", "8")],
)
def test_codes_must_come_from_the_tables(tree, field, value):
    assert "代码表" in create_errors(tree.branch_a1, **{field: value})[field]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "ethnicity", "id_number", "joined_on", "status"])
def test_required_fields(tree, field):
    assert "不能为空" in create_errors(tree.branch_a1, **{field: ""})[field]


@pytest.mark.django_db
def test_duplicate_id_number_is_refused(tree):
    first = make_member(tree.branch_a1)
    number = crypto.decrypt(first.id_number_enc)
    errors = create_errors(tree.branch_b1, id_number=number, birth_date=first.birth_date, sex=first.sex)
    assert "已登记" in errors["id_number"]


@pytest.mark.django_db
def test_every_problem_is_reported_at_once(tree):
    errors = create_errors(tree.branch_a1, ethnicity="99", education="55", converted_on=dt.date(2000, 1, 1))
    assert {"ethnicity", "education", "converted_on"} <= set(errors)


@pytest.mark.django_db
def test_members_only_in_branches(tree):
    with pytest.raises(ValidationError) as info:
        make_member(tree.town_a)
    assert "org" in info.value.error_dict


@pytest.mark.django_db
def test_update_is_audited_field_by_field(tree):
    member = make_member(tree.branch_a1, address="旧地址")
    services.member_update(actor=None, member=member, address="新地址", job_title="村委委员")
    entry = AuditEntry.objects.filter(action="member.update").get()
    assert entry.before == {"address": "旧地址", "job_title": ""}
    assert entry.after == {"address": "新地址", "job_title": "村委委员"}


@pytest.mark.django_db
def test_update_checks_birth_date_against_stored_id_number(tree):
    member = make_member(tree.branch_a1)
    with pytest.raises(ValidationError) as info:
        services.member_update(actor=None, member=member, birth_date=dt.date(1990, 1, 1))
    assert "birth_date" in info.value.error_dict


@pytest.mark.django_db
def test_standing_change_keeps_totals_exact(tree):
    member = make_member(tree.branch_a1)
    services.member_update(actor=None, member=member, standing="deceased")
    assert Org.objects.get(pk=tree.county.pk).member_total == 0
    services.member_update(actor=None, member=member, standing="normal")
    assert Org.objects.get(pk=tree.county.pk).member_total == 1


@pytest.mark.django_db
def test_reveal_is_audited(tree, accounts):
    member = make_member(tree.branch_a1, phone="13800001111")
    value = services.member_reveal(actor=accounts["secretary_a1"], member=member, field="phone")
    assert value == "13800001111"
    entry = AuditEntry.objects.get(action="member.reveal_phone")
    assert entry.actor == accounts["secretary_a1"] and entry.object_id == str(member.pk)


@pytest.mark.django_db
def test_member_may_reveal_own_number_but_leader_may_not(tree, accounts):
    from django.core.exceptions import PermissionDenied

    own = accounts["member_record"]
    assert services.member_reveal(actor=accounts["member"], member=own, field="id_number") == crypto.decrypt(
        own.id_number_enc
    )
    with pytest.raises(PermissionDenied):
        services.member_reveal(actor=accounts["leader_a"], member=own, field="id_number")


@pytest.mark.django_db
def test_change_org_moves_member_and_history(tree):
    member = make_member(tree.branch_a1)
    services.member_change_org(actor=None, member=member, to_org=tree.branch_b1, on=dt.date(2026, 3, 1))
    member.refresh_from_db()
    assert member.org_path == tree.branch_b1.path
    event = MemberEvent.objects.get(member=member, kind="org_changed")
    assert (event.from_org, event.to_org) == (tree.branch_a1, tree.branch_b1)
    assert Member.objects.filter(org_path__startswith=tree.town_b.path).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("joined", "converted", "earliest"),
    [
        (dt.date(2019, 7, 1), dt.date(2020, 6, 30), "2020-07-01"),
        (dt.date(2020, 2, 29), dt.date(2021, 2, 27), "2021-02-28"),
    ],
)
def test_fz18_lives_in_check_member_with_its_citation(tree, joined, converted, earliest):
    fields = member_fields(joined_on=joined, converted_on=converted)
    _clean, errors = services.check_member(fields, id_taken=lambda number: False)
    (message,) = errors["converted_on"]
    assert message == (
        "转正日期距入党日期不足12个月的预备期(FZ-18《中国共产党发展党员工作细则》第三十二条),最早应为"
        + earliest
    )
    member = make_member(tree.branch_a1)
    with pytest.raises(ValidationError) as info:  # an update is checked the same way
        services.member_update(actor=None, member=member, joined_on=joined, converted_on=converted)
    assert "FZ-18" in info.value.message_dict["converted_on"][0]


@pytest.mark.django_db
def test_a_person_changes_standing_and_mobility_only_through_their_flows(tree, accounts):
    """The edit form and the API cannot set 党籍状态 or 流动党员: the flows keep the dated history."""
    member = make_member(tree.branch_a1, name="流程")
    editor = accounts["organizer_a"]
    with pytest.raises(ValidationError) as err:
        services.member_update(actor=editor, member=member, standing="deceased")
    assert "党籍处置" in str(err.value.message_dict["standing"])
    with pytest.raises(ValidationError) as err:
        services.member_update(actor=editor, member=member, is_mobile=True)
    assert "登记外出流动" in str(err.value.message_dict["is_mobile"])
    with pytest.raises(ValidationError):
        services.member_create(actor=editor, org=tree.branch_a1, **member_fields(is_mobile=True))
    member.refresh_from_db()
    assert (member.standing, member.is_mobile) == ("normal", False)
    # unchanged values pass (a form or API call that repeats them), other fields still change
    services.member_update(actor=editor, member=member, standing="normal", is_mobile=False, address="新地址")
    member.refresh_from_db()
    assert member.address == "新地址"
