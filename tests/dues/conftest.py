"""The dues tests judge months relative to a fixed "today": 2026-07-15."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date(2026, 7, 15)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY
