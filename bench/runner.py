"""Run the scenarios on an existing Django connection (the CLI's, or a test's)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings as django_settings

from bench.context import Bench, Options, ensure_user, remove_user
from bench.core import WRONG, Result
from bench.raw import Raw
from bench.scenarios import SCENARIOS
from zugong.members.models import Member
from zugong.orgs.models import Org

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Report:
    options: Options
    vendor: str
    started: dt.datetime
    seconds: float = 0.0
    results: list[Result] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    @property
    def wrong(self) -> list[Result]:
        return [r for r in self.results if r.verdict == WRONG]

    def as_dict(self) -> dict:
        return {
            "started": self.started.isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 1),
            "scale": self.options.scale,
            "vendor": self.vendor,
            "meta": self.meta,
            "results": [r.as_dict() for r in self.results],
        }


def selected(name: str, only: list[str] | None) -> bool:
    return not only or any(name.startswith(o) for o in only)


def run(options: Options, *, only: list[str] | None = None, log: Callable[[str], None] = print) -> Report:
    from django.db import connection

    root = Org.objects.filter(depth=1).order_by("path").first()
    if root is None:
        raise RuntimeError("the database holds no org tree: seed it first (zugong seed)")
    report = Report(options, connection.vendor, dt.datetime.now().astimezone())
    report.meta = describe(connection, options)
    started = time.monotonic()
    bench = Bench(options, connection, Raw(connection), ensure_user(root), root)
    try:
        for name, scenario in SCENARIOS.items():
            if not selected(name, only):
                continue
            log(f"-- {name}")
            t0 = time.monotonic()
            try:
                rows = scenario(bench)
            except Exception as exc:  # a crash is a wrong result, and the other scenarios still run
                rows = [Result(name, f"{name}: crashed", errors=[f"{type(exc).__name__}: {exc}"])]
                rows[0].extra["traceback"] = traceback.format_exc()
                log(traceback.format_exc())
            for row in rows:
                log(f"   {row.name}: {row.verdict}" + (f" — {row.errors[0]}" if row.errors else ""))
            log(f"   ({time.monotonic() - t0:.1f} s)")
            report.results += rows
    finally:
        remove_user(bench)
    report.seconds = time.monotonic() - started
    report.meta["load_after"] = _loadavg()
    return report


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _git() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True)
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except OSError:
        return ""


def describe(connection, options: Options) -> dict:
    """The machine, versions, data size and database settings the numbers were measured with."""
    meta: dict = {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "load_before": _loadavg(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "git": _git(),
        "orgs": Org.objects.count(),
        "members": Member.objects.count(),
        "conn_max_age": django_settings.DATABASES["default"].get("CONN_MAX_AGE"),
    }
    raw = Raw(connection)
    if raw.pg:
        names = ["server_version", "max_parallel_workers_per_gather", "shared_buffers", "work_mem",
                 "effective_cache_size", "random_page_cost", "jit", "synchronous_commit"]  # fmt: skip
        meta["postgresql"] = {n: raw.one(f"SHOW {n}") for n in names}
        meta["postgresql"]["org_path_statistics"] = raw.one(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'members_member'::regclass "
            "AND attname = 'org_path'"
        )
        meta["postgresql"]["org_path_collation"] = raw.one(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'members_member' AND column_name = 'org_path'"
        )
    else:
        meta["sqlite"] = {
            "version": raw.one("SELECT sqlite_version()"),
            "journal_mode": raw.one("PRAGMA journal_mode"),
            "synchronous": raw.one("PRAGMA synchronous"),
        }
    return meta
