"""Pages of the rule packs and the workday calendar: thin views over selectors and services.

Reading needs `rules.view` (every staff role; others get 404 as for any page they cannot see).
Local packs outside the account's subtree and not above it are not found (404); a pack above it
or a national one can be read but not changed (403). Calendar corrections need `calendar.edit`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zugong.core.exceptions import NotInScope
from zugong.core.scope import Scope, scope_for
from zugong.core.views import apply_service_errors
from zugong.orgs.models import Org
from zugong.rules import display, engine, forms, selectors, services
from zugong.rules.models import Rule, RulePack

GET_POST = require_http_methods(["GET", "POST"])
CALENDAR_YEARS = (1990, 2100)


def _scope(request, perm: str = "rules.view") -> Scope:
    scope = scope_for(request.user)
    if not scope.has("rules.view"):
        raise NotInScope
    if perm != "rules.view":
        scope.require(perm)
    return scope


def _pack(request, pk: int, *, edit: bool = False) -> tuple[Scope, RulePack]:
    scope = _scope(request)
    pack = selectors.pack_get(scope=scope, pk=pk)
    if edit and not selectors.can_edit_pack(scope, pack):
        raise PermissionDenied
    return scope, pack


def _data(request):
    """The POST data of a POST, even an empty one (an empty QueryDict is falsy)."""
    return request.POST if request.method == "POST" else None


def _date_param(request, name: str) -> dt.date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


# -- packs -------------------------------------------------------------------------------------------
@login_required
@require_GET
def rule_list(request):
    scope = _scope(request)
    form = forms.PackFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    on = data.get("on") or dt.date.today()
    filters = selectors.PackFilters(
        level=data.get("level") or "",
        kind=data.get("kind") or "",
        q=data.get("q") or "",
        on=on,
        all_versions=bool(data.get("all")),
    )
    packs = selectors.pack_list(scope=scope, filters=filters)
    national = [p for p in packs if p.org_id is None]
    local = [p for p in packs if p.org_id is not None]
    ctx = {
        "filter_form": form,
        "on": on,
        "national": national,
        "local": local,
        "rule_total": sum(len(p.shown_rules) for p in packs),  # type: ignore[attr-defined]
        "can_create": scope.has("rules.edit"),
        "filtered": bool(request.GET),
    }
    return render(request, "rules/list.html", ctx)


@login_required
@require_GET
def pack_detail(request, pk: int):
    scope, pack = _pack(request, pk)
    rows = selectors.pack_rules(pack)
    today = dt.date.today()
    ctx = {
        "pack": pack,
        "rows": rows,
        "today": today,
        "can_edit": selectors.can_edit_pack(scope, pack),
        "in_force": pack.effective_from <= today and (pack.effective_to is None or today < pack.effective_to),
    }
    return render(request, "rules/pack_detail.html", ctx)


@login_required
@require_GET
def rule_detail(request, rule_id: str):
    scope = _scope(request)
    on = _date_param(request, "on") or dt.date.today()
    org = None
    code = request.GET.get("org", "").strip()
    if code:
        org = selectors.org_for_code(scope=scope, code=code)
    explained = selectors.rule_explain(scope=scope, rule_id=rule_id.upper(), on=on, org=org)
    ctx = {
        "x": explained,
        "on": on,
        "org": org,
        "org_code": code,
        "can_override": scope.has("rules.edit") and not rule_id.upper().startswith("L-"),
    }
    return render(request, "rules/rule_detail.html", ctx)


@login_required
@GET_POST
def pack_create(request):
    scope = _scope(request, "rules.edit")
    own = Org.objects.filter(path=scope.root_path).first() if scope.root_path else None
    initial = {"org": request.GET.get("org") or (own.code if own else ""), "effective_from": dt.date.today()}
    form = forms.PackForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        org = Org.objects.filter(code=data.pop("org").strip()).first()
        if org is None or not scope.contains(org.path):
            form.add_error("org", _("找不到该组织,或不在您的管辖范围内"))
        else:
            try:
                pack = services.pack_create(actor=request.user, org=org, **data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已新建本地规则包“%(t)s”,请添加规则") % {"t": pack.title})
                return redirect("rules:pack", pack.pk)
    return render(request, "rules/pack_form.html", {"form": form, "pack": None})


@login_required
@GET_POST
def pack_edit(request, pk: int):
    pack = _pack(request, pk, edit=True)[1]
    initial = {name: getattr(pack, name) for name in services.PACK_FIELDS}
    form = forms.PackForm(_data(request), initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.pack_update(actor=request.user, pack=pack, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("rules:pack", pack.pk)
    return render(request, "rules/pack_form.html", {"form": form, "pack": pack})


def _base_preview(pack: RulePack, rule_id: str, on: dt.date) -> engine.RuleVersion | None:
    if not rule_id:
        return None
    return services.base_for(pack, rule_id.strip().upper(), on)


@login_required
@GET_POST
def rule_add(request, pk: int):
    pack = _pack(request, pk, edit=True)[1]
    rule_id = (request.POST.get("rule_id") or request.GET.get("rule_id") or "").strip().upper()
    on = max(dt.date.today(), pack.effective_from)
    base = _base_preview(pack, rule_id, on)
    initial = {}
    if base is not None and request.method == "GET":
        initial = {
            "rule_id": base.rule_id,
            "title": base.title,
            "params": base.params,
            "article": "",
            "basis": "",
        }
    form = forms.RuleForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rule_save(
                actor=request.user,
                pack=pack,
                rule_id=data["rule_id"],
                kind=data["kind"] or None,
                title=data["title"],
                params=data["params"],
                article=data["article"],
                basis=data["basis"],
                source_url=data["source_url"],
                effective_from=data["effective_from"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已添加规则%(id)s") % {"id": data["rule_id"].upper()})
            return redirect("rules:pack", pack.pk)
    ctx = {
        "form": form,
        "pack": pack,
        "base": base,
        "base_params": display.describe(base.params) if base else [],
    }
    return render(request, "rules/rule_form.html", ctx)


def _pack_rule(pack: RulePack, rule_pk: int) -> Rule:
    row = pack.rules.filter(pk=rule_pk).first()
    if row is None:
        raise Http404
    return row


@login_required
@GET_POST
def rule_edit(request, pk: int, rule_pk: int):
    pack = _pack(request, pk, edit=True)[1]
    row = _pack_rule(pack, rule_pk)
    if row.effective_to is not None:
        raise PermissionDenied  # a closed version is history
    initial = {
        "rule_id": row.rule_id,
        "kind": row.kind,
        "title": row.title,
        "params": row.params,
        "article": row.article,
        "basis": row.basis,
        "source_url": row.source_url,
    }
    form = forms.RuleForm(_data(request), initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rule_save(
                actor=request.user,
                pack=pack,
                rule_id=row.rule_id,
                kind=row.kind,
                title=data["title"],
                params=data["params"],
                article=data["article"],
                basis=data["basis"],
                source_url=data["source_url"],
                effective_from=data["effective_from"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存规则%(id)s") % {"id": row.rule_id})
            return redirect("rules:pack", pack.pk)
    base = _base_preview(pack, row.rule_id, dt.date.today())
    ctx = {
        "form": form,
        "pack": pack,
        "row": row,
        "base": base,
        "base_params": display.describe(base.params) if base else [],
    }
    return render(request, "rules/rule_form.html", ctx)


@login_required
@GET_POST
def rule_end(request, pk: int, rule_pk: int):
    pack = _pack(request, pk, edit=True)[1]
    row = _pack_rule(pack, rule_pk)
    form = forms.RuleEndForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_end(actor=request.user, rule=row, on=form.cleaned_data["on"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("规则%(id)s已停止,此后适用上级或全国规则") % {"id": row.rule_id})
            return redirect("rules:pack", pack.pk)
    return render(request, "rules/rule_end.html", {"form": form, "pack": pack, "row": row})


# -- calendar ------------------------------------------------------------------------------------------
def _year(year: int) -> int:
    if not (CALENDAR_YEARS[0] <= year <= CALENDAR_YEARS[1]):
        raise Http404
    return year


@login_required
@require_GET
def calendar_index(request):
    _scope(request)
    return redirect("rules:calendar", dt.date.today().year)


@login_required
@require_GET
def calendar_year(request, year: int):
    scope = _scope(request)
    cal = selectors.calendar_year(_year(year))
    ctx = {
        "cal": cal,
        "years": selectors.calendar_years(),
        "can_edit": scope.has("calendar.edit"),
        "prev_year": year - 1,
        "next_year": year + 1,
        "today": dt.date.today(),
    }
    return render(request, "rules/calendar.html", ctx)


@login_required
@GET_POST
def calendar_day(request, year: int):
    _scope(request, "calendar.edit")
    year = _year(year)
    day = _date_param(request, "date")
    initial = {}
    if day is not None:
        answer = engine.is_workday(day)
        initial = {"date": day, "is_workday": "1" if answer.value else "0"}
        from zugong.rules.models import CalendarDay

        row = CalendarDay.objects.filter(date=day).first()
        if row is not None:
            initial.update(name=row.name, note=row.note)
    remove = request.method == "POST" and request.POST.get("action") == "remove"
    form = forms.CalendarDayForm(None if remove else _data(request), initial=initial)
    remove_form = forms.CalendarRemoveForm(request.POST if remove else None)
    if remove and remove_form.is_valid():
        try:
            services.calendar_day_remove(actor=request.user, date=remove_form.cleaned_data["date"])
        except ValidationError as exc:
            apply_service_errors(remove_form, exc)
        else:
            messages.success(request, _("已恢复为按周一至周五上班"))
            return redirect("rules:calendar", remove_form.cleaned_data["date"].year)
    elif request.method == "POST" and not remove and form.is_valid():
        data = form.cleaned_data
        try:
            services.calendar_day_set(
                actor=request.user,
                date=data["date"],
                is_workday=data["is_workday"],
                name=data["name"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已更正%(d)s") % {"d": data["date"].isoformat()})
            return redirect("rules:calendar", data["date"].year)
    ctx = {"form": form, "remove_form": remove_form, "year": year, "day": day}
    return render(request, "rules/calendar_day.html", ctx)


@login_required
@GET_POST
def calendar_mark(request, year: int):
    _scope(request, "calendar.edit")
    year = _year(year)
    form = forms.CalendarMarkForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.calendar_year_mark(actor=request.user, year=year, note=form.cleaned_data["note"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(y)d年的节假日安排已标记为完整") % {"y": year})
            return redirect("rules:calendar", year)
    cal = selectors.calendar_year(year)
    return render(request, "rules/calendar_mark.html", {"form": form, "year": year, "cal": cal})
