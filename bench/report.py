"""The table: printed, written as JSON, appended (dated) to docs/performance.md."""

from __future__ import annotations

import json
from pathlib import Path

from bench.core import Result
from bench.runner import Report

LOG_HEADING = "## Results log"


def _value(x: float | None, unit: str) -> str:
    if x is None:
        return "—"
    if unit == "ms":
        return f"{x:.1f} ms" if x < 100 else f"{x:,.0f} ms"
    if unit == "s":
        return f"{x:.2f} s"
    return f"{x:,.0f} {unit}"


def row(r: Result) -> list[str]:
    ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
    return [
        r.name,
        _value(r.zugong_median, r.unit),
        _value(r.zugong_p95, r.unit) if len(r.zugong) > 1 else "—",
        _value(r.raw_median, r.unit),
        ratio,
        r.target,
        r.verdict,
        "; ".join(r.notes + r.errors[:2]),
    ]


HEADER = ["scenario", "zugong median", "zugong p95", "raw median", "ratio", "target", "result", "notes"]


def title(report: Report) -> str:
    m = report.meta
    db = (
        f"PostgreSQL {m['postgresql']['server_version']}"
        if "postgresql" in m
        else f"SQLite {m['sqlite']['version']}"
    )
    when = report.started.strftime("%Y-%m-%d %H:%M")
    return (
        f"{when} — {report.options.scale} scale on {db}: {m['orgs']:,} orgs, {m['members']:,} members "
        f"({m['cpus']} CPUs, load {m['load_before']}, git {m['git']}, {report.seconds:.0f} s)"
    )


def markdown(report: Report) -> str:
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---"] * len(HEADER)) + "|",
    ]
    for r in report.results:
        cells = [c.replace("|", "\\|") for c in row(r)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def text(report: Report) -> str:
    rows = [HEADER[:-1]] + [row(r)[:-1] for r in report.results]
    widths = [max(len(x[i]) for x in rows) for i in range(len(rows[0]))]
    out = [title(report)]
    for i, cells in enumerate(rows):
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    for r in report.results:
        for e in r.errors:
            out.append(f"WRONG {r.name}: {e}")
    return "\n".join(out)


def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def append_doc(report: Report, path: Path) -> None:
    """Add the dated table under the results log at the end of docs/performance.md."""
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    if LOG_HEADING not in doc:
        doc = doc.rstrip("\n") + f"\n\n{LOG_HEADING}\n\nAppended by `python -m bench run`, newest last.\n"
    doc = doc.rstrip("\n") + f"\n\n### {title(report)}\n\n{markdown(report)}\n"
    path.write_text(doc, encoding="utf-8")
