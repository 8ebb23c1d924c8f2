"""Importing the member roster (《党员基本信息采集表》): the national member fields, one row a member,
keyed by 公民身份号码 (its blind index), the branch given by code or full name.

Every row is checked with the member registry's own rules (`services.check_member`, the body of
`validate_member`) against look-ups made once per batch. New members are written in bulk — COPY on
PostgreSQL, bulk_create on SQLite — with the same encrypted columns, masks, blind index, history
event and audit entry as `member_create`, and the subtree totals adjusted once per org. Existing
members are left alone when the row agrees with them; `update` changes them field by field through
`member_update` (audited, before/after of the changed fields only).
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core import crypto, idnumber
from zugong.core.importing import bulk, values
from zugong.core.importing.pipeline import Column, Importer, ImportRefused, Problem, WriteResult
from zugong.core.scope import scope_for
from zugong.members import services
from zugong.members.models import Member, MemberEvent
from zugong.orgs.models import BRANCH_KINDS, Org, OrgKind
from zugong.orgs.services import adjust_totals
from zugong.stats import rollups

STATUS_CHOICES = (
    (Member.Status.PROBATIONARY.value, ("预备党员", "预备")),
    (Member.Status.FORMAL.value, ("正式党员", "正式")),
)
# Member fields a row may carry (the org aside), compared with a stored member and updated.
FIELDS = services.PERSON_FIELDS
STORED_FIELDS = [f for f in FIELDS if f != "phone"]
WRITE_BATCH = 10_000
_MEMBER_COLUMNS = [
    "id",
    "name",
    "sex",
    "ethnicity",
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "birth_date",
    "native_place",
    "education",
    "degree",
    "category",
    "work_unit",
    "job_title",
    "joined_on",
    "converted_on",
    "status",
    "standing",
    "phone_enc",
    "phone_masked",
    "address",
    "is_mobile",
    "org_id",
    "org_path",
    "party_group_id",
    "province_code",
    "created_at",
    "updated_at",
    "county_path",
]
_EVENT_COLUMNS = ["member_id", "kind", "on", "at", "actor_id", "from_org_id", "to_org_id", "note"]


class _OrgRef:
    __slots__ = ("code", "id", "is_active", "kind", "name", "path", "province_code")

    def __init__(self, id, code, name, path, kind, is_active, province_code) -> None:
        self.id, self.code, self.name, self.path = id, code, name, path
        self.kind, self.is_active, self.province_code = kind, is_active, province_code


class MemberImporter(Importer):
    name = "members"
    title = gettext_lazy("党员基本信息")
    parallel = True
    columns = [
        Column("name", "姓名", ("名字", "党员姓名"), required=True, example="张三"),
        Column("sex", "性别", kind="code", table="sex", required=True, example="男"),
        Column("ethnicity", "民族", kind="code", table="ethnicity", required=True, example="汉族"),
        Column(
            "id_number",
            "公民身份号码",
            ("身份证号", "身份证号码", "身份证", "证件号码"),
            kind="id_number",
            required=True,
            help="18位,末位可为X;请将该列设为文本格式",
            example="140525198503140016",
        ),
        Column(
            "birth_date",
            "出生日期",
            ("出生年月",),
            kind="month",
            help="可不填,按公民身份号码确定;填写的须与号码一致",
            example="1985-03-14",
        ),
        Column("native_place", "籍贯", example="山西泽州"),
        Column("education", "学历", ("文化程度",), kind="code", table="education", example="大学本科"),
        Column("degree", "学位", kind="code", table="degree", example="学士"),
        Column(
            "category", "人员类别", ("职业", "工作岗位"), kind="code", table="occupation", example="农牧渔民"
        ),
        Column("work_unit", "工作单位", ("工作单位名称",), example="泽州县甲村村民委员会"),
        Column("job_title", "职务", ("现任职务",), example="村委会委员"),
        Column("joined_on", "入党日期", ("入党时间",), kind="date", required=True, example="2010-07-01"),
        Column(
            "converted_on",
            "转正日期",
            ("转正时间",),
            kind="date",
            help="正式党员必填;预备党员不填",
            example="2011-07-01",
        ),
        Column(
            "status",
            "党员类型",
            ("党员类别", "党员身份"),
            kind="choice",
            choices=STATUS_CHOICES,
            required=True,
            example="正式党员",
        ),
        Column(
            "phone",
            "手机",
            ("手机号码", "手机号", "联系电话", "联系方式"),
            kind="phone",
            example="13912345678",
        ),
        Column("address", "住址", ("家庭住址", "现居住地", "居住地址"), example="泽州县甲村"),
        Column(
            "org",
            "所在党支部",
            ("所在支部", "党支部", "组织代码", "所在党组织", "党组织"),
            kind="compact",
            required=True,
            help="填写党支部的组织代码或全称",
            example="C0A1",
        ),
        Column("is_mobile", "流动党员", ("是否流动党员",), kind="bool", help="填“是”或“否”", example="否"),
    ]
    notes = [
        gettext_lazy("一行一名党员,以公民身份号码识别;同一文件中不能重复。"),
        gettext_lazy(
            "已登记的党员:本行与登记信息一致时不做修改;不一致时须使用更新模式(--update),只更新文件中填写了的项目,空白单元格不会清除已有信息。"
        ),
        gettext_lazy("组织关系变动(所在党支部不同)不能通过导入办理,请使用组织关系转接。"),
        gettext_lazy("日期可写成2019-07-01、2019/7/1、2019.7.1、2019年7月1日或20190701。"),
    ]

    def __init__(self, *, actor, update: bool = False, org: str | None = None, **options: Any) -> None:
        super().__init__(actor=actor, update=update, **options)
        self.org_code = (org or "").strip()
        self.limit: _OrgRef | None = None
        self.scope = scope_for(actor) if actor is not None else None
        self._orgs: dict[str, _OrgRef | str | None] = {}
        self._today = dt.date.today()

    # -- first pass --------------------------------------------------------------------------------
    def prepare(self) -> None:
        if self.scope is not None and not self.scope.has("member.edit"):
            raise ImportRefused(_("该账号没有编辑党员信息的权限,不能导入党员"))
        if self.org_code:
            org = Org.objects.filter(code=self.org_code).first()
            if org is None or not self._in_scope(org.path):
                raise ImportRefused(
                    _("找不到组织代码为“%(c)s”的党组织,或不在该账号的管理范围内") % {"c": self.org_code}
                )
            self.limit = _ref(org)

    def required_keys(self, present: set[str]) -> set[str]:
        keys = super().required_keys(present)
        if self.limit is not None:
            keys.discard("org")
        return keys

    def key(self, row: dict[str, Any]) -> str | None:
        return row.get("id_number") or None

    def key_column(self) -> str:
        return "id_number"

    def _in_scope(self, path: str) -> bool:
        return self.scope is None or self.scope.contains(path)

    def _in_limit(self, path: str) -> bool:
        return self._in_scope(path) and (self.limit is None or path.startswith(self.limit.path))

    def _load_orgs(self, wanted: set[str]) -> None:
        unknown = {v for v in wanted if v not in self._orgs}
        if not unknown:
            return
        names = unknown | {v.replace("(", "(").replace(")", ")") for v in unknown}
        by_code: dict[str, _OrgRef] = {}
        by_name: dict[str, list[_OrgRef]] = defaultdict(list)
        fields = ("id", "code", "name", "path", "kind", "is_active", "province_code")
        for item in Org.objects.filter(Q(code__in=unknown) | Q(name__in=names)).values_list(*fields):
            ref = _OrgRef(*item)
            by_code[ref.code] = ref
            by_name[values.compact(ref.name)].append(ref)
        for value in unknown:
            if value in by_code:
                self._orgs[value] = by_code[value]
                continue
            found = by_name.get(values.compact(value), [])
            inside = [r for r in found if self._in_limit(r.path)]
            if len(inside) == 1:
                self._orgs[value] = inside[0]
            elif len(inside) > 1:
                self._orgs[value] = _("有%(n)d个党组织名为“%(v)s”,请改填组织代码") % {
                    "n": len(inside),
                    "v": value,
                }
            else:
                self._orgs[value] = found[0] if found else None

    def _org_problem(self, value: str, ref: _OrgRef | str | None) -> str | None:
        if ref is None:
            return _("找不到党组织“%(v)s”(请填写党支部的组织代码或全称)") % {"v": value}
        if isinstance(ref, str):
            return ref
        if not self._in_scope(ref.path):
            return _("党组织“%(o)s”(%(c)s)不在该账号的管理范围内") % {"o": ref.name, "c": ref.code}
        if self.limit is not None and not ref.path.startswith(self.limit.path):
            return _("党组织“%(o)s”不在本次导入指定的“%(l)s”之下") % {"o": ref.name, "l": self.limit.name}
        if not ref.is_active:
            return _("党组织“%(o)s”已撤销") % {"o": ref.name}
        if ref.kind not in BRANCH_KINDS:
            return _("党员应编入党支部、联合党支部或临时党支部,“%(o)s”是%(k)s") % {
                "o": ref.name,
                "k": OrgKind(ref.kind).label,
            }
        return None

    def audit_options(self) -> dict[str, Any]:
        return {"org": self.limit.code} if self.limit is not None else {}

    def prepare_batch(self, rows: list[dict[str, Any]]) -> None:
        """Each row on its own: the member rules (`services.check_member`), the blind index and,
        for a row that passes, the encrypted and masked 公民身份号码 and 手机 (so the writer only
        writes)."""
        blind_index, encrypt = crypto.blind_index, crypto.encrypt
        mask_id, mask_phone = crypto.mask_id_number, crypto.mask_phone
        for row in rows:
            number = row.get("id_number")
            if number:
                row["id_number"] = number = idnumber.normalize(number)
                row["_hash"] = blind_index(number)
            problems = row["_problems"] = self._check_fields(row)
            if not problems and "_bad" not in row:
                phone = "".join(str(row.get("phone") or "").split())
                row["_secret"] = (encrypt(number), mask_id(number), encrypt(phone), mask_phone(phone))

    def _check_fields(self, row: dict[str, Any]) -> list[Problem]:
        line = row["_line"]
        bad = row.get("_bad", set())
        data = {k: row[k] for k in FIELDS if row.get(k) is not None}
        data["id_number"] = row.get("id_number")
        birth = data.get("birth_date")
        if isinstance(birth, values.MonthDate):
            # 出生年月: a month agrees with the ID number's birth date; the number gives the day.
            try:
                id_birth = idnumber.parse(data["id_number"])[1]
            except idnumber.IdNumberError:
                data.pop("birth_date")
            else:
                if (id_birth.year, id_birth.month) == (birth.year, birth.month):
                    data["birth_date"] = id_birth
        clean, errors = services.check_member(data, id_taken=_never)
        problems = []
        for field, messages in errors.items():
            if field in bad or (field == "birth_date" and "id_number" in bad and not data.get(field)):
                continue  # a cell that could not be read (or the ID number it follows): already reported
            for message in messages:
                problems.append(self.problem(line, field, row.get(field), message))
        if not problems and not bad:
            row.update(clean)
        return problems

    def check_batch(self, rows: list[dict[str, Any]]) -> dict[int, list[Problem]]:
        rows = [row for row in rows if "_dup" not in row]
        self._load_orgs({row["org"] for row in rows if row.get("org")})
        hashes = {row["_hash"] for row in rows if "_hash" in row}
        stored = {}
        if hashes:
            found = Member.objects.filter(id_number_hash__in=hashes).values(
                "id", "id_number_hash", "org_id", "org_path", "org__name", "phone_enc", *STORED_FIELDS
            )
            stored = {m["id_number_hash"]: m for m in found}
        out: dict[int, list[Problem]] = {}
        for row in rows:
            problems = self._check(row, stored.get(row.get("_hash", "")))
            if problems:
                out[row["_line"]] = problems
        return out

    def _check(self, row: dict[str, Any], stored: dict[str, Any] | None) -> list[Problem]:
        line = row["_line"]
        problems: list[Problem] = []
        bad = row.get("_bad", set())
        org_value = row.get("org")
        ref: _OrgRef | str | None = self._orgs.get(org_value) if org_value else self.limit
        reason = None if "org" in bad else self._org_problem(org_value or "", ref)
        if reason:
            problems.append(self.problem(line, "org", org_value, reason))
        problems.extend(row.pop("_problems", ()))
        if problems or bad:
            return problems
        assert isinstance(ref, _OrgRef)
        row["_org"] = (ref.id, ref.path, ref.province_code)
        row["_action"] = "create"
        if stored is not None:
            problems.extend(self._compare(row, ref, stored))
        return problems

    def _compare(self, row: dict[str, Any], ref: _OrgRef, stored: dict[str, Any]) -> list[Problem]:
        line = row["_line"]
        if not self._in_scope(stored["org_path"]):
            return [
                self.problem(
                    line, "id_number", "", _("该公民身份号码已在其他党组织登记,不在该账号的管理范围内")
                )
            ]
        changed: dict[str, Any] = {}
        for field in FIELDS:
            value = row.get(field)
            if value is None:
                continue
            if field == "phone":
                current: Any = crypto.decrypt(stored["phone_enc"])
            else:
                current = stored[field]
            if isinstance(value, str):
                value = value.strip()
                same = (current or "") == value
            else:
                same = current == value
            if not same:
                changed[field] = value
        moved = stored["org_id"] != ref.id
        if moved and self.update:
            return [
                self.problem(
                    line,
                    "org",
                    row.get("org"),
                    _("该党员已登记在“%(o)s”,组织关系变动请通过组织关系转接办理,不能通过导入更改")
                    % {"o": stored["org__name"]},
                )
            ]
        if self.update and "is_mobile" in changed:
            return [
                self.problem(
                    line,
                    "is_mobile",
                    row.get("is_mobile"),
                    _(
                        "流动党员的变动须在党员页面的“登记外出流动”“返回”中办理(保留外出记录和汇报时限),不能通过导入更改"
                    ),
                )
            ]
        if not changed and not moved:
            row["_action"] = "same"
            return []
        if not self.update:
            labels = [self.header_of.get(k) or self.column(k).label for k in changed]  # type: ignore[union-attr]
            if moved:
                labels.append(self.header_of.get("org") or _("所在党支部"))
            return [
                self.problem(
                    line,
                    "id_number",
                    "",
                    _("已登记在“%(o)s”,与本行不同的项目:%(f)s;如需更新请使用更新模式")
                    % {"o": stored["org__name"], "f": "、".join(labels)},
                )
            ]
        merged = {k: stored[k] for k in STORED_FIELDS}
        merged.update(changed)
        merged["id_number"] = row["id_number"]
        _clean, errors = services.check_member(merged, instance_given=True, id_taken=_never)
        if errors:
            return [
                self.problem(line, field, changed.get(field, ""), message)
                for field, messages in errors.items()
                for message in messages
            ]
        row["_action"] = "update"
        row["_member"] = stored["id"]
        row["_changes"] = changed
        return []

    # -- commit ------------------------------------------------------------------------------------
    def write(self, rows: Iterable[dict[str, Any]]) -> WriteResult:
        result = WriteResult()
        writer = _BulkMembers(self.actor)
        for row in rows:
            action = row["_action"]
            if action == "same":
                result.unchanged += 1
            elif action == "update":
                services.member_update(actor=self.actor, member=Member(pk=row["_member"]), **row["_changes"])
                result.updated += 1
            else:
                writer.add(row)
        writer.close()
        result.imported = writer.written
        return result


def _never(number: str) -> bool:
    return False


def _ref(org: Org) -> _OrgRef:
    return _OrgRef(org.pk, org.code, org.name, org.path, org.kind, org.is_active, org.province_code)


class _BulkMembers:
    """New members in batches: the rows `member_create` would write, without its per-row cost."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.actor_id = actor.pk if getattr(actor, "pk", None) else None
        self.pending: list[dict[str, Any]] = []
        self.totals: Counter[str] = Counter()
        self.written = 0
        self.postgres = bulk.is_postgres()
        self.audit = bulk.AuditBatch(actor)
        self.province = settings.ZUGONG_PROVINCE_CODE
        self.today = dt.date.today()
        # As member_create: the rollup state held (shared) to the end, the county path written with
        # the row, and the new members counted for the rollups as they go by.
        state = rollups.get_state(lock=True)
        self.county_depth = state.county_depth
        self.new = rollups.NewMembers(state.bands_on)
        if self.postgres:
            # The foreign keys of each COPY checked when it ends, while the reader process reads on,
            # instead of a million deferred checks queued for the commit, when nothing else runs.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def add(self, row: dict[str, Any]) -> None:
        self.pending.append(row)
        if len(self.pending) >= WRITE_BATCH:
            self.flush()

    def close(self) -> None:
        self.flush()
        _adjust_totals(self.totals)
        self.new.apply_to_ancestors()
        if self.postgres and self.written:
            # Fresh statistics for the pages that read the new rows right after the commit (the
            # planner would still see the table as it was: empty, after a first load).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Member._meta.db_table}")

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        if not rows:
            return
        now = timezone.now()
        ids = bulk.reserve_ids(Member, len(rows)) if self.postgres else [None] * len(rows)
        province, depth, count = self.province, self.county_depth, self.new.add
        county_prefix = rollups.county_prefix
        normal = Member.Standing.NORMAL.value
        records = []
        for pk, row in zip(ids, rows, strict=True):
            id_enc, id_masked, phone_enc, phone_masked = row["_secret"]
            org_id, org_path, org_province = row["_org"]
            count(
                org_path,
                sex=row["sex"],
                education=row.get("education"),
                category=row.get("category"),
                status=row["status"],
                birth=row["birth_date"],
            )
            records.append(
                (
                    pk, row["name"], row["sex"], row["ethnicity"], id_enc, row["_hash"], id_masked,
                    row["birth_date"], _s(row, "native_place"), _s(row, "education"), _s(row, "degree"),
                    _s(row, "category"), _s(row, "work_unit"), _s(row, "job_title"), row["joined_on"],
                    row.get("converted_on"), row["status"], normal, phone_enc, phone_masked,
                    _s(row, "address"), bool(row.get("is_mobile")), org_id, org_path, None,
                    org_province or province, now, now, county_prefix(org_path, depth),
                )
            )  # fmt: skip
        if self.postgres:
            bulk.copy_rows(Member, _MEMBER_COLUMNS, records)
        else:
            members = [Member(**dict(zip(_MEMBER_COLUMNS[1:], r[1:], strict=True))) for r in records]
            Member.objects.bulk_create(members, batch_size=500)
            ids = [m.pk for m in members]
        registered, actor_id, today = MemberEvent.Kind.REGISTERED.value, self.actor_id, self.today
        events = [
            (pk, registered, today, now, actor_id, None, r[22], "")
            for pk, r in zip(ids, records, strict=True)
        ]
        if self.postgres:
            bulk.copy_rows(MemberEvent, _EVENT_COLUMNS, events)
        else:
            MemberEvent.objects.bulk_create(
                [MemberEvent(**dict(zip(_EVENT_COLUMNS, e, strict=True))) for e in events], batch_size=500
            )
        add, dumps, totals = self.audit.add_json, _after_json, self.totals
        for pk, r in zip(ids, records, strict=True):
            add(
                action="member.create",
                object_type="members.member",
                object_id=str(pk),
                object_repr=r[1],
                org_path=r[23],
                before_json="{}",
                after_json=dumps(r),
            )
            totals[r[23]] += 1
        self.audit.flush()
        self.written += len(records)
        bulk.pause_for_tests(self.written)


# member.create's audit snapshot (services.AUDIT_FIELDS, as audit.snapshot gives it) from the record
# tuple, serialized the way the audit chain serializes it (keys sorted): one json.dumps a member.
_AUDIT_SOURCE = sorted(services.AUDIT_FIELDS)
_AUDIT_DATE_FIELDS = {"birth_date", "joined_on", "converted_on"}
_AUDIT_INDEX = [
    (
        f,
        None if f == "party_group" else _MEMBER_COLUMNS.index("org_id" if f == "org" else f),
        f in _AUDIT_DATE_FIELDS,
    )
    for f in _AUDIT_SOURCE
]


_AUDIT_NAMES = [name for name, _index, _is_date in _AUDIT_INDEX]
_AUDIT_GET = operator.itemgetter(*[index or 0 for _name, index, _is_date in _AUDIT_INDEX])
_AUDIT_DATES = [i for i, (_name, _index, is_date) in enumerate(_AUDIT_INDEX) if is_date]
_AUDIT_NONE = [i for i, (_name, index, _is_date) in enumerate(_AUDIT_INDEX) if index is None]
# The keys are in sorted order already, so the encoder need not sort them: the same text as
# audit._json (tests/members/test_importers.py compares the two on awkward values).
_encode_sorted = json.JSONEncoder(ensure_ascii=False).encode


def _after_json(record: tuple) -> str:
    values = list(_AUDIT_GET(record))
    for i in _AUDIT_DATES:
        if values[i] is not None:
            values[i] = values[i].isoformat()
    for i in _AUDIT_NONE:
        values[i] = None
    return _encode_sorted(dict(zip(_AUDIT_NAMES, values, strict=True)))


def _s(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return value.strip() if isinstance(value, str) else ""


def _adjust_totals(per_branch: Counter[str]) -> None:
    """Add the new members to each branch and its ancestors: one adjustment per branch."""
    for path, n in per_branch.items():
        adjust_totals(path, members=n)
