"""双报到 (CommunityReport) and 志愿服务 (VolunteerActivity, VolunteerRecord), and the community's
periodic evaluation of the members reporting to it (CommunityEvaluation): the write services.

Two sides act on these rows. The 社区党组织 (an org whose host unit is a 城市社区) registers the
members who report to it, runs activities, records hours and evaluates; the member's own branch
(the employer side) sees its members' reports, hours and evaluations and may end a report (a member
who moved house). `require_either` lets an account act when either side's path is in its scope.

The evaluation cycle comes from rule CX-03 (a local practice shipped as the default, a year; a
local pack may shorten it, e.g. 佛山 每半年); which member categories count as 在职党员 comes from
the same rule. Volunteer hours are recorded service, never a score or a ranking (XT-01, XT-03).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zugong.core import audit
from zugong.core.exceptions import NotInScope
from zugong.core.paths import in_subtree
from zugong.core.scope import scope_for
from zugong.members.models import (
    CommunityEvaluation,
    CommunityReport,
    Member,
    VolunteerActivity,
    VolunteerRecord,
)
from zugong.orgs.models import Org, OrgUnit
from zugong.rules import engine

RULE_ID = "CX-03"
GRADE_CAP_RULE_ID = "L-CX-03-REVIEW"
OBLIGATION = "community_evaluation"
# Host-unit kinds whose orgs are communities members report to, and kinds whose members live where
# their branch is (they do not report elsewhere).
COMMUNITY_UNIT_KINDS = ("community",)
RESIDENT_UNIT_KINDS = ("community", "village")
# A recording convention of the hours sheet (half-hour steps, at most a day's hours per day of the
# activity), not a number from any regulation.
HOURS_STEP = Decimal("0.5")
HOURS_PER_DAY = Decimal("24")
GRADE_ORDER = ["unqualified", "basic", "qualified", "excellent"]

REPORT_FIELDS = [
    "member",
    "community",
    "reported_on",
    "ended_on",
    "end_reason",
    "residence",
    "status",
    "note",
]
ACTIVITY_FIELDS = [
    "community",
    "title",
    "kind",
    "started_on",
    "ended_on",
    "place",
    "organizer",
    "description",
]


def _today() -> dt.date:
    return timezone.localdate()


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def require_either(actor, perm: str, *paths: str) -> None:
    """The actor may do `perm` where at least one of `paths` lies in its scope (the community side or
    the member's own branch); neither in scope → NotInScope (404)."""
    if actor is None:
        return
    scope = scope_for(actor)
    if not any(scope.contains(p) for p in paths):
        raise NotInScope
    if not scope.has(perm):
        raise PermissionDenied


# -- the rule ----------------------------------------------------------------------------------------
def rule(*, on: dt.date | None = None, org: Org | str | None = None) -> engine.RuleVersion:
    return engine.rule(RULE_ID, on=on or _today(), org=org)


def evaluation_period(*, on: dt.date, org: Org | str | None = None) -> engine.Period:
    """The CX-03 evaluation period containing `on` for `org` (a community): a year by default."""
    version = rule(on=on, org=org)
    per = next(
        (o["per"] for o in version.params.get("obligations", []) if o["meeting_kind"] == OBLIGATION), "year"
    )
    return engine.period_of(per, on)


def in_service_categories(*, on: dt.date | None = None, org: Org | str | None = None) -> list[str]:
    return [str(c) for c in rule(on=on, org=org).params.get("in_service_categories", [])]


@dataclass(frozen=True)
class GradeCap:
    max_grade: str
    max_label: str
    cite: str


def grade_cap(*, member: Member, year: int) -> GradeCap | None:
    """Where a local rule says so (佛山: L-CX-03-REVIEW), an in-service member who did not report to a
    community during `year` may not be rated above `max_grade` in 民主评议; None otherwise."""
    on = dt.date(year, 12, 31)
    try:
        version = engine.rule(GRADE_CAP_RULE_ID, on=on, org=member.org_path)
    except engine.RuleNotFound:
        return None
    if member.category not in in_service_categories(on=on, org=member.org_path):
        return None
    if is_resident_member(member):
        return None
    start = dt.date(year, 1, 1)
    reported = (
        CommunityReport.objects.filter(member=member, reported_on__lte=on)
        .exclude(ended_on__lt=start)
        .exists()
    )
    if reported:
        return None
    grade = str(version.params["unreported_max_grade"])
    return GradeCap(grade, str(CommunityEvaluation.Grade(grade).label), version.cite)


# -- what a community is ------------------------------------------------------------------------------
def is_community(org: Org) -> bool:
    return OrgUnit.objects.filter(org=org, unit__kind__in=COMMUNITY_UNIT_KINDS).exists()


def is_resident_member(member: Member) -> bool:
    """A member of a village or community branch (or of a branch under one) lives where the branch
    is: 双报到 does not apply."""
    parent = member.org_path[: -Org.steplen]
    return OrgUnit.objects.filter(
        unit__kind__in=RESIDENT_UNIT_KINDS, org__path__in=[member.org_path, parent]
    ).exists()


def _check_community(org: Org, field: str = "community") -> None:
    if not org.is_active:
        raise ValidationError({field: _("%(o)s已撤销") % {"o": org.name}})
    if not is_community(org):
        raise ValidationError(
            {field: _("%(o)s不是社区党组织(所在单位不是城市社区),不能接收报到") % {"o": org.name}}
        )


# -- 双报到 --------------------------------------------------------------------------------------------
@transaction.atomic
def report_register(
    *,
    actor,
    member: Member,
    community: Org,
    reported_on: dt.date,
    residence: str,
    note: str = "",
) -> CommunityReport:
    """A member reports to the community where they live. One community at a time."""
    require_either(actor, "community.edit", community.path)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    _check_community(community)
    errors: dict[str, str] = {}
    if member.standing != Member.Standing.NORMAL:
        errors["member"] = _("%(n)s党籍状态为“%(s)s”,不能报到") % {
            "n": member.name,
            "s": member.get_standing_display(),
        }
    elif in_subtree(member.org_path, community.path):
        errors["member"] = _("%(n)s是%(o)s的党员,在本社区参加组织生活,无须报到") % {
            "n": member.name,
            "o": community.name,
        }
    if reported_on > _today():
        errors["reported_on"] = _("报到日期不能晚于今天")
    elif reported_on < member.joined_on:
        errors["reported_on"] = _("报到日期不能早于入党日期%(d)s") % {"d": member.joined_on.isoformat()}
    residence = residence.strip()
    if not residence:
        errors["residence"] = _("请填写居住地址")
    current = CommunityReport.objects.filter(member=member, status=CommunityReport.Status.ACTIVE).first()
    if current is not None and "member" not in errors:
        errors["member"] = _("%(n)s已于%(d)s向%(c)s报到;到新社区报到前须先结束原报到") % {
            "n": member.name,
            "d": current.reported_on.isoformat(),
            "c": current.community.name,
        }
    if errors:
        raise ValidationError(errors)
    report = CommunityReport.objects.create(
        member=member,
        community=community,
        community_path=community.path,
        member_org_path=member.org_path,
        reported_on=reported_on,
        residence=residence[:200],
        note=note.strip()[:300],
    )
    audit.record(
        actor=actor,
        action="community.report_register",
        obj=report,
        object_repr=f"{member.name} → {community.name}",
        org_path=community.path,
        after=audit.snapshot(report, REPORT_FIELDS),
    )
    return report


@transaction.atomic
def report_end(*, actor, report: CommunityReport, ended_on: dt.date, reason: str) -> CommunityReport:
    """End a report (moved house, left the job, transferred out): either side may record it."""
    report = CommunityReport.objects.select_for_update().select_related("member").get(pk=report.pk)
    require_either(actor, "community.edit", report.community_path, report.member_org_path)
    errors: dict[str, str] = {}
    if report.status != CommunityReport.Status.ACTIVE:
        raise ValidationError(
            _("该报到已于%(d)s结束") % {"d": report.ended_on.isoformat() if report.ended_on else ""}
        )
    if ended_on > _today():
        errors["ended_on"] = _("结束日期不能晚于今天")
    elif ended_on < report.reported_on:
        errors["ended_on"] = _("结束日期不能早于报到日期%(d)s") % {"d": report.reported_on.isoformat()}
    if not reason.strip():
        errors["end_reason"] = _("请填写结束原因(如迁居、调离、转出)")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(report, REPORT_FIELDS)
    report.status = CommunityReport.Status.ENDED
    report.ended_on = ended_on
    report.end_reason = reason.strip()[:200]
    report.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    b, a = audit.changes(before, audit.snapshot(report, REPORT_FIELDS))
    audit.record(
        actor=actor,
        action="community.report_end",
        obj=report,
        object_repr=report.member.name,
        org_path=report.community_path,
        before=b,
        after=a,
    )
    return report


# -- activities ----------------------------------------------------------------------------------------
def _activity_errors(
    *, community: Org, title: str, kind: str, started_on, ended_on, exclude: int | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("请填写活动名称")
    if kind not in VolunteerActivity.Kind.values:
        errors["kind"] = _("请选择活动类别")
    if started_on is None:
        errors["started_on"] = _("请填写活动日期")
    elif ended_on is not None and ended_on < started_on:
        errors["ended_on"] = _("结束日期不能早于活动日期")
    if "title" not in errors and started_on is not None:
        same = VolunteerActivity.objects.filter(
            community=community, title=title.strip(), started_on=started_on
        )
        if exclude:
            same = same.exclude(pk=exclude)
        if same.exists():
            errors["title"] = _("本社区%(d)s已有同名活动") % {"d": started_on.isoformat()}
    return errors


@transaction.atomic
def activity_create(
    *,
    actor,
    community: Org,
    title: str,
    kind: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    place: str = "",
    organizer: str = "",
    description: str = "",
) -> VolunteerActivity:
    require_either(actor, "community.edit", community.path)
    _check_community(community)
    errors = _activity_errors(
        community=community, title=title, kind=kind, started_on=started_on, ended_on=ended_on, exclude=None
    )
    if errors:
        raise ValidationError(errors)
    activity = VolunteerActivity.objects.create(
        community=community,
        community_path=community.path,
        title=title.strip()[:200],
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        place=place.strip()[:200],
        organizer=organizer.strip()[:100],
        description=description.strip(),
    )
    audit.record(
        actor=actor,
        action="community.activity_create",
        obj=activity,
        object_repr=activity.title,
        org_path=community.path,
        after=audit.snapshot(activity, ACTIVITY_FIELDS),
    )
    return activity


@transaction.atomic
def activity_update(*, actor, activity: VolunteerActivity, **fields: Any) -> VolunteerActivity:
    activity = VolunteerActivity.objects.select_for_update().get(pk=activity.pk)
    require_either(actor, "community.edit", activity.community_path)
    allowed = {"title", "kind", "started_on", "ended_on", "place", "organizer", "description"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    values = {name: getattr(activity, name) for name in allowed} | fields
    errors = _activity_errors(
        community=activity.community,
        title=values["title"],
        kind=values["kind"],
        started_on=values["started_on"],
        ended_on=values["ended_on"],
        exclude=activity.pk,
    )
    first, last = _record_span(activity)
    if first is not None and values["started_on"] is not None and "started_on" not in errors:
        end = values["ended_on"] or values["started_on"]
        if first < values["started_on"] or (last is not None and last > end):
            errors["started_on"] = _("已登记的服务日期(%(a)s至%(b)s)须在活动日期之内") % {
                "a": first.isoformat(),
                "b": last.isoformat() if last else "",
            }
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(activity, ACTIVITY_FIELDS)
    for name in allowed:
        value = values[name]
        setattr(activity, name, value.strip() if isinstance(value, str) else value)
    activity.save()
    b, a = audit.changes(before, audit.snapshot(activity, ACTIVITY_FIELDS))
    audit.record(
        actor=actor,
        action="community.activity_update",
        obj=activity,
        object_repr=activity.title,
        org_path=activity.community_path,
        before=b,
        after=a,
    )
    return activity


def _record_span(activity: VolunteerActivity) -> tuple[dt.date | None, dt.date | None]:
    days = list(activity.records.order_by("served_on").values_list("served_on", flat=True))
    return (days[0], days[-1]) if days else (None, None)


# -- volunteer hours --------------------------------------------------------------------------------
def parse_hours(value: Any) -> Decimal:
    """Hours as typed ("2", "1.5", "２.５"): positive, in half-hour steps; ValueError in Chinese."""
    text = str(value if value is not None else "").strip().translate(_FULL_WIDTH)
    if not text:
        raise ValueError(_("请填写服务时长"))
    try:
        hours = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("服务时长应为数字(小时)")) from exc
    if not hours.is_finite() or hours <= 0:
        raise ValueError(_("服务时长应大于0"))
    if hours % HOURS_STEP != 0:
        raise ValueError(_("服务时长按半小时登记(如1、1.5、2)"))
    return hours.quantize(Decimal("0.1"))


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


@dataclass(frozen=True)
class HoursEntry:
    member: Member
    hours: Any
    note: str = ""


def eligible(member: Member, activity: VolunteerActivity, day: dt.date) -> bool:
    """Who may be credited at a community's activity: a member reporting to it on that day, or a
    member of the community's own organization."""
    if in_subtree(member.org_path, activity.community_path):
        return True
    return (
        CommunityReport.objects.filter(
            member=member, community_id=activity.community_id, reported_on__lte=day
        )
        .exclude(ended_on__lt=day)
        .exists()
    )


@transaction.atomic
def volunteer_record_add(
    *,
    actor,
    activity: VolunteerActivity,
    entries: Sequence[HoursEntry],
    served_on: dt.date | None = None,
    confirm: bool = True,
) -> list[VolunteerRecord]:
    """Hours of many members at one activity in one go (the batch form, the import): every entry is
    checked first and a bad one refuses the whole batch, each message naming its line and member."""
    activity = VolunteerActivity.objects.select_for_update().get(pk=activity.pk)
    require_either(actor, "community.edit", activity.community_path)
    day = served_on or activity.started_on
    last_day = activity.ended_on or activity.started_on
    if day < activity.started_on or day > last_day:
        raise ValidationError(
            {
                "served_on": _("服务日期应在活动日期%(a)s至%(b)s之内")
                % {
                    "a": activity.started_on.isoformat(),
                    "b": last_day.isoformat(),
                }
            }
        )
    if day > _today():
        raise ValidationError({"served_on": _("活动尚未开展,不能登记服务时长")})
    if not entries:
        raise ValidationError({"entries": _("请至少填写一名党员的服务时长")})
    cap = HOURS_PER_DAY * ((last_day - activity.started_on).days + 1)
    have = set(activity.records.values_list("member_id", flat=True))
    seen: set[int] = set()
    problems: list[str] = []
    parsed: list[tuple[Member, Decimal, str]] = []
    for n, entry in enumerate(entries, start=1):
        member = entry.member
        where = _("第%(n)d行 %(m)s:") % {"n": n, "m": member.name}
        try:
            hours = parse_hours(entry.hours)
        except ValueError as exc:
            problems.append(where + str(exc))
            continue
        if hours > cap:
            problems.append(where + _("服务时长超过活动天数可能的小时数(%(c)s小时)") % {"c": cap})
        elif member.pk in seen:
            problems.append(where + _("同一名党员在本批中重复"))
        elif member.pk in have:
            problems.append(where + _("已登记过本次活动的服务时长;修改请先删除原记录"))
        elif member.standing != Member.Standing.NORMAL:
            problems.append(where + _("党籍状态为“%(s)s”") % {"s": member.get_standing_display()})
        elif not eligible(member, activity, day):
            problems.append(
                where + _("%(d)s未向本社区报到,也不是本社区党组织的党员") % {"d": day.isoformat()}
            )
        else:
            parsed.append((member, hours, entry.note))
        seen.add(member.pk)
    if problems:
        raise ValidationError({"entries": problems})
    user = _user(actor)
    rows = [
        VolunteerRecord.objects.create(
            activity=activity,
            member=member,
            served_on=day,
            hours=hours,
            community_path=activity.community_path,
            member_org_path=member.org_path,
            confirmed_by=user if confirm else None,
            confirmed_on=_today() if confirm else None,
            note=note.strip()[:200],
        )
        for member, hours, note in parsed
    ]
    audit.record(
        actor=actor,
        action="community.volunteer_record_add",
        obj=activity,
        object_repr=activity.title,
        org_path=activity.community_path,
        after={
            "served_on": day.isoformat(),
            "confirmed": confirm,
            "records": [{"member": r.member_id, "hours": str(r.hours)} for r in rows],
        },
    )
    return rows


@transaction.atomic
def volunteer_record_confirm(*, actor, activity: VolunteerActivity) -> int:
    """Confirm every unconfirmed record of an activity; returns how many."""
    require_either(actor, "community.edit", activity.community_path)
    pending = activity.records.select_for_update().filter(confirmed_on__isnull=True)
    ids = list(pending.values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("没有待确认的服务记录"))
    VolunteerRecord.objects.filter(pk__in=ids).update(confirmed_by=_user(actor), confirmed_on=_today())
    audit.record(
        actor=actor,
        action="community.volunteer_record_confirm",
        obj=activity,
        object_repr=activity.title,
        org_path=activity.community_path,
        after={"records": ids},
    )
    return len(ids)


@transaction.atomic
def volunteer_record_remove(*, actor, record: VolunteerRecord, reason: str) -> None:
    record = (
        VolunteerRecord.objects.select_for_update().select_related("member", "activity").get(pk=record.pk)
    )
    require_either(actor, "community.edit", record.community_path)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写删除原因")})
    before = {
        "activity": record.activity_id,
        "member": record.member_id,
        "served_on": record.served_on.isoformat(),
        "hours": str(record.hours),
        "confirmed_on": record.confirmed_on.isoformat() if record.confirmed_on else None,
    }
    audit.record(
        actor=actor,
        action="community.volunteer_record_remove",
        obj=record,
        object_repr=f"{record.member.name} {record.activity.title}",
        org_path=record.community_path,
        before=before,
        after={"reason": reason.strip()[:200]},
    )
    record.delete()


# -- the evaluation ------------------------------------------------------------------------------------
@transaction.atomic
def evaluation_record(
    *,
    actor,
    report: CommunityReport,
    grade: str,
    evaluated_on: dt.date,
    comment: str = "",
) -> CommunityEvaluation:
    """The community's evaluation of a reported member, once per CX-03 period (a year by default),
    fed back to the member's own branch (it sees the row through `member_org_path`)."""
    report = CommunityReport.objects.select_related("member", "community").get(pk=report.pk)
    require_either(actor, "community.edit", report.community_path)
    errors: dict[str, str] = {}
    if grade not in CommunityEvaluation.Grade.values:
        errors["grade"] = _("请选择评议等次")
    if evaluated_on > _today():
        errors["evaluated_on"] = _("评议日期不能晚于今天")
    if errors:
        raise ValidationError(errors)
    version = rule(on=evaluated_on, org=report.community_path)
    period = evaluation_period(on=evaluated_on, org=report.community_path)
    active_in_period = report.reported_on < period.end and (
        report.ended_on is None or report.ended_on >= period.start
    )
    if not active_in_period:
        raise ValidationError(
            {
                "evaluated_on": _("%(n)s在%(p)s没有向本社区报到,不能评议")
                % {"n": report.member.name, "p": period.label}
            }
        )
    done = (
        CommunityEvaluation.objects.select_for_update()
        .filter(member=report.member, community=report.community, period_key=period.key)
        .first()
    )
    if done is not None:
        raise ValidationError(
            {
                "evaluated_on": _("%(n)s的%(p)s评议已于%(d)s登记(%(g)s);每个评议期评议一次(%(cite)s)")
                % {
                    "n": report.member.name,
                    "p": period.label,
                    "d": done.evaluated_on.isoformat(),
                    "g": done.get_grade_display(),
                    "cite": version.cite,
                }
            }
        )
    evaluation = CommunityEvaluation.objects.create(
        report=report,
        member=report.member,
        community=report.community,
        community_path=report.community_path,
        member_org_path=report.member_org_path,
        year=period.start.year,
        period_key=period.key,
        period_label=period.label,
        grade=grade,
        comment=comment.strip()[:500],
        evaluated_on=evaluated_on,
        rule_id=version.rule_id,
        rule_version=version.version,
    )
    audit.record(
        actor=actor,
        action="community.evaluation_record",
        obj=evaluation,
        object_repr=f"{report.member.name} {period.label}",
        org_path=report.community_path,
        after={
            "member": report.member_id,
            "community": report.community_id,
            "period": period.key,
            "grade": grade,
            "evaluated_on": evaluated_on.isoformat(),
            "rule": f"{version.rule_id}/{version.version}",
        },
    )
    return evaluation


# -- finding a member by 公民身份号码 (the community side registers people who are not in its scope) ---
def member_by_id_number(*, id_number: str, name: str) -> Member:
    from zugong.core import crypto, idnumber

    number = idnumber.normalize(id_number)
    try:
        idnumber.parse(number)
    except ValueError as exc:
        raise ValidationError({"id_number": _("公民身份号码不正确:%(e)s") % {"e": exc}}) from exc
    member = Member.objects.select_related("org").filter(id_number_hash=crypto.blind_index(number)).first()
    if member is None or member.name != "".join(name.split()):
        # One message for both, so the form does not tell whether a number is registered.
        raise ValidationError({"id_number": _("系统中没有姓名和公民身份号码都相符的党员")})
    return member
