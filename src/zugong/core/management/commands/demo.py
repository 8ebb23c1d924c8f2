"""`zugong demo`: a ready-to-use installation on this machine in one command.

Creates the data folder and the database, migrates, fills a demo county when the database has no
organizations, creates one account per role, prints the address and the accounts, and serves.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zugong.demo import seed as seeding
from zugong.demo.accounts import DEMO_PASSWORD, NoDemoTree, ensure_demo_accounts
from zugong.orgs.management.commands.seed import print_summary, progress_printer
from zugong.orgs.models import Org


class Command(BaseCommand):
    help = _("启动演示:建立数据库,生成演示县的数据和演示账号,并启动网站")

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help=_("监听地址,默认 127.0.0.1:8000"))
        parser.add_argument("--no-serve", action="store_true", help=_("只准备数据和账号,不启动网站"))
        parser.add_argument(
            "--scale", choices=seeding.SCALES, default="county", help=_("演示数据规模,默认 county")
        )
        parser.add_argument("--seed", type=int, default=2026, help=_("随机种子,默认2026"))
        parser.add_argument(
            "--with-otp",
            action="store_true",
            help=_("演示时也要求管理账号设置手机验证器(二次验证),与生产环境一致"),
        )

    def handle(self, *args, addr, no_serve, scale, seed, with_otp=False, **options):
        out = self.stdout
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        out.write(_("数据目录:%(d)s") % {"d": settings.DATA_DIR})
        out.write(_("正在初始化数据库……"))
        call_command("migrate", interactive=False, verbosity=0)
        existing = Org.objects.count()
        if existing:
            out.write(_("数据库中已有%(n)d个党组织,不再生成演示数据。") % {"n": existing})
        else:
            out.write(_("正在生成演示数据(规模 %(scale)s,种子 %(seed)d)……") % {"scale": scale, "seed": seed})
            summary = seeding.seed(scale=scale, seed=seed, progress=progress_printer(out), note=out.write)
            print_summary(out, summary)
        try:
            accounts = ensure_demo_accounts()
        except NoDemoTree as exc:
            raise CommandError(str(exc)) from exc
        url = f"http://{addr}/"
        out.write("")
        out.write(self.style.SUCCESS(_("演示系统地址:%(url)s") % {"url": url}))
        out.write(_("演示账号(密码均为 %(pw)s):") % {"pw": DEMO_PASSWORD})
        head = (_("用户名"), _("角色"), _("所属党组织"), _("姓名"))
        rows = [(a.username, a.role_label, a.org_name, a.display_name) for a in accounts]
        widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
        for row in [head, *rows]:
            out.write("  " + "  ".join(_pad(str(cell), widths[i]) for i, cell in enumerate(row)))
        out.write("")
        if no_serve:
            return
        if not with_otp:
            # A demo visitor has no authenticator set up for these shared accounts; production
            # deployments require it for the roles in ZUGONG_OTP_ROLES (docs/accounts.md).
            settings.ZUGONG_OTP_ROLES = []
            settings.ZUGONG_OTP_SUPERUSERS = False
            out.write(
                _(
                    "演示模式未要求二次验证;正式部署时组织部管理员和党委组织员登录须输入手机验证码"
                    "(加 --with-otp 可体验)。"
                )
            )
        out.write(_("按 Ctrl+C 停止。"))
        call_command("runserver", addr, use_reloader=False)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
