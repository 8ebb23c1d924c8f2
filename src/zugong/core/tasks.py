"""Background jobs: big exports and imports, run by the django-tasks database worker.

A `Job` row is what the pages show and poll; the django-tasks task only carries its id. Small jobs
run inside the request (`Job.background` false), so an installation without a worker — `zugong
demo` — still exports and imports everyday files; big ones are queued for `zugong db_worker`,
keep running when the browser is closed, and report progress through the row.

Handlers by phase:
    export  write the export's file under DATA_DIR/exports and audit it
    check   an import's dry run: counts, the first rows, every problem, the problem list file
    commit  the import itself (all-or-nothing unless the user chose to skip bad rows), audited
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import time
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from zugong.core import codes, context, crypto, exporting
from zugong.core.models import Job, JobProblem
from zugong.core.scope import scope_for

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 0.5
PREVIEW_ROWS = 20
MAX_STORED_PROBLEMS = 20_000
# Who may import what: the importer writes through the services, which check again per row.
IMPORT_PERMS = {
    "orgs": "org.structure",
    "members": "member.edit",
    "meetings": "orglife.edit",
    "dues": "dues.edit",
    "applicants": "recruitment.edit",
    "volunteer_hours": "community.edit",
}


# -- files -----------------------------------------------------------------------------------------
def data_path(relative: str) -> Path:
    """A job file's absolute path; refuses anything outside the data folder."""
    root = Path(settings.DATA_DIR).resolve()
    path = (root / relative).resolve()
    if not relative or root not in path.parents:
        raise ValueError(relative)
    return path


def new_file(folder: str, suffix: str) -> tuple[str, Path]:
    """A fresh random file name under DATA_DIR/<folder>: (relative path, absolute path)."""
    directory = Path(settings.DATA_DIR) / folder
    directory.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + suffix
    return f"{folder}/{name}", directory / name


def remove_file(relative: str) -> None:
    if not relative:
        return
    try:
        data_path(relative).unlink(missing_ok=True)
    except (ValueError, OSError):
        logger.warning("could not remove job file %s", relative)


_last_prune = 0.0


def prune(*, days: int | None = None, force: bool = False) -> int:
    """Delete the files of jobs older than ZUGONG_JOB_KEEP_DAYS (at most hourly unless forced)."""
    global _last_prune
    now = time.monotonic()
    if not force and now - _last_prune < 3600:
        return 0
    _last_prune = now
    keep = settings.ZUGONG_JOB_KEEP_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=keep)
    old = Job.objects.filter(created_at__lt=cutoff).exclude(upload_path="", result_path="")
    n = 0
    for job in old.only("pk", "upload_path", "result_path").iterator(chunk_size=500):
        remove_file(job.upload_path)
        remove_file(job.result_path)
        Job.objects.filter(pk=job.pk).update(upload_path="", result_path="")
        n += 1
    return n


def estimate_rows(path: Path, filename: str) -> int | None:
    """Rows in an uploaded file, cheaply: lines of a CSV, the dimension an .xlsx declares.

    Only for the progress bar and the inline-or-background choice; None when unknown.
    """
    suffix = Path(filename).suffix.lower()
    try:
        if suffix in {".csv", ".txt"}:
            n = 0
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    n += chunk.count(b"\n")
            return n
        if suffix in {".xlsx", ".xlsm"}:
            with zipfile.ZipFile(path) as zf:
                sheets = sorted(n for n in zf.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
                if not sheets:
                    return None
                with zf.open(sheets[0]) as fh:
                    head = fh.read(4096).decode("utf-8", "replace")
            match = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
            return int(match.group(1)) if match else None
    except (OSError, zipfile.BadZipFile, ValueError):
        return None
    return None


# -- running ---------------------------------------------------------------------------------------
@task()
def run_job(job_id: int) -> None:
    execute(job_id)


def submit(job: Job) -> None:
    """Run a small job now, in this request; queue a big one for the worker."""
    if not job.background:
        execute(job.pk)
        job.refresh_from_db()
        return

    def enqueue() -> None:
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    if connection.in_atomic_block:
        transaction.on_commit(enqueue)  # the worker must find the row committed
    else:
        enqueue()


def execute(job_id: int) -> None:
    """Run one job. Claims it first, so a job never runs twice (a retried task is a no-op)."""
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now(), stage="", done=0, message=""
    )
    if not claimed:
        return
    job = Job.objects.select_related("actor").get(pk=job_id)
    tokens = (
        context.request_id.set(job.params.get("request_id") or f"job-{job.pk}"),
        context.client_ip.set(job.params.get("ip", "")),
    )
    try:
        if job.actor is None:
            raise PermissionDenied
        HANDLERS[job.phase](job)
    except PermissionDenied:
        _fail(job, _("没有执行此操作的权限(账号的角色或所属组织可能已变更)"))
    except Http404:
        _fail(job, _("所选组织不存在或不在您的管理范围内"))
    except Exception:
        logger.exception("job %s (%s %s) failed", job.pk, job.kind, job.name)
        _fail(job, _("处理时出错(任务编号%(id)d),请联系系统管理员") % {"id": job.pk})
    finally:
        context.request_id.reset(tokens[0])
        context.client_ip.reset(tokens[1])


def sync_state(job: Job) -> Job:
    """A job whose task the worker gave up on (an error outside the handler) is failed, not running."""
    if job.finished or not job.task_id:
        return job
    from django_tasks import TaskResultStatus, default_task_backend

    try:
        result = default_task_backend.get_result(job.task_id)
    except Exception:  # no such result, or a backend that keeps none
        return job
    if result.status in {TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL}:
        job.refresh_from_db()
        if not job.finished:
            _fail(job, _("后台任务意外中止,请重新提交"))
            job.refresh_from_db()
    return job


def _finish(job: Job, **fields: Any) -> None:
    fields.setdefault("state", Job.State.DONE)
    fields["finished_at"] = timezone.now()
    Job.objects.filter(pk=job.pk).update(**fields)
    for k, v in fields.items():
        setattr(job, k, v)


def _fail(job: Job, message: str) -> None:
    _finish(job, state=Job.State.FAILED, message=message[:500])


class Progress:
    """Progress callback for the pipeline and exports: throttled UPDATEs of the job row.

    The pipeline's "write" stage runs inside the import's transaction, where an UPDATE on the same
    connection would only show (and survive) at commit; it goes through a second connection —
    except on SQLite, where the import holds the only write lock and the page shows "writing"
    without a count. Progress is best effort: a failed update never fails the job.
    """

    def __init__(self, job: Job, totals: dict[str, int | None] | None = None) -> None:
        self.job_id = job.pk
        self.totals = totals or {}
        self.last = 0.0
        self.stage = ""
        self._side = None

    def __call__(self, stage: str, n: int) -> None:
        now = time.monotonic()
        if stage == self.stage and now - self.last < PROGRESS_SECONDS:
            return
        self.stage, self.last = stage, now
        total = self.totals.get(stage)
        sqlite = connection.vendor == "sqlite"
        if stage == "write":  # the pipeline writes inside the import's transaction
            if not sqlite:
                self._side_update(stage, n, total)
        elif sqlite and not connection.in_atomic_block:
            # A streaming read (an export's rows) keeps a snapshot open on this connection, and
            # SQLite refuses a write from a stale snapshot: write the progress from another one.
            self._side_update(stage, n, total)
        else:
            Job.objects.filter(pk=self.job_id).update(
                stage=stage, done=n, total=total, updated_at=timezone.now()
            )

    def _side_update(self, stage: str, n: int, total: int | None) -> None:
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with self._side.cursor() as cursor:
                table = Job._meta.db_table
                cursor.execute(
                    f"UPDATE {table} SET stage = %s, done = %s, total = %s, updated_at = %s WHERE id = %s",
                    [stage, n, total, timezone.now(), self.job_id],
                )
        except DatabaseError:
            logger.warning("progress of job %s not saved", self.job_id, exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


# -- exports ---------------------------------------------------------------------------------------
def _run_export(job: Job) -> None:
    export = exporting.get(job.name)(
        actor=job.actor, params=job.params.get("filters", {}), full=bool(job.params.get("full"))
    )
    export.check()
    relative, path = new_file("exports", ".xlsx")
    progress = Progress(job, {"export": job.total})
    try:
        rows = exporting.export_to(export, path, progress=lambda n: progress("export", n), job_id=job.pk)
    except exporting.TooManyRows as exc:
        path.unlink(missing_ok=True)
        _fail(job, str(exc))
        return
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        progress.close()
    _finish(job, result_path=relative, done=rows, total=rows, stage="export", report={"rows": rows})


# -- imports ---------------------------------------------------------------------------------------
def importer_for(job: Job):
    """The job's importer, acting as the job's account (whose scope each row is checked against)."""
    from zugong.core.importing import registry

    scope = scope_for(job.actor)
    perm = IMPORT_PERMS.get(job.name)
    if perm is None or not scope.has(perm):
        raise PermissionDenied
    cls = registry.get(job.name)
    return cls(actor=job.actor, update=bool(job.params.get("update")), **job.params.get("options", {}))


def _display(column, value: Any) -> str:
    if value is None or value == "":
        return ""
    kind = getattr(column, "kind", "text")
    if kind == "id_number":
        return crypto.mask_id_number(str(value))
    if kind == "phone":
        return crypto.mask_phone(str(value))
    if kind == "code" and getattr(column, "table", ""):
        return codes.label(column.table, str(value))
    if kind == "choice":
        for stored, spellings in getattr(column, "choices", ()):
            if stored == value and spellings:
                return str(spellings[0])
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _store(job: Job, importer, report, rejects: tuple[str, Path], **extra: Any) -> None:
    """Keep what the pages show: counts, the first rows, every problem, the problem list file.

    `rejects` is where the pipeline wrote the rejected rows (with a 问题说明 column); problems
    that are no row's (a missing column) get a plain problem list instead.
    """
    columns = list(importer.columns)
    sensitive = {c.label for c in columns if getattr(c, "kind", "") in {"id_number", "phone"}}
    sensitive |= {h for k, h in getattr(importer, "header_of", {}).items() if k in {"id_number", "phone"}}
    shown = [c for c in columns if any(row.get(c.key) not in (None, "") for row in report.preview)]
    problem_count = getattr(report, "problem_count", 0) or len(report.problems)
    data = {
        "read": report.read,
        "valid": report.valid,
        "imported": report.imported,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "written": report.written,
        "refused": report.refused,
        "dry_run": report.dry_run,
        "header_line": report.header_line,
        "seconds": round(report.seconds, 2),
        "summary": report.summary(),
        "problems": problem_count,
        "problems_stored": min(len(report.problems), MAX_STORED_PROBLEMS),
        "preview_columns": [str(c.label) for c in shown],
        "preview": [
            [row.get("_line"), *[_display(c, row.get(c.key)) for c in shown]]
            for row in report.preview[:PREVIEW_ROWS]
        ],
    }
    JobProblem.objects.filter(job=job).delete()
    batch = []
    for p in report.problems[:MAX_STORED_PROBLEMS]:
        value = p.value or ""
        if p.column in sensitive and value:
            value = crypto.mask_id_number(value) if len(value) > 11 else crypto.mask_phone(value)
        batch.append(
            JobProblem(job=job, line=p.line, column=p.column[:100], value=value[:100], reason=p.reason[:500])
        )
        if len(batch) >= 1000:
            JobProblem.objects.bulk_create(batch)
            batch = []
    JobProblem.objects.bulk_create(batch)
    remove_file(job.result_path)
    result_path = ""
    if rejects[1].exists():
        result_path = rejects[0]
    elif report.problems:
        result_path, path = new_file("imports", "-problems.xlsx")
        exporting.write_problems(path, report.problems)
    _finish(job, report=data, result_path=result_path, **extra)


def _run_import(job: Job, *, commit: bool) -> None:
    from zugong.core.importing import pipeline, readers

    importer = importer_for(job)
    skip_invalid = commit and bool(job.params.get("skip_invalid"))
    totals = {"validate": job.total}
    if commit:
        totals["write"] = (job.report or {}).get("valid")
    progress = Progress(job, totals)
    rejects_relative, rejects = new_file("imports", "-rejects.xlsx")
    try:
        report = pipeline.run(
            importer,
            data_path(job.upload_path),
            filename=job.filename,
            dry_run=not commit,
            skip_invalid=skip_invalid,
            progress=progress,
            rejects=rejects,
            import_id=str(job.pk),
            org_path=job.org_path,
        )
    except (readers.UnreadableFile, pipeline.ImportRefused) as exc:
        rejects.unlink(missing_ok=True)
        JobProblem.objects.filter(job=job).delete()
        _finish(job, report={"error": str(exc)})
        return
    except BaseException:
        rejects.unlink(missing_ok=True)
        raise
    finally:
        progress.close()
    _store(job, importer, report, (rejects_relative, rejects), done=report.read, stage="done")
    if commit and report.written:
        remove_file(job.upload_path)
        Job.objects.filter(pk=job.pk).update(upload_path="")
        job.upload_path = ""


def _run_import_check(job: Job) -> None:
    _run_import(job, commit=False)


def _run_import_commit(job: Job) -> None:
    _run_import(job, commit=True)


HANDLERS = {
    Job.Phase.EXPORT: _run_export,
    Job.Phase.CHECK: _run_import_check,
    Job.Phase.COMMIT: _run_import_commit,
}


def request_params(request) -> dict[str, str]:
    """What a job needs from its request for the audit entries it writes later."""
    return {"request_id": getattr(request, "request_id", ""), "ip": context.client_ip_of(request)}


__all__ = [
    "IMPORT_PERMS",
    "Progress",
    "data_path",
    "estimate_rows",
    "execute",
    "new_file",
    "prune",
    "request_params",
    "run_job",
    "submit",
    "sync_state",
]
