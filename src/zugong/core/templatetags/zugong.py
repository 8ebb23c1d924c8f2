from django import template
from django.utils.http import urlencode

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
