"""Importing meeting records (back-filling paper 会议记录本): one row a meeting, with its kinds and,
optionally, who attended, who was excused (with the reason) and who was absent, by name.

Rows are checked with the same rules as the meeting form (orglife.services), then written through
`meeting_create` in the import's single transaction: all-or-nothing by default. A row whose org,
date and topic match a stored meeting of the same kinds is unchanged, so re-importing a file changes
nothing; with `--update` a stored meeting with the same org, date and topic is updated instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core.importing.pipeline import Column, Importer, ImportRefused, Problem, WriteResult
from zugong.core.scope import scope_for
from zugong.members.models import Member, PartyGroup
from zugong.orglife import services
from zugong.orglife.models import Meeting, MeetingKind
from zugong.orgs.models import Org

_SPLIT = re.compile(r"[、,，;；/\s]+")
_NAME = re.compile(r"^(?P<name>[^()（）]+?)\s*(?:[(（](?P<note>[^()（）]*)[)）])?$")
# What people call each kind, besides its label.
KIND_SYNONYMS: dict[str, tuple[str, ...]] = {
    MeetingKind.BRANCH_ASSEMBLY: ("党员大会", "支部大会", "支部党员大会"),
    MeetingKind.BRANCH_COMMITTEE: ("支委会", "支部委员会", "支部委员会会议"),
    MeetingKind.GROUP_MEETING: ("党小组会", "小组会"),
    MeetingKind.PARTY_LECTURE: ("党课",),
    MeetingKind.THEME_DAY: ("主题党日", "党员活动日", "主题党日活动", "5+N党员活动日"),
    MeetingKind.LIFE_MEETING: ("组织生活会",),
    MeetingKind.MEMBER_REVIEW: ("民主评议党员", "民主评议"),
    MeetingKind.HEART_TALK: ("谈心谈话",),
}


def _kind_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for kind in MeetingKind:
        out[str(kind.label)] = kind.value
        out[kind.value] = kind.value
    for kind, names in KIND_SYNONYMS.items():
        for name in names:
            out[name] = kind
    return out


def split_names(text: str) -> list[tuple[str, str]]:
    """'张三、李四(出差)' → [('张三', ''), ('李四', '出差')]; a note in brackets is a reason or the
    last four characters of the ID number when two members share a name."""
    out = []
    # Split outside brackets only: a reason may contain a comma.
    depth, current = 0, ""
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(depth - 1, 0)
        if depth == 0 and _SPLIT.match(ch):
            if current.strip():
                out.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        out.append(current.strip())
    result = []
    for item in out:
        m = _NAME.match(item)
        if m:
            result.append((m.group("name").strip(), (m.group("note") or "").strip()))
        else:
            result.append((item, ""))
    return result


class MeetingImporter(Importer):
    name = "meetings"
    title = gettext_lazy("会议活动记录")
    batch_size = 500
    columns = [
        Column(
            "org", "组织代码", ("党组织代码", "党支部代码"), kind="compact", required=True, example="C0A1"
        ),
        Column(
            "held_on",
            "会议日期",
            ("日期", "召开日期", "活动日期", "时间"),
            kind="date",
            required=True,
            example="2026-03-05",
        ),
        Column(
            "kinds",
            "会议类型",
            ("类型", "会议类别", "活动类型"),
            required=True,
            help="可填多个,用顿号分隔,如“主题党日、支部党员大会、党课”",
            example="主题党日、党课",
        ),
        Column("topic", "会议主题", ("主题", "议题", "内容"), required=True, example="学习党章"),
        Column("place", "地点", ("会议地点",), example="村党群服务中心"),
        Column("host_name", "主持人", (), example="李四"),
        Column("recorder_name", "记录人", (), example="王五"),
        Column("lecturer_name", "授课人", ("讲课人",), example=""),
        Column("party_group", "党小组", ("党小组名称",), help="党小组会必填", example=""),
        Column("expected", "应到人数", ("应到",), kind="int", help="不逐人填写出席名单时必填", example="12"),
        Column("present", "实到人数", ("实到",), kind="int", example="11"),
        Column("on_leave", "请假人数", (), kind="int", example="1"),
        Column(
            "voting_expected",
            "有表决权应到人数",
            ("表决权应到",),
            kind="int",
            help="党员大会、支委会必填",
            example="11",
        ),
        Column("voting_present", "有表决权实到人数", ("表决权实到",), kind="int", example="10"),
        Column(
            "attendees",
            "出席人员",
            ("参会人员", "到会人员", "出席名单"),
            help="姓名用顿号分隔;重名时在括号中写公民身份号码后四位,如“张三(123X)”",
            example="",
        ),
        Column(
            "on_leave_names",
            "请假人员",
            ("请假名单",),
            help="姓名后括号内写请假原因,如“李四(外出务工)”",
            example="",
        ),
        Column("absent_names", "缺席人员", ("缺席名单",), example=""),
        Column(
            "theme_items",
            "主题党日规定动作",
            ("主题党日项目", "5+N"),
            help="用顿号分隔的项目名称",
            example="",
        ),
        Column("minutes", "会议记录", ("记录", "会议纪要"), example=""),
    ]
    notes = [
        gettext_lazy(
            "一行一次会议。一次会议可同时算作几种会议(如主题党日中召开党员大会、讲党课),"
            "在“会议类型”中一并填写,不要重复录入。"
        ),
        gettext_lazy(
            "填写了出席人员时按名单计算应到、实到和请假人数:应到 = 出席 + 请假 + 缺席,"
            "请把未到会的党员写在请假或缺席人员中;不填名单时须填写应到、实到人数。"
        ),
        gettext_lazy(
            "党员大会、支委会按规定判断到会人数(ZB-08、ZB-09),须能算出有表决权(正式党员)的应到和实到人数。"
        ),
        gettext_lazy(
            "组织代码、会议日期和会议主题都相同的行视为同一次会议:再次导入不重复记录;使用“更新”模式时按文件内容修改。"
        ),
        gettext_lazy("“四议两公开”的各步骤请在系统中按事项逐步记录,不在此表导入。"),
    ]

    def __init__(self, *, actor, update: bool = False, **options: Any) -> None:
        super().__init__(actor=actor, update=update, **options)
        self.scope = scope_for(actor) if actor is not None else None
        self.kinds = _kind_lookup()
        self.orgs: dict[str, Org | None] = {}
        self.rosters: dict[int, dict[str, list[Member]]] = {}
        self.groups: dict[int, dict[str, PartyGroup]] = {}

    def prepare(self) -> None:
        if self.scope is not None and not self.scope.has("orglife.edit"):
            raise ImportRefused(_("该账号没有记录组织生活的权限,不能导入会议记录"))

    def key(self, row: dict[str, Any]) -> str | None:
        if not (row.get("org") and row.get("held_on") and row.get("topic")):
            return None
        return f"{row['org']}|{row['held_on']}|{row['topic']}"

    def key_column(self) -> str:
        return "topic"

    # -- look-ups (one query per batch) -------------------------------------------------------------
    def _load(self, rows: list[dict[str, Any]]) -> None:
        codes = {row["org"] for row in rows if row.get("org")} - set(self.orgs)
        if not codes:
            return
        found = {o.code: o for o in Org.objects.filter(code__in=codes)}
        for code in codes:
            self.orgs[code] = found.get(code)
        ids = [o.pk for o in found.values()]
        for m in Member.objects.filter(org_id__in=ids, standing=Member.Standing.NORMAL).only(
            "id", "name", "org_id", "status", "id_number_masked"
        ):
            self.rosters.setdefault(m.org_id, {}).setdefault(m.name, []).append(m)
        for g in PartyGroup.objects.filter(org_id__in=ids):
            self.groups.setdefault(g.org_id, {})[g.name] = g

    def _member(self, org: Org, name: str, note: str) -> tuple[Member | None, str]:
        """The member called `name` in `org`, and what remains of the note (a reason)."""
        candidates = self.rosters.get(org.pk, {}).get(name, [])
        if len(candidates) > 1:
            tail = note.upper()
            chosen = [m for m in candidates if tail and m.id_number_masked.upper().endswith(tail)]
            if len(chosen) == 1:
                return chosen[0], ""
            return None, _("%(org)s有%(n)d名党员叫“%(name)s”,请在括号中写公民身份号码后四位区分") % {
                "org": org.name,
                "n": len(candidates),
                "name": name,
            }
        if not candidates:
            return None, _("“%(name)s”不是%(org)s的在册党员") % {"name": name, "org": org.name}
        return candidates[0], note

    def check_batch(self, rows: list[dict[str, Any]]) -> dict[int, list[Problem]]:
        rows = [row for row in rows if "_bad" not in row]
        self._load(rows)
        out: dict[int, list[Problem]] = {}
        for row in rows:
            problems = self._check(row)
            if problems:
                out[row["_line"]] = problems
        return out

    def _check(self, row: dict[str, Any]) -> list[Problem]:
        line = row["_line"]
        org = self.orgs.get(row["org"])
        if org is None:
            return [self.problem(line, "org", row["org"], _("系统中没有这个组织代码"))]
        if self.scope is not None and not self.scope.contains(org.path):
            return [self.problem(line, "org", row["org"], _("该组织不在本账号的管理范围内"))]
        if not org.is_active:
            return [self.problem(line, "org", row["org"], _("该组织已撤销"))]
        kinds = []
        for name in _SPLIT.split(row["kinds"]):
            if not name:
                continue
            kind = self.kinds.get(name)
            if kind is None:
                return [self.problem(line, "kinds", name, _("未知的会议类型"))]
            if kind.startswith("village_"):
                return [self.problem(line, "kinds", name, _("“四议两公开”的步骤请在系统中按事项逐步记录"))]
            kinds.append(kind)
        row["_kinds"] = kinds
        group = None
        if row.get("party_group"):
            group = self.groups.get(org.pk, {}).get(row["party_group"])
            if group is None:
                return [
                    self.problem(
                        line,
                        "party_group",
                        row["party_group"],
                        _("%(org)s没有这个党小组") % {"org": org.name},
                    )
                ]
        row["_group"] = group
        items: list[str] = []
        if row.get("theme_items"):
            by_name = {i.name: i.code for i in services.theme_items_for(org)}
            by_name.update({i.code: i.code for i in services.theme_items_for(org)})
            for name in _SPLIT.split(row["theme_items"]):
                if name and name not in by_name:
                    return [self.problem(line, "theme_items", name, _("不是本组织主题党日的项目"))]
                if name:
                    items.append(by_name[name])
        row["_items"] = items
        attendance: list[services.AttendanceRow] = []
        for key, status in (
            ("attendees", "present"),
            ("on_leave_names", "leave"),
            ("absent_names", "absent"),
        ):
            for name, note in split_names(row.get(key) or ""):
                member, rest = self._member(org, name, note)
                if member is None:
                    return [self.problem(line, key, name, rest)]
                attendance.append(services.AttendanceRow(member, status, rest if status != "present" else ""))
        values = {
            "held_on": row["held_on"],
            "topic": row["topic"],
            "party_group": group,
            "theme_items": items,
            **{
                k: row.get(k)
                for k in ("expected", "present", "on_leave", "voting_expected", "voting_present")
            },
        }
        try:
            clean_kinds = services._clean_kinds(org, kinds, None)
            if MeetingKind.GROUP_MEETING in clean_kinds and group is None:
                raise ValidationError({"party_group": _("党小组会请填写党小组")})
            services._check_meeting(org, values)
            if attendance:
                services._check_attendance(org, group, attendance)
                counts = services._counts_from(attendance)
                for field in ("expected", "present", "on_leave"):
                    if row.get(field) is not None and row[field] != counts[field]:
                        raise ValidationError({field: _("与名单不符:名单中为%(n)d人") % {"n": counts[field]}})
            else:
                services._check_counts(values, clean_kinds)
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            column = {"kinds": "kinds", "attendance": "attendees", "held_on": "held_on"}.get(field, field)
            if self.column(column) is None:
                column = ""
            return [self.problem(line, column, row.get(column) if column else "", "".join(messages))]
        row["_attendance"] = attendance
        stored = (
            Meeting.objects.filter(org=org, held_on=row["held_on"], topic=row["topic"])
            .prefetch_related("parts")
            .first()
        )
        row["_meeting"] = stored.pk if stored else None
        if stored is None:
            row["_action"] = "create"
        elif self.update:
            row["_action"] = "update"
        elif sorted(stored.kinds) == sorted(clean_kinds):
            row["_action"] = "same"
        else:
            return [
                self.problem(
                    line,
                    "kinds",
                    row["kinds"],
                    _("系统中已有同日同主题的会议,类型为“%(k)s”;如需修改请使用更新模式")
                    % {"k": "、".join(stored.kind_labels)},
                )
            ]
        return []

    def write(self, rows: Iterable[dict[str, Any]]) -> WriteResult:
        result = WriteResult()
        for row in rows:
            if row["_action"] == "same":
                result.unchanged += 1
                continue
            org = Org.objects.get(code=row["org"])
            fields = {
                "held_on": row["held_on"],
                "topic": row["topic"],
                "place": row.get("place") or "",
                "host_name": row.get("host_name") or "",
                "recorder_name": row.get("recorder_name") or "",
                "lecturer_name": row.get("lecturer_name") or "",
                "minutes": row.get("minutes") or "",
                "party_group": row["_group"],
                "theme_items": row["_items"],
            }
            attendance = row["_attendance"] or None
            if attendance is None:
                for k in ("expected", "present", "on_leave", "voting_expected", "voting_present"):
                    fields[k] = row.get(k)
                if fields["on_leave"] is None:
                    fields["on_leave"] = 0
            if row["_action"] == "update":
                meeting = Meeting.objects.get(pk=row["_meeting"])
                services.meeting_update(
                    actor=self.actor, meeting=meeting, kinds=row["_kinds"], attendance=attendance, **fields
                )
                result.updated += 1
            else:
                services.meeting_create(
                    actor=self.actor, org=org, kinds=row["_kinds"], attendance=attendance, **fields
                )
                result.imported += 1
        return result
