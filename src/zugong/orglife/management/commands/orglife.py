"""`zugong orglife compliance`: the organizational-life compliance of every branch, to a file.

    zugong orglife compliance [--org CODE] --year YYYY [--quarter Q | --month M] [--as-of DATE]
                              [--as USERNAME] -o OUT.csv|OUT.xlsx

One row per branch × period × rule (组织代码, 党组织名称, 期间, 规则编号, 条款, 应开次数, 实开次数, 状态,
事项, 到会不足), then a summary line (branches, red/amber/green, rows met/missed/due/open). Streamed: a
province (≈ 13 million rows) runs in constant memory — to .csv (UTF-8 with BOM); an .xlsx worksheet
holds at most 1,048,576 rows. Without --as the command acts as the system (the whole tree); with it,
exactly within that account's scope. Every run that writes a file is audited like an export.

Exit status: 0 the file was written; 1 it was not (unknown org or account, no permission, too many
rows for a worksheet, a folder that does not exist); 2 the command line is wrong (bad option values).
The last line printed is a one-line summary in Chinese.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from zugong.core import exporting
from zugong.orglife.compliance_exports import ComplianceExport

USAGE = 2


class Command(BaseCommand):
    help = "组织生活:zugong orglife compliance --year 年度 [--quarter 季度 | --month 月份] -o 文件.csv|.xlsx"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, title="操作")
        c = sub.add_parser("compliance", help="导出各党支部组织生活达标情况(每支部、每期间、每条规则一行)")
        c.add_argument("--org", default="", help="只统计该组织及其下级的党支部(组织代码);默认全部")
        c.add_argument("--year", type=int, required=True, help="年度,如 2026")
        period = c.add_mutually_exclusive_group()
        period.add_argument("--quarter", type=int, help="季度 1-4(与 --month 二选一)")
        period.add_argument("--month", type=int, help="月份 1-12")
        c.add_argument("--as-of", dest="as_of", default="", help="判断日期 YYYY-MM-DD,默认今天")
        c.add_argument("--as", dest="as_user", default="", help="以该账号的身份和范围统计(用户名);默认系统")
        c.add_argument("-o", "--output", required=True, help="输出文件(.csv 或 .xlsx)")

    def handle(self, *args, action, **options):
        if action == "compliance":
            self.compliance(**options)

    def compliance(self, *, org, year, quarter, month, as_of, as_user, output, **_options):
        if not 1921 <= year <= 2999:
            raise CommandError(_("年度应为四位数字,如 2026"), returncode=USAGE)
        if quarter is not None and not 1 <= quarter <= 4:
            raise CommandError(_("季度应为 1 至 4"), returncode=USAGE)
        if month is not None and not 1 <= month <= 12:
            raise CommandError(_("月份应为 1 至 12"), returncode=USAGE)
        if as_of:
            try:
                dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(
                    _("判断日期应为 YYYY-MM-DD:%(d)s") % {"d": as_of}, returncode=USAGE
                ) from None
        out = Path(output)
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise CommandError(_("输出文件须以 .csv 或 .xlsx 结尾"), returncode=USAGE)
        if not out.parent.exists():
            raise CommandError(_("目录不存在:%(d)s") % {"d": out.parent})
        actor = self._actor(as_user)
        params = {"org": org, "year": year, "quarter": quarter, "month": month, "as_of": as_of}
        export = ComplianceExport(actor=actor, params=params, fmt=fmt)
        try:
            export.check()
        except PermissionDenied as exc:
            raise CommandError(_("账号“%(u)s”无权查看组织生活") % {"u": as_user}) from exc
        except Http404 as exc:
            raise CommandError(
                _("找不到组织代码为“%(c)s”的党组织,或不在该账号的范围内") % {"c": org}
            ) from exc
        fd, tmp = tempfile.mkstemp(prefix=".zugong-orglife-", suffix="." + fmt, dir=out.parent)
        os.close(fd)
        started = time.monotonic()
        try:
            rows = exporting.export_to(export, tmp)
            os.replace(tmp, out)
        except exporting.TooManyRows as exc:
            Path(tmp).unlink(missing_ok=True)
            raise CommandError(str(exc) + _("或改为导出 .csv。")) from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        seconds = time.monotonic() - started
        t = export.summary
        assert t is not None
        self.stdout.write(
            _(
                "已导出%(w)s组织生活达标情况%(n)d行到 %(f)s:党支部%(b)d个,红%(r)d、黄%(a)d、绿%(g)d;"
                "达标%(m)d、未达标%(x)d、即将到期%(d)d、进行中%(o)d(用时%(s).1f秒)"
            )
            % {
                "w": export.window.label,
                "n": rows - 1,
                "f": out,
                "b": t.branches,
                "r": t.red,
                "a": t.amber,
                "g": t.green,
                "m": t.met,
                "x": t.missed,
                "d": t.due,
                "o": t.open,
                "s": seconds,
            }
        )

    def _actor(self, username: str):
        if not username:
            return None
        from zugong.accounts.models import User

        user = User.objects.select_related("org").filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(_("找不到有效账号“%(u)s”") % {"u": username})
        return user
