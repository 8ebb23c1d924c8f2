"""Where an applicant's file stands and what is wrong with it: the one place the recruitment rules
are applied. The applicant page, the pipeline, `zugong recruitment check`, the API and the services
(to store the next step and to note warnings next to a step) all ask `review()`.

Every date rule goes through the engine with the version in force on the date being judged: the
date of the later step when both are recorded, `as_of` (today) for a step still to come. A rule the
version in force does not have (公示 in working days before the 2026 revision) is not applied.

Nothing here blocks: blocking is for mechanical impossibilities and lives in services.validate_step.
Findings are advice with the rule id and its article:

* breach  — a recorded step broke a rule (a talk two months after the application);
* overdue — a deadline passed and the step is not recorded (no talk and the month is over);
* missing — a later gate was recorded without this step (no 政审 recorded before the vote).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _

from zugong.rules import engine
from zugong.rules.engine import RuleNotFound, RuleVersion

from . import steps


class RecordLike(Protocol):
    step: str
    done_on: dt.date
    people: Any
    outcome: str
    decision: str
    extension_months: int | None
    special: bool
    publicity_from: dt.date | None
    publicity_to: dt.date | None
    training_days: Decimal | None
    training_hours: Decimal | None
    leaving_on: dt.date | None
    passed: bool | None
    vote_note: str


class ApplicantLike(Protocol):
    birth_date: dt.date
    applied_on: dt.date
    leaving_on: dt.date | None
    org_path: str
    closed_on: dt.date | None


BREACH, OVERDUE, MISSING = "breach", "overdue", "missing"


@dataclass(frozen=True)
class Finding:
    step: str
    rule_id: str
    cite: str
    message: str
    due: dt.date | None = None
    kind: str = BREACH
    provisional: bool = False
    article: str = ""

    @property
    def step_label(self) -> str:
        return steps.get(self.step).label


@dataclass(frozen=True)
class Due:
    """A step that may be recorded now (or from `earliest`), with its deadline if a rule sets one."""

    step: str
    earliest: dt.date | None = None
    latest: dt.date | None = None
    reason: str = ""
    cite: str = ""
    provisional: bool = False

    @property
    def step_label(self) -> str:
        return steps.get(self.step).label

    def overdue(self, on: dt.date) -> bool:
        return self.latest is not None and on > self.latest


@dataclass
class State:
    """What the records say about the file (the services store these on the applicant)."""

    applied_on: dt.date | None = None
    activist_on: dt.date | None = None
    candidate_on: dt.date | None = None
    in_admission: bool = False
    admitted_on: dt.date | None = None
    approved_on: dt.date | None = None
    rejected_on: dt.date | None = None
    extension_months: int | None = None
    extensions: int = 0
    probation_end: dt.date | None = None
    pending: RecordLike | None = None  # a passed conversion vote awaiting approval
    converted: bool = False
    converted_on: dt.date | None = None
    # Each conversion vote with the end of probation in force when it was taken.
    conversion_votes: list[tuple[RecordLike, dt.date]] = field(default_factory=list)
    cancelled_on: dt.date | None = None
    archived_on: dt.date | None = None
    reached: set[str] = field(default_factory=set)
    latest: dict[str, RecordLike] = field(default_factory=dict)
    by_step: dict[str, list[RecordLike]] = field(default_factory=dict)

    @property
    def stage(self) -> str:
        if self.cancelled_on:
            return "cancelled"
        if self.rejected_on:
            return "ended"
        if self.converted:
            return "member"
        if self.approved_on:
            return "probationary"
        if self.in_admission or self.admitted_on:
            return "admission"
        if self.candidate_on:
            return "candidate"
        if self.activist_on:
            return "activist"
        return "applicant"

    def first(self, code: str) -> RecordLike | None:
        found = self.by_step.get(code)
        return found[0] if found else None

    def has(self, code: str) -> bool:
        return code in self.by_step


@dataclass
class Review:
    state: State
    findings: list[Finding]
    open: list[Due]
    as_of: dt.date

    @property
    def primary(self) -> Due | None:
        """The next step to take: the first open step in the order of the flowchart that is not a
        recurring one (assessments recur alongside)."""
        for due in self.open:
            if not steps.get(due.step).recurring:
                return due
        return self.open[0] if self.open else None

    @property
    def nearest(self) -> Due | None:
        """The open step with the nearest deadline."""
        timed = [d for d in self.open if d.latest is not None]
        return min(timed, key=lambda d: d.latest or dt.date.max) if timed else None

    @property
    def problems(self) -> list[Finding]:
        return self.findings


# -- helpers ---------------------------------------------------------------------------------------
def _rule(rule_id: str, on: dt.date, org: str) -> RuleVersion | None:
    try:
        return engine.rule(rule_id, on=on, org=org)
    except RuleNotFound:
        return None


def _window(rule_id: str, start: dt.date, *, on: dt.date, org: str, param: str | None = None):
    """engine.window judged on `on`; but a revision does not reach back: when the date it gives falls
    before the revision took effect, the version in force when the clock started answers."""
    try:
        w = engine.window(rule_id, start, on=on, org=org, param=param)
    except RuleNotFound:
        return None
    bound = w.latest or w.earliest
    if start < w.rule.effective_from and bound is not None and bound < w.rule.effective_from:
        try:
            return engine.window(rule_id, start, on=start, org=org, param=param)
        except RuleNotFound:
            return None
    return w


def _d(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def derive(records: Sequence[RecordLike], *, org: str) -> State:
    """Replay the records in date order into the state of the file."""
    s = State()
    ordered = sorted(records, key=lambda r: (r.done_on, getattr(r, "pk", None) or 0))
    for r in ordered:
        s.by_step.setdefault(r.step, []).append(r)
        s.latest[r.step] = r
        code = r.step
        if code == "apply":
            s.applied_on = r.done_on
            s.reached.add(code)
        elif code == "activist":
            s.activist_on = r.done_on
            s.reached.add(code)
        elif code == "candidate":
            s.candidate_on = r.done_on
            s.reached.add(code)
        elif code in ("branch_review", "pre_review", "application_form"):
            s.in_admission = True
        elif code == "assembly":
            s.in_admission = True
            if r.passed is not False and s.admitted_on is None:
                s.admitted_on = r.done_on
                s.reached.add(code)
        elif code == "approval":
            if r.outcome == "rejected":
                s.rejected_on = r.done_on
            else:
                s.approved_on = r.done_on
                s.reached.add(code)
        elif code == "conversion_vote":
            if s.admitted_on is not None:
                s.conversion_votes.append((r, probation_end(s.admitted_on, s.extension_months, org=org)))
            if r.passed is not False:
                s.pending = r
                s.reached.add(code)
        elif code == "conversion_approval":
            pending, s.pending = s.pending, None
            if pending is not None and r.outcome != "rejected":
                if pending.decision == "extend":
                    s.extensions += 1
                    s.extension_months = (s.extension_months or 0) + (pending.extension_months or 0)
                    s.probation_end = None  # recomputed below
                elif pending.decision == "cancel":
                    s.cancelled_on = r.done_on
                else:
                    s.converted = True
                    s.reached.add(code)
        elif code == "archive":
            s.archived_on = r.done_on
            s.reached.add(code)
    if s.admitted_on is not None:
        s.probation_end = probation_end(s.admitted_on, s.extension_months, org=org)
        if s.converted:
            s.converted_on = s.probation_end
    return s


def probation_end(admitted_on: dt.date, extension_months: int | None, *, org: str) -> dt.date:
    """FZ-18: one year from the 支部大会 adoption date, plus an extension (in calendar months)."""
    w = engine.window("FZ-18", admitted_on, on=admitted_on, org=org, param="probation_months")
    assert w.latest is not None
    return engine.add_months(w.latest, extension_months or 0)


# -- the review --------------------------------------------------------------------------------------
def review(
    applicant: ApplicantLike, records: Sequence[RecordLike], *, as_of: dt.date | None = None
) -> Review:
    as_of = as_of or dt.date.today()
    org = applicant.org_path
    s = derive(records, org=org)
    findings: list[Finding] = []
    add = findings.append
    open_: list[Due] = []

    def finding(step: str, version: RuleVersion | None, message: str, due=None, kind=BREACH, prov=False):
        add(
            Finding(
                step=step,
                rule_id=version.rule_id if version else "",
                cite=version.cite if version else "",
                message=message,
                due=due,
                kind=kind,
                provisional=prov,
                article=version.article if version else "",
            )
        )

    applied = s.applied_on or applicant.applied_on
    closed = s.stage in ("member", "cancelled", "ended") or applicant.closed_on is not None

    # FZ-01: age on the day the application was received.
    w = _window("FZ-01", applicant.birth_date, on=applied, org=org)
    if w and w.earliest and applied < w.earliest:
        finding(
            "apply",
            w.rule,
            _("申请时未满%(n)d周岁(%(d)s年满)") % {"n": w.rule.params["min_age_years"], "d": _d(w.earliest)},
            due=w.earliest,
        )

    # FZ-03: the talk within a month of receiving the application.
    talk = s.first("talk")
    if talk is not None:
        w = _window("FZ-03", applied, on=talk.done_on, org=org)
        if w and w.latest and talk.done_on > w.latest:
            finding(
                "talk",
                w.rule,
                _("谈话日期%(t)s晚于收到申请书后一个月的时限(最迟%(d)s)")
                % {"t": _d(talk.done_on), "d": _d(w.latest)},
                due=w.latest,
            )

    # FZ-05: one or two full members as contacts.
    contacts = s.latest.get("contacts")
    if contacts is not None:
        version = _rule("FZ-05", contacts.done_on, org)
        if version:
            _check_people(
                contacts,
                version,
                version.params["min_contacts"],
                version.params["max_contacts"],
                _("培养联系人"),
                finding,
            )

    # FZ-06: an assessment every half year while an activist.
    if s.activist_on:
        marks = [s.activist_on, *sorted(r.done_on for r in s.by_step.get("assessment", []))]
        end = s.candidate_on
        if end:
            marks.append(end)
        for prev, nxt in itertools.pairwise(marks):
            w = _window("FZ-06", prev, on=nxt, org=org)
            if w and w.latest and nxt > w.latest:
                finding(
                    "assessment",
                    w.rule,
                    _("%(a)s至%(b)s之间超过半年没有考察记录(应在%(d)s前考察)")
                    % {"a": _d(prev), "b": _d(nxt), "d": _d(w.latest)},
                    due=w.latest,
                )

    # FZ-07 / FZ-08: a year as activist; 公示 in working days (2026 revision).
    cand = s.first("candidate")
    if cand is not None and s.activist_on:
        w = _window("FZ-07", s.activist_on, on=cand.done_on, org=org)
        if w and w.earliest and cand.done_on < w.earliest:
            finding(
                "candidate",
                w.rule,
                _("确定为发展对象时培养教育未满一年(%(a)s确定为积极分子,%(d)s起方可)")
                % {"a": _d(s.activist_on), "d": _d(w.earliest)},
                due=w.earliest,
            )
        _check_publicity(cand, org, finding)

    # FZ-09: two full members as introducers.
    intro = s.latest.get("introducers")
    if intro is not None:
        version = _rule("FZ-09", intro.done_on, org)
        if version:
            n = version.params["introducers"]
            _check_people(intro, version, n, n, _("入党介绍人"), finding)

    # FZ-10: a failed political review bars admission.
    review_rec = s.latest.get("political_review")
    if review_rec is not None and review_rec.outcome == "failed":
        finding(
            "political_review",
            _rule("FZ-10", review_rec.done_on, org),
            _("政治审查结论为不合格,不能发展入党"),
        )

    # FZ-11: at least 3 days or 24 学时 of training.
    training = s.latest.get("training")
    if training is not None:
        version = _rule("FZ-11", training.done_on, org)
        if version:
            days, hours = training.training_days or 0, training.training_hours or 0
            if days < version.params["min_training_days"] and hours < version.params["min_training_hours"]:
                finding(
                    "training",
                    version,
                    _("集中培训%(d)s天、%(h)s学时,不足%(md)s天或%(mh)s学时")
                    % {
                        "d": _num(days),
                        "h": _num(hours),
                        "md": version.params["min_training_days"],
                        "mh": version.params["min_training_hours"],
                    },
                )

    # FZ-12: not admitted when leaving the unit within three months of the pre-review.
    leaving = _leaving_on(applicant, s)
    if leaving and not closed and s.approved_on is None:
        basis = s.first("pre_review") or s.first("branch_review")
        judged_on = basis.done_on if basis is not None else (as_of if s.candidate_on else None)
        if judged_on is not None:
            w = _window("FZ-12", judged_on, on=judged_on, org=org, param="leaving_within_months")
            if w and w.latest and leaving <= w.latest:
                finding(
                    basis.step if basis is not None else "branch_review",
                    w.rule,
                    _("预计%(l)s离开本单位,在%(j)s后三个月内,一般不办理接收预备党员手续")
                    % {"l": _d(leaving), "j": _d(judged_on)},
                    due=w.latest,
                )

    # FZ-13 (2026): the 支部大会 within a month of the passed pre-review.
    pre = s.first("pre_review")
    assembly = s.first("assembly")
    if pre is not None and assembly is not None:
        w = _window("FZ-13", pre.done_on, on=assembly.done_on, org=org)
        if w and w.latest and assembly.done_on > w.latest:
            finding(
                "assembly",
                w.rule,
                _("预审后超过一个月才提交支部大会(最迟%(d)s)") % {"d": _d(w.latest)},
                due=w.latest,
            )

    # FZ-14: votes judged against 应到, the latest vote of each kind.
    for code in ("assembly", "conversion_vote"):
        vote = s.latest.get(code)
        if vote is None:
            continue
        version = _rule("FZ-14", vote.done_on, org)
        if vote.passed is False:
            finding(
                code,
                version,
                _("表决未通过:%(n)s")
                % {"n": vote.vote_note or _("赞成票未超过应到会有表决权正式党员的半数")},
            )
        elif vote.passed is None:
            finding(code, version, _("未录入表决票数,无法按应到人数核对表决结果"), kind=MISSING)

    # FZ-16: approval within 3 months (6 in special cases) of the 支部大会.
    approval = s.first("approval")
    if approval is not None and s.admitted_on:
        param = "special_within_months" if approval.special else "within_months"
        w = _window("FZ-16", s.admitted_on, on=approval.done_on, org=org, param=param)
        if w and w.latest and approval.done_on > w.latest:
            finding(
                "approval",
                w.rule,
                _("支部大会%(a)s通过后至%(b)s才审批,超过时限(最迟%(d)s)")
                % {"a": _d(s.admitted_on), "b": _d(approval.done_on), "d": _d(w.latest)},
                due=w.latest,
            )

    # FZ-17 (2026): the oath within a month of approval.
    oath = s.first("oath")
    if oath is not None and s.approved_on:
        w = _window("FZ-17", s.approved_on, on=oath.done_on, org=org)
        if w and w.latest and oath.done_on > w.latest:
            finding(
                "oath", w.rule, _("入党宣誓晚于批准后一个月(最迟%(d)s)") % {"d": _d(w.latest)}, due=w.latest
            )

    # FZ-18: the conversion is discussed when probation has ended.
    if s.admitted_on:
        version = _rule("FZ-18", s.admitted_on, org)
        for r, end in s.conversion_votes:
            if r.done_on < end:
                finding(
                    "conversion_vote",
                    version,
                    _("预备期%(e)s期满,%(d)s讨论转正早于期满") % {"e": _d(end), "d": _d(r.done_on)},
                    due=end,
                )

    # FZ-19: conversion approved within 3 months of the vote.
    votes = sorted(s.by_step.get("conversion_vote", []), key=lambda r: r.done_on)
    for appr in s.by_step.get("conversion_approval", []):
        before = [v for v in votes if v.done_on <= appr.done_on and v.passed is not False]
        if before:
            w = _window("FZ-19", before[-1].done_on, on=appr.done_on, org=org)
            if w and w.latest and appr.done_on > w.latest:
                finding(
                    "conversion_approval",
                    w.rule,
                    _("转正表决%(v)s后至%(a)s才审批,超过三个月(最迟%(d)s)")
                    % {"v": _d(before[-1].done_on), "a": _d(appr.done_on), "d": _d(w.latest)},
                    due=w.latest,
                )

    # Steps skipped: a later gate was recorded without them.
    for step in steps.STEPS:
        if step.gate or s.has(step.code):
            continue
        ng = steps.next_gate(step.code)
        if step.code == "probation_assessment":
            ng = "conversion_vote"
        if ng and ng in s.reached:
            version = _rule(step.rules[0], applied, org) if step.rules else None
            finding(step.code, version, _("“%(s)s”没有记录") % {"s": step.title}, kind=MISSING)

    if not closed or (s.converted and not s.archived_on):
        open_ = _open_steps(applicant, s, as_of=as_of, org=org)
    for due in open_:
        if due.overdue(as_of):
            version = _rule(steps.get(due.step).rules[0], as_of, org) if steps.get(due.step).rules else None
            add(
                Finding(
                    due.step,
                    version.rule_id if version else "",
                    due.cite,
                    _("已超过时限(最迟%(d)s)尚未办理") % {"d": _d(due.latest)},
                    due=due.latest,
                    kind=OVERDUE,
                    provisional=due.provisional,
                    article=version.article if version else "",
                )
            )
    findings.sort(key=lambda f: (steps.get(f.step).number, f.kind, f.due or dt.date.min))
    return Review(state=s, findings=findings, open=open_, as_of=as_of)


def _num(value) -> str:
    return format(Decimal(value).normalize(), "f")


def _leaving_on(applicant: ApplicantLike, s: State) -> dt.date | None:
    for r in reversed(s.by_step.get("branch_review", [])):
        if r.leaving_on:
            return r.leaving_on
    return applicant.leaving_on


def _check_people(record: RecordLike, version: RuleVersion, low: int, high: int, what: str, finding) -> None:
    people = list(record.people or [])
    if not low <= len(people) <= high:
        expected = str(low) if low == high else f"{low}至{high}"
        finding(
            record.step,
            version,
            _("%(w)s应为%(e)s名正式党员,记录了%(n)d名") % {"w": what, "e": expected, "n": len(people)},
        )
    for p in people:
        if p.get("formal") is False:
            finding(
                record.step,
                version,
                _("%(w)s“%(n)s”不是党籍正常的正式党员") % {"w": what, "n": p.get("name", "")},
            )


def _check_publicity(cand: RecordLike, org: str, finding) -> None:
    version = _rule("FZ-08", cand.done_on, org)
    if version is None:
        return
    need = int(version.params["min_workdays"])
    if cand.publicity_from is None:
        finding("candidate", version, _("确定发展对象前没有记录公示"))
        return
    w = engine.window("FZ-08", cand.publicity_from, on=cand.done_on, org=org)
    end = cand.publicity_to
    if end is not None:
        days = engine.workdays_between(cand.publicity_from - dt.timedelta(days=1), end)
        if days.count < need:
            finding(
                "candidate",
                version,
                _("公示%(a)s至%(b)s仅%(n)d个工作日,不足%(m)d个工作日")
                % {"a": _d(cand.publicity_from), "b": _d(end), "n": days.count, "m": need},
                due=w.earliest,
                prov=days.provisional,
            )
            return
    if w.earliest and cand.done_on < w.earliest:
        finding(
            "candidate",
            version,
            _("公示期未满即确定为发展对象(公示%(a)s起满%(m)d个工作日,%(d)s起方可)")
            % {"a": _d(cand.publicity_from), "m": need, "d": _d(w.earliest)},
            due=w.earliest,
            prov=w.provisional,
        )


def _open_steps(applicant: ApplicantLike, s: State, *, as_of: dt.date, org: str) -> list[Due]:
    out: list[Due] = []

    def due(code: str, w=None, *, earliest=None, latest=None, reason="", cite="") -> None:
        if w is not None:
            out.append(Due(code, w.earliest, w.latest, w.reason, w.rule.cite, w.provisional))
        else:
            out.append(Due(code, earliest, latest, reason, cite))

    applied = s.applied_on or applicant.applied_on
    if s.converted:
        if not s.archived_on:
            due("archive")
        return out
    reached = s.reached
    if "activist" not in reached:
        if not s.has("talk"):
            due("talk", _window("FZ-03", applied, on=as_of, org=org))
        due("activist")
        return out
    if "candidate" not in reached:
        for code in ("activist_filing", "contacts"):
            if not s.has(code):
                due(code)
        activist_on = s.activist_on or applied
        last = max([activist_on, *(r.done_on for r in s.by_step.get("assessment", []))])
        due("assessment", _window("FZ-06", last, on=as_of, org=org))
        w = _window("FZ-07", activist_on, on=as_of, org=org)
        publicity = _rule("FZ-08", as_of, org)
        if w is not None and publicity is not None:
            reason = (
                w.reason
                + ";"
                + _("确定前须公示不少于%(n)d个工作日(%(c)s)")
                % {"n": publicity.params["min_workdays"], "c": publicity.cite}
            )
            out.append(Due("candidate", w.earliest, None, reason, w.rule.cite, w.provisional))
        else:
            due("candidate", w)
        return out
    if "assembly" not in reached:
        for code in (
            "candidate_filing",
            "introducers",
            "political_review",
            "training",
            "branch_review",
            "pre_review",
            "application_form",
        ):
            if not s.has(code):
                due(code)
        pre = s.first("pre_review")
        w = _window("FZ-13", pre.done_on, on=as_of, org=org) if pre is not None else None
        due("assembly", w)
        return out
    if s.approved_on is None:
        if not s.has("committee_talk"):
            due("committee_talk")
        due("approval", _window("FZ-16", s.admitted_on, on=as_of, org=org, param="within_months"))  # type: ignore[arg-type]
        return out
    for code in ("approval_filing", "group_assignment"):
        if not s.has(code):
            due(code)
    if not s.has("oath"):
        w = _window("FZ-17", s.approved_on, on=as_of, org=org)
        due("oath", w)
    if s.pending is not None:
        due("conversion_approval", _window("FZ-19", s.pending.done_on, on=as_of, org=org))
        return out
    due("probation_assessment")
    if not s.has("conversion_application") or _cycle_needs_application(s):
        due("conversion_application")
    end = s.probation_end
    version = _rule("FZ-18", s.admitted_on, org)  # type: ignore[arg-type]
    due(
        "conversion_vote",
        earliest=end,
        cite=version.cite if version else "",
        reason=_("预备期%(d)s期满,期满后由支部大会讨论能否转为正式党员(%(c)s)")
        % {"d": _d(end), "c": version.cite if version else ""},
    )
    return out


def _cycle_needs_application(s: State) -> bool:
    """After an extension, a new written application starts the next round."""
    approvals = s.by_step.get("conversion_approval", [])
    apps = s.by_step.get("conversion_application", [])
    if not approvals or not apps:
        return False
    return max(a.done_on for a in apps) < max(a.done_on for a in approvals)


def review_many(
    pairs: Iterable[tuple[ApplicantLike, Sequence[RecordLike]]], *, as_of: dt.date
) -> list[Review]:
    return [review(a, r, as_of=as_of) for a, r in pairs]
