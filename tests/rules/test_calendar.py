"""The workday calendar: holidays and 调休 days from the package, provisional years, operator
corrections that a later package load never overwrites."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from zugong.core.models import AuditEntry
from zugong.rules import calendar, engine, services
from zugong.rules.models import CalendarDay, CalendarYear

D = dt.date
pytestmark = pytest.mark.django_db


def test_package_years_are_loaded_after_migrate():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert {2004, 2024, 2025, 2026} <= years
    assert 2027 not in years


@pytest.mark.parametrize(
    ("day", "work"),
    [
        (D(2025, 10, 1), False),  # 国庆节
        (D(2025, 10, 8), False),  # the last day of the 2025 holiday
        (D(2025, 10, 9), True),
        (D(2025, 9, 28), True),  # Sunday, 调休 workday
        (D(2025, 10, 11), True),  # Saturday, 调休 workday
        (D(2025, 10, 12), False),  # an ordinary Sunday
        (D(2025, 1, 26), True),  # Sunday before 春节
        (D(2025, 2, 4), False),
        (D(2024, 2, 29), True),  # leap day, a Thursday
        (D(2026, 2, 14), True),  # Saturday, 调休 workday
    ],
)
def test_is_workday_follows_the_state_council_calendar(day, work):
    answer = engine.is_workday(day)
    assert answer.value is work and bool(answer) is work
    assert not answer.provisional and answer.note == ""


def test_a_year_without_data_is_provisional():
    answer = engine.is_workday(D(2027, 10, 1))
    assert answer.value is True and answer.provisional  # a Friday: assumed a workday
    assert "暂定" in answer.note
    assert engine.is_workday(D(2027, 10, 2)).value is False


def test_add_workdays_skips_holidays_and_counts_shift_days():
    assert engine.add_workdays(D(2025, 9, 30), 1) == engine.DateAnswer(D(2025, 10, 9), False)
    assert engine.add_workdays(D(2025, 9, 30), 3).date == D(2025, 10, 11)
    assert engine.add_workdays(D(2025, 9, 27), 1).date == D(2025, 9, 28)
    assert engine.add_workdays(D(2025, 10, 9), -1).date == D(2025, 9, 30)
    assert engine.add_workdays(D(2025, 10, 4), 0).date == D(2025, 10, 4)


def test_add_workdays_into_an_unknown_year_is_provisional_and_says_so():
    answer = engine.add_workdays(D(2026, 12, 30), 3)
    assert answer.date == D(2027, 1, 4) and answer.provisional and answer.provisional_years == (2027,)
    assert "2027" in answer.note and "暂定" in answer.note
    assert not engine.add_workdays(D(2026, 12, 1), 3).provisional


def test_workdays_between_counts_after_start_up_to_end():
    assert engine.workdays_between(D(2025, 9, 30), D(2025, 10, 14)).count == 5
    assert engine.workdays_between(D(2025, 9, 26), D(2025, 10, 10)).count == 5
    assert engine.workdays_between(D(2025, 10, 14), D(2025, 9, 30)).count == -5
    assert engine.workdays_between(D(2025, 1, 1), D(2025, 1, 1)).count == 0
    # The package's own counts: 2025 has 248 working days, 2024 has 251.
    assert engine.workdays_between(D(2024, 12, 31), D(2025, 12, 31)).count == 248
    assert engine.workdays_between(D(2023, 12, 31), D(2024, 12, 31)).count == 251
    answer = engine.workdays_between(D(2026, 12, 1), D(2027, 1, 31))
    assert answer.provisional and answer.provisional_years == (2027,)


@given(st.dates(min_value=D(2023, 1, 1), max_value=D(2026, 12, 31)), st.integers(0, 60))
def test_add_workdays_then_workdays_between_round_trips(day, n):
    end = engine.add_workdays(day, n)
    assert engine.workdays_between(day, end.date).count == n
    assert engine.is_workday(end.date).value or n == 0


@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 12, 31)), st.integers(1, 40))
def test_add_workdays_lands_on_the_nth_working_day(day, n):
    end = engine.add_workdays(day, n).date
    days = [day + dt.timedelta(days=i) for i in range(1, (end - day).days + 1)]
    assert sum(engine.is_workday(d).value for d in days) == n


def test_operator_correction_wins_over_a_later_package_load(accounts):
    admin = accounts["dept_admin"]
    # An extra day off announced locally, and a package holiday turned back into a workday.
    services.calendar_day_set(
        actor=admin, date=D(2025, 10, 9), is_workday=False, name="临时休假", note="县通知"
    )
    services.calendar_day_remove(actor=admin, date=D(2025, 10, 8))
    assert not engine.is_workday(D(2025, 10, 9)).value
    assert engine.is_workday(D(2025, 10, 8)).value
    services.calendar_load(year=2025)
    assert not engine.is_workday(D(2025, 10, 9)).value
    assert engine.is_workday(D(2025, 10, 8)).value
    row = CalendarDay.objects.get(date=D(2025, 10, 8))
    assert row.source == "operator" and row.is_workday
    actions = list(
        AuditEntry.objects.filter(action__startswith="calendar.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["calendar.day_set", "calendar.day_remove"]


def test_entering_a_new_year_then_marking_it_loaded(accounts):
    admin = accounts["dept_admin"]
    services.calendar_day_set(actor=admin, date=D(2027, 10, 1), is_workday=False, name="国庆节")
    services.calendar_day_set(actor=admin, date=D(2027, 9, 26), is_workday=True, name="国庆节调休上班")
    assert engine.is_workday(D(2027, 9, 26)).value and engine.is_workday(D(2027, 9, 26)).provisional
    with pytest.raises(ValidationError):
        services.calendar_year_mark(actor=admin, year=2027, note="")
    services.calendar_year_mark(actor=admin, year=2027, note="国务院办公厅关于2027年部分节假日安排的通知")
    answer = engine.add_workdays(D(2027, 9, 24), 1)
    assert answer == engine.DateAnswer(D(2027, 9, 26), False)
    with pytest.raises(ValidationError):
        services.calendar_year_mark(actor=admin, year=2027, note="再次")


def test_removing_an_operator_day_without_package_entry_deletes_it(accounts):
    admin = accounts["dept_admin"]
    services.calendar_day_set(actor=admin, date=D(2027, 5, 3), is_workday=False, name="劳动节")
    services.calendar_day_remove(actor=admin, date=D(2027, 5, 3))
    assert not CalendarDay.objects.filter(date=D(2027, 5, 3)).exists()
    with pytest.raises(ValidationError):
        services.calendar_day_remove(actor=admin, date=D(2027, 5, 3))


def test_a_weekday_off_needs_a_name(accounts):
    with pytest.raises(ValidationError):
        services.calendar_day_set(actor=accounts["dept_admin"], date=D(2027, 5, 4), is_workday=False)


@pytest.mark.parametrize("who", ["organizer_a", "leader_a", "secretary_a1"])
def test_only_the_department_may_correct_the_calendar(accounts, who):
    with pytest.raises(PermissionDenied):
        services.calendar_day_set(actor=accounts[who], date=D(2027, 5, 4), is_workday=False, name="x")
    with pytest.raises(PermissionDenied):
        services.calendar_year_mark(actor=accounts[who], year=2027, note="x")


def test_loading_a_year_the_package_lacks_is_refused():
    with pytest.raises(ValidationError):
        services.calendar_load(year=2031)


def test_package_days_have_chinese_names():
    days = calendar.package_days(2025)
    assert days[D(2025, 10, 1)] == (False, "国庆节")
    assert days[D(2025, 10, 6)] == (False, "中秋节")
    assert days[D(2025, 9, 28)] == (True, "国庆节调休上班")
