"""Demo 双报到 and 志愿服务 for `zugong seed`: in the first county, about a third of the in-service
members (CX-03 categories, not of village or community branches) report to one of the county's
communities; each community runs volunteer activities over the last year with hours for some of
its reporting members; reports active last year carry last year's evaluation, and some of this
year's are done. Deterministic for a seed and date.

Rows are written with bulk_create (what the services would write, without an audit entry per row),
for at most `MAX_MEMBERS` in-service members of one county, so a province seed stays small.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from zugong.core.paths import subtree_q
from zugong.members import community
from zugong.members.community_selectors import in_service
from zugong.members.models import (
    CommunityEvaluation,
    CommunityReport,
    Member,
    VolunteerActivity,
    VolunteerRecord,
)
from zugong.orgs.models import Org, OrgUnit
from zugong.stats.models import RollupState

MAX_MEMBERS = 20_000
REPORT_SHARE = 0.35
ACTIVITIES = {
    VolunteerActivity.Kind.GOVERNANCE: ("楼栋议事会", "小区停车秩序协商", "物业服务满意度走访"),
    VolunteerActivity.Kind.ENVIRONMENT: ("清理楼道杂物", "垃圾分类宣传值守", "小区绿地认领养护"),
    VolunteerActivity.Kind.CIVILITY: ("新时代文明实践宣讲", "文明交通劝导", "社区读书会"),
    VolunteerActivity.Kind.CARE: ("助老送餐", "独居老人探访", "残疾人家庭结对帮扶"),
    VolunteerActivity.Kind.EMERGENCY: ("防汛值守", "消防安全排查"),
    VolunteerActivity.Kind.SAFETY: ("夜间平安巡逻", "反诈宣传进楼院"),
}
PLACES = ("社区党群服务中心", "小区广场", "社区文化活动室", "各楼栋", "社区新时代文明实践站")
GRADES = (("excellent", 18), ("qualified", 74), ("basic", 7), ("unqualified", 1))


def _county() -> Org | None:
    ids = OrgUnit.objects.filter(unit__kind__in=community.COMMUNITY_UNIT_KINDS).values("org_id")
    first = Org.objects.filter(pk__in=ids, is_active=True).order_by("path").first()
    if first is None:
        return None
    depth = RollupState.objects.filter(pk=1).values_list("county_depth", flat=True).first() or 1
    return Org.objects.get(path=first.path[: depth * Org.steplen])


def _grade(rng: random.Random) -> str:
    return rng.choices([g for g, _w in GRADES], weights=[w for _g, w in GRADES])[0]


def seed_community(*, as_of: dt.date, seed: int) -> dict[str, int]:
    county = _county()
    if county is None:
        return {}
    rng = random.Random(f"community-{seed}-{as_of.isoformat()}")
    ids = OrgUnit.objects.filter(unit__kind__in=community.COMMUNITY_UNIT_KINDS).values("org_id")
    communities = list(
        Org.objects.filter(subtree_q(county.path), pk__in=ids, is_active=True).order_by("path")
    )
    staff = list(
        in_service(Member.objects.filter(subtree_q(county.path, "org_path")), org=county, on=as_of)
        .exclude(is_mobile=True)
        .order_by("org_path", "id")
        .only("id", "org_path", "joined_on", "address")[:MAX_MEMBERS]
    )
    # What residents call the place: the community unit's name (幸福社区), not its Party org's.
    places = {
        link.org_id: link.unit.village or link.unit.name
        for link in OrgUnit.objects.filter(org__in=communities, unit__kind__in=community.COMMUNITY_UNIT_KINDS)
        .select_related("unit")
        .order_by("org_id", "unit_id")
    }
    reports: list[CommunityReport] = []
    for m in staff:
        if rng.random() >= REPORT_SHARE:
            continue
        com = rng.choice(communities)
        earliest = max(m.joined_on, as_of - dt.timedelta(days=3 * 365))
        span = (as_of - earliest).days
        if span < 1:
            continue
        on = earliest + dt.timedelta(days=rng.randrange(span))
        place = places.get(com.pk, com.name)
        reports.append(
            CommunityReport(
                member_id=m.pk,
                community=com,
                community_path=com.path,
                member_org_path=m.org_path,
                reported_on=on,
                residence=(
                    f"{place}{rng.randint(1, 24)}号楼{rng.randint(1, 4)}单元"
                    f"{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
                ),
            )
        )
    # A few ended reports (moved house), each before the member's current one would start.
    for r in reports[::17]:
        if (as_of - r.reported_on).days > 120:
            r.status = CommunityReport.Status.ENDED
            r.ended_on = r.reported_on + dt.timedelta(days=rng.randrange(60, (as_of - r.reported_on).days))
            r.end_reason = rng.choice(("迁居", "工作调动", "组织关系转出"))
    CommunityReport.objects.bulk_create(reports, batch_size=2000)
    by_community: dict[int, list[CommunityReport]] = {}
    for r in reports:
        by_community.setdefault(r.community_id, []).append(r)

    activities: list[VolunteerActivity] = []
    year_ago = as_of - dt.timedelta(days=365)
    for com in communities:
        used: set[tuple[str, dt.date]] = set()
        for _i in range(rng.randint(6, 14)):
            kind = rng.choice(list(ACTIVITIES))
            title = rng.choice(ACTIVITIES[kind])
            day = year_ago + dt.timedelta(days=rng.randrange(1, 365))
            if (title, day) in used:
                continue
            used.add((title, day))
            activities.append(
                VolunteerActivity(
                    community=com,
                    community_path=com.path,
                    title=title,
                    kind=kind,
                    started_on=day,
                    place=rng.choice(PLACES),
                    organizer=f"{places.get(com.pk, com.name)}党组织",
                    description="",
                )
            )
    VolunteerActivity.objects.bulk_create(activities, batch_size=2000)

    records: list[VolunteerRecord] = []
    for act in activities:
        active = [
            r
            for r in by_community.get(act.community_id, [])
            if r.reported_on <= act.started_on and (r.ended_on is None or r.ended_on >= act.started_on)
        ]
        if not active:
            continue
        for r in rng.sample(active, k=max(1, int(len(active) * rng.uniform(0.15, 0.5)))):
            records.append(
                VolunteerRecord(
                    activity=act,
                    member_id=r.member_id,
                    served_on=act.started_on,
                    hours=Decimal(rng.choice((1, 1.5, 2, 2, 2.5, 3, 4))).quantize(Decimal("0.1")),
                    community_path=act.community_path,
                    member_org_path=r.member_org_path,
                    confirmed_on=min(as_of, act.started_on + dt.timedelta(days=rng.randint(0, 5))),
                )
            )
    VolunteerRecord.objects.bulk_create(records, batch_size=5000)

    evaluations: list[CommunityEvaluation] = []
    for r in reports:
        for year in (as_of.year - 1, as_of.year):
            period = community.evaluation_period(on=dt.date(year, 12, 1), org=r.community_path)
            if year == as_of.year:
                period = community.evaluation_period(on=as_of, org=r.community_path)
                if rng.random() > 0.4:
                    continue
            day = min(as_of, period.end - dt.timedelta(days=rng.randint(5, 25)))
            if (
                day < period.start
                or r.reported_on > day
                or (r.ended_on is not None and r.ended_on < period.start)
            ):
                continue
            version = community.rule(on=day, org=r.community_path)
            evaluations.append(
                CommunityEvaluation(
                    report=r,
                    member_id=r.member_id,
                    community_id=r.community_id,
                    community_path=r.community_path,
                    member_org_path=r.member_org_path,
                    year=period.start.year,
                    period_key=period.key,
                    period_label=period.label,
                    grade=_grade(rng),
                    evaluated_on=day,
                    rule_id=version.rule_id,
                    rule_version=version.version,
                )
            )
    CommunityEvaluation.objects.bulk_create(evaluations, batch_size=2000)
    return {
        "reports": len(reports),
        "activities": len(activities),
        "records": len(records),
        "evaluations": len(evaluations),
    }
