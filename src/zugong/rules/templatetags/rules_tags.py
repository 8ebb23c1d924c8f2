"""Rule parameters and calendar cells in templates."""

from __future__ import annotations

from django import template

from zugong.rules import display

register = template.Library()

CONFIDENCE_CLASS = {"V": "text-bg-success", "L": "text-bg-warning", "U": "text-bg-secondary"}


@register.filter
def params_table(params) -> list[tuple[str, str]]:
    return display.describe(params or {})


@register.filter
def confidence_class(value: str) -> str:
    return CONFIDENCE_CLASS.get(value, "text-bg-light")


@register.filter
def kind_label(value: str) -> str:
    from zugong.rules.models import Rule

    return str(Rule.Kind(value).label) if value in Rule.Kind.values else value


@register.filter
def level_label(value: str) -> str:
    from zugong.rules.models import RulePack

    return str(RulePack.Level(value).label) if value in RulePack.Level.values else value


@register.filter
def confidence_label(value: str) -> str:
    from zugong.rules.models import Rule

    return str(Rule.Confidence(value).label) if value in Rule.Confidence.values else value


@register.filter
def param_label(name: str) -> str:
    return display.label(name)


@register.filter
def direction_label(value: str) -> str:
    return display.DIRECTION_LABELS.get(value, value)
