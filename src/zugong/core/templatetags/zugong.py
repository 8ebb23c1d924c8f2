import functools
import html

from django import template
from django.conf import settings
from django.urls import get_script_prefix
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.filter
def add_class(field, css: str):
    """Render a bound field's widget with extra CSS classes (and is-invalid when it has errors)."""
    classes = css + (" is-invalid" if getattr(field, "errors", None) else "")
    existing = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {classes}".strip()})


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination, sorting)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return urlencode(sorted(params.lists()), doseq=True)


@register.filter
def code_label(code: str, table: str) -> str:
    from zugong.core import codes

    return codes.label(table, code)


@register.filter
def get_item(mapping, key):
    """`mapping[key]` in a template (None when absent or not a mapping)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def select(field, css: str):
    """A bound ChoiceField as the <select> `add_class` renders, built directly: Django's widget
    templates cost ≈ 0.1 ms per <option>, 10 ms for the member list's filter bar; Django's
    `escape` on lazy labels half of what remained, so this uses the stdlib's on plain strings."""
    esc = html.escape
    classes = esc(css + (" is-invalid" if field.errors else ""))
    value = field.value()
    chosen = "" if value is None else str(value)
    out = [f'<select name="{esc(field.html_name)}" class="{classes}" id="{esc(field.auto_id)}">']
    for key, label in field.field.choices:
        key = str(key)
        mark = " selected" if key == chosen else ""
        out.append(f'<option value="{esc(key)}"{mark}>{esc(str(label))}</option>')
    out.append("</select>")
    return mark_safe("".join(out))


@register.simple_tag(takes_context=True)
def zg_sidebar(context) -> str:
    """The menu of base.html. It depends only on the language, the account's permissions, the page's
    URL namespace and name and the 组织生活 count, so it is rendered once per process for each such
    combination (≈ 20 URL reversals and 60 conditions were a tenth of a list page's CPU)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return ""
    scope = context.get("scope")
    perms = tuple(sorted(scope.perms)) if scope is not None else ()
    match = getattr(context.get("request"), "resolver_match", None)
    section = (match.namespace if match else "") or ""
    url_name = (match.url_name if match else "") or ""
    urgent = 0
    if "orglife.view" in perms and callable(context.get("orglife_urgent")):
        urgent = context["orglife_urgent"]()
    self_only = bool(scope is not None and scope.is_self_only)
    key = (get_language(), get_script_prefix(), perms, self_only, section, url_name, urgent)
    # DEBUG (runserver) renders every time, so an edited template shows at once.
    return _render_sidebar(*key) if settings.DEBUG else _cached_sidebar(*key)


def _render_sidebar(language, prefix, perms, self_only, section, url_name, urgent) -> str:
    from django.template.loader import render_to_string

    context = {
        "perms": frozenset(perms),
        "self_only": self_only,
        "section": section,
        "url_name": url_name,
        "urgent": urgent,
    }
    return mark_safe(render_to_string("includes/sidebar.html", context))


_cached_sidebar = functools.lru_cache(maxsize=512)(_render_sidebar)
