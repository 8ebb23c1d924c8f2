"""The default 主题党日 checklist ("5+N", CX-02): loaded once after migrate; operators edit it freely
(it is local practice, not a regulation), so a later migrate never overwrites their changes."""

from __future__ import annotations

DEFAULT_THEME_ITEMS = [
    # (code, name, required)
    ("oath", "重温入党誓词", True),
    ("constitution", "集体诵读党章", True),
    ("dues", "主动交纳党费", True),
    ("study", "政治理论学习", True),
    ("birthday", "为党员过政治生日", True),
    ("core_meetings", "“三会一课”", False),
    ("heart_talk", "谈心谈话", False),
    ("appraisal", "评议考核", False),
    ("deliberation", "民主议事", False),
    ("volunteer", "志愿服务", False),
    ("visits", "走访慰问", False),
]


def load_default_theme_items(*, using: str = "default") -> int:
    from zugong.orglife.models import ThemeDayItem

    if ThemeDayItem.objects.using(using).filter(org__isnull=True).exists():
        return 0
    ThemeDayItem.objects.using(using).bulk_create(
        ThemeDayItem(org=None, org_path="", code=code, name=name, required=required, order=i)
        for i, (code, name, required) in enumerate(DEFAULT_THEME_ITEMS, start=1)
    )
    return len(DEFAULT_THEME_ITEMS)


def load_theme_items_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if "orglife_themedayitem" in connections[using].introspection.table_names():
        load_default_theme_items(using=using)
