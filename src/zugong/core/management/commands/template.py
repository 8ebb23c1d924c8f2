from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zugong.core.importing import registry
from zugong.core.importing.templates import build_template


class Command(BaseCommand):
    help = "导入模板:zugong template orgs|members -o 模板.xlsx(表头、填写说明、代码下拉列表)"

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(registry.IMPORTERS))
        parser.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")

    def handle(self, *args, name, output, **options):
        if not output.lower().endswith(".xlsx"):
            raise CommandError(_("模板文件应以 .xlsx 结尾"))
        importer_cls = registry.get(name)
        build_template(importer_cls, output)
        self.stdout.write(_("已生成%(t)s导入模板:%(p)s") % {"t": importer_cls.title, "p": output})
