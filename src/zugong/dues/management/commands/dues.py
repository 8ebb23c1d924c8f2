"""`zugong dues quote|arrears|compute`.

    zugong dues quote --category in_service --base 4500
    45.00 DF-02《关于中国共产党党费收缴、使用和管理的规定》第二条
    zugong dues arrears [--org CODE] --as-of 2026-07-01 -o arrears.csv
    zugong dues compute [--month 2026-07] [--org CODE]      (monthly: the month's amounts due)

Exit 0 done, 2 refused input (the reason in Chinese on stderr), 1 any other failure.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from zugong.core.scope import ROLE_PERMS, Role, Scope
from zugong.dues import rules, selectors, services
from zugong.dues.models import Category
from zugong.orgs.models import Org

WHOLE_TREE = Scope(role=Role.DEPT_ADMIN, root_path="", perms=ROLE_PERMS[Role.DEPT_ADMIN])
CSV_HEADER = [
    "组织代码",
    "组织名称",
    "姓名",
    "公民身份号码",
    "连续未交月数",
    "起始月份",
    "状态",
    "规则",
    "条款",
]


class Refused(Exception):
    pass


class Command(BaseCommand):
    help = (
        "党费:zugong dues quote --category 类别 --base 金额"
        " | arrears [--org 组织代码] --as-of 日期 -o 文件.csv"
        " | compute [--month 年-月] [--org 组织代码]"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        q = sub.add_parser("quote", help="按类别和基数计算每月应交党费,输出一行:金额 规则《文件》条款")
        q.add_argument("--category", required=True, choices=Category.values)
        q.add_argument("--base", required=True, help="月收入基数(元);农民、学生等固定标准的类别可填0")
        q.add_argument("--amount", help="农民党员:党支部确定的每月金额(0.2元至1元)")
        q.add_argument("--on", help="按此日期有效的规则计算 YYYY-MM-DD,默认今天")
        a = sub.add_parser("arrears", help="连续欠交党费的党员(提醒与视为自行脱党)写入 CSV")
        a.add_argument("--org", help="组织代码:只列该组织及其下级;默认全部")
        a.add_argument("--as-of", required=True, help="截至日期 YYYY-MM-DD:计算到此前已结束的月份")
        a.add_argument(
            "-o", "--output", required=True, help="输出的 .csv 文件(UTF-8,带 BOM,Excel 可直接打开)"
        )
        c = sub.add_parser("compute", help="生成某月的应交党费(每月初运行一次;可重复运行)")
        c.add_argument("--month", help="月份 YYYY-MM,默认本月")
        c.add_argument("--org", help="组织代码:只算该组织及其下级")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action)(options)
        except Refused as exc:
            self.stderr.write(str(exc))
            sys.stderr.flush()
            raise SystemExit(2) from exc

    # -- helpers -------------------------------------------------------------------------------------
    def _org(self, code: str | None) -> Org | None:
        if not code:
            return None
        org = Org.objects.filter(code=code).first()
        if org is None:
            raise Refused(_("找不到组织代码“%(c)s”") % {"c": code})
        return org

    @staticmethod
    def _date(value: str | None, name: str) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise Refused(_("%(n)s格式应为 YYYY-MM-DD:%(v)s") % {"n": name, "v": value}) from exc

    # -- actions -------------------------------------------------------------------------------------
    def quote(self, options) -> None:
        try:
            base = rules.money(options["base"])
            amount = rules.money(options["amount"]) if options.get("amount") else None
        except ValueError as exc:
            raise Refused(str(exc)) from exc
        category = options["category"]
        try:
            q = rules.quote(
                category=category,
                base=base if rules.needs_base(category) else None,
                fixed_amount=amount,
                on=self._date(options.get("on"), "--on"),
            )
        except ValidationError as exc:
            raise Refused(";".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        self.stdout.write(q.line)

    def arrears(self, options) -> None:
        as_of = self._date(options["as_of"], "--as-of")
        assert as_of is not None
        org = self._org(options.get("org"))
        rows = selectors.arrears(scope=WHOLE_TREE, under=org, as_of=as_of)
        thresholds = rules.arrears_rules(on=as_of, org=org.path if org else None)
        flagged = sum(1 for r in rows if r.status == "flagged")
        warned = len(rows) - flagged
        last = selectors.last_ended_month(as_of)
        summary = _(
            "合计:%(n)d人连续%(w)d个月以上未交党费,其中提醒%(warned)d人、满%(l)d个月视为自行脱党%(flagged)d人"
            "(计算到%(m)s,范围:%(scope)s)"
        ) % {
            "n": len(rows),
            "w": thresholds.warn_months,
            "warned": warned,
            "l": thresholds.lapse_months,
            "flagged": flagged,
            "m": f"{last:%Y-%m}",
            "scope": f"{org.name}({org.code})" if org else _("全部"),
        }
        try:
            with open(options["output"], "w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(CSV_HEADER)
                for r in rows:
                    writer.writerow(
                        [
                            r.member.org.code,
                            r.member.org.name,
                            r.member.name,
                            r.member.id_number_masked,
                            r.months,
                            f"{r.since:%Y-%m}",
                            r.status,
                            r.rule_id,
                            r.article,
                        ]
                    )
                writer.writerow([summary])
        except OSError as exc:
            raise Refused(_("无法写入文件:%(e)s") % {"e": exc}) from exc
        self.stdout.write(summary)

    def compute(self, options) -> None:
        try:
            month = rules.parse_month(options["month"]) if options.get("month") else None
        except ValueError as exc:
            raise Refused(_("月份格式应为 YYYY-MM:%(v)s") % {"v": options["month"]}) from exc
        current = rules.month_start(timezone.localdate())
        month = month or current
        if month > current:
            raise Refused(_("不能生成尚未到来的月份"))
        org = self._org(options.get("org"))
        n = services.dues_fill(org=org, month=month)
        self.stdout.write(_("%(m)s:新生成%(n)d名党员的应交党费") % {"m": f"{month:%Y-%m}", "n": n})
