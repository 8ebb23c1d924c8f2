"""Exports of the organization tree (a subtree or search results) and of the unit registry.

The org export's first columns are those of the national 《党组织和所在单位基本信息采集表》 as the
org importer reads them (组织代码, 党组织名称, 组织类别, 上级党组织代码, 所在单位 …), so an exported
file can be edited and imported again.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core import codes
from zugong.core.exporting import CHUNK_SIZE, Column, Export
from zugong.orgs import selectors
from zugong.orgs.filters import UnitFilterForm
from zugong.orgs.models import CommitteeSeat, Org, OrgUnit, Unit

LOOKUP_BATCH = 500  # ids per IN (...) of the per-batch look-ups (SQLite's old 999-parameter limit)


def _batches(iterable, size: int):
    it = iter(iterable)
    while batch := list(islice(it, size)):
        yield batch


class OrgExport(Export):
    """The orgs under `org` (or the whole scope), or those a search found, in tree order."""

    name = "orgs"
    title = gettext_lazy("党组织")
    perm = "org.view"
    param_names = ("org", "q", "dissolved")

    def resolve_under(self) -> Org | None:
        code = self.params.get("org", "")
        return selectors.org_get(scope=self.scope, code=code) if code else None

    @property
    def include_dissolved(self) -> bool:
        return self.params.get("dissolved", "") in {"on", "1", "true"}

    def queryset(self) -> QuerySet[Org]:
        return selectors.org_search(
            scope=self.scope,
            q=self.params.get("q", "")[:100],
            include_dissolved=self.include_dissolved,
            under=self.under,
        )

    def conditions(self) -> list[tuple[str, str]]:
        out = []
        if self.under is not None:
            out.append((_("组织范围"), f"{self.under.name}({self.under.code})"))
        if self.params.get("q"):
            out.append((_("关键字"), self.params["q"]))
        if self.include_dissolved:
            out.append((_("含已撤销组织"), _("是")))
        return out

    def columns(self) -> list[Column]:
        return [
            Column(_("组织代码"), "code", "text_id"),
            Column(_("党组织名称"), "name"),
            Column(_("简称"), "short_name"),
            Column(_("组织类别"), lambda o: o.get_kind_display()),
            Column(_("上级党组织代码"), lambda o: o.x_parent[0], "text_id"),
            Column(_("上级党组织"), lambda o: o.x_parent[1]),
            Column(_("所在单位"), lambda o: "、".join(u.name for u in o.x_units)),
            Column(_("单位类别"), lambda o: codes.label("unit_kind", o.x_units[0].kind) if o.x_units else ""),
            Column(_("行政区划代码"), "region_code", "text_id"),
            Column(_("成立日期"), "established_on", "date"),
            Column(_("党组织书记"), "x_secretary"),
            Column(_("联系电话"), "phone", "text_id"),
            Column(_("党员总数(含下级)"), "member_total", "int"),
            Column(_("下级组织数"), "org_total", "int"),
            Column(_("本届任期起始"), "term_started_on", "date"),
            Column(_("状态"), lambda o: _("有效") if o.is_active else _("已撤销")),
            Column(_("撤销日期"), "dissolved_on", "date"),
        ]

    def rows(self) -> Iterator[list]:
        """Rows in tree order; parents, units and secretaries come from a few queries per batch."""
        columns = self.columns()
        for chunk in _batches(self.queryset().iterator(chunk_size=CHUNK_SIZE), LOOKUP_BATCH):
            self._annotate(chunk)
            for org in chunk:  # a parent above the account's subtree stays unnamed
                if org.x_parent[0] and not self.scope.contains(org.path[: -Org.steplen]):
                    org.x_parent = ("", "")
            for org in chunk:
                yield [c.value(org) for c in columns]

    @staticmethod
    def _annotate(orgs: list[Org]) -> None:
        by_path = {o.path: o for o in orgs}
        missing = {o.path[: -Org.steplen] for o in orgs if o.depth > 1} - by_path.keys()
        parents = {
            p: (c, n) for p, c, n in Org.objects.filter(path__in=missing).values_list("path", "code", "name")
        }
        parents.update({o.path: (o.code, o.name) for o in orgs})
        ids = [o.pk for o in orgs]
        units: dict[int, list[Unit]] = {}
        for link in (
            OrgUnit.objects.filter(org_id__in=ids)
            .select_related("unit")
            .order_by("-is_primary", "unit__name")
        ):
            units.setdefault(link.org_id, []).append(link.unit)
        secretaries = dict(
            CommitteeSeat.objects.filter(
                org_id__in=ids, post=CommitteeSeat.Post.SECRETARY, ended_on__isnull=True
            )
            .order_by("started_on")
            .values_list("org_id", "person_name")
        )
        for o in orgs:
            o.x_parent = parents.get(o.path[: -Org.steplen], ("", "")) if o.depth > 1 else ("", "")
            o.x_units = units.get(o.pk, [])
            o.x_secretary = secretaries.get(o.pk, "")


class UnitExport(Export):
    """The unit list with the page's filters."""

    name = "units"
    title = gettext_lazy("单位")
    perm = "unit.view"
    param_names = ("q", "kind", "has_org", "region")

    def _form(self) -> UnitFilterForm:
        return UnitFilterForm(self.params or None)

    def queryset(self) -> QuerySet[Unit]:
        return selectors.unit_list(scope=self.scope, **self._form().values())

    def conditions(self) -> list[tuple[str, str]]:
        form = self._form()
        out = []
        for key, value in form.values().items():
            field = form.fields[key]
            choices = dict((str(k), str(v)) for k, v in getattr(field, "choices", []))
            out.append((str(field.label), choices.get(str(value), str(value))))
        return out

    def columns(self) -> list[Column]:
        return [
            Column(_("单位名称"), "name"),
            Column(_("单位代码"), "code", "text_id"),
            Column(_("统一社会信用代码"), "credit_code", "text_id"),
            Column(_("单位类别"), "kind_label"),
            Column(_("行政区划"), "region_label"),
            Column(_("乡镇(街道)"), "township"),
            Column(_("村(社区)"), "village"),
            Column(_("从业人员数"), "employees", "int"),
            Column(_("管理党组织"), "managing_org.name"),
            Column(_("管理党组织代码"), "managing_org.code", "text_id"),
            Column(_("已建党组织"), "has_org", "bool"),
            Column(_("状态"), lambda u: _("有效") if u.is_active else _("已注销")),
        ]
