"""Scoped reads of 组织关系转接 (members.Transfer).

A transfer belongs to both sides: an account sees it when the sending org (`from_path`) or the
receiving org (`to_path`) lies in its subtree. The receiving side thus sees the incoming member's
letter (name, the facts the letter carries) and nothing else of the sending branch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zugong.core.exceptions import NotInScope
from zugong.core.paths import subtree_q
from zugong.core.scope import Scope
from zugong.members.models import Member, Transfer
from zugong.orgs.models import Org

P = Transfer.State.PENDING
TABS: list[tuple[str, str | Promise]] = [
    ("open", _("办理中")),
    ("outgoing", _("转出中")),
    ("incoming", _("转入中")),
    ("overdue", _("逾期未接收")),
    ("returned", _("被退回待处理")),
    ("closed", _("已办结")),
    ("all", _("全部")),
]
TAB_KEYS = {key for key, _label in TABS}


@dataclass
class TransferFilters:
    tab: str = "open"
    q: str = ""
    kind: str = ""

    @classmethod
    def from_mapping(cls, data) -> TransferFilters:
        tab = str(data.get("tab") or "open").strip()
        kind = str(data.get("kind") or "").strip()
        return cls(
            tab=tab if tab in TAB_KEYS else "open",
            q=" ".join(str(data.get("q") or "").split())[:50],
            kind=kind if kind in Transfer.Kind.values else "",
        )


def _sides(prefix: str | None) -> tuple[Q, Q]:
    """(sent from the subtree, sent to the subtree); prefix "" is the whole tree (system admin)."""
    if prefix is None:
        return Q(pk__in=[]), Q(pk__in=[])
    if prefix == "":
        return Q(from_org__isnull=False), Q(to_org__isnull=False)
    return subtree_q(prefix, "from_path"), subtree_q(prefix, "to_path")


def transfers_in_scope(*, scope: Scope) -> QuerySet[Transfer]:
    if scope.is_self_only or not scope.has("transfer.view"):
        return Transfer.objects.none()
    sent, received = _sides(scope.root_path)
    return Transfer.objects.filter(sent | received)


def _tab_q(tab: str, sent: Q, received: Q, today: dt.date) -> Q:
    if tab == "open":
        return Q(state=P)
    if tab == "outgoing":
        return sent & Q(state=P)
    if tab == "incoming":
        return received & Q(state=P)
    if tab == "overdue":
        return Q(state=P, valid_until__lt=today)
    if tab == "returned":
        return sent & Q(state=Transfer.State.RETURNED, settled_on__isnull=True)
    if tab == "closed":
        return ~Q(state=P) & ~Q(state=Transfer.State.RETURNED, settled_on__isnull=True)
    return Q()


def resolve_under(*, scope: Scope, code: str) -> Org | None:
    """?org=CODE inside the scope (404 outside), or None for the whole scope."""
    if not code:
        return None
    org = Org.objects.filter(code=code).first()
    if org is None or not scope.contains(org.path):
        raise NotInScope
    return org


def transfer_list(
    *,
    scope: Scope,
    under: Org | None = None,
    filters: TransferFilters | None = None,
    today: dt.date | None = None,
) -> QuerySet[Transfer]:
    filters = filters or TransferFilters()
    today = today or dt.date.today()
    if under is not None and not scope.contains(under.path):
        raise NotInScope
    sent, received = _sides(under.path if under is not None else scope.root_path)
    qs = transfers_in_scope(scope=scope).filter(sent | received)
    qs = qs.filter(_tab_q(filters.tab, sent, received, today))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(Q(member__name__contains=filters.q) | Q(letter_number__contains=filters.q))
    return qs.select_related("member", "from_org", "to_org").order_by(
        "valid_until" if filters.tab in ("open", "outgoing", "incoming", "overdue") else "-issued_on", "-id"
    )


def tab_counts(*, scope: Scope, under: Org | None = None, today: dt.date | None = None) -> dict[str, int]:
    """How many transfers each attention tab holds: one query."""
    today = today or dt.date.today()
    sent, received = _sides(under.path if under is not None else scope.root_path)
    qs = transfers_in_scope(scope=scope).filter(sent | received)
    keys = ("open", "outgoing", "incoming", "overdue", "returned")
    row = qs.aggregate(**{key: Count("pk", filter=_tab_q(key, sent, received, today)) for key in keys})
    return {key: row[key] or 0 for key in keys}


def transfer_get(*, scope: Scope, pk: int) -> Transfer:
    transfer = (
        transfers_in_scope(scope=scope)
        .select_related("member", "from_org", "to_org", "created_by", "closed_by", "reissue_of")
        .filter(pk=pk)
        .first()
    )
    if transfer is None:
        raise NotInScope
    return transfer


def in_transit(*, scope: Scope, org: Org, limit: int = 20) -> list[Transfer]:
    """Open letters leaving or entering `org`'s subtree: the members between two orgs, shown on
    both orgs' member lists (a member in transit still belongs to the sending branch)."""
    if not scope.contains(org.path):
        raise NotInScope
    sent, received = _sides(org.path)
    qs = transfers_in_scope(scope=scope).filter((sent | received) & Q(state=P))
    return list(qs.select_related("member", "from_org", "to_org").order_by("valid_until", "id")[:limit])


def member_transfers(*, member: Member) -> list[Transfer]:
    """Every letter of a member (the caller has the member in scope), newest first."""
    return list(
        Transfer.objects.filter(member=member)
        .select_related("from_org", "to_org")
        .order_by("-issued_on", "-id")
    )


def open_transfer(*, member: Member) -> Transfer | None:
    return Transfer.objects.filter(member=member, state=P).first()
