"""`python -m bench run [--scale county|city|province] [--db URL] [--only NAME] [--repeat N] [--json OUT]`

Prepares the data once per (scale, database) with `zugong seed`, runs the scenarios, prints the
table, writes it as JSON (default bench/results/) and appends it, dated, to docs/performance.md.
Exit status: 0 when every answer was right (targets may be missed: see the table), 2 when any
answer was wrong or a scenario crashed, 1 with --strict when a target was missed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench.prepare import REPO, RESULTS, environment, safe_url

DOC = REPO / "docs" / "performance.md"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="prepare the data and run the scenarios")
    run.add_argument("--scale", choices=["tiny", "county", "city", "province"], default="county")
    run.add_argument("--db", help="database URL (default: $DATABASE_URL, else bench/results/<scale>.sqlite3)")
    run.add_argument(
        "--only", help="comma-separated scenarios: dashboard,tree,list,load,move,orglife,import,pending"
    )
    run.add_argument(
        "--import-rows",
        type=int,
        help="rows of the roster the import scenario generates (default: county 100,000, province 1,000,000)",
    )
    run.add_argument("--repeat", type=int, default=20, help="timed rounds per scenario (default 20)")
    run.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    run.add_argument("--budget", type=float, default=60.0, help="seconds a row may take after 3 rounds")
    run.add_argument("--json", type=Path, help="where the JSON goes (default bench/results/<date>-…json)")
    run.add_argument("--seed", type=int, default=2026, help="seed of `zugong seed` (default 2026)")
    run.add_argument("--reseed", action="store_true", help="seed again even when the data is there")
    run.add_argument("--load-seconds", type=float, default=20.0, help="duration of each load (default 20)")
    run.add_argument("--connections", type=int, default=10, help="connections of the load (default 10)")
    run.add_argument(
        "--no-settings-check",
        action="store_true",
        help="PostgreSQL: skip loading the list again with stock settings",
    )
    run.add_argument(
        "--no-append", action="store_true", help="do not append the table to docs/performance.md"
    )
    run.add_argument(
        "--smoke",
        action="store_true",
        help="CI: one timed round, 2-second loads, no settings check, nothing appended",
    )
    run.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    run.add_argument(
        "--wait-load",
        type=float,
        metavar="L",
        help="on a shared machine: wait (up to 15 min) until the 1-minute load average is below L",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    url = args.db or os.environ.get("DATABASE_URL") or f"sqlite:///{RESULTS / (args.scale + '.sqlite3')}"
    env = environment(url, os.environ.get("ZUGONG_DATA_DIR"))
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "ZUGONG_DATA_DIR")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()

    from bench import report as reporting
    from bench.context import Options
    from bench.core import FAIL, Settings
    from bench.prepare import ensure_seeded
    from bench.runner import run

    if args.smoke:
        args.repeat, args.warmup, args.load_seconds, args.connections = 1, 0, 2.0, 2
        args.no_settings_check = args.no_append = True
    print(f"zugong bench: {args.scale} scale on {safe_url(url)}", flush=True)
    ensure_seeded(scale=args.scale, seed=args.seed, url=url, env=env, reseed=args.reseed)
    options = Options(
        scale=args.scale,
        timing=Settings(repeat=args.repeat, warmup=args.warmup, budget=args.budget),
        load_seconds=args.load_seconds,
        load_connections=args.connections,
        db_url=url,
        data_dir=env["ZUGONG_DATA_DIR"],
        settings_check=not args.no_settings_check,
        move_repeat=min(3, args.repeat),
        import_rows=args.import_rows,
    )
    only = [o.strip() for o in args.only.split(",")] if args.only else None
    if args.wait_load:
        wait_for_quiet(args.wait_load)
    report = run(options, only=only, log=lambda line: print(line, flush=True))
    print()
    print(reporting.text(report))
    stamp = report.started.strftime("%Y%m%d-%H%M%S")
    out = args.json or RESULTS / f"{stamp}-{args.scale}-{report.vendor}.json"
    reporting.write_json(report, out)
    print(f"\nJSON: {out}")
    if not args.no_append:
        reporting.append_doc(report, DOC)
        print(f"appended to {DOC}")
    if report.wrong:
        print(f"\n{len(report.wrong)} WRONG result(s): a fast wrong answer is a failure.", file=sys.stderr)
        sys.exit(2)
    if args.strict and any(r.verdict == FAIL for r in report.results):
        sys.exit(1)


def wait_for_quiet(limit: float, patience: float = 900.0) -> None:
    import time

    deadline = time.monotonic() + patience
    while (load := os.getloadavg()[0]) >= limit and time.monotonic() < deadline:
        print(f"load average {load:.2f} ≥ {limit}: waiting", flush=True)
        time.sleep(30)
