"""`zugong members tasks`: the 流动党员/失联 clocks as a CSV, one row per item.

    zugong members tasks [--org CODE] [--as-of 2026-07-01] [--status due] -o tasks.csv

Rows: 组织代码, 党支部, 姓名, 公民身份号码 (masked), 事项, 说明, 期限, 剩余天数, 状态, 规则, 条款 —
the items of members.mobility_selectors.tasks (GX-07 yearly report, GX-02 transfer, GX-06 停止党籍 /
除名 / 出国(境)). Exit 0 done, 2 refused input (the reason in Chinese on stderr).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from zugong.core.scope import ROLE_PERMS, Role, Scope
from zugong.members.mobility_selectors import STATUS_LABELS, TASK_KINDS, tasks
from zugong.orgs.models import Org

WHOLE_TREE = Scope(role=Role.DEPT_ADMIN, root_path="", perms=ROLE_PERMS[Role.DEPT_ADMIN])
CSV_HEADER = [
    "组织代码",
    "党支部",
    "姓名",
    "公民身份号码",
    "事项",
    "说明",
    "期限",
    "剩余天数",
    "状态",
    "规则",
    "条款",
]


class Refused(Exception):
    pass


class Command(BaseCommand):
    help = (
        "党员:zugong members tasks [--org 组织代码] [--as-of 日期] [--kind 事项] [--status 状态] -o 文件.csv"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        t = sub.add_parser("tasks", help="流动党员年度汇报、转接建议、失联停止党籍与除名等到期事项写入 CSV")
        t.add_argument("--org", help="组织代码:只列该组织及其下级;默认全部")
        t.add_argument("--as-of", dest="as_of", help="截至日期 YYYY-MM-DD,默认今天")
        t.add_argument("--kind", choices=list(TASK_KINDS), default="", help="只列一种事项")
        t.add_argument("--status", choices=list(STATUS_LABELS), default="", help="只列一种状态")
        t.add_argument("-o", "--output", required=True, help="输出 CSV 文件(UTF-8,带 BOM,Excel 可直接打开)")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action)(options)
        except Refused as exc:
            self.stderr.write(str(exc))
            sys.stderr.flush()
            raise SystemExit(2) from exc

    def tasks(self, options) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options.get("as_of") else timezone.localdate()
        except ValueError as exc:
            raise Refused(_("截至日期格式应为 YYYY-MM-DD:%(v)s") % {"v": options["as_of"]}) from exc
        if options.get("org"):
            org = Org.objects.filter(code=options["org"]).first()
            if org is None:
                raise Refused(_("找不到组织代码“%(c)s”") % {"c": options["org"]})
            roots = [org]
        else:
            roots = list(Org.objects.filter(depth=1).order_by("path"))
        items = []
        for root in roots:
            items.extend(
                tasks(
                    scope=WHOLE_TREE, root=root, as_of=as_of, kind=options["kind"], status=options["status"]
                )
            )
        try:
            with open(options["output"], "w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(CSV_HEADER)
                for t in items:
                    writer.writerow(
                        [
                            t.org.code,
                            t.org.name,
                            t.member.name,
                            t.member.id_number_masked,
                            t.kind_label,
                            f"{t.title};{t.detail}",
                            t.due.isoformat(),
                            t.days_left,
                            t.status_label,
                            t.rule_id,
                            t.article,
                        ]
                    )
        except OSError as exc:
            raise Refused(_("无法写入文件:%(e)s") % {"e": exc}) from exc
        urgent = sum(1 for t in items if t.urgent)
        self.stdout.write(
            _("截至%(d)s:共%(n)d项,其中已逾期或已到期%(u)d项")
            % {"d": as_of.isoformat(), "n": len(items), "u": urgent}
        )
