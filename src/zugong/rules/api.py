"""REST endpoints of the rule packs (/api/rules): the packs in force for the caller's scope and
the explanation of one rule (the version in force on a date for an org, every version, the local
overrides within scope). Read-only; outside the scope → 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from zugong.core.api import ERRORS, scope_of
from zugong.core.exceptions import NotInScope
from zugong.rules import display, engine, selectors

router = Router(tags=["规则"])


class RuleOut(Schema):
    rule_id: str
    kind: str
    title: str
    params: dict[str, Any]
    params_text: list[tuple[str, str]] = Field(description="参数的中文说明(名称,取值)")
    article: str
    basis: str
    source_url: str
    confidence: str = Field(description="V 已核实 / L 地方做法 / U 待核实")
    effective_from: dt.date | None = Field(None, description="本版本施行日期;空为与规则包相同")
    effective_to: dt.date | None = None


class PackOut(Schema):
    id: int
    code: str
    version: str
    title: str
    issuer: str
    doc_number: str
    level: str
    org_code: str | None = Field(None, description="本地规则包适用的党组织;全国规则包为空")
    effective_from: dt.date
    effective_to: dt.date | None
    source_url: str
    rules: list[RuleOut]


class PackQuery(Schema):
    on: dt.date | None = Field(None, description="有效日期,默认今天")
    level: str = ""
    kind: str = ""
    q: str = Field("", max_length=100)


class VersionOut(Schema):
    rule_id: str
    title: str
    kind: str
    params: dict[str, Any]
    params_text: list[tuple[str, str]]
    article: str
    basis: str
    cite: str
    pack_code: str
    pack_title: str
    pack_version: str
    level: str
    effective_from: dt.date
    effective_to: dt.date | None
    source_url: str
    confidence: str
    local_org_name: str | None


class ExplainOut(Schema):
    rule_id: str
    on: dt.date
    current: VersionOut | None = Field(description="在 on 日对 org 适用的版本")
    national_versions: list[VersionOut]
    local_versions: list[VersionOut] = Field(description="管辖范围内的本地规则")


class ExplainQuery(Schema):
    on: dt.date | None = Field(None, description="判断日期,默认今天")
    org: str = Field("", description="党组织代码,默认本账号所属组织")


def _rule(r) -> dict[str, Any]:
    return {
        "rule_id": r.rule_id,
        "kind": r.kind,
        "title": r.title,
        "params": r.params,
        "params_text": display.describe(r.params),
        "article": r.article,
        "basis": r.basis,
        "source_url": r.source_url,
        "confidence": r.confidence,
        "effective_from": r.effective_from,
        "effective_to": r.effective_to,
    }


def _version(v: engine.RuleVersion) -> dict[str, Any]:
    return {
        "rule_id": v.rule_id,
        "title": v.title,
        "kind": v.kind,
        "params": v.params,
        "params_text": display.describe(v.params),
        "article": v.article,
        "basis": v.basis,
        "cite": v.cite,
        "pack_code": v.pack_code,
        "pack_title": v.pack_title,
        "pack_version": v.pack_version,
        "level": v.level,
        "effective_from": v.effective_from,
        "effective_to": v.effective_to,
        "source_url": v.source_url,
        "confidence": v.confidence,
        "local_org_name": v.local_org_name,
    }


@router.get("", response={200: list[PackOut], **ERRORS}, summary="管辖范围内有效的规则包")
def pack_list(request, query: Query[PackQuery]):
    """National packs and the local packs of the caller's org, its ancestors and its subtree, in
    force on `on`, with their rules."""
    scope = scope_of(request)
    if not scope.has("rules.view"):
        raise NotInScope
    filters = selectors.PackFilters(level=query.level, kind=query.kind, q=query.q, on=query.on)
    packs = selectors.pack_list(scope=scope, filters=filters)
    return [
        {
            "id": p.pk,
            "code": p.code,
            "version": p.version,
            "title": p.title,
            "issuer": p.issuer,
            "doc_number": p.doc_number,
            "level": p.level,
            "org_code": p.org.code if p.org_id else None,
            "effective_from": p.effective_from,
            "effective_to": p.effective_to,
            "source_url": p.source_url,
            "rules": [_rule(r) for r in p.shown_rules],  # type: ignore[attr-defined]
        }
        for p in packs
    ]


@router.get("/{rule_id}", response={200: ExplainOut, **ERRORS}, summary="规则说明")
def rule_explain(request, rule_id: str, query: Query[ExplainQuery]):
    """The version of a rule in force on `on` for `org` (an org in the caller's subtree or above
    it), every national version, and the local overrides within scope."""
    scope = scope_of(request)
    org = selectors.org_for_code(scope=scope, code=query.org) if query.org else None
    x = selectors.rule_explain(scope=scope, rule_id=rule_id.upper(), on=query.on, org=org)
    return {
        "rule_id": x.rule_id,
        "on": x.on,
        "current": _version(x.current) if x.current else None,
        "national_versions": [_version(v) for v in x.national_versions],
        "local_versions": [_version(v) for v in x.local_versions],
    }
