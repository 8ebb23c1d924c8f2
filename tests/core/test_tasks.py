"""core/tasks.py: jobs run once, fail with a message instead of a traceback, report progress, hand
big work to the django-tasks database worker, and clean up their files."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from zugong.core import tasks
from zugong.core.models import AuditEntry, Job

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def export_job(user, **extra) -> Job:
    values = {
        "kind": "export",
        "name": "orgs",
        "phase": "export",
        "actor": user,
        "params": {"filters": {}},
        "background": True,
    }
    values.update(extra)
    return Job.objects.create(**values)


def test_execute_runs_a_job_once(tree, accounts):
    job = export_job(accounts["organizer_a"])
    tasks.execute(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.done == 4 and job.result_path.startswith("exports/")
    assert job.started_at and job.finished_at
    assert tasks.data_path(job.result_path).exists()
    tasks.execute(job.pk)  # a retried task finds the job claimed and does nothing
    assert AuditEntry.objects.filter(action="export.orgs").count() == 1


def test_a_job_without_permission_fails_with_a_message(tree, accounts):
    job = export_job(accounts["talent_office"], name="members")
    tasks.execute(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "权限" in job.message
    job = export_job(accounts["organizer_b"], name="members", params={"filters": {"org": "C0A"}})
    tasks.execute(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "范围" in job.message
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


def test_an_unexpected_error_fails_the_job_and_is_logged(tree, accounts, monkeypatch, caplog):
    def boom(job):
        raise RuntimeError("disk full")

    monkeypatch.setitem(tasks.HANDLERS, Job.Phase.EXPORT, boom)
    job = export_job(accounts["organizer_a"])
    tasks.execute(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and f"任务编号{job.pk}" in job.message and "disk full" not in job.message
    assert "disk full" in caplog.text


def test_audit_entries_of_a_job_carry_its_request(tree, accounts):
    job = export_job(accounts["organizer_a"], params={"filters": {}, "request_id": "req-1", "ip": "10.0.0.9"})
    tasks.execute(job.pk)
    entry = AuditEntry.objects.get(action="export.orgs")
    assert entry.request_id == "req-1" and entry.ip == "10.0.0.9" and entry.object_id == str(job.pk)


def test_progress_is_throttled_and_saved(tree, accounts):
    job = export_job(accounts["organizer_a"])
    progress = tasks.Progress(job, {"validate": 5000})
    progress("validate", 1000)
    progress("validate", 2000)  # within the throttle window: not saved
    job.refresh_from_db()
    assert (job.stage, job.done, job.total) == ("validate", 1000, 5000)
    assert job.percent == 20
    progress.last -= tasks.PROGRESS_SECONDS
    progress("validate", 3000)
    job.refresh_from_db()
    assert job.done == 3000
    progress("export", 10)  # a new stage is saved at once
    job.refresh_from_db()
    assert (job.stage, job.done, job.total) == ("export", 10, None)


def test_the_database_worker_runs_queued_jobs(
    settings, tree, accounts, django_capture_on_commit_callbacks, monkeypatch
):
    from django_tasks_db.management.commands import db_worker

    # The worker drops stale connections between tasks; on PostgreSQL that would end the test's transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = DB_BACKEND
    job = export_job(accounts["organizer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.submit(job)
    job.refresh_from_db()
    assert job.state == "queued" and job.task_id
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(id=job.task_id).exists()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    job.refresh_from_db()
    assert job.state == "done" and job.done == 4


def test_a_task_the_worker_gave_up_on_marks_the_job_failed(
    settings, tree, accounts, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_BACKEND
    job = export_job(accounts["organizer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.submit(job)
    job.refresh_from_db()
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=job.task_id).update(status="FAILED")
    Job.objects.filter(pk=job.pk).update(state="running")
    job.refresh_from_db()
    job = tasks.sync_state(job)
    assert job.state == "failed" and "意外中止" in job.message


def test_small_jobs_run_inline(tree, accounts):
    job = export_job(accounts["organizer_a"], background=False)
    tasks.submit(job)
    assert job.state == "done"


def test_prune_deletes_old_files(tree, accounts):
    job = export_job(accounts["organizer_a"])
    tasks.execute(job.pk)
    job.refresh_from_db()
    path = tasks.data_path(job.result_path)
    assert tasks.prune(force=True) == 0
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    assert tasks.prune(force=True) == 1
    assert not path.exists()
    job.refresh_from_db()
    assert job.result_path == ""


def test_data_path_stays_in_the_data_folder(tmp_path):
    assert tasks.data_path("imports/a.csv") == (tmp_path / "imports" / "a.csv").resolve()
    for bad in ["../etc/passwd", "/etc/passwd", "", "imports/../../x"]:
        with pytest.raises(ValueError):
            tasks.data_path(bad)


def test_estimate_rows(tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_text("姓名\n" + "张三\n" * 41, encoding="gbk")
    assert tasks.estimate_rows(csv, "a.csv") == 42
    import xlsxwriter

    xlsx = tmp_path / "a.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx))
    ws = wb.add_worksheet()
    for r in range(250):
        ws.write(r, 0, r)
    wb.close()
    assert tasks.estimate_rows(xlsx, "a.xlsx") == 250
    assert tasks.estimate_rows(tmp_path / "none.xls", "none.xls") is None
    broken = tmp_path / "b.xlsx"
    broken.write_bytes(b"not a zip")
    assert tasks.estimate_rows(broken, "b.xlsx") is None


def test_export_job_progress_reaches_the_row(tree, accounts, monkeypatch):
    """A background export reports its progress while it writes."""
    from zugong.core import exporting

    seen = []
    original = exporting.write_xlsx

    def slow(*args, **kwargs):
        progress = kwargs["progress"]

        def record(n):
            progress(n)
            seen.append(Job.objects.get(kind="export").done)

        kwargs["progress"] = record
        kwargs["progress_every"] = 1
        return original(*args, **kwargs)

    monkeypatch.setattr(exporting, "write_xlsx", slow)
    monkeypatch.setattr(tasks, "PROGRESS_SECONDS", 0)
    job = export_job(accounts["organizer_a"], total=4)
    time.sleep(0.001)
    tasks.execute(job.pk)
    assert seen[:4] == [1, 2, 3, 4]


def test_write_progress_never_touches_the_import_transaction(tree, accounts):
    """Inside the import's transaction the count goes through a second connection (PostgreSQL) or
    is skipped (SQLite); the job row of this connection is left alone either way."""
    from django.db import transaction

    job = export_job(accounts["organizer_a"])
    progress = tasks.Progress(job, {"write": 10})
    with transaction.atomic():
        progress("write", 5)
    progress.close()
    job.refresh_from_db()
    assert job.done == 0 and job.stage == ""
