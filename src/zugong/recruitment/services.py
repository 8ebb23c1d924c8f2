"""Writes of 发展党员: open a file, record a step, undo the latest step, close a file, plans.

Every write is one transaction: `require(actor, "recruitment.edit", path)`, validation, the rows,
the applicant's stored state refreshed from checks.review(), an audit entry. Blocking is kept to
what is mechanically impossible (validate_step): a step before the one it follows, a step whose
gate is not passed, a date in the future, an applicant under 18 on the day of the application, an
extension the rule does not allow, admission after a failed political review or vote. Everything a
rule advises against is recorded with the step as a warning citing its article (checks.py).

Admission and conversion write the member registry through members.services: on the higher
committee's approval the applicant becomes a 预备党员 (joined_on = the 支部大会 adoption date, from
which dues are payable), on the approved conversion a 正式党员 with converted_on = the end of
probation (党龄 counts from it), FZ-18 / FZ-20.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zugong.core import audit, codes, crypto, idnumber
from zugong.core.paths import subtree_q
from zugong.core.services import require
from zugong.members.models import Member
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.recruitment import checks, steps
from zugong.recruitment.models import OPEN_STAGES, Applicant, Plan, Stage, StepDocument, StepRecord
from zugong.rules import engine

PERSON_FIELDS = {
    "name",
    "sex",
    "ethnicity",
    "id_number",
    "birth_date",
    "native_place",
    "education",
    "category",
    "work_unit",
    "job_title",
    "phone",
    "address",
    "leaving_on",
}
CODED = {"sex": "sex", "ethnicity": "ethnicity", "education": "education", "category": "occupation"}
REQUIRED = ["name", "sex", "ethnicity", "id_number"]
AUDIT_FIELDS = [
    "name",
    "sex",
    "ethnicity",
    "id_number_masked",
    "birth_date",
    "native_place",
    "education",
    "category",
    "work_unit",
    "job_title",
    "phone_masked",
    "address",
    "leaving_on",
    "org",
    "stage",
]
# Structured values a step record may carry (besides date, done_by, note).
STEP_FIELDS = {
    "people",
    "method",
    "outcome",
    "decision",
    "extension_months",
    "special",
    "serial",
    "publicity_from",
    "publicity_to",
    "training_days",
    "training_hours",
    "leaving_on",
    "expected",
    "present",
    "yes",
    "no",
    "abstain",
    "written_yes",
    "written_no",
    "written_abstain",
}
OUTCOMES = {
    "political_review": ("passed", "failed"),
    "pre_review": ("passed", "failed"),
    "approval": ("approved", "rejected"),
    "conversion_approval": ("approved", "rejected"),
}
VOTE_STEPS = ("assembly", "conversion_vote")


def _today() -> dt.date:
    return dt.date.today()


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


# -- person ----------------------------------------------------------------------------------------
def check_person(
    data: dict[str, Any], *, applied_on: dt.date | None, org_path: str = "", instance_given: bool = False
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The person's fields as a pure function: (cleaned values, problems by field)."""
    errors: dict[str, list[str]] = {}

    def bad(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    clean = dict(data)
    for key in REQUIRED:
        if clean.get(key) in (None, "") and not (key == "id_number" and instance_given):
            bad(key, _("%(f)s不能为空") % {"f": field_label(key)})
    if isinstance(clean.get("name"), str):
        clean["name"] = "".join(clean["name"].split())
    for key, table in CODED.items():
        value = clean.get(key)
        if value and not codes.is_valid(table, value):
            bad(key, _("%(f)s“%(v)s”不在代码表中") % {"f": field_label(key), "v": value})
    if clean.get("id_number"):
        try:
            number, birth, sex = idnumber.parse(clean["id_number"])
        except idnumber.IdNumberError as exc:
            bad("id_number", str(exc))
        else:
            clean["id_number"] = number
            if clean.get("birth_date") and clean["birth_date"] != birth:
                bad(
                    "birth_date",
                    _("出生日期%(d)s与公民身份号码中的%(i)s不一致") % {"d": clean["birth_date"], "i": birth},
                )
            clean["birth_date"] = birth
            if clean.get("sex") in {"1", "2"} and clean["sex"] != sex:
                bad(
                    "sex", _("性别与公民身份号码不一致(号码第17位表示%(i)s)") % {"i": codes.label("sex", sex)}
                )
    born: dt.date | None = clean.get("birth_date")
    if applied_on is not None:
        if applied_on > _today():
            bad("applied_on", _("申请日期不能晚于今天"))
        if born:
            w = engine.window("FZ-01", born, on=applied_on, org=org_path or None)
            if w.earliest and applied_on < w.earliest:
                bad(
                    "applied_on",
                    _("申请时未满%(n)d周岁(%(d)s年满),不能提出入党申请(%(c)s)")
                    % {"n": w.rule.params["min_age_years"], "d": w.earliest.isoformat(), "c": w.rule.cite},
                )
    return clean, errors


def field_label(key: str) -> str:
    if key == "id_number":
        return _("公民身份号码")
    if key == "phone":
        return _("手机")
    if key == "applied_on":
        return _("申请日期")
    return str(getattr(Applicant._meta.get_field(key), "verbose_name", key))


def _apply_person(applicant: Applicant, clean: dict[str, Any]) -> None:
    for key, value in clean.items():
        if key == "id_number":
            applicant.id_number_enc = crypto.encrypt(value)
            applicant.id_number_hash = crypto.blind_index(value)
            applicant.id_number_masked = crypto.mask_id_number(value)
        elif key == "phone":
            phone = "".join(str(value or "").split())
            applicant.phone_enc = crypto.encrypt(phone) if phone else ""
            applicant.phone_masked = crypto.mask_phone(phone) if phone else ""
        elif key in PERSON_FIELDS:
            setattr(applicant, key, value.strip() if isinstance(value, str) else value)


def _check_branch(org: Org) -> None:
    if not org.is_active:
        raise ValidationError({"org": _("党组织“%(o)s”已撤销") % {"o": org.name}})
    if org.kind not in BRANCH_KINDS:
        raise ValidationError(
            {"org": _("入党申请由党支部受理,“%(o)s”是%(k)s") % {"o": org.name, "k": org.get_kind_display()}}
        )


def id_number_taken(number: str, *, exclude: int | None = None) -> str:
    """Why this 公民身份号码 cannot open a file ("" if it can): an open file, or already a member."""
    index = crypto.blind_index(number)
    files = Applicant.objects.filter(id_number_hash=index, stage__in=OPEN_STAGES)
    if exclude is not None:
        files = files.exclude(pk=exclude)
    other = files.select_related("org").first()
    if other is not None:
        return _("该公民身份号码已有发展档案(%(o)s,%(s)s)") % {
            "o": other.org.name,
            "s": other.get_stage_display(),
        }
    if exclude is None and Member.objects.filter(id_number_hash=index).exists():
        return _("该公民身份号码已登记为党员")
    return ""


@transaction.atomic
def applicant_create(
    *, actor, org: Org, applied_on: dt.date, done_by: str = "", note: str = "", **fields
) -> Applicant:
    """Open a file with its first step, 递交入党申请书 (FZ-01: 18 on the day it is received)."""
    require(actor, "recruitment.edit", org.path)
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise ValidationError(_("未知的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    _check_branch(org)
    clean, errors = check_person(fields, applied_on=applied_on, org_path=org.path)
    if clean.get("id_number") and "id_number" not in errors:
        reason = id_number_taken(clean["id_number"])
        if reason:
            errors.setdefault("id_number", []).append(reason)
    if errors:
        raise ValidationError(errors)
    applicant = Applicant(org=org, org_path=org.path, applied_on=applied_on, created_by=_user(actor))
    _apply_person(applicant, clean)
    applicant.save()
    StepRecord.objects.create(
        applicant=applicant,
        step="apply",
        done_on=applied_on,
        done_by=done_by.strip(),
        note=note.strip(),
        recorded_by=_user(actor),
    )
    refresh(applicant)
    audit.record(
        actor=actor,
        action="recruitment.create",
        obj=applicant,
        org_path=org.path,
        after={**audit.snapshot(applicant, AUDIT_FIELDS), "applied_on": applied_on},
    )
    return applicant


@transaction.atomic
def applicant_update(*, actor, applicant: Applicant, **fields) -> Applicant:
    applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
    require(actor, "recruitment.edit", applicant.org_path)
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise ValidationError(_("未知的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    merged = {k: getattr(applicant, k) for k in PERSON_FIELDS - {"id_number", "phone"}}
    merged["id_number"] = crypto.decrypt(applicant.id_number_enc)
    if "id_number" in fields:
        merged.pop("birth_date", None)
    merged.update(fields)
    clean, errors = check_person(merged, applied_on=applicant.applied_on, org_path=applicant.org_path)
    if "id_number" in fields and clean.get("id_number") and "id_number" not in errors:
        reason = id_number_taken(clean["id_number"], exclude=applicant.pk)
        if reason:
            errors.setdefault("id_number", []).append(reason)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(applicant, AUDIT_FIELDS)
    _apply_person(applicant, {k: v for k, v in clean.items() if k in fields or k == "birth_date"})
    applicant.save()
    refresh(applicant)
    b, a = audit.changes(before, audit.snapshot(applicant, AUDIT_FIELDS))
    if a:
        audit.record(
            actor=actor,
            action="recruitment.update",
            obj=applicant,
            org_path=applicant.org_path,
            before=b,
            after=a,
        )
    return applicant


@transaction.atomic
def applicant_reveal(*, actor, applicant: Applicant) -> str:
    """The clear 公民身份号码; every call is an audit entry."""
    require(actor, "recruitment.reveal", applicant.org_path)
    value = crypto.decrypt(applicant.id_number_enc)
    audit.record(
        actor=actor,
        action="recruitment.reveal_id_number",
        obj=applicant,
        org_path=applicant.org_path,
        after={"field": "id_number"},
    )
    return value


# -- steps -----------------------------------------------------------------------------------------
def _records(applicant: Applicant) -> list[StepRecord]:
    return list(applicant.records.order_by("done_on", "id"))


def validate_step(
    applicant: Applicant,
    records: Sequence[checks.RecordLike],
    step: str,
    values: dict[str, Any],
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The mechanical checks of one new step against the recorded ones; returns cleaned values.

    Raises ValidationError keyed by field. Pure apart from the engine (cached) and the 志愿书
    serial number's uniqueness, so the importer can replay a row's steps in memory."""
    today = today or _today()
    errors: dict[str, list[str]] = {}

    def bad(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if step not in steps.BY_CODE:
        raise ValidationError({"step": _("未知的环节")})
    definition = steps.get(step)
    org = applicant.org_path
    s = checks.derive(records, org=org)
    done_on: dt.date | None = values.get("done_on")
    clean = dict(values)

    if step == "apply":
        raise ValidationError({"step": _("入党申请在建立档案时记录")})
    if applicant.closed_on is not None or s.stage in ("cancelled", "ended"):
        raise ValidationError({"step": _("该发展档案已终止,不能再记录")})
    if s.converted and step != "archive":
        raise ValidationError({"step": _("已转为正式党员,只能记录材料归档")})
    if s.has(step) and not definition.repeatable:
        raise ValidationError({"step": _("“%(s)s”已经记录过") % {"s": definition.title}})

    # Gates: the segment's gate must be passed; the gate steps need the one before.
    gate = steps.segment_gate(step)
    if gate and gate not in s.reached:
        raise ValidationError(
            {"step": _("请先记录“%(g)s”,再记录“%(s)s”") % {"g": steps.get(gate).title, "s": definition.title}}
        )
    if step == "assembly":
        if s.admitted_on is not None:
            raise ValidationError({"step": _("支部大会已通过接收其为预备党员")})
        review = s.latest.get("political_review")
        if review is not None and review.outcome == "failed":
            raise ValidationError(
                {"step": _("政治审查不合格的,不能发展入党(%(c)s)") % {"c": _cite("FZ-10", done_on, org)}}
            )
        pre = s.latest.get("pre_review")
        if pre is not None and pre.outcome == "failed":
            raise ValidationError({"step": _("上级党委预审未通过,不能提交支部大会")})
    if step == "application_form":
        pre = s.latest.get("pre_review")
        if pre is not None and pre.outcome == "failed":
            raise ValidationError({"step": _("上级党委预审未通过,不能发放入党志愿书")})
    if step == "approval" and (s.approved_on or s.rejected_on):
        raise ValidationError({"step": _("上级党委已作出审批")})
    if step == "conversion_vote" and s.pending is not None:
        raise ValidationError({"step": _("上一次转正表决尚待上级党委审批")})
    if step == "conversion_approval" and s.pending is None:
        raise ValidationError({"step": _("请先记录支部大会对转正的表决")})
    if step == "archive" and not s.converted:
        raise ValidationError({"step": _("转为正式党员后才能归档")})

    # Dates: not in the future, not before a recorded step it follows.
    if done_on is None:
        bad("done_on", _("请填写日期"))
    else:
        if done_on > today:
            bad("done_on", _("日期不能晚于今天"))
        follows = [("apply", s.applied_on)] if s.applied_on else []
        for code in definition.after:
            latest = s.latest.get(code)
            if latest is not None:
                follows.append((code, latest.done_on))
        for code, day in follows:
            if day is not None and done_on < day:
                bad(
                    "done_on",
                    _("日期不能早于“%(s)s”(%(d)s)") % {"s": steps.get(code).title, "d": day.isoformat()},
                )
                break

    # Structured values.
    if step in OUTCOMES:
        if clean.get("outcome") not in OUTCOMES[step]:
            bad("outcome", _("请选择结论"))
    else:
        clean["outcome"] = ""
    if step == "activist" and clean.get("method") and clean["method"] not in StepRecord.Method.values:
        bad("method", _("未知的产生方式"))
    if step in ("contacts", "introducers"):
        people = clean.get("people") or []
        if not people:
            bad("people", _("请至少填写一人"))
        clean["people"] = people
    if step == "training":
        days, hours = clean.get("training_days"), clean.get("training_hours")
        if days in (None, "") and hours in (None, ""):
            bad("training_days", _("请填写培训天数或学时"))
        for key in ("training_days", "training_hours"):
            if clean.get(key) is not None and Decimal(clean[key]) < 0:
                bad(key, _("不能为负数"))
    if step == "application_form":
        serial = (clean.get("serial") or "").strip()
        if not serial:
            bad("serial", _("请填写入党志愿书编号"))
        elif Applicant.objects.filter(form_serial=serial).exclude(pk=applicant.pk).exists():
            bad("serial", _("该入党志愿书编号已被其他人使用"))
        clean["serial"] = serial
    if step == "candidate":
        start, end = clean.get("publicity_from"), clean.get("publicity_to")
        if end is not None and start is None:
            bad("publicity_from", _("请填写公示开始日期"))
        if start and end and end < start:
            bad("publicity_to", _("公示结束日期不能早于开始日期"))
        if start and done_on and start > done_on:
            bad("publicity_from", _("公示应在确定发展对象之前"))
        if end and end > today:
            bad("publicity_to", _("公示尚未结束,请公示期满后再确定发展对象"))
    if step in VOTE_STEPS:
        _judge_vote(clean, on=done_on, org=org, errors=errors)
    if step == "conversion_vote":
        decision = clean.get("decision")
        if decision not in StepRecord.Decision.values:
            bad("decision", _("请选择表决事项"))
        if decision == "extend":
            rule = engine.rule("FZ-18", on=s.admitted_on or done_on, org=org)
            low, high = rule.params["extension_min_months"], rule.params["extension_max_months"]
            months = clean.get("extension_months")
            if months is None or not low <= int(months) <= high:
                bad(
                    "extension_months",
                    _("延长预备期应为%(a)d至%(b)d个月(%(c)s)") % {"a": low, "b": high, "c": rule.cite},
                )
            if s.extensions >= rule.params["max_extensions"]:
                bad("decision", _("预备期只能延长一次,已经延长过(%(c)s)") % {"c": rule.cite})
        else:
            clean["extension_months"] = None
    if errors:
        raise ValidationError(errors)
    return clean


def _cite(rule_id: str, on: dt.date | None, org: str) -> str:
    try:
        return engine.rule(rule_id, on=on, org=org).cite
    except engine.RuleNotFound:
        return rule_id


def _judge_vote(
    values: dict[str, Any], *, on: dt.date | None, org: str, errors: dict[str, list[str]]
) -> None:
    """FZ-14 with the 应到 denominator; the verdict is the engine's, not what was typed in."""
    counts = {k: values.get(k) for k in ("expected", "present", "yes", "no", "abstain")}
    written = {k: int(values.get(k) or 0) for k in ("written_yes", "written_no", "written_abstain")}
    values.update(written)
    if all(v is None for v in counts.values()) and not any(written.values()):
        values["passed"] = None  # a paper file without the counts: recorded, flagged by the checks
        values["vote_note"] = ""
        return
    if counts["expected"] is None or counts["present"] is None or counts["yes"] is None:
        errors.setdefault("expected", []).append(_("请填写应到、实到有表决权人数和赞成票数"))
        return
    try:
        result = engine.quorum(
            "FZ-14",
            expected=int(counts["expected"]),
            present=int(counts["present"]),
            yes=int(counts["yes"]),
            no=int(counts["no"] or 0),
            abstain=int(counts["abstain"] or 0),
            on=on,
            org=org,
            **written,
        )
    except ValueError as exc:
        message = {
            "present cannot exceed expected": _("实到人数不能超过应到人数"),
            "more votes than members present": _("赞成、反对、弃权票合计不能超过实到人数"),
            "more written opinions than absent members": _("书面意见数不能超过未到会人数"),
        }.get(str(exc), _("票数有误"))
        errors.setdefault("yes" if "votes" in str(exc) else "present", []).append(message)
        return
    values["passed"] = bool(result.quorum_met and result.passed)
    values["vote_note"] = ";".join(result.reasons)[:400]


@transaction.atomic
def step_record(
    *,
    actor,
    applicant: Applicant,
    step: str,
    done_on: dt.date,
    done_by: str = "",
    note: str = "",
    document=None,
    **fields,
) -> StepRecord:
    """Record one step of the file (see validate_step for what is refused)."""
    applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
    require(actor, "recruitment.edit", applicant.org_path)
    unknown = set(fields) - STEP_FIELDS
    if unknown:
        raise ValidationError(_("未知的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    records = _records(applicant)
    clean = validate_step(applicant, records, step, {**fields, "done_on": done_on})
    clean.pop("done_on", None)
    record = StepRecord(
        applicant=applicant,
        step=step,
        done_on=done_on,
        done_by=done_by.strip()[:100],
        note=note.strip(),
        recorded_by=_user(actor),
    )
    for key, value in clean.items():
        if key in STEP_FIELDS or key in ("passed", "vote_note"):
            setattr(record, key, value)
    record.save()
    records.append(record)
    review = refresh(applicant, records)
    record.warnings = [
        {"rule_id": f.rule_id, "cite": f.cite, "message": f.message}
        for f in review.findings
        if f.step == step and f.kind != checks.OVERDUE
    ]
    record.save(update_fields=["warnings"])
    if step == "application_form":
        applicant.form_serial = record.serial
        applicant.save(update_fields=["form_serial"])
    if step == "branch_review" and record.leaving_on:
        applicant.leaving_on = record.leaving_on
        applicant.save(update_fields=["leaving_on"])
    _follow_registry(actor, applicant, review.state, record)
    if document is not None:
        document_add(actor=actor, record=record, file=document)
    audit.record(
        actor=actor,
        action="recruitment.step",
        obj=applicant,
        org_path=applicant.org_path,
        after={
            "step": step,
            "done_on": done_on,
            "done_by": record.done_by,
            **{k: v for k, v in clean.items() if k in STEP_FIELDS and v not in (None, "", [], 0, False)},
            "warnings": [w["rule_id"] or w["message"] for w in record.warnings],
        },
    )
    return record


def _follow_registry(actor, applicant: Applicant, state: checks.State, record: StepRecord) -> None:
    """Admission and conversion change the member registry (members.services)."""
    from zugong.members import services as member_services

    if record.step == "approval" and record.outcome == "approved":
        member = applicant.member or Member.objects.filter(id_number_hash=applicant.id_number_hash).first()
        if member is None:
            try:
                member = member_services.member_create(
                    actor=actor,
                    org=applicant.org,
                    name=applicant.name,
                    sex=applicant.sex,
                    ethnicity=applicant.ethnicity,
                    id_number=crypto.decrypt(applicant.id_number_enc),
                    birth_date=applicant.birth_date,
                    native_place=applicant.native_place,
                    education=applicant.education,
                    category=applicant.category,
                    work_unit=applicant.work_unit,
                    job_title=applicant.job_title,
                    phone=crypto.decrypt(applicant.phone_enc) if applicant.phone_enc else "",
                    address=applicant.address,
                    joined_on=state.admitted_on,
                    status=Member.Status.PROBATIONARY,
                )
            except ValidationError as exc:
                raise ValidationError(
                    {"done_on": _("不能登记为预备党员:%(e)s") % {"e": ";".join(exc.messages)}}
                ) from exc
        applicant.member = member
        applicant.save(update_fields=["member"])
    elif record.step == "conversion_approval" and applicant.member_id:
        member = Member.objects.get(pk=applicant.member_id)
        try:
            if state.converted and member.status != Member.Status.FORMAL:
                member_services.member_update(
                    actor=actor, member=member, status=Member.Status.FORMAL, converted_on=state.converted_on
                )
            elif state.cancelled_on and member.standing == Member.Standing.NORMAL:
                # 取消预备党员资格: the recruitment file keeps the dated step (its own history)
                member_services.member_update(
                    actor=actor, member=member, standing=Member.Standing.LEFT, _flow=True
                )
        except ValidationError as exc:
            raise ValidationError(
                {"done_on": _("不能更新党员信息:%(e)s") % {"e": ";".join(exc.messages)}}
            ) from exc


@transaction.atomic
def step_undo(*, actor, record: StepRecord) -> None:
    """Remove the latest step (a mistaken entry). Steps that changed the member registry, and the
    application itself, are corrected where they belong instead."""
    applicant = Applicant.objects.select_for_update().get(pk=record.applicant_id)
    require(actor, "recruitment.edit", applicant.org_path)
    records = _records(applicant)
    latest = max(records, key=lambda r: (r.done_on, r.pk))
    if record.pk != latest.pk:
        raise ValidationError(_("只能撤销最近记录的一个环节"))
    if record.step == "apply":
        raise ValidationError(_("入党申请不能撤销;如不再发展,请终止发展档案"))
    if record.step in ("approval", "conversion_approval") and applicant.member_id:
        raise ValidationError(_("该环节已据以登记或更新党员信息,不能撤销;如有错误请联系上级党委更正"))
    before = {"step": record.step, "done_on": record.done_on, "done_by": record.done_by}
    record.delete()
    if record.step == "application_form":
        applicant.form_serial = ""
        applicant.save(update_fields=["form_serial"])
    refresh(applicant)
    audit.record(
        actor=actor, action="recruitment.step_undo", obj=applicant, org_path=applicant.org_path, before=before
    )


@transaction.atomic
def applicant_close(*, actor, applicant: Applicant, on: dt.date, reason: str) -> Applicant:
    """终止发展: the person withdraws, moves away, or the branch stops the file (a human decision)."""
    applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
    require(actor, "recruitment.edit", applicant.org_path)
    if not applicant.is_open:
        raise ValidationError(_("该发展档案已结束"))
    if applicant.stage == Stage.PROBATIONARY:
        raise ValidationError(_("预备党员应经支部大会讨论、上级党委审批后取消预备党员资格,不能直接终止"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写终止原因")})
    if on > _today() or on < applicant.applied_on:
        raise ValidationError({"on": _("终止日期应在申请日期与今天之间")})
    applicant.closed_on = on
    applicant.closed_reason = reason.strip()[:200]
    applicant.save(update_fields=["closed_on", "closed_reason"])
    refresh(applicant)
    audit.record(
        actor=actor,
        action="recruitment.close",
        obj=applicant,
        org_path=applicant.org_path,
        after={"closed_on": on, "reason": applicant.closed_reason},
    )
    return applicant


def document_add(*, actor, record: StepRecord, file) -> StepDocument:
    require(actor, "recruitment.edit", record.applicant.org_path)
    name = getattr(file, "name", "document")[-200:]
    doc = StepDocument(record=record, name=name, size=getattr(file, "size", 0) or 0, uploaded_by=_user(actor))
    doc.file.save(name, file, save=False)
    doc.save()
    return doc


# -- the stored state ----------------------------------------------------------------------------
STAGE_OF = {
    "applicant": Stage.APPLICANT,
    "activist": Stage.ACTIVIST,
    "candidate": Stage.CANDIDATE,
    "admission": Stage.ADMISSION,
    "probationary": Stage.PROBATIONARY,
    "member": Stage.MEMBER,
    "cancelled": Stage.CANCELLED,
    "ended": Stage.ENDED,
}


def refresh(
    applicant: Applicant, records: Sequence[StepRecord] | None = None, *, as_of: dt.date | None = None
) -> checks.Review:
    """Store on the applicant what the checks say: stage, key dates, next step, nearest deadline."""
    records = list(records) if records is not None else _records(applicant)
    review = checks.review(applicant, records, as_of=as_of)
    s = review.state
    stage = Stage.ENDED if applicant.closed_on else STAGE_OF[s.stage]
    primary, nearest = review.primary, review.nearest
    values = {
        "stage": stage,
        "activist_on": s.activist_on,
        "candidate_on": s.candidate_on,
        "admitted_on": s.admitted_on,
        "approved_on": s.approved_on,
        "extension_months": s.extension_months,
        "probation_end": s.probation_end,
        "converted_on": s.converted_on,
        "next_step": primary.step if primary and stage in [*OPEN_STAGES, Stage.MEMBER] else "",
        "next_earliest": primary.earliest if primary else None,
        "next_latest": primary.latest if primary else None,
        "due_on": nearest.latest if nearest and stage in OPEN_STAGES else None,
        "due_step": nearest.step if nearest and stage in OPEN_STAGES else "",
        "breach_count": min(sum(1 for f in review.findings if f.kind != checks.OVERDUE), 32767),
    }
    if s.stage == "ended" and s.rejected_on and not applicant.closed_on:
        values["closed_on"] = s.rejected_on
        values["closed_reason"] = _("上级党委不予批准")
    if not values["next_step"]:
        values["next_earliest"] = values["next_latest"] = None
    changed = [k for k, v in values.items() if getattr(applicant, k) != v]
    for k in changed:
        setattr(applicant, k, values[k])
    if changed and applicant.pk:
        applicant.save(update_fields=[*changed, "updated_at"])
    return review


# -- plans -----------------------------------------------------------------------------------------
@transaction.atomic
def plan_save(*, actor, org: Org, year: int, quota: int, note: str = "") -> Plan:
    """A committee's quota for a year (one plan per committee and year; saving again changes it)."""
    require(actor, "recruitment.plan", org.path)
    if org.kind in BRANCH_KINDS:
        raise ValidationError({"org": _("发展党员计划由党委制定,请选择党委或党工委")})
    if quota < 0:
        raise ValidationError({"quota": _("名额不能为负数")})
    if not 2000 <= year <= _today().year + 1:
        raise ValidationError({"year": _("年度应在2000年至明年之间")})
    plan = Plan.objects.filter(org=org, year=year).first()
    before = {"quota": plan.quota, "note": plan.note} if plan else {}
    if plan is None:
        plan = Plan(org=org, org_path=org.path, year=year, quota=quota)
    plan.quota, plan.note, plan.updated_by = quota, note.strip()[:300], _user(actor)
    plan.save()
    audit.record(
        actor=actor,
        action="recruitment.plan",
        obj=plan,
        org_path=org.path,
        before=before,
        after={"year": year, "quota": quota, "note": plan.note},
    )
    return plan


# -- merges (registered in apps.py: core.paths.on_org_merge) -----------------------------------------
def follow_merge(source: Org, target: Org) -> int:
    """A branch merged into another hands over its applicants' files."""
    return Applicant.objects.filter(org=source).update(org=target, org_path=target.path)


def open_files(org: Org) -> int:
    return Applicant.objects.filter(subtree_q(org.path, "org_path"), stage__in=OPEN_STAGES).count()
