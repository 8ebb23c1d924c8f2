"""`zugong import orgs|members FILE`: exit 0 written (or a clean dry run), 2 refused for bad rows,
1 any other failure; the last line is the one-line summary."""

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zugong.core.importing import pipeline, readers, registry

SHOW_PROBLEMS = 200


class Command(BaseCommand):
    help = (
        "导入:zugong import orgs|members 文件 [--dry-run] [--skip-invalid --rejects 拒绝行.xlsx] "
        "[--update] [--org 组织代码] [--as 账号]"
    )

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(registry.IMPORTERS))
        parser.add_argument("file", help=".xlsx、.xls、.ods 或 .csv(UTF-8、GBK、GB18030)")
        parser.add_argument("--dry-run", action="store_true", help="只校验,不写入")
        parser.add_argument("--skip-invalid", action="store_true", help="导入正确的行,跳过有问题的行")
        parser.add_argument("--rejects", help="把有问题的行(附问题说明)写入此 .xlsx,改正后可再次导入")
        parser.add_argument(
            "--update", action="store_true", help="逐项更新已登记的记录(党员按公民身份号码,党组织按组织代码)"
        )
        parser.add_argument("--org", help="党员导入:限定在此组织代码之下;未填所在党支部的行编入此党支部")
        parser.add_argument("--as", dest="username", help="以此账号的权限范围导入(默认:系统,全部组织)")
        parser.add_argument("--all-problems", action="store_true", help="列出全部问题(默认最多200条)")

    def handle(self, *args, name, file, **options):
        actor = None
        if options["username"]:
            from zugong.accounts.models import User

            actor = User.objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                raise CommandError(_("找不到账号“%(u)s”") % {"u": options["username"]})
        if options["update"] and name not in registry.UPDATABLE:
            raise CommandError(
                _("--update 只用于以下导入:%(names)s") % {"names": "、".join(sorted(registry.UPDATABLE))}
            )
        if options["org"] and name != "members":
            raise CommandError(_("--org 只用于党员导入"))
        if options["rejects"] and not options["rejects"].lower().endswith(".xlsx"):
            raise CommandError(_("拒绝行文件应以 .xlsx 结尾"))
        if not os.path.isfile(file):
            raise CommandError(_("找不到文件:%(f)s") % {"f": file})
        extra = {"org": options["org"]} if name == "members" else {}
        importer = registry.get(name)(actor=actor, update=options["update"], **extra)
        try:
            report = pipeline.run(
                importer,
                file,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                rejects=options["rejects"],
            )
        except (readers.UnreadableFile, pipeline.ImportRefused) as exc:
            raise CommandError(str(exc)) from exc
        limit = None if options["all_problems"] else SHOW_PROBLEMS
        for problem in report.problems[:limit]:
            self.stdout.write(str(problem))
        hidden = report.problem_count - (len(report.problems[:limit]))
        if hidden > 0:
            self.stdout.write(_("……另有%(n)d个问题未列出") % {"n": hidden})
        if report.rejects_written:
            self.stdout.write(
                _("有问题的%(n)d行已写入%(f)s") % {"n": report.rejects_written, "f": options["rejects"]}
            )
        self.stdout.write(report.summary())
        if report.refused:
            sys.stdout.flush()
            raise SystemExit(2)
