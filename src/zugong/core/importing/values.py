"""Normalizing what people type into spreadsheet cells. Every parser raises ValueError with a
Chinese reason that the import report shows next to the row and column."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from zugong.core import codes

# Excel's 1900 date system (with its fictitious 1900-02-29) counts from 1899-12-30.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 1, 2958465  # 1900-01-01 .. 9999-12-31

_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]
_MONTH_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})月?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
]


class MonthDate(dt.date):
    """A date typed with year and month only (2019.07): stored as the 1st, known to be month-precise."""


_TRUE = {"是", "y", "yes", "true", "1", "√", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无", ""}


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if value.__class__ is not str:
        return False
    return not value.strip() or (not value.isascii() and not text(value))


_is_nfkc = unicodedata.is_normalized


def text(value: Any) -> str:
    """Half-width, trimmed, inner runs of spaces (including full-width ones) folded to one."""
    if value.__class__ is str:
        s = value
    else:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, dt.datetime):
            value = value.date()
        s = str(value)
    if not s.isascii() and not _is_nfkc("NFKC", s):
        s = unicodedata.normalize("NFKC", s)
    return " ".join(s.split())


def compact(value: Any) -> str:
    """Text with no spaces at all: names, codes, numbers."""
    return text(value).replace(" ", "")


def parse_date(value: Any, *, allow_month: bool = False) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 29991231:
            return parse_date(str(int(value)), allow_month=allow_month)
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(_("无法识别的日期:%(v)s") % {"v": value})
    s = compact(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(s)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError as exc:
                raise ValueError(_("日期%(v)s不存在") % {"v": s}) from exc
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(s)
        if match:
            if not allow_month:
                raise ValueError(_("日期%(v)s只有年月,该项需要具体到日") % {"v": s})
            try:
                return MonthDate(int(match["y"]), int(match["m"]), 1)
            except ValueError as exc:
                raise ValueError(_("日期%(v)s不存在") % {"v": s}) from exc
    if s.isdigit() and _SERIAL_MIN <= int(s) <= 80000:
        return _EXCEL_EPOCH + dt.timedelta(days=int(s))
    raise ValueError(_("无法识别的日期“%(v)s”,请写成2019-07-01、2019.7.1或2019年7月1日") % {"v": s})


def parse_id_number(value: Any) -> str:
    """The ID number as text; numbers that Excel stored in floating point are refused clearly."""
    if isinstance(value, float):
        if value >= 1e15 or not value.is_integer():
            raise ValueError(
                _("公民身份号码被Excel当作数字保存(科学计数法),后几位已丢失;请将该列设为“文本”格式后重新录入")
            )
        value = int(value)
    s = compact(value).upper()
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", s):
        raise ValueError(
            _("公民身份号码被Excel当作数字保存(科学计数法),后几位已丢失;请将该列设为“文本”格式后重新录入")
        )
    return s


def parse_code(table: str, value: Any) -> str:
    code = codes.resolve(table, compact(value))
    if code is None:
        raise ValueError(_("“%(v)s”不在代码表中") % {"v": text(value)})
    return code


def parse_choice(choices: tuple[tuple[str, tuple[str, ...]], ...], value: Any) -> str:
    """One of a few fixed values (预备/正式), by any of its spellings."""
    key = compact(value).lower()
    for stored, spellings in choices:
        if key == stored.lower() or key in (compact(s).lower() for s in spellings):
            return stored
    allowed = "、".join(spellings[0] for _stored, spellings in choices)
    raise ValueError(_("应填%(a)s之一,实为“%(v)s”") % {"a": allowed, "v": text(value)})


def parse_bool(value: Any) -> bool:
    s = compact(value).lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(_("应填“是”或“否”,实为“%(v)s”") % {"v": text(value)})


def parse_int(value: Any) -> int:
    s = compact(value)
    try:
        number = Decimal(s)
    except InvalidOperation as exc:
        raise ValueError(_("应为整数,实为“%(v)s”") % {"v": s}) from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(_("应为整数,实为“%(v)s”") % {"v": s})
    return int(number)


def parse_phone(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = compact(value).replace("-", "")
    if not re.fullmatch(r"\+?\d{7,15}", s):
        raise ValueError(_("电话号码格式不正确:“%(v)s”") % {"v": text(value)})
    return s
