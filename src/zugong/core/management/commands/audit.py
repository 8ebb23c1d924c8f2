from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zugong.core.audit import verify_chain


class Command(BaseCommand):
    help = "审计日志:verify 校验哈希链是否完整(发现被删改的记录)"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        checked, bad = verify_chain()
        if bad:
            raise CommandError(
                _("审计日志共%(n)d条,其中%(b)d条校验失败(编号:%(ids)s)")
                % {"n": checked, "b": len(bad), "ids": ", ".join(map(str, bad[:20]))}
            )
        self.stdout.write(_("审计日志共%(n)d条,哈希链完整") % {"n": checked})
