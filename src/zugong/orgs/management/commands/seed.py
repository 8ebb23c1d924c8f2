"""`zugong seed --scale county|city|province [--seed N] [--force]`: realistic demo data."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zugong.demo import seed as seeding


def progress_printer(stdout):
    def show(p) -> None:
        stdout.write(
            _("  %(name)s:%(orgs)s个党组织、%(members)s名党员(累计%(to)s个、%(tm)s名,%(s).1f秒)")
            % {
                "name": p.name,
                "orgs": f"{p.orgs:,}",
                "members": f"{p.members:,}",
                "to": f"{p.total_orgs:,}",
                "tm": f"{p.total_members:,}",
                "s": p.seconds,
            }
        )
        stdout.flush()

    return show


def print_summary(stdout, summary) -> None:
    stdout.write(
        _(
            "已生成%(root)s(%(code)s):党组织%(orgs)s个,单位%(units)s个,党员%(members)s名"
            "(其中党籍正常%(normal)s名),班子成员%(seats)s人次,党小组%(groups)s个;用时%(s).1f秒。"
        )
        % {
            "root": summary.root_name,
            "code": summary.root_code,
            "orgs": f"{summary.orgs:,}",
            "units": f"{summary.units:,}",
            "members": f"{summary.members:,}",
            "normal": f"{summary.normal_members:,}",
            "seats": f"{summary.seats:,}",
            "groups": f"{summary.groups:,}",
            "s": summary.seconds,
        }
    )
    if summary.recount_changed:
        stdout.write(_("警告:核算后有%(n)d个党组织的合计数被更正。") % {"n": summary.recount_changed})


class Command(BaseCommand):
    help = _("生成演示数据:党组织树、单位和党员;同一种子生成的数据完全相同")

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=seeding.SCALES,
            default="county",
            help=_("规模:tiny(测试用小县)、county(一个县)、city(一个市)、province(一个省)"),
        )
        parser.add_argument("--seed", type=int, default=2026, help=_("随机种子,默认2026"))
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help=_("数据基准日(YYYY-MM-DD),默认今天;年龄、任期和预备期以此计算"),
        )
        parser.add_argument(
            "--force", action="store_true", help=_("数据库已有党组织时,先删除全部党组织、单位和党员再生成")
        )

    def handle(self, *args, scale, seed, as_of, force, **options):
        self.stdout.write(_("正在生成演示数据:规模 %(scale)s,种子 %(seed)d") % {"scale": scale, "seed": seed})
        try:
            summary = seeding.seed(
                scale=scale,
                seed=seed,
                as_of=as_of,
                force=force,
                progress=progress_printer(self.stdout),
                note=self.stdout.write,
            )
        except seeding.SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        if summary.wiped:
            wiped = summary.wiped
            self.stdout.write(
                _("已清空原有数据:党组织%(o)s个、单位%(u)s个、党员%(m)s名;%(a)s个账号已解除绑定。")
                % {
                    "o": f"{wiped.get('orgs.org', 0):,}",
                    "u": f"{wiped.get('orgs.unit', 0):,}",
                    "m": f"{wiped.get('members.member', 0):,}",
                    "a": wiped.get("accounts_unbound", 0),
                }
            )
        print_summary(self.stdout, summary)
