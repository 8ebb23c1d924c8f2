"""members/community.py: 双报到, activities, hours, evaluations — every refusal, the CX-03 period
with and without a local pack (佛山: every half year, and the 民主评议 cap for those not reported)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zugong.core.models import AuditEntry
from zugong.members import community
from zugong.members import services as member_services
from zugong.members.models import CommunityEvaluation, CommunityReport, VolunteerRecord
from zugong.rules import engine, packs
from zugong.rules import services as rule_services

from ..factories import make_member, make_org
from .community_helpers import D, activity, hours, make_community, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def com(tree):
    return make_community(tree.town_a, code="C0AS", name="幸福社区党支部")


@pytest.fixture
def worker(tree):
    return make_member(tree.branch_a1, name="王工", category="50", joined_on=D(2010, 7, 1))


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# -- 双报到 ----------------------------------------------------------------------------------------
def test_register_copies_both_paths_and_audits(tree, com, worker):
    r = report(worker, com)
    assert r.status == "active" and r.community_path == com.path and r.member_org_path == tree.branch_a1.path
    assert AuditEntry.objects.filter(action="community.report_register", org_path=com.path).exists()


def test_report_to_an_org_that_is_not_a_community_is_refused(tree, worker):
    with pytest.raises(ValidationError) as exc:
        report(worker, tree.branch_b1)
    assert "不是社区党组织" in messages(exc.value)
    assert not CommunityReport.objects.exists()


def test_two_communities_at_once_is_refused_until_the_first_ends(tree, com, worker):
    other = make_community(tree.town_b, code="C0BS", name="和平社区党支部")
    report(worker, com)
    with pytest.raises(ValidationError) as exc:
        report(worker, other, on=D(2026, 2, 1))
    assert "已于2026-01-10向幸福社区党支部报到" in messages(exc.value)
    first = CommunityReport.objects.get()
    community.report_end(actor=None, report=first, ended_on=D(2026, 1, 31), reason="迁居")
    second = report(worker, other, on=D(2026, 2, 1))
    assert second.status == "active"
    assert CommunityReport.objects.filter(member=worker, status="active").count() == 1


def test_a_community_member_does_not_report_to_its_own_community(com):
    own = make_member(com, name="社区党员")
    with pytest.raises(ValidationError) as exc:
        report(own, com)
    assert "无须报到" in messages(exc.value)


@pytest.mark.parametrize(
    ("on", "residence", "word"),
    [
        (D(2099, 1, 1), "幸福小区", "晚于今天"),
        (D(2009, 1, 1), "幸福小区", "入党日期"),
        (D(2026, 1, 1), "  ", "居住地址"),
    ],
)
def test_register_refuses_bad_dates_and_empty_address(com, worker, on, residence, word):
    with pytest.raises(ValidationError) as exc:
        report(worker, com, on=on, residence=residence)
    assert word in messages(exc.value)


def test_end_refuses_an_ended_report_and_a_date_before_reporting(com, worker):
    r = report(worker, com)
    with pytest.raises(ValidationError, match="早于报到日期"):
        community.report_end(actor=None, report=r, ended_on=D(2026, 1, 1), reason="迁居")
    with pytest.raises(ValidationError, match="结束原因"):
        community.report_end(actor=None, report=r, ended_on=D(2026, 2, 1), reason=" ")
    community.report_end(actor=None, report=r, ended_on=D(2026, 2, 1), reason="迁居")
    with pytest.raises(ValidationError, match="已于2026-02-01结束"):
        community.report_end(actor=None, report=r, ended_on=D(2026, 2, 2), reason="迁居")


def test_the_report_follows_the_member_to_another_branch(tree, com, worker):
    r = report(worker, com)
    member_services.member_change_org(actor=None, member=worker, to_org=tree.branch_b1, on=D(2026, 3, 1))
    r.refresh_from_db()
    assert r.member_org_path == tree.branch_b1.path


# -- activities and hours --------------------------------------------------------------------------
def test_batch_hours_are_all_or_nothing_and_name_each_line(tree, com, worker):
    second = make_member(tree.branch_a1, name="李工")
    stranger = make_member(tree.branch_b1, name="路人")
    report(worker, com)
    report(second, com)
    act = activity(com)
    with pytest.raises(ValidationError) as exc:
        hours(act, (worker, "2"), (second, "1.2"), (stranger, "1"))
    text = messages(exc.value)
    assert "第2行 李工:服务时长按半小时登记" in text
    assert "第3行 路人:2026-03-05未向本社区报到" in text
    assert not VolunteerRecord.objects.exists()
    rows = hours(act, (worker, "2"), (second, "1.5"))
    assert [r.hours for r in rows] == [Decimal("2.0"), Decimal("1.5")]
    assert all(r.confirmed_on and r.member_org_path == tree.branch_a1.path for r in rows)


@pytest.mark.parametrize(
    ("value", "word"), [("0", "大于0"), ("-1", "大于0"), ("0.3", "半小时"), ("两", "数字"), ("", "请填写")]
)
def test_hours_must_be_positive_half_hours(com, worker, value, word):
    report(worker, com)
    with pytest.raises(ValidationError) as exc:
        hours(activity(com), (worker, value) if value else (worker, ""))
    assert word in messages(exc.value)


def test_hours_once_per_activity_and_within_its_dates(com, worker):
    report(worker, com)
    act = activity(com, ended_on=D(2026, 3, 6))
    hours(act, (worker, 3))
    with pytest.raises(ValidationError, match="已登记过本次活动"):
        hours(act, (worker, 1), on=D(2026, 3, 6))
    with pytest.raises(ValidationError, match="活动日期"):
        hours(activity(com, title="另一次"), (worker, 1), on=D(2026, 3, 7))
    with pytest.raises(ValidationError, match="超过活动天数"):
        hours(activity(com, title="第三次"), (worker, 25))


def test_a_member_of_the_community_itself_may_be_credited(com):
    own = make_member(com, name="社区党员")
    assert hours(activity(com), (own, 1))[0].hours == 1


def test_confirm_and_remove(com, worker):
    report(worker, com)
    act = activity(com)
    record = hours(act, (worker, 2), confirm=False)[0]
    assert record.confirmed_on is None
    assert community.volunteer_record_confirm(actor=None, activity=act) == 1
    with pytest.raises(ValidationError, match="没有待确认"):
        community.volunteer_record_confirm(actor=None, activity=act)
    with pytest.raises(ValidationError, match="删除原因"):
        community.volunteer_record_remove(actor=None, record=record, reason="")
    community.volunteer_record_remove(actor=None, record=record, reason="录错")
    assert not VolunteerRecord.objects.exists()
    assert AuditEntry.objects.filter(action="community.volunteer_record_remove").exists()


def test_activity_update_keeps_recorded_days_inside(com, worker):
    report(worker, com)
    act = activity(com, ended_on=D(2026, 3, 7))
    hours(act, (worker, 2), on=D(2026, 3, 7))
    with pytest.raises(ValidationError, match="须在活动日期之内"):
        community.activity_update(actor=None, activity=act, ended_on=D(2026, 3, 6))
    community.activity_update(actor=None, activity=act, place="幸福小区")
    with pytest.raises(ValidationError, match="同名活动"):
        activity(com, on=D(2026, 3, 5))


def test_activity_needs_a_community(tree):
    with pytest.raises(ValidationError, match="不是社区党组织"):
        activity(tree.branch_a1)


# -- the evaluation and rule CX-03 ----------------------------------------------------------------------
def test_default_cx03_is_a_shipped_local_practice_yearly():
    version = engine.rule("CX-03", on=D(2026, 6, 1))
    assert version.confidence == "L" and not version.is_local
    assert community.evaluation_period(on=D(2026, 6, 1)).key == "2026"


def test_evaluation_once_per_year_by_default(com, worker):
    r = report(worker, com)
    e = community.evaluation_record(actor=None, report=r, grade="excellent", evaluated_on=D(2026, 6, 30))
    assert (e.year, e.period_key, e.rule_id, e.member_org_path) == (2026, "2026", "CX-03", r.member_org_path)
    with pytest.raises(ValidationError) as exc:
        community.evaluation_record(actor=None, report=r, grade="qualified", evaluated_on=D(2026, 11, 1))
    assert "2026年评议已于2026-06-30登记(优秀);每个评议期评议一次(CX-03" in messages(exc.value)
    assert CommunityEvaluation.objects.count() == 1


def test_evaluation_refuses_a_period_without_a_report_and_bad_input(com, worker):
    r = report(worker, com, on=D(2026, 1, 10))
    with pytest.raises(ValidationError, match="2025年没有向本社区报到"):
        community.evaluation_record(actor=None, report=r, grade="qualified", evaluated_on=D(2025, 12, 1))
    with pytest.raises(ValidationError, match="评议等次"):
        community.evaluation_record(actor=None, report=r, grade="good", evaluated_on=D(2026, 2, 1))
    with pytest.raises(ValidationError, match="晚于今天"):
        community.evaluation_record(actor=None, report=r, grade="qualified", evaluated_on=D(2099, 2, 1))


def _foshan(org):
    data = json.loads((packs.EXAMPLE_DIR / "foshan-dual-report.json").read_text(encoding="utf-8"))
    return rule_services.pack_load_local(actor=None, org=org, data=data)


def test_foshan_pack_makes_the_period_half_a_year_inside_its_subtree_only(tree, com, worker):
    _foshan(tree.town_a)
    assert community.evaluation_period(on=D(2026, 3, 1), org=com).key == "2026H1"
    assert community.evaluation_period(on=D(2026, 7, 1), org=com).label == "2026年下半年"
    assert community.evaluation_period(on=D(2026, 3, 1), org=tree.town_b).key == "2026"
    r = report(worker, com)
    community.evaluation_record(actor=None, report=r, grade="qualified", evaluated_on=D(2026, 6, 30))
    with pytest.raises(ValidationError, match="2026年上半年评议已于2026-06-30登记"):
        community.evaluation_record(actor=None, report=r, grade="qualified", evaluated_on=D(2026, 1, 31))
    second = community.evaluation_record(actor=None, report=r, grade="excellent", evaluated_on=D(2026, 7, 1))
    assert second.period_key == "2026H2" and second.rule_version == "1" and second.year == 2026


def test_a_looser_local_cx03_is_refused(tree):
    data = {
        "title": "放宽",
        "level": "county",
        "effective_from": "2025-01-01",
        "rules": [
            {
                "id": "CX-03",
                "title": "两年一次",
                "article": "一",
                "params": {
                    "obligations": [
                        {
                            "meeting_kind": "community_evaluation",
                            "label": "社区评议报到的在职党员",
                            "times": 1,
                            "per": "year",
                            "applies_to": "org",
                        }
                    ],
                    "in_service_categories": ["50"],
                },
            }
        ],
    }
    with pytest.raises(ValidationError) as exc:
        rule_services.pack_load_local(actor=None, org=tree.county, data=data)
    text = messages(exc.value)
    assert "适用范围" in text and "只能增加不能减少" in text


def test_grade_cap_only_with_the_local_rule_and_only_for_the_unreported(tree, com, worker):
    reported = make_member(tree.branch_a1, name="已报到", category="41")
    report(reported, com)
    retired = make_member(tree.branch_a1, name="退休", category="82")
    assert community.grade_cap(member=worker, year=2026) is None  # no local rule: no cap
    _foshan(tree.town_a)
    cap = community.grade_cap(member=worker, year=2026)
    assert cap is not None and cap.max_grade == "basic" and cap.max_label == "基本合格"
    assert "L-CX-03-REVIEW" in cap.cite and "本地规定" in cap.cite
    assert community.grade_cap(member=reported, year=2026) is None
    assert community.grade_cap(member=retired, year=2026) is None


def test_village_and_community_members_are_not_in_service(tree, com):
    from zugong.members import community_selectors as sel
    from zugong.members.models import Member

    village = make_org(tree.town_b, code="C0BV", name="某村党支部")
    from .community_helpers import make_unit, org_services

    unit = make_unit(tree.town_b, kind="village")
    org_services.org_set_units(actor=None, org=village, units=[unit], primary=unit)
    farmer_worker = make_member(village, category="50")
    com_worker = make_member(com, category="50")
    office = make_member(tree.branch_b1, category="50")
    ids = set(sel.in_service(Member.objects.all(), org=None, on=D(2026, 6, 1)).values_list("pk", flat=True))
    assert office.pk in ids and farmer_worker.pk not in ids and com_worker.pk not in ids
