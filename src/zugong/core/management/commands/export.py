"""`zugong export NAME -o OUT.xlsx`: the same exports the list pages offer, from the shell.

    zugong export members [--org CODE] [--as USERNAME] [--layout roster|list] [filters] [--full] -o OUT.xlsx
    zugong export orgs [--org CODE] [--as USERNAME] [--q TEXT] [--dissolved] -o OUT.xlsx
    zugong export units|accounts|audit [--as USERNAME] -o OUT.xlsx
    zugong export NAME [--org CODE] [--as USERNAME] [--param KEY=VALUE ...] [--full] -o OUT.xlsx
        any other export of a list page (meetings, dues_ledger, dues_rollup, dues_arrears, applicants…):
        --param takes the list page's own query parameters, e.g. --param month=2026-06

Without --as the command acts as the system (the whole tree); with it, exactly as that account
sees in the pages. Every export is audited. The last line is a one-line summary in Chinese;
exit status 0 when the file was written, 1 otherwise.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from zugong.core import codes, exporting
from zugong.members.models import Member
from zugong.members.selectors import AGE_BANDS, EDUCATION_LEVELS

# Every export a list page offers; "roster" is `members --layout roster`.
NAMES = [n for n in exporting.EXPORTS if n != "roster"]


def _choice(value: str, options: list[tuple[str, str]], what: str) -> str:
    """A value given as its key or its Chinese label."""
    for key, label in options:
        if value in (key, str(label)):
            return key
    keys = "、".join(f"{k}({label})" for k, label in options)
    raise CommandError(_("无法识别的%(w)s“%(v)s”,可选:%(k)s") % {"w": what, "v": value, "k": keys})


def _code(table: str, value: str, what: str) -> str:
    code = codes.resolve(table, value)
    if code is None:
        raise CommandError(_("无法识别的%(w)s“%(v)s”") % {"w": what, "v": value})
    return code


class Command(BaseCommand):
    help = "导出Excel:党员(采集表格式或列表格式)、党组织、单位、账号、审计日志,以及各列表页的导出"

    def add_arguments(self, parser):
        parser.add_argument("name", choices=NAMES, help="导出什么")
        parser.add_argument("-o", "--output", required=True, help="输出文件(.xlsx)")
        parser.add_argument("--org", default="", help="只导出该组织及其下级(组织代码)")
        parser.add_argument("--as", dest="as_user", default="", help="以该账号的身份和范围导出(用户名)")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="列表页的筛选参数(与页面网址中的参数相同),可重复,如 --param month=2026-06",
        )
        members = parser.add_argument_group("党员筛选条件(members)")
        members.add_argument(
            "--layout",
            choices=["roster", "list"],
            default="roster",
            help="roster:党员基本信息采集表(默认);list:列表各列",
        )
        members.add_argument("--name-contains", dest="member_name", default="", help="姓名包含")
        members.add_argument("--sex", default="", help="性别:男/女 或代码")
        members.add_argument("--ethnicity", default="", help="民族:名称或代码")
        members.add_argument("--age-band", default="", help="年龄段:" + "、".join(k for k, *_r in AGE_BANDS))
        members.add_argument("--education", default="", help="学历层次:研究生、大学本科……或代码首位")
        members.add_argument("--category", default="", help="人员类别:名称或代码")
        members.add_argument("--status", default="", help="党员类型:正式党员/预备党员(formal/probationary)")
        members.add_argument("--join-year", type=int, default=None, help="入党年份")
        mobile = members.add_mutually_exclusive_group()
        mobile.add_argument(
            "--mobile", dest="is_mobile", action="store_const", const="1", help="只导出流动党员"
        )
        mobile.add_argument(
            "--not-mobile", dest="is_mobile", action="store_const", const="0", help="不含流动党员"
        )
        members.add_argument(
            "--standing", default="", help="党籍状态:正常(默认)、停止党籍、已出党、已去世、all(全部)"
        )
        members.add_argument("--full", action="store_true", help="导出明文的公民身份号码和手机(记入审计日志)")
        orgs = parser.add_argument_group("党组织筛选条件(orgs)")
        orgs.add_argument("--q", default="", help="名称或代码包含")
        orgs.add_argument("--dissolved", action="store_true", help="包含已撤销的组织")

    def handle(self, *args, **options):
        name = options["name"]
        actor = self._actor(options["as_user"])
        params = self._params(name, options)
        export_name = (
            ("roster" if options["layout"] == "roster" else "members") if name == "members" else name
        )
        cls = exporting.get(export_name)
        if options["full"] and cls.may_export_full is exporting.Export.may_export_full:
            raise CommandError(_("--full 只适用于含公民身份号码的导出(members、applicants)"))
        params.update(self._extra(cls, options["param"]))
        export = cls(actor=actor, params=params, full=options["full"])
        try:
            export.check()
        except PermissionDenied as exc:
            raise CommandError(_("账号“%(u)s”无权进行此导出") % {"u": options["as_user"]}) from exc
        except Http404 as exc:
            raise CommandError(
                _("找不到组织代码为“%(c)s”的党组织,或不在该账号的范围内") % {"c": options["org"]}
            ) from exc
        out = Path(options["output"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("输出文件须以 .xlsx 结尾"))
        if not out.parent.exists():
            raise CommandError(_("目录不存在:%(d)s") % {"d": out.parent})
        fd, tmp = tempfile.mkstemp(prefix=".zugong-export-", suffix=".xlsx", dir=out.parent)
        os.close(fd)
        try:
            rows = exporting.export_to(export, tmp)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        masked = (
            _("含明文身份证号和手机")
            if export.full
            else (_("身份证号和手机已脱敏") if name in ("members", "applicants") else "")
        )
        summary = _("已导出%(t)s%(n)d行到 %(f)s") % {"t": export.title, "n": rows, "f": out}
        self.stdout.write(summary + (f"({masked})" if masked else ""))

    def _actor(self, username: str):
        if not username:
            return None
        from zugong.accounts.models import User

        user = User.objects.select_related("org").filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(_("找不到有效账号“%(u)s”") % {"u": username})
        return user

    def _extra(self, cls, pairs: list[str]) -> dict[str, str]:
        """--param KEY=VALUE for the export's own query parameters; unknown keys are refused."""
        out: dict[str, str] = {}
        allowed = [k for k in cls.param_names if k != "org"]
        for pair in pairs:
            key, sep, value = pair.partition("=")
            key = key.strip()
            if not sep or key not in allowed:
                raise CommandError(
                    _("“%(p)s”不是%(n)s导出的筛选参数,可用:%(k)s")
                    % {"p": pair, "n": cls.name, "k": "、".join(allowed) or _("无")}
                )
            out[key] = value.strip()
        return out

    def _params(self, name: str, o) -> dict[str, str]:
        params: dict[str, str] = {}
        if o["org"]:
            params["org"] = o["org"]
        if name == "orgs":
            if o["q"]:
                params["q"] = o["q"]
            if o["dissolved"]:
                params["dissolved"] = "on"
        if name != "members":
            return params
        if o["member_name"]:
            params["name"] = o["member_name"]
        if o["sex"]:
            params["sex"] = _code("sex", o["sex"], _("性别"))
        if o["ethnicity"]:
            params["ethnicity"] = _code("ethnicity", o["ethnicity"], _("民族"))
        if o["age_band"]:
            params["age_band"] = _choice(
                o["age_band"], [(k, str(label)) for k, label, *_r in AGE_BANDS], _("年龄段")
            )
        if o["education"]:
            params["education"] = _choice(
                o["education"], [(k, str(v)) for k, v in EDUCATION_LEVELS], _("学历")
            )
        if o["category"]:
            params["category"] = _code("occupation", o["category"], _("人员类别"))
        if o["status"]:
            params["status"] = _choice(
                o["status"], [(k, str(v)) for k, v in Member.Status.choices], _("党员类型")
            )
        if o["join_year"]:
            params["join_year"] = str(o["join_year"])
        if o["is_mobile"] is not None:
            params["is_mobile"] = o["is_mobile"]
        if o["standing"]:
            standings = [(k, str(v)) for k, v in Member.Standing.choices] + [("all", _("全部"))]
            params["standing"] = _choice(o["standing"], standings, _("党籍状态"))
        return params
