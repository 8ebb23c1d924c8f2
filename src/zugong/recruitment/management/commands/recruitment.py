"""`zugong recruitment check [--org CODE] [--as-of DATE] [--as USER] [--all] [--full] -o OUT.csv`:
every problem of the open 发展党员 files of a subtree, one row each (姓名, 公民身份号码, 环节, 规则编号,
条款, 问题, 应办日期或最早日期), judged by the rule versions in force; the last line printed is the
summary. Exit 0 written, 2 refused input (message in Chinese)."""

from __future__ import annotations

import datetime as dt
import sys

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from zugong.core import audit
from zugong.core.exporting import SYSTEM_SCOPE
from zugong.core.importing import values
from zugong.core.scope import scope_for
from zugong.orgs.models import Org
from zugong.recruitment import report


class Command(BaseCommand):
    help = "发展党员:zugong recruitment check [--org 组织代码] [--as-of 日期] -o 问题清单.csv"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="按规则检查发展档案,每个问题一行写入CSV")
        check.add_argument("--org", default="", help="只检查该组织及其下级(组织代码)")
        check.add_argument("--as-of", dest="as_of", default="", help="按该日期判断是否逾期,默认今天")
        check.add_argument("--as", dest="as_user", default="", help="以该账号的身份和范围检查(用户名)")
        check.add_argument("--all", action="store_true", help="连同已转正、已终止的档案一并检查")
        check.add_argument("--full", action="store_true", help="写出完整的公民身份号码(记入审计日志)")
        check.add_argument("-o", "--output", required=True, help="输出的CSV文件")

    def refuse(self, message: str):
        self.stderr.write(message)
        sys.stderr.flush()
        raise SystemExit(2)

    def handle(self, *args, action, **o):
        scope = SYSTEM_SCOPE
        actor = None
        if o["as_user"]:
            from zugong.accounts.models import User

            actor = User.objects.select_related("org").filter(username=o["as_user"], is_active=True).first()
            if actor is None:
                self.refuse(_("找不到有效账号“%(u)s”") % {"u": o["as_user"]})
            scope = scope_for(actor)
        if not scope.has("recruitment.view"):
            self.refuse(_("该账号无权查看发展党员档案"))
        if o["full"] and not scope.has("recruitment.reveal"):
            self.refuse(_("该账号无权导出完整的公民身份号码"))
        as_of = dt.date.today()
        if o["as_of"]:
            try:
                as_of = values.parse_date(o["as_of"])
            except ValueError as exc:
                self.refuse(_("日期“%(d)s”无法识别:%(e)s") % {"d": o["as_of"], "e": exc})
        path = ""
        if o["org"]:
            org = Org.objects.filter(code=o["org"]).first()
            if org is None or not scope.contains(org.path):
                self.refuse(_("没有组织代码“%(c)s”,或不在本账号的管辖范围内") % {"c": o["org"]})
            path = org.path
        try:
            found = report.applicants(scope=scope, under_path=path, include_closed=o["all"])
            with open(o["output"], "w", encoding="utf-8", newline="") as out:
                summary = report.write_csv(out, found, as_of=as_of, full=o["full"])
        except (OSError, PermissionDenied) as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        if o["full"]:
            with transaction.atomic():
                audit.record(
                    actor=actor,
                    action="recruitment.check_full",
                    object_type="recruitment.report",
                    object_repr=o["output"][-200:],
                    org_path=path,
                    after={"files": summary.files, "problems": summary.problems, "as_of": as_of},
                )
        self.stdout.write(summary.line() + _(",已写入%(f)s") % {"f": o["output"]})
