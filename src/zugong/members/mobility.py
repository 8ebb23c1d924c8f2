"""流动党员, 失联党员 and 党籍变动: the writes.

* 流动党员 (GX-07, GX-08, GX-02): `mobility_start` (the report before leaving, 流动党员活动证),
  `mobility_update`, `mobility_report` (the yearly report home), `mobility_return`, `mobility_reveal`
  (the contact phone in clear, audited). `Member.is_mobile` follows the open record.
* 失联 (GX-06): `lost_contact_open`, `lost_contact_note` (a search effort), `lost_contact_found`.
* 党籍 (GX-06, GX-05): `member_suspend` (停止党籍: only once the GX-06 clock has run, after searching),
  `member_restore` (恢复党籍), `member_remove` (出党: 开除党籍 / 除名 / 劝退 / 自行脱党除名),
  `member_died`. Each change of standing keeps the subtree totals and the stats rollups exact, writes a
  StandingChange, a MemberEvent and an audit entry with before and after, in one transaction.

The numbers (6 months, 2 years, 5 years) come from the rule engine, never from here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zugong.core import audit, codes, crypto
from zugong.core.services import require
from zugong.members.models import (
    LostContact,
    LostContactEffort,
    Member,
    MemberEvent,
    Mobility,
    MobilityReport,
    StandingChange,
)
from zugong.orgs.models import Org
from zugong.orgs.services import adjust_totals
from zugong.rules import engine
from zugong.stats import rollups
from zugong.stats.rollups import Facts

Standing = Member.Standing
MOBILITY_AUDIT = [
    "left_on",
    "destination",
    "region",
    "reason",
    "reason_note",
    "phone_masked",
    "certificate_no",
    "host_org",
    "host_name",
    "returned_on",
    "note",
]
MOBILITY_FIELDS = {
    "left_on",
    "destination",
    "region",
    "reason",
    "reason_note",
    "phone",
    "certificate_no",
    "host_org",
    "host_name",
    "note",
}
PHONE_RE = re.compile(r"^[0-9+\-]{7,20}$")


def _today() -> dt.date:
    return dt.date.today()


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().select_related("org").get(pk=member.pk)


def _day(field: str, value: Any, label: str, *, member: Member, not_before: dt.date | None = None) -> dt.date:
    """A date the user gave: present, not in the future, not before joining (nor `not_before`)."""
    if not isinstance(value, dt.date):
        raise ValidationError({field: _("请填写%(f)s") % {"f": label}})
    if value > _today():
        raise ValidationError({field: _("%(f)s不能晚于今天") % {"f": label}})
    if value < member.joined_on:
        raise ValidationError(
            {field: _("%(f)s不能早于入党日期%(d)s") % {"f": label, "d": member.joined_on.isoformat()}}
        )
    if not_before is not None and value < not_before:
        raise ValidationError({field: _("%(f)s不能早于%(d)s") % {"f": label, "d": not_before.isoformat()}})
    return value


def _text(field: str, value: Any, label: str, *, required: bool = True, max_length: int = 300) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: _("%(f)s不能为空") % {"f": label}})
    if len(text) > max_length:
        raise ValidationError({field: _("%(f)s不能超过%(n)d个字") % {"f": label, "n": max_length}})
    return text


def lost_rule(*, abroad: bool, on: dt.date, org_path: str) -> tuple[engine.RuleVersion, int, str]:
    """GX-06 as it applies to a record: (rule, months until 停止党籍 is due, parameter name)."""
    rule = engine.rule("GX-06", on=on, org=org_path)
    if abroad:
        return rule, 12 * int(rule.params["abroad_suspend_years"]), "abroad_suspend_years"
    return rule, int(rule.params["lost_contact_months"]), "lost_contact_months"


def suspend_due(lost: LostContact, *, on: dt.date) -> tuple[dt.date, engine.RuleVersion]:
    rule, months, _param = lost_rule(abroad=lost.abroad, on=on, org_path=lost.org_path)
    return engine.add_months(lost.since, months), rule


def removal_due(stopped_on: dt.date, *, on: dt.date, org_path: str) -> tuple[dt.date, engine.RuleVersion]:
    rule = engine.rule("GX-06", on=on, org=org_path)
    return engine.add_months(stopped_on, 12 * int(rule.params["suspended_removal_years"])), rule


def follow_member(member: Member) -> None:
    """A member changed branch: their open and past records follow (scope is by the copied path)."""
    for model in (Mobility, LostContact, StandingChange):
        model.objects.filter(member_id=member.pk).exclude(org_path=member.org_path).update(
            org_path=member.org_path
        )


def follow_merge(source: Org, target: Org) -> int:
    """A merged branch's members were moved one by one (member_change_org → follow_member); rows
    still on the source path (none, normally) go with them."""
    n = 0
    for model in (Mobility, LostContact, StandingChange):
        n += model.objects.filter(org_path=source.path).update(org_path=target.path)
    return n


# -- 流动党员 --------------------------------------------------------------------------------------------
def _open_mobility(member: Member) -> Mobility | None:
    return Mobility.objects.filter(member_id=member.pk, returned_on__isnull=True).first()


def _open_lost(member: Member) -> LostContact | None:
    return LostContact.objects.filter(member_id=member.pk, closed_on__isnull=True).first()


def _clean_mobility(data: dict[str, Any], member: Member, instance: Mobility | None) -> dict[str, Any]:
    unknown = set(data) - MOBILITY_FIELDS
    if unknown:
        raise ValidationError(_("未知的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def check(field: str, func, *args, **kwargs) -> None:
        try:
            clean[field] = func(*args, **kwargs)
        except ValidationError as exc:
            for message in exc.message_dict.get(field, exc.messages):
                errors.setdefault(field, []).append(message)

    if "left_on" in data:
        earlier = Mobility.objects.filter(member_id=member.pk, returned_on__isnull=False)
        if instance is not None:
            earlier = earlier.exclude(pk=instance.pk)
        previous = earlier.order_by("-returned_on").values_list("returned_on", flat=True).first()
        check("left_on", _day, "left_on", data["left_on"], _("外出日期"), member=member, not_before=previous)
        if instance is not None and "left_on" in clean:
            first_report = instance.reports.order_by("on").values_list("on", flat=True).first()
            if first_report and clean["left_on"] > first_report:
                errors.setdefault("left_on", []).append(
                    _("外出日期不能晚于已登记的汇报日期%(d)s") % {"d": first_report.isoformat()}
                )
    if "destination" in data:
        check("destination", _text, "destination", data["destination"], _("外出地点"), max_length=100)
    if "region" in data:
        region = str(data["region"] or "").strip()
        if region and not codes.is_valid("region", region):
            errors.setdefault("region", []).append(_("行政区划代码“%(v)s”不在代码表中") % {"v": region})
        clean["region"] = region
    if "reason" in data:
        if data["reason"] not in Mobility.Reason.values:
            errors.setdefault("reason", []).append(_("请选择外出原因"))
        clean["reason"] = data["reason"]
    if "reason_note" in data:
        check(
            "reason_note",
            _text,
            "reason_note",
            data["reason_note"],
            _("外出事由"),
            required=False,
            max_length=200,
        )
    if "certificate_no" in data:
        check(
            "certificate_no",
            _text,
            "certificate_no",
            data["certificate_no"],
            _("流动党员活动证编号"),
            required=False,
            max_length=40,
        )
    if "note" in data:
        check("note", _text, "note", data["note"], _("备注"), required=False)
    if "phone" in data:
        phone = "".join(str(data["phone"] or "").split())
        if phone and not PHONE_RE.match(phone):
            errors.setdefault("phone", []).append(_("联系电话只能包含数字、加号和短横线,7至20位"))
        clean["phone"] = phone
    if "host_org" in data:
        host = data["host_org"]
        if host is not None and not host.is_active:
            errors.setdefault("host_org", []).append(_("党组织“%(o)s”已撤销") % {"o": host.name})
        if host is not None and host.pk == member.org_id:
            errors.setdefault("host_org", []).append(_("流入地党组织不能是党员所在的党支部"))
        clean["host_org"] = host
    if "host_name" in data:
        check(
            "host_name",
            _text,
            "host_name",
            data["host_name"],
            _("流入地党组织名称"),
            required=False,
            max_length=100,
        )
    if errors:
        raise ValidationError(errors)
    if clean.get("host_org") is not None:
        clean["host_name"] = ""
    return clean


def _apply_mobility(mobility: Mobility, clean: dict[str, Any]) -> None:
    for key, value in clean.items():
        if key == "phone":
            mobility.phone_enc = crypto.encrypt(value) if value else ""
            mobility.phone_masked = crypto.mask_phone(value) if value else ""
        else:
            setattr(mobility, key, value)


@transaction.atomic
def mobility_start(
    *,
    actor,
    member: Member,
    left_on: dt.date,
    destination: str,
    reason: str,
    region: str = "",
    reason_note: str = "",
    phone: str = "",
    certificate_no: str = "",
    host_org: Org | None = None,
    host_name: str = "",
    note: str = "",
) -> Mobility:
    """The member reported before leaving (GX-07): where, since when, why, how to reach them."""
    member = _lock(member)
    require(actor, "member.edit", member.org_path)
    if member.standing != Standing.NORMAL:
        raise ValidationError(
            _("只有党籍正常的党员才能登记外出流动(当前:%(s)s)") % {"s": member.get_standing_display()}
        )
    if _open_mobility(member) is not None:
        raise ValidationError(_("该党员已登记为流动党员,尚未登记返回"))
    if _open_lost(member) is not None:
        raise ValidationError(_("该党员处于失联状态,请先登记已取得联系"))
    clean = _clean_mobility(
        {
            "left_on": left_on,
            "destination": destination,
            "reason": reason,
            "region": region,
            "reason_note": reason_note,
            "phone": phone,
            "certificate_no": certificate_no,
            "host_org": host_org,
            "host_name": host_name,
            "note": note,
        },
        member,
        None,
    )
    mobility = Mobility(member=member, org_path=member.org_path)
    _apply_mobility(mobility, clean)
    mobility.save()
    was_mobile = member.is_mobile
    if not was_mobile:
        member.is_mobile = True
        member.save(update_fields=["is_mobile", "updated_at"])
    MemberEvent.objects.create(
        member=member,
        kind=MemberEvent.Kind.MOBILITY,
        on=mobility.left_on,
        actor=_user(actor),
        note=(_("外出流动:%(d)s") % {"d": mobility.destination})[:300],
    )
    audit.record(
        actor=actor,
        action="mobility.start",
        obj=mobility,
        org_path=member.org_path,
        before={"is_mobile": was_mobile},
        after={**audit.snapshot(mobility, MOBILITY_AUDIT), "member": member.pk, "is_mobile": True},
    )
    return mobility


@transaction.atomic
def mobility_update(*, actor, mobility: Mobility, **fields: Any) -> Mobility:
    mobility = Mobility.objects.select_for_update().select_related("member").get(pk=mobility.pk)
    require(actor, "member.edit", mobility.org_path)
    clean = _clean_mobility(fields, mobility.member, mobility)
    if mobility.returned_on and clean.get("left_on") and clean["left_on"] > mobility.returned_on:
        raise ValidationError({"left_on": _("外出日期不能晚于返回日期")})
    before = audit.snapshot(mobility, MOBILITY_AUDIT)
    _apply_mobility(mobility, clean)
    mobility.save()
    b, a = audit.changes(before, audit.snapshot(mobility, MOBILITY_AUDIT))
    if a:
        audit.record(
            actor=actor, action="mobility.update", obj=mobility, org_path=mobility.org_path, before=b, after=a
        )
    return mobility


@transaction.atomic
def mobility_report(*, actor, mobility: Mobility, on: dt.date, channel: str, summary: str) -> MobilityReport:
    """流动党员向流出地党组织汇报 (GX-07: at least once a year)."""
    mobility = Mobility.objects.select_for_update().select_related("member").get(pk=mobility.pk)
    require(actor, "member.edit", mobility.org_path)
    on = _day("on", on, _("汇报日期"), member=mobility.member, not_before=mobility.left_on)
    if mobility.returned_on and on > mobility.returned_on:
        raise ValidationError(
            {"on": _("汇报日期不能晚于返回日期%(d)s") % {"d": mobility.returned_on.isoformat()}}
        )
    if channel not in MobilityReport.Channel.values:
        raise ValidationError({"channel": _("请选择汇报方式")})
    summary = _text("summary", summary, _("汇报内容"), max_length=500)
    report = MobilityReport.objects.create(
        mobility=mobility, on=on, channel=channel, summary=summary, recorded_by=_user(actor)
    )
    audit.record(
        actor=actor,
        action="mobility.report",
        obj=mobility,
        org_path=mobility.org_path,
        after={"on": on, "channel": channel, "summary": summary, "report": report.pk},
    )
    return report


def _end_mobility(mobility: Mobility, member: Member, *, on: dt.date, actor, note: str, action: str) -> None:
    before = audit.snapshot(mobility, MOBILITY_AUDIT)
    mobility.returned_on = on
    if note:
        mobility.note = (f"{mobility.note};{note}" if mobility.note else note)[:300]
    mobility.save(update_fields=["returned_on", "note", "updated_at"])
    member.is_mobile = False
    member.save(update_fields=["is_mobile", "updated_at"])
    b, a = audit.changes(before, audit.snapshot(mobility, MOBILITY_AUDIT))
    audit.record(
        actor=actor,
        action=action,
        obj=mobility,
        org_path=mobility.org_path,
        before={**b, "is_mobile": True},
        after={**a, "is_mobile": False},
    )


@transaction.atomic
def mobility_return(*, actor, mobility: Mobility, on: dt.date, note: str = "") -> Mobility:
    """The member came back: the record closes and the member is no longer mobile."""
    mobility = Mobility.objects.select_for_update().get(pk=mobility.pk)
    member = _lock(mobility.member)
    require(actor, "member.edit", mobility.org_path)
    if mobility.returned_on is not None:
        raise ValidationError(_("该流动党员已于%(d)s登记返回") % {"d": mobility.returned_on.isoformat()})
    last_report = mobility.reports.order_by("-on").values_list("on", flat=True).first()
    on = _day(
        "on",
        on,
        _("返回日期"),
        member=member,
        not_before=max(mobility.left_on, last_report or mobility.left_on),
    )
    note = _text("note", note, _("说明"), required=False)
    _end_mobility(mobility, member, on=on, actor=actor, note=note, action="mobility.return")
    MemberEvent.objects.create(
        member=member,
        kind=MemberEvent.Kind.MOBILITY,
        on=on,
        actor=_user(actor),
        note=(_("结束外出流动,返回(原外出地点:%(d)s)") % {"d": mobility.destination})[:300],
    )
    return mobility


@transaction.atomic
def mobility_reveal(*, actor, mobility: Mobility) -> str:
    """The contact phone while away, in clear; every call is an audit entry."""
    require(actor, "member.reveal", mobility.org_path)
    value = crypto.decrypt(mobility.phone_enc) if mobility.phone_enc else ""
    audit.record(
        actor=actor,
        action="mobility.reveal_phone",
        obj=mobility,
        org_path=mobility.org_path,
        after={"field": "phone"},
    )
    return value


# -- 失联党员 --------------------------------------------------------------------------------------------
@transaction.atomic
def lost_contact_open(
    *, actor, member: Member, since: dt.date, abroad: bool = False, note: str = ""
) -> LostContact:
    """The branch has lost contact with the member since `since` (abroad: left the country to study
    or research on `since`); the GX-06 clocks start there."""
    member = _lock(member)
    require(actor, "member.edit", member.org_path)
    if member.standing != Standing.NORMAL:
        raise ValidationError(
            _("只有党籍正常的党员才能登记失联(当前:%(s)s)") % {"s": member.get_standing_display()}
        )
    if _open_lost(member) is not None:
        raise ValidationError(_("该党员已登记为失联党员"))
    label = _("出境日期") if abroad else _("最后联系日期")
    since = _day("since", since, label, member=member)
    note = _text("note", note, _("情况说明"), required=False)
    lost = LostContact.objects.create(
        member=member, since=since, abroad=bool(abroad), note=note, org_path=member.org_path
    )
    MemberEvent.objects.create(
        member=member,
        kind=MemberEvent.Kind.LOST_CONTACT,
        on=since,
        actor=_user(actor),
        note=(_("出国(境)学习研究") if abroad else _("与党组织失去联系")) + (f":{note}" if note else ""),
    )
    audit.record(
        actor=actor,
        action="lost_contact.open",
        obj=lost,
        org_path=member.org_path,
        after={"member": member.pk, "since": since, "abroad": bool(abroad), "note": note},
    )
    return lost


@transaction.atomic
def lost_contact_note(*, actor, lost: LostContact, on: dt.date, method: str, note: str) -> LostContactEffort:
    """One search effort (GX-06: 通过各种方式查找), dated."""
    lost = LostContact.objects.select_for_update().select_related("member").get(pk=lost.pk)
    require(actor, "member.edit", lost.org_path)
    if lost.closed_on is not None:
        raise ValidationError(_("该失联登记已结束,不能再添加查找记录"))
    on = _day("on", on, _("查找日期"), member=lost.member, not_before=lost.since)
    method = _text("method", method, _("查找方式"), max_length=50)
    note = _text("note", note, _("查找情况"))
    effort = LostContactEffort.objects.create(
        lost=lost, on=on, method=method, note=note, recorded_by=_user(actor)
    )
    audit.record(
        actor=actor,
        action="lost_contact.note",
        obj=lost,
        org_path=lost.org_path,
        after={"on": on, "method": method, "note": note, "effort": effort.pk},
    )
    return effort


def _close_lost(lost: LostContact, *, on: dt.date, outcome: str, note: str, actor) -> None:
    lost.closed_on = on
    lost.outcome = outcome
    lost.close_note = note[:300]
    lost.save(update_fields=["closed_on", "outcome", "close_note"])
    audit.record(
        actor=actor,
        action="lost_contact.close",
        obj=lost,
        org_path=lost.org_path,
        before={"closed_on": None},
        after={"closed_on": on, "outcome": outcome, "note": note},
    )


@transaction.atomic
def lost_contact_found(*, actor, lost: LostContact, on: dt.date, note: str = "") -> LostContact:
    """Contact regained. A member whose standing was stopped stays stopped until `member_restore`."""
    lost = LostContact.objects.select_for_update().get(pk=lost.pk)
    member = _lock(lost.member)
    require(actor, "member.edit", lost.org_path)
    if lost.closed_on is not None:
        raise ValidationError(_("该失联登记已于%(d)s结束") % {"d": lost.closed_on.isoformat()})
    last_effort = lost.efforts.order_by("-on").values_list("on", flat=True).first()
    on = _day(
        "on", on, _("取得联系日期"), member=member, not_before=max(lost.since, last_effort or lost.since)
    )
    note = _text("note", note, _("说明"), required=False)
    _close_lost(lost, on=on, outcome=LostContact.Outcome.FOUND, note=note, actor=actor)
    MemberEvent.objects.create(
        member=member,
        kind=MemberEvent.Kind.LOST_CONTACT,
        on=on,
        actor=_user(actor),
        note=(_("已与党组织取得联系") + (f":{note}" if note else ""))[:300],
    )
    return lost


# -- 党籍 ------------------------------------------------------------------------------------------------
def last_change(member: Member, kind: str | None = None) -> StandingChange | None:
    qs = StandingChange.objects.filter(member_id=member.pk)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-on", "-id").first()


def _change_standing(
    *,
    actor,
    member: Member,
    kind: str,
    to: str,
    on: dt.date,
    reason: str,
    cite: str,
    removal: str = "",
    decided_by: str = "",
    decision_ref: str = "",
    lost: LostContact | None = None,
) -> StandingChange:
    """The one place a member's standing changes here: totals, rollups, history, audit."""
    before_standing = member.standing
    facts_before = Facts.of(member)
    was_counted = before_standing == Standing.NORMAL
    member.standing = to
    member.save(update_fields=["standing", "updated_at"])
    now_counted = to == Standing.NORMAL
    if was_counted != now_counted:
        adjust_totals(member.org_path, members=1 if now_counted else -1)
    rollups.member_changed(facts_before, Facts.of(member))
    change = StandingChange.objects.create(
        member=member,
        kind=kind,
        removal=removal,
        on=on,
        from_standing=before_standing,
        to_standing=to,
        reason=reason,
        decided_by=decided_by,
        decision_ref=decision_ref,
        cite=cite[:200],
        lost=lost,
        actor=_user(actor),
        org_path=member.org_path,
    )
    label = StandingChange.Kind(kind).label if not removal else StandingChange.Removal(removal).label
    text = f"{label}:{reason}"
    if decision_ref:
        text += f"({decided_by}{decision_ref})" if decided_by else f"({decision_ref})"
    MemberEvent.objects.create(
        member=member, kind=MemberEvent.Kind.STANDING, on=on, actor=_user(actor), note=text[:300]
    )
    audit.record(
        actor=actor,
        action=f"member.{kind}",
        obj=member,
        org_path=member.org_path,
        before={"standing": before_standing},
        after={
            "standing": to,
            "on": on,
            "removal": removal,
            "reason": reason,
            "decided_by": decided_by,
            "decision_ref": decision_ref,
            "cite": cite,
            "change": change.pk,
        },
    )
    return change


def _after_last_change(member: Member) -> dt.date | None:
    last = last_change(member)
    return last.on if last else None


def _wrong_standing(member: Member, message: str) -> ValidationError:
    return ValidationError(message % {"s": member.get_standing_display()})


@transaction.atomic
def member_suspend(
    *, actor, member: Member, on: dt.date, reason: str, decided_by: str = "", decision_ref: str = ""
) -> StandingChange:
    """停止党籍 (GX-06): a member out of contact for the rule's months after searching, or abroad to
    study or research beyond the rule's years. Refused before the clock has run."""
    member = _lock(member)
    require(actor, "member.edit", member.org_path)
    if member.standing != Standing.NORMAL:
        raise _wrong_standing(member, _("只有党籍正常的党员才能停止党籍(当前:%(s)s)"))
    lost = _open_lost(member)
    rule = engine.rule("GX-06", on=_today(), org=member.org_path)
    if lost is None:
        raise ValidationError(
            _("停止党籍适用于失去联系或出国(境)学习研究逾期未归的党员,请先登记失联(%(rule)s)")
            % {"rule": rule.cite}
        )
    on = _day("on", on, _("停止党籍日期"), member=member, not_before=_after_last_change(member))
    due, rule = suspend_due(lost, on=on)
    if on < due:
        if lost.abroad:
            message = _("出国(境)学习研究未满%(n)d年(自%(s)s起,%(d)s起方可停止党籍,%(rule)s)") % {
                "n": rule.params["abroad_suspend_years"],
                "s": lost.since.isoformat(),
                "d": due.isoformat(),
                "rule": rule.cite,
            }
        else:
            message = _("失去联系未满%(n)d个月(自%(s)s起,%(d)s起方可停止党籍,%(rule)s)") % {
                "n": rule.params["lost_contact_months"],
                "s": lost.since.isoformat(),
                "d": due.isoformat(),
                "rule": rule.cite,
            }
        raise ValidationError({"on": message})
    if not lost.abroad and not lost.efforts.exists():
        raise ValidationError(
            _("尚无查找记录:停止党籍前应通过各种方式查找并登记查找情况(%(rule)s)") % {"rule": rule.cite}
        )
    reason = _text("reason", reason, _("事由"))
    return _change_standing(
        actor=actor,
        member=member,
        kind=StandingChange.Kind.SUSPEND,
        to=Standing.STOPPED,
        on=on,
        reason=reason,
        cite=rule.cite,
        decided_by=_text("decided_by", decided_by, _("决定机关"), required=False, max_length=100),
        decision_ref=_text("decision_ref", decision_ref, _("决定文号"), required=False, max_length=100),
        lost=lost,
    )


@transaction.atomic
def member_restore(
    *, actor, member: Member, on: dt.date, reason: str, decided_by: str, decision_ref: str = ""
) -> StandingChange:
    """恢复党籍: a stopped member back in contact, on the decision of the approving committee."""
    member = _lock(member)
    require(actor, "member.edit", member.org_path)
    if member.standing != Standing.STOPPED:
        raise _wrong_standing(member, _("只有停止党籍的党员才能恢复党籍(当前:%(s)s)"))
    if _open_lost(member) is not None:
        raise ValidationError(_("该党员仍处于失联状态,请先登记已取得联系,再恢复党籍"))
    on = _day("on", on, _("恢复党籍日期"), member=member, not_before=_after_last_change(member))
    stop = last_change(member, StandingChange.Kind.SUSPEND)
    cite = stop.cite if stop else engine.rule("GX-06", on=on, org=member.org_path).cite
    return _change_standing(
        actor=actor,
        member=member,
        kind=StandingChange.Kind.RESTORE,
        to=Standing.NORMAL,
        on=on,
        reason=_text("reason", reason, _("事由")),
        cite=cite,
        decided_by=_text("decided_by", decided_by, _("批准机关"), max_length=100),
        decision_ref=_text("decision_ref", decision_ref, _("决定文号"), required=False, max_length=100),
    )


def _close_open_records(member: Member, *, on: dt.date, actor, outcome: str, why: str) -> LostContact | None:
    lost = _open_lost(member)
    if lost is not None:
        _close_lost(lost, on=max(on, lost.since), outcome=outcome, note=why, actor=actor)
    mobility = _open_mobility(member)
    if mobility is not None:
        _end_mobility(
            mobility, member, on=max(on, mobility.left_on), actor=actor, note=why, action="mobility.end"
        )
    return lost


@transaction.atomic
def member_remove(
    *,
    actor,
    member: Member,
    on: dt.date,
    removal: str,
    reason: str,
    decided_by: str,
    decision_ref: str,
) -> StandingChange:
    """出党: 开除党籍, 除名, 劝退 or 自行脱党除名, with the approving body and its decision.

    自行脱党除名 of a member stopped while out of contact waits for the GX-06 years after the stop;
    of a member in normal standing it rests on 党章 (GX-05)."""
    member = _lock(member)
    require(actor, "member.edit", member.org_path)
    if member.standing not in (Standing.NORMAL, Standing.STOPPED):
        raise _wrong_standing(member, _("该党员已不在党内(当前:%(s)s),不能再办理出党"))
    if removal not in StandingChange.Removal.values:
        raise ValidationError({"removal": _("请选择出党方式")})
    on = _day("on", on, _("出党日期"), member=member, not_before=_after_last_change(member))
    cite = ""
    lost = _open_lost(member)
    if removal == StandingChange.Removal.LAPSED:
        stop = last_change(member, StandingChange.Kind.SUSPEND)
        if member.standing == Standing.STOPPED and stop is not None:
            due, rule = removal_due(stop.on, on=on, org_path=member.org_path)
            if lost is not None and not lost.abroad and on < due:
                raise ValidationError(
                    {
                        "on": _(
                            "停止党籍未满%(n)d年(%(s)s停止,%(d)s起仍无法取得联系的方可按自行脱党除名,%(rule)s)"
                        )
                        % {
                            "n": rule.params["suspended_removal_years"],
                            "s": stop.on.isoformat(),
                            "d": due.isoformat(),
                            "rule": rule.cite,
                        }
                    }
                )
            cite = rule.cite
        else:
            cite = engine.rule("GX-05", on=on, org=member.org_path).cite
    change = _change_standing(
        actor=actor,
        member=member,
        kind=StandingChange.Kind.REMOVE,
        to=Standing.LEFT,
        on=on,
        reason=_text("reason", reason, _("事由")),
        cite=cite,
        removal=removal,
        decided_by=_text("decided_by", decided_by, _("批准机关"), max_length=100),
        decision_ref=_text("decision_ref", decision_ref, _("决定文号"), max_length=100),
        lost=lost,
    )
    _close_open_records(
        member,
        on=on,
        actor=actor,
        outcome=LostContact.Outcome.REMOVED,
        why=str(StandingChange.Removal(removal).label),
    )
    return change


@transaction.atomic
def member_died(*, actor, member: Member, on: dt.date, reason: str = "") -> StandingChange:
    """死亡: the member leaves the counts; open mobility and lost-contact records close."""
    member = _lock(member)
    require(actor, "member.edit", member.org_path)
    if member.standing not in (Standing.NORMAL, Standing.STOPPED):
        raise _wrong_standing(member, _("该党员已不在党内(当前:%(s)s),不能登记死亡"))
    on = _day("on", on, _("死亡日期"), member=member, not_before=_after_last_change(member))
    change = _change_standing(
        actor=actor,
        member=member,
        kind=StandingChange.Kind.DIED,
        to=Standing.DECEASED,
        on=on,
        reason=_text("reason", reason, _("说明"), required=False) or _("去世"),
        cite="",
        lost=_open_lost(member),
    )
    _close_open_records(member, on=on, actor=actor, outcome=LostContact.Outcome.DECEASED, why=_("去世"))
    return change
