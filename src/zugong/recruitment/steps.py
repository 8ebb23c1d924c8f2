"""The 25 steps of 发展党员 in 5 stages (the 12371 flowchart of 《中国共产党发展党员工作细则》), as data.

Each step names the rules that judge it (rule ids of the recruitment packs; the engine picks the
version in force on the date judged), which recorded steps it may not precede (`after`), the
structured fields its record carries, and whether it may be recorded more than once.

Gates move a file forward: 递交申请 → 确定积极分子 → 确定发展对象 → 支部大会通过 → 上级党委批准
→ 转正表决 → 转正审批 → 归档. Every other step belongs to the segment after a gate; it is due while
its segment is open and "missing" once the next gate has been recorded without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

STAGES: dict[int, Promise] = {
    1: _("入党申请"),
    2: _("入党积极分子的确定和培养教育"),
    3: _("发展对象的确定和考察"),
    4: _("预备党员的接收"),
    5: _("预备党员的教育考察和转正"),
}


DONE_BY = _("经办人")


@dataclass(frozen=True)
class Step:
    code: str
    number: int
    stage: int
    title: Promise
    done_by_label: Promise = DONE_BY
    rules: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    repeatable: bool = False
    gate: bool = False
    recurring: bool = False  # done alongside the main line (assessments), never "the next step"
    hint: Promise | str = ""

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}"


STEPS: list[Step] = [
    Step(
        "apply",
        1,
        1,
        _("递交入党申请书"),
        _("接收人"),
        ("FZ-01", "FZ-02"),
        gate=True,
        hint=_("日期为党组织收到入党申请书之日;申请时须年满十八周岁"),
    ),
    Step(
        "talk",
        2,
        1,
        _("党组织派人谈话"),
        _("谈话人"),
        ("FZ-03",),
        ("apply",),
        hint=_("收到入党申请书后一个月内派人谈话"),
    ),
    Step(
        "activist",
        3,
        2,
        _("推荐和确定入党积极分子"),
        _("经办人"),
        ("FZ-04",),
        ("talk",),
        ("method",),
        gate=True,
        hint=_("党员推荐、群团组织推优,支部委员会研究决定"),
    ),
    Step("activist_filing", 4, 2, _("报上级党委备案"), _("经办人"), ("FZ-04",), ("activist",)),
    Step(
        "contacts",
        5,
        2,
        _("指定培养联系人"),
        _("经办人"),
        ("FZ-05",),
        ("activist",),
        ("people",),
        hint=_("一至两名正式党员"),
    ),
    Step(
        "assessment",
        6,
        2,
        _("培养教育考察"),
        _("考察人"),
        ("FZ-06",),
        ("activist", "contacts"),
        repeatable=True,
        recurring=True,
        hint=_("党支部每半年考察一次"),
    ),
    Step(
        "candidate",
        7,
        3,
        _("确定发展对象"),
        _("经办人"),
        ("FZ-07", "FZ-08"),
        ("activist", "activist_filing", "contacts", "assessment"),
        ("publicity",),
        gate=True,
        hint=_("培养教育一年以上;支部委员会讨论同意"),
    ),
    Step("candidate_filing", 8, 3, _("报上级党委备案"), _("经办人"), ("FZ-07",), ("candidate",)),
    Step(
        "introducers",
        9,
        3,
        _("确定入党介绍人"),
        _("经办人"),
        ("FZ-09",),
        ("candidate",),
        ("people",),
        hint=_("两名正式党员,一般由培养联系人担任"),
    ),
    Step(
        "political_review",
        10,
        3,
        _("进行政治审查"),
        _("审查人"),
        ("FZ-10",),
        ("candidate",),
        ("review",),
        hint=_("须形成结论性材料;不合格的不能发展入党"),
    ),
    Step(
        "training",
        11,
        3,
        _("开展集中培训"),
        _("培训单位"),
        ("FZ-11",),
        ("candidate",),
        ("training",),
        hint=_("不少于三天或二十四学时"),
    ),
    Step(
        "branch_review",
        12,
        4,
        _("支部委员会审查"),
        _("经办人"),
        ("FZ-12",),
        ("candidate_filing", "introducers", "political_review", "training"),
        ("leaving",),
    ),
    Step(
        "pre_review",
        13,
        4,
        _("上级党委预审"),
        _("经办人"),
        ("FZ-12",),
        ("branch_review",),
        ("review",),
        hint=_("预审合格的发给入党志愿书"),
    ),
    Step("application_form", 14, 4, _("填写入党志愿书"), _("经办人"), (), ("pre_review",), ("serial",)),
    Step(
        "assembly",
        15,
        4,
        _("支部大会讨论"),
        _("主持人"),
        ("FZ-13", "FZ-14"),
        ("application_form", "pre_review", "branch_review", "assembly"),
        ("vote",),
        repeatable=True,
        gate=True,
        hint=_("赞成票须超过应到会有表决权正式党员的半数"),
    ),
    Step(
        "committee_talk",
        16,
        4,
        _("上级党委派人谈话"),
        _("谈话人"),
        ("FZ-15",),
        ("assembly",),
        hint=_("党委委员或组织员谈话"),
    ),
    Step(
        "approval",
        17,
        4,
        _("上级党委审批"),
        _("经办人"),
        ("FZ-16",),
        ("assembly", "committee_talk"),
        ("approval",),
        gate=True,
        hint=_("三个月内审批,特殊情况不超过六个月"),
    ),
    Step("approval_filing", 18, 4, _("再上一级党委组织部门备案"), _("经办人"), (), ("approval",)),
    Step("group_assignment", 19, 5, _("编入党支部和党小组"), _("经办人"), (), ("approval",)),
    Step("oath", 20, 5, _("入党宣誓"), _("领誓人"), ("FZ-17",), ("approval",)),
    Step(
        "probation_assessment",
        21,
        5,
        _("继续教育考察"),
        _("考察人"),
        (),
        ("approval",),
        repeatable=True,
        recurring=True,
    ),
    Step(
        "conversion_application",
        22,
        5,
        _("提出书面转正申请"),
        _("接收人"),
        (),
        ("approval", "conversion_approval"),
        repeatable=True,
    ),
    Step(
        "conversion_vote",
        23,
        5,
        _("支部大会讨论转正"),
        _("主持人"),
        ("FZ-18", "FZ-14"),
        ("approval", "conversion_application", "conversion_vote", "conversion_approval"),
        ("vote", "decision"),
        repeatable=True,
        gate=True,
        hint=_("预备期满后讨论:按期转正、延长预备期(一次,六个月至一年)或取消预备党员资格"),
    ),
    Step(
        "conversion_approval",
        24,
        5,
        _("上级党委审批转正"),
        _("经办人"),
        ("FZ-19",),
        ("conversion_vote",),
        ("approval",),
        repeatable=True,
        gate=True,
        hint=_("三个月内审批"),
    ),
    Step("archive", 25, 5, _("材料归档"), _("经办人"), ("FZ-21",), ("conversion_approval",)),
]
BY_CODE: dict[str, Step] = {s.code: s for s in STEPS}
CHOICES = [(s.code, s.label) for s in STEPS]
GATES = [s.code for s in STEPS if s.gate]


def get(code: str) -> Step:
    return BY_CODE[code]


def segment_gate(code: str) -> str | None:
    """The gate whose segment `code` belongs to (the last gate before it); None for the first."""
    step = BY_CODE[code]
    before = [s for s in STEPS if s.gate and s.number < step.number]
    return before[-1].code if before else None


def next_gate(code: str) -> str | None:
    step = BY_CODE[code]
    later = [s for s in STEPS if s.gate and s.number > step.number]
    return later[0].code if later else None
