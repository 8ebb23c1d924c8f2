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
