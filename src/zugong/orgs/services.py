"""Writes to the organization tree. Each function is one transaction with its audit entry and its
history event; members' paths and subtree totals follow every structural change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from zugong.core import audit, codes, paths
from zugong.core.paths import ancestor_paths
from zugong.core.services import require
from zugong.orgs.models import BRANCH_KINDS, CommitteeSeat, Org, OrgEvent, OrgKind, OrgUnit, Unit
from zugong.rules import engine
from zugong.stats import rollups

ORG_FIELDS = [
    "code",
    "name",
    "short_name",
    "kind",
    "region_code",
    "for_mobile_members",
    "established_on",
    "dissolved_on",
    "is_active",
    "term_started_on",
    "phone",
    "address",
]
EDITABLE_ORG_FIELDS = {
    "name",
    "short_name",
    "kind",
    "region_code",
    "for_mobile_members",
    "established_on",
    "term_started_on",
    "phone",
    "address",
}
UNIT_FIELDS = [
    "code",
    "credit_code",
    "name",
    "kind",
    "region_code",
    "township",
    "village",
    "employees",
    "managing_org",
    "is_active",
]


def _today() -> dt.date:
    return dt.date.today()


# -- subtree totals ---------------------------------------------------------------------------------
def adjust_totals(path: str, *, members: int = 0, orgs: int = 0, include_self: bool = True) -> None:
    """Add to the subtree totals of the org at `path` and all its ancestors (one UPDATE)."""
    if not members and not orgs:
        return
    targets = ancestor_paths(path, include_self=include_self)
    if targets:
        Org.objects.filter(path__in=targets).update(
            member_total=F("member_total") + members, org_total=F("org_total") + orgs
        )


# -- validation helpers -----------------------------------------------------------------------------
def allowed_child(parent_kind: str, child_kind: str) -> bool:
    if parent_kind in BRANCH_KINDS:
        return False  # branches hold 党小组, not organizations
    if parent_kind == OrgKind.GENERAL_BRANCH:
        return child_kind in BRANCH_KINDS
    return True


def _check_child(parent: Org | None, kind: str, field: str = "kind") -> None:
    if parent is None:
        return
    if not parent.is_active:
        raise ValidationError({field: _("上级组织“%(p)s”已撤销,不能在其下设置组织") % {"p": parent.name}})
    if not allowed_child(parent.kind, kind):
        raise ValidationError(
            {
                field: _("%(parent_kind)s下不能设置%(kind)s")
                % {"parent_kind": parent.get_kind_display(), "kind": OrgKind(kind).label}
            }
        )


def _check_codes(*, kind: str, region_code: str) -> None:
    if kind not in OrgKind.values:
        raise ValidationError({"kind": _("未知的组织类别:%(v)s") % {"v": kind}})
    if region_code and not codes.is_valid("region", region_code):
        raise ValidationError({"region_code": _("行政区划代码%(v)s不在代码表中") % {"v": region_code}})


def _event(org: Org, kind: str, *, actor, on: dt.date, summary: str, other: Org | None = None, **details):
    OrgEvent.objects.create(
        org=org,
        kind=kind,
        on=on,
        actor=actor if getattr(actor, "pk", None) else None,
        summary=summary[:300],
        other_org=other,
        details=details,
    )


# -- organizations ----------------------------------------------------------------------------------
@transaction.atomic
def org_create(
    *,
    actor,
    parent: Org | None,
    code: str,
    name: str,
    kind: str,
    region_code: str = "",
    short_name: str = "",
    established_on: dt.date | None = None,
    term_started_on: dt.date | None = None,
    for_mobile_members: bool = False,
    phone: str = "",
    address: str = "",
) -> Org:
    if parent is None:
        if actor is not None and not getattr(actor, "is_superuser", False):
            raise ValidationError({"parent": _("只有系统管理员可以创建顶级党组织")})
    else:
        parent = Org.objects.select_for_update().get(pk=parent.pk)
        require(actor, "org.structure", parent.path)
    code = code.strip()
    if not code:
        raise ValidationError({"code": _("组织代码不能为空")})
    if Org.objects.filter(code=code).exists():
        raise ValidationError({"code": _("组织代码%(c)s已被使用") % {"c": code}})
    _check_codes(kind=kind, region_code=region_code)
    _check_child(parent, kind)
    values = {
        "code": code,
        "name": name.strip(),
        "short_name": short_name.strip(),
        "kind": kind,
        "region_code": region_code or (parent.region_code if parent else ""),
        "established_on": established_on,
        "term_started_on": term_started_on,
        "for_mobile_members": for_mobile_members,
        "phone": phone,
        "address": address,
        "province_code": (parent.province_code if parent else "") or settings.ZUGONG_PROVINCE_CODE,
    }
    org = Org.objects.add_child(parent, values) if parent else Org.objects.add_root(values)
    adjust_totals(org.path, orgs=1, include_self=False)
    rollups.org_kind_changed(org.path, before=None, after=org.kind)
    _event(org, OrgEvent.Kind.CREATED, actor=actor, on=established_on or _today(), summary=_("成立"))
    audit.record(
        actor=actor, action="org.create", obj=org, org_path=org.path, after=audit.snapshot(org, ORG_FIELDS)
    )
    return org


@transaction.atomic
def org_update(*, actor, org: Org, **fields) -> Org:
    org = Org.objects.select_for_update().get(pk=org.pk)
    require(actor, "org.edit", org.path)
    unknown = set(fields) - EDITABLE_ORG_FIELDS
    if unknown:
        raise ValidationError(_("不可修改的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    kind = fields.get("kind", org.kind)
    _check_codes(kind=kind, region_code=fields.get("region_code", org.region_code))
    if kind != org.kind:
        parent = Org.objects.get_parent(org)
        _check_child(parent, kind)
        if kind in BRANCH_KINDS and org.numchild:
            raise ValidationError({"kind": _("该组织有下级组织,不能改为党支部")})
        if kind not in BRANCH_KINDS and org.members.exists():
            raise ValidationError({"kind": _("该组织直接管理党员,只能是党支部、联合党支部或临时党支部")})
    before = audit.snapshot(org, ORG_FIELDS)
    old_kind = org.kind
    for key, value in fields.items():
        setattr(org, key, value.strip() if isinstance(value, str) else value)
    org.save()
    if org.is_active:
        rollups.org_kind_changed(org.path, before=old_kind, after=org.kind)
    b, a = audit.changes(before, audit.snapshot(org, ORG_FIELDS))
    if a:
        _event(
            org,
            OrgEvent.Kind.UPDATED,
            actor=actor,
            on=_today(),
            summary=_("修改:") + "、".join(str(Org._meta.get_field(k).verbose_name) for k in a),
            before=b,
            after=a,
        )
        audit.record(actor=actor, action="org.update", obj=org, org_path=org.path, before=b, after=a)
    return org


def _move_subtree(org: Org, new_parent: Org) -> tuple[str, str]:
    """Move `org` with its subtree under `new_parent`; every row that copies a path in the subtree
    follows (members, units, audit entries and each app's tables: core.paths registry)."""
    old_path = org.path
    old_parent_path = old_path[: -Org.steplen]
    rollups.subtree_moved(org, old_path=old_path, new_parent_path=new_parent.path)
    adjust_totals(old_parent_path, members=-org.member_total, orgs=-(org.org_total + 1))
    Org.objects.move(org, new_parent, pos="last-child")
    org.refresh_from_db()
    new_path = org.path
    adjust_totals(new_parent.path, members=org.member_total, orgs=org.org_total + 1)
    paths.subtree_moved(old_path, new_path)
    return old_path, new_path


@transaction.atomic
def org_move(*, actor, org: Org, new_parent: Org, on: dt.date | None = None, reason: str = "") -> Org:
    org = Org.objects.select_for_update().get(pk=org.pk)
    new_parent = Org.objects.select_for_update().get(pk=new_parent.pk)
    require(actor, "org.structure", org.path, new_parent.path)
    if org.depth == 1:
        raise ValidationError({"new_parent": _("顶级党组织不能调整隶属关系")})
    if not org.is_active:
        raise ValidationError({"new_parent": _("已撤销的组织不能调整隶属关系")})
    if new_parent.path.startswith(org.path):
        raise ValidationError({"new_parent": _("不能移动到本组织或其下级组织之下")})
    old_parent = Org.objects.get_parent(org)
    if old_parent and old_parent.pk == new_parent.pk:
        raise ValidationError({"new_parent": _("新的上级组织与原上级组织相同")})
    _check_child(new_parent, org.kind, "new_parent")
    old_path, new_path = _move_subtree(org, new_parent)
    org.refresh_from_db()
    on = on or _today()
    summary = _("由“%(a)s”调整到“%(b)s”") % {"a": old_parent.name if old_parent else "", "b": new_parent.name}
    _event(
        org,
        OrgEvent.Kind.MOVED,
        actor=actor,
        on=on,
        summary=summary,
        other=new_parent,
        from_parent=old_parent.code if old_parent else "",
        to_parent=new_parent.code,
        reason=reason,
    )
    audit.record(
        actor=actor,
        action="org.move",
        obj=org,
        org_path=new_path,
        before={"parent": old_parent.code if old_parent else "", "path": old_path},
        after={"parent": new_parent.code, "path": new_path, "reason": reason},
    )
    return org


@transaction.atomic
def org_merge(*, actor, source: Org, target: Org, on: dt.date | None = None, reason: str = "") -> Org:
    """Merge `source` into `target`: its members and sub-organizations move to `target`, and
    `source` is dissolved (kept, with its history)."""
    from zugong.members.models import Member
    from zugong.members.services import member_change_org

    source = Org.objects.select_for_update().get(pk=source.pk)
    target = Org.objects.select_for_update().get(pk=target.pk)
    require(actor, "org.structure", source.path, target.path)
    on = on or _today()
    if source.pk == target.pk:
        raise ValidationError({"target": _("不能与自身合并")})
    if not source.is_active or not target.is_active:
        raise ValidationError({"target": _("已撤销的组织不能合并")})
    if target.path.startswith(source.path):
        raise ValidationError({"target": _("不能并入本组织的下级组织")})
    if source.depth == 1:
        raise ValidationError({"target": _("顶级党组织不能并入其他组织")})
    members = Member.objects.filter(org=source).order_by("pk")
    if members.exists() and target.kind not in BRANCH_KINDS:
        raise ValidationError({"target": _("被合并的组织有党员,只能并入党支部、联合党支部或临时党支部")})
    for child in Org.objects.get_children(source).filter(is_active=True):
        _check_child(target, child.kind, "target")
    moved_members = 0
    for member in members.iterator(chunk_size=500):
        member_change_org(
            actor=actor, member=member, to_org=target, on=on, note=_("党组织合并"), _checked=True
        )
        moved_members += 1
    paths.org_merged(source, target)
    moved_orgs = []
    for child in list(Org.objects.get_children(source).filter(is_active=True)):
        target.refresh_from_db()
        _move_subtree(child, target)
        moved_orgs.append(child.code)
    source.refresh_from_db()
    target.refresh_from_db()
    for unit_link in source.unit_links.all():
        OrgUnit.objects.get_or_create(org=target, unit=unit_link.unit)
    _dissolve(source, on=on)
    _event(
        source,
        OrgEvent.Kind.MERGED_INTO,
        actor=actor,
        on=on,
        other=target,
        summary=_("并入“%(t)s”") % {"t": target.name},
        members=moved_members,
        orgs=moved_orgs,
        reason=reason,
    )
    _event(
        target,
        OrgEvent.Kind.ABSORBED,
        actor=actor,
        on=on,
        other=source,
        summary=_("合并“%(s)s”") % {"s": source.name},
        members=moved_members,
        orgs=moved_orgs,
        reason=reason,
    )
    audit.record(
        actor=actor,
        action="org.merge",
        obj=source,
        org_path=source.path,
        before={"is_active": True},
        after={"merged_into": target.code, "members": moved_members, "orgs": moved_orgs, "reason": reason},
    )
    return target


def _dissolve(org: Org, *, on: dt.date) -> None:
    org.is_active = False
    org.dissolved_on = on
    org.save(update_fields=["is_active", "dissolved_on", "updated_at"])
    adjust_totals(org.path, orgs=-1, include_self=False)
    rollups.org_kind_changed(org.path, before=org.kind, after=None)
    CommitteeSeat.objects.filter(org=org, ended_on__isnull=True).update(ended_on=on)


@transaction.atomic
def org_dissolve(*, actor, org: Org, on: dt.date | None = None, reason: str = "") -> Org:
    org = Org.objects.select_for_update().get(pk=org.pk)
    require(actor, "org.structure", org.path)
    on = on or _today()
    if not org.is_active:
        raise ValidationError(_("该组织已于%(d)s撤销") % {"d": org.dissolved_on})
    if org.depth == 1:
        raise ValidationError(_("顶级党组织不能撤销"))
    if org.member_total:
        raise ValidationError(
            _("该组织及其下级还有%(n)d名党员,请先转接组织关系或合并到其他组织") % {"n": org.member_total}
        )
    if org.org_total:
        raise ValidationError(_("该组织还有%(n)d个下级组织,请先调整或撤销") % {"n": org.org_total})
    from zugong.recruitment.services import open_files

    if open_files(org):
        raise ValidationError(
            _("该组织还有%(n)d份未办结的发展党员档案,请先合并到其他组织或终止") % {"n": open_files(org)}
        )
    if on < (org.established_on or dt.date.min):
        raise ValidationError({"on": _("撤销日期不能早于成立日期")})
    _dissolve(org, on=on)
    _event(
        org,
        OrgEvent.Kind.DISSOLVED,
        actor=actor,
        on=on,
        summary=_("撤销") + (f":{reason}" if reason else ""),
        reason=reason,
    )
    audit.record(
        actor=actor,
        action="org.dissolve",
        obj=org,
        org_path=org.path,
        before={"is_active": True},
        after={"is_active": False, "dissolved_on": on, "reason": reason},
    )
    return org


# -- committee (班子) -------------------------------------------------------------------------------
@transaction.atomic
def seat_add(
    *,
    actor,
    org: Org,
    post: str,
    person_name: str,
    started_on: dt.date,
    duty: str = "",
    member=None,
) -> CommitteeSeat:
    require(actor, "org.edit", org.path)
    if post not in CommitteeSeat.Post.values:
        raise ValidationError({"post": _("未知的职务")})
    if member is not None and not member.org_path.startswith(org.path):
        raise ValidationError({"member": _("班子成员应为本组织或其下级组织的党员")})
    if (
        post == CommitteeSeat.Post.SECRETARY
        and CommitteeSeat.objects.filter(org=org, post=post, ended_on__isnull=True).exists()
    ):
        raise ValidationError({"post": _("该组织已有在任书记,请先办理原书记离任")})
    seat = CommitteeSeat.objects.create(
        org=org,
        post=post,
        duty=duty.strip(),
        member=member,
        person_name=(person_name or (member.name if member else "")).strip(),
        started_on=started_on,
    )
    _event(
        org,
        OrgEvent.Kind.SEAT,
        actor=actor,
        on=started_on,
        summary=_("%(n)s任%(p)s") % {"n": seat.person_name, "p": seat.duty or seat.get_post_display()},
    )
    audit.record(
        actor=actor,
        action="org.seat_add",
        obj=seat,
        org_path=org.path,
        after=audit.snapshot(seat, ["post", "duty", "member", "person_name", "started_on"]),
    )
    return seat


@transaction.atomic
def seat_end(*, actor, seat: CommitteeSeat, ended_on: dt.date) -> CommitteeSeat:
    require(actor, "org.edit", seat.org.path)
    if seat.ended_on:
        raise ValidationError({"ended_on": _("该成员已于%(d)s离任") % {"d": seat.ended_on}})
    if ended_on < seat.started_on:
        raise ValidationError({"ended_on": _("离任日期不能早于任职日期")})
    seat.ended_on = ended_on
    seat.save(update_fields=["ended_on"])
    _event(
        seat.org,
        OrgEvent.Kind.SEAT,
        actor=actor,
        on=ended_on,
        summary=_("%(n)s不再担任%(p)s") % {"n": seat.person_name, "p": seat.duty or seat.get_post_display()},
    )
    audit.record(
        actor=actor,
        action="org.seat_end",
        obj=seat,
        org_path=seat.org.path,
        before={"ended_on": None},
        after={"ended_on": ended_on},
    )
    return seat


@transaction.atomic
def term_renew(*, actor, org: Org, on: dt.date) -> Org:
    """Record a 换届: a new term starts on `on`. Seats are ended or added one by one (people are
    often re-elected), so the committee's history stays exact."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    require(actor, "org.edit", org.path)
    if org.term_started_on and on <= org.term_started_on:
        raise ValidationError({"on": _("换届日期应晚于本届任期起始日期%(d)s") % {"d": org.term_started_on}})
    before = {"term_started_on": org.term_started_on}
    org.term_started_on = on
    org.save(update_fields=["term_started_on", "updated_at"])
    _event(org, OrgEvent.Kind.TERM, actor=actor, on=on, summary=_("换届,新一届任期开始"))
    audit.record(
        actor=actor,
        action="org.term_renew",
        obj=org,
        org_path=org.path,
        before=before,
        after={"term_started_on": on},
    )
    return org


# -- units ----------------------------------------------------------------------------------------
def _check_unit(*, kind: str, region_code: str) -> None:
    if not codes.is_valid("unit_kind", kind):
        raise ValidationError({"kind": _("未知的单位类别:%(v)s") % {"v": kind}})
    if region_code and not codes.is_valid("region", region_code):
        raise ValidationError({"region_code": _("行政区划代码%(v)s不在代码表中") % {"v": region_code}})


@transaction.atomic
def unit_create(
    *,
    actor,
    managing_org: Org,
    code: str,
    name: str,
    kind: str,
    region_code: str = "",
    township: str = "",
    village: str = "",
    credit_code: str = "",
    employees: int | None = None,
) -> Unit:
    require(actor, "unit.edit", managing_org.path)
    code = code.strip()
    if not code:
        raise ValidationError({"code": _("单位代码不能为空")})
    if Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("单位代码%(c)s已被使用") % {"c": code}})
    _check_unit(kind=kind, region_code=region_code)
    unit = Unit.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        region_code=region_code,
        township=township.strip(),
        village=village.strip(),
        credit_code=credit_code.strip().upper(),
        employees=employees,
        managing_org=managing_org,
        managing_path=managing_org.path,
    )
    audit.record(
        actor=actor,
        action="unit.create",
        obj=unit,
        org_path=unit.managing_path,
        after=audit.snapshot(unit, UNIT_FIELDS),
    )
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, **fields) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    require(actor, "unit.edit", unit.managing_path)
    allowed = set(UNIT_FIELDS) - {"code"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("不可修改的字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    _check_unit(kind=fields.get("kind", unit.kind), region_code=fields.get("region_code", unit.region_code))
    if "managing_org" in fields:
        require(actor, "unit.edit", fields["managing_org"].path)
        unit.managing_path = fields["managing_org"].path
    before = audit.snapshot(unit, UNIT_FIELDS)
    for key, value in fields.items():
        setattr(unit, key, value.strip() if isinstance(value, str) else value)
    unit.save()
    b, a = audit.changes(before, audit.snapshot(unit, UNIT_FIELDS))
    if a:
        audit.record(
            actor=actor, action="unit.update", obj=unit, org_path=unit.managing_path, before=b, after=a
        )
    return unit


@transaction.atomic
def org_set_units(*, actor, org: Org, units: Sequence[Unit], primary: Unit | None = None) -> list[Unit]:
    """The host units of `org`. A joint branch may cover several, within the rule's limit (ZB-01)."""
    require(actor, "org.edit", org.path)
    units = list(dict.fromkeys(units))
    if org.kind != OrgKind.JOINT_BRANCH and len(units) > 1:
        raise ValidationError({"units": _("只有联合党支部可以覆盖多个单位")})
    rule = engine.rule("ZB-01")
    limit = rule.params["joint_branch_max_units"]
    if len(units) > limit:
        raise ValidationError(
            {"units": _("联合党支部覆盖单位一般不超过%(n)d个(%(rule)s)") % {"n": limit, "rule": rule.cite}}
        )
    if primary is None and units:
        primary = units[0]
    before = sorted(OrgUnit.objects.filter(org=org).values_list("unit__code", flat=True))
    OrgUnit.objects.filter(org=org).exclude(unit__in=units).delete()
    for unit in units:
        OrgUnit.objects.update_or_create(org=org, unit=unit, defaults={"is_primary": unit == primary})
    after = sorted(u.code for u in units)
    if before != after:
        audit.record(
            actor=actor,
            action="org.units",
            obj=org,
            org_path=org.path,
            before={"units": before},
            after={"units": after},
        )
    return units


def suggest_code(parent: Org | None) -> str:
    """Next free code under `parent`: its code followed by a three-digit sequence."""
    base = parent.code if parent else "ZG"
    n = (parent.numchild if parent else Org.objects.get_root_nodes().count()) + 1
    while True:
        code = f"{base}{n:03d}"
        if not Org.objects.filter(code=code).exists():
            return code
        n += 1
