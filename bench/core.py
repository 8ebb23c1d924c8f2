"""Timing, comparing and the result of one scenario row."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Verdicts of a row.
PASS, FAIL, WRONG, INFO, PENDING = "PASS", "FAIL", "WRONG", "n/a", "not yet available"


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile (with few samples it is the largest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


@dataclass
class Result:
    """One row of the table."""

    group: str  # dashboard, exact, tree, list, load, move, settings, pending
    name: str  # what the row measures, e.g. "dashboard: county"
    unit: str = "ms"
    zugong: list[float] = field(default_factory=list)  # samples (ms, s or req/s)
    raw: list[float] = field(default_factory=list)
    target: str = ""
    limit: float | None = None  # the target as a number, compared with `measured`
    higher_is_better: bool = False
    errors: list[str] = field(default_factory=list)  # wrong answers: the run fails
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    pending: bool = False
    met: bool | None = None  # set directly when the target is not a number (e.g. "exact")
    # What `limit` is compared with: "p95" (default), "median" or "ratio".
    judge: str = "p95"

    @property
    def correct(self) -> bool:
        return not self.errors

    @property
    def zugong_median(self) -> float | None:
        return median(self.zugong) if self.zugong else None

    @property
    def zugong_p95(self) -> float | None:
        return p95(self.zugong) if self.zugong else None

    @property
    def raw_median(self) -> float | None:
        return median(self.raw) if self.raw else None

    @property
    def ratio(self) -> float | None:
        z, r = self.zugong_median, self.raw_median
        if z is None or r is None or r == 0:
            return None
        return z / r

    @property
    def measured(self) -> float | None:
        return {"p95": self.zugong_p95, "median": self.zugong_median, "ratio": self.ratio}[self.judge]

    @property
    def verdict(self) -> str:
        if self.pending:
            return PENDING
        if self.errors:
            return WRONG
        ok = self.met
        if ok is None and self.limit is not None and self.measured is not None:
            ok = self.measured >= self.limit if self.higher_is_better else self.measured <= self.limit
        if ok is None:
            return INFO
        return PASS if ok else FAIL

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "name": self.name,
            "unit": self.unit,
            "zugong_median": self.zugong_median,
            "zugong_p95": self.zugong_p95,
            "raw_median": self.raw_median,
            "ratio": self.ratio,
            "target": self.target,
            "verdict": self.verdict,
            "correct": self.correct,
            "errors": self.errors,
            "notes": self.notes,
            "samples": {"zugong": self.zugong, "raw": self.raw},
            "extra": self.extra,
        }


class WrongResult(AssertionError):
    """zugong's answer differs from the raw database's."""


@dataclass
class Probe:
    """One thing to time: zugong's way, the raw way, and how to tell whether they agree."""

    label: str
    zugong: Callable[[], Any]
    raw: Callable[[], Any]
    compare: Callable[[Any, Any], list[str]]


@dataclass
class Settings:
    repeat: int = 20
    warmup: int = 1
    budget: float = 60.0  # seconds one scenario row may take once it has MIN_ROUNDS rounds
    min_rounds: int = 3


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return (time.perf_counter() - started) * 1000.0, value


def measure(result: Result, probes: list[Probe], settings: Settings) -> Result:
    """Time every probe, zugong and raw interleaved (the machine is noisy: both see the same
    moment), and compare every pair of answers. Warm-up rounds are compared but not timed."""
    started = time.monotonic()
    rounds = settings.warmup + settings.repeat
    for i in range(rounds):
        if i >= settings.warmup + settings.min_rounds and time.monotonic() - started > settings.budget:
            result.notes.append(
                f"stopped after {i - settings.warmup} rounds (budget {settings.budget:.0f} s)"
            )
            break
        for probe in probes:
            z_ms, z = timed(probe.zugong)
            r_ms, r = timed(probe.raw)
            problems = probe.compare(z, r)
            if problems:
                result.errors.extend(f"{probe.label}: {p}" for p in problems[:3])
                return result  # one wrong answer is enough; don't time a wrong thing
            if i >= settings.warmup:
                result.zugong.append(z_ms)
                result.raw.append(r_ms)
                per = result.extra.setdefault("per_probe", {}).setdefault(
                    probe.label, {"zugong": [], "raw": []}
                )
                per["zugong"].append(z_ms)
                per["raw"].append(r_ms)
    per_probe = result.extra.get("per_probe", {})
    if len(per_probe) > 1:  # a p95 from one big org and a p95 from noise read the same otherwise
        label, samples = max(per_probe.items(), key=lambda kv: median(kv[1]["zugong"]))
        result.notes.append(f"slowest {label}: median {median(samples['zugong']):.1f} ms")
    return result


def diff(label: str, ours: Any, theirs: Any, limit: int = 300) -> list[str]:
    """[] when equal, else one line saying how (shortened)."""
    if ours == theirs:
        return []
    if isinstance(ours, dict) and isinstance(theirs, dict):
        keys = sorted(set(ours) | set(theirs), key=str)
        delta = {k: (ours.get(k), theirs.get(k)) for k in keys if ours.get(k) != theirs.get(k)}
        text = f"{label}: zugong≠raw at {delta}"
    else:
        text = f"{label}: zugong {ours!r} ≠ raw {theirs!r}"
    return [text if len(text) <= limit else text[: limit - 1] + "…"]
