"""公民身份号码 (GB 11643-1999): 18 characters, the last a MOD 11-2 check character."""

from __future__ import annotations

import datetime as dt
import unicodedata
from operator import mul

from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ZERO = 48 * sum(_WEIGHTS)


class IdNumberError(ValueError):
    pass


def normalize(value: str) -> str:
    """Full-width digits and spaces folded, lowercase x raised."""
    value = str(value)
    if value.isascii() and value.isalnum():
        return value.upper()
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def check_char(first17: str) -> str:
    digits = first17.encode()
    if len(digits) != 17 or not digits.isdigit():
        raise ValueError(first17)
    # Each ASCII digit is its value + 48: subtract 48 × the sum of the weights once.
    return _CHECK[(sum(map(mul, digits, _WEIGHTS)) - _ZERO) % 11]


def parse(value: str) -> tuple[str, dt.date, str]:
    """(normalized number, birth date, GB/T 2261.1 sex code) or IdNumberError with the reason."""
    number = normalize(value)
    if len(number) != 18:
        raise IdNumberError(_("公民身份号码应为18位,实为%(n)d位") % {"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(_("公民身份号码前17位应为数字,末位应为数字或X"))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError(_("公民身份号码中的出生日期%(d)s不存在") % {"d": number[6:14]}) from exc
    if birth.year < 1890:
        raise IdNumberError(_("公民身份号码中的出生日期%(d)s不合理") % {"d": number[6:14]})
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError(
            _("公民身份号码校验位错误:末位应为%(e)s,实为%(a)s") % {"e": expected, "a": number[17]}
        )
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return number, birth, sex


def make(region: str, birth: dt.date, seq: int, sex: str) -> str:
    """A valid number from its parts (demo data and tests). `seq` 0..99, sex "1" or "2"."""
    order = (seq % 100) * 10 + (1 if sex == "1" else 2)
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + check_char(first17)
