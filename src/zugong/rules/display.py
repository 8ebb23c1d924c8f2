"""Rule parameters in readable Chinese, for pages, the CLI, the API and docs/rules.md."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

PER_LABELS = {"month": "每月", "quarter": "每季度", "half_year": "每半年", "year": "每年"}
APPLIES_TO = {
    "branch": "党支部",
    "branch_with_committee": "设支委会的党支部",
    "party_group": "党小组",
    "leadership_team": "县以上领导班子",
    "member": "党员",
    "mobile_member": "流动党员",
    "org": "党组织",
    "community": "社区党组织",
}
OP_LABELS = {"gt": "超过", "gte": "不少于"}
BASE_LABELS = {"voting_expected": "应到会有表决权人数"}
# Codes that appear inside list parameters, in Chinese.
VALUE_LABELS = {
    "basic": "基本合格",
    "village": "村",
    "community": "社区",
    "committee": "党委",
    "working_committee": "工作委员会",
    "village_propose": "村党组织提议",
    "village_consult": "村“两委”商议",
    "village_review": "党员大会审议",
    "village_resolve": "村民会议或村民代表会议决议",
    "village_publish_resolution": "决议公开",
    "village_publish_result": "实施结果公开",
    "whole": "全部基数适用一个比例,不分段累进",
    "salaried": "在职党员",
    "retired": "离退休党员",
    "farmer": "农民党员",
    "student": "学生党员",
    "unemployed": "下岗失业党员",
    "relief": "依靠抚恤救济或领取低保的党员",
}
DIRECTION_LABELS = {"up": "只能调高", "down": "只能调低", "superset": "只能增加", "fixed": "不可修改"}

# One Chinese name per parameter used in the shipped packs; an unknown name is shown as is.
PARAM_LABELS: dict[str, str] = {
    "in_service_categories": "应报到的在职党员人员类别(代码)",
    "unreported_max_grade": "未报到者民主评议最高等次",
    "min_formal_members": "成立党支部的正式党员人数(下限)",
    "joint_branch_max_units": "联合党支部覆盖单位数(上限)",
    "min_months": "持续月数(下限)",
    "max_members": "党员人数(上限)",
    "committee_from_formal_members": "设支委会的正式党员人数",
    "committee_min_seats": "支委会委员人数(下限)",
    "committee_max_seats": "支委会委员人数(上限)",
    "committee_usual_max_seats": "支委会委员一般人数(上限)",
    "required_duties": "应设委员分工",
    "village_community_years": "村、社区党支部每届任期(年)",
    "default_years": "其他党支部每届任期(年)",
    "village_community_unit_kinds": "按村、社区任期的单位类别",
    "secretary_min_party_years": "书记党龄(年,下限)",
    "obligations": "应开展的组织生活",
    "quorum": "到会与表决",
    "committee_years": "党的基层委员会每届任期(年)",
    "committee_kinds": "适用的组织类别",
    "notice_months_before": "任期届满前提醒(月)",
    "max_postpone_months": "延期或提前换届(月,上限)",
    "min_surplus_fraction": "候选人差额比例(下限)",
    "congress_min_members": "可召开党员代表大会的党员人数",
    "min_age_years": "申请入党年龄(周岁,下限)",
    "within_months": "办理时限(月)",
    "special_within_months": "特殊情况办理时限(月)",
    "within_days": "办理时限(日)",
    "min_contacts": "培养联系人人数(下限)",
    "max_contacts": "培养联系人人数(上限)",
    "min_years": "经过年限(下限)",
    "min_workdays": "公示期(工作日,下限)",
    "introducers": "入党介绍人人数",
    "min_training_days": "集中培训天数(下限)",
    "min_training_hours": "集中培训学时(下限)",
    "leaving_within_months": "即将离开单位的月数(不予办理)",
    "written_opinions_count": "书面意见计入票数",
    "separate_votes": "逐个表决",
    "secret_ballot": "无记名投票",
    "probation_months": "预备期(月)",
    "extension_min_months": "延长预备期(月,下限)",
    "extension_max_months": "延长预备期(月,上限)",
    "max_extensions": "延长预备期次数(上限)",
    "categories": "适用人员",
    "brackets": "档次(全额适用,非累进)",
    "fixed": "定额",
    "mode": "计算方式",
    "central_min_amount": "一次缴纳全额上缴中央的金额(元,下限)",
    "max_back_months": "补交党费月数(上限)",
    "warn_months": "未交党费提醒(月)",
    "lapse_months": "视为自行脱党(月)",
    "transfer_after_months": "外出应转组织关系(月)",
    "max_letter_months": "介绍信有效期(月,上限)",
    "max_letter_months_cross_province": "跨省介绍信有效期(月,上限)",
    "stub_keep_years": "介绍信存根保存(年)",
    "lost_contact_months": "失联停止党籍(月)",
    "suspended_removal_years": "停止党籍后除名(年)",
    "abroad_suspend_years": "出国(境)学习研究未归停止党籍(年)",
    "mobile_min_months": "流动党员外出(月,下限)",
    "member_min_hours": "党员每年集中学习培训(学时,下限)",
    "leader_min_hours": "基层党组织书记和班子成员每年(学时,下限)",
    "new_secretary_within_months": "新任书记任职培训(月内)",
    "county_min_months_per_5_years": "县处级以上每5年累计培训(月,下限)",
    "county_min_hours_per_5_years": "县处级以上每5年累计培训(学时,下限)",
    "township_min_days_per_year": "乡科级及以下每年培训(天,下限)",
    "township_min_hours_per_year": "乡科级及以下每年培训(学时,下限)",
    "max_leave_fraction": "脱产培训请假(比例,上限)",
    "forms": "考核方式",
    "dimensions": "考核内容",
    "individual_grades": "个人考核等次",
    "team_grades": "班子考核等次",
    "max_fraction": "优秀比例(上限)",
    "special_max_fraction": "特殊情况优秀比例(上限)",
    "institution_max_fraction": "事业单位优秀比例(一般)",
    "institution_special_max_fraction": "事业单位优秀比例(上限)",
    "min_years_as_deputy": "副职提任正职须任副职(年,下限)",
    "min_years_as_lower_head": "下级正职提任上级副职须任正职(年,下限)",
    "min_years_since_promotion": "提拔任职后破格(年,下限)",
    "max_levels_jump": "破格提拔可越级数(上限)",
    "probation_years": "试用期(年)",
    "banned_metrics": "不得作为考评依据",
    "banned_patterns": "禁止的做法",
    "max_reports": "同类材料报送次数(上限)",
    "min_fraction": "比例(下限)",
    "steps": "步骤",
    "quorum_step": "须表决的步骤",
    "max_inactive_months": "不开展活动(月,上限)",
    "bands": "星级分档",
    "max_score": "满分",
    "criteria": "情形",
    "secretary_vacant_months": "书记出缺(月)",
    "no_candidate_years": "连续无发展对象(年)",
    "min_satisfaction": "群众满意率(下限)",
    "required_items": "必选内容",
    "min_party_years": "党龄(年,下限)",
    "min_work_years": "工作经历(年,下限)",
    "term_years": "任期(年)",
    "min_days_in_village_per_month": "每月在村(天,下限)",
    "member_min_items": "党员承诺事项(项,下限)",
    "member_max_items": "党员承诺事项(项,上限)",
    "org_min_items": "组织承诺事项(项,下限)",
    "no_certificate_within_months": "无需证明(月内)",
    "letter_after_months": "须开介绍信(月以上)",
}


def label(name: str) -> str:
    return PARAM_LABELS.get(name, name)


def fraction_text(value: Any) -> str:
    f = Fraction(str(value))
    named = {
        Fraction(1, 2): "二分之一(半数)",
        Fraction(2, 3): "三分之二",
        Fraction(4, 5): "五分之四",
        Fraction(1, 5): "20%",
        Fraction(1, 4): "25%",
        Fraction(3, 20): "15%",
        Fraction(1, 7): "七分之一",
    }
    if f in named:
        return named[f]
    pct = f * 100
    return f"{float(pct):g}%"


def _obligation(o: dict[str, Any]) -> str:
    who = APPLIES_TO.get(o.get("applies_to", ""), o.get("applies_to", ""))
    return f"{o['label']}:{PER_LABELS.get(o['per'], o['per'])}至少{o['times']}次" + (
        f"({who})" if who else ""
    )


def _clause(c: dict[str, Any]) -> str:
    base = BASE_LABELS.get(c.get("base", ""), c.get("base", ""))
    return f"{OP_LABELS.get(c['op'], c['op'])}{base}的{fraction_text(c['fraction'])}"


def _money(value: Any) -> str:
    d = Decimal(str(value))
    return f"{d.normalize():f}"


def value_text(name: str, value: Any) -> str:
    """One parameter's value as a reader would say it."""
    if name == "obligations":
        return ";".join(_obligation(o) for o in value)
    if name == "quorum":
        parts = []
        if "present" in value:
            parts.append("到会须" + _clause(value["present"]))
        if "pass" in value:
            parts.append("赞成票须" + _clause(value["pass"]))
        return ";".join(parts)
    if name == "brackets":
        out = []
        lower = None
        for row in value:
            rate = f"{(Decimal(str(row['rate'])) * 100).normalize():f}%"
            if row.get("upto") is None:
                out.append(f"{_money(lower)}元以上 {rate}")
            elif lower is None:
                out.append(f"{_money(row['upto'])}元以下(含) {rate}")
            else:
                out.append(f"{_money(lower)}至{_money(row['upto'])}元(含) {rate}")
            lower = row.get("upto")
        return ";".join(out)
    if name == "fixed":
        return ";".join(v["label"] for v in value.values())
    if name == "bands":
        return ";".join(f"{b['label']}:{b['min']}分以上" for b in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(VALUE_LABELS.get(str(v), str(v)) for v in value)
    if isinstance(value, str) and value in VALUE_LABELS:
        return VALUE_LABELS[value]
    if isinstance(value, dict):
        return ";".join(f"{label(k)}:{value_text(k, v)}" for k, v in value.items())
    if isinstance(value, str) and "/" in value:
        try:
            return fraction_text(value)
        except ValueError:
            return value
    return str(value)


def describe(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of a rule's parameters, in their order."""
    return [(label(k), value_text(k, v)) for k, v in params.items()]


def summary(params: dict[str, Any]) -> str:
    return ";".join(f"{k}:{v}" for k, v in describe(params)) or "—"
