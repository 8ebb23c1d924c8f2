"""`zugong calendar load [--year Y]` and `zugong calendar show YEAR`: the workday calendar.
Exit 0 done, 2 refused input (message in Chinese)."""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from zugong.rules import selectors, services


class Command(BaseCommand):
    help = "工作日历:zugong calendar load [--year 年份] | show 年份"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ld = sub.add_parser("load", help="从 chinese-calendar 数据包载入节假日和调休(不覆盖操作员的更正)")
        ld.add_argument("--year", type=int)
        sh = sub.add_parser("show", help="列出某年的节假日、调休和每月工作日数")
        sh.add_argument("year", type=int)

    def handle(self, *args, action, **options):
        if action == "load":
            try:
                loaded = services.calendar_load(year=options.get("year"))
            except ValidationError as exc:
                self.stderr.write(";".join(exc.messages))
                sys.stderr.flush()
                raise SystemExit(2) from exc
            years = sorted(loaded)
            self.stdout.write(
                _("已载入%(a)d年至%(b)d年的节假日安排(%(n)d个年份)")
                % {"a": years[0], "b": years[-1], "n": len(years)}
            )
            return
        year = options["year"]
        cal = selectors.calendar_year(year)
        w = self.stdout.write
        if cal.loaded:
            w(_("%(y)d年工作日历(来源:%(s)s)") % {"y": year, "s": cal.loaded.get_source_display()})
        else:
            w(_("%(y)d年工作日历:暂定,尚未载入该年的节假日安排,按周一至周五上班推算") % {"y": year})
        for d in cal.exceptions:
            kind = _("上班") if d.is_workday else _("放假")
            week = "一二三四五六日"[d.date.weekday()]
            src = _("(操作员更正)") if d.source == "operator" else ""
            w(f"  {d.date.isoformat()} 周{week} {kind} {d.name}{src}")
        w(_("每月工作日:") + " ".join(f"{m.month}月{m.workdays}" for m in cal.months))
        w(_("全年工作日%(n)d天") % {"n": cal.workdays})
