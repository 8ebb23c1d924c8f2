"""Demo and benchmark data for organizational life (组织生活): what `zugong seed` adds once the tree and
the members are written.

For every branch, about a year of history up to the seed's as-of date (from October of the previous
year, or from twelve months back when that is earlier): the monthly 主题党日, often combined in one
meeting with the quarter's 党员大会 and 党课 (one meeting, several `MeetingPart`s), 支委会 monthly where
the branch has a committee (ZB-04: ≥ 7 formal members or ≥ 3 active seats, as compliance.py decides),
党小组会 per party group, 谈心谈话, and the yearly 组织生活会 with 民主评议党员 in the fourth quarter
(last year's always, this year's once its date has come). Most branches comply; a minority fails in
one of a few realistic ways (months missed, a 党员大会 without a quorum, recording stopped in the
summer, party groups that lapse, only the quarterly meetings), so compliance shows red, amber and
green and the six-month rule (GX-05) names members.

The rows are exactly those the services would store: each part copies the meeting's org, path,
party group, date and month; a part `counts` unless its quorum rule (ZB-08 / ZB-09 / CX-01, judged by
`rules.engine.quorum` on the meeting's date) failed; `quorum_met`/`quorum_note` and each vote's
`passed`/`result_note` as `orglife.services` computes them.

Two levels of detail:

* detailed (tiny and county scale): per-member `Attendance` (present, on leave with a reason,
  absent), `Member.last_orglife_on` by `services.refresh_last_orglife`'s rule (the latest meeting
  attended or excused, one set-based UPDATE), last year's 民主评议 results (a few 不合格 with their
  follow-up, some closed) and a few 四议两公开 matters in village branches;
* counts (city and province scale): meetings, parts and votes with the attendance counts on the
  meeting rows but no per-member rows (that would be hundreds of millions), and `last_orglife_on`
  set by one UPDATE from each branch's meeting dates (most members at the latest, some a meeting
  earlier, a few lapsed for more than six months).

Deterministic per seed and as-of date: each branch draws from its own `random.Random` seeded with the
seed and its path. On PostgreSQL the rows go in by COPY (text), generated in worker processes in
chunks of branches while this process streams them; each chunk's meeting ids are reserved from an
upper bound of what its branches can hold, so the result does not depend on the number of workers.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Max

from zugong.rules import engine

DETAILED_SCALES = ("tiny", "county")
CHUNK_BRANCHES = 2000
QUORUM_RULES = {"branch_assembly": "ZB-08", "branch_committee": "ZB-09", "village_review": "CX-01"}
VILLAGE_STEPS = [
    "village_propose",
    "village_consult",
    "village_review",
    "village_resolve",
    "village_publish_resolution",
    "village_publish_result",
]

# -- what meetings are about ------------------------------------------------------------------------
THEME_TOPICS = [
    "学习贯彻党的二十大精神",
    "学习《中国共产党章程》",
    "重温入党誓词,坚定理想信念",
    "学习习近平新时代中国特色社会主义思想",
    "开展志愿服务,践行初心使命",
    "学习《中国共产党纪律处分条例》",
    "传承红色基因,参观革命教育基地",
    "为党员过政治生日",
    "学习党史,赓续精神血脉",
    "聚焦中心工作,开展民主议事",
    "走访慰问困难党员和群众",
    "学习贯彻全会精神",
]
ASSEMBLY_TOPICS = [
    "研究讨论本季度党支部工作",
    "通报党支部工作情况,讨论党员发展",
    "讨论接收预备党员",
    "讨论预备党员转正",
    "审议党支部工作计划",
    "讨论党费收缴使用情况",
]
LECTURE_TOPICS = [
    "书记讲党课:牢记初心使命",
    "党课:从党史中汲取奋进力量",
    "党课:加强党性修养",
    "党课:全面从严治党永远在路上",
]
COMMITTEE_TOPICS = [
    "研究本月党建工作安排",
    "研究党员教育管理工作",
    "研究发展党员工作",
    "研究主题党日活动方案",
    "研究党费收缴和困难党员帮扶",
    "研究意识形态工作",
]
GROUP_TOPICS = ["集中学习党的创新理论", "开展批评和自我批评", "学习党章党规", "交流学习体会", "谈心谈话"]
HEART_TOPICS = ["支部委员与党员谈心谈话", "书记与党员谈心谈话", "党员之间谈心谈话"]
VILLAGE_MATTERS = [
    "村集体经济合作项目",
    "村内道路硬化工程",
    "村级光伏发电项目",
    "高标准农田建设",
    "村集体土地流转",
    "村便民服务中心修缮",
    "农村人居环境整治",
]
PLACES = ["党员活动室", "会议室", "党群服务中心", "党员教育基地"]
VILLAGE_PLACES = ["村委会议室", "村党员活动室", "村党群服务中心"]
LEAVE_REASONS = ["因病请假", "出差", "外出学习", "照顾家人", "工作冲突", "身体原因"]
MOBILE_REASONS = ["外出务工", "在外地工作", "在外地经商"]
ABSENT_REASONS = ["", "", "未说明原因"]
VOTE_SUBJECTS = ["接收预备党员", "预备党员转正", "民主评议党员结果", "党支部工作计划", "推荐优秀党员"]
REQUIRED_THEME_ITEMS = ["oath", "constitution", "dues", "study", "birthday"]
OPTIONAL_THEME_ITEMS = ["core_meetings", "heart_talk", "appraisal", "deliberation", "volunteer", "visits"]
# How branches fail, and how often (the rest comply; see the module docstring).
PROFILES = [
    ("missed", 0.05),
    ("no_quorum", 0.03),
    ("summer_stop", 0.02),
    ("groups_lax", 0.02),
    ("sparse", 0.015),
]
TIMES = [
    (dt.time(9, 0), dt.time(11, 0)),
    (dt.time(14, 30), dt.time(16, 30)),
    (dt.time(15, 0), dt.time(17, 0)),
]


def history_start(as_of: dt.date) -> dt.date:
    """From October of the previous year (last year's fourth-quarter 组织生活会), or twelve months back."""
    twelve = engine.add_months(as_of.replace(day=1), -12)
    return min(dt.date(as_of.year - 1, 10, 1), twelve)


def months(start: dt.date, end: dt.date) -> list[dt.date]:
    out = []
    day = start.replace(day=1)
    while day <= end:
        out.append(day)
        day = engine.add_months(day, 1)
    return out


# -- inputs -----------------------------------------------------------------------------------------
@dataclass(slots=True)
class MemberInfo:
    id: int
    formal: bool
    mobile: bool
    group_id: int | None
    joined: dt.date


@dataclass(slots=True)
class BranchInfo:
    id: int
    path: str
    code: str
    established: dt.date | None
    normal: int = 0
    formal: int = 0
    seats: int = 0
    secretary: str = ""
    deputy: str = ""
    village: bool = False
    for_mobile: bool = False  # a 流动党员党支部: its members meet there (online), not "away"
    groups: list = field(default_factory=list)  # (group id, members in good standing)
    members: list | None = None  # MemberInfo, detailed mode
    seat_members: list = field(default_factory=list)  # member ids of the active seats, detailed mode


@dataclass
class Params:
    seed: int
    as_of: dt.date
    start: dt.date
    min_formal: int  # ZB-04
    min_seats: int
    detailed: bool
    theme_items: list[str]


def bound(branch: BranchInfo, n_months: int) -> int:
    """The most meetings the generator can give a branch: reserved ids."""
    return n_months * (4 + len(branch.groups)) + 20


# -- judging, exactly as the services do ---------------------------------------------------------------
class Judge:
    """`services._judge` and `_judge_vote` through `engine.quorum`, memoized per rule version and counts."""

    def __init__(self) -> None:
        self.cache: dict[tuple, engine.VoteResult] = {}
        self.versions: dict[tuple, tuple] = {}

    def _result(self, rule_id: str, on: dt.date, e: int, p: int, votes: tuple | None = None):
        vkey = self.versions.get((rule_id, on))
        if vkey is None:
            version = engine.rule(rule_id, on=on)
            vkey = self.versions[(rule_id, on)] = (rule_id, version.pack_version, version.effective_from)
        key = (vkey, e, p, votes)
        hit = self.cache.get(key)
        if hit is None:
            if votes is None:
                hit = engine.quorum(rule_id, expected=e, present=p, on=on)
            else:
                yes, no, abstain = votes
                hit = engine.quorum(rule_id, expected=e, present=p, yes=yes, no=no, abstain=abstain, on=on)
            self.cache[key] = hit
        return hit

    def meeting(self, kinds: list[str], on: dt.date, ve: int, vp: int) -> tuple[dict, bool | None, str]:
        if len(kinds) == 1 and kinds[0] not in QUORUM_RULES:
            return {kinds[0]: True}, None, ""
        counts: dict[str, bool] = {}
        notes: list[str] = []
        met: bool | None = None
        for kind in kinds:
            rule_id = QUORUM_RULES.get(kind)
            if not rule_id:
                counts[kind] = True
                continue
            result = self._result(rule_id, on, ve, vp)
            counts[kind] = result.quorum_met
            met = result.quorum_met if met is None else (met and result.quorum_met)
            notes.extend(result.reasons)
        return counts, met, ";".join(dict.fromkeys(notes))[:300]

    def vote(self, kinds: list[str], on: dt.date, ve: int, vp: int, yes: int, no: int, abstain: int):
        rule_id = next((QUORUM_RULES[k] for k in kinds if k in QUORUM_RULES), None)
        if rule_id is None:
            return None, ""
        result = self._result(rule_id, on, ve, vp, (yes, no, abstain))
        if result.passed is None:
            passed = None if result.quorum_met else False
        else:
            passed = result.quorum_met and result.passed
        return passed, ";".join(result.reasons)[:300]


N = "\\N"  # NULL in COPY text


@dataclass(slots=True)
class _BranchText:
    id_path: str  # "org_id<TAB>org_path", escaped
    names: str  # "host<TAB>recorder", escaped


def _line(row: tuple) -> str:
    return "\t".join(map(_text, row)) + "\n"


def lapsed_member(member_id: int, seed: int) -> bool:
    """About one member in eighty has stopped coming (GX-05's six months); the same test in SQL."""
    return (member_id * 2654435761 + seed) % 1000 < 12


# -- the generator ------------------------------------------------------------------------------------
class Gen:
    """Generates the rows of a chunk of branches into per-table lists of tuples (no database access)."""

    def __init__(
        self,
        params: Params,
        next_meeting: int,
        next_decision: int = 1,
        *,
        text: bool = False,
        extra: str = "",
    ) -> None:
        self.p = params
        # text: rows as lines of COPY text (counts mode only: no attendance, reviews or decisions)
        self.text = text and not params.detailed
        self.meeting_extra = ("\t" + extra) if extra else ""
        self.day_text: dict[dt.date, str] = {}
        self.next_meeting = next_meeting
        self.next_decision = next_decision
        self.judge = Judge()
        self.months = months(params.start, params.as_of)
        # (month start, next month's start, last day) — add_months is slow in a loop
        self.month_info = [(m, engine.add_months(m, 1)) for m in self.months]
        self.closed = [m for m, nxt in self.month_info if nxt <= params.as_of]
        self.cutoff = engine.add_months(params.as_of, -7)
        self.rows: dict[str, list] = {
            "meetings": [],
            "parts": [],
            "votes": [],
            "attendance": [],
            "reviews": [],
            "decisions": [],
        }
        items = [c for c in params.theme_items if c in REQUIRED_THEME_ITEMS]
        optional = [c for c in params.theme_items if c not in REQUIRED_THEME_ITEMS]
        self.theme_json = [json.dumps(items + optional[i : i + k]) for i in range(3) for k in (1, 2)]
        self.theme_json.append(json.dumps(items))

    # -- a branch ---------------------------------------------------------------------------------
    def branch(self, b: BranchInfo) -> None:
        p = self.p
        rng = random.Random(f"{p.seed}:orglife:{b.path}")
        self.b = b
        self.rng = rng
        if self.text:
            self.t = _BranchText(f"{b.id}\t{_text(b.path)}", f"{_text(b.secretary)}\t{_text(b.deputy)}")
        r = rng.random()
        profile = "good"
        for name, share in PROFILES:
            if r < share:
                profile = name
                break
            r -= share
        self.profile = profile
        as_of = p.as_of
        committee = b.formal >= p.min_formal or b.seats >= p.min_seats
        village = b.village
        self.places = VILLAGE_PLACES if village else PLACES
        self.time_slot = rng.choice(TIMES)
        theme_day = rng.randint(3, 26)
        committee_day = rng.randint(1, 10)
        missed: set[dt.date] = set()
        closed = self.closed
        if profile == "missed" and closed:
            missed = set(rng.sample(closed, min(len(closed), rng.randint(1, 3))))
        stop = None
        if profile == "summer_stop":
            stop = dt.date(as_of.year, rng.randint(6, 8), rng.randint(1, 28))
        bad_quarter = None
        closed_quarters = [
            m
            for m in closed
            if m.month in (1, 4, 7, 10) and m.year == as_of.year and m.replace(month=m.month + 2) in closed
        ]
        if profile == "no_quorum" and closed_quarters:
            bad_quarter = rng.choice(closed_quarters)
        established = b.established
        self.stop = stop
        life_year = 0
        self.group_members: dict[int, list] = {}
        for m in b.members or ():
            if m.group_id is not None:
                self.group_members.setdefault(m.group_id, []).append(m)
        for i, (month, next_month) in enumerate(self.month_info):
            q_index = (month.month - 1) % 3
            if q_index == 0 or i == 0:
                # The quarter's 党员大会 and 党课: in which month, and whether within the 主题党日.
                assembly_at = rng.choices((0, 1, 2), (3, 3, 4))[0]
                lecture_at = assembly_at if rng.random() < 0.6 else rng.randint(0, 2)
                separate = rng.random() < 0.3
                quarter = month.replace(month=month.month - q_index)
                fail_quarter = quarter == bad_quarter
                slip = rng.random() < 0.015  # an ordinary failed quorum, made up ten days later
            if stop is not None and month > stop:
                break
            if established and next_month <= established:
                continue
            last_day = (next_month - dt.timedelta(days=1)).day
            day = min(last_day, max(1, theme_day + rng.randint(-2, 2)))
            held_on = month.replace(day=day)
            assembly_here = q_index == assembly_at
            theme_ok = month not in missed and not (profile == "sparse" and not assembly_here)
            # 主题党日, with the 党员大会 / 党课 of the quarter when they fall in this month
            kinds = ["theme_day"] if theme_ok else []
            if assembly_here and not separate:
                kinds.append("branch_assembly")
            if q_index == lecture_at and theme_ok:
                kinds.append("party_lecture")
            fail = assembly_here and (fail_quarter or slip)
            if kinds:
                self.whole_branch(kinds, held_on, fail=fail and "branch_assembly" in kinds)
            if assembly_here and separate:
                a_on = month.replace(day=min(last_day, max(1, day + rng.choice((-7, 5, 9)))))
                self.whole_branch(["branch_assembly"], a_on, fail=fail)
            if assembly_here and slip and not fail_quarter:
                self.whole_branch(["branch_assembly"], held_on + dt.timedelta(days=10))
            # 支委会
            if committee and profile != "sparse" and month not in missed:
                self.committee(month.replace(day=min(last_day, committee_day + rng.randint(0, 3))))
            # 党小组会
            for group_id, size in b.groups:
                if profile == "sparse" or (profile == "groups_lax" and rng.random() < 0.35):
                    continue
                if rng.random() < 0.003:
                    continue  # an ordinary lapse
                self.group(group_id, size, month.replace(day=rng.randint(1, last_day)))
            # 谈心谈话, twice a year
            if month.month in (3, 9) and profile != "sparse":
                self.heart_talk(month.replace(day=rng.randint(1, last_day)))
            # 组织生活会 and 民主评议党员 in the fourth quarter
            if life_year != month.year and (month.month == 12 or (month.month == 11 and rng.random() < 0.3)):
                if profile == "sparse" and month.year == as_of.year:
                    continue
                life_year = month.year
                life_on = month.replace(day=rng.randint(10, last_day - 2))
                if rng.random() < 0.7:
                    self.whole_branch(["life_meeting", "member_review"], life_on)
                else:
                    self.whole_branch(["life_meeting"], life_on)
                    self.whole_branch(["member_review"], life_on + dt.timedelta(days=rng.randint(1, 2)))
        if village and p.detailed and rng.random() < 0.15:
            self.village_decision()

    # -- meetings ---------------------------------------------------------------------------------
    def _meeting(
        self,
        kinds: list[str],
        held_on: dt.date,
        *,
        topic: str,
        expected: int,
        present: int,
        leave: int,
        ve: int,
        vp: int,
        group_id: int | None = None,
        decision_id: int | None = None,
        attendance: list | None = None,
        lecturer: str = "",
        theme: str = "[]",
        votes: list | None = None,
    ) -> int | None:
        if held_on > self.p.as_of or (self.b.established and held_on < self.b.established):
            return None
        if self.stop is not None and held_on > self.stop:
            return None
        b = self.b
        meeting_id = self.next_meeting
        self.next_meeting += 1
        counts, met, note = self.judge.meeting(kinds, held_on, ve, vp)
        starts, ends = self.time_slot
        places = self.places
        place = places[int(self.rng.random() * len(places))]
        ym = held_on.year * 100 + held_on.month
        if self.text:
            day = self.day_text.get(held_on)
            if day is None:
                day = self.day_text[held_on] = held_on.isoformat()
            # COPY text directly (the hot path at province scale): names and paths were escaped once
            # per branch, the other values are numbers, dates and fixed words.
            t = self.t
            g = N if group_id is None else group_id
            d = N if decision_id is None else decision_id
            q = N if met is None else ("t" if met else "f")
            self.rows["meetings"].append(
                f"{meeting_id}\t{t.id_path}\t{g}\t{d}\t{day}\t{starts}\t{ends}\t{place}\t{topic}\t"
                f"{t.names}\t{lecturer}\t\t{theme}\t{expected}\t{present}\t{leave}\t{ve}\t{vp}\t"
                f"{'t' if attendance is not None else 'f'}\t{q}\t{note}{self.meeting_extra}\n"
            )
            parts = self.rows["parts"]
            for kind in kinds:
                parts.append(
                    f"{meeting_id}\t{kind}\t{t.id_path}\t{g}\t{day}\t{ym}\t{'t' if counts[kind] else 'f'}\n"
                )
        else:
            self.rows["meetings"].append(
                (
                    meeting_id, b.id, b.path, group_id, decision_id, held_on, starts, ends, place, topic,
                    b.secretary, b.deputy, lecturer, "", theme, expected, present, leave, ve, vp,
                    attendance is not None, met, note,
                )
            )  # fmt: skip
            parts = self.rows["parts"]
            for kind in kinds:
                parts.append((meeting_id, kind, b.id, b.path, group_id, held_on, ym, counts[kind]))
        if attendance is not None:
            rows = self.rows["attendance"]
            for member_id, status, reason, vote in attendance:
                rows.append((meeting_id, member_id, status, reason, vote))
        for subject, yes, no, abstain in votes or ():
            passed, result_note = self.judge.vote(kinds, held_on, ve, vp, yes, no, abstain)
            row = (meeting_id, subject, yes, no, abstain, 0, 0, 0, True, passed, result_note)
            self.rows["votes"].append(_line(row) if self.text else row)
        return meeting_id

    def _attend(self, members: list, held_on: dt.date, fail: bool, small: bool = False):
        """Per-member attendance (detailed) → rows and counts; or counts drawn directly."""
        rng = self.rng
        cutoff = self.cutoff
        if members is None:
            return None
        rows = []
        present = leave = vp = ve = 0
        fail_share = rng.uniform(0.3, 0.5) if fail else 0.0
        for m in members:
            if m.joined > held_on:
                continue
            lapsed = not small and held_on >= cutoff and lapsed_member(m.id, self.p.seed)
            r = rng.random()
            if lapsed:
                status = "absent"
            elif fail:
                status = "present" if r < fail_share else ("leave" if r < fail_share + 0.2 else "absent")
            elif small:
                status = "present" if r < 0.95 else "leave"
            elif m.mobile:
                status = "leave" if r < 0.8 else "present"
            else:
                status = "present" if r < 0.88 else ("leave" if r < 0.97 else "absent")
            if status == "leave":
                reason = rng.choice(MOBILE_REASONS if m.mobile else LEAVE_REASONS)
                leave += 1
            elif status == "absent":
                reason = rng.choice(ABSENT_REASONS)
            else:
                reason = ""
                present += 1
            if m.formal:
                ve += 1
                if status == "present":
                    vp += 1
            rows.append((m.id, status, reason, m.formal))
        return rows, len(rows), present, leave, ve, vp

    def _counts(self, expected: int, formal: int, fail: bool, small: bool = False):
        rng = self.rng
        if fail:
            present = int(expected * rng.uniform(0.25, 0.5))
        elif small:
            present = expected - (1 if expected > 2 and rng.random() < 0.1 else 0)
        else:
            present = expected - int(expected * rng.uniform(0.02, 0.15))
        leave = min(expected - present, int((expected - present) * 0.7 + 0.5))
        vp = min(formal, present, round(present * formal / expected)) if expected else 0
        if fail:
            vp = min(vp, formal // 2)
        return expected, present, leave, formal, vp

    def whole_branch(self, kinds: list[str], held_on: dt.date, fail: bool = False) -> None:
        b = self.b
        rng = self.rng
        attendance = None
        if self.p.detailed:
            got = self._attend(b.members, held_on, fail)
            attendance, expected, present, leave, ve, vp = got
        else:
            expected, present, leave, ve, vp = self._counts(b.normal, b.formal, fail)
        if "theme_day" in kinds:
            topic = rng.choice(THEME_TOPICS)
        elif "life_meeting" in kinds:
            topic = f"{held_on.year}年度组织生活会"
        elif "member_review" in kinds:
            topic = f"{held_on.year}年度民主评议党员"
        else:
            topic = rng.choice(ASSEMBLY_TOPICS)
        if "branch_assembly" in kinds and "theme_day" in kinds:
            topic += "暨党员大会"
        if "party_lecture" in kinds:
            topic += ";" + rng.choice(LECTURE_TOPICS)
        votes = None
        if "branch_assembly" in kinds and vp and rng.random() < 0.3:
            no = 1 if vp > 5 and rng.random() < 0.2 else 0
            abstain = 1 if vp > 3 and rng.random() < 0.2 else 0
            votes = [(rng.choice(VOTE_SUBJECTS), vp - no - abstain, no, abstain)]
        if "member_review" in kinds and vp and rng.random() < 0.5:
            votes = (votes or []) + [("民主评议党员结果", vp, 0, 0)]
        meeting_id = self._meeting(
            kinds,
            held_on,
            topic=topic[:200],
            expected=expected,
            present=present,
            leave=leave,
            ve=ve,
            vp=vp,
            attendance=attendance,
            lecturer=b.secretary if "party_lecture" in kinds else "",
            theme=rng.choice(self.theme_json) if "theme_day" in kinds else "[]",
            votes=votes,
        )
        if (
            meeting_id
            and "member_review" in kinds
            and self.p.detailed
            and held_on.year == self.p.as_of.year - 1
        ):
            self.reviews(meeting_id, held_on, attendance)

    def committee(self, held_on: dt.date) -> None:
        b = self.b
        attendance = None
        if self.p.detailed and b.seat_members:
            by_id = {m.id: m for m in b.members or []}
            members = [by_id[i] for i in b.seat_members if i in by_id]
            attendance, expected, present, leave, ve, vp = self._attend(members, held_on, False, small=True)
            if attendance and vp * 2 <= ve:  # not quorate: called again when the committee can come
                attendance = [(mid, "present", "", vote) for mid, _s, _r, vote in attendance]
                present, leave, vp = expected, 0, ve
            if not attendance:
                attendance = None
        if attendance is None:
            seats = b.seats or 3
            expected, present, leave, ve, vp = self._counts(seats, seats, False, small=True)
        self._meeting(
            ["branch_committee"],
            held_on,
            topic=self.rng.choice(COMMITTEE_TOPICS),
            expected=expected,
            present=present,
            leave=leave,
            ve=ve,
            vp=vp,
            attendance=attendance,
        )

    def group(self, group_id: int, size: int, held_on: dt.date) -> None:
        b = self.b
        attendance = None
        if self.p.detailed:
            members = self.group_members.get(group_id, [])
            attendance, expected, present, leave, ve, vp = self._attend(members, held_on, False)
        else:
            formal = round(size * b.formal / b.normal) if b.normal else 0
            expected, present, leave, ve, vp = self._counts(size, formal, False)
        self._meeting(
            ["group_meeting"],
            held_on,
            topic=self.rng.choice(GROUP_TOPICS),
            expected=expected,
            present=present,
            leave=leave,
            ve=ve,
            vp=vp,
            group_id=group_id,
            attendance=attendance,
        )

    def heart_talk(self, held_on: dt.date) -> None:
        b = self.b
        rng = self.rng
        attendance = None
        if self.p.detailed and b.members:
            recent = held_on >= self.cutoff
            eligible = [
                m
                for m in b.members
                if m.joined <= held_on and not (recent and lapsed_member(m.id, self.p.seed))
            ]
            chosen = rng.sample(eligible, min(len(eligible), rng.randint(2, 6)))
            if chosen:
                attendance = [(m.id, "present", "", m.formal) for m in chosen]
                n = len(chosen)
                expected, present, leave, ve, vp = n, n, 0, sum(m.formal for m in chosen), 0
                vp = ve
        if attendance is None:
            n = min(b.normal, rng.randint(2, 6))
            expected, present, leave, ve, vp = n, n, 0, min(n, b.formal), min(n, b.formal)
        self._meeting(
            ["heart_talk"],
            held_on,
            topic=rng.choice(HEART_TOPICS),
            expected=expected,
            present=present,
            leave=leave,
            ve=ve,
            vp=vp,
            attendance=attendance,
        )

    # -- 民主评议 results (detailed) ----------------------------------------------------------------
    def reviews(self, meeting_id: int, held_on: dt.date, attendance: list | None) -> None:
        b = self.b
        rng = self.rng
        as_of = self.p.as_of
        for m in b.members or []:
            if m.joined > held_on:
                continue
            r = rng.random()
            action = note = outcome = ""
            due = closed = None
            if r < 0.004:
                grade = "unqualified"
                action = "rectify" if rng.random() < 0.8 else "persuade"
                note = rng.choice(["长期不参加组织生活", "理想信念淡化", "不履行党员义务"])
                if action == "rectify":
                    due = held_on + dt.timedelta(days=rng.choice((90, 180)))
                if rng.random() < 0.5:
                    closed = min(as_of, held_on + dt.timedelta(days=rng.randint(60, 200)))
                    outcome = "经教育帮助,已按期改正" if action == "rectify" else "经谈话劝退,本人已退党"
            elif r < 0.03:
                grade = "basic"
            elif r < 0.16:
                grade = "excellent"
            else:
                grade = "qualified"
            self.rows["reviews"].append(
                (m.id, b.id, b.path, held_on.year, grade, meeting_id, note, action, due, closed, outcome)
            )

    # -- 四议两公开 (detailed, villages) -------------------------------------------------------------
    def village_decision(self) -> None:
        b = self.b
        rng = self.rng
        as_of = self.p.as_of
        started = as_of - dt.timedelta(days=rng.randint(40, 300))
        if b.established and started < b.established:
            return
        decision_id = self.next_decision
        self.next_decision += 1
        title = f"{rng.choice(VILLAGE_MATTERS)}"
        r = rng.random()
        n_steps = 6 if r < 0.6 else rng.randint(2, 4)
        fail_review = r > 0.9
        day = started
        done = set()
        for i, kind in enumerate(VILLAGE_STEPS[:n_steps]):
            day = day + dt.timedelta(days=rng.randint(3, 12)) if i else day
            if day > as_of:
                break
            attendance = None
            if kind == "village_review" and b.members:
                got = self._attend(b.members, day, fail_review)
                attendance, expected, present, leave, ve, vp = got
                if not fail_review and vp * 3 < ve * 2:  # a review is called again until two thirds come
                    attendance = [(mid, "present", "", vote) for mid, _s, _r, vote in attendance]
                    present, leave, vp = expected, 0, ve
                votes = [(f"审议:{title}", max(0, vp - 1), 1 if vp else 0, 0)]
            else:
                expected = {"village_propose": b.seats or 3, "village_consult": (b.seats or 3) + 4}.get(
                    kind, 30 if kind == "village_resolve" else 0
                )
                present = expected - (1 if expected > 5 and rng.random() < 0.5 else 0)
                leave, ve, vp, votes = 0, (expected if kind == "village_propose" else 0), 0, None
                if kind == "village_propose":
                    vp = present
            meeting_id = self._meeting(
                [kind],
                day,
                topic=title,
                expected=expected,
                present=present,
                leave=leave,
                ve=ve,
                vp=vp,
                decision_id=decision_id,
                attendance=attendance,
                votes=votes,
            )
            if meeting_id is None:
                break
            if self.rows["parts"][-1][7]:
                done.add(kind)
            else:
                break
        status = "done" if set(VILLAGE_STEPS) <= done else "open"
        self.rows["decisions"].append((decision_id, b.id, b.path, title, "", started, status))


def generate(
    params: Params, branches: list[BranchInfo], next_meeting: int, next_decision: int = 1, **kw: Any
) -> Gen:
    gen = Gen(params, next_meeting, next_decision, **kw)
    for b in branches:
        gen.branch(b)
    return gen


# -- COPY text -----------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    return str(value)


def copy_text(rows: list, extra: str) -> bytes:
    """Rows (tuples, or lines already in COPY text) as one COPY text payload."""
    if rows and isinstance(rows[0], str):
        return "".join(rows).encode()
    tail = ("\t" + extra) if extra else ""
    return "".join("\t".join(map(_text, row)) + tail + "\n" for row in rows).encode()


def rule_versions() -> dict[str, list]:
    """The versions of the rules the generator asks, read here once for the workers."""
    out = {}
    for rule_id in sorted(set(QUORUM_RULES.values())):
        versions = engine.versions(rule_id)
        if versions:
            out[rule_id] = versions
    return out


def chunk_task(
    params: Params, branches: list[BranchInfo], next_meeting: int, extras: dict[str, str], versions: dict
):
    """Worker: one chunk's rows as COPY text per table. The rule versions come with the task, so a
    worker never reads the database (in tests it could not: it would open the production one)."""
    engine.preload(versions)
    gen = generate(params, branches, next_meeting, text=True, extra=extras["meetings"])
    limit = next_meeting + sum(bound(b, len(gen.months)) for b in branches)
    if gen.next_meeting > limit:
        raise RuntimeError("meeting ids overran the reserved block")
    return (
        {name: copy_text(rows, extras[name]) for name, rows in gen.rows.items() if rows},
        {name: len(rows) for name, rows in gen.rows.items()},
    )


# -- the database side ----------------------------------------------------------------------------------
def _tables():
    from zugong.demo.writer import Table
    from zugong.orglife import models as m

    return {
        "meetings": Table(
            m.Meeting,
            [
                "id", "org_id", "org_path", "party_group_id", "village_decision_id", "held_on", "starts_at",
                "ends_at", "place", "topic", "host_name", "recorder_name", "lecturer_name", "minutes",
                "theme_items", "expected", "present", "on_leave", "voting_expected", "voting_present",
                "attendance_taken", "quorum_met", "quorum_note",
            ],
        ),
        "parts": Table(
            m.MeetingPart,
            ["meeting_id", "kind", "org_id", "org_path", "party_group_id", "held_on", "ym", "counts"],
        ),
        "votes": Table(
            m.Vote,
            [
                "meeting_id", "subject", "yes", "no", "abstain", "written_yes", "written_no",
                "written_abstain", "is_secret", "passed", "result_note",
            ],
        ),
        "attendance": Table(m.Attendance, ["meeting_id", "member_id", "status", "reason", "has_vote"]),
        "reviews": Table(
            m.MemberReview,
            [
                "member_id", "org_id", "org_path", "year", "grade", "meeting_id", "note", "action",
                "action_due", "closed_on", "outcome",
            ],
        ),
        "decisions": Table(
            m.VillageDecision, ["id", "org_id", "org_path", "title", "summary", "started_on", "status"]
        ),
    }  # fmt: skip


# Order of writing: a table's rows only point at tables written before it (decisions before meetings).
ORDER = ["decisions", "meetings", "parts", "votes", "attendance", "reviews"]


def read_branches(root_path: str, *, detailed: bool) -> list[BranchInfo]:
    """Every active branch of the subtree with what the generator needs, in path order."""
    from zugong.orgs.models import BRANCH_KINDS

    lo, hi = root_path, root_path + "~"
    kinds = sorted(BRANCH_KINDS)
    marks = ", ".join(["%s"] * len(kinds))
    out: dict[int, BranchInfo] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, path, code, established_on, for_mobile_members FROM orgs_org"
            f" WHERE path >= %s AND path < %s AND kind IN ({marks}) AND is_active ORDER BY path",
            [lo, hi, *kinds],
        )
        for org_id, path, code, established, for_mobile in cursor.fetchall():
            if isinstance(established, str):
                established = dt.date.fromisoformat(established)
            out[org_id] = BranchInfo(org_id, path, code, established, for_mobile=bool(for_mobile))
        cursor.execute(
            "SELECT org_id, COUNT(*), SUM(CASE WHEN status = 'formal' THEN 1 ELSE 0 END) FROM members_member"
            " WHERE org_path >= %s AND org_path < %s AND standing = 'normal' GROUP BY org_id",
            [lo, hi],
        )
        for org_id, normal, formal in cursor.fetchall():
            b = out.get(org_id)
            if b is not None:
                b.normal, b.formal = int(normal), int(formal or 0)
        cursor.execute(
            "SELECT s.org_id, COUNT(*),"
            " MAX(CASE WHEN s.post = 'secretary' THEN s.person_name END),"
            " MAX(CASE WHEN s.post <> 'secretary' THEN s.person_name END)"
            " FROM orgs_committeeseat s JOIN orgs_org o ON o.id = s.org_id"
            f" WHERE o.path >= %s AND o.path < %s AND o.kind IN ({marks}) AND s.ended_on IS NULL"
            " GROUP BY s.org_id",
            [lo, hi, *kinds],
        )
        for org_id, n, secretary, deputy in cursor.fetchall():
            b = out.get(org_id)
            if b is not None:
                b.seats, b.secretary, b.deputy = int(n), secretary or "", deputy or ""
        cursor.execute(
            "SELECT g.id, g.org_id, COUNT(m.id) FROM members_partygroup g"
            " JOIN orgs_org o ON o.id = g.org_id"
            " LEFT JOIN members_member m ON m.party_group_id = g.id AND m.standing = 'normal'"
            " WHERE o.path >= %s AND o.path < %s GROUP BY g.id, g.org_id ORDER BY g.id",
            [lo, hi],
        )
        for group_id, org_id, n in cursor.fetchall():
            b = out.get(org_id)
            if b is not None:
                b.groups.append((group_id, int(n)))
        cursor.execute(
            "SELECT ou.org_id FROM orgs_orgunit ou JOIN orgs_unit u ON u.id = ou.unit_id"
            " JOIN orgs_org o ON o.id = ou.org_id"
            " WHERE ou.is_primary AND u.kind = 'village' AND o.path >= %s AND o.path < %s",
            [lo, hi],
        )
        for (org_id,) in cursor.fetchall():
            b = out.get(org_id)
            if b is not None:
                b.village = True
        if detailed:
            for b in out.values():
                b.members = []
            cursor.execute(
                "SELECT id, org_id, status, is_mobile, party_group_id, joined_on FROM members_member"
                " WHERE org_path >= %s AND org_path < %s AND standing = 'normal' ORDER BY org_id, id",
                [lo, hi],
            )
            for member_id, org_id, status, mobile, group_id, joined in cursor.fetchall():
                b = out.get(org_id)
                if b is not None and b.members is not None:
                    if isinstance(joined, str):
                        joined = dt.date.fromisoformat(joined)
                    away = bool(mobile) and not b.for_mobile
                    b.members.append(MemberInfo(member_id, status == "formal", away, group_id, joined))
            cursor.execute(
                "SELECT s.org_id, s.member_id FROM orgs_committeeseat s JOIN orgs_org o ON o.id = s.org_id"
                f" WHERE o.path >= %s AND o.path < %s AND o.kind IN ({marks}) AND s.ended_on IS NULL"
                " AND s.member_id IS NOT NULL ORDER BY s.org_id, s.post, s.id",
                [lo, hi, *kinds],
            )
            for org_id, member_id in cursor.fetchall():
                b = out.get(org_id)
                if b is not None:
                    b.seat_members.append(member_id)
    return list(out.values())


def _extras(tables) -> dict[str, str]:
    return {name: "\t".join(_text(_plain(v)) for v in t.extra) for name, t in tables.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


class _Sink:
    def __init__(self, tables) -> None:
        self.tables = tables
        self.pg = connection.vendor == "postgresql"
        self.cursor = connection.cursor()

    def copy(self, name: str, data: bytes) -> None:
        table = self.tables[name]
        columns = ", ".join(f'"{c}"' for c in table.columns)
        with self.cursor.cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            copy.write(data)

    def rows(self, name: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.pg:
            self.copy(name, copy_text(rows, _extras({name: self.tables[name]})[name]))
            return
        table = self.tables[name]
        columns = ", ".join(f'"{c}"' for c in table.columns)
        marks = ", ".join("?" * len(table.columns))
        extra = tuple(_sqlite(v) for v in table.extra)
        convert = [i for i, v in enumerate(rows[0]) if isinstance(v, dt.date | dt.time)] + [
            i for i, v in enumerate(rows[-1]) if isinstance(v, dt.date | dt.time)
        ]
        if name in ("meetings", "reviews", "decisions", "parts"):
            convert = list(range(len(rows[0])))  # nullable dates: convert every value
        if convert:
            out = []
            for row in rows:
                values = list(row)
                for i in convert:
                    values[i] = _sqlite(values[i])
                out.append(tuple(values) + extra)
        else:
            out = [row + extra for row in rows] if extra else rows
        connection.connection.cursor().executemany(
            f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', out
        )


def _sqlite(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):  # datetime is a date too
        return value.isoformat()
    if value is True:
        return 1
    if value is False:
        return 0
    return value


@dataclass
class Summary:
    meetings: int = 0
    parts: int = 0
    votes: int = 0
    attendance: int = 0
    reviews: int = 0
    decisions: int = 0
    branches: int = 0
    members_dated: int = 0
    seconds: float = 0.0
    phases: dict = field(default_factory=dict)  # seconds: read, write (generate + load), indexes, dates

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("seconds", "phases")}


def seed_orglife(
    *,
    scale: str,
    seed: int,
    as_of: dt.date,
    root_path: str,
    note: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> Summary:
    """Write the organizational-life history of every branch under `root_path` (inside the seed's
    transaction, after the members). Returns the counts."""
    from django.utils.translation import gettext as _

    from zugong.demo.pg import relax_constraints, restore_constraints
    from zugong.orglife import models as m
    from zugong.orglife.defaults import load_default_theme_items
    from zugong.orglife.services import theme_items_for  # noqa: F401  (the checklist the services check)

    started = time.monotonic()
    say = note or (lambda message: None)
    load_default_theme_items()  # a wipe removes the default checklist with the orgs' own lists
    detailed = scale in DETAILED_SCALES
    rule = engine.rule("ZB-04", on=as_of)
    params = Params(
        seed=seed,
        as_of=as_of,
        start=history_start(as_of),
        min_formal=int(rule.params["committee_from_formal_members"]),
        min_seats=int(rule.params["committee_min_seats"]),
        detailed=detailed,
        theme_items=list(
            m.ThemeDayItem.objects.filter(org__isnull=True, is_active=True)
            .order_by("order", "id")
            .values_list("code", flat=True)
        ),
    )
    say(_("正在生成组织生活记录……"))
    branches = read_branches(root_path, detailed=detailed)
    mark = time.monotonic()
    phases = {"read": mark - started}
    tables = _tables()
    pg = connection.vendor == "postgresql"
    restore: list[str] = []
    if pg:
        with connection.cursor() as cursor:
            # Run the checks queued so far: ALTER TABLE refuses tables with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        restore = relax_constraints([t.name for t in tables.values()])
    else:
        restore = _relax_sqlite_indexes([t.name for t in tables.values()])
    sink = _Sink(tables)
    if not pg:
        # The attendance indexes outgrow SQLite's default 2 MB page cache: inserts would go to disk.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -262144")
    summary = Summary(branches=len(branches))
    first_meeting = (m.Meeting.objects.aggregate(x=Max("id"))["x"] or 0) + 1
    first_decision = (m.VillageDecision.objects.aggregate(x=Max("id"))["x"] or 0) + 1
    n_months = len(months(params.start, as_of))
    chunks = [branches[i : i + CHUNK_BRANCHES] for i in range(0, len(branches), CHUNK_BRANCHES)]
    if workers is None:
        workers = (os.cpu_count() or 1) if pg and not detailed else 0
    if detailed or not workers or len(chunks) < 2:
        gen = Gen(params, first_meeting, first_decision)
        for b in branches:
            gen.branch(b)
            if len(gen.rows["attendance"]) > 200_000 or len(gen.rows["meetings"]) > 100_000:
                _flush(sink, gen.rows, summary)
        _flush(sink, gen.rows, summary)
    else:
        extras = _extras(tables)
        versions = rule_versions()
        context = multiprocessing.get_context("spawn")
        from zugong.demo import worker

        with ProcessPoolExecutor(workers, mp_context=context, initializer=worker.setup) as pool:
            pending = []
            base = first_meeting
            for chunk in chunks:
                pending.append(pool.submit(chunk_task, params, chunk, base, extras, versions))
                base += sum(bound(b, n_months) for b in chunk)
                if len(pending) > workers + 1:
                    _collect(sink, pending.pop(0), summary)
            while pending:
                _collect(sink, pending.pop(0), summary)
    phases["write"], mark = time.monotonic() - mark, time.monotonic()
    if not pg:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
    if restore:
        say(_("正在重建组织生活表的索引和约束……"))
        restore_constraints(restore)
    _reset_sequences()
    phases["indexes"], mark = time.monotonic() - mark, time.monotonic()
    summary.members_dated = set_last_orglife(root_path, params)
    phases["dates"] = time.monotonic() - mark
    summary.phases = {k: round(v, 1) for k, v in phases.items()}
    if pg:
        with connection.cursor() as cursor:
            for t in tables.values():
                cursor.execute(f'ANALYZE "{t.name}"')
    summary.seconds = time.monotonic() - started
    say(
        _(
            "组织生活:%(b)s个党支部,会议%(m)s次(%(p)s个类型),出席记录%(a)s条,评议结果%(r)s条;用时%(s).1f秒(%(ph)s)"
        )
        % {
            "ph": ", ".join(f"{k} {v}" for k, v in summary.phases.items()),
            "b": f"{summary.branches:,}",
            "m": f"{summary.meetings:,}",
            "p": f"{summary.parts:,}",
            "a": f"{summary.attendance:,}",
            "r": f"{summary.reviews:,}",
            "s": summary.seconds,
        }
    )
    return summary


def _flush(sink: _Sink, rows: dict[str, list], summary: Summary) -> None:
    for name in ORDER:
        if rows[name]:
            sink.rows(name, rows[name])
            setattr(summary, name, getattr(summary, name) + len(rows[name]))
            rows[name] = []


def _collect(sink: _Sink, future, summary: Summary) -> None:
    data, counts = future.result()
    for name in ORDER:
        if name in data:
            sink.copy(name, data[name])
        setattr(summary, name, getattr(summary, name) + counts.get(name, 0))


def _relax_sqlite_indexes(tables: list[str]) -> list[str]:
    """SQLite: drop the secondary indexes (not the unique ones of the table definition) for the bulk
    insert and return the statements that build them again (one sort each instead of ~800,000
    scattered inserts). DDL is transactional in SQLite: a failure leaves them as they were."""
    statements = []
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            "SELECT name, sql FROM sqlite_master"
            f" WHERE type = 'index' AND tbl_name IN ({marks}) AND sql IS NOT NULL",
            tables,
        )
        for name, sql in cursor.fetchall():
            statements.append(sql)
            cursor.execute(f'DROP INDEX "{name}"')
    return statements


def _reset_sequences() -> None:
    from django.core.management.color import no_style

    from zugong.orglife import models as m

    statements = connection.ops.sequence_reset_sql(
        no_style(), [m.Meeting, m.MeetingPart, m.Vote, m.Attendance, m.MemberReview, m.VillageDecision]
    )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def set_last_orglife(root_path: str, params: Params) -> int:
    """Members' latest organizational life. Detailed: by `services.refresh_last_orglife`'s rule from
    the attendance rows. Counts only: from the branch's whole-branch meetings (主题党日, 党员大会, …):
    most members at the latest, about one in twelve a month earlier, about one in eighty lapsed (the
    latest before seven months ago, so GX-05 names them)."""
    lo, hi = root_path, root_path + "~"
    with connection.cursor() as cursor:
        if params.detailed:
            cursor.execute(
                "UPDATE members_member SET last_orglife_on = ("
                " SELECT MAX(m.held_on) FROM orglife_attendance a"
                " JOIN orglife_meeting m ON m.id = a.meeting_id"
                " WHERE a.member_id = members_member.id AND a.status IN ('present', 'leave'))"
                " WHERE org_path >= %s AND org_path < %s",
                [lo, hi],
            )
            return cursor.rowcount
        a_month = engine.add_months(params.as_of, -1)
        lapsed = engine.add_months(params.as_of, -7)
        cursor.execute(
            """
WITH d AS (
    SELECT org_id, MAX(held_on) AS d1,
           MAX(CASE WHEN held_on < %s THEN held_on END) AS d2,
           MAX(CASE WHEN held_on < %s THEN held_on END) AS d3
    FROM orglife_meetingpart
    WHERE org_path >= %s AND org_path < %s AND kind IN ('theme_day', 'branch_assembly', 'life_meeting')
    GROUP BY org_id
)
UPDATE members_member AS mm SET last_orglife_on = CASE
        WHEN (mm.id * 2654435761 + %s) %% 1000 < 12 THEN d.d3
        WHEN (mm.id * 2654435761 + %s) %% 1000 < 95 THEN COALESCE(d.d2, d.d1)
        ELSE d.d1 END
FROM d WHERE mm.org_id = d.org_id AND mm.standing = 'normal'
""",
            [a_month, lapsed, lo, hi, params.seed, params.seed],
        )
        return cursor.rowcount
