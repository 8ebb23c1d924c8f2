"""`zugong stats refresh [--on DATE]`: move the rollups' age bands to today (run daily, e.g. from
cron after midnight; idempotent). Without it the dashboards stay exact but correct the bands on
every read from the members whose age crossed a band edge since the last refresh."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from zugong.stats import rollups


class Command(BaseCommand):
    help = _("统计汇总维护:refresh 将年龄段统计更新到今天(每日运行)")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh"])
        parser.add_argument("--on", type=dt.date.fromisoformat, help=_("统计日期(默认今天)"))

    def handle(self, *args, **options):
        on = options.get("on") or dt.date.today()
        moved = rollups.refresh(on)
        self.stdout.write(_("年龄段统计已更新到%(d)s:%(n)d名党员跨入新的年龄段。") % {"d": on, "n": moved})
