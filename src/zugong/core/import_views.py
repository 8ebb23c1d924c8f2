"""Web import: upload → check (a dry run: counts, the first rows, every problem) → confirm → result.

The uploaded file is kept under DATA_DIR/imports with a random name. Small files are checked and
imported inside the request; files over ZUGONG_IMPORT_INLINE_ROWS rows (or _KB) become background
jobs whose page polls the progress and can be reopened from 我的导入 after the browser was
closed. The importer runs as the request's account, so it sees and writes only that account's
subtree (it checks every row against the scope); the confirm step writes all rows or none,
unless the user chose to import only the rows without problems.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zugong.core import tasks
from zugong.core.exceptions import NotInScope
from zugong.core.importing import readers, registry
from zugong.core.models import Job, JobProblem
from zugong.core.scope import Scope, scope_for
from zugong.core.views import paginate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
JOBS_PER_PAGE = 20
PROBLEMS_PER_PAGE = 50
# Where the imported rows are seen afterwards.
LIST_URLS = {"orgs": "orgs:tree", "members": "members:list", "meetings": "orglife:meetings"}
# Importers that can update stored records (an explicit, audited mode).
UPDATABLE = registry.UPDATABLE


def _importer_cls(name: str):
    if name not in tasks.IMPORT_PERMS:
        raise Http404
    try:
        return registry.get(name)
    except (LookupError, ImportError) as exc:
        raise Http404 from exc


def describe(cls) -> dict:
    """What the pages show of an importer (templates would call the class itself)."""
    return {
        "title": str(cls.title),
        "notes": [str(n) for n in getattr(cls, "notes", [])],
        "columns": [
            {"label": str(c.label), "synonyms": [str(x) for x in c.synonyms], "required": c.required}
            for c in cls.columns
        ],
    }


def _require(request, name: str) -> Scope:
    scope = scope_for(request.user)
    if not scope.has(tasks.IMPORT_PERMS[name]):
        raise PermissionDenied
    return scope


def importable(scope: Scope) -> list[str]:
    """The importer names this scope may use."""
    return [name for name, perm in tasks.IMPORT_PERMS.items() if scope.has(perm)]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("选择文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_SUFFIXES)}),
    )
    org = forms.CharField(label=gettext_lazy("限定党组织(组织代码)"), required=False, max_length=32)
    update = forms.BooleanField(label=gettext_lazy("更新已登记的记录"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(
                _("不支持的文件类型“%(s)s”,请上传 .xlsx、.xls、.ods 或 .csv 文件") % {"s": suffix or "—"}
            )
        if upload.size > settings.ZUGONG_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大(%(size)s),上限为%(max)s")
                % {
                    "size": filesizeformat(upload.size),
                    "max": filesizeformat(settings.ZUGONG_IMPORT_MAX_BYTES),
                }
            )
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的"))
        return upload


def _store_upload(upload) -> tuple[str, Path]:
    relative, path = tasks.new_file("imports", Path(upload.name).suffix.lower())
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return relative, path


def _size_of_work(path: Path, filename: str) -> tuple[int | None, bool]:
    """(estimated rows, whether to run in the background)."""
    size = path.stat().st_size
    rows = tasks.estimate_rows(path, filename)
    if size > settings.ZUGONG_IMPORT_INLINE_BYTES:
        return rows, True
    if rows is None:  # .xls/.ods: small enough to count
        try:
            rows = sum(1 for _row in readers.iter_rows(path, filename=filename))
        except readers.UnreadableFile:
            return None, False
    return rows, rows > settings.ZUGONG_IMPORT_INLINE_ROWS


# -- pages -----------------------------------------------------------------------------------------
@login_required
@require_GET
def index(request):
    """The importers this account may use, and its imports (我的导入)."""
    scope = scope_for(request.user)
    names = importable(scope)
    if not names:
        raise PermissionDenied
    importers = [(name, describe(registry.get(name))) for name in names]
    jobs = Job.objects.filter(actor=request.user, kind=Job.Kind.IMPORT).order_by("-created_at", "-id")
    page = paginate(request, jobs, per_page=JOBS_PER_PAGE)
    titles = {name: info["title"] for name, info in importers}
    for job in page.object_list:
        job.title = titles.get(job.name, job.name)
    return render(
        request,
        "core/import_index.html",
        {"importers": importers, "page_obj": page, "jobs": page.object_list},
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, name: str):
    cls = _importer_cls(name)
    scope = _require(request, name)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        org_code = form.cleaned_data["org"].strip() if name == "members" else ""
        org_path = scope.root_path or ""
        if org_code:
            from zugong.orgs.selectors import org_get

            try:
                org_path = org_get(scope=scope, code=org_code).path
            except NotInScope:
                form.add_error("org", _("找不到该组织代码,或不在您的管理范围内"))
        if not form.errors:
            upload_file = form.cleaned_data["file"]
            relative, path = _store_upload(upload_file)
            rows, background = _size_of_work(path, upload_file.name)
            tasks.prune()
            job = Job.objects.create(
                kind=Job.Kind.IMPORT,
                name=name,
                phase=Job.Phase.CHECK,
                actor=request.user,
                org_path=org_path,
                params={
                    "update": bool(form.cleaned_data["update"]) and name in UPDATABLE,
                    "options": {"org": org_code} if org_code else {},
                    "size": path.stat().st_size,
                    **tasks.request_params(request),
                },
                total=rows,
                background=background,
                filename=Path(upload_file.name).name[:255],
                upload_path=relative,
            )
            tasks.submit(job)
            return redirect("imports:job", pk=job.pk)
    return render(
        request,
        "core/import_upload.html",
        {
            "name": name,
            "importer": describe(cls),
            "form": form,
            "can_update": name in UPDATABLE,
            "has_org_option": name == "members",
            "max_size": settings.ZUGONG_IMPORT_MAX_BYTES,
            "inline_rows": settings.ZUGONG_IMPORT_INLINE_ROWS,
        },
    )


@login_required
@require_GET
def template(request, name: str):
    """The importer's template workbook: headers, notes, drop-down lists for coded columns."""
    cls = _importer_cls(name)
    _require(request, name)
    from zugong.core.importing.templates import build_template

    handle = tempfile.TemporaryFile(prefix="zugong-template-")
    build_template(cls, handle)
    handle.seek(0)
    filename = _("%(t)s导入模板.xlsx") % {"t": str(cls.title)}
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def _own_job(request, pk: int) -> Job:
    """The account's own import job (404 for anyone else's) while it may still use the importer."""
    job = Job.objects.filter(pk=pk, actor=request.user, kind=Job.Kind.IMPORT).first()
    if job is None:
        raise Http404
    if job.name not in tasks.IMPORT_PERMS:
        raise Http404
    _require(request, job.name)
    return job


@login_required
@require_GET
def job(request, pk: int):
    job = tasks.sync_state(_own_job(request, pk))
    cls = _importer_cls(job.name)
    report = job.report or {}
    problems = None
    if job.finished and report.get("problems"):
        problems = paginate(
            request, JobProblem.objects.filter(job=job).order_by("id"), per_page=PROBLEMS_PER_PAGE
        )
    list_url = LIST_URLS.get(job.name)
    return render(
        request,
        "core/import_job.html",
        {
            "job": job,
            "importer": describe(cls),
            "report": report,
            "page_obj": problems,
            "problems": problems.object_list if problems else [],
            "list_url": reverse(list_url) if list_url else "",
            "can_confirm": (
                job.phase == Job.Phase.CHECK
                and job.state == Job.State.DONE
                and not report.get("error")
                and report.get("valid", 0) > 0
                and bool(job.upload_path)
            ),
        },
    )


@login_required
@require_GET
def progress(request, pk: int):
    """The progress card, polled by htmx every second; once the job is finished the page reloads."""
    job = tasks.sync_state(_own_job(request, pk))
    if job.finished and request.htmx:
        return HttpResponse(headers={"HX-Refresh": "true"})
    return render(request, "core/_import_progress.html", {"job": job})


@login_required
@require_POST
def confirm(request, pk: int):
    job = _own_job(request, pk)
    report = job.report or {}
    skip_invalid = request.POST.get("skip_invalid") == "1"
    ready = job.phase == Job.Phase.CHECK and job.state == Job.State.DONE and not report.get("error")
    if not ready or not job.upload_path:
        messages.error(request, _("该文件已导入或已失效,请重新上传"))
        return redirect("imports:job", pk=job.pk)
    if not report.get("valid"):
        messages.error(request, _("文件中没有可以导入的行"))
        return redirect("imports:job", pk=job.pk)
    if report.get("rejected") and not skip_invalid:
        messages.error(
            request,
            _("文件中有%(n)d行存在问题。请修改后重新上传,或勾选“只导入无误的行”") % {"n": report["rejected"]},
        )
        return redirect("imports:job", pk=job.pk)
    params = {**job.params, "skip_invalid": skip_invalid, **tasks.request_params(request)}
    claimed = Job.objects.filter(pk=job.pk, phase=Job.Phase.CHECK, state=Job.State.DONE).update(
        phase=Job.Phase.COMMIT,
        state=Job.State.QUEUED,
        params=params,
        done=0,
        stage="",
        started_at=None,
        finished_at=None,
        task_id="",  # the check's task is done; the commit gets its own
    )
    if claimed:
        job.refresh_from_db()
        tasks.submit(job)
    return redirect("imports:job", pk=job.pk)


@login_required
@require_GET
def problems_download(request, pk: int):
    """下载问题清单: the rejected rows with a 问题说明 column (or the list of problems)."""
    job = _own_job(request, pk)
    if not job.result_path:
        raise Http404
    try:
        handle = tasks.data_path(job.result_path).open("rb")
    except (ValueError, OSError) as exc:
        raise Http404 from exc
    stem = Path(job.filename).stem or "import"
    filename = _("%(f)s-问题清单.xlsx") % {"f": stem}
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
