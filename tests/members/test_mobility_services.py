"""members/mobility.py: 流动党员, 失联, 党籍变动 — every transition, every refusal, totals and rollups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zugong.core import crypto
from zugong.core.exceptions import NotInScope
from zugong.core.models import AuditEntry
from zugong.members import mobility as svc
from zugong.members import services as member_services
from zugong.members.models import LostContact, Member, MemberEvent, Mobility, StandingChange
from zugong.orgs import services as org_services
from zugong.orgs.models import Org
from zugong.rules import engine

from ..factories import make_member
from ..stats.test_rollups import assert_exact

TODAY = dt.date.today()


def months_ago(n: int, days: int = 0) -> dt.date:
    return engine.add_months(TODAY, -n) + dt.timedelta(days=days)


def start(member, **extra):
    values = {
        "left_on": months_ago(2),
        "destination": "北京市朝阳区",
        "reason": Mobility.Reason.WORK,
        "phone": "13800001111",
    }
    values.update(extra)
    return svc.mobility_start(actor=None, member=member, **values)


def lost_with_effort(member, since, *, abroad=False):
    lost = svc.lost_contact_open(actor=None, member=member, since=since, abroad=abroad)
    if not abroad:
        svc.lost_contact_note(actor=None, lost=lost, on=since, method="电话", note="无人接听")
    return lost


def member_total(org: Org) -> int:
    return Org.objects.get(pk=org.pk).member_total


# -- 流动党员 ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_start_report_return_keeps_is_mobile_in_step_and_audits(tree, accounts):
    member = make_member(tree.branch_a1)
    actor = accounts["secretary_a1"]
    mobility = svc.mobility_start(
        actor=actor,
        member=member,
        left_on=months_ago(3),
        destination="太原市小店区",
        region="140100",
        reason=Mobility.Reason.WORK,
        phone="139 0000 2222",
        certificate_no="晋流2026001",
        host_name="小店区流动党员党支部",
    )
    member.refresh_from_db()
    assert member.is_mobile
    assert mobility.org_path == member.org_path
    assert mobility.phone_masked == "139****2222"
    assert crypto.decrypt(mobility.phone_enc) == "13900002222"
    assert "13900002222" not in str(AuditEntry.objects.filter(action="mobility.start").get().after)
    report = svc.mobility_report(
        actor=actor, mobility=mobility, on=months_ago(1), channel="phone", summary="思想汇报"
    )
    assert report.recorded_by == actor
    svc.mobility_return(actor=actor, mobility=mobility, on=TODAY, note="回村")
    member.refresh_from_db()
    mobility.refresh_from_db()
    assert not member.is_mobile and mobility.returned_on == TODAY
    kinds = list(
        MemberEvent.objects.filter(member=member, kind=MemberEvent.Kind.MOBILITY).values_list(
            "note", flat=True
        )
    )
    assert len(kinds) == 2
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "mobility.start",
        "mobility.report",
        "mobility.return",
    }
    # a second stretch away may start after the return
    start(member, left_on=TODAY)
    member.refresh_from_db()
    assert member.is_mobile


@pytest.mark.django_db
def test_mobility_refusals(tree):
    member = make_member(tree.branch_a1)
    with pytest.raises(ValidationError) as e:
        start(member, left_on=TODAY + dt.timedelta(days=1))
    assert "外出日期不能晚于今天" in str(e.value)
    with pytest.raises(ValidationError) as e:
        start(member, left_on=dt.date(2009, 1, 1))
    assert "入党日期" in str(e.value)
    with pytest.raises(ValidationError) as e:
        start(member, reason="holiday", destination="", region="999999", phone="abc")
    errors = e.value.message_dict
    assert {"reason", "destination", "region", "phone"} <= set(errors)
    with pytest.raises(ValidationError) as e:
        start(member, host_org=tree.branch_a1)
    assert "host_org" in e.value.message_dict
    assert not Mobility.objects.exists()
    mobility = start(member)
    with pytest.raises(ValidationError, match="尚未登记返回"):
        start(member)
    with pytest.raises(ValidationError, match="汇报日期不能早于"):
        svc.mobility_report(actor=None, mobility=mobility, on=months_ago(3), channel="phone", summary="x")
    with pytest.raises(ValidationError, match="请选择汇报方式"):
        svc.mobility_report(actor=None, mobility=mobility, on=TODAY, channel="pigeon", summary="x")
    with pytest.raises(ValidationError, match="汇报内容不能为空"):
        svc.mobility_report(actor=None, mobility=mobility, on=TODAY, channel="phone", summary=" ")
    svc.mobility_return(actor=None, mobility=mobility, on=TODAY)
    with pytest.raises(ValidationError, match="已于"):
        svc.mobility_return(actor=None, mobility=mobility, on=TODAY)
    with pytest.raises(ValidationError, match="不能早于"):
        start(member, left_on=months_ago(1))  # overlaps the stretch that just ended


@pytest.mark.django_db
def test_update_and_host_org_clears_the_typed_name(tree):
    member = make_member(tree.branch_a1)
    mobility = start(member, host_name="某地流动党员党支部")
    svc.mobility_update(actor=None, mobility=mobility, host_org=tree.branch_b1, destination="乙村")
    mobility.refresh_from_db()
    assert mobility.host_org == tree.branch_b1 and mobility.host_name == ""
    assert mobility.host_label == tree.branch_b1.name
    entry = AuditEntry.objects.filter(action="mobility.update").get()
    assert entry.after["destination"] == "乙村"
    with pytest.raises(ValidationError, match="未知的字段"):
        svc.mobility_update(actor=None, mobility=mobility, standing="left")


@pytest.mark.django_db
def test_scope_and_permissions_of_the_writes(tree, accounts):
    member = make_member(tree.branch_a1)
    with pytest.raises(NotInScope):
        svc.mobility_start(
            actor=accounts["organizer_b"], member=member, left_on=TODAY, destination="x", reason="work"
        )
    with pytest.raises(PermissionDenied):
        svc.mobility_start(
            actor=accounts["leader_a"], member=member, left_on=TODAY, destination="x", reason="work"
        )
    with pytest.raises(PermissionDenied):
        svc.lost_contact_open(actor=accounts["leader_a"], member=member, since=TODAY)
    with pytest.raises(NotInScope):
        svc.member_died(actor=accounts["organizer_b"], member=member, on=TODAY)
    mobility = start(member)
    with pytest.raises(PermissionDenied):
        svc.mobility_reveal(actor=accounts["leader_a"], mobility=mobility)
    assert svc.mobility_reveal(actor=accounts["secretary_a1"], mobility=mobility) == "13800001111"
    assert AuditEntry.objects.filter(action="mobility.reveal_phone").count() == 1
    member.refresh_from_db()
    assert member.standing == Member.Standing.NORMAL


# -- 失联 and 停止党籍 (GX-06) -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_suspend_waits_for_six_months_to_the_day(tree):
    rule = engine.rule("GX-06")
    months = rule.params["lost_contact_months"]
    early = make_member(tree.branch_a1)
    lost_with_effort(early, months_ago(months, days=1))  # 5 months and 30-odd days: one day short
    with pytest.raises(ValidationError) as e:
        svc.member_suspend(actor=None, member=early, on=TODAY, reason="失联")
    assert "失去联系未满" in str(e.value) and "GX-06" in str(e.value) and "第二十八条" in str(e.value)
    ready = make_member(tree.branch_a1)
    lost = lost_with_effort(ready, months_ago(months))
    change = svc.member_suspend(actor=None, member=ready, on=TODAY, reason="失联满6个月,多方查找无果")
    ready.refresh_from_db()
    assert ready.standing == Member.Standing.STOPPED
    assert change.kind == "suspend" and change.lost == lost and change.cite.startswith("GX-06")
    assert change.from_standing == "normal" and change.to_standing == "stopped"
    entry = AuditEntry.objects.filter(action="member.suspend").get()
    assert entry.before == {"standing": "normal"} and entry.after["standing"] == "stopped"
    assert MemberEvent.objects.filter(member=ready, kind=MemberEvent.Kind.STANDING).exists()


@pytest.mark.django_db
def test_suspend_needs_a_lost_record_and_a_search(tree):
    member = make_member(tree.branch_a1)
    with pytest.raises(ValidationError, match="请先登记失联"):
        svc.member_suspend(actor=None, member=member, on=TODAY, reason="x")
    svc.lost_contact_open(actor=None, member=member, since=months_ago(7))
    with pytest.raises(ValidationError, match="尚无查找记录"):
        svc.member_suspend(actor=None, member=member, on=TODAY, reason="x")
    with pytest.raises(ValidationError, match="已登记为失联党员"):
        svc.lost_contact_open(actor=None, member=member, since=months_ago(7))


@pytest.mark.django_db
def test_abroad_suspend_waits_five_years(tree):
    years = engine.rule("GX-06").params["abroad_suspend_years"]
    short = make_member(tree.branch_a1)
    lost_with_effort(short, months_ago(12 * years, days=1), abroad=True)
    with pytest.raises(ValidationError, match="出国\\(境\\)学习研究未满"):
        svc.member_suspend(actor=None, member=short, on=TODAY, reason="出国逾期")
    enough = make_member(tree.branch_a1)
    lost_with_effort(enough, months_ago(12 * years), abroad=True)
    svc.member_suspend(actor=None, member=enough, on=TODAY, reason="出国学习超过5年未归")  # no search needed
    enough.refresh_from_db()
    assert enough.standing == Member.Standing.STOPPED


@pytest.mark.django_db
def test_lapsed_removal_after_two_years_stopped(tree):
    member = make_member(tree.branch_a1)
    years = engine.rule("GX-06").params["suspended_removal_years"]
    lost = lost_with_effort(member, months_ago(12 * years + 7))
    stop_day = months_ago(12 * years, days=1)
    svc.member_suspend(actor=None, member=member, on=stop_day, reason="失联")
    with pytest.raises(ValidationError) as e:
        svc.member_remove(
            actor=None,
            member=member,
            on=TODAY,
            removal="lapsed",
            reason="仍无法联系",
            decided_by="甲镇党委",
            decision_ref="甲组〔2026〕1号",
        )
    assert "停止党籍未满" in str(e.value)
    StandingChange.objects.filter(member=member).update(on=months_ago(12 * years))
    change = svc.member_remove(
        actor=None,
        member=member,
        on=TODAY,
        removal="lapsed",
        reason="仍无法联系",
        decided_by="甲镇党委",
        decision_ref="甲组〔2026〕1号",
    )
    member.refresh_from_db()
    lost.refresh_from_db()
    assert member.standing == Member.Standing.LEFT
    assert change.cite.startswith("GX-06") and change.decision_ref == "甲组〔2026〕1号"
    assert lost.closed_on == TODAY and lost.outcome == LostContact.Outcome.REMOVED


@pytest.mark.django_db
def test_found_then_restore(tree):
    member = make_member(tree.branch_a1)
    lost = lost_with_effort(member, months_ago(8))
    svc.member_suspend(actor=None, member=member, on=months_ago(1), reason="失联")
    with pytest.raises(ValidationError, match="仍处于失联状态"):
        svc.member_restore(actor=None, member=member, on=TODAY, reason="已联系", decided_by="甲镇党委")
    with pytest.raises(ValidationError, match="不能早于"):
        svc.lost_contact_found(actor=None, lost=lost, on=months_ago(9))
    svc.lost_contact_found(actor=None, lost=lost, on=TODAY, note="本人回村")
    with pytest.raises(ValidationError, match="已于"):
        svc.lost_contact_found(actor=None, lost=lost, on=TODAY)
    with pytest.raises(ValidationError, match="已结束"):
        svc.lost_contact_note(actor=None, lost=lost, on=TODAY, method="走访", note="x")
    with pytest.raises(ValidationError) as e:
        svc.member_restore(actor=None, member=member, on=TODAY, reason="已联系", decided_by="")
    assert "decided_by" in e.value.message_dict
    with pytest.raises(ValidationError, match="不能早于"):
        svc.member_restore(
            actor=None, member=member, on=months_ago(2), reason="已联系", decided_by="甲镇党委"
        )
    change = svc.member_restore(
        actor=None, member=member, on=TODAY, reason="已取得联系,表现良好", decided_by="甲镇党委"
    )
    member.refresh_from_db()
    assert member.standing == Member.Standing.NORMAL and change.kind == "restore"
    with pytest.raises(ValidationError, match="只有停止党籍的党员才能恢复党籍"):
        svc.member_restore(actor=None, member=member, on=TODAY, reason="x", decided_by="甲镇党委")


@pytest.mark.django_db
def test_impossible_transitions_are_refused_in_chinese(tree):
    member = make_member(tree.branch_a1)
    svc.member_died(actor=None, member=member, on=TODAY, reason="病故")
    member.refresh_from_db()
    assert member.standing == Member.Standing.DECEASED
    for call, message in [
        (lambda: svc.member_died(actor=None, member=member, on=TODAY), "不能登记死亡"),
        (
            lambda: svc.member_remove(
                actor=None,
                member=member,
                on=TODAY,
                removal="expelled",
                reason="x",
                decided_by="a",
                decision_ref="b",
            ),
            "不能再办理出党",
        ),
        (lambda: svc.member_suspend(actor=None, member=member, on=TODAY, reason="x"), "只有党籍正常的党员"),
        (
            lambda: svc.member_restore(actor=None, member=member, on=TODAY, reason="x", decided_by="a"),
            "只有停止党籍",
        ),
        (lambda: start(member), "只有党籍正常的党员才能登记外出流动"),
        (
            lambda: svc.lost_contact_open(actor=None, member=member, since=TODAY),
            "只有党籍正常的党员才能登记失联",
        ),
    ]:
        with pytest.raises(ValidationError, match=message):
            call()
    other = make_member(tree.branch_a1)
    with pytest.raises(ValidationError) as e:
        svc.member_remove(
            actor=None, member=other, on=TODAY, removal="exile", reason="", decided_by="", decision_ref=""
        )
    assert "removal" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        svc.member_remove(
            actor=None,
            member=other,
            on=TODAY,
            removal="expelled",
            reason="违纪",
            decided_by="县纪委",
            decision_ref="",
        )
    assert "decision_ref" in e.value.message_dict
    assert StandingChange.objects.filter(member=other).count() == 0


@pytest.mark.django_db
def test_lapsed_from_normal_standing_cites_the_constitution(tree):
    member = make_member(tree.branch_a1)
    mobility = start(member)
    change = svc.member_remove(
        actor=None,
        member=member,
        on=TODAY,
        removal="lapsed",
        reason="连续6个月不参加组织生活",
        decided_by="甲镇党委",
        decision_ref="甲组〔2026〕2号",
    )
    assert change.cite.startswith("GX-05")
    mobility.refresh_from_db()
    member.refresh_from_db()
    assert mobility.returned_on == TODAY and not member.is_mobile


@pytest.mark.django_db
def test_rows_follow_the_member_and_the_tree(tree):
    member = make_member(tree.branch_a1)
    mobility = start(member)
    lost_member = make_member(tree.branch_a1)
    lost = svc.lost_contact_open(actor=None, member=lost_member, since=months_ago(1))
    member_services.member_change_org(actor=None, member=member, to_org=tree.branch_b1, on=TODAY)
    mobility.refresh_from_db()
    assert mobility.org_path == tree.branch_b1.path
    org_services.org_move(actor=None, org=tree.branch_a1, new_parent=tree.town_b)
    lost.refresh_from_db()
    assert lost.org_path == Org.objects.get(pk=tree.branch_a1.pk).path


# -- totals and rollups ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_standing_changes_keep_totals_and_rollups_exact(tree):
    a = make_member(tree.branch_a1, sex="2")
    b = make_member(tree.branch_a2)
    base_a1, base_town = member_total(tree.branch_a1), member_total(tree.town_a)
    lost_with_effort(a, months_ago(7))
    svc.member_suspend(actor=None, member=a, on=TODAY, reason="失联")
    assert member_total(tree.branch_a1) == base_a1 - 1 and member_total(tree.town_a) == base_town - 1
    assert_exact()
    svc.lost_contact_found(actor=None, lost=LostContact.objects.get(member=a), on=TODAY)
    svc.member_restore(actor=None, member=a, on=TODAY, reason="已联系", decided_by="甲镇党委")
    assert member_total(tree.branch_a1) == base_a1
    assert_exact()
    svc.member_died(actor=None, member=b, on=TODAY)
    assert member_total(tree.town_a) == base_town - 1
    assert_exact()


@pytest.mark.django_db(transaction=False)
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["lost", "suspend", "found", "restore", "remove", "died"]), st.integers(0, 3)
        ),
        max_size=12,
    )
)
def test_random_standing_changes_keep_rollups_equal_to_a_recount(tree, ops):
    from django.db import transaction

    sid = transaction.savepoint()
    try:
        members = [
            make_member(tree.branch_a1 if i % 2 else tree.branch_a2, sex=str(1 + i % 2)) for i in range(4)
        ]
        for op, x in ops:
            m = Member.objects.get(pk=members[x].pk)
            try:
                if op == "lost":
                    lost_with_effort(m, months_ago(7))
                elif op == "suspend":
                    svc.member_suspend(actor=None, member=m, on=TODAY, reason="失联")
                elif op == "found":
                    lost = LostContact.objects.filter(member=m, closed_on__isnull=True).first()
                    if lost:
                        svc.lost_contact_found(actor=None, lost=lost, on=TODAY)
                elif op == "restore":
                    svc.member_restore(actor=None, member=m, on=TODAY, reason="x", decided_by="党委")
                elif op == "remove":
                    svc.member_remove(
                        actor=None,
                        member=m,
                        on=TODAY,
                        removal="struck_off",
                        reason="x",
                        decided_by="a",
                        decision_ref="b",
                    )
                else:
                    svc.member_died(actor=None, member=m, on=TODAY)
            except ValidationError:
                pass
        assert_exact()
        normal = Member.objects.filter(standing=Member.Standing.NORMAL)
        for org in (tree.branch_a1, tree.branch_a2, tree.town_a, tree.county):
            from zugong.core.paths import subtree_q

            assert member_total(org) == normal.filter(subtree_q(org.path, "org_path")).count()
    finally:
        transaction.savepoint_rollback(sid)
