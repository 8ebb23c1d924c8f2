"""The pipeline: every problem named (line as the spreadsheet shows it, the user's header, the
value, the reason), all-or-nothing by default, rejects re-importable, dry runs, junk never raises."""

import datetime as dt
import io

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from zugong.core.audit import verify_chain
from zugong.core.importing import pipeline, readers, registry
from zugong.core.importing.templates import build_template
from zugong.core.models import AuditEntry
from zugong.members.models import Member
from zugong.orgs.models import Org

from ..factories import id_number_for
from ..import_helpers import MEMBER_HEADER, reasons, run, write_xlsx


def member_row(name="张伟", *, birth=dt.date(1985, 3, 14), sex="男", org="C0A1", **over):
    row = {
        "姓名": name,
        "性别": sex,
        "民族": "汉族",
        "公民身份号码": id_number_for(birth, "1" if sex == "男" else "2"),
        "出生日期": None,
        "学历": "本科",
        "入党日期": "2010-07-01",
        "转正日期": "2011-07-01",
        "党员类型": "正式党员",
        "手机": "13912345678",
        "所在党支部": org,
    }
    row.update(over)
    return [row[h] for h in MEMBER_HEADER]


@pytest.mark.django_db
def test_every_bad_row_is_named_and_nothing_is_written(tree, tmp_path):
    good = member_row("好人")
    bad_checksum = member_row("甲")
    bad_checksum[3] = bad_checksum[3][:-1] + ("0" if bad_checksum[3][-1] != "0" else "1")
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [
            MEMBER_HEADER,
            good,
            bad_checksum,
            member_row("乙", 入党日期="2019-02-30"),
            member_row("丙", 民族="火星族", org="不存在的支部"),
            member_row("丁", birth=dt.date(2000, 1, 1), 入党日期="2017-06-01", 转正日期="2018-06-01"),
            member_row("戊", 入党日期="2015-07-01", 转正日期="2015-12-01"),
            good,
        ],
    )
    before = AuditEntry.objects.count()

    report = run("members", path)

    assert report.refused and not report.written
    assert (report.read, report.valid, report.rejected) == (7, 1, 6)
    text = reasons(report)
    assert "第3行“公民身份号码”列" in text and "校验位" in text
    assert "第4行“入党日期”列(值:2019-02-30):日期2019-02-30不存在" in text
    assert "第5行“民族”列(值:火星族)" in text
    assert "第5行“所在党支部”列(值:不存在的支部):找不到党组织" in text
    assert "第6行“入党日期”列" in text and "未满18周岁" in text and "FZ-01" in text
    assert "第7行“转正日期”列" in text and "FZ-18" in text
    assert "第8行“公民身份号码”列" in text and "与第2行重复" in text
    assert Member.objects.count() == 0 and AuditEntry.objects.count() == before
    assert report.summary().startswith("未导入")


@pytest.mark.django_db
def test_skip_invalid_writes_good_rows_and_a_rejects_workbook_to_fix_and_reimport(tree, tmp_path):
    bad = member_row("错行", 性别="男", 入党日期="昨天")
    path = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, member_row("好人"), bad], title="党员名册")
    rejects = tmp_path / "rejects.xlsx"

    report = run("members", path, skip_invalid=True, rejects=rejects)

    assert report.written and (report.imported, report.rejected, report.rejects_written) == (1, 1, 1)
    sheet = CalamineWorkbook.from_path(str(rejects)).get_sheet_by_index(0).to_python()
    assert sheet[0] == [*MEMBER_HEADER, "问题说明"]
    assert sheet[1][:3] == bad[:3] and sheet[1][3] == bad[3]
    assert "原第5行" in sheet[1][-1] and "入党日期" in sheet[1][-1]

    # The user fixes the date in the rejects file and imports it as it is.
    fixed = tmp_path / "fixed.xlsx"
    row = [c if i != MEMBER_HEADER.index("入党日期") else "2010-07-01" for i, c in enumerate(sheet[1])]
    write_xlsx(fixed, [sheet[0], row])
    again = run("members", fixed)
    assert reasons(again) == "" and again.imported == 1
    assert Member.objects.count() == 2


@pytest.mark.django_db
def test_rejects_are_written_when_refused_too(tree, tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, member_row("好人"), member_row("坏", 性别="外星")])
    buffer = io.BytesIO()
    report = run("members", path, rejects=buffer)
    assert report.refused and report.rejects_written == 1
    rows = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_index(0).to_python()
    assert len(rows) == 2 and "性别" in rows[1][-1]


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_previews(tree, tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, member_row("甲"), member_row("乙")])
    report = run("members", path, dry_run=True)
    assert not report.refused and not report.written and report.valid == 2
    assert [r["name"] for r in report.preview] == ["甲", "乙"]
    assert report.summary().startswith("试运行")
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_missing_required_column_and_missing_header(tree, tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [["姓名", "性别", "备注"], ["甲", "男", ""]])
    report = run("members", path)
    assert report.refused
    assert {p.column for p in report.problems} >= {"公民身份号码", "入党日期", "所在党支部"}
    assert all(p.reason == "缺少必填列" for p in report.problems)

    nothing = write_xlsx(tmp_path / "n.xlsx", [["甲", "乙"], ["1", "2"]])
    with pytest.raises(readers.UnreadableFile, match="找不到表头"):
        run("members", nothing)


@pytest.mark.django_db
def test_empty_required_cells_are_named(tree, tmp_path):
    row = member_row("甲")
    row[MEMBER_HEADER.index("民族")] = "  "
    report = run("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, row]))
    assert [str(p) for p in report.problems] == ["第2行“民族”列:必填项为空"]


@pytest.mark.django_db
def test_an_import_keeps_the_audit_chain_valid(tree, tmp_path):
    rows = [MEMBER_HEADER] + [
        member_row(f"党员{i}", birth=dt.date(1980, 1, 1) + dt.timedelta(i)) for i in range(7)
    ]
    run("members", write_xlsx(tmp_path / "m.xlsx", rows))
    checked, bad = verify_chain()
    assert bad == [] and checked == AuditEntry.objects.count()
    assert AuditEntry.objects.filter(action="member.create").count() == 7


JUNK = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2200, 1, 1)),
    st.sampled_from(
        ["2019.7.1", "１９８５", "x", "是", "C0A1", "汉", "预备", "=1/0", "1.40525E+17", "\u3000"]
    ),
)


def _write_junk(rows: list[list]) -> io.BytesIO:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, value)
    workbook.close()
    return buffer


@pytest.mark.django_db
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(junk=st.lists(st.tuples(st.integers(0, len(MEMBER_HEADER) - 1), JUNK), min_size=1, max_size=6))
def test_junk_in_any_cell_is_a_clean_refusal_never_a_partial_write(tree, tmp_path_factory, junk):
    rows = [MEMBER_HEADER] + [
        member_row(f"党员{i}", birth=dt.date(1970, 1, 1) + dt.timedelta(i)) for i in range(3)
    ]
    for n, (column, value) in enumerate(junk):
        rows[1 + n % 3][column] = value
    path = tmp_path_factory.mktemp("junk") / "m.xlsx"
    path.write_bytes(_write_junk(rows).getvalue())
    members, audit = Member.objects.count(), AuditEntry.objects.count()
    totals = list(Org.objects.order_by("pk").values_list("member_total", flat=True))

    report = run("members", path)

    if report.refused:
        assert report.problems and Member.objects.count() == members
        assert AuditEntry.objects.count() == audit
        assert list(Org.objects.order_by("pk").values_list("member_total", flat=True)) == totals
    else:
        assert report.written and Member.objects.count() == members + report.imported
    assert verify_chain()[1] == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(registry.IMPORTERS))
def test_template_has_headers_notes_dropdowns_and_text_id_column(tmp_path, name):
    importer_cls = registry.get(name)
    path = tmp_path / "template.xlsx"
    build_template(importer_cls, path)

    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names[1] == "填写说明"
    header = workbook.get_sheet_by_index(0).to_python()[0]
    assert [h.lstrip("*") for h in header] == [c.label for c in importer_cls.columns]
    notes = workbook.get_sheet_by_index(1).to_python()
    assert any(row[0] == importer_cls.columns[0].label for row in notes)
    import zipfile

    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        book_xml = archive.read("xl/workbook.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    coded = [c for c in importer_cls.columns if c.kind in {"code", "choice", "bool"}]
    assert sheet_xml.count("<dataValidation ") == len(coded)
    assert 'state="hidden"' in book_xml
    assert 'formatCode="@"' in styles  # the text format (ID numbers, codes)


@pytest.mark.django_db
def test_a_filled_in_template_imports(tree, tmp_path):
    from zugong.members.importers import MemberImporter

    path = tmp_path / "template.xlsx"
    build_template(MemberImporter, path)
    header = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[0]
    example = {c.label: c.example for c in MemberImporter.columns}
    write_xlsx(tmp_path / "filled.xlsx", [header, [example[h.lstrip("*")] for h in header]])
    report = run("members", tmp_path / "filled.xlsx")
    assert reasons(report) == "" and report.imported == 1


def test_problem_text():
    problem = pipeline.Problem(12, "入党时间", "2019-02-30", "日期2019-02-30不存在")
    assert str(problem) == "第12行“入党时间”列(值:2019-02-30):日期2019-02-30不存在"


@pytest.mark.django_db
def test_none_in_an_optional_coded_cell_is_blank(tree):
    from zugong.members.importers import MemberImporter

    degree = next(c for c in MemberImporter.columns if c.key == "degree")
    ethnicity = next(c for c in MemberImporter.columns if c.key == "ethnicity")
    assert pipeline.parse_cell(degree, "无") is None
    with pytest.raises(ValueError, match="代码表"):
        pipeline.parse_cell(ethnicity, "无")
