"""Working days on the State Council holiday calendar (法定节假日 and 调休 workdays).

The table stores only the exceptions to Monday–Friday (`CalendarDay`) and which years are known
(`CalendarYear`). A year that is not known is answered as Monday–Friday and every answer touching
it carries `provisional=True`, so nothing silently guesses.

Conventions (as 民法典 第二百零一条 counts periods: the day a period starts is not counted):

- `add_workdays(day, n)` is the n-th working day after `day`; `day` itself is not counted, so a
  公示 published on Monday 2025-03-03 for 5 working days gives Monday 2025-03-10: the fifth working
  day counted from the next day, which is also the first working day after a notice of five
  working days counted from its publication day.
- `workdays_between(start, end)` counts the working days in (start, end]: after `start`, up to and
  including `end`. So `workdays_between(d, add_workdays(d, n).date) == n`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

_lock = threading.Lock()
_years: dict[int, tuple[bool, dict[dt.date, bool]]] = {}
_loaded_at = 0.0
# Other processes (web workers) see an operator's correction within this many seconds.
CACHE_SECONDS = 60.0
PROVISIONAL_NOTE = "尚未载入%(years)s年的节假日安排,按周一至周五上班推算,结果为暂定"


@dataclass(frozen=True)
class DayAnswer:
    value: bool
    provisional: bool
    name: str = ""

    def __bool__(self) -> bool:
        return self.value

    @property
    def note(self) -> str:
        return _("该年节假日安排尚未载入,按周一至周五上班推算(暂定)") if self.provisional else ""


@dataclass(frozen=True)
class DateAnswer:
    date: dt.date
    provisional: bool
    provisional_years: tuple[int, ...] = ()

    @property
    def note(self) -> str:
        return _provisional_note(self.provisional_years)


@dataclass(frozen=True)
class CountAnswer:
    count: int
    provisional: bool
    provisional_years: tuple[int, ...] = ()

    @property
    def note(self) -> str:
        return _provisional_note(self.provisional_years)


def _provisional_note(years: tuple[int, ...]) -> str:
    if not years:
        return ""
    return _(PROVISIONAL_NOTE) % {"years": "、".join(str(y) for y in years)}


def invalidate() -> None:
    global _loaded_at
    with _lock:
        _years.clear()
        _loaded_at = time.monotonic()


def _year(year: int) -> tuple[bool, dict[dt.date, bool]]:
    """(is the year loaded, its exceptions to Monday–Friday)."""
    global _loaded_at
    with _lock:
        if time.monotonic() - _loaded_at > CACHE_SECONDS:
            _years.clear()
            _loaded_at = time.monotonic()
        if year in _years:
            return _years[year]
    from zugong.rules.models import CalendarDay, CalendarYear

    loaded = CalendarYear.objects.filter(year=year).exists()
    days = dict(
        CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")  # type: ignore[arg-type]
    )
    with _lock:
        _years[year] = (loaded, days)
    return loaded, days


def is_loaded(year: int) -> bool:
    return _year(year)[0]


def is_workday(day: dt.date) -> DayAnswer:
    loaded, days = _year(day.year)
    value = days.get(day, day.weekday() < 5)
    return DayAnswer(value=value, provisional=not loaded)


def add_workdays(day: dt.date, n: int) -> DateAnswer:
    """The n-th working day after `day` (before it when n < 0); `day` itself is not counted.
    n == 0 gives `day`."""
    step = 1 if n >= 0 else -1
    left = abs(n)
    current = day
    missing: set[int] = set()
    if left == 0 and not is_loaded(day.year):
        missing.add(day.year)
    while left:
        current += dt.timedelta(days=step)
        loaded, days = _year(current.year)
        if not loaded:
            missing.add(current.year)
        if days.get(current, current.weekday() < 5):
            left -= 1
    return DateAnswer(current, bool(missing), tuple(sorted(missing)))


def workdays_between(start: dt.date, end: dt.date) -> CountAnswer:
    """Working days in (start, end]; negative when `end` is before `start`."""
    if end < start:
        answer = workdays_between(end, start)
        return CountAnswer(-answer.count, answer.provisional, answer.provisional_years)
    count = 0
    missing: set[int] = set()
    for year in range(start.year, end.year + 1):
        loaded, days = _year(year)
        if not loaded:
            missing.add(year)
        first = max(start + dt.timedelta(days=1), dt.date(year, 1, 1))
        last = min(end, dt.date(year, 12, 31))
        if first > last:
            continue
        span = (last - first).days + 1
        # Weekdays in [first, last] by whole weeks, then the exceptions of that range.
        weeks, rest = divmod(span, 7)
        count += weeks * 5 + sum(
            1 for i in range(rest) if (first + dt.timedelta(days=weeks * 7 + i)).weekday() < 5
        )
        for date, is_work in days.items():
            if first <= date <= last and is_work != (date.weekday() < 5):
                count += 1 if is_work else -1
    return CountAnswer(count, bool(missing), tuple(sorted(missing)))


# -- loading from the chinese-calendar package ----------------------------------------------------
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_years() -> list[int]:
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def package_days(year: int) -> dict[dt.date, tuple[bool, str]]:
    """The package's exceptions for `year`: date → (is a workday, Chinese name)."""
    from chinese_calendar import constants

    out: dict[dt.date, tuple[bool, str]] = {}
    for date, name in constants.holidays.items():
        if date.year == year:
            out[date] = (False, HOLIDAY_NAMES.get(name, name))
    for date, name in constants.workdays.items():
        if date.year == year:
            out[date] = (True, _("%(h)s调休上班") % {"h": HOLIDAY_NAMES.get(name, name)})
    return out
