"""Demo 流动党员, 失联党员 and 党籍变动 for `zugong seed`: in the demo secretary's branch and two
branches near it, mobile members at every point of the GX-07/GX-02 clocks (reported this year,
due by the year's end, last year's report missing, just left, back home) and lost members at every
point of the GX-06 clocks (running, 停止党籍 due, 除名 due, abroad past five years), one member
stopped and later restored. Written through the services (so the rows, totals and rollups are what
the pages would have produced) and deterministic for a seed and date; like the recruitment seed,
the services' audit entries are taken back out (the seed is one audited action)."""

from __future__ import annotations

import datetime as dt
import random

from zugong.members import mobility as services
from zugong.members.models import Member
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.rules import engine

PLACES = [
    ("北京市朝阳区", "110000"),
    ("上海市浦东新区", "310000"),
    ("太原市小店区", "140100"),
    ("天津市滨海新区", "120000"),
    ("苏州市工业园区", ""),
    ("深圳市南山区", ""),
]
METHODS = ["电话联系", "走访家属", "函询原工作单位", "请流入地党组织协查", "微信联系"]


def _branches() -> list[Org]:
    from zugong.core.paths import subtree_q
    from zugong.demo.accounts import NoDemoTree, _places

    active = Org.objects.filter(kind__in=BRANCH_KINDS, is_active=True, depth__gte=3, for_mobile_members=False)
    try:
        _county, township, branch, _secretary, _member = _places()
    except NoDemoTree:
        return list(active.order_by("path")[:3])
    nearby = list(active.filter(subtree_q(township.path)).exclude(pk=branch.pk).order_by("path")[:2])
    return [branch, *nearby]


def seed_mobility(*, as_of: dt.date, seed: int = 2026) -> dict[str, int]:
    from zugong.core.models import AuditEntry, AuditHead

    head = AuditHead.objects.select_for_update().filter(id=1).first()
    saved = (head.last_hash, head.count) if head else None
    last_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        return _seed(as_of=min(as_of, dt.date.today()), seed=seed)
    finally:
        AuditEntry.objects.filter(id__gt=last_id).delete()
        if saved is None:
            AuditHead.objects.filter(id=1).delete()
        else:
            AuditHead.objects.filter(id=1).update(last_hash=saved[0], count=saved[1])


def _seed(*, as_of: dt.date, seed: int) -> dict[str, int]:
    from zugong.demo.accounts import NoDemoTree, _places

    rng = random.Random(seed * 11 + 3)
    counts = {"mobile": 0, "lost": 0, "stopped": 0, "restored": 0}
    try:
        keep = {m.pk for m in _places()[3:] if m is not None}  # the demo secretary and member accounts
    except NoDemoTree:
        keep = set()
    rules = engine.rule("GX-06", on=as_of)
    lost_months = int(rules.params["lost_contact_months"])
    removal_years = int(rules.params["suspended_removal_years"])
    abroad_years = int(rules.params["abroad_suspend_years"])
    earliest = engine.add_months(as_of, -12 * (abroad_years + 2))
    months = engine.add_months
    for n, branch in enumerate(_branches()):
        pool = list(
            Member.objects.filter(
                org=branch,
                standing=Member.Standing.NORMAL,
                status=Member.Status.FORMAL,
                joined_on__lte=earliest,
            )
            .exclude(pk__in=keep)
            .order_by("-is_mobile", "id")[:14]
        )
        if len(pool) < 7:
            continue
        people = iter(pool)

        def away(left: dt.date, *, reports=(), back: dt.date | None = None, people=people) -> None:
            member = next(people)
            place, region = rng.choice(PLACES)
            mobility = services.mobility_start(
                actor=None,
                member=member,
                left_on=left,
                destination=place,
                region=region,
                reason=rng.choice(["work", "work", "work", "study", "other"]),
                reason_note=rng.choice(["务工", "经商", "随子女居住", "进修学习", ""]),
                phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                certificate_no=f"流{as_of.year}{rng.randint(1000, 9999)}",
                host_name=f"{place[:3]}流动党员党支部" if rng.random() < 0.6 else "",
            )
            for day in reports:
                services.mobility_report(
                    actor=None,
                    mobility=mobility,
                    on=day,
                    channel=rng.choice(["phone", "online", "written", "in_person"]),
                    summary=rng.choice(
                        ["电话汇报思想和工作情况", "通过微信提交书面汇报", "回乡期间当面汇报"]
                    ),
                )
            if back is not None:
                services.mobility_return(actor=None, mobility=mobility, on=back, note="返乡")
            counts["mobile"] += 1

        year_start = dt.date(as_of.year, 1, 1)
        last_year = dt.date(as_of.year - 1, 10, 15)
        # reported last year and this year: only the GX-02 transfer suggestion remains
        away(months(as_of, -26 - n), reports=[last_year, min(as_of, year_start + dt.timedelta(days=60))])
        # reported last year, not yet this year: due by 31 December
        away(months(as_of, -18), reports=[last_year])
        # nothing reported last year: overdue
        away(months(as_of, -34 + n))
        # just left: the report before leaving covers this year
        away(months(as_of, -2))
        # back home
        away(months(as_of, -14), back=months(as_of, -2))

        def lost(since: dt.date, *, efforts: int, abroad: bool = False, people=people, n=n):
            record = services.lost_contact_open(
                actor=None,
                member=next(people),
                since=since,
                abroad=abroad,
                note="出国(境)攻读博士学位"
                if abroad
                else rng.choice(["外出务工后失去联系", "手机停机,住址变更"]),
            )
            for k in range(efforts):
                services.lost_contact_note(
                    actor=None,
                    lost=record,
                    on=since + dt.timedelta(days=30 * (k + 1)),
                    method=METHODS[(k + n) % len(METHODS)],
                    note=rng.choice(["未能取得联系", "家属称不知去向", "电话停机", "原单位已离职"]),
                )
            counts["lost"] += 1
            return record

        # the GX-06 clock running (a month to go), and due
        lost(months(as_of, -(lost_months - 1)), efforts=2)
        lost(months(as_of, -(lost_months + 2)), efforts=3)
        if len(pool) >= 10:
            # stopped for the rule's years and still lost: 除名 due
            stopped_on = months(as_of, -12 * removal_years) - dt.timedelta(days=10)
            record = lost(months(stopped_on, -(lost_months + 1)), efforts=3)
            services.member_suspend(
                actor=None,
                member=record.member,
                on=stopped_on,
                reason="失去联系满6个月,经多方查找仍未取得联系",
                decided_by=f"{branch.name}支部大会",
                decision_ref=f"{branch.short_name or branch.name}〔{stopped_on.year}〕{n + 1}号",
            )
            counts["stopped"] += 1
            # abroad to study beyond the rule's years
            lost(months(as_of, -(12 * abroad_years + 1)), efforts=0, abroad=True)
            # stopped, found, restored
            record = lost(months(as_of, -(lost_months + 10)), efforts=2)
            stop_day = months(as_of, -8)
            services.member_suspend(
                actor=None, member=record.member, on=stop_day, reason="失联满6个月查找无果"
            )
            services.lost_contact_found(
                actor=None, lost=record, on=months(as_of, -3), note="本人返乡,主动与党支部联系"
            )
            services.member_restore(
                actor=None,
                member=record.member,
                on=months(as_of, -1),
                reason="已取得联系,本人申请恢复党籍,表现良好",
                decided_by="镇党委",
                decision_ref=f"组字〔{as_of.year}〕{20 + n}号",
            )
            counts["restored"] += 1
    return counts
