"""Writes to the member registry: validated, audited, and keeping subtree totals exact."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from zugong.core import audit, codes, crypto, idnumber
from zugong.core.paths import subtree_q
from zugong.core.services import require
from zugong.members.models import CommunityReport, Member, MemberEvent, PartyGroup
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.orgs.services import adjust_totals
from zugong.rules import engine
from zugong.stats import rollups
from zugong.stats.rollups import Facts

AUDIT_FIELDS = [
    "name",
    "sex",
    "ethnicity",
    "id_number_masked",
    "birth_date",
    "native_place",
    "education",
    "degree",
    "category",
    "work_unit",
    "job_title",
    "joined_on",
    "converted_on",
    "status",
    "standing",
    "phone_masked",
    "address",
    "is_mobile",
    "org",
    "party_group",
]
# A person's own fields, as a form, the API or an import row gives them (org and status of the
# membership aside); id_number and phone are given in clear and stored encrypted.
PERSON_FIELDS = [
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "native_place",
    "education",
    "degree",
    "category",
    "work_unit",
    "job_title",
    "joined_on",
    "converted_on",
    "status",
    "phone",
    "address",
    "is_mobile",
]
# Fields a form or API may set.
INPUT_FIELDS = {*PERSON_FIELDS, "id_number", "standing", "party_group"}
CODED = {
    "sex": "sex",
    "ethnicity": "ethnicity",
    "education": "education",
    "degree": "degree",
    "category": "occupation",
}
REQUIRED = ["name", "sex", "ethnicity", "id_number", "birth_date", "joined_on", "status"]


# Plain strings for check_member, which runs once per row of an import (enum access is slow).
_STATUSES = frozenset(Member.Status.values)
_STANDINGS = frozenset(Member.Standing.values)
_PROBATIONARY, _FORMAL = Member.Status.PROBATIONARY.value, Member.Status.FORMAL.value


def counted(standing: str) -> bool:
    """Members in the subtree totals: those whose membership is in force."""
    return standing == Member.Standing.NORMAL


def validate_member(
    data: dict[str, Any],
    *,
    instance: Member | None = None,
    id_taken: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """Check one member's fields against the national rules; returns the cleaned values.

    Raises ValidationError with every problem keyed by field (not just the first), so forms,
    the API and the importer report them all. `id_taken(number)` answers whether another member
    holds the ID number; by default one query asks the database.
    """

    def stored(number: str) -> bool:
        other = Member.objects.filter(id_number_hash=crypto.blind_index(number))
        if instance is not None:
            other = other.exclude(pk=instance.pk)
        return other.exists()

    clean, errors = check_member(data, instance_given=instance is not None, id_taken=id_taken or stored)
    if errors:
        raise ValidationError(errors)
    return clean


def check_member(
    data: dict[str, Any], *, instance_given: bool = False, id_taken: Callable[[str], bool]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The rules of `validate_member` as a pure function: (cleaned values, problems by field).

    Touches no table itself (code tables and rules are cached), so the importer checks a
    million rows with its own pre-fetched `id_taken` and no query per row.
    """
    errors: dict[str, list[str]] = {}

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    clean = dict(data)
    for field in REQUIRED:
        value = clean.get(field)
        if value in (None, ""):
            if field == "id_number" and instance_given:
                continue
            if field == "birth_date" and clean.get("id_number"):
                continue  # taken from the ID number below
            bad(field, _("%(f)s不能为空") % {"f": _field_label(field)})
    if isinstance(clean.get("name"), str):
        clean["name"] = "".join(clean["name"].split())
    for field, table in CODED.items():
        value = clean.get(field)
        if value and not codes.is_valid(table, value):
            bad(field, _("%(f)s“%(v)s”不在代码表中") % {"f": _field_label(field), "v": value})
    if clean.get("status") and clean["status"] not in _STATUSES:
        bad("status", _("党员类型应为预备党员或正式党员"))
    if clean.get("standing") and clean["standing"] not in _STANDINGS:
        bad("standing", _("未知的党籍状态"))

    if clean.get("id_number"):
        try:
            number, id_birth, sex = idnumber.parse(clean["id_number"])
        except idnumber.IdNumberError as exc:
            bad("id_number", str(exc))
        else:
            clean["id_number"] = number
            if clean.get("birth_date") and clean["birth_date"] != id_birth:
                bad(
                    "birth_date",
                    _("出生日期%(d)s与公民身份号码中的%(i)s不一致")
                    % {"d": clean["birth_date"], "i": id_birth},
                )
            if not clean.get("birth_date"):
                clean["birth_date"] = id_birth
            if clean.get("sex") and clean["sex"] in {"1", "2"} and clean["sex"] != sex:
                bad(
                    "sex",
                    _("性别“%(s)s”与公民身份号码不一致(号码第17位表示%(i)s)")
                    % {"s": codes.label("sex", clean["sex"]), "i": codes.label("sex", sex)},
                )
            if id_taken(number):
                bad("id_number", _("公民身份号码已登记在其他党员名下"))

    birth, joined, converted = clean.get("birth_date"), clean.get("joined_on"), clean.get("converted_on")
    today = dt.date.today()
    if birth and birth > today:
        bad("birth_date", _("出生日期不能晚于今天"))
    if joined:
        if joined > today:
            bad("joined_on", _("入党日期不能晚于今天"))
        if birth:
            age_rule = engine.rule("FZ-01", on=joined)
            min_age = age_rule.params["min_age_years"]
            if joined < add_months(birth, 12 * min_age):
                bad("joined_on", _("入党时未满%(n)d周岁(%(rule)s)") % {"n": min_age, "rule": age_rule.cite})
    status = clean.get("status")
    if converted:
        if converted > today:
            bad("converted_on", _("转正日期不能晚于今天"))
        if joined and converted <= joined:
            bad("converted_on", _("转正日期应晚于入党日期"))
        elif joined:
            probation_message = _probation_too_short(joined, converted)
            if probation_message:
                bad("converted_on", probation_message)
        if status == _PROBATIONARY:
            bad("converted_on", _("预备党员不应有转正日期"))
    elif status == _FORMAL and joined:
        probation = engine.rule("FZ-18", on=joined)
        if add_months(joined, probation.params["probation_months"]) <= today:
            bad("converted_on", _("正式党员应填写转正日期"))
        else:
            bad("status", _("入党未满预备期,应为预备党员(%(rule)s)") % {"rule": probation.cite})
    return clean, errors


def _probation_too_short(joined: dt.date, converted: dt.date) -> str | None:
    """FZ-18: a regular conversion comes no earlier than the probation period after joining (a
    year: 2019-07-01 → 2020-07-01; joined on 29 February, the 28th of the next February)."""
    probation = engine.rule("FZ-18", on=joined)
    months = probation.params["probation_months"]
    earliest = add_months(joined, months)
    if converted >= earliest:
        return None
    return _("转正日期距入党日期不足%(n)d个月的预备期(%(rule)s),最早应为%(e)s") % {
        "n": months,
        "e": earliest,
        "rule": probation.cite,
    }


@functools.lru_cache(maxsize=65536)
def add_months(day: dt.date, months: int) -> dt.date:
    """`day + relativedelta(months=months)` (the 29th of February gives the 28th), without its cost:
    the importer checks a million rows (and their dates repeat: hence the cache)."""
    years, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _field_label(field: str) -> str:
    if field == "id_number":
        return _("公民身份号码")
    if field == "phone":
        return _("手机")
    return str(getattr(Member._meta.get_field(field), "verbose_name", field))


def _apply(member: Member, clean: dict[str, Any]) -> None:
    for key, value in clean.items():
        if key == "id_number":
            member.id_number_enc = crypto.encrypt(value)
            member.id_number_hash = crypto.blind_index(value)
            member.id_number_masked = crypto.mask_id_number(value)
        elif key == "phone":
            phone = "".join(str(value or "").split())
            member.phone_enc = crypto.encrypt(phone)
            member.phone_masked = crypto.mask_phone(phone)
        elif key in INPUT_FIELDS:
            setattr(member, key, value.strip() if isinstance(value, str) else value)


def _check_org(org: Org) -> None:
    if not org.is_active:
        raise ValidationError({"org": _("党组织“%(o)s”已撤销") % {"o": org.name}})
    if org.kind not in BRANCH_KINDS:
        raise ValidationError(
            {
                "org": _("党员应编入党支部、联合党支部或临时党支部,“%(o)s”是%(k)s")
                % {"o": org.name, "k": org.get_kind_display()}
            }
        )


def _check_group(group: PartyGroup | None, org: Org) -> None:
    if group is not None and group.org_id != org.pk:
        raise ValidationError({"party_group": _("党小组不属于该党支部")})


@transaction.atomic
def member_create(*, actor, org: Org, **fields) -> Member:
    require(actor, "member.edit", org.path)
    unknown = set(fields) - INPUT_FIELDS
    if unknown:
        raise ValidationError(_("未知的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    if actor is not None:
        _refuse_lifecycle_fields(fields, Member(standing=Member.Standing.NORMAL, is_mobile=False))
    _check_org(org)
    clean = validate_member(fields)
    _check_group(clean.get("party_group"), org)
    state = rollups.get_state(lock=True)
    member = Member(
        org=org,
        org_path=org.path,
        county_path=rollups.county_prefix(org.path, state.county_depth),
        province_code=org.province_code or settings.ZUGONG_PROVINCE_CODE,
    )
    _apply(member, clean)
    member.save()
    if counted(member.standing):
        adjust_totals(org.path, members=1)
    rollups.member_changed(None, Facts.of(member))
    MemberEvent.objects.create(
        member=member, kind=MemberEvent.Kind.REGISTERED, on=dt.date.today(), actor=_user(actor), to_org=org
    )
    audit.record(
        actor=actor,
        action="member.create",
        obj=member,
        org_path=org.path,
        after=audit.snapshot(member, AUDIT_FIELDS),
    )
    return member


def _refuse_lifecycle_fields(fields: dict[str, Any], member: Member) -> None:
    """党籍状态 and 流动党员 change only through their flows, which keep the dated events, the away and
    lost-contact records and the rule clocks (members/mobility.py, members/transfers.py); a person
    editing the record cannot set them (the system — seed, migrations — still may)."""
    errors: dict[str, str] = {}
    if (
        "standing" in fields
        and fields["standing"] not in (None, "")
        and fields["standing"] != member.standing
    ):
        errors["standing"] = _(
            "党籍状态的变动须在党员页面的“党籍处置”中办理(停止党籍、恢复党籍、出党、去世),"
            "转出本系统须办理组织关系转接"
        )
    if (
        "is_mobile" in fields
        and fields["is_mobile"] is not None
        and bool(fields["is_mobile"]) != member.is_mobile
    ):
        errors["is_mobile"] = _("流动党员须在党员页面的“登记外出流动”“返回”中办理")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def member_update(*, actor, member: Member, _flow: bool = False, **fields) -> Member:
    """Change a member's record. 党籍状态 and 流动党员 are refused to a person unless a flow that keeps
    its own history calls (`_flow=True`: recruitment's 取消预备党员资格)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    require(actor, "member.edit", member.org_path)
    unknown = set(fields) - INPUT_FIELDS
    if unknown:
        raise ValidationError(_("未知的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    if actor is not None and not _flow:
        _refuse_lifecycle_fields(fields, member)
    merged = {k: getattr(member, k) for k in INPUT_FIELDS - {"id_number", "phone"}}
    merged["id_number"] = crypto.decrypt(member.id_number_enc)
    if "id_number" in fields and "birth_date" not in fields:
        merged.pop("birth_date", None)  # follows the new number
    merged.update(fields)
    clean = validate_member(merged, instance=member)
    _check_group(clean.get("party_group"), member.org)
    before = audit.snapshot(member, AUDIT_FIELDS)
    was_counted = counted(member.standing)
    facts_before = Facts.of(member)
    _apply(member, {k: v for k, v in clean.items() if k in fields or k == "birth_date"})
    member.save()
    if counted(member.standing) != was_counted:
        adjust_totals(member.org_path, members=1 if counted(member.standing) else -1)
    rollups.member_changed(facts_before, Facts.of(member))
    b, a = audit.changes(before, audit.snapshot(member, AUDIT_FIELDS))
    if a:
        MemberEvent.objects.create(
            member=member,
            kind=MemberEvent.Kind.UPDATED,
            on=dt.date.today(),
            actor=_user(actor),
            note="、".join(_field_label(k) for k in a)[:300],
        )
        audit.record(
            actor=actor, action="member.update", obj=member, org_path=member.org_path, before=b, after=a
        )
    return member


@transaction.atomic
def member_change_org(
    *, actor, member: Member, to_org: Org, on: dt.date, note: str = "", _checked: bool = False
) -> Member:
    """Move a member to another branch inside the system (merges; transfers build on this)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not _checked:
        require(actor, "member.edit", member.org_path, to_org.path)
    _check_org(to_org)
    if member.org_id == to_org.pk:
        raise ValidationError({"org": _("党员已在该党支部")})
    from_org = member.org
    if counted(member.standing):
        adjust_totals(member.org_path, members=-1)
        adjust_totals(to_org.path, members=1)
    facts_before = Facts.of(member)
    state = rollups.get_state(lock=True)
    member.org = to_org
    member.org_path = to_org.path
    member.county_path = rollups.county_prefix(to_org.path, state.county_depth)
    member.party_group = None
    member.save(update_fields=["org", "org_path", "county_path", "party_group", "updated_at"])
    rollups.member_changed(facts_before, Facts.of(member))
    from zugong.members.mobility import follow_member  # 流动/失联/党籍变动 rows follow the member

    follow_member(member)
    CommunityReport.objects.filter(member=member, status="active").update(member_org_path=member.org_path)
    MemberEvent.objects.create(
        member=member,
        kind=MemberEvent.Kind.ORG_CHANGED,
        on=on,
        actor=_user(actor),
        from_org=from_org,
        to_org=to_org,
        note=note[:300],
    )
    audit.record(
        actor=actor,
        action="member.change_org",
        obj=member,
        org_path=to_org.path,
        before={"org": from_org.code},
        after={"org": to_org.code, "note": note},
    )
    return member


SENSITIVE = {
    "id_number": ("id_number_enc", "member.reveal_id_number"),
    "phone": ("phone_enc", "member.reveal_phone"),
}


@transaction.atomic
def member_reveal(*, actor, member: Member, field: str) -> str:
    """The clear value of 公民身份号码 or 手机; every call is an audit entry."""
    from zugong.core.scope import scope_for

    if field not in SENSITIVE:
        raise ValueError(field)
    scope = scope_for(actor)
    if scope.is_self_only and scope.member_id == member.pk:
        pass
    else:
        require(actor, "member.reveal", member.org_path)
    column, action = SENSITIVE[field]
    value = crypto.decrypt(getattr(member, column))
    audit.record(actor=actor, action=action, obj=member, org_path=member.org_path, after={"field": field})
    return value


def move_member_paths(old_prefix: str, new_prefix: str) -> int:
    """Members follow their orgs when a subtree moves: one UPDATE over the subtree's range (the
    county path with it: a constant when the subtree lies at or below the county level)."""
    cut = rollups.get_state(lock=True).county_depth * Org.steplen
    new_org_path = Concat(Value(new_prefix), Substr("org_path", len(old_prefix) + 1))
    county_path = Value(new_prefix[:cut]) if len(new_prefix) >= cut else Substr(new_org_path, 1, cut)
    return Member.objects.filter(subtree_q(old_prefix, "org_path")).update(
        org_path=new_org_path, county_path=county_path
    )


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def party_group_create(*, actor, org: Org, name: str, leader_name: str = "") -> PartyGroup:
    require(actor, "org.edit", org.path)
    if org.kind not in BRANCH_KINDS:
        raise ValidationError({"org": _("党小组只能设在党支部下")})
    if PartyGroup.objects.filter(org=org, name=name.strip()).exists():
        raise ValidationError({"name": _("该党支部已有同名党小组")})
    group = PartyGroup.objects.create(org=org, name=name.strip(), leader_name=leader_name.strip())
    audit.record(
        actor=actor,
        action="party_group.create",
        obj=group,
        org_path=org.path,
        after={"name": group.name, "leader_name": group.leader_name},
    )
    return group
