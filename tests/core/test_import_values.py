import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zugong.core.importing import values


@pytest.mark.parametrize(
    "raw",
    [
        "2019-07-01",
        "2019/7/1",
        "2019.7.1",
        "2019年7月1日",
        "20190701",
        " 2019 - 07 - 01 ",
        "２０１９．７．１",
        dt.date(2019, 7, 1),
        dt.datetime(2019, 7, 1, 0, 0),
        43647,
        43647.0,
        "43647",
        20190701,
    ],
)
def test_date_spellings(raw):
    assert values.parse_date(raw) == dt.date(2019, 7, 1)


def test_month_only_where_allowed():
    assert values.parse_date("2019.07", allow_month=True) == dt.date(2019, 7, 1)
    assert values.parse_date("2019年7月", allow_month=True) == dt.date(2019, 7, 1)
    with pytest.raises(ValueError, match="只有年月"):
        values.parse_date("2019.07")


@pytest.mark.parametrize("raw", ["2019-02-30", "昨天", "2019/13/01", "abc"])
def test_bad_dates_say_why(raw):
    with pytest.raises(ValueError):
        values.parse_date(raw)


def test_id_number_in_scientific_notation_is_refused_clearly():
    with pytest.raises(ValueError, match="科学计数法"):
        values.parse_id_number(1.40525198503141e17)
    with pytest.raises(ValueError, match="科学计数法"):
        values.parse_id_number("1.40525E+17")
    assert values.parse_id_number(" 14052519850314001x ") == "14052519850314001X"


@pytest.mark.django_db
def test_codes_by_name_synonym_or_code():
    assert values.parse_code("ethnicity", "汉") == "01"
    assert values.parse_code("ethnicity", "汉族") == "01"
    assert values.parse_code("ethnicity", "01") == "01"
    assert values.parse_code("sex", "男") == "1"
    assert values.parse_code("education", "本科") == "21"
    with pytest.raises(ValueError, match="代码表"):
        values.parse_code("ethnicity", "火星族")


def test_text_folds_fullwidth_spaces_and_digits():
    assert values.text("\u3000张　三 ") == "张 三"
    assert values.compact("张　三") == "张三"
    assert values.text(13912345678.0) == "13912345678"


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=True), st.none(), st.dates()))
def test_parsers_fail_only_with_value_error(raw):
    parsers = (
        values.parse_date,
        values.parse_id_number,
        values.parse_bool,
        values.parse_int,
        values.parse_phone,
    )
    for parse in parsers:
        try:
            parse(raw)
        except ValueError:
            pass


def test_month_only_dates_are_marked():
    month = values.parse_date("1990.05", allow_month=True)
    assert isinstance(month, values.MonthDate) and month == dt.date(1990, 5, 1)
    assert not isinstance(values.parse_date("1990.05.01", allow_month=True), values.MonthDate)


def test_choices_by_any_spelling():
    choices = (("probationary", ("预备党员", "预备")), ("formal", ("正式党员", "正式")))
    assert values.parse_choice(choices, " 正式 ") == "formal"
    assert values.parse_choice(choices, "预备党员") == "probationary"
    assert values.parse_choice(choices, "FORMAL") == "formal"
    with pytest.raises(ValueError, match="应填预备党员、正式党员之一"):
        values.parse_choice(choices, "积极分子")


@pytest.mark.parametrize(
    ("raw", "blank", "text"),
    [
        ("\u3000", True, ""),
        (" \t", True, ""),
        ("ＡＢＣ　１２", False, "ABC 12"),
        ("张三", False, "张三"),
        (0, False, "0"),
        (None, True, ""),
    ],
)
def test_blank_and_text(raw, blank, text):
    assert values.is_blank(raw) is blank
    assert values.text(raw) == text
