"""Export of the meeting list: every meeting the list shows (same scope, subtree and filters), one row
each, with its kinds, counts and quorum judgement."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core.exporting import Column, Export
from zugong.orglife import selectors
from zugong.orglife.models import Meeting, MeetingKind
from zugong.orgs.models import Org


def _kinds(m: Meeting) -> str:
    return "、".join(str(MeetingKind(p.kind).label) for p in m.parts.all())


def _quorum(m: Meeting) -> str:
    if m.quorum_met is None:
        return ""
    return _("符合规定") if m.quorum_met else _("到会人数不足")


class MeetingExport(Export):
    name = "meetings"
    title = gettext_lazy("组织生活会议记录")
    perm = "orglife.view"
    param_names = ("org", "kind", "date_from", "date_to", "q")

    def resolve_under(self) -> Org | None:
        code = self.params.get("org", "")
        if code:
            return selectors.org_get(scope=self.scope, code=code)
        return selectors.scope_root_org(scope=self.scope)

    @property
    def filters(self) -> selectors.MeetingFilters:
        return selectors.MeetingFilters.from_mapping(self.params)

    def queryset(self) -> QuerySet[Meeting]:
        return selectors.meeting_list(scope=self.scope, under=self.under, filters=self.filters)

    def count(self) -> int:
        return self.queryset().count()

    def rows(self):
        # prefetch_related does not survive .iterator() without a chunk size; it does with one.
        qs = self.queryset()
        columns = self.columns()
        for m in qs.iterator(chunk_size=1000):
            yield [c.value(m) for c in columns]

    def conditions(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.under is not None:
            out.append((_("组织范围"), f"{self.under.name}({self.under.code})"))
        f = self.filters
        if f.kind:
            out.append((_("会议类型"), str(MeetingKind(f.kind).label)))
        if f.date_from:
            out.append((_("日期从"), f.date_from.isoformat()))
        if f.date_to:
            out.append((_("日期至"), f.date_to.isoformat()))
        if f.q:
            out.append((_("关键词"), f.q))
        return out

    def columns(self) -> list[Column]:
        return [
            Column(_("日期"), "held_on", "date"),
            Column(_("党组织"), "org.name"),
            Column(_("组织代码"), "org.code", "text_id"),
            Column(_("会议类型"), _kinds),
            Column(_("主题"), "topic"),
            Column(_("地点"), "place"),
            Column(_("主持人"), "host_name"),
            Column(_("记录人"), "recorder_name"),
            Column(_("授课人"), "lecturer_name"),
            Column(_("应到"), "expected", "int"),
            Column(_("实到"), "present", "int"),
            Column(_("请假"), "on_leave", "int"),
            Column(_("有表决权应到"), "voting_expected", "int"),
            Column(_("有表决权实到"), "voting_present", "int"),
            Column(_("到会判断"), _quorum),
            Column(_("说明"), "quorum_note"),
            Column(_("逐人记录出席"), "attendance_taken", "bool"),
        ]
