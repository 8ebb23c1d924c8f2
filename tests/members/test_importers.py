"""The member importer: the same rows as member_create, written in bulk; idempotent; conflicts,
updates, scope and branches named per row."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from zugong.core import crypto
from zugong.core.audit import verify_chain
from zugong.core.importing.pipeline import ImportRefused
from zugong.core.models import AuditEntry
from zugong.members import services
from zugong.members.models import Member, MemberEvent
from zugong.orgs.models import Org

from ..conftest import refreshed
from ..factories import id_number_for, make_member, make_org, member_fields
from ..import_helpers import reasons, run, write_xlsx

HEADER = ["姓名", "性别", "民族", "公民身份号码", "籍贯", "学历", "学位", "人员类别", "工作单位", "职务",
          "入党日期", "转正日期", "党员类型", "手机", "住址", "所在党支部", "流动党员"]  # fmt: skip


def row_of(fields: dict, org: str) -> list:
    labels = {"1": "男", "2": "女"}
    return [
        fields["name"], labels[fields["sex"]], fields["ethnicity"], fields["id_number"],
        fields.get("native_place", ""), fields.get("education", ""), fields.get("degree", ""),
        fields.get("category", ""), fields.get("work_unit", ""), fields.get("job_title", ""),
        fields["joined_on"].isoformat(),
        fields["converted_on"].isoformat() if fields.get("converted_on") else "",
        "正式党员" if fields["status"] == "formal" else "预备党员", fields.get("phone", ""),
        fields.get("address", ""), org, "是" if fields.get("is_mobile") else "否",
    ]  # fmt: skip


def roster(tmp_path, rows, name="m.xlsx"):
    return write_xlsx(tmp_path / name, [HEADER, *rows])


def person(n: int, **over) -> dict:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=13 * n)
    fields = member_fields(
        birth_date=birth, sex="1" if n % 2 else "2", id_number=id_number_for(birth, "1" if n % 2 else "2")
    )
    fields.update(
        native_place="山西晋城", degree="4", work_unit="甲村村委会", job_title="委员", address="甲村1号"
    )
    fields.update(over)
    return fields


@pytest.mark.django_db
def test_bulk_rows_are_exactly_what_member_create_writes(tree, tmp_path):
    fields = person(1, is_mobile=True)
    report = run("members", roster(tmp_path, [row_of(fields, "C0A1")]))
    assert reasons(report) == "" and report.imported == 1
    imported = Member.objects.get()
    audit_imported = AuditEntry.objects.get(action="member.create", object_id=str(imported.pk))
    number = fields["id_number"]
    Member.objects.all().delete()

    created = services.member_create(actor=None, org=tree.branch_a1, **{k: v for k, v in fields.items()})
    audit_created = AuditEntry.objects.get(action="member.create", object_id=str(created.pk))

    skip = {"id", "id_number_enc", "phone_enc", "created_at", "updated_at"}
    for field in Member._meta.concrete_fields:
        if field.attname not in skip:
            assert getattr(imported, field.attname) == getattr(created, field.attname), field.name
    assert crypto.decrypt(imported.id_number_enc) == number
    assert crypto.decrypt(imported.phone_enc) == crypto.decrypt(created.phone_enc)
    assert imported.id_number_hash == crypto.blind_index(number)
    after = dict(audit_imported.after)
    after["org"] = created.org_id
    assert after == audit_created.after
    assert (audit_imported.object_type, audit_imported.object_repr, audit_imported.org_path) == (
        "members.member",
        fields["name"],
        tree.branch_a1.path,
    )


@pytest.mark.django_db
def test_events_totals_and_audit_chain(tree, accounts, tmp_path):
    make_member(tree.branch_b1)  # a member before the import
    totals = {o.code: o.member_total for o in Org.objects.all()}
    rows = [row_of(person(i), "C0A1") for i in range(5)]
    rows += [row_of(person(10 + i), "甲镇中学第一党支部") for i in range(3)]

    report = run("members", roster(tmp_path, rows), actor=accounts["organizer_a"])

    assert reasons(report) == "" and report.imported == 8
    assert refreshed(tree.branch_a1).member_total == totals["C0A1"] + 5
    assert refreshed(tree.branch_a2).member_total == totals["C0AG1"] + 3
    assert refreshed(tree.general_a).member_total == totals["C0AG"] + 3
    assert refreshed(tree.town_a).member_total == totals["C0A"] + 8
    assert refreshed(tree.county).member_total == totals["C0"] + 8
    assert refreshed(tree.town_b).member_total == totals["C0B"]
    new = Member.objects.filter(org__in=[tree.branch_a1, tree.branch_a2]).exclude(
        pk=accounts["member_record"].pk
    )
    assert MemberEvent.objects.filter(member__in=new, kind="registered", to_org__isnull=False).count() == 8
    entries = AuditEntry.objects.filter(action="member.create", actor=accounts["organizer_a"])
    assert entries.count() == 8 and {e.actor_label for e in entries} == {"organizer_a"}
    assert verify_chain()[1] == []
    for org in Org.objects.all():  # stored totals equal the rows
        counted = Member.objects.filter(org_path__startswith=org.path, standing="normal").count()
        assert org.member_total == counted, org.code


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(tree, tmp_path):
    path = roster(tmp_path, [row_of(person(i), "C0A1") for i in range(4)])
    run("members", path)
    audit, events = AuditEntry.objects.count(), MemberEvent.objects.count()
    total = refreshed(tree.branch_a1).member_total

    again = run("members", path)

    assert (again.imported, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 0)
    assert AuditEntry.objects.count() == audit and MemberEvent.objects.count() == events
    assert refreshed(tree.branch_a1).member_total == total
    assert run("members", path, update=True).unchanged == 4


@pytest.mark.django_db
def test_a_differing_registered_member_needs_update_mode(tree, tmp_path):
    fields = person(1)
    make_member(tree.branch_a1, **fields)
    changed = dict(fields, job_title="支部书记", phone="13800000000")

    report = run("members", roster(tmp_path, [row_of(changed, "C0A1")]))

    assert report.refused
    (problem,) = report.problems
    assert problem.column == "公民身份号码"
    assert "已登记在“甲村党支部”" in problem.reason and "职务、手机" in problem.reason
    assert "更新模式" in problem.reason


@pytest.mark.django_db
def test_update_mode_changes_fields_one_audit_entry_per_record(tree, tmp_path):
    first, second = person(1), person(2)
    kept = make_member(tree.branch_a1, **first)
    member = make_member(tree.branch_a1, **second)
    audit = AuditEntry.objects.count()
    changed = dict(second, job_title="支部书记", phone="13800000000", native_place="")  # a blank cell

    report = run("members", roster(tmp_path, [row_of(first, "C0A1"), row_of(changed, "C0A1")]), update=True)

    assert reasons(report) == "" and (report.updated, report.unchanged) == (1, 1)
    member.refresh_from_db()
    assert member.job_title == "支部书记" and crypto.decrypt(member.phone_enc) == "13800000000"
    assert member.native_place == "山西晋城"  # blank cells do not clear stored values
    # One entry for the changed member, one for the import itself; both under the import's request id.
    entry, trace = AuditEntry.objects.order_by("id")[audit:]
    assert entry.action == "member.update" and entry.object_id == str(member.pk)
    assert entry.before == {"job_title": "委员", "phone_masked": "139****5678"}
    assert entry.after == {"job_title": "支部书记", "phone_masked": "138****0000"}
    assert trace.action == "import.members" and trace.object_type == "import"
    assert (trace.after["updated"], trace.after["unchanged"], trace.after["update"]) == (1, 1, True)
    assert trace.request_id == entry.request_id and trace.object_id == entry.request_id
    assert Member.objects.get(pk=kept.pk).updated_at == kept.updated_at
    assert verify_chain()[1] == []


@pytest.mark.django_db
def test_update_mode_does_not_move_members(tree, tmp_path):
    fields = person(1)
    make_member(tree.branch_a1, **fields)
    report = run("members", roster(tmp_path, [row_of(fields, "C0B1")]), update=True)
    assert report.refused and "组织关系转接" in reasons(report) and "甲村党支部" in reasons(report)


@pytest.mark.django_db
def test_update_mode_does_not_change_mobility(tree, tmp_path):
    fields = person(1)
    make_member(tree.branch_a1, **fields)
    report = run("members", roster(tmp_path, [row_of(dict(fields, is_mobile=True), "C0A1")]), update=True)
    assert report.refused and "登记外出流动" in reasons(report)
    assert not Member.objects.filter(is_mobile=True).exists()


@pytest.mark.django_db
def test_orgs_out_of_scope_not_branches_unknown_or_ambiguous_are_named(tree, accounts, tmp_path):
    make_org(tree.town_b, code="C0B9", name="甲村党支部")  # a second branch with the same name
    rows = [
        row_of(person(1), "C0B1"),
        row_of(person(2), "C0A"),
        row_of(person(3), "C9"),
        row_of(person(4), "甲村党支部"),
    ]
    path = roster(tmp_path, rows)

    by_organizer = run("members", path, actor=accounts["organizer_a"])
    text = reasons(by_organizer)
    assert "第2行“所在党支部”列(值:C0B1):党组织“乙村党支部”(C0B1)不在该账号的管理范围内" in text
    assert "第3行“所在党支部”列(值:C0A):党员应编入党支部、联合党支部或临时党支部,“甲镇党委”是党委" in text
    assert "第4行“所在党支部”列(值:C9):找不到党组织“C9”" in text
    assert "第5行" not in text  # only one 甲村党支部 inside 甲镇

    by_system = run("members", path)
    assert "第5行“所在党支部”列(值:甲村党支部):有2个党组织名为“甲村党支部”,请改填组织代码" in reasons(
        by_system
    )


@pytest.mark.django_db
def test_a_member_registered_outside_the_scope_is_not_revealed(tree, accounts, tmp_path):
    fields = person(1)
    make_member(tree.branch_b1, **fields)
    report = run("members", roster(tmp_path, [row_of(fields, "C0A1")]), actor=accounts["organizer_a"])
    assert "已在其他党组织登记" in reasons(report) and "乙村" not in reasons(report)


@pytest.mark.django_db
def test_accounts_without_the_permission_cannot_import(tree, accounts, tmp_path):
    path = roster(tmp_path, [row_of(person(1), "C0A1")])
    with pytest.raises(ImportRefused, match="没有编辑党员信息的权限"):
        run("members", path, actor=accounts["leader_a"])


@pytest.mark.django_db
def test_org_option_gives_the_branch_and_limits_the_rows(tree, tmp_path):
    header = [h for h in HEADER if h != "所在党支部"]
    rows = [
        [c for h, c in zip(HEADER, row_of(person(i), ""), strict=True) if h != "所在党支部"] for i in range(2)
    ]
    path = write_xlsx(tmp_path / "m.xlsx", [header, *rows])
    assert run("members", path).refused  # no 所在党支部 column and no --org

    report = run("members", path, org="C0AG1")
    assert reasons(report) == "" and set(Member.objects.values_list("org__code", flat=True)) == {"C0AG1"}

    limited = run("members", roster(tmp_path, [row_of(person(5), "C0B1")], "b.xlsx"), org="C0A")
    assert "不在本次导入指定的“甲镇党委”之下" in reasons(limited)
    with pytest.raises(ImportRefused):
        run("members", path, org="NOPE")


@pytest.mark.django_db
def test_probation_shorter_than_the_rule_is_named(tree, tmp_path):
    fields = person(1, joined_on=dt.date(2015, 7, 1), converted_on=dt.date(2016, 6, 30))
    report = run("members", roster(tmp_path, [row_of(fields, "C0A1")]))
    assert "不足12个月的预备期(FZ-18" in reasons(report)
    fields = person(1, joined_on=dt.date(2015, 7, 1), converted_on=dt.date(2016, 7, 1))
    assert run("members", roster(tmp_path, [row_of(fields, "C0A1")], "ok.xlsx")).imported == 1


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_rows(tree, tmp_path):
    def queries(rows) -> int:
        with CaptureQueriesContext(connection) as ctx:
            report = run("members", roster(tmp_path, rows, f"{len(rows)}.xlsx"))
        assert report.imported == len(rows)
        return len(ctx.captured_queries)

    few = queries([row_of(person(i), "C0A1" if i % 2 else "C0B1") for i in range(4)])
    many = queries([row_of(person(100 + i), "C0A1" if i % 2 else "C0B1") for i in range(400)])
    # Batches only (SQLite caps the parameters of one INSERT, so a batch is a few statements).
    assert many - few < 400 / 10


@pytest.mark.django_db
def test_check_member_is_pure(tree, django_assert_num_queries):
    services.check_member(member_fields(), id_taken=lambda number: False)  # warm the code/rule caches
    fields = member_fields()
    with django_assert_num_queries(0):
        clean, errors = services.check_member(fields, id_taken=lambda number: number == fields["id_number"])
    assert "已登记" in errors["id_number"][0]
    assert clean["birth_date"] == fields["birth_date"]


@pytest.mark.django_db
def test_a_big_file_is_read_in_a_second_process_with_the_same_result(tree, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the reader process is used on PostgreSQL only")
    from zugong.core.importing import pipeline

    rows = [
        row_of(
            member_fields(birth_date=dt.date(1960, 1, 1) + dt.timedelta(days=i * 3), sex="12"[i % 2]),
            "C0A1" if i % 2 else "C0B1",
        )
        for i in range(2500)
    ]
    rows[1200][3] = rows[1200][3][:-1] + ("0" if rows[1200][3][-1] != "0" else "1")  # checksum
    rows[2100][15] = "NOPE"  # no such branch
    rows.append(list(rows[5]))  # a repeat
    path = roster(tmp_path, rows)
    started = []
    reader = pipeline._ReaderProcess

    class Counting(reader):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self.process.pid)

    monkeypatch.setattr(pipeline, "_ReaderProcess", Counting)
    monkeypatch.setenv(pipeline.PARALLEL_ENV, str(2**40))
    alone = run("members", path, dry_run=True)
    assert not started
    monkeypatch.setenv(pipeline.PARALLEL_ENV, "0")
    both = run("members", path, dry_run=True)
    assert len(started) == 1
    assert [str(p) for p in both.problems] == [str(p) for p in alone.problems]
    assert [p.line for p in both.problems] == [1202, 2102, 2502]
    assert (
        (both.read, both.valid, both.rejected) == (alone.read, alone.valid, alone.rejected) == (2501, 2498, 3)
    )

    before = (Member.objects.count(), AuditEntry.objects.count())
    refused = run("members", path)  # all or nothing, through the reader process too
    assert refused.refused and (Member.objects.count(), AuditEntry.objects.count()) == before

    written = run("members", path, skip_invalid=True)
    assert len(started) == 3 and written.imported == 2498
    assert Member.objects.filter(name=rows[7][0], id_number_hash=crypto.blind_index(rows[7][3])).exists()
    assert verify_chain()[1] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("joined", "converted", "ok"),
    [
        (dt.date(2019, 7, 1), dt.date(2020, 7, 1), True),  # exactly one year
        (dt.date(2019, 7, 1), dt.date(2020, 6, 30), False),  # a day short
        (dt.date(2020, 2, 29), dt.date(2021, 2, 28), True),  # leap day + 1 year
        (dt.date(2020, 2, 29), dt.date(2021, 2, 27), False),
    ],
)
def test_fz18_boundaries_on_import(tree, tmp_path, joined, converted, ok):
    fields = person(3, joined_on=joined, converted_on=converted)
    report = run("members", roster(tmp_path, [row_of(fields, "C0A1")]))
    if ok:
        assert reasons(report) == "" and report.imported == 1
    else:
        (problem,) = report.problems
        assert problem.column == "转正日期" and problem.line == 2
        assert "不足12个月的预备期(FZ-18《中国共产党发展党员工作细则》第三十二条)" in problem.reason


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(), min_size=8, max_size=8),
    dates=st.lists(st.none() | st.dates(), min_size=3, max_size=3),
    org_id=st.integers(min_value=1),
    mobile=st.booleans(),
)
def test_audit_snapshot_json_is_what_json_dumps_writes(texts, dates, org_id, mobile):
    from zugong.core.audit import _json
    from zugong.members import importers

    record = [None] * len(importers._MEMBER_COLUMNS)
    column = importers._MEMBER_COLUMNS.index
    for name, text in zip(
        [
            "name",
            "sex",
            "ethnicity",
            "id_number_masked",
            "native_place",
            "work_unit",
            "phone_masked",
            "address",
        ],
        texts,
        strict=True,
    ):
        record[column(name)] = text
    for name, day in zip(["birth_date", "joined_on", "converted_on"], dates, strict=True):
        record[column(name)] = day
    record[column("org_id")], record[column("is_mobile")] = org_id, mobile
    for name in ["education", "degree", "category", "job_title", "status", "standing"]:
        record[column(name)] = ""
    after = {}
    for name in services.AUDIT_FIELDS:
        value = None if name == "party_group" else record[column("org_id" if name == "org" else name)]
        after[name] = value.isoformat() if isinstance(value, dt.date) else value
    assert importers._after_json(tuple(record)) == _json(after)
