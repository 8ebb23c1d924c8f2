"""Demo 发展党员 files for `zugong seed`: a few dozen applicants in the first branches of the tree at
every stage, most on time, some with what the checks should find (a late talk, a candidate before a
year, a vote that failed under the 应到 rule, deadlines passed). Written through the services, so
the files are exactly what the pages would have produced; deterministic for a seed and date."""

from __future__ import annotations

import datetime as dt
import random

from zugong.core import idnumber
from zugong.members.models import Member
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.recruitment import services
from zugong.recruitment.models import Applicant

# The steps of a file kept on time, as days after the application (2024-03-01 in tests/recruitment).
TIMELINE: list[tuple[str, int]] = [
    ("talk", 19), ("activist", 70), ("activist_filing", 80), ("contacts", 80), ("assessment", 245),
    ("assessment", 425), ("candidate", 437), ("candidate_filing", 445), ("introducers", 445),
    ("political_review", 466), ("training", 476), ("branch_review", 487), ("pre_review", 494),
    ("application_form", 496), ("assembly", 506), ("committee_talk", 518), ("approval", 532),
    ("approval_filing", 537), ("group_assignment", 537), ("oath", 549), ("probation_assessment", 680),
    ("conversion_application", 852), ("conversion_vote", 873), ("conversion_approval", 893), ("archive", 903),
]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["晓梅", "志强", "海燕", "建军", "丽娟", "文博", "雨婷", "浩然", "思雨", "俊杰", "佳怡", "子涵",
         "宇航",
         "欣怡", "明轩", "诗涵", "嘉伟", "梦瑶", "泽宇", "静怡"]  # fmt: skip
UNITS = ["村民委员会", "村股份经济合作社", "镇卫生院", "镇中心学校", "农业专业合作社"]
VOTE = {"expected": 11, "present": 10, "yes": 10, "no": 0, "abstain": 0}


def _fields(step: str, on: dt.date, people: list[dict], serial: str) -> dict:
    return {
        "activist": {"method": "both"},
        "contacts": {"people": people},
        "introducers": {"people": people},
        "political_review": {"outcome": "passed"},
        "training": {"training_days": 3, "training_hours": 24},
        "pre_review": {"outcome": "passed"},
        "application_form": {"serial": serial},
        "assembly": dict(VOTE),
        "approval": {"outcome": "approved"},
        "conversion_vote": {**VOTE, "decision": "convert"},
        "conversion_approval": {"outcome": "approved"},
        "candidate": {
            "publicity_from": on - dt.timedelta(days=12),
            "publicity_to": on - dt.timedelta(days=3),
        },
    }.get(step, {})


def _branches() -> list[Org]:
    """The demo secretary's branch (several files, so the secretary sees a working list), other
    branches of the demo township, and some across the county."""
    from zugong.core.paths import subtree_q
    from zugong.demo.accounts import NoDemoTree, _places

    active = Org.objects.filter(kind__in=BRANCH_KINDS, is_active=True, depth__gte=3).order_by("path")
    try:
        _county, township, branch, _secretary, _member = _places()
    except NoDemoTree:
        return list(active[:14])
    nearby = list(active.filter(subtree_q(township.path)).exclude(pk=branch.pk)[:7])
    elsewhere = list(active.exclude(subtree_q(township.path))[::97][:6]) if active.exists() else []
    return [branch, *nearby[:3], branch, *nearby[3:], branch, *elsewhere]


def seed_recruitment(*, as_of: dt.date, seed: int = 2026, count: int = 36) -> int:
    """Returns how many members the files admitted (the seed's member counts include them).

    The services audit every step; a seed is one audited action (its own entry, written after), so
    the entries of the demo files are taken back out and the chain's head restored."""
    from zugong.core.models import AuditEntry, AuditHead

    head = AuditHead.objects.select_for_update().filter(id=1).first()
    saved = (head.last_hash, head.count) if head else None
    last_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        return _seed(as_of=as_of, seed=seed, count=count)
    finally:
        AuditEntry.objects.filter(id__gt=last_id).delete()
        if saved is None:
            AuditHead.objects.filter(id=1).delete()
        else:
            AuditHead.objects.filter(id=1).update(last_hash=saved[0], count=saved[1])


def _seed(*, as_of: dt.date, seed: int, count: int) -> int:
    rng = random.Random(seed * 7 + 1)
    branches = _branches()
    made = 0
    for i in range(count):
        if not branches:
            break
        branch = branches[i % len(branches)]
        formal = list(
            Member.objects.filter(
                org=branch, status=Member.Status.FORMAL, standing=Member.Standing.NORMAL
            ).order_by("id")[:2]
        )
        people = [{"member": m.pk, "name": m.name, "formal": True} for m in formal]
        done = (i * 7) % (len(TIMELINE) + 1)  # how far this file has come: spread over every stage
        variant = ["", "", "", "late_talk", "", "early_candidate", "", "failed_vote", "", ""][i % 10]
        timeline = list(TIMELINE)
        if variant == "late_talk":
            timeline[0] = ("talk", 41)
        if variant == "early_candidate" and done > 6:
            timeline = [(s, d - 90 if 5 <= k else d) for k, (s, d) in enumerate(timeline)]
        steps_done = [step for step, _days in timeline[:done]]
        if "conversion_vote" in steps_done and "conversion_approval" not in steps_done:
            done += 1  # a vote awaiting approval would leave a 预备党员 past probation in the registry
            steps_done.append("conversion_approval")
        last = timeline[done - 1][1] if done else 0
        applied = as_of - dt.timedelta(days=last + rng.randint(3, 50))
        if "approval" in steps_done and "conversion_approval" not in steps_done:
            # still within probation on the seed's date, as the member registry's seed expects
            assembly = dict(timeline)["assembly"] + (5 if variant == "failed_vote" else 0)
            applied = max(applied, as_of - dt.timedelta(days=assembly + 360))
        sex = rng.choice("12")
        birth = applied - dt.timedelta(days=365 * rng.randint(19, 34) + rng.randint(0, 364))
        number = ""
        for _attempt in range(20):
            number = idnumber.make(branch.region_code or "140525", birth, rng.randint(0, 99), sex)
            if not services.id_number_taken(number):
                break
        applicant = services.applicant_create(
            actor=None,
            org=branch,
            applied_on=applied,
            done_by="党支部",
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            sex=sex,
            ethnicity="01",
            id_number=number,
            education=rng.choice(["21", "31", "41", "61"]),
            work_unit=branch.name.replace("党支部", "").replace("党总支", "") + rng.choice(UNITS),
            phone=f"139{rng.randint(10000000, 99999999)}",
        )
        serial = f"{branch.region_code or '140525'}{applied.year}{i:04d}"
        for step, days in timeline[:done]:
            on = applied + dt.timedelta(days=days)
            if on > as_of:
                break
            if not people and step in ("contacts", "introducers"):
                continue
            if variant == "failed_vote" and step == "assembly":
                # 5 of 7 present is a majority of those present, not of the 11 entitled: it fails
                services.step_record(
                    actor=None,
                    applicant=applicant,
                    step=step,
                    done_on=on,
                    done_by="支部书记",
                    expected=11,
                    present=7,
                    yes=5,
                    no=2,
                )
                on += dt.timedelta(days=5)
                if on > as_of:
                    break
            services.step_record(
                actor=None,
                applicant=applicant,
                step=step,
                done_on=on,
                done_by="支部书记",
                **_fields(step, on, people, serial),
            )
        services.refresh(Applicant.objects.get(pk=applicant.pk), as_of=as_of)
        made += 1
    county = Org.objects.filter(depth=1).order_by("path").first()
    if county is not None and made:
        services.plan_save(actor=None, org=county, year=as_of.year, quota=150, note="县委下达")
        for k, org in enumerate(
            Org.objects.filter(depth=2, is_active=True).exclude(kind__in=BRANCH_KINDS).order_by("path")[:6]
        ):
            services.plan_save(actor=None, org=org, year=as_of.year, quota=6 + k % 4, note="")
    return Applicant.objects.filter(member__isnull=False).count()
