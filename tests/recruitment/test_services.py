from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zugong.core.exceptions import NotInScope
from zugong.core.models import AuditEntry
from zugong.members.models import Member
from zugong.orgs import services as org_services
from zugong.recruitment import services
from zugong.recruitment.models import Applicant, Plan

from ..factories import applicant_fields, make_applicant, make_member, make_org
from .helpers import ON_TIME, record, walk

pytestmark = pytest.mark.django_db
D = dt.date


def test_create_encrypts_masks_and_audits(tree, accounts):
    a = make_applicant(tree.branch_a1, actor=accounts["secretary_a1"], applied_on=D(2026, 3, 2))
    assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", a.id_number_masked)
    assert a.id_number_enc and a.id_number_hash
    assert a.stage == "applicant" and a.next_step == "talk" and a.next_latest == D(2026, 4, 2)
    assert a.records.get().step == "apply"
    entry = AuditEntry.objects.get(action="recruitment.create")
    assert entry.org_path == tree.branch_a1.path and "id_number" not in str(entry.after).replace(
        "id_number_masked", ""
    )


def test_create_refuses_a_second_open_file_and_a_member(tree):
    fields = applicant_fields()
    services.applicant_create(actor=None, org=tree.branch_a1, applied_on=D(2026, 3, 2), **fields)
    with pytest.raises(ValidationError, match="已有发展档案"):
        services.applicant_create(actor=None, org=tree.branch_b1, applied_on=D(2026, 3, 2), **fields)
    member = make_member(tree.branch_a1)
    from zugong.core import crypto

    other = applicant_fields(
        id_number=crypto.decrypt(member.id_number_enc), birth_date=member.birth_date, sex="1"
    )
    with pytest.raises(ValidationError, match="已登记为党员"):
        services.applicant_create(actor=None, org=tree.branch_a1, applied_on=D(2026, 3, 2), **other)


def test_create_only_in_a_branch(tree):
    with pytest.raises(ValidationError, match="党支部受理"):
        make_applicant(tree.town_a)


def test_permissions_and_scope(tree, accounts):
    with pytest.raises(NotInScope):
        make_applicant(tree.branch_a1, actor=accounts["organizer_b"])
    with pytest.raises(PermissionDenied):
        make_applicant(tree.branch_a1, actor=accounts["leader_a"])
    a = make_applicant(tree.branch_a1, actor=accounts["organizer_a"])
    with pytest.raises(NotInScope):
        record(a, "talk", D(2024, 3, 5), actor=accounts["organizer_b"])
    with pytest.raises(PermissionDenied):
        services.applicant_reveal(actor=accounts["leader_a"], applicant=a)
    clear = services.applicant_reveal(actor=accounts["secretary_a1"], applicant=a)
    assert len(clear) == 18 and AuditEntry.objects.filter(action="recruitment.reveal_id_number").count() == 1


@pytest.mark.parametrize(
    ("step", "on", "message"),
    [
        ("talk", D(2024, 2, 28), "不能早于"),  # before the application
        ("talk", dt.date.today() + dt.timedelta(days=1), "不能晚于今天"),
        ("candidate", D(2025, 5, 1), "请先记录“推荐和确定入党积极分子”"),
        ("approval", D(2025, 5, 1), "请先记录"),
        ("apply", D(2024, 3, 2), "建立档案时"),
    ],
)
def test_mechanical_impossibilities_are_blocked(tree, step, on, message):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    with pytest.raises(ValidationError, match=message):
        record(a, step, on)
    assert a.records.count() == 1


def test_a_step_before_its_predecessor_and_twice_are_blocked(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    walk(a, ON_TIME[:3], introducers)  # talk, activist 2024-05-10, filing
    with pytest.raises(ValidationError, match="不能早于“推荐和确定入党积极分子”"):
        record(a, "contacts", D(2024, 5, 9), introducers)
    with pytest.raises(ValidationError, match="已经记录过"):
        record(a, "talk", D(2024, 5, 11))


def test_failed_political_review_blocks_admission(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    walk(a, ON_TIME[:9], introducers)
    record(a, "political_review", D(2025, 6, 10), outcome="failed")
    walk(
        a,
        [
            ("training", D(2025, 6, 20)),
            ("branch_review", D(2025, 7, 1)),
            ("pre_review", D(2025, 7, 8)),
            ("application_form", D(2025, 7, 10)),
        ],
        introducers,
    )
    with pytest.raises(ValidationError, match="政治审查不合格"):
        record(a, "assembly", D(2025, 7, 20))


def test_vote_counts_that_cannot_be(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    walk(a, ON_TIME[:14], introducers)
    with pytest.raises(ValidationError) as exc:
        record(a, "assembly", D(2025, 7, 20), expected=5, present=6, yes=6)
    assert "实到人数不能超过应到人数" in str(exc.value)
    with pytest.raises(ValidationError, match="合计不能超过实到人数"):
        record(a, "assembly", D(2025, 7, 20), expected=9, present=6, yes=5, no=2)


def test_serial_numbers_are_unique(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    b = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    walk(a, ON_TIME[:13], introducers)
    walk(b, ON_TIME[:13], introducers)
    record(a, "application_form", D(2025, 7, 10), serial="140525-2025-001")
    with pytest.raises(ValidationError, match="编号已被其他人使用"):
        record(b, "application_form", D(2025, 7, 10), serial="140525-2025-001")


def test_approval_registers_a_probationary_member_and_links_an_existing_one(tree, introducers):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    walk(a, ON_TIME[:17], introducers)
    a.refresh_from_db()
    member = Member.objects.get(pk=a.member_id)
    assert (member.status, member.joined_on, member.converted_on) == ("probationary", D(2025, 7, 20), None)
    assert member.name == a.name and member.id_number_hash == a.id_number_hash
    with pytest.raises(ValidationError, match="不能撤销"):
        services.step_undo(actor=None, record=a.records.get(step="approval"))


def test_undo_only_the_latest_step(tree, introducers, accounts):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    walk(a, ON_TIME[:2], introducers)
    talk, activist = a.records.get(step="talk"), a.records.get(step="activist")
    with pytest.raises(ValidationError, match="最近"):
        services.step_undo(actor=None, record=talk)
    services.step_undo(actor=accounts["secretary_a1"], record=activist)
    a.refresh_from_db()
    assert a.stage == "applicant" and a.activist_on is None
    assert AuditEntry.objects.filter(action="recruitment.step_undo").exists()


def test_close_a_file(tree):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    with pytest.raises(ValidationError):
        services.applicant_close(actor=None, applicant=a, on=D(2024, 4, 1), reason=" ")
    services.applicant_close(actor=None, applicant=a, on=D(2024, 4, 1), reason="本人撤回申请")
    a.refresh_from_db()
    assert a.stage == "ended" and a.next_step == "" and a.due_on is None
    with pytest.raises(ValidationError, match="已终止"):
        record(a, "talk", D(2024, 4, 2))


def test_subtree_move_merge_and_dissolve_carry_the_files(tree):
    a = make_applicant(tree.branch_a2, applied_on=D(2024, 3, 1))
    org_services.org_move(actor=None, org=tree.general_a, new_parent=tree.town_b)
    a.refresh_from_db()
    tree.branch_a2.refresh_from_db()
    assert a.org_path == tree.branch_a2.path and a.org_path.startswith(tree.town_b.path)
    with pytest.raises(ValidationError, match="发展党员档案"):
        org_services.org_dissolve(actor=None, org=tree.branch_a2)
    target = make_org(tree.town_b, name="乙镇新党支部")
    org_services.org_merge(actor=None, source=tree.branch_a2, target=target)
    a.refresh_from_db()
    assert a.org_id == target.pk and a.org_path == target.path


def test_plans(tree, accounts):
    plan = services.plan_save(actor=accounts["organizer_a"], org=tree.town_a, year=2026, quota=12)
    services.plan_save(actor=accounts["organizer_a"], org=tree.town_a, year=2026, quota=10, note="调整")
    assert Plan.objects.get(pk=plan.pk).quota == 10
    with pytest.raises(PermissionDenied):
        services.plan_save(actor=accounts["secretary_a1"], org=tree.branch_a1, year=2026, quota=1)
    with pytest.raises(ValidationError, match="党委"):
        services.plan_save(actor=None, org=tree.branch_a1, year=2026, quota=1)
    with pytest.raises(NotInScope):
        services.plan_save(actor=accounts["organizer_b"], org=tree.town_a, year=2026, quota=1)


def test_update_person_keeps_the_rules(tree):
    a = make_applicant(tree.branch_a1, applied_on=D(2024, 3, 1))
    services.applicant_update(actor=None, applicant=a, work_unit="甲镇中学", leaving_on=D(2026, 1, 1))
    a.refresh_from_db()
    assert a.work_unit == "甲镇中学"
    with pytest.raises(ValidationError):
        services.applicant_update(actor=None, applicant=a, id_number="140525200605040011")
    assert Applicant.objects.get(pk=a.pk).work_unit == "甲镇中学"
