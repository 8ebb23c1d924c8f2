"""Files as people have them: .xls/.ods/GBK and GB18030 CSV written by LibreOffice (committed
fixtures, see tests/fixtures/import/README.md) and .xlsx written by xlsxwriter here."""

import datetime as dt

import pytest

from zugong.core import crypto
from zugong.core.importing import readers
from zugong.members.models import Member

from ..factories import id_number_for
from ..import_helpers import FIXTURES, MEMBER_HEADER, reasons, run, write_xlsx

ROSTERS = ["members.xls", "members.ods", "members-gbk.csv", "members-gb18030.csv"]


def by_name() -> dict[str, Member]:
    return {m.name: m for m in Member.objects.select_related("org")}


@pytest.mark.django_db
@pytest.mark.parametrize("fixture", ROSTERS)
def test_rosters_written_by_an_office_program(tree, fixture):
    report = run("members", FIXTURES / fixture)

    assert reasons(report) == ""
    assert (report.header_line, report.read, report.imported) == (3, 5, 5)  # title rows above the header
    members = by_name()
    wang = members["王芳"]
    assert (wang.sex, wang.ethnicity, wang.education, wang.status) == ("2", "01", "21", "formal")
    assert wang.converted_on == dt.date(2011, 7, 1)  # typed as 2011年7月1日
    assert crypto.decrypt(wang.phone_enc) == "13912345678"  # full-width digits
    li = members["李强"]  # a trailing space in the name, lowercase x, the branch by its name
    assert crypto.decrypt(li.id_number_enc).endswith("X")
    assert li.org.code == "C0B1" and li.is_mobile
    assert (li.joined_on, li.converted_on) == (dt.date(2015, 7, 1), dt.date(2016, 7, 1))
    assert li.birth_date == dt.date(1990, 8, 2)  # from the ID number
    zhao = members["赵敏"]  # a full-width space inside the name; 出生年月 1990.05 agrees with the number
    assert zhao.birth_date == dt.date(1990, 5, 20) and zhao.joined_on == dt.date(2012, 7, 1)
    assert zhao.ethnicity == "03" and zhao.education == "14" and zhao.phone_enc == ""
    zhou = members["周杰"]  # Excel serial dates, a phone number stored as a number
    assert (zhou.joined_on, zhou.converted_on) == (dt.date(2011, 7, 1), dt.date(2012, 7, 1))
    assert crypto.decrypt(zhou.phone_enc) == "13912345679"
    assert members.keys() & {"陈静", "陈𬱖"}


@pytest.mark.django_db
def test_gb18030_keeps_characters_outside_gbk(tree):
    run("members", FIXTURES / "members-gb18030.csv")
    assert Member.objects.filter(name="陈𬱖").exists()


def test_encodings_are_detected():
    assert readers.detect_encoding((FIXTURES / "members-gbk.csv").read_bytes()) == "gb18030"
    assert readers.detect_encoding("姓名".encode() + b"\n") == "utf-8"
    assert readers.detect_encoding(b"\xef\xbb\xbf" + "姓名".encode()) == "utf-8-sig"


@pytest.mark.django_db
def test_id_number_damaged_by_scientific_notation_is_named(tree):
    report = run("members", FIXTURES / "members-scientific.xls")

    assert report.refused and report.rejected == 1
    (problem,) = report.problems
    assert (problem.line, problem.column) == (5, "身份证号码")
    assert "科学计数法" in problem.reason
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_xlsx_with_title_trailing_blanks_and_typed_spellings(tree, tmp_path):
    birth = dt.date(1988, 2, 29)
    rows = [
        [*MEMBER_HEADER, None, None, "  "],
        ["孙丽", "女性", "01", id_number_for(birth, "2"), "1988年2月29日", "大学本科毕业", "2012/7/1",
         20130701, "正式", "139 1234 5678", "甲村党支部"],
        ["钱勇", "男", "汉族", id_number_for(dt.date(1975, 6, 1), "1"), dt.date(1975, 6, 1), "21", 41091,
         "2013.7.2", "正式党员", "13912345678", "C0AG1"],
        [None] * 11,
        ["", " ", "\u3000"],
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "roster.xlsx", rows, title="党员基本信息采集表", width=14)

    report = run("members", path)

    assert reasons(report) == ""
    assert (report.header_line, report.read, report.imported) == (3, 2, 2)
    sun = Member.objects.get(name="孙丽")
    assert (sun.birth_date, sun.joined_on, sun.converted_on) == (
        birth,
        dt.date(2012, 7, 1),
        dt.date(2013, 7, 1),
    )
    assert sun.org == tree.branch_a1 and sun.sex == "2" and crypto.decrypt(sun.phone_enc) == "13912345678"
    qian = Member.objects.get(name="钱勇")
    assert qian.joined_on == dt.date(2012, 7, 1) and qian.org == tree.branch_a2


def test_unknown_file_type_is_refused(tmp_path):
    path = tmp_path / "roster.docx"
    path.write_bytes(b"PK")
    with pytest.raises(readers.UnreadableFile, match="不支持"):
        list(readers.iter_rows(path))


def test_damaged_spreadsheet_is_refused_cleanly(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(readers.UnreadableFile, match="无法打开"):
        list(readers.iter_rows(path))
