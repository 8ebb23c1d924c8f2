import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zugong.core import idnumber


def test_known_valid_number():
    number, birth, sex = idnumber.parse("11010519491231002X")
    assert birth == dt.date(1949, 12, 31)
    assert sex == "2"
    assert number.endswith("X")


def test_lowercase_x_and_fullwidth_digits_are_normalized():
    number, _, _ = idnumber.parse("１１０１０５１９４９１２３１００２x")
    assert number == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "校验位错误"),
        ("1101051949123100", "应为18位"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100A2", "前17位应为数字"),
    ],
)
def test_invalid_numbers_say_why(value, reason):
    with pytest.raises(idnumber.IdNumberError, match=reason):
        idnumber.parse(value)


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2010, 12, 31)),
    seq=st.integers(min_value=0, max_value=99),
    sex=st.sampled_from(["1", "2"]),
)
def test_made_numbers_round_trip(birth, seq, sex):
    number = idnumber.make("140525", birth, seq, sex)
    parsed, parsed_birth, parsed_sex = idnumber.parse(number)
    assert (parsed, parsed_birth, parsed_sex) == (number, birth, sex)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_exactly_one_check_character_is_valid(first17):
    valid = first17 + idnumber.check_char(first17)
    wrong = {c for c in "0123456789X" if c != valid[-1]}
    try:
        idnumber.parse(valid)
    except idnumber.IdNumberError as exc:
        assert "校验位" not in str(exc)  # only date problems may remain
    for c in wrong:
        with pytest.raises(idnumber.IdNumberError):
            idnumber.parse(first17 + c)
