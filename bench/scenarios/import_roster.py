"""Import of a member roster (issue 4): `bench/import_members.py` in a child process, against a
scratch PostgreSQL database beside the benchmark's (created, then dropped): the generated roster in
the national layout, the raw limit (python-calamine read + binary COPY of the same rows into a copy
of the members table) and `zugong import members` timed in the same run. Target: the import at least
0.5 × the raw limit's rows/s, peak RSS (import and reader process together) under 1 GiB. The child
checks the counts and the audit chain; a wrong count fails the run.

PostgreSQL only (the raw limit is binary COPY); on SQLite the row says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.context import Bench
from bench.core import Result

ROWS = {"tiny": 2_000, "county": 100_000, "city": 300_000, "province": 1_000_000}
TARGET_RATIO = 0.5
TARGET_MIB = 1024
NAME = "import: {rows:,}-row .xlsx roster vs calamine read + binary COPY"
SCRIPT = Path(__file__).resolve().parent.parent / "import_members.py"


def _scratch_url(url: str, name: str) -> str:
    base, _, _db = url.rpartition("/")
    return f"{base}/{name}"


def run(bench: Bench) -> list[Result]:
    rows = bench.options.import_rows or ROWS.get(bench.scale, 100_000)
    name = NAME.format(rows=rows)
    target = f"≥ {TARGET_RATIO:.2f} × raw rows/s, peak RSS < {TARGET_MIB} MiB"
    url = bench.options.db_url or ""
    if bench.vendor != "postgresql" or not url.startswith(("postgres://", "postgresql://")):
        why = "PostgreSQL with --db only: the raw limit is binary COPY, into a scratch database beside it"
        return [Result("import", name, target=target, notes=[why])]  # no figures: verdict n/a
    scratch = f"{bench.connection.settings_dict['NAME']}_import"[:63]
    result = Result(
        "import", name, unit="rows/s", target=target, limit=TARGET_RATIO, higher_is_better=True, judge="ratio"
    )
    with bench.connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    try:
        with tempfile.TemporaryDirectory(prefix="zugong-bench-import-") as work:
            out = Path(work) / "figures.json"
            cmd = [sys.executable, str(SCRIPT), "--rows", str(rows), "--db", _scratch_url(url, scratch)]
            # zugong's own settings (not the harness's bench settings) and the script's own data folder
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ZUGONG_DATA_DIR")}
            env["DJANGO_SETTINGS_MODULE"] = "zugong.settings"
            cmd += ["--workdir", work, "--json", str(out)]
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0 or not out.exists():
                result.errors.append(f"import_members.py failed ({done.returncode}): {done.stderr[-1500:]}")
                return [result]
            figures = json.loads(out.read_text())
    finally:
        with bench.connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    result.zugong, result.raw = [rows / figures["import_s"]], [rows / figures["raw_s"]]
    if f"新增{rows}行" not in figures["summary"]:
        result.errors.append(f"the import did not add {rows} rows: {figures['summary']}")
    peak = figures["peak_mib"]
    result.met = None if result.errors else (result.ratio or 0) >= TARGET_RATIO and peak < TARGET_MIB
    result.notes += [
        f"import {figures['import_s']:.1f} s, raw limit {figures['raw_s']:.1f} s"
        f" (calamine read {figures['read_s']:.1f} s)",
        f"peak RSS {peak:.0f} MiB (main process {figures['main_peak_mib']:.0f} MiB;"
        f" raw limit {figures['raw_peak_mib']:.0f} MiB)",
        f"audit chain verified: {figures['chain_checked']:,} entries" if figures["chain_checked"] else "",
    ]
    result.extra = figures
    return [result]
