"""Writes to organizational life: meetings with their parts, attendance and votes; 民主评议党员 results
and their follow-up; 四议两公开 matters; the 主题党日 checklist.

Each function is one transaction with its audit entry. A meeting's validity (quorum) and its votes'
outcome are judged by the rules engine on the meeting's date, and the judgement is stored with the
rule it came from, so the compliance query never has to re-run the rules row by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from zugong.core import audit
from zugong.core.services import require
from zugong.members.models import Member, PartyGroup
from zugong.orglife.models import (
    QUORUM_RULES,
    VILLAGE_STEPS,
    Attachment,
    Attendance,
    Meeting,
    MeetingKind,
    MeetingPart,
    MemberReview,
    ThemeDayItem,
    VillageDecision,
    Vote,
)
from zugong.orgs.models import BRANCH_KINDS, Org, OrgKind
from zugong.rules import engine

MEETING_FIELDS = [
    "held_on",
    "starts_at",
    "ends_at",
    "place",
    "topic",
    "host_name",
    "recorder_name",
    "lecturer_name",
    "minutes",
    "theme_items",
    "expected",
    "present",
    "on_leave",
    "voting_expected",
    "voting_present",
    "party_group",
    "village_decision",
]
# Kinds a branch-level org (党支部, 党总支) holds; committees hold 党课 and 主题党日 for their office.
BRANCH_LEVEL_KINDS = BRANCH_KINDS | {OrgKind.GENERAL_BRANCH}
COMMITTEE_KINDS_ALLOWED = {MeetingKind.PARTY_LECTURE, MeetingKind.THEME_DAY, MeetingKind.HEART_TALK}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ods",
    ".odt",
    ".txt",
}


# The first bytes of the formats a browser would display inline: a file named .png must be a PNG.
MAGIC = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".pdf": (b"%PDF-",),
}


def _content_matches(ext: str, upload: UploadedFile) -> bool:
    signatures = MAGIC.get(ext)
    if not signatures:
        return True
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if isinstance(head, str):
        head = head.encode("latin-1", "replace")
    if ext == ".webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return any(head.startswith(sig) for sig in signatures)


@dataclass(frozen=True)
class AttendanceRow:
    member: Member
    status: str
    reason: str = ""


@dataclass(frozen=True)
class VoteInput:
    subject: str
    yes: int = 0
    no: int = 0
    abstain: int = 0
    written_yes: int = 0
    written_no: int = 0
    written_abstain: int = 0
    is_secret: bool = True


def _today() -> dt.date:
    return dt.date.today()


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def has_vote(member: Member) -> bool:
    """预备党员 have no vote, no right to elect or to be elected (FZ-18)."""
    return member.status == Member.Status.FORMAL


# -- meetings ------------------------------------------------------------------------------------------
def _clean_kinds(org: Org, kinds: Iterable[str], village_decision: VillageDecision | None) -> list[str]:
    clean: list[str] = []
    for kind in kinds:
        if kind not in MeetingKind.values:
            raise ValidationError({"kinds": _("未知的会议类型:%(k)s") % {"k": kind}})
        if kind not in clean:
            clean.append(kind)
    if not clean:
        raise ValidationError({"kinds": _("请至少选择一种会议类型")})
    village = [k for k in clean if k in VILLAGE_STEPS]
    if village and len(village) != len(clean):
        raise ValidationError({"kinds": _("“四议两公开”的步骤应单独记录,不能与“三会一课”等合并为一次会议")})
    if len(village) > 1:
        raise ValidationError({"kinds": _("一次会议只能记录“四议两公开”的一个步骤")})
    if village and village_decision is None:
        raise ValidationError({"village_decision": _("请选择这一步骤所属的“四议两公开”事项")})
    if not village and village_decision is not None:
        raise ValidationError({"village_decision": _("只有“四议两公开”的步骤才能关联事项")})
    if org.kind not in BRANCH_LEVEL_KINDS:
        wrong = [k for k in clean if k not in COMMITTEE_KINDS_ALLOWED]
        if wrong:
            raise ValidationError(
                {
                    "kinds": _("%(org)s是%(kind)s,不召开%(what)s;请在所属党支部记录")
                    % {
                        "org": org.name,
                        "kind": org.get_kind_display(),
                        "what": "、".join(str(MeetingKind(k).label) for k in wrong),
                    }
                }
            )
    return clean


def _check_attendance(
    org: Org, party_group: PartyGroup | None, rows: Sequence[AttendanceRow], attended: set[int] | None = None
) -> None:
    """`attended`: members already on this meeting's list, kept even if they have left the branch since."""
    seen: set[int] = set()
    for row in rows:
        member = row.member
        if member.pk in seen:
            raise ValidationError({"attendance": _("%(name)s 重复出现在出席名单中") % {"name": member.name}})
        seen.add(member.pk)
        if member.org_id != org.pk and member.pk not in (attended or set()):
            raise ValidationError(
                {"attendance": _("%(name)s 不是%(org)s的党员") % {"name": member.name, "org": org.name}}
            )
        if row.status not in Attendance.Status.values:
            raise ValidationError({"attendance": _("%(name)s 的出席情况无效") % {"name": member.name}})
        if row.status == Attendance.Status.LEAVE and not row.reason.strip():
            raise ValidationError({"attendance": _("%(name)s 请假,请填写请假原因") % {"name": member.name}})


def _counts_from(rows: Sequence[AttendanceRow]) -> dict[str, int]:
    present = [r for r in rows if r.status == Attendance.Status.PRESENT]
    return {
        "expected": len(rows),
        "present": len(present),
        "on_leave": sum(1 for r in rows if r.status == Attendance.Status.LEAVE),
        "voting_expected": sum(1 for r in rows if has_vote(r.member)),
        "voting_present": sum(1 for r in present if has_vote(r.member)),
    }


def _check_counts(values: dict[str, Any], kinds: list[str]) -> None:
    expected, present, leave = values.get("expected"), values.get("present"), values.get("on_leave")
    for name in ("expected", "present", "on_leave", "voting_expected", "voting_present"):
        v = values.get(name)
        if v is not None and (not isinstance(v, int) or v < 0):
            raise ValidationError({name: _("人数应为不小于0的整数")})
    if expected is None or present is None:
        raise ValidationError({"expected": _("请填写应到和实到人数,或逐人记录出席情况")})
    if present > expected:
        raise ValidationError(
            {"present": _("实到人数(%(p)s)不能多于应到人数(%(e)s)") % {"p": present, "e": expected}}
        )
    if leave is not None and present + leave > expected:
        raise ValidationError({"on_leave": _("实到与请假人数之和不能多于应到人数")})
    ve, vp = values.get("voting_expected"), values.get("voting_present")
    if ve is not None and ve > expected:
        raise ValidationError({"voting_expected": _("有表决权应到人数不能多于应到人数")})
    if vp is not None and (ve is None or vp > ve):
        raise ValidationError({"voting_present": _("有表决权实到人数不能多于有表决权应到人数")})
    if vp is not None and vp > present:
        raise ValidationError({"voting_present": _("有表决权实到人数不能多于实到人数")})
    needs_voting = [k for k in kinds if k in QUORUM_RULES]
    if needs_voting and (ve is None or vp is None):
        raise ValidationError(
            {
                "voting_expected": _("%(what)s须按规定判断到会人数,请填写有表决权的应到和实到人数")
                % {"what": MeetingKind(needs_voting[0]).label}
            }
        )


def _judge(meeting: Meeting, kinds: list[str], org: Org) -> dict[str, bool]:
    """Quorum per kind by the rule in force on the meeting's date; the meeting keeps the reasons."""
    counts: dict[str, bool] = {}
    notes: list[str] = []
    met: bool | None = None
    for kind in kinds:
        rule_id = QUORUM_RULES.get(kind)
        if not rule_id:
            counts[kind] = True
            continue
        result = engine.quorum(
            rule_id,
            expected=meeting.voting_expected or 0,
            present=meeting.voting_present or 0,
            on=meeting.held_on,
            org=org,
        )
        counts[kind] = result.quorum_met
        met = result.quorum_met if met is None else (met and result.quorum_met)
        notes.extend(result.reasons)
    meeting.quorum_met = met
    meeting.quorum_note = ";".join(dict.fromkeys(notes))[:300]
    return counts


def _judge_vote(vote: Vote, meeting: Meeting, kinds: list[str], org: Org) -> None:
    rule_id = next((QUORUM_RULES[k] for k in kinds if k in QUORUM_RULES), None)
    vote.passed = None
    vote.result_note = ""
    if rule_id is None:
        return
    result = engine.quorum(
        rule_id,
        expected=meeting.voting_expected or 0,
        present=meeting.voting_present or 0,
        yes=vote.yes,
        no=vote.no,
        abstain=vote.abstain,
        written_yes=vote.written_yes,
        written_no=vote.written_no,
        written_abstain=vote.written_abstain,
        on=meeting.held_on,
        org=org,
    )
    if result.passed is None:
        vote.passed = None if result.quorum_met else False
    else:
        vote.passed = result.quorum_met and result.passed
    vote.result_note = ";".join(result.reasons)[:300]


def _check_votes(meeting: Meeting, votes: Sequence[VoteInput]) -> None:
    for i, v in enumerate(votes, start=1):
        if not v.subject.strip():
            raise ValidationError({"votes": _("第%(i)s项表决缺少表决事项") % {"i": i}})
        numbers = [v.yes, v.no, v.abstain, v.written_yes, v.written_no, v.written_abstain]
        if any((not isinstance(n, int)) or n < 0 for n in numbers):
            raise ValidationError({"votes": _("第%(i)s项表决的票数应为不小于0的整数") % {"i": i}})
        if meeting.voting_present is not None and v.yes + v.no + v.abstain > meeting.voting_present:
            raise ValidationError(
                {
                    "votes": _("第%(i)s项表决的现场票数(%(n)s)多于有表决权的实到人数(%(p)s)")
                    % {"i": i, "n": v.yes + v.no + v.abstain, "p": meeting.voting_present}
                }
            )
        if meeting.voting_expected is not None:
            total = sum(numbers)
            if total > meeting.voting_expected:
                raise ValidationError(
                    {
                        "votes": _("第%(i)s项表决的票数与书面意见合计(%(n)s)多于有表决权的应到人数(%(e)s)")
                        % {"i": i, "n": total, "e": meeting.voting_expected}
                    }
                )


def _check_meeting(org: Org, values: dict[str, Any], kept_items: set[str] | None = None) -> None:
    """`kept_items`: checklist codes the meeting already has (a list changed since stays valid)."""
    held_on = values.get("held_on")
    if not isinstance(held_on, dt.date):
        raise ValidationError({"held_on": _("请填写会议日期")})
    if held_on > _today():
        raise ValidationError({"held_on": _("会议日期不能晚于今天;尚未召开的会议请不要记录")})
    if org.established_on and held_on < org.established_on:
        raise ValidationError(
            {"held_on": _("会议日期早于本组织成立日期(%(d)s)") % {"d": org.established_on.isoformat()}}
        )
    if org.dissolved_on and held_on > org.dissolved_on:
        raise ValidationError({"held_on": _("会议日期晚于本组织撤销日期")})
    if not str(values.get("topic") or "").strip():
        raise ValidationError({"topic": _("请填写会议主题")})
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts and ends and ends <= starts:
        raise ValidationError({"ends_at": _("结束时间应晚于开始时间")})
    group = values.get("party_group")
    if group is not None and group.org_id != org.pk:
        raise ValidationError({"party_group": _("该党小组不属于%(org)s") % {"org": org.name}})
    decision = values.get("village_decision")
    if decision is not None and decision.org_id != org.pk:
        raise ValidationError({"village_decision": _("该事项不属于%(org)s") % {"org": org.name}})
    items = values.get("theme_items") or []
    if items:
        known = {i.code for i in theme_items_for(org)} | (kept_items or set())
        unknown = [c for c in items if c not in known]
        if unknown:
            raise ValidationError({"theme_items": _("未知的主题党日项目:%(c)s") % {"c": "、".join(unknown)}})


def _snapshot(meeting: Meeting) -> dict[str, Any]:
    data = audit.snapshot(
        meeting, [f for f in MEETING_FIELDS if f not in ("party_group", "village_decision")]
    )
    data["kinds"] = sorted(meeting.parts.values_list("kind", flat=True)) if meeting.pk else []
    data["party_group"] = meeting.party_group_id
    data["village_decision"] = meeting.village_decision_id
    data["quorum_met"] = meeting.quorum_met
    data["attendance"] = {
        str(m): s for m, s in meeting.attendance.order_by("member_id").values_list("member_id", "status")
    }
    data["votes"] = [
        {"subject": v.subject, "yes": v.yes, "no": v.no, "abstain": v.abstain, "passed": v.passed}
        for v in meeting.votes.all()
    ]
    return data


def refresh_last_orglife(member_ids: Iterable[int]) -> None:
    """Recompute members' latest organizational life (present or excused) from attendance rows."""
    ids = sorted(set(member_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        latest = dict(
            Attendance.objects.filter(
                member_id__in=chunk, status__in=[Attendance.Status.PRESENT, Attendance.Status.LEAVE]
            )
            .values("member_id")
            .annotate(last=Max("meeting__held_on"))
            .values_list("member_id", "last")
        )
        by_date: dict[dt.date | None, list[int]] = {}
        for member_id in chunk:
            by_date.setdefault(latest.get(member_id), []).append(member_id)
        for day, member_ids_ in by_date.items():
            Member.objects.filter(pk__in=member_ids_).update(last_orglife_on=day)


def _save_meeting(
    *,
    actor,
    meeting: Meeting,
    org: Org,
    kinds: Iterable[str],
    values: dict[str, Any],
    attendance: Sequence[AttendanceRow] | None,
    votes: Sequence[VoteInput] | None,
) -> tuple[Meeting, set[int]]:
    decision = values.get("village_decision")
    clean_kinds = _clean_kinds(org, kinds, decision)
    if MeetingKind.GROUP_MEETING in clean_kinds and values.get("party_group") is None:
        raise ValidationError({"party_group": _("党小组会请选择党小组")})
    _check_meeting(org, values, set(meeting.theme_items or []) if meeting.pk else None)
    if attendance is not None:
        attended = (
            set(Attendance.objects.filter(meeting=meeting).values_list("member_id", flat=True))
            if meeting.pk
            else set()
        )
        _check_attendance(org, values.get("party_group"), attendance, attended)
        if attendance:
            values.update(_counts_from(attendance))
    if not attendance:
        _check_counts(values, clean_kinds)
    for name in MEETING_FIELDS:
        if name in values:
            setattr(meeting, name, values[name])
    meeting.theme_items = list(dict.fromkeys(meeting.theme_items or []))
    meeting.attendance_taken = bool(attendance) if attendance is not None else meeting.attendance_taken
    counts = _judge(meeting, clean_kinds, org)
    meeting.save()

    MeetingPart.objects.filter(meeting=meeting).exclude(kind__in=clean_kinds).delete()
    ym = meeting.held_on.year * 100 + meeting.held_on.month
    for kind in clean_kinds:
        MeetingPart.objects.update_or_create(
            meeting=meeting,
            kind=kind,
            defaults={
                "org": org,
                "org_path": org.path,
                "party_group": meeting.party_group,
                "held_on": meeting.held_on,
                "ym": ym,
                "counts": counts[kind],
            },
        )

    touched: set[int] = set()
    if attendance is not None:
        touched |= set(Attendance.objects.filter(meeting=meeting).values_list("member_id", flat=True))
        Attendance.objects.filter(meeting=meeting).delete()
        Attendance.objects.bulk_create(
            Attendance(
                meeting=meeting,
                member=row.member,
                status=row.status,
                reason=row.reason.strip(),
                has_vote=has_vote(row.member),
            )
            for row in attendance
        )
        touched |= {row.member.pk for row in attendance}
    if votes is not None:
        _check_votes(meeting, votes)
        meeting.votes.all().delete()
        for v in votes:
            vote = Vote(meeting=meeting, **v.__dict__)
            _judge_vote(vote, meeting, clean_kinds, org)
            vote.save()
    else:
        for vote in meeting.votes.all():
            _judge_vote(vote, meeting, clean_kinds, org)
            vote.save(update_fields=["passed", "result_note"])
    if decision is not None:
        _refresh_decision(decision)
    return meeting, touched


@transaction.atomic
def meeting_create(
    *,
    actor,
    org: Org,
    kinds: Iterable[str],
    attendance: Sequence[AttendanceRow] | None = None,
    votes: Sequence[VoteInput] | None = None,
    **values: Any,
) -> Meeting:
    """Record a meeting. With `attendance` the counts come from it; without, `expected`/`present`
    (and for a 党员大会 or 支委会 the voting counts) must be given, as when back-filling paper records."""
    require(actor, "orglife.edit", org.path)
    unknown = set(values) - set(MEETING_FIELDS)
    if unknown:
        raise ValidationError(_("未知的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    org = Org.objects.get(pk=org.pk)
    if not org.is_active:
        raise ValidationError({"org": _("已撤销的组织不能再记录会议")})
    meeting = Meeting(org=org, org_path=org.path, created_by=_user(actor))
    meeting, touched = _save_meeting(
        actor=actor, meeting=meeting, org=org, kinds=kinds, values=values, attendance=attendance, votes=votes
    )
    refresh_last_orglife(touched)
    audit.record(
        actor=actor, action="meeting.create", obj=meeting, org_path=org.path, after=_snapshot(meeting)
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor,
    meeting: Meeting,
    kinds: Iterable[str] | None = None,
    attendance: Sequence[AttendanceRow] | None = None,
    votes: Sequence[VoteInput] | None = None,
    **values: Any,
) -> Meeting:
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    require(actor, "orglife.edit", meeting.org_path)
    unknown = set(values) - set(MEETING_FIELDS)
    if unknown:
        raise ValidationError(_("未知的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    before = _snapshot(meeting)
    old_decision = meeting.village_decision
    merged = {name: getattr(meeting, name) for name in MEETING_FIELDS}
    merged.update(values)
    if kinds is None:
        kinds = meeting.kinds
    if attendance is None and meeting.attendance_taken:
        # Counts stay derived from the stored rows, as they were taken (vote included): members who
        # have left the branch since keep their row.
        stored = list(meeting.attendance.all())
        present = [a for a in stored if a.status == Attendance.Status.PRESENT]
        merged.update(
            expected=len(stored),
            present=len(present),
            on_leave=sum(1 for a in stored if a.status == Attendance.Status.LEAVE),
            voting_expected=sum(1 for a in stored if a.has_vote),
            voting_present=sum(1 for a in present if a.has_vote),
        )
    meeting, touched = _save_meeting(
        actor=actor,
        meeting=meeting,
        org=meeting.org,
        kinds=kinds,
        values=merged,
        attendance=attendance,
        votes=votes,
    )
    # A changed date moves every attendee's latest organizational life.
    touched |= set(meeting.attendance.values_list("member_id", flat=True))
    refresh_last_orglife(touched)
    if old_decision is not None and old_decision.pk != meeting.village_decision_id:
        _refresh_decision(old_decision)
    after = _snapshot(meeting)
    changed = {k for k in after if before.get(k) != after.get(k)}
    if changed:
        audit.record(
            actor=actor,
            action="meeting.update",
            obj=meeting,
            org_path=meeting.org_path,
            before={k: before.get(k) for k in changed},
            after={k: after[k] for k in changed},
        )
    return meeting


@transaction.atomic
def meeting_delete(*, actor, meeting: Meeting, reason: str) -> None:
    meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    require(actor, "orglife.edit", meeting.org_path)
    if not reason.strip():
        raise ValidationError({"reason": _("删除会议记录须说明原因")})
    if meeting.reviews.exists():
        raise ValidationError({"reason": _("该会议关联了民主评议结果,请先调整评议结果的会议")})
    before = _snapshot(meeting)
    before["reason"] = reason.strip()
    members = list(meeting.attendance.values_list("member_id", flat=True))
    decision = meeting.village_decision
    files = [a.file.name for a in meeting.attachments.all() if a.file.name]
    audit.record(actor=actor, action="meeting.delete", obj=meeting, org_path=meeting.org_path, before=before)
    meeting.delete()
    refresh_last_orglife(members)
    if decision is not None:
        _refresh_decision(decision)

    def remove_files() -> None:
        from django.core.files.storage import default_storage

        for name in files:
            if name:
                default_storage.delete(name)

    transaction.on_commit(remove_files)


def attachment_check(upload: UploadedFile) -> str:
    """The clean file name of an upload we accept (type, size, content), or a ValidationError."""
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "file": _("不支持的文件类型“%(e)s”;可上传照片、PDF、Word、Excel 或文本文件")
                % {"e": ext or name}
            }
        )
    if upload.size is None or upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("文件不能超过 20 MB")})
    if upload.size == 0:
        raise ValidationError({"file": _("文件是空的")})
    if not _content_matches(ext, upload):
        raise ValidationError(
            {"file": _("“%(n)s”的内容与文件类型“%(e)s”不符,请上传原始文件") % {"n": name, "e": ext}}
        )
    return name


@transaction.atomic
def attachment_add(*, actor, meeting: Meeting, upload: UploadedFile) -> Attachment:
    require(actor, "orglife.edit", meeting.org_path)
    name = attachment_check(upload)
    attachment = Attachment(
        meeting=meeting,
        name=name[:200],
        size=upload.size or 0,
        content_type=(getattr(upload, "content_type", "") or "")[:100],
        uploaded_by=_user(actor),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit.record(
        actor=actor,
        action="meeting.attach",
        obj=meeting,
        org_path=meeting.org_path,
        after={"attachment": attachment.name, "size": attachment.size},
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: Attachment) -> None:
    meeting = attachment.meeting
    require(actor, "orglife.edit", meeting.org_path)
    name = attachment.file.name or ""
    audit.record(
        actor=actor,
        action="meeting.detach",
        obj=meeting,
        org_path=meeting.org_path,
        before={"attachment": attachment.name, "size": attachment.size},
    )
    attachment.delete()

    def remove_file() -> None:
        from django.core.files.storage import default_storage

        if name:
            default_storage.delete(name)

    transaction.on_commit(remove_file)


# -- 四议两公开 ------------------------------------------------------------------------------------------
def _refresh_decision(decision: VillageDecision) -> None:
    if decision.status == VillageDecision.Status.DROPPED:
        return
    done = set(
        MeetingPart.objects.filter(meeting__village_decision=decision, counts=True).values_list(
            "kind", flat=True
        )
    )
    status = VillageDecision.Status.DONE if set(VILLAGE_STEPS) <= done else VillageDecision.Status.OPEN
    if status != decision.status:
        VillageDecision.objects.filter(pk=decision.pk).update(status=status)
        decision.status = status


def decision_steps(decision: VillageDecision) -> list[dict[str, Any]]:
    """The six steps in order, each with its meeting (if held) and whether it may be taken yet."""
    meetings = {
        p.kind: p.meeting
        for p in MeetingPart.objects.filter(meeting__village_decision=decision).select_related("meeting")
    }
    steps = []
    previous_done = True
    for kind in VILLAGE_STEPS:
        meeting = meetings.get(kind)
        done = meeting is not None and (meeting.quorum_met is not False)
        steps.append(
            {
                "kind": kind,
                "label": MeetingKind(kind).label,
                "meeting": meeting,
                "done": done,
                "failed": meeting is not None and meeting.quorum_met is False,
                "ready": previous_done and not done,
            }
        )
        previous_done = previous_done and done
    return steps


@transaction.atomic
def decision_create(
    *, actor, org: Org, title: str, started_on: dt.date, summary: str = ""
) -> VillageDecision:
    require(actor, "orglife.edit", org.path)
    if not title.strip():
        raise ValidationError({"title": _("请填写事项名称")})
    if started_on > _today():
        raise ValidationError({"started_on": _("提出日期不能晚于今天")})
    if org.kind not in BRANCH_LEVEL_KINDS:
        raise ValidationError({"org": _("“四议两公开”由村党组织(党支部、党总支)组织实施")})
    decision = VillageDecision.objects.create(
        org=org,
        org_path=org.path,
        title=title.strip(),
        summary=summary.strip(),
        started_on=started_on,
        created_by=_user(actor),
    )
    audit.record(
        actor=actor,
        action="village_decision.create",
        obj=decision,
        org_path=org.path,
        after={"title": decision.title, "started_on": started_on.isoformat()},
    )
    return decision


@transaction.atomic
def decision_update(
    *, actor, decision: VillageDecision, title: str, summary: str, started_on: dt.date, dropped: bool = False
) -> VillageDecision:
    decision = VillageDecision.objects.select_for_update().get(pk=decision.pk)
    require(actor, "orglife.edit", decision.org_path)
    if not title.strip():
        raise ValidationError({"title": _("请填写事项名称")})
    first = decision.meetings.order_by("held_on").values_list("held_on", flat=True).first()
    if first and started_on > first:
        raise ValidationError({"started_on": _("提出日期不能晚于第一个步骤的日期(%(d)s)") % {"d": first}})
    before = {
        "title": decision.title,
        "summary": decision.summary,
        "started_on": decision.started_on,
        "status": decision.status,
    }
    decision.title, decision.summary, decision.started_on = title.strip(), summary.strip(), started_on
    if dropped:
        decision.status = VillageDecision.Status.DROPPED
    elif decision.status == VillageDecision.Status.DROPPED:
        decision.status = VillageDecision.Status.OPEN
    decision.save()
    _refresh_decision(decision)
    after = {
        "title": decision.title,
        "summary": decision.summary,
        "started_on": decision.started_on,
        "status": decision.status,
    }
    audit.record(
        actor=actor,
        action="village_decision.update",
        obj=decision,
        org_path=decision.org_path,
        before=audit.jsonable(before),
        after=audit.jsonable(after),
    )
    return decision


# -- 民主评议党员 ----------------------------------------------------------------------------------------
def _review_snapshot(review: MemberReview) -> dict[str, Any]:
    return audit.jsonable(
        {
            "member": review.member_id,
            "year": review.year,
            "grade": review.grade,
            "meeting": review.meeting_id,
            "note": review.note,
            "action": review.action,
            "action_due": review.action_due,
            "closed_on": review.closed_on,
            "outcome": review.outcome,
        }
    )


@transaction.atomic
def review_record(
    *,
    actor,
    member: Member,
    year: int,
    grade: str,
    meeting: Meeting | None = None,
    note: str = "",
    action: str = "",
    action_due: dt.date | None = None,
) -> MemberReview:
    """Record (or correct) a member's 民主评议 result for a year; 不合格 needs a follow-up action."""
    member = Member.objects.select_related("org").get(pk=member.pk)
    require(actor, "orglife.edit", member.org_path)
    if grade not in MemberReview.Grade.values:
        raise ValidationError({"grade": _("评议结果应为 优秀、合格、基本合格 或 不合格")})
    this_year = _today().year
    if not (1921 <= year <= this_year):
        raise ValidationError({"year": _("年度应在1921年至%(y)s年之间") % {"y": this_year}})
    if member.standing != Member.Standing.NORMAL:
        raise ValidationError(
            {
                "member": _("%(name)s 的党籍状态为%(s)s,不参加民主评议")
                % {"name": member.name, "s": member.get_standing_display()}
            }
        )
    if meeting is not None:
        if meeting.org_id != member.org_id:
            raise ValidationError(
                {"meeting": _("评议会议不是%(name)s所在党支部的会议") % {"name": member.name}}
            )
        if meeting.held_on.year != year:
            raise ValidationError({"meeting": _("评议会议不在%(y)s年度") % {"y": year}})
        if MeetingKind.MEMBER_REVIEW not in meeting.kinds:
            raise ValidationError({"meeting": _("所选会议没有登记为“民主评议党员”")})
    unqualified = grade == MemberReview.Grade.UNQUALIFIED
    if unqualified and action not in MemberReview.Action.values:
        raise ValidationError(
            {"action": _("评为不合格的党员须确定处置方式(限期改正、劝其退党、除名或其他组织处置)")}
        )
    if not unqualified:
        action, action_due = "", None
    if action == MemberReview.Action.RECTIFY and action_due is None:
        raise ValidationError({"action_due": _("限期改正须填写整改期限")})
    review = MemberReview.objects.select_for_update().filter(member=member, year=year).first()
    before = _review_snapshot(review) if review else None
    if review is None:
        review = MemberReview(member=member, year=year)
    review.org = member.org
    review.org_path = member.org_path
    review.grade = grade
    review.meeting = meeting
    review.note = note.strip()
    review.action = action
    review.action_due = action_due
    if not unqualified:
        review.closed_on, review.outcome = None, ""
    review.save()
    after = _review_snapshot(review)
    if before != after:
        audit.record(
            actor=actor,
            action="member_review.record" if before is None else "member_review.update",
            obj=review,
            object_repr=f"{member.name} {year} {review.get_grade_display()}",
            org_path=member.org_path,
            before=before,
            after=after,
        )
    return review


@transaction.atomic
def review_close(*, actor, review: MemberReview, closed_on: dt.date, outcome: str) -> MemberReview:
    review = MemberReview.objects.select_for_update(of=("self",)).select_related("member").get(pk=review.pk)
    require(actor, "orglife.edit", review.org_path)
    if review.grade != MemberReview.Grade.UNQUALIFIED:
        raise ValidationError({"closed_on": _("只有评为不合格的党员需要办结处置")})
    if not outcome.strip():
        raise ValidationError({"outcome": _("请填写办结情况")})
    if closed_on > _today():
        raise ValidationError({"closed_on": _("办结日期不能晚于今天")})
    if closed_on.year < review.year:
        raise ValidationError({"closed_on": _("办结日期不能早于评议年度")})
    before = _review_snapshot(review)
    review.closed_on, review.outcome = closed_on, outcome.strip()
    review.save(update_fields=["closed_on", "outcome", "updated_at"])
    audit.record(
        actor=actor,
        action="member_review.close",
        obj=review,
        object_repr=f"{review.member.name} {review.year}",
        org_path=review.org_path,
        before=before,
        after=_review_snapshot(review),
    )
    return review


# -- 主题党日 checklist -------------------------------------------------------------------------------
def theme_items_for(org: Org) -> list[ThemeDayItem]:
    """The checklist in force for `org`: the deepest list among its ancestors', else the default."""
    from zugong.core.paths import ancestor_paths

    paths = ancestor_paths(org.path, include_self=True)
    lists: dict[str, list[ThemeDayItem]] = {}
    for item in ThemeDayItem.objects.filter(Q(org__isnull=True) | Q(org_path__in=paths), is_active=True):
        lists.setdefault(item.org_path, []).append(item)
    if not lists:
        return []
    deepest = max(lists, key=len)
    return sorted(lists[deepest], key=lambda i: (i.order, i.pk))


@transaction.atomic
def theme_items_set(*, actor, org: Org, items: Sequence[tuple[str, str, bool]]) -> list[ThemeDayItem]:
    """Give `org`'s subtree its own 主题党日 checklist (replacing its previous own list)."""
    require(actor, "orglife.configure", org.path)
    codes: set[str] = set()
    for i, (code, name, _required) in enumerate(items, start=1):
        if not code.strip() or not name.strip():
            raise ValidationError({"items": _("第%(i)s项缺少代码或名称") % {"i": i}})
        if code in codes:
            raise ValidationError({"items": _("代码“%(c)s”重复") % {"c": code}})
        codes.add(code)
    before = [
        {"code": i.code, "name": i.name, "required": i.required}
        for i in ThemeDayItem.objects.filter(org=org).order_by("order")
    ]
    ThemeDayItem.objects.filter(org=org).delete()
    created = ThemeDayItem.objects.bulk_create(
        ThemeDayItem(org=org, org_path=org.path, code=c.strip(), name=n.strip(), required=r, order=i)
        for i, (c, n, r) in enumerate(items, start=1)
    )
    audit.record(
        actor=actor,
        action="orglife.theme_items",
        obj=org,
        org_path=org.path,
        before={"items": before},
        after={"items": [{"code": c, "name": n, "required": r} for c, n, r in items]},
    )
    return created
