"""Scenarios of the issues still open: listed in the table so nobody mistakes a gap for a pass."""

from __future__ import annotations

from bench.context import Bench
from bench.core import Result

PENDING: list[tuple[str, str, str]] = []  # (name, target, why): none left


def run(bench: Bench) -> list[Result]:
    return [
        Result("pending", name, target=target, pending=True, notes=[why]) for name, target, why in PENDING
    ]
