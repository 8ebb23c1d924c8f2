"""Importing 发展党员 files from paper (`zugong import applicants FILE`): one row per applicant with the
stage dates the branch already has. Keyed by 公民身份号码: re-importing the same file changes nothing;
a later file with more dates adds the new steps to the stored file.

Each row is checked by replaying its steps in memory with the services' own rules (check_person,
validate_step): a step before the one it follows, an applicant under 18, a failed vote, two files for
one person are refused and named; what a rule only advises against (a late talk) is imported and
shows as a finding, as when it is recorded on the page. The write goes through the services in the
import's one transaction: all-or-nothing by default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core import crypto
from zugong.core.importing.pipeline import Column, Importer, ImportRefused, Problem, WriteResult
from zugong.core.scope import scope_for
from zugong.members.models import Member
from zugong.orgs.models import BRANCH_KINDS, Org
from zugong.recruitment import services
from zugong.recruitment.models import OPEN_STAGES, Applicant, Stage

SEX = (("1", ("男", "男性", "1")), ("2", ("女", "女性", "2")))
# (step, date column, extra columns → step fields), in the order the steps are replayed.
STEP_COLUMNS: list[tuple[str, str, dict[str, str]]] = [
    ("talk", "talk_on", {}),
    ("activist", "activist_on", {}),
    ("contacts", "contacts_on", {"contacts": "people"}),
    ("candidate", "candidate_on", {"publicity_from": "publicity_from", "publicity_to": "publicity_to"}),
    ("introducers", "introducers_on", {"introducers": "people"}),
    ("political_review", "political_review_on", {}),
    ("training", "training_on", {"training_days": "training_days", "training_hours": "training_hours"}),
    ("branch_review", "branch_review_on", {}),
    ("pre_review", "pre_review_on", {}),
    ("application_form", "form_on", {"serial": "serial"}),
    ("assembly", "assembly_on", {k: k for k in ("expected", "present", "yes", "no", "abstain")}),
    ("committee_talk", "committee_talk_on", {}),
    ("approval", "approval_on", {}),
    ("oath", "oath_on", {}),
    ("conversion_vote", "conversion_vote_on", {}),
    ("conversion_approval", "conversion_approval_on", {}),
]
FIXED = {
    "political_review": {"outcome": "passed"},
    "pre_review": {"outcome": "passed"},
    "approval": {"outcome": "approved"},
    "conversion_vote": {"decision": "convert"},
    "conversion_approval": {"outcome": "approved"},
}


def _date(key: str, label: str, synonyms: tuple[str, ...] = (), help: str = "") -> Column:
    return Column(key, label, synonyms, kind="date", help=help, example="")


@dataclass
class _Rec:
    """A step replayed in memory (the attributes checks.derive and validate_step read)."""

    step: str
    done_on: dt.date
    people: Any = None
    outcome: str = ""
    decision: str = ""
    extension_months: int | None = None
    special: bool = False
    publicity_from: dt.date | None = None
    publicity_to: dt.date | None = None
    training_days: Decimal | None = None
    training_hours: Decimal | None = None
    leaving_on: dt.date | None = None
    passed: bool | None = None
    vote_note: str = ""
    pk: int = 0


class ApplicantImporter(Importer):
    name = "applicants"
    title = gettext_lazy("发展党员档案")
    batch_size = 500
    columns = [
        Column(
            "org", "党支部代码", ("组织代码", "党组织代码"), kind="compact", required=True, example="C0A1"
        ),
        Column("name", "姓名", (), required=True, example="孙晓梅"),
        Column(
            "id_number",
            "公民身份号码",
            ("身份证号", "身份证号码"),
            kind="id_number",
            required=True,
            example="140525200104091325",
        ),
        Column("sex", "性别", (), kind="choice", choices=SEX, example="女"),
        Column("ethnicity", "民族", (), kind="code", table="ethnicity", required=True, example="汉族"),
        Column("education", "学历", (), kind="code", table="education", example="大学本科"),
        Column("category", "人员类别", ("职业",), kind="code", table="occupation", example=""),
        Column("work_unit", "工作单位", (), example="甲村村民委员会"),
        Column("job_title", "职务", (), example=""),
        Column("phone", "手机", ("手机号码", "联系电话"), kind="phone", example="13812345678"),
        Column("address", "住址", (), example=""),
        _date("applied_on", "申请日期", ("递交入党申请书日期", "入党申请日期")),
        _date("talk_on", "谈话日期", ("派人谈话日期",)),
        _date("activist_on", "确定积极分子日期", ("确定为入党积极分子日期", "积极分子日期")),
        _date("contacts_on", "指定培养联系人日期", ()),
        Column("contacts", "培养联系人", (), help="姓名用顿号分隔,一至两人", example="赵介绍、钱介绍"),
        _date("publicity_from", "公示开始日期", ()),
        _date("publicity_to", "公示结束日期", ()),
        _date("candidate_on", "确定发展对象日期", ("确定为发展对象日期", "发展对象日期")),
        _date("introducers_on", "确定入党介绍人日期", ()),
        Column("introducers", "入党介绍人", (), help="姓名用顿号分隔,两人", example=""),
        _date("political_review_on", "政治审查日期", ("政审日期",), help="填写即表示政审合格"),
        _date("training_on", "集中培训日期", ("培训日期",)),
        Column("training_days", "培训天数", (), kind="int", example="3"),
        Column("training_hours", "培训学时", (), kind="int", example="24"),
        _date("branch_review_on", "支委会审查日期", ("支部委员会审查日期",)),
        _date("pre_review_on", "预审日期", ("上级党委预审日期",), help="填写即表示预审合格"),
        _date("form_on", "填写志愿书日期", ("志愿书日期",)),
        Column("serial", "志愿书编号", ("入党志愿书编号",), kind="compact", example=""),
        _date("assembly_on", "支部大会日期", ("支部大会通过日期", "入党日期")),
        Column("expected", "应到人数", ("应到",), kind="int", help="有表决权的正式党员;不填则无法核对票数"),
        Column("present", "实到人数", ("实到",), kind="int"),
        Column("yes", "赞成票", ("赞成",), kind="int"),
        Column("no", "反对票", ("反对",), kind="int"),
        Column("abstain", "弃权票", ("弃权",), kind="int"),
        _date("committee_talk_on", "上级党委谈话日期", ()),
        _date("approval_on", "上级党委批准日期", ("审批日期", "批准日期"), help="批准后登记为预备党员"),
        _date("oath_on", "入党宣誓日期", ("宣誓日期",)),
        _date("conversion_vote_on", "转正支部大会日期", ("转正大会日期",)),
        _date("conversion_approval_on", "转正批准日期", (), help="批准后转为正式党员,转正日期为预备期满之日"),
    ]
    notes = [
        gettext_lazy(
            "一行一名入党申请人,按公民身份号码识别:再次导入同一文件不会重复;补充了日期的文件只增加新的环节。"
        ),
        gettext_lazy(
            "只填已经办理的环节的日期;各环节按规定的先后顺序核对,早于前一环节、申请时未满十八周岁等情况整行拒绝。"
        ),
        gettext_lazy("谈话超过一个月、培养不满一年等不符合规定的情况照实导入,在档案中标明所依据的条款。"),
        gettext_lazy(
            "培养联系人、入党介绍人按姓名在本支部党员中查找;延长预备期、取消资格请在系统中逐步记录。"
        ),
    ]

    def __init__(self, *, actor, update: bool = False, **options: Any) -> None:
        super().__init__(actor=actor, update=update, **options)
        self.scope = scope_for(actor) if actor is not None else None
        self.orgs: dict[str, Org | None] = {}
        self.members: dict[int, dict[str, list[Member]]] = {}

    def prepare(self) -> None:
        if self.scope is not None and not self.scope.has("recruitment.edit"):
            raise ImportRefused(_("该账号没有记录发展党员的权限,不能导入发展档案"))

    def required_keys(self, present: set[str]) -> set[str]:
        return {"org", "name", "id_number", "ethnicity", "applied_on"}

    def key(self, row: dict[str, Any]) -> str | None:
        return row.get("id_number") or None

    def key_column(self) -> str:
        return "id_number"

    def _load(self, rows: list[dict[str, Any]]) -> None:
        codes = {r["org"] for r in rows if r.get("org")} - set(self.orgs)
        if codes:
            found = {o.code: o for o in Org.objects.filter(code__in=codes)}
            for code in codes:
                self.orgs[code] = found.get(code)
            for m in Member.objects.filter(org_id__in=[o.pk for o in found.values()]).only(
                "id", "name", "org_id", "status", "standing"
            ):
                self.members.setdefault(m.org_id, {}).setdefault(m.name, []).append(m)

    def check_batch(self, rows: list[dict[str, Any]]) -> dict[int, list[Problem]]:
        rows = [r for r in rows if "_bad" not in r]
        self._load(rows)
        hashes = {crypto.blind_index(r["id_number"]): r for r in rows if r.get("id_number")}
        stored = {
            a.id_number_hash: a
            for a in Applicant.objects.filter(
                id_number_hash__in=list(hashes), stage__in=[*OPEN_STAGES, Stage.MEMBER]
            )
            .select_related("org")
            .prefetch_related("records")
        }
        out: dict[int, list[Problem]] = {}
        for row in rows:
            problems = self._check(row, stored.get(crypto.blind_index(row["id_number"])))
            if problems:
                out[row["_line"]] = problems
        return out

    def _people(self, org: Org, text: str | None, line: int, key: str) -> tuple[list[dict], list[Problem]]:
        from zugong.orglife.importers import split_names

        people: list[dict] = []
        for name, _note in split_names(text or ""):
            found = self.members.get(org.pk, {}).get(name, [])
            if len(found) == 1:
                m = found[0]
                formal = m.status == Member.Status.FORMAL and m.standing == Member.Standing.NORMAL
                people.append({"member": m.pk, "name": m.name, "formal": formal})
            elif len(found) > 1:
                return [], [
                    self.problem(
                        line, key, name, _("本支部有%(n)d名党员同名,请在系统中选择") % {"n": len(found)}
                    )
                ]
            else:
                people.append({"member": None, "name": name, "formal": None})
        return people, []

    def _check(self, row: dict[str, Any], stored: Applicant | None) -> list[Problem]:
        line = row["_line"]
        org = self.orgs.get(row["org"])
        if org is None:
            return [self.problem(line, "org", row["org"], _("系统中没有这个组织代码"))]
        if self.scope is not None and not self.scope.contains(org.path):
            return [self.problem(line, "org", row["org"], _("该组织不在本账号的管理范围内"))]
        if not org.is_active or org.kind not in BRANCH_KINDS:
            return [self.problem(line, "org", row["org"], _("应为有效的党支部"))]
        person = {k: row.get(k) for k in services.PERSON_FIELDS if k in row and row.get(k) not in (None, "")}
        clean, errors = services.check_person(person, applied_on=row["applied_on"], org_path=org.path)
        if errors:
            key, messages = next(iter(errors.items()))
            column = key if self.column(key) else ""
            return [self.problem(line, column, row.get(column) if column else "", "".join(messages))]
        row["_person"] = clean
        if stored is not None:
            if stored.org_id != org.pk:
                return [
                    self.problem(
                        line, "id_number", "", _("该公民身份号码的发展档案在%(o)s") % {"o": stored.org.name}
                    )
                ]
            if stored.applied_on != row["applied_on"]:
                return [
                    self.problem(
                        line,
                        "applied_on",
                        row["applied_on"],
                        _("系统中的申请日期为%(d)s") % {"d": stored.applied_on.isoformat()},
                    )
                ]
        else:
            reason = services.id_number_taken(clean["id_number"])
            if reason:
                return [self.problem(line, "id_number", "", reason)]
        applicant = stored or Applicant(
            org=org,
            org_path=org.path,
            applied_on=row["applied_on"],
            birth_date=clean["birth_date"],
            leaving_on=None,
        )
        records: list[Any] = list(stored.records.all()) if stored else [_Rec("apply", row["applied_on"])]
        recorded = {r.step: r for r in records}
        todo: list[tuple[str, dt.date, dict[str, Any]]] = []
        for step, date_key, extra in STEP_COLUMNS:
            on = row.get(date_key)
            if on is None and step == "application_form" and row.get("serial"):
                on = row.get("pre_review_on") or row.get("assembly_on")
            if on is None and step in ("contacts", "introducers") and row.get(step):
                on = row.get("activist_on") if step == "contacts" else row.get("candidate_on")
            if on is None:
                continue
            fields: dict[str, Any] = dict(FIXED.get(step, {}))
            for column, field in extra.items():
                value = row.get(column)
                if field == "people":
                    people, problems = self._people(org, value, line, column)
                    if problems:
                        return problems
                    value = people
                if value is not None:
                    fields[field] = value
            old = recorded.get(step)
            if old is not None:
                if old.done_on != on:
                    return [
                        self.problem(
                            line, date_key, on, _("系统中已记录为%(d)s") % {"d": old.done_on.isoformat()}
                        )
                    ]
                continue
            try:
                clean_step = services.validate_step(applicant, records, step, {**fields, "done_on": on})
            except ValidationError as exc:
                messages = [m for ms in getattr(exc, "message_dict", {"": exc.messages}).values() for m in ms]
                return [self.problem(line, date_key, on, "".join(messages))]
            clean_step.pop("done_on", None)
            records.append(
                _Rec(step, on, **{k: v for k, v in clean_step.items() if k in _Rec.__dataclass_fields__})
            )
            todo.append((step, on, fields))
        row["_steps"] = todo
        row["_stored"] = stored.pk if stored else None
        row["_action"] = "create" if stored is None else ("update" if todo else "same")
        return []

    def write(self, rows: Iterable[dict[str, Any]]) -> WriteResult:
        result = WriteResult()
        for row in rows:
            if row["_action"] == "same":
                result.unchanged += 1
                continue
            if row["_stored"] is None:
                org = Org.objects.get(code=row["org"])
                person = {k: v for k, v in row["_person"].items() if k in services.PERSON_FIELDS}
                applicant = services.applicant_create(
                    actor=self.actor, org=org, applied_on=row["applied_on"], **person
                )
                result.imported += 1
            else:
                applicant = Applicant.objects.get(pk=row["_stored"])
                result.updated += 1
            for step, on, fields in row["_steps"]:
                services.step_record(actor=self.actor, applicant=applicant, step=step, done_on=on, **fields)
        return result
