"""Demo 组织关系转接 for `zugong seed`: a handful of letters around the demo secretary's branch in
every state — in transit both ways, overdue (GX-03), returned and waiting for the sender (GX-02),
received, out of the system with its 回执, cancelled, reissued after expiry, and one member in from
an org outside the system. Written through the services (then the services' audit entries are
taken back out, as demo/recruitment.py does: the seed is one audited action); deterministic for a
seed and date."""

from __future__ import annotations

import datetime as dt
import random

from zugong.core import idnumber
from zugong.core.paths import subtree_q
from zugong.members import transfers
from zugong.members.models import Member
from zugong.orgs.models import BRANCH_KINDS, CommitteeSeat, Org
from zugong.rules import engine

OUTSIDE = [
    ("中共北京市海淀区中关村街道工作委员会", "11"),
    ("中共太原市小店区坞城街道某社区委员会", "14"),
    ("中共郑州市金水区某街道工作委员会", "41"),
]


def seed_transfers(*, as_of: dt.date, seed: int = 2026) -> tuple[int, int]:
    """Returns (members added from outside, members who left the registry by receipt)."""
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


def _movable(branch: Org, n: int, as_of: dt.date) -> list[Member]:
    """Members of the branch who hold no committee seat and are not among its first formal members
    (the demo 党员 account's), latest registered first, in the Party for over a year (the letters
    are dated up to a year back)."""
    seated = CommitteeSeat.objects.filter(org=branch, member__isnull=False).values("member_id")
    first = (
        Member.objects.filter(org=branch, standing=Member.Standing.NORMAL, status=Member.Status.FORMAL)
        .order_by("id")
        .values_list("id", flat=True)[:3]
    )
    qs = (
        Member.objects.filter(
            org=branch, standing=Member.Standing.NORMAL, joined_on__lt=as_of - dt.timedelta(days=366)
        )
        .exclude(id__in=seated)
        .exclude(id__in=list(first))
        .order_by("-id")
    )
    return list(qs[:n])


def _seed(*, as_of: dt.date, seed: int) -> tuple[int, int]:
    from zugong.demo.accounts import NoDemoTree, _places

    rng = random.Random(seed * 11 + 3)
    try:
        _county, township, home, _secretary, _member = _places()
    except NoDemoTree:
        return 0, 0
    branches = Org.objects.filter(kind__in=BRANCH_KINDS, is_active=True).exclude(pk=home.pk).order_by("path")
    nearby = list(branches.filter(subtree_q(township.path))[:3])
    elsewhere = list(branches.exclude(subtree_q(township.path))[:40:13])
    if len(nearby) < 2 or not elsewhere:
        return 0, 0
    far = elsewhere[0]
    mine = _movable(home, 6, as_of)
    theirs = _movable(nearby[0], 1, as_of)
    if len(mine) < 6 or not theirs:
        return 0, 0
    months = engine.rule("GX-03", on=as_of).params["max_letter_months"]

    def ago(days: int) -> dt.date:
        return as_of - dt.timedelta(days=days)

    # out of the home branch, in transit within the system
    transfers.transfer_start(
        actor=None, member=mine[0], kind="within", to_org=far, issued_on=ago(12), reason="工作调动"
    )
    # overdue: no receipt after the letter's validity
    transfers.transfer_start(
        actor=None,
        member=mine[1],
        kind="out",
        to_name=OUTSIDE[1][0],
        to_province=OUTSIDE[1][1],
        issued_on=engine.add_months(ago(9), -months),
        reason="到外地务工",
    )
    # returned by the receiving branch, waiting for the sender
    returned = transfers.transfer_start(
        actor=None, member=mine[2], kind="within", to_org=nearby[1], issued_on=ago(30), reason="居住地变动"
    )
    transfers.transfer_return(
        actor=None, transfer=returned, reason="该党员不在本村居住,请核实去向", on=ago(24)
    )
    # out of the system, 回执 received: the member left the registry
    out = transfers.transfer_start(
        actor=None,
        member=mine[3],
        kind="out",
        to_name=OUTSIDE[0][0],
        to_province=OUTSIDE[0][1],
        issued_on=ago(70),
        reason="考入外省单位",
    )
    transfers.transfer_record_receipt(
        actor=None, transfer=out, on=ago(41), receipt_number=f"海中组回〔{ago(41).year}〕8号"
    )
    # cancelled by the sender
    cancelled = transfers.transfer_start(
        actor=None, member=mine[4], kind="within", to_org=nearby[0], issued_on=ago(50)
    )
    transfers.transfer_cancel(actor=None, transfer=cancelled, reason="党员工作变动未成")
    # expired, then reissued under a new number
    stale = transfers.transfer_start(
        actor=None,
        member=mine[5],
        kind="within",
        to_org=nearby[1],
        issued_on=engine.add_months(ago(6), -months),
    )
    transfers.transfer_reissue(actor=None, transfer=stale, issued_on=ago(4))
    # into the home branch: one in transit, one received
    transfers.transfer_start(
        actor=None, member=theirs[0], kind="within", to_org=home, issued_on=ago(6), reason="返乡创业"
    )
    # received: a member who came from outside the system into another branch, then moved here
    # (the seeded meetings of that branch predate them, so its history stays as it was)
    settled = _outsider(rng, far, OUTSIDE[2], "郑金组转〔%s〕7号", issued=ago(90), received=ago(84))
    received = transfers.transfer_start(
        actor=None, member=settled, kind="within", to_org=home, issued_on=ago(35), reason="婚后随迁"
    )
    transfers.transfer_receive(actor=None, transfer=received, on=ago(28))
    # in from an org outside the system
    _outsider(rng, home, OUTSIDE[2], "金组转〔%s〕23号", issued=ago(16), received=ago(9))
    return 2, 1


def _outsider(
    rng: random.Random, org: Org, source: tuple[str, str], letter: str, *, issued, received
) -> Member:
    sex = rng.choice("12")
    birth = dt.date(1988 + rng.randint(0, 8), rng.randint(1, 12), rng.randint(1, 28))
    number = ""
    for _attempt in range(30):
        number = idnumber.make(org.region_code or "140525", birth, rng.randint(0, 99), sex)
        if not Member.objects.filter(id_number_hash=_hash(number)).exists():
            break
    transfer = transfers.transfer_in_from_outside(
        actor=None,
        to_org=org,
        from_name=source[0],
        from_province=source[1],
        letter_number=letter % issued.year,
        issued_on=issued,
        received_on=received,
        reason="回原籍工作",
        name=rng.choice("王李张刘陈杨") + rng.choice(["雪梅", "建华", "晓东", "丽萍"]),
        sex=sex,
        ethnicity="01",
        id_number=number,
        education="21",
        category="50",
        joined_on=birth.replace(year=birth.year + 24),
        converted_on=birth.replace(year=birth.year + 25),
        status=Member.Status.FORMAL,
        work_unit=org.name.replace("党支部", "") + "村民委员会",
        phone=f"137{rng.randint(10000000, 99999999)}",
    )
    return transfer.member


def _hash(number: str) -> str:
    from zugong.core import crypto

    return crypto.blind_index(number)
