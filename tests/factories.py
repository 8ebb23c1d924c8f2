"""Test data built through the services, so every object is as valid as production data."""

from __future__ import annotations

import datetime as dt
import itertools

from zugong.accounts.models import User
from zugong.core import idnumber
from zugong.members import services as member_services
from zugong.members.models import Member
from zugong.orgs import services as org_services
from zugong.orgs.models import Org, OrgKind, Unit

_seq = itertools.count(1)


def make_org(
    parent: Org | None = None,
    *,
    kind: str = OrgKind.BRANCH,
    code: str | None = None,
    name: str | None = None,
    **extra,
) -> Org:
    n = next(_seq)
    return org_services.org_create(
        actor=None,
        parent=parent,
        code=code or f"T{n:05d}",
        name=name or f"测试党组织{n}",
        kind=kind,
        region_code=extra.pop("region_code", "140525"),
        **extra,
    )


def make_unit(managing_org: Org, *, kind: str = "private", **extra) -> Unit:
    n = next(_seq)
    return org_services.unit_create(
        actor=None,
        managing_org=managing_org,
        code=extra.pop("code", f"U{n:05d}"),
        name=extra.pop("name", f"测试单位{n}"),
        kind=kind,
        region_code=extra.pop("region_code", "140525"),
        **extra,
    )


def id_number_for(birth: dt.date, sex: str = "1", seq: int | None = None) -> str:
    """A valid, unique number: the sequence also varies the region part, so any number of members
    may share a birth date."""
    n = next(_seq) if seq is None else seq
    region = "140525" if n < 100 else f"14{n // 100 % 10000:04d}"
    return idnumber.make(region, birth, n % 100, sex)


def member_fields(**overrides) -> dict:
    birth = overrides.pop("birth_date", dt.date(1985, 3, 14))
    sex = overrides.pop("sex", "1")
    values = {
        "name": f"党员{next(_seq)}",
        "sex": sex,
        "ethnicity": "01",
        "id_number": id_number_for(birth, sex),
        "birth_date": birth,
        "education": "21",
        "category": "50",
        "joined_on": dt.date(2010, 7, 1),
        "converted_on": dt.date(2011, 7, 1),
        "status": Member.Status.FORMAL,
        "phone": "13912345678",
    }
    values.update(overrides)
    return values


def make_member(org: Org, **overrides) -> Member:
    return member_services.member_create(actor=None, org=org, **member_fields(**overrides))


def make_user(
    role: str,
    org: Org | None,
    *,
    member: Member | None = None,
    username: str | None = None,
    password: str = "Zugong-test-2026",
    superuser: bool = False,
) -> User:
    user = User(
        username=username or f"u{next(_seq)}",
        role=role,
        org=org,
        member=member,
        is_superuser=superuser,
        is_staff=superuser,
    )
    user.set_password(password)
    user.save()
    return user


def make_meeting(org: Org, kinds=("theme_day",), *, held_on: dt.date | None = None, members=None, **values):
    """A meeting through the service: with `members` attendance is taken (all present), otherwise the
    counts are typed in as for a back-filled paper record."""
    from zugong.orglife import services as orglife_services

    values.setdefault("topic", "学习党章")
    held_on = held_on or dt.date(2026, 1, 15)
    attendance = None
    if members is not None:
        attendance = [orglife_services.AttendanceRow(member=m, status="present") for m in members]
    else:
        values.setdefault("expected", 10)
        values.setdefault("present", 9)
        if any(k in ("branch_assembly", "branch_committee", "village_review") for k in kinds):
            values.setdefault("voting_expected", values["expected"])
            values.setdefault("voting_present", values["present"])
    return orglife_services.meeting_create(
        actor=None, org=org, kinds=list(kinds), held_on=held_on, attendance=attendance, **values
    )


def make_dues_base(member: Member, category: str = "in_service", base=None, *, month=None, **extra):
    """A member's dues base through the service (the month defaults to the member's first)."""
    from decimal import Decimal

    from zugong.dues import services as dues_services

    month = month or member.joined_on.replace(day=1)
    if base is not None:
        base = Decimal(str(base))
    return dues_services.dues_base_set(
        actor=None, member=member, category=category, base=base, effective_from=month, **extra
    )


def make_payment(member: Member, first, last=None, *, paid_on=None, **extra):
    from zugong.dues import services as dues_services

    return dues_services.dues_payment_record(
        actor=None,
        member=member,
        first_month=first,
        last_month=last or first,
        paid_on=paid_on or (last or first),
        method=extra.pop("method", "in_person"),
        **extra,
    )


def applicant_fields(**overrides) -> dict:
    birth = overrides.pop("birth_date", dt.date(2000, 5, 4))
    sex = overrides.pop("sex", "2")
    values = {
        "name": f"申请人{next(_seq)}",
        "sex": sex,
        "ethnicity": "01",
        "id_number": id_number_for(birth, sex),
        "education": "21",
        "category": "50",
        "work_unit": "甲村村民委员会",
        "phone": "13812345678",
    }
    values.update(overrides)
    return values


def make_applicant(org: Org, *, applied_on: dt.date = dt.date(2024, 3, 1), actor=None, **overrides):
    """An applicant's file opened through the service (step 1 recorded on `applied_on`)."""
    from zugong.recruitment import services as recruitment_services

    return recruitment_services.applicant_create(
        actor=actor, org=org, applied_on=applied_on, **applicant_fields(**overrides)
    )


def make_transfer(
    member: Member, to: Org | None = None, *, issued_on: dt.date | None = None, actor=None, **extra
):
    """A 组织关系介绍信 through the service: within the system to `to`, or out of it when `to` is None
    (to_name / to_province default to a place in another province)."""
    from zugong.members import transfers

    if to is not None:
        return transfers.transfer_start(
            actor=actor, member=member, kind="within", to_org=to, issued_on=issued_on, **extra
        )
    extra.setdefault("to_name", "中共北京市某区某街道工作委员会")
    extra.setdefault("to_province", "11")
    return transfers.transfer_start(actor=actor, member=member, kind="out", issued_on=issued_on, **extra)
