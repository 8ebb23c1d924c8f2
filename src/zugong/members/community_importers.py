"""Importing volunteer hours (a community's paper 志愿服务登记表): one row a member's hours at one
activity, the activity found by community code, title and date (created when the community has no
such activity yet), the member by 公民身份号码 (the name must match).

Each row is checked by the services themselves inside a savepoint that is rolled back, so the file
meets exactly the rules of the batch form (the member reported to that community or belongs to it,
hours in half-hour steps, once per activity); the commit writes through the same services in the
import's single transaction: all-or-nothing by default. A row already recorded with the same hours
is unchanged, so importing a file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core import crypto
from zugong.core.importing.pipeline import Column, Importer, ImportRefused, Problem, WriteResult
from zugong.core.scope import scope_for
from zugong.members import community
from zugong.members.models import Member, VolunteerActivity, VolunteerRecord
from zugong.orgs.models import Org

KIND_CHOICES = tuple((value, (str(label),)) for value, label in VolunteerActivity.Kind.choices)
FIELD_COLUMNS = {"title": "title", "kind": "kind", "started_on": "started_on", "served_on": "served_on"}


class _Rollback(Exception):
    pass


class VolunteerHoursImporter(Importer):
    name = "volunteer_hours"
    title = gettext_lazy("志愿服务时长")
    batch_size = 500
    columns = [
        Column(
            "community",
            "社区党组织代码",
            ("社区代码", "组织代码"),
            kind="compact",
            required=True,
            example="C0A9",
        ),
        Column("title", "活动名称", ("活动",), required=True, example="清理楼道杂物"),
        Column("started_on", "活动日期", ("日期",), kind="date", required=True, example="2026-03-05"),
        Column(
            "kind",
            "活动类别",
            ("类别",),
            kind="choice",
            choices=KIND_CHOICES,
            help="新活动的类别;已有活动可不填",
            example="环境整治",
        ),
        Column("name", "姓名", (), required=True, example="张三"),
        Column(
            "id_number",
            "公民身份号码",
            ("身份证号", "身份证号码"),
            kind="id_number",
            required=True,
            example="140525198503140012",
        ),
        Column("hours", "服务时长", ("时长", "小时", "服务时长(小时)"), required=True, example="2"),
        Column("served_on", "服务日期", (), kind="date", help="多日活动时填写;不填为活动日期", example=""),
        Column("note", "备注", ("说明",), example=""),
    ]
    notes = [
        gettext_lazy(
            "一行一名党员参加一次活动的服务时长。活动按社区党组织代码、活动名称和活动日期查找,没有时新建(须填写活动类别)。"
        ),
        gettext_lazy(
            "党员按公民身份号码查找,姓名须一致;须在服务日期向该社区报到,或是该社区党组织的党员。时长按半小时登记。"
        ),
        gettext_lazy("已登记相同时长的行视为相同,再次导入不重复登记。"),
    ]

    def __init__(self, *, actor, update: bool = False, **options: Any) -> None:
        super().__init__(actor=actor, update=update, **options)
        self.scope = scope_for(actor) if actor is not None else None
        self.claimed: dict[tuple, int] = {}

    def prepare(self) -> None:
        if self.scope is not None and not self.scope.has("community.edit"):
            raise ImportRefused(_("该账号没有登记志愿服务的权限,不能导入志愿服务时长"))

    def check_batch(self, rows: list[dict[str, Any]]) -> dict[int, list[Problem]]:
        rows = [row for row in rows if "_bad" not in row]
        hashes = [crypto.blind_index(row["id_number"]) for row in rows]
        members = {
            m.id_number_hash: m
            for m in Member.objects.filter(id_number_hash__in=hashes).select_related("org")
        }
        codes = {row["community"] for row in rows}
        orgs = {o.code: o for o in Org.objects.filter(code__in=codes)}
        out: dict[int, list[Problem]] = {}
        for row in rows:
            problems = self._check(
                row, orgs.get(row["community"]), members.get(crypto.blind_index(row["id_number"]))
            )
            if problems:
                out[row["_line"]] = problems
        return out

    def _check(self, row: dict[str, Any], org: Org | None, member: Member | None) -> list[Problem]:
        line = row["_line"]
        if org is None or (self.scope is not None and not self.scope.contains(org.path)):
            return [self.problem(line, "community", row["community"], _("本账号管理范围内没有这个党组织"))]
        if not community.is_community(org):
            return [
                self.problem(line, "community", row["community"], _("%(o)s不是社区党组织") % {"o": org.name})
            ]
        if member is None:
            return [
                self.problem(
                    line, "id_number", crypto.mask_id_number(row["id_number"]), _("系统中没有这名党员")
                )
            ]
        if "".join(row["name"].split()) != member.name:
            return [
                self.problem(
                    line, "name", row["name"], _("与公民身份号码登记的姓名“%(n)s”不一致") % {"n": member.name}
                )
            ]
        try:
            hours = community.parse_hours(row["hours"])
        except ValueError as exc:
            return [self.problem(line, "hours", row["hours"], str(exc))]
        title = " ".join(row["title"].split())
        key = (org.pk, title, row["started_on"], member.pk)
        if key in self.claimed:
            return [
                self.problem(
                    line,
                    "id_number",
                    member.id_number_masked,
                    _("与第%(n)d行重复") % {"n": self.claimed[key]},
                )
            ]
        activity = VolunteerActivity.objects.filter(
            community=org, title=title, started_on=row["started_on"]
        ).first()
        served_on = row.get("served_on") or row["started_on"]
        if activity is not None:
            same = VolunteerRecord.objects.filter(activity=activity, member=member, hours=hours).exists()
            if same:
                row["_action"] = "same"
                self.claimed[key] = line
                return []
        elif not row.get("kind"):
            return [self.problem(line, "kind", "", _("新活动须填写活动类别"))]
        try:
            with transaction.atomic():
                if activity is not None and served_on > (activity.ended_on or activity.started_on):
                    community.activity_update(actor=self.actor, activity=activity, ended_on=served_on)
                if activity is None:
                    activity = community.activity_create(
                        actor=self.actor,
                        community=org,
                        title=title,
                        kind=row["kind"],
                        started_on=row["started_on"],
                        ended_on=served_on if served_on > row["started_on"] else None,
                    )
                community.volunteer_record_add(
                    actor=self.actor,
                    activity=activity,
                    entries=[community.HoursEntry(member, hours, row.get("note") or "")],
                    served_on=served_on,
                )
                raise _Rollback
        except _Rollback:
            pass
        except ValidationError as exc:
            field, messages = (
                next(iter(exc.message_dict.items())) if hasattr(exc, "error_dict") else ("", exc.messages)
            )
            column = FIELD_COLUMNS.get(field, "")
            reason = "".join(m.split(":", 1)[-1] for m in messages)
            return [self.problem(line, column, row.get(column) if column else "", reason)]
        self.claimed[key] = line
        row["_action"] = "create"
        row["_kwargs"] = {
            "community": org.pk,
            "title": title,
            "kind": row.get("kind") or "",
            "started_on": row["started_on"],
            "served_on": served_on,
            "member": member.pk,
            "hours": str(hours),
            "note": row.get("note") or "",
        }
        return []

    def write(self, rows: Iterable[dict[str, Any]]) -> WriteResult:
        result = WriteResult()
        for row in rows:
            if row["_action"] == "same":
                result.unchanged += 1
                continue
            k = row["_kwargs"]
            org = Org.objects.get(pk=k["community"])
            activity = VolunteerActivity.objects.filter(
                community=org, title=k["title"], started_on=k["started_on"]
            ).first()
            if activity is None:
                activity = community.activity_create(
                    actor=self.actor,
                    community=org,
                    title=k["title"],
                    kind=k["kind"],
                    started_on=k["started_on"],
                    ended_on=k["served_on"] if k["served_on"] > k["started_on"] else None,
                )
            elif k["served_on"] > (activity.ended_on or activity.started_on):
                community.activity_update(actor=self.actor, activity=activity, ended_on=k["served_on"])
            community.volunteer_record_add(
                actor=self.actor,
                activity=activity,
                entries=[community.HoursEntry(Member.objects.get(pk=k["member"]), k["hours"], k["note"])],
                served_on=k["served_on"],
            )
            result.imported += 1
        return result
