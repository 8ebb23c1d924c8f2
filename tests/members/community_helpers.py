"""Building blocks of the 双报到 tests: a community org (an org whose host unit is a 城市社区)."""

from __future__ import annotations

import datetime as dt

from zugong.members import community
from zugong.orgs import services as org_services

from ..factories import make_org, make_unit

D = dt.date
JAN_10 = D(2026, 1, 10)
MAR_5 = D(2026, 3, 5)


def make_community(parent, *, code: str, name: str):
    org = make_org(parent, code=code, name=name)
    unit = make_unit(parent, kind="community", name=name.replace("党支部", "居民委员会"))
    org_services.org_set_units(actor=None, org=org, units=[unit], primary=unit)
    return org


def report(member, org, *, on=JAN_10, residence="幸福小区3号楼2单元"):
    return community.report_register(
        actor=None, member=member, community=org, reported_on=on, residence=residence
    )


def activity(org, *, title="清理楼道杂物", on=MAR_5, kind="environment", **extra):
    return community.activity_create(
        actor=None, community=org, title=title, kind=kind, started_on=on, **extra
    )


def hours(act, *pairs, on=None, confirm=True):
    return community.volunteer_record_add(
        actor=None,
        activity=act,
        entries=[community.HoursEntry(m, str(h)) for m, h in pairs],
        served_on=on,
        confirm=confirm,
    )
