"""Scoped reads of the organization tree. Every function takes the caller's scope first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from zugong.core.exceptions import NotInScope
from zugong.core.scope import Scope
from zugong.orgs.models import BRANCH_KINDS, CommitteeSeat, Org, OrgUnit, Unit
from zugong.rules import engine


def orgs_in_scope(*, scope: Scope) -> QuerySet[Org]:
    return scope.filter(Org.objects.all(), field="path", perm="org.view")


def org_roots(*, scope: Scope) -> QuerySet[Org]:
    """The top of what the account sees: its own org, or the tree's roots for a global account."""
    if not scope.has("org.view") or scope.root_path is None:
        return Org.objects.none()
    if scope.root_path == "":
        return Org.objects.get_root_nodes()
    return Org.objects.filter(path=scope.root_path)


def org_get(*, scope: Scope, code: str) -> Org:
    org = orgs_in_scope(scope=scope).filter(code=code).first()
    if org is None:
        raise NotInScope
    return org


def org_children(*, scope: Scope, parent: Org, include_dissolved: bool = False) -> QuerySet[Org]:
    if not scope.contains(parent.path) or not scope.has("org.view"):
        raise NotInScope
    qs = Org.objects.filter(path__gt=parent.path, path__lt=parent.path + "~", depth=parent.depth + 1)
    if not include_dissolved:
        qs = qs.filter(is_active=True)
    return qs.order_by("path")


def org_breadcrumbs(*, scope: Scope, org: Org) -> list[Org]:
    """Ancestors of `org` from the scope's root down (nothing above what the account sees)."""
    root_len = len(scope.root_path or "")
    paths = [org.path[:i] for i in range(max(root_len, Org.steplen), len(org.path), Org.steplen)]
    return list(Org.objects.filter(path__in=paths).order_by("path")) if paths else []


def org_search(
    *, scope: Scope, q: str = "", kind: str = "", include_dissolved: bool = False, under: Org | None = None
) -> QuerySet[Org]:
    qs = orgs_in_scope(scope=scope)
    if under is not None:
        qs = qs.filter(path__gte=under.path, path__lt=under.path + "~")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q) | Q(short_name__contains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if not include_dissolved:
        qs = qs.filter(is_active=True)
    return qs.order_by("path")


def move_targets(*, scope: Scope, org: Org, q: str = "") -> QuerySet[Org]:
    """Orgs the subtree of `org` may be moved under: in scope, active, not inside it, not branches."""
    qs = org_search(scope=scope, q=q).exclude(path__gte=org.path, path__lt=org.path + "~")
    return qs.exclude(kind__in=BRANCH_KINDS)


# -- committee and term ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TermStatus:
    started_on: dt.date | None
    years: int
    due_on: dt.date | None
    remind_from: dt.date | None
    state: str  # unknown / ok / due_soon / overdue
    cite: str
    remind_cite: str

    @property
    def label(self) -> str:
        return {
            "unknown": _("未登记任期"),
            "ok": _("任期内"),
            "due_soon": _("即将到期,应做好换届准备"),
            "overdue": _("已超期,应按期换届"),
        }[self.state]


def org_term(org: Org, *, on: dt.date | None = None) -> TermStatus:
    on = on or dt.date.today()
    term_rule = engine.rule("ZB-05", on=org.term_started_on or on)
    remind_rule = engine.rule("ZB-07", on=on)
    committee_rule = engine.rule("EL-01", on=org.term_started_on or on)
    if org.kind in committee_rule.params["committee_kinds"]:
        term_rule = committee_rule
        years = committee_rule.params["committee_years"]
    else:
        kinds = set(OrgUnit.objects.filter(org=org).values_list("unit__kind", flat=True))
        village = bool(kinds & set(term_rule.params["village_community_unit_kinds"]))
        years = term_rule.params["village_community_years" if village else "default_years"]
    if not org.term_started_on:
        return TermStatus(None, years, None, None, "unknown", term_rule.cite, remind_rule.cite)
    due = org.term_started_on + relativedelta(years=years)
    remind = due - relativedelta(months=remind_rule.params["notice_months_before"])
    state = "overdue" if on >= due else "due_soon" if on >= remind else "ok"
    return TermStatus(org.term_started_on, years, due, remind, state, term_rule.cite, remind_rule.cite)


def current_seats(org: Org) -> list[CommitteeSeat]:
    return list(
        CommitteeSeat.objects.filter(org=org, ended_on__isnull=True)
        .select_related("member")
        .order_by("post", "started_on", "pk")
    )


def org_vacancies(org: Org, seats: list[CommitteeSeat] | None = None) -> list[str]:
    """What the committee lacks under the rules, each with the rule it comes from."""
    from zugong.members.models import Member

    seats = current_seats(org) if seats is None else seats
    out: list[str] = []
    secretary = next((s for s in seats if s.post == CommitteeSeat.Post.SECRETARY), None)
    if secretary is None:
        out.append(_("书记空缺"))
    elif org.kind in BRANCH_KINDS and secretary.member is not None:
        age_rule = engine.rule("ZB-06")
        years = age_rule.params["secretary_min_party_years"]
        since = secretary.member.joined_on
        if since and secretary.started_on < since + relativedelta(years=years):
            out.append(
                _("书记%(n)s任职时党龄不足%(y)d年(%(rule)s)")
                % {"n": secretary.person_name, "y": years, "rule": age_rule.cite}
            )
    if org.kind in BRANCH_KINDS and org.is_active:
        rule = engine.rule("ZB-04")
        formal = Member.objects.filter(org=org, status="formal", standing="normal").count()
        if formal >= rule.params["committee_from_formal_members"]:
            if len(seats) < rule.params["committee_min_seats"]:
                out.append(
                    _("正式党员%(n)d人,应设支部委员会(委员%(a)d至%(b)d人),现有%(m)d人(%(rule)s)")
                    % {
                        "n": formal,
                        "a": rule.params["committee_min_seats"],
                        "b": rule.params["committee_max_seats"],
                        "m": len(seats),
                        "rule": rule.cite,
                    }
                )
            duties = {s.duty for s in seats}
            missing = [d for d in rule.params["required_duties"] if d not in duties]
            if missing:
                out.append(_("缺%(d)s(%(rule)s)") % {"d": "、".join(missing), "rule": rule.cite})
    return out


# -- units -----------------------------------------------------------------------------------------
def units_in_scope(*, scope: Scope) -> QuerySet[Unit]:
    return scope.filter(Unit.objects.all(), field="managing_path", perm="unit.view")


def unit_list(
    *,
    scope: Scope,
    q: str = "",
    kind: str = "",
    has_org: str = "",
    under: Org | None = None,
    region: str = "",
) -> QuerySet[Unit]:
    qs = units_in_scope(scope=scope).select_related("managing_org")
    if under is not None:
        qs = qs.filter(managing_path__gte=under.path, managing_path__lt=under.path + "~")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q) | Q(credit_code=q.upper()))
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region_code__startswith=region.rstrip("0") or region)
    linked = OrgUnit.objects.filter(unit=OuterRef("pk"), org__is_active=True)
    qs = qs.annotate(has_org=Exists(linked))
    if has_org == "yes":
        qs = qs.filter(has_org=True)
    elif has_org == "no":
        qs = qs.filter(has_org=False)
    return qs.order_by("name", "pk")


def unit_get(*, scope: Scope, code: str) -> Unit:
    unit = units_in_scope(scope=scope).filter(code=code).select_related("managing_org").first()
    if unit is None:
        raise NotInScope
    return unit


def org_trails(*, scope: Scope, orgs: list[Org]) -> dict[int, list[Org]]:
    """For each org, its ancestors within the scope (root first): one query for any number of orgs."""
    root_len = max(len(scope.root_path or ""), Org.steplen)

    def above(path: str) -> list[str]:
        return [path[:i] for i in range(root_len, len(path), Org.steplen)]

    wanted = {p for o in orgs for p in above(o.path)}
    by_path = {a.path: a for a in Org.objects.filter(path__in=wanted)} if wanted else {}
    return {o.pk: [by_path[p] for p in above(o.path) if p in by_path] for o in orgs}


def seat_get(*, scope: Scope, pk: int) -> CommitteeSeat:
    seat = CommitteeSeat.objects.select_related("org", "member").filter(pk=pk).first()
    if seat is None or not scope.has("org.view") or not scope.contains(seat.org.path):
        raise NotInScope
    return seat
