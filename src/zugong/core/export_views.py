"""Export pages: the 导出Excel buttons of the list pages post here with the page's query string.

Up to ZUGONG_EXPORT_INLINE_ROWS rows the file comes straight back (written to a temporary file
in constant memory, then streamed); bigger exports become a background job whose page shows the
progress and, when done, the download. Every export is audited, a job's when its file is written.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from zugong.core import exporting, tasks
from zugong.core.models import Job
from zugong.core.views import paginate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JOBS_PER_PAGE = 20


def _safe_next(request) -> str:
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return ""


@login_required
@require_POST
def export_start(request, name: str):
    try:
        cls = exporting.get(name)
    except LookupError as exc:
        raise Http404 from exc
    export = cls(actor=request.user, params=request.GET, full=request.POST.get("full") == "1")
    export.check()
    rows = export.count()
    if rows > exporting.MAX_ROWS:
        messages.error(request, str(exporting.TooManyRows(rows)))
        return redirect(_safe_next(request) or "exports:jobs")
    if rows <= settings.ZUGONG_EXPORT_INLINE_ROWS:
        handle = tempfile.TemporaryFile(dir=exporting._tmpdir(), prefix="zugong-export-")
        try:
            exporting.export_to(export, handle)
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=export.filename(), content_type=XLSX)
    tasks.prune()
    job = Job.objects.create(
        kind=Job.Kind.EXPORT,
        name=name,
        phase=Job.Phase.EXPORT,
        actor=request.user,
        org_path=export.org_path(),
        params={
            "filters": export.params,
            "full": export.full,
            "conditions": export.conditions_text(),
            "back": _safe_next(request),
            **tasks.request_params(request),
        },
        total=rows,
        background=True,
        filename=export.filename(),
    )
    tasks.submit(job)
    return redirect("exports:job", pk=job.pk)


def _own_job(request, pk: int) -> Job:
    """The account's own export job; anyone else's is not found."""
    job = Job.objects.filter(pk=pk, actor=request.user, kind=Job.Kind.EXPORT).first()
    if job is None:
        raise Http404
    return job


def _export_of(job: Job) -> exporting.Export:
    try:
        cls = exporting.get(job.name)
    except LookupError as exc:
        raise Http404 from exc
    return cls(actor=job.actor, params=job.params.get("filters", {}), full=bool(job.params.get("full")))


@login_required
@require_GET
def job_list(request):
    """我的导出: the account's export jobs, newest first."""
    jobs = Job.objects.filter(actor=request.user, kind=Job.Kind.EXPORT).order_by("-created_at", "-id")
    page = paginate(request, jobs, per_page=JOBS_PER_PAGE)
    for job in page.object_list:
        job.title = _title(job)
    return render(request, "core/export_jobs.html", {"page_obj": page, "jobs": page.object_list})


@login_required
@require_GET
def job_detail(request, pk: int):
    job = tasks.sync_state(_own_job(request, pk))
    return render(request, "core/export_job.html", {"job": job, "title": _title(job)})


@login_required
@require_GET
def job_progress(request, pk: int):
    """The progress card, polled by htmx every second until the job is finished."""
    job = tasks.sync_state(_own_job(request, pk))
    return render(request, "core/_export_progress.html", {"job": job, "oob": True})


@login_required
@require_GET
def job_download(request, pk: int):
    job = _own_job(request, pk)
    _export_of(job).check()  # the account may since have lost the permission or the org
    if job.state != Job.State.DONE or not job.result_path:
        raise Http404
    try:
        path = tasks.data_path(job.result_path)
        handle = path.open("rb")
    except (ValueError, OSError) as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=job.filename, content_type=XLSX)


def _title(job: Job) -> str:
    try:
        return str(exporting.get(job.name).title)
    except LookupError:
        return job.name
