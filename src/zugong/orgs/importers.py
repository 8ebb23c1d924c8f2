"""Importing the organization tree (《党组织和所在单位基本信息采集表》): one row an organization,
keyed by 组织代码, its parent by 上级组织代码 — an org already in the system or any row of the same
file (rows are written parents first, whatever their order in the file).

Organizations are few next to members (a province has 400,000), so each is written through the
org services (`org_create`, `unit_create`, `org_set_units`, `seat_add`): the tree paths, totals,
history events and audit entries are exactly those of the pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core.importing.pipeline import Column, Importer, ImportRefused, Problem, RowsRefused, WriteResult
from zugong.core.scope import scope_for
from zugong.orgs import services
from zugong.orgs.models import CommitteeSeat, Org, OrgKind, OrgUnit, Unit


class OrgImporter(Importer):
    name = "orgs"
    title = gettext_lazy("党组织和所在单位基本信息")
    late_checks = True
    columns = [
        Column("code", "组织代码", ("党组织代码",), kind="compact", required=True, example="C0A3"),
        Column(
            "name",
            "组织名称",
            ("党组织名称", "党组织全称", "名称"),
            required=True,
            example="中共甲村支部委员会",
        ),
        Column(
            "kind",
            "组织类别",
            ("党组织类别",),
            kind="code",
            table="org_kind",
            required=True,
            example="党支部",
        ),
        Column(
            "parent",
            "上级组织代码",
            ("上级党组织代码", "上级组织"),
            kind="compact",
            help="系统中已有的党组织,或本表中任意一行的组织代码;不填则为顶级党组织(仅系统管理员)",
            example="C0A",
        ),
        Column("unit_name", "所在单位名称", ("单位名称", "所在单位"), example="泽州县甲村村民委员会"),
        Column(
            "unit_kind",
            "单位类别",
            kind="code",
            table="unit_kind",
            help="填写了所在单位名称时必填",
            example="行政村",
        ),
        Column("region", "行政区划代码", ("行政区划",), kind="code", table="region", example="140525"),
        Column("established_on", "成立日期", ("成立时间", "建立日期"), kind="month", example="2005-07-01"),
        Column("secretary", "书记姓名", ("书记",), example="李四"),
    ]
    notes = [
        gettext_lazy("一行一个党组织,以组织代码识别;同一文件中不能重复。"),
        gettext_lazy("上级组织可以是系统中已有的党组织,也可以是本表中的任意一行(不必排在前面)。"),
        gettext_lazy("党总支下只能设党支部;党支部下不能再设党组织。"),
        gettext_lazy("所在单位按“单位名称+单位类别”查找,已有的直接关联,没有的新建。"),
        gettext_lazy(
            "组织代码已存在且各项一致的行不做修改;不一致的行会被拒绝,除非使用更新模式(--update):"
            "逐项更新名称、类别、行政区划、成立日期和所在单位。上级组织和书记不能通过导入更改。"
        ),
    ]

    def __init__(self, *, actor, update: bool = False, **options: Any) -> None:
        super().__init__(actor=actor, update=update, **options)
        self.scope = scope_for(actor) if actor is not None else None
        self.may_add_roots = actor is None or getattr(actor, "is_superuser", False)
        self.accepted: dict[str, dict[str, Any]] = {}  # code -> what finish() needs
        self.failed: dict[str, int] = {}  # code -> line of a row rejected in the first pass
        self.depth: dict[str, int] = {}

    def prepare(self) -> None:
        if self.scope is not None and not self.scope.has("org.structure"):
            raise ImportRefused(_("该账号没有设置党组织的权限,不能导入党组织"))

    def key(self, row: dict[str, Any]) -> str | None:
        return row.get("code") or None

    def key_column(self) -> str:
        return "code"

    def _in_scope(self, path: str) -> bool:
        return self.scope is None or self.scope.contains(path)

    # -- first pass --------------------------------------------------------------------------------
    def check_batch(self, rows: list[dict[str, Any]]) -> dict[int, list[Problem]]:
        rows = [row for row in rows if "_bad" not in row]  # cells already reported
        codes = {row["code"] for row in rows}
        stored = {o.code: o for o in Org.objects.filter(code__in=codes)}
        parents = {
            o.path: o.code
            for o in Org.objects.filter(path__in={o.path[: -Org.steplen] for o in stored.values()}).only(
                "path", "code"
            )
        }
        units: dict[int, set[str]] = {}
        for org_id, unit_name in OrgUnit.objects.filter(org__in=stored.values()).values_list(
            "org_id", "unit__name"
        ):
            units.setdefault(org_id, set()).add(unit_name)
        secretaries = dict(
            CommitteeSeat.objects.filter(
                org__in=stored.values(), post=CommitteeSeat.Post.SECRETARY, ended_on__isnull=True
            ).values_list("org_id", "person_name")
        )
        out: dict[int, list[Problem]] = {}
        for row in rows:
            line = row["_line"]
            problems: list[Problem] = []
            if row.get("unit_name") and not row.get("unit_kind"):
                problems.append(self.problem(line, "unit_kind", "", _("填写了所在单位名称时须填写单位类别")))
            if not row.get("parent") and not self.may_add_roots:
                problems.append(self.problem(line, "parent", "", _("只有系统管理员可以创建顶级党组织")))
            org = stored.get(row["code"])
            if org is not None and not problems:
                problems.extend(self._compare(row, org, parents, units, secretaries))
            elif org is None:
                row["_action"] = "create"
            if problems:
                out[line] = problems
        return out

    def _compare(self, row, org: Org, parents, units, secretaries) -> list[Problem]:
        line = row["_line"]
        if not self._in_scope(org.path):
            return [self.problem(line, "code", row["code"], _("组织代码已被其他党组织使用"))]
        differ = []
        if row["name"] != org.name:
            differ.append("name")
        if row["kind"] != org.kind:
            differ.append("kind")
        stored_parent = parents.get(org.path[: -Org.steplen], "")
        if (row.get("parent") or "") != stored_parent:
            differ.append("parent")
        if row.get("region") and row["region"] != org.region_code:
            differ.append("region")
        if row.get("established_on") and row["established_on"] != org.established_on:
            differ.append("established_on")
        if row.get("unit_name") and row["unit_name"] not in units.get(org.pk, set()):
            differ.append("unit_name")
        if row.get("secretary") and row["secretary"] != secretaries.get(org.pk):
            differ.append("secretary")
        if not differ:
            row["_action"] = "same"
            return []
        if not self.update:
            labels = "、".join(self.label(k) for k in differ)
            return [
                self.problem(
                    line,
                    "code",
                    row["code"],
                    _("该组织代码已登记为“%(o)s”,与本行不同的项目:%(f)s;如需更新请使用更新模式")
                    % {"o": org.name, "f": labels},
                )
            ]
        problems = []
        if "parent" in differ:
            # A different parent is a move of the whole subtree (its members, totals, history): it
            # is an act of its own (调整隶属关系, org_move, with its date and reason), never a side
            # effect of a spreadsheet cell.
            problems.append(
                self.problem(
                    line,
                    "parent",
                    row.get("parent") or "",
                    _(
                        "“%(o)s”在系统中的上级组织是%(p)s,更新模式不调整隶属关系;"
                        "请在党组织页面使用“调整隶属关系”办理,或把本行的上级组织代码改为%(p)s"
                    )
                    % {"o": org.name, "p": stored_parent or _("(无,顶级党组织)")},
                )
            )
        if "secretary" in differ:
            problems.append(
                self.problem(
                    line,
                    "secretary",
                    row["secretary"],
                    _("现任书记为“%(s)s”;书记的任免有任职日期,请在党组织页面的班子成员中办理")
                    % {"s": secretaries.get(org.pk) or _("(空缺)")},
                )
            )
        if problems:
            return problems
        row["_action"] = "update"
        row["_org_id"] = org.pk
        row["_changes"] = differ
        return []

    def label(self, key: str) -> str:
        column = self.column(key)
        return self.header_of.get(key) or (column.label if column else key)

    def accept(self, row: dict[str, Any]) -> None:
        self.accepted[row["code"]] = {
            "line": row["_line"],
            "kind": row["kind"],
            "parent": row.get("parent") or "",
            "new": row["_action"] == "create",
        }

    def rejected(self, row: dict[str, Any]) -> None:
        if row.get("code"):
            self.failed.setdefault(row["code"], row["_line"])

    # -- the whole file ----------------------------------------------------------------------------
    def finish(self) -> dict[int, list[Problem]]:
        """Parents: in the file (any row) or in the system and in scope; kinds nest; no cycles."""
        new = {code: info for code, info in self.accepted.items() if info["new"]}
        outside = {
            info["parent"] for info in new.values() if info["parent"] and info["parent"] not in self.accepted
        }
        stored = {o.code: o for o in Org.objects.filter(code__in=outside)}
        late: dict[int, list[Problem]] = {}
        parent_label = self.header_of.get("parent") or _("上级组织代码")

        def refuse(code: str, reason: str) -> None:
            info = new[code]
            late[info["line"]] = [Problem(info["line"], parent_label, info["parent"], reason)]

        for code, info in new.items():
            parent = info["parent"]
            if not parent:
                continue
            if parent in self.accepted:
                parent_kind = self.accepted[parent]["kind"]
            elif parent in stored:
                org = stored[parent]
                if not self._in_scope(org.path):
                    refuse(
                        code, _("上级组织“%(o)s”(%(c)s)不在该账号的管理范围内") % {"o": org.name, "c": parent}
                    )
                    continue
                if not org.is_active:
                    refuse(code, _("上级组织“%(o)s”已撤销") % {"o": org.name})
                    continue
                parent_kind = org.kind
            elif parent in self.failed:
                refuse(code, _("上级组织(第%(n)d行)有错误,未能导入") % {"n": self.failed[parent]})
                continue
            else:
                refuse(code, _("找不到上级组织“%(c)s”:系统中和本表中都没有这个组织代码") % {"c": parent})
                continue
            if not services.allowed_child(parent_kind, info["kind"]):
                refuse(
                    code,
                    _("%(p)s下不能设置%(k)s")
                    % {"p": OrgKind(parent_kind).label, "k": OrgKind(info["kind"]).label},
                )
        self._order(new, late, refuse)
        return late

    def _order(self, new, late, refuse) -> None:
        """Depth of each new org below what exists (parents are written first); a cycle or a
        refused parent refuses the rows below it."""
        state: dict[str, int | None] = {}
        for start in new:
            chain: list[str] = []
            current = start
            while current in new and current not in state and current not in chain:
                chain.append(current)
                current = new[current]["parent"]
            base: int | None
            if current in chain:
                cycle = chain[chain.index(current) :]
                for c in cycle:
                    refuse(c, _("上级组织关系形成循环"))
                    state[c] = None
                chain = chain[: chain.index(current)]
                base = None
            elif current in new:
                base = state[current]
            else:
                base = 0
            for c in reversed(chain):
                info = new[c]
                if info["line"] in late:
                    state[c] = base = None
                elif base is None:
                    refuse(c, _("上级组织(第%(n)d行)有错误,未能导入") % {"n": new[info["parent"]]["line"]})
                    state[c] = None
                else:
                    base += 1
                    state[c] = base
        self.depth = {c: d for c, d in state.items() if d is not None}

    # -- commit ------------------------------------------------------------------------------------
    def write(self, rows: Iterable[dict[str, Any]]) -> WriteResult:
        result = WriteResult()
        pending, updates = [], []
        for row in rows:
            if row["_action"] == "same":
                result.unchanged += 1
            elif row["_action"] == "update":
                updates.append(row)
            else:
                pending.append(row)
        pending.sort(key=lambda r: (self.depth.get(r["code"], 0), r["_line"]))
        made: dict[str, Org] = {}
        units: dict[tuple[str, str], Unit] = {}
        for row in pending:
            parent_code = row.get("parent")
            parent = None
            if parent_code:
                parent = made.get(parent_code) or Org.objects.get(code=parent_code)
            with self.row_errors(row):
                org = services.org_create(
                    actor=self.actor,
                    parent=parent,
                    code=row["code"],
                    name=row["name"],
                    kind=row["kind"],
                    region_code=row.get("region") or "",
                    established_on=_plain_date(row.get("established_on")),
                )
                made[org.code] = org
                if row.get("unit_name"):
                    unit = self._unit(row, org, parent, units)
                    services.org_set_units(actor=self.actor, org=org, units=[unit])
                if row.get("secretary"):
                    services.seat_add(
                        actor=self.actor,
                        org=org,
                        post=CommitteeSeat.Post.SECRETARY,
                        person_name=row["secretary"],
                        started_on=_plain_date(row.get("established_on")) or dt.date.today(),
                    )
            result.imported += 1
        for row in updates:
            with self.row_errors(row):
                self._update(row, units)
            result.updated += 1
        return result

    def _update(self, row: dict[str, Any], units: dict[tuple[str, str], Unit]) -> None:
        """The changed fields through org_update (one org.update entry: before/after of each) and a
        changed unit through org_set_units (the named unit becomes the primary one; a joint
        branch keeps its other units)."""
        org = Org.objects.get(pk=row["_org_id"])
        changes = row["_changes"]
        fields: dict[str, Any] = {}
        if "name" in changes:
            fields["name"] = row["name"]
        if "kind" in changes:
            fields["kind"] = row["kind"]
        if "region" in changes:
            fields["region_code"] = row["region"]
        if "established_on" in changes:
            fields["established_on"] = _plain_date(row["established_on"])
        if fields:
            org = services.org_update(actor=self.actor, org=org, **fields)
        if "unit_name" in changes:
            parent = Org.objects.get_parent(org)
            unit = self._unit(row, org, parent, units)
            others = [link.unit for link in OrgUnit.objects.filter(org=org).select_related("unit")]
            keep = [u for u in others if u.pk != unit.pk] if org.kind == OrgKind.JOINT_BRANCH else []
            services.org_set_units(actor=self.actor, org=org, units=[unit, *keep], primary=unit)

    @contextmanager
    def row_errors(self, row: dict[str, Any]) -> Iterator[None]:
        """A service refusing a row while writing (a rule only it checks): the row's problem, and the
        whole import rolled back."""
        try:
            yield
        except ValidationError as exc:
            fields = {"region_code": "region", "units": "unit_name", "new_parent": "parent"}
            pairs = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            problems = []
            for field, messages in pairs:
                key = fields.get(field, field)
                if self.column(key) is None:
                    key = "code"
                value = OrgKind(row["kind"]).label if key == "kind" else row.get(key) or ""
                problems.extend(self.problem(row["_line"], key, value, message) for message in messages)
            raise RowsRefused(problems, row.get("_cells")) from exc

    def _unit(self, row, org: Org, parent: Org | None, cache: dict[tuple[str, str], Unit]) -> Unit:
        key = (row["unit_name"], row["unit_kind"])
        unit = cache.get(key)
        if unit is None:
            unit = Unit.objects.filter(name=key[0], kind=key[1]).order_by("pk").first()
        if unit is None:
            code = "U" + org.code
            n = 1
            while Unit.objects.filter(code=code).exists():
                n += 1
                code = f"U{org.code}-{n}"
            unit = services.unit_create(
                actor=self.actor,
                managing_org=parent or org,
                code=code,
                name=key[0],
                kind=key[1],
                region_code=row.get("region") or org.region_code,
            )
        cache[key] = unit
        return unit


__all__ = ["ImportRefused", "OrgImporter"]


def _plain_date(value: dt.date | None) -> dt.date | None:
    """A date as a plain date (a month-only cell parses to a MonthDate)."""
    return None if value is None else dt.date(value.year, value.month, value.day)
