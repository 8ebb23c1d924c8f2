"""组织关系转接 (Transfer): letters out to another org in the system, out of the system, and in from
outside, each through its states with the rules of 《中国共产党党员教育管理工作条例》 and 组通字〔2006〕45号.

* GX-01: a member belongs to exactly one org. Within the system the member stays in the sending
  branch until the receiving branch accepts the letter; acceptance moves them with
  `member_change_org` (paths, stored totals, rollups and the history event in one step).
* GX-02: the sending org stays responsible until receipt; orgs may not refuse without cause, so a
  return always carries its reason, and a returned letter waits for the sender to act on it.
* GX-03: a letter is valid for at most `max_letter_months` (cross-province
  `max_letter_months_cross_province`) from its issue; a letter past its last valid day without
  receipt is overdue and may be reissued under a new number; stubs are kept `stub_keep_years`.

Services are keyword-only, `@transaction.atomic`, check scope and permission first, and write the
member's history event and the audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from zugong.core import audit, codes
from zugong.core.services import require
from zugong.members import services as member_services
from zugong.members.models import Member, MemberEvent, Transfer
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.orgs.services import adjust_totals
from zugong.rules import engine
from zugong.rules.engine import RuleVersion
from zugong.stats import rollups
from zugong.stats.rollups import Facts

PERM = "transfer.edit"
AUDIT_FIELDS = [
    "member",
    "kind",
    "state",
    "from_org",
    "from_name",
    "to_org",
    "to_name",
    "to_province",
    "cross_province",
    "letter_number",
    "issued_on",
    "valid_until",
    "reason",
    "received_on",
    "receipt_number",
    "returned_on",
    "return_reason",
    "settled_on",
    "closed_on",
]
TEXT_LIMIT = 300
LETTER_NUMBER_RE = re.compile(r"^(\d{4})-(\d+)$")


# -- the rules -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Validity:
    """A letter's longest validity under GX-03 for its issue day and route."""

    rule: RuleVersion
    months: int
    cross_province: bool
    last_day: dt.date

    @property
    def text(self) -> str:
        if self.cross_province:
            return _("跨省转接的介绍信有效期不超过%(n)d个月(%(rule)s)") % {
                "n": self.months,
                "rule": self.rule.cite,
            }
        return _("介绍信有效期不超过%(n)d个月(%(rule)s)") % {"n": self.months, "rule": self.rule.cite}


def validity(*, issued_on: dt.date, cross_province: bool, org: Org | str | None = None) -> Validity:
    """GX-03: the letter is valid through `issued_on` + the months of the rule (calendar months)."""
    rule = engine.rule("GX-03", on=issued_on, org=org)
    key = "max_letter_months_cross_province" if cross_province else "max_letter_months"
    months = int(rule.params[key])
    return Validity(rule, months, cross_province, engine.add_months(issued_on, months))


def stub_keep_until(transfer: Transfer) -> dt.date:
    """GX-03: the stub of a letter is kept this long after its issue."""
    rule = engine.rule("GX-03", on=transfer.issued_on, org=transfer.from_path or transfer.to_path or None)
    return engine.add_months(transfer.issued_on, 12 * int(rule.params["stub_keep_years"]))


def is_overdue(transfer: Transfer, today: dt.date | None = None) -> bool:
    """Pending after its last valid day: no receipt within the letter's validity (GX-03)."""
    today = today or dt.date.today()
    return transfer.state == Transfer.State.PENDING and today > transfer.valid_until


def needs_sender(transfer: Transfer) -> bool:
    """Returned and not yet dealt with by the sending org (GX-02: it stays responsible)."""
    return transfer.state == Transfer.State.RETURNED and transfer.settled_on is None


def province_of(org: Org) -> str:
    return org.province_code or settings.ZUGONG_PROVINCE_CODE


def provinces() -> list[tuple[str, str]]:
    """Province-level regions (GB/T 2260), as two-digit codes."""
    return [(code[:2], name) for code, name in codes.choices("region", parent="")]


# -- helpers -------------------------------------------------------------------------------------
def _today() -> dt.date:
    return dt.date.today()


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _text(
    value: str | None, field: str, errors: dict[str, list[str]], *, label: str, limit: int = TEXT_LIMIT
) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        errors.setdefault(field, []).append(_("%(f)s不能超过%(n)d个字") % {"f": label, "n": limit})
    return text


def _lock(transfer: Transfer) -> Transfer:
    # of=("self",): the orgs are outer-joined (either side may be outside the system), which
    # PostgreSQL cannot lock; the letter's own row is what serializes its state changes.
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("member", "from_org", "to_org")
        .get(pk=transfer.pk)
    )


def _require_state(transfer: Transfer, *states: str) -> None:
    if transfer.state not in states:
        raise ValidationError(
            {
                "state": _("介绍信%(n)s当前为“%(s)s”,不能办理此项")
                % {"n": transfer.letter_number, "s": transfer.get_state_display()}
            }
        )


def _date_check(
    day: dt.date, field: str, label: str, errors: dict[str, list[str]], *, not_before: dt.date | None = None
) -> None:
    if day > _today():
        errors.setdefault(field, []).append(_("%(f)s不能晚于今天") % {"f": label})
    if not_before is not None and day < not_before:
        errors.setdefault(field, []).append(
            _("%(f)s不能早于开具日期%(d)s") % {"f": label, "d": not_before.isoformat()}
        )


def next_letter_number(org: Org, year: int) -> str:
    """The org's next letter number of the year, "2026-0012": one past the highest of that year."""
    prefix = f"{year}-"
    numbers = Transfer.objects.filter(
        from_org=org, letter_number__gte=prefix, letter_number__lt=f"{year}.~"
    ).values_list("letter_number", flat=True)
    highest = 0
    for number in numbers:
        match = LETTER_NUMBER_RE.match(number)
        if match and int(match.group(1)) == year:
            highest = max(highest, int(match.group(2)))
    return f"{year}-{highest + 1:04d}"


def find_receiving_org(text: str) -> Org:
    """The receiving branch by its exact org code or exact name, anywhere in the system.

    Exact matches only: an account sees the name of the one org it typed, to confirm it, and
    never a list of orgs outside its subtree.
    """
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"to_org": _("请填写接收党支部的组织代码或全称")})
    found = list(Org.objects.filter(code=text)[:1]) or list(Org.objects.filter(name=text, is_active=True)[:3])
    if not found:
        raise ValidationError({"to_org": _("系统内没有组织代码或全称为“%(t)s”的党组织,请核对") % {"t": text}})
    if len(found) > 1:
        raise ValidationError({"to_org": _("有多个党组织名为“%(t)s”,请改填组织代码") % {"t": text}})
    return found[0]


def _check_receiving(org: Org, member: Member) -> None:
    if not org.is_active:
        raise ValidationError({"to_org": _("党组织“%(o)s”已撤销") % {"o": org.name}})
    if org.kind not in BRANCH_KINDS:
        raise ValidationError(
            {
                "to_org": _("组织关系应转入党支部、联合党支部或临时党支部,“%(o)s”是%(k)s")
                % {"o": org.name, "k": org.get_kind_display()}
            }
        )
    if org.pk == member.org_id:
        raise ValidationError({"to_org": _("党员已在“%(o)s”,无需转接") % {"o": org.name}})


def _event(member: Member, kind: str, *, on: dt.date, actor, note: str, from_org=None, to_org=None) -> None:
    MemberEvent.objects.create(
        member=member, kind=kind, on=on, actor=_user(actor), from_org=from_org, to_org=to_org, note=note[:300]
    )


def _audit(actor, action: str, transfer: Transfer, path: str, before: dict | None = None) -> None:
    after = audit.snapshot(transfer, AUDIT_FIELDS)
    if before is not None:
        before, after = audit.changes(before, after)
    audit.record(actor=actor, action=action, obj=transfer, org_path=path, before=before, after=after)


def _open_of(member: Member) -> Transfer | None:
    return Transfer.objects.filter(member=member, state=Transfer.State.PENDING).first()


def _letter_fields(
    *,
    member: Member,
    kind: str,
    to_org: Org | None,
    to_name: str,
    to_province: str,
    issued_on: dt.date | None,
    valid_until: dt.date | None,
    letter_number: str,
    reason: str,
    note: str,
    errors: dict[str, list[str]],
) -> dict:
    """The checked fields of a letter from `member`'s branch (start and reissue share them)."""
    from_org = member.org
    fields: dict = {"kind": kind, "member": member, "from_org": from_org, "from_name": from_org.name}
    fields["from_path"] = from_org.path
    if kind == Transfer.Kind.WITHIN:
        if to_org is None:
            errors.setdefault("to_org", []).append(_("请填写接收党支部的组织代码或全称"))
        else:
            try:
                _check_receiving(to_org, member)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors.setdefault(field, []).extend(messages)
            fields.update(
                to_org=to_org, to_name=to_org.name, to_path=to_org.path, to_province=province_of(to_org)
            )
    elif kind == Transfer.Kind.OUT:
        name = _text(to_name, "to_name", errors, label=_("接收党组织"), limit=200)
        if not name:
            errors.setdefault("to_name", []).append(_("请填写接收党组织的全称"))
        province = (to_province or "").strip()
        if not province:
            errors.setdefault("to_province", []).append(_("请选择接收地所在省份(跨省转接的介绍信有效期不同)"))
        elif province not in dict(provinces()):
            errors.setdefault("to_province", []).append(_("未知的省份代码“%(p)s”") % {"p": province})
        fields.update(to_org=None, to_name=name, to_path="", to_province=province)
    else:
        errors.setdefault("kind", []).append(_("转接类型应为系统内转接或转出本系统"))
    issued = issued_on or _today()
    _date_check(issued, "issued_on", _("开具日期"), errors)
    if issued < member.joined_on:
        errors.setdefault("issued_on", []).append(_("开具日期不能早于入党日期"))
    cross = bool(fields.get("to_province")) and fields["to_province"] != province_of(from_org)
    limit = validity(issued_on=issued, cross_province=cross, org=from_org)
    until = valid_until or limit.last_day
    if until < issued:
        errors.setdefault("valid_until", []).append(_("有效期不能早于开具日期"))
    elif until > limit.last_day:
        errors.setdefault("valid_until", []).append(
            _("%(rule)s,最晚到%(d)s") % {"rule": limit.text, "d": limit.last_day.isoformat()}
        )
    number = " ".join((letter_number or "").split()) or next_letter_number(from_org, issued.year)
    if len(number) > 40:
        errors.setdefault("letter_number", []).append(_("介绍信编号不能超过40个字符"))
    elif Transfer.objects.filter(from_org=from_org, letter_number=number).exists():
        errors.setdefault("letter_number", []).append(
            _("本支部已有编号为“%(n)s”的介绍信,编号不能重复") % {"n": number}
        )
    fields.update(
        cross_province=cross,
        issued_on=issued,
        valid_until=until,
        letter_number=number,
        reason=_text(reason, "reason", errors, label=_("转接原因")),
        note=_text(note, "note", errors, label=_("备注")),
    )
    return fields


def _settle_returned(member: Member, on: dt.date) -> None:
    """A new letter for the member answers the returned ones still waiting for the sender."""
    Transfer.objects.filter(member=member, state=Transfer.State.RETURNED, settled_on__isnull=True).update(
        settled_on=on
    )


def _start_event(transfer: Transfer, actor) -> None:
    _event(
        transfer.member,
        MemberEvent.Kind.TRANSFER_OUT,
        on=transfer.issued_on,
        actor=actor,
        from_org=transfer.from_org,
        to_org=transfer.to_org,
        note=_("开具组织关系介绍信%(n)s,转往%(to)s,有效期至%(d)s")
        % {"n": transfer.letter_number, "to": transfer.to_name, "d": transfer.valid_until.isoformat()},
    )


# -- services ------------------------------------------------------------------------------------
@transaction.atomic
def transfer_start(
    *,
    actor,
    member: Member,
    kind: str,
    to_org: Org | None = None,
    to_name: str = "",
    to_province: str = "",
    issued_on: dt.date | None = None,
    valid_until: dt.date | None = None,
    letter_number: str = "",
    reason: str = "",
    note: str = "",
) -> Transfer:
    """Issue a 组织关系介绍信 for `member`: to a branch in the system (`to_org`) or out of it
    (`to_name`, `to_province`). The member stays in their branch until receipt (GX-02)."""
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    require(actor, PERM, member.org_path)
    if member.standing != Member.Standing.NORMAL:
        raise ValidationError(
            {"member": _("党籍状态为“%(s)s”的党员不能转接组织关系") % {"s": member.get_standing_display()}}
        )
    open_one = _open_of(member)
    if open_one is not None:
        raise ValidationError(
            {
                "member": _("该党员已有未办结的组织关系介绍信(%(n)s,转往%(to)s),请先办结或撤销")
                % {"n": open_one.letter_number, "to": open_one.to_name}
            }
        )
    errors: dict[str, list[str]] = {}
    fields = _letter_fields(
        member=member,
        kind=kind,
        to_org=to_org,
        to_name=to_name,
        to_province=to_province,
        issued_on=issued_on,
        valid_until=valid_until,
        letter_number=letter_number,
        reason=reason,
        note=note,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(**fields, created_by=_user(actor))
    _settle_returned(member, transfer.issued_on)
    _start_event(transfer, actor)
    _audit(actor, "transfer.start", transfer, transfer.from_path)
    return transfer


@transaction.atomic
def transfer_receive(*, actor, transfer: Transfer, on: dt.date | None = None, note: str = "") -> Transfer:
    """The receiving branch accepts a letter from inside the system: the member moves to it."""
    transfer = _lock(transfer)
    if transfer.kind != Transfer.Kind.WITHIN:
        raise ValidationError({"kind": _("只有系统内转接的介绍信由接收党支部办理接收")})
    require(actor, PERM, transfer.to_path)
    _require_state(transfer, Transfer.State.PENDING)
    on = on or _today()
    errors: dict[str, list[str]] = {}
    _date_check(on, "received_on", _("接收日期"), errors, not_before=transfer.issued_on)
    if on > transfer.valid_until:
        limit = validity(
            issued_on=transfer.issued_on, cross_province=transfer.cross_province, org=transfer.from_org
        )
        errors.setdefault("received_on", []).append(
            _("介绍信已于%(d)s过期(%(rule)s),请原党组织重开介绍信")
            % {"d": transfer.valid_until.isoformat(), "rule": limit.rule.cite}
        )
    note = _text(note, "note", errors, label=_("说明"))
    member = transfer.member
    if member.org_id != transfer.from_org_id:
        errors.setdefault("member", []).append(_("党员已不在转出党组织,这封介绍信不能再接收"))
    if member.standing != Member.Standing.NORMAL:
        errors.setdefault("member", []).append(
            _("党籍状态为“%(s)s”的党员不能接收") % {"s": member.get_standing_display()}
        )
    if errors:
        raise ValidationError(errors)
    assert transfer.to_org is not None
    try:
        _check_receiving(transfer.to_org, member)
    except ValidationError as exc:
        raise ValidationError({"to_org": exc.messages}) from exc
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    member_services.member_change_org(
        actor=actor,
        member=member,
        to_org=transfer.to_org,
        on=on,
        note=_("组织关系转接,介绍信%(n)s") % {"n": transfer.letter_number},
        _checked=True,
    )
    transfer.state = Transfer.State.RECEIVED
    transfer.received_on = on
    transfer.receipt_note = note
    transfer.closed_by = _user(actor)
    transfer.save()
    _audit(actor, "transfer.receive", transfer, transfer.to_path, before)
    return transfer


@transaction.atomic
def transfer_return(*, actor, transfer: Transfer, reason: str, on: dt.date | None = None) -> Transfer:
    """The letter comes back: the receiving branch declines it (within the system), or the sender
    records that the outside org sent it back. A reason is required (GX-02: 不得无故拒转拒接)."""
    transfer = _lock(transfer)
    if transfer.kind == Transfer.Kind.IN:
        raise ValidationError({"kind": _("从系统外转入的记录没有退回环节")})
    require(actor, PERM, transfer.to_path if transfer.kind == Transfer.Kind.WITHIN else transfer.from_path)
    _require_state(transfer, Transfer.State.PENDING)
    on = on or _today()
    errors: dict[str, list[str]] = {}
    _date_check(on, "returned_on", _("退回日期"), errors, not_before=transfer.issued_on)
    text = _text(reason, "return_reason", errors, label=_("退回原因"))
    if not text:
        rule = engine.rule("GX-02", on=on, org=transfer.to_path or transfer.from_path)
        errors.setdefault("return_reason", []).append(
            _("退回须写明原因:党组织不得无故拒转拒接(%(rule)s)") % {"rule": rule.cite}
        )
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    transfer.state = Transfer.State.RETURNED
    transfer.returned_on = on
    transfer.return_reason = text
    transfer.closed_by = _user(actor)
    transfer.save()
    _event(
        transfer.member,
        MemberEvent.Kind.TRANSFER_RETURNED,
        on=on,
        actor=actor,
        from_org=transfer.from_org,
        to_org=transfer.to_org,
        note=_("介绍信%(n)s被%(to)s退回:%(r)s")
        % {"n": transfer.letter_number, "to": transfer.to_name, "r": text},
    )
    _audit(actor, "transfer.return", transfer, transfer.to_path or transfer.from_path, before)
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer, reason: str = "") -> Transfer:
    """The sending org withdraws a letter not yet received."""
    transfer = _lock(transfer)
    if transfer.kind == Transfer.Kind.IN:
        raise ValidationError({"kind": _("从系统外转入的记录不能撤销")})
    require(actor, PERM, transfer.from_path)
    _require_state(transfer, Transfer.State.PENDING)
    errors: dict[str, list[str]] = {}
    text = _text(reason, "reason", errors, label=_("撤销原因"))
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    transfer.state = Transfer.State.CANCELLED
    transfer.closed_on = _today()
    transfer.closed_by = _user(actor)
    if text:
        transfer.note = (f"{transfer.note};" if transfer.note else "") + _("撤销原因:%(r)s") % {"r": text}
        transfer.note = transfer.note[:TEXT_LIMIT]
    transfer.save()
    _event(
        transfer.member,
        MemberEvent.Kind.TRANSFER_CANCELLED,
        on=transfer.closed_on,
        actor=actor,
        from_org=transfer.from_org,
        to_org=transfer.to_org,
        note=_("撤销介绍信%(n)s%(r)s") % {"n": transfer.letter_number, "r": f":{text}" if text else ""},
    )
    _audit(actor, "transfer.cancel", transfer, transfer.from_path, before)
    return transfer


@transaction.atomic
def transfer_record_receipt(
    *, actor, transfer: Transfer, on: dt.date, receipt_number: str = "", note: str = ""
) -> Transfer:
    """Out of the system: the receiving org's 回执 came back. The member leaves this registry
    (standing 已转出: kept on record, out of the totals and statistics)."""
    transfer = _lock(transfer)
    if transfer.kind != Transfer.Kind.OUT:
        raise ValidationError({"kind": _("只有转出本系统的介绍信登记回执")})
    require(actor, PERM, transfer.from_path)
    _require_state(transfer, Transfer.State.PENDING)
    errors: dict[str, list[str]] = {}
    if on is None:
        errors["received_on"] = [_("请填写回执上的接收日期")]
    else:
        _date_check(on, "received_on", _("接收日期"), errors, not_before=transfer.issued_on)
    number = _text(receipt_number, "receipt_number", errors, label=_("回执编号"), limit=40)
    note = _text(note, "receipt_note", errors, label=_("回执说明"))
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    if member.standing != Member.Standing.NORMAL:
        errors.setdefault("member", []).append(
            _("党籍状态为“%(s)s”的党员不能办理转出") % {"s": member.get_standing_display()}
        )
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    facts_before = Facts.of(member)
    was_counted = member_services.counted(member.standing)
    member.standing = Member.Standing.TRANSFERRED_OUT
    member.save(update_fields=["standing", "updated_at"])
    if was_counted:
        adjust_totals(member.org_path, members=-1)
    rollups.member_changed(facts_before, Facts.of(member))
    transfer.state = Transfer.State.RECEIVED
    transfer.received_on = on
    transfer.receipt_number = number
    transfer.receipt_note = note
    transfer.closed_by = _user(actor)
    transfer.save()
    _event(
        member,
        MemberEvent.Kind.TRANSFER_OUT,
        on=on,
        actor=actor,
        from_org=transfer.from_org,
        note=_("收到%(to)s回执%(r)s,组织关系已转出本系统")
        % {"to": transfer.to_name, "r": f"({number})" if number else ""},
    )
    audit.record(
        actor=actor,
        action="member.transfer_out",
        obj=member,
        org_path=member.org_path,
        before={"standing": Member.Standing.NORMAL.value},
        after={"standing": member.standing, "letter_number": transfer.letter_number},
    )
    _audit(actor, "transfer.receipt", transfer, transfer.from_path, before)
    return transfer


@transaction.atomic
def transfer_reissue(
    *,
    actor,
    transfer: Transfer,
    issued_on: dt.date | None = None,
    valid_until: dt.date | None = None,
    letter_number: str = "",
    note: str = "",
) -> Transfer:
    """An overdue letter (GX-03) is closed as 已过期重开 and a new one goes to the same place."""
    transfer = _lock(transfer)
    if transfer.kind == Transfer.Kind.IN:
        raise ValidationError({"kind": _("从系统外转入的记录不能重开")})
    require(actor, PERM, transfer.from_path)
    _require_state(transfer, Transfer.State.PENDING)
    if not is_overdue(transfer):
        raise ValidationError(
            {"state": _("介绍信有效期至%(d)s,尚未过期,不需重开") % {"d": transfer.valid_until.isoformat()}}
        )
    member = Member.objects.select_for_update().select_related("org").get(pk=transfer.member_id)
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    transfer.state = Transfer.State.REISSUED
    transfer.closed_on = _today()
    transfer.closed_by = _user(actor)
    transfer.save()
    errors: dict[str, list[str]] = {}
    if member.org_id != transfer.from_org_id:
        errors["member"] = [_("党员已不在转出党组织,请重新办理转接")]
    fields = _letter_fields(
        member=member,
        kind=transfer.kind,
        to_org=transfer.to_org,
        to_name=transfer.to_name,
        to_province=transfer.to_province,
        issued_on=issued_on,
        valid_until=valid_until,
        letter_number=letter_number,
        reason=transfer.reason,
        note=note,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    new = Transfer.objects.create(**fields, reissue_of=transfer, created_by=_user(actor))
    _audit(actor, "transfer.reissue", transfer, transfer.from_path, before)
    _start_event(new, actor)
    _audit(actor, "transfer.start", new, new.from_path)
    return new


@transaction.atomic
def transfer_settle(*, actor, transfer: Transfer, note: str = "") -> Transfer:
    """The sender has dealt with a returned letter without sending a new one (the member stays)."""
    transfer = _lock(transfer)
    require(actor, PERM, transfer.from_path)
    _require_state(transfer, Transfer.State.RETURNED)
    if transfer.settled_on is not None:
        raise ValidationError({"state": _("这封退回的介绍信已处理")})
    errors: dict[str, list[str]] = {}
    text = _text(note, "note", errors, label=_("处理说明"))
    if not text:
        errors.setdefault("note", []).append(
            _("请写明处理结果,例如“经核实,暂不转接,继续在本支部参加组织生活”")
        )
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(transfer, AUDIT_FIELDS)
    transfer.settled_on = _today()
    transfer.note = ((f"{transfer.note};" if transfer.note else "") + _("退回处理:%(t)s") % {"t": text})[
        :TEXT_LIMIT
    ]
    transfer.save()
    _audit(actor, "transfer.settle", transfer, transfer.from_path, before)
    return transfer


@transaction.atomic
def transfer_in_from_outside(
    *,
    actor,
    to_org: Org,
    from_name: str,
    letter_number: str,
    issued_on: dt.date,
    from_province: str = "",
    valid_until: dt.date | None = None,
    received_on: dt.date | None = None,
    reason: str = "",
    note: str = "",
    **member_fields,
) -> Transfer:
    """A member arrives with a letter from an org outside the system: registered in `to_org`
    (member_create: totals, rollups, history) and the letter kept as a received transfer."""
    require(actor, PERM, to_org.path)
    errors: dict[str, list[str]] = {}
    name = _text(from_name, "from_name", errors, label=_("转出党组织"), limit=200)
    if not name:
        errors.setdefault("from_name", []).append(_("请填写介绍信上转出党组织的全称"))
    number = " ".join((letter_number or "").split())
    if not number:
        errors.setdefault("letter_number", []).append(_("请填写介绍信编号"))
    elif len(number) > 40:
        errors.setdefault("letter_number", []).append(_("介绍信编号不能超过40个字符"))
    province = (from_province or "").strip()
    if province and province not in dict(provinces()):
        errors.setdefault("from_province", []).append(_("未知的省份代码“%(p)s”") % {"p": province})
    received = received_on or _today()
    if issued_on is None:
        errors.setdefault("issued_on", []).append(_("请填写介绍信开具日期"))
    else:
        _date_check(issued_on, "issued_on", _("开具日期"), errors)
        _date_check(received, "received_on", _("接收日期"), errors, not_before=issued_on)
        cross = bool(province) and province != province_of(to_org)
        limit = validity(issued_on=issued_on, cross_province=cross, org=to_org)
        until = valid_until or limit.last_day
        if until < issued_on:
            errors.setdefault("valid_until", []).append(_("有效期不能早于开具日期"))
        elif until > limit.last_day:
            errors.setdefault("valid_until", []).append(
                _("%(rule)s,最晚到%(d)s") % {"rule": limit.text, "d": limit.last_day.isoformat()}
            )
        elif received > until:
            errors.setdefault("received_on", []).append(
                _("介绍信已于%(d)s过期(%(rule)s),请党员到原党组织重开介绍信")
                % {"d": until.isoformat(), "rule": limit.rule.cite}
            )
    reason = _text(reason, "reason", errors, label=_("转接原因"))
    note = _text(note, "note", errors, label=_("备注"))
    if errors:
        raise ValidationError(errors)
    assert issued_on is not None
    member = member_services.member_create(actor=actor, org=to_org, **member_fields)
    transfer = Transfer.objects.create(
        member=member,
        kind=Transfer.Kind.IN,
        state=Transfer.State.RECEIVED,
        from_org=None,
        from_name=name,
        from_path="",
        to_org=to_org,
        to_name=to_org.name,
        to_path=to_org.path,
        to_province=province_of(to_org),
        cross_province=cross,
        letter_number=number,
        issued_on=issued_on,
        valid_until=until,
        received_on=received,
        reason=reason,
        note=note,
        created_by=_user(actor),
        closed_by=_user(actor),
    )
    _event(
        member,
        MemberEvent.Kind.TRANSFER_IN,
        on=received,
        actor=actor,
        to_org=to_org,
        note=_("持%(from)s介绍信%(n)s转入") % {"from": name, "n": number},
    )
    _audit(actor, "transfer.in", transfer, to_org.path)
    return transfer


# -- tree changes --------------------------------------------------------------------------------
def follow_merge(source: Org, target: Org) -> None:
    """A merged branch hands its open letters to the branch it joins (both directions); closed
    letters keep the org they were written by."""
    pending = Transfer.objects.filter(state=Transfer.State.PENDING)
    pending.filter(from_org=source).update(from_org=target, from_path=target.path)
    pending.filter(to_org=source).update(to_org=target, to_path=target.path, to_name=target.name)
    # A letter between the two merged branches has nothing left to transfer.
    pending.filter(Q(from_org=target, to_org=target)).update(
        state=Transfer.State.CANCELLED, closed_on=_today(), note=_("两支部合并,介绍信作废")
    )
