"""Writes to rule packs and the workday calendar: local packs that tighten national rules, dated
versions of local rules, and operator corrections of the calendar. Each write is audited and
clears the engine's caches when its transaction commits."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from zugong.core import audit
from zugong.core.paths import subtree_q
from zugong.core.services import require
from zugong.orgs.models import Org
from zugong.rules import calendar, display, engine
from zugong.rules.models import CalendarDay, CalendarYear, Rule, RulePack

LOCAL_RULE_ID = re.compile(r"^L-[A-Z0-9][A-Z0-9-]{0,28}$")
PACK_FIELDS = [
    "title",
    "level",
    "issuer",
    "doc_number",
    "published_on",
    "effective_from",
    "effective_to",
    "source_url",
    "notes",
]
RULE_FIELDS = ["kind", "title", "params", "article", "basis", "source_url", "effective_from", "effective_to"]
LOCAL_LEVELS = {
    RulePack.Level.PROVINCIAL,
    RulePack.Level.CITY,
    RulePack.Level.COUNTY,
    RulePack.Level.UNIT,
}


def _today() -> dt.date:
    return dt.date.today()


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _invalidate() -> None:
    engine.invalidate()
    transaction.on_commit(engine.invalidate)


# -- subtree moves -----------------------------------------------------------------------------------
def move_pack_paths(old_prefix: str, new_prefix: str) -> int:
    """Local packs follow their orgs when a subtree moves: one UPDATE over the subtree's range."""
    n = RulePack.objects.filter(subtree_q(old_prefix, "org_path")).update(
        org_path=Concat(Value(new_prefix), Substr("org_path", len(old_prefix) + 1))
    )
    if n:
        _invalidate()
    return n


# -- tightening ----------------------------------------------------------------------------------------
def _num(value: Any) -> Fraction:
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, int | Fraction):
        return Fraction(value)
    try:
        return Fraction(Decimal(str(value))) if "/" not in str(value) else Fraction(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(value) from exc


def default_direction(kind: str, name: str) -> str | None:
    """Deadline and earliest-date rules: within_/max_ durations may only shrink, min_ only grow."""
    if kind in {Rule.Kind.DEADLINE, Rule.Kind.EARLIEST}:
        if name.startswith(("within_", "max_")):
            return "down"
        if name.startswith("min_"):
            return "up"
    return None


def _rate(obligation: dict[str, Any]) -> Fraction:
    return Fraction(int(obligation["times"]), engine.PERIOD_MONTHS[obligation["per"]])


def _obligation_text(o: dict[str, Any]) -> str:
    return _("%(per)s%(n)s次") % {"per": display.PER_LABELS.get(o["per"], o["per"]), "n": o["times"]}


def _clause_text(c: dict[str, Any]) -> str:
    return _("%(op)s%(f)s") % {
        "op": display.OP_LABELS.get(c["op"], c["op"]),
        "f": display.fraction_text(c["fraction"]),
    }


def loosenings(base: engine.RuleVersion, params: dict[str, Any], *, kind: str | None = None) -> list[str]:
    """Why `params` would loosen `base` (empty when it only tightens or keeps it). Each message
    names the parameter and both values."""
    problems: list[str] = []
    rid = base.rule_id
    if kind and kind != base.kind:
        problems.append(_("%(id)s 是“%(k)s”类规则,本地规则不能改变类型") % {"id": rid, "k": base.kind})
        return problems

    def refuse(name: str, national: str, local: str, why: str = "") -> None:
        problems.append(
            _("不能放宽%(id)s:参数“%(p)s”全国规定为%(n)s,本地为%(l)s%(why)s")
            % {"id": rid, "p": display.label(name), "n": national, "l": local, "why": why}
        )

    for name in params:
        if name not in base.params:
            problems.append(
                _("%(id)s 没有参数“%(p)s”,本地规则不能增加全国规则没有的参数")
                % {"id": rid, "p": display.label(name)}
            )
    for name, national in base.params.items():
        local = params.get(name, national)
        if local == national:
            continue
        if name == "obligations":
            _check_obligations(rid, national, local, refuse, problems)
            continue
        if name == "quorum":
            _check_quorum(national, local, refuse)
            continue
        direction = base.tighten.get(name) or default_direction(base.kind, name) or "fixed"
        n_text, l_text = display.value_text(name, national), display.value_text(name, local)
        if direction == "fixed":
            problems.append(
                _("%(id)s 的参数“%(p)s”不能在本地修改(全国规定为%(n)s,本地为%(l)s)")
                % {"id": rid, "p": display.label(name), "n": n_text, "l": l_text}
            )
        elif direction == "superset":
            if not isinstance(local, list) or not set(map(str, national)) <= set(map(str, local)):
                refuse(name, n_text, l_text, _(",只能增加不能减少"))
        else:
            try:
                a, b = _num(national), _num(local)
            except (ValueError, TypeError):
                refuse(name, n_text, l_text, _(",应为数值"))
                continue
            if (direction == "up" and b < a) or (direction == "down" and b > a):
                refuse(name, n_text, l_text)
    return problems


def _check_obligations(rid, national, local, refuse, problems) -> None:
    if not isinstance(local, list):
        problems.append(_("%(id)s 的组织生活要求格式不正确") % {"id": rid})
        return
    by_kind = {o.get("meeting_kind"): o for o in local if isinstance(o, dict)}
    for o in national:
        mine = by_kind.get(o["meeting_kind"])
        name = _("%(label)s频次") % {"label": o["label"]}
        if mine is None:
            refuse(name, _obligation_text(o), _("未规定"))
            continue
        try:
            shorter_or_same = engine.PERIOD_MONTHS[mine["per"]] <= engine.PERIOD_MONTHS[o["per"]]
            ok = shorter_or_same and _rate(mine) >= _rate(o) and int(mine["times"]) >= 1
        except (KeyError, ValueError, TypeError):
            problems.append(_("%(id)s 的“%(l)s”要求格式不正确") % {"id": rid, "l": o["label"]})
            continue
        if not ok:
            refuse(name, _obligation_text(o), _obligation_text(mine))
        if mine.get("applies_to", o.get("applies_to")) != o.get("applies_to"):
            refuse(
                _("%(label)s适用范围") % {"label": o["label"]},
                o.get("applies_to", ""),
                mine.get("applies_to", ""),
            )


_OP_RANK = {"gte": 0, "gt": 1}


def _check_quorum(national, local, refuse) -> None:
    for clause_name, label in (("present", _("到会人数")), ("pass", _("赞成票"))):
        if clause_name not in national:
            continue
        a = national[clause_name]
        b = local.get(clause_name) if isinstance(local, dict) else None
        if not isinstance(b, dict):
            refuse(label, _clause_text(a), _("未规定"))
            continue
        try:
            ok = b.get("base") == a.get("base") and (Fraction(b["fraction"]), _OP_RANK[b["op"]]) >= (
                Fraction(a["fraction"]),
                _OP_RANK[a["op"]],
            )
        except (KeyError, ValueError, TypeError, ZeroDivisionError):
            ok = False
        if not ok:
            refuse(label, _clause_text(a), _clause_text(b) if {"op", "fraction"} <= set(b) else str(b))


def _check_shape(kind: str, params: dict[str, Any]) -> list[str]:
    """What the engine needs to read a local rule of `kind`."""
    out: list[str] = []
    if kind == Rule.Kind.FREQUENCY:
        obligations = params.get("obligations")
        if not isinstance(obligations, list) or not obligations:
            out.append(_("频次规则须列出至少一项组织生活(obligations)"))
        else:
            for o in obligations:
                if not isinstance(o, dict) or not {"meeting_kind", "label", "times", "per"} <= set(o):
                    out.append(_("每项组织生活须有 meeting_kind、label、times、per"))
                elif o["per"] not in engine.PERIOD_MONTHS:
                    out.append(_("周期应为 month、quarter、half_year 或 year"))
    if kind == Rule.Kind.QUORUM or "quorum" in params:
        q = params.get("quorum")
        if not isinstance(q, dict) or "present" not in q:
            out.append(_("到会与表决规则须有 quorum.present"))
        else:
            for clause in q.values():
                try:
                    Fraction(clause["fraction"])
                    assert clause["op"] in _OP_RANK
                except (KeyError, ValueError, TypeError, AssertionError, ZeroDivisionError):
                    out.append(_("到会与表决条件须写成 op(gt/gte)与 fraction(如 1/2)"))
    return out


# -- local packs -------------------------------------------------------------------------------------
def _check_pack(fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not (fields.get("title") or "").strip():
        errors["title"] = _("请填写名称")
    if fields.get("level") not in LOCAL_LEVELS:
        errors["level"] = _("本地规则包的层级应为省级、市级、县级或单位")
    start, end = fields.get("effective_from"), fields.get("effective_to")
    if not start:
        errors["effective_from"] = _("请填写施行日期")
    elif end and end <= start:
        errors["effective_to"] = _("废止日期应晚于施行日期")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pack_create(
    *,
    actor,
    org: Org,
    title: str,
    level: str,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    issuer: str = "",
    doc_number: str = "",
    published_on: dt.date | None = None,
    source_url: str = "",
    notes: str = "",
) -> RulePack:
    """A local pack for `org`'s subtree."""
    require(actor, "rules.edit", org.path)
    fields = {
        "title": title.strip(),
        "level": level,
        "issuer": issuer.strip(),
        "doc_number": doc_number.strip(),
        "published_on": published_on,
        "effective_from": effective_from,
        "effective_to": effective_to,
        "source_url": source_url.strip(),
        "notes": notes.strip(),
    }
    _check_pack(fields)
    n = RulePack.objects.filter(org=org).count() + 1
    code = f"local-{org.code}"
    while RulePack.objects.filter(code=code, version=str(n)).exists():
        n += 1
    pack = RulePack.objects.create(
        code=code, version=str(n), org=org, org_path=org.path, is_shipped=False, **fields
    )
    audit.record(
        actor=actor,
        action="rules.pack_create",
        obj=pack,
        org_path=org.path,
        after=audit.snapshot(pack, PACK_FIELDS),
    )
    _invalidate()
    return pack


@transaction.atomic
def pack_update(*, actor, pack: RulePack, **fields: Any) -> RulePack:
    """Change a local pack's description or end it. Its start date cannot move once it is in force,
    and it cannot end in the past: past evaluations stay as they were."""
    pack = RulePack.objects.select_for_update().get(pk=pack.pk)
    if pack.is_shipped or pack.org_id is None:
        raise ValidationError(_("随系统发布的规则包不能修改;请新建本地规则包收紧其中的规则"))
    require(actor, "rules.edit", pack.org_path)
    unknown = set(fields) - set(PACK_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    today = _today()
    merged = {name: getattr(pack, name) for name in PACK_FIELDS} | fields
    _check_pack(merged)
    errors: dict[str, str] = {}
    if merged["effective_from"] != pack.effective_from and pack.effective_from <= today:
        errors["effective_from"] = _("规则包已经施行,施行日期不能再改")
    elif merged["effective_from"] != pack.effective_from and merged["effective_from"] < today:
        errors["effective_from"] = _("施行日期不能早于今天")
    if (
        merged["effective_to"] != pack.effective_to
        and merged["effective_to"]
        and merged["effective_to"] < today
    ):
        errors["effective_to"] = _("废止日期不能早于今天,已作出的判断须保持不变")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(pack, PACK_FIELDS)
    for name, value in merged.items():
        setattr(pack, name, value.strip() if isinstance(value, str) else value)
    pack.save()
    b, a = audit.changes(before, audit.snapshot(pack, PACK_FIELDS))
    if a:
        audit.record(
            actor=actor, action="rules.pack_update", obj=pack, org_path=pack.org_path, before=b, after=a
        )
    _invalidate()
    return pack


def _parent_path(path: str) -> str | None:
    parent = path[: -Org.steplen]
    return parent or None


def base_for(pack: RulePack, rule_id: str, on: dt.date) -> engine.RuleVersion | None:
    """The rule a local rule of `pack` must not loosen: what applies just above the pack's org on
    `on` (an ancestor's local rule or the national one); None for a new local rule (L-…)."""
    if rule_id.startswith("L-"):
        return None
    try:
        return engine.rule(rule_id, on=on, org=_parent_path(pack.org_path))
    except engine.RuleNotFound:
        return None


@transaction.atomic
def rule_save(
    *,
    actor,
    pack: RulePack,
    rule_id: str,
    title: str,
    params: dict[str, Any],
    article: str,
    kind: str | None = None,
    basis: str = "",
    source_url: str = "",
    effective_from: dt.date | None = None,
) -> Rule:
    """Add or change a rule of a local pack: an override of a national rule (same id, only
    tighter) or a local rule of its own (id L-…). Changing a rule that has been in force closes
    the old version and starts a new one on `effective_from` (today by default)."""
    pack = RulePack.objects.select_for_update().get(pk=pack.pk)
    if pack.is_shipped or pack.org_id is None:
        raise ValidationError(_("随系统发布的规则包不能修改;请新建本地规则包收紧其中的规则"))
    require(actor, "rules.edit", pack.org_path)
    today = _today()
    rule_id = rule_id.strip().upper()
    errors: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not isinstance(params, dict):
        raise ValidationError({"params": _("参数应为 JSON 对象")})
    current = (
        Rule.objects.select_for_update().filter(pack=pack, rule_id=rule_id, effective_to__isnull=True).first()
    )
    current_start = (current.effective_from or pack.effective_from) if current else None
    start = effective_from or max(today, pack.effective_from)
    new_version = current is not None and current_start is not None and current_start < today
    if start < pack.effective_from:
        bad("effective_from", _("不能早于规则包的施行日期%(d)s") % {"d": pack.effective_from.isoformat()})
    if pack.effective_to and start >= pack.effective_to:
        bad("effective_from", _("应早于规则包的废止日期%(d)s") % {"d": pack.effective_to.isoformat()})
    if new_version and start < today:
        bad("effective_from", _("新版本的施行日期不能早于今天,已作出的判断须保持不变"))
    if new_version and current_start is not None and start <= current_start:
        bad(
            "effective_from",
            _("新版本的施行日期应晚于现行版本的施行日期%(d)s") % {"d": current_start.isoformat()},
        )
    if not title.strip():
        bad("title", _("请填写规则名称"))
    if not article.strip():
        bad("article", _("请填写条款(本地文件的条目)"))
    base = base_for(pack, rule_id, start)
    if rule_id.startswith("L-"):
        if not LOCAL_RULE_ID.match(rule_id):
            bad("rule_id", _("本地规则编号以 L- 开头,只用大写字母、数字和连字符,如 L-ZB-11"))
        if kind not in Rule.Kind.values:
            bad("kind", _("请选择规则类型"))
    elif base is None:
        bad(
            "rule_id",
            _("没有编号为%(id)s的全国规则在%(d)s有效;本地新增的规则编号须以 L- 开头")
            % {"id": rule_id, "d": start.isoformat()},
        )
    else:
        kind = kind or base.kind
        params = {**base.params, **params}
        for message in loosenings(base, params, kind=kind):
            bad("params", message)
    if kind and not errors:
        for message in _check_shape(kind, params):
            bad("params", message)
    if errors:
        raise ValidationError(errors)
    national_pack_id = None
    if base is not None:
        national = engine.rule(rule_id, on=start)
        national_pack_id = national.pack_id
    values = {
        "kind": kind,
        "title": title.strip(),
        "params": params,
        "article": article.strip(),
        "basis": basis.strip(),
        "source_url": source_url.strip(),
        "confidence": Rule.Confidence.VERIFIED,
        "base_pack_id": national_pack_id,
        "changed_by": _user(actor),
    }
    before: dict[str, Any] = {}
    if current is not None and new_version:
        before = audit.snapshot(current, RULE_FIELDS)
        current.effective_to = start
        current.save(update_fields=["effective_to", "changed_at"])
        row = Rule.objects.create(pack=pack, rule_id=rule_id, effective_from=start, **values)
        action = "rules.rule_version"
    elif current is not None:
        before = audit.snapshot(current, RULE_FIELDS)
        for name, value in values.items():
            setattr(current, name, value)
        current.effective_from = start if start != pack.effective_from else None
        current.save()
        row = current
        action = "rules.rule_update"
    else:
        row = Rule.objects.create(
            pack=pack,
            rule_id=rule_id,
            effective_from=start if start != pack.effective_from else None,
            **values,
        )
        action = "rules.rule_add"
    after = audit.snapshot(row, RULE_FIELDS)
    b, a = audit.changes(before, after) if before else ({}, after)
    audit.record(
        actor=actor,
        action=action,
        obj=row,
        object_repr=f"{rule_id} {row.title}",
        org_path=pack.org_path,
        before=b,
        after=a | {"rule_id": rule_id, "pack": f"{pack.code}/{pack.version}"},
    )
    _invalidate()
    return row


@transaction.atomic
def rule_end(*, actor, rule: Rule, on: dt.date | None = None) -> Rule:
    """Stop a local rule from `on` (today by default); the national rule applies again after it."""
    rule = Rule.objects.select_for_update().select_related("pack").get(pk=rule.pk)
    pack = rule.pack
    if pack.is_shipped or pack.org_id is None:
        raise ValidationError(_("随系统发布的规则不能停止;请新建本地规则包收紧其中的规则"))
    require(actor, "rules.edit", pack.org_path)
    on = on or _today()
    start = rule.effective_from or pack.effective_from
    if on < _today():
        raise ValidationError({"on": _("停止日期不能早于今天,已作出的判断须保持不变")})
    if rule.effective_to is not None:
        raise ValidationError({"on": _("该版本已经停止")})
    if on <= start:
        # Never in force: nothing was judged by it, so it goes.
        audit.record(
            actor=actor,
            action="rules.rule_delete",
            obj=rule,
            object_repr=f"{rule.rule_id} {rule.title}",
            org_path=pack.org_path,
            before=audit.snapshot(rule, RULE_FIELDS),
        )
        rule.delete()
    else:
        rule.effective_to = on
        rule.changed_by = _user(actor)
        rule.save(update_fields=["effective_to", "changed_by", "changed_at"])
        audit.record(
            actor=actor,
            action="rules.rule_end",
            obj=rule,
            object_repr=f"{rule.rule_id} {rule.title}",
            org_path=pack.org_path,
            after={"effective_to": on.isoformat()},
        )
    _invalidate()
    return rule


# -- importing a local pack file -----------------------------------------------------------------------
def _date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError({name: _("日期格式应为 YYYY-MM-DD:%(v)s") % {"v": value}}) from exc


@transaction.atomic
def pack_load_local(*, actor, org: Org, data: dict[str, Any]) -> RulePack:
    """A local pack from a JSON document shaped like the shipped ones (see packs/examples/), bound
    to `org`; every rule passes the same checks as one entered on the page."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ValidationError(_("规则包文件应为 JSON 对象,含 rules 列表"))
    start = _date(data.get("effective_from"), "effective_from")
    if start is None:
        raise ValidationError({"effective_from": _("请填写施行日期")})
    pack = pack_create(
        actor=actor,
        org=org,
        title=str(data.get("title", "")),
        level=str(data.get("level", "")),
        effective_from=start,
        effective_to=_date(data.get("effective_to"), "effective_to"),
        issuer=str(data.get("issuer", "")),
        doc_number=str(data.get("doc_number", "")),
        published_on=_date(data.get("published_on"), "published_on"),
        source_url=str(data.get("source", "")),
        notes=str(data.get("notes", "")),
    )
    for item in data["rules"]:
        try:
            row = rule_save(
                actor=actor,
                pack=pack,
                rule_id=str(item.get("id", "")),
                kind=item.get("kind"),
                title=str(item.get("title", "")),
                params=item.get("params", {}),
                article=str(item.get("article", "")),
                basis=str(item.get("basis", "")),
                source_url=str(item.get("source", "")),
                effective_from=start,
            )
        except ValidationError as exc:
            messages = [f"{item.get('id', '?')}:{m}" for m in exc.messages]
            raise ValidationError(messages) from exc
        if item.get("confidence") in Rule.Confidence.values:
            Rule.objects.filter(pk=row.pk).update(confidence=item["confidence"])
    _invalidate()
    return pack


# -- the workday calendar ------------------------------------------------------------------------------
CAL_FIELDS = ["is_workday", "name", "source", "note"]


@transaction.atomic
def calendar_load(*, actor=None, year: int | None = None) -> dict[int, int]:
    """Load the chinese-calendar package's holidays and 调休 workdays (all its years, or one).
    Operator rows are never overwritten; shipped rows the package no longer has are removed."""
    if actor is not None:
        require(actor, "calendar.edit")
    years = calendar.package_years() if year is None else [year]
    known = set(calendar.package_years())
    out: dict[int, int] = {}
    for y in years:
        if y not in known:
            raise ValidationError(
                {
                    "year": _("chinese-calendar 数据包没有%(y)d年的节假日安排,请按国务院办公厅通知逐日录入")
                    % {"y": y}
                }
            )
        days = calendar.package_days(y)
        operator = set(
            CalendarDay.objects.filter(date__year=y, source=CalendarDay.Source.OPERATOR).values_list(
                "date", flat=True
            )
        )
        CalendarDay.objects.filter(date__year=y, source=CalendarDay.Source.SHIPPED).exclude(
            date__in=list(days)
        ).delete()
        existing = {
            d.date: d for d in CalendarDay.objects.filter(date__year=y, source=CalendarDay.Source.SHIPPED)
        }
        new = []
        for date, (is_work, name) in days.items():
            if date in operator:
                continue
            row = existing.get(date)
            if row is None:
                new.append(
                    CalendarDay(date=date, is_workday=is_work, name=name, source=CalendarDay.Source.SHIPPED)
                )
            elif (row.is_workday, row.name) != (is_work, name):
                CalendarDay.objects.filter(pk=row.pk).update(is_workday=is_work, name=name)
        CalendarDay.objects.bulk_create(new)
        year_row = CalendarYear.objects.filter(year=y).first()
        if year_row is None:
            CalendarYear.objects.create(year=y, source=CalendarYear.Source.SHIPPED)
        out[y] = len(days)
    if actor is not None:
        audit.record(
            actor=actor, action="calendar.load", object_type="rules.calendaryear", after={"years": years}
        )
    _invalidate()
    return out


def _check_day(date: dt.date) -> None:
    if not (1949 <= date.year <= 2200):
        raise ValidationError({"date": _("日期超出范围")})


@transaction.atomic
def calendar_day_set(
    *, actor, date: dt.date, is_workday: bool, name: str = "", note: str = ""
) -> CalendarDay | None:
    """An operator's correction: `date` is (or is not) a working day. A value equal to the
    Monday–Friday default with no package entry is stored as no exception at all."""
    require(actor, "calendar.edit")
    _check_day(date)
    if not is_workday and not name.strip() and date.weekday() < 5:
        raise ValidationError({"name": _("工作日改为休息日时请填写节日名称")})
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = audit.snapshot(row, CAL_FIELDS) if row else {}
    package = calendar.package_days(date.year).get(date)
    default = date.weekday() < 5
    if is_workday == default and package is None and not name.strip():
        result = None
        if row is not None:
            row.delete()
    else:
        if row is None:
            row = CalendarDay(date=date)
        row.is_workday = is_workday
        row.name = name.strip()
        row.note = note.strip()
        row.source = CalendarDay.Source.OPERATOR
        row.changed_by = _user(actor)
        row.save()
        result = row
    after = audit.snapshot(result, CAL_FIELDS) if result else {}
    audit.record(
        actor=actor,
        action="calendar.day_set",
        object_type="rules.calendarday",
        object_id=date.isoformat(),
        object_repr=date.isoformat(),
        before=before,
        after=after | {"date": date.isoformat(), "is_workday": is_workday},
    )
    _invalidate()
    return result


@transaction.atomic
def calendar_day_remove(*, actor, date: dt.date) -> None:
    """Undo an exception: the day goes back to Monday–Friday. A day the package lists is kept as
    an operator row with the default value, so the next package load does not bring it back."""
    require(actor, "calendar.edit")
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    if row is None:
        raise ValidationError({"date": _("%(d)s 没有登记节假日或调休") % {"d": date.isoformat()}})
    before = audit.snapshot(row, CAL_FIELDS)
    if date in calendar.package_days(date.year):
        row.is_workday = date.weekday() < 5
        row.name = ""
        row.source = CalendarDay.Source.OPERATOR
        row.note = _("操作员撤销数据包中的安排")
        row.changed_by = _user(actor)
        row.save()
    else:
        row.delete()
    audit.record(
        actor=actor,
        action="calendar.day_remove",
        object_type="rules.calendarday",
        object_id=date.isoformat(),
        object_repr=date.isoformat(),
        before=before,
    )
    _invalidate()


@transaction.atomic
def calendar_year_mark(*, actor, year: int, note: str = "") -> CalendarYear:
    """Declare `year` complete (after entering the State Council notice): its answers are no
    longer provisional."""
    require(actor, "calendar.edit")
    if not (1949 <= year <= 2200):
        raise ValidationError({"year": _("年份超出范围")})
    if not note.strip():
        raise ValidationError({"note": _("请填写依据(如国务院办公厅关于某年部分节假日安排的通知)")})
    row, created = CalendarYear.objects.get_or_create(
        year=year, defaults={"source": CalendarYear.Source.OPERATOR, "note": note.strip()}
    )
    if not created:
        raise ValidationError({"year": _("%(y)d年的节假日安排已经载入") % {"y": year}})
    audit.record(
        actor=actor,
        action="calendar.year_mark",
        object_type="rules.calendaryear",
        object_id=str(year),
        object_repr=str(year),
        after={"year": year, "note": note.strip()},
    )
    _invalidate()
    return row


__all__ = [
    "calendar_day_remove",
    "calendar_day_set",
    "calendar_load",
    "calendar_year_mark",
    "loosenings",
    "move_pack_paths",
    "pack_create",
    "pack_load_local",
    "pack_update",
    "rule_end",
    "rule_save",
]
