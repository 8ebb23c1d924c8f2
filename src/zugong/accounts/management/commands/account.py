"""`zugong account create|token|list|revoke-tokens`: account work from the shell, done as the system.

The contract (scripts rely on it):
    zugong account create --username NAME --role ROLE --org CODE [--member ID_NUMBER] [--password PW]
    zugong account token NAME      prints one new API token, one line, nothing else on stdout
"""

from __future__ import annotations

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zugong.accounts import selectors, services
from zugong.accounts.models import User
from zugong.core import crypto, idnumber
from zugong.core.scope import ROLE_PERMS, Role, Scope
from zugong.members.models import Member
from zugong.orgs.models import Org

SYSTEM = None  # commands act as the system


def _errors(exc: ValidationError) -> str:
    if not hasattr(exc, "error_dict"):
        return ";".join(exc.messages)
    labels = {
        "username": _("用户名"),
        "role": _("角色"),
        "org": _("所属党组织"),
        "member": _("对应党员"),
        "password": _("密码"),
    }
    return ";".join(
        labels.get(field, field) + ":" + msg for field, msgs in exc.message_dict.items() for msg in msgs
    )


class Command(BaseCommand):
    help = "账号管理:创建账号、签发接口令牌、列出账号、吊销令牌"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{create,token,list,revoke-tokens,reset-otp}"
        )

        create = sub.add_parser("create", help="创建账号")
        create.add_argument("--username", required=True, help="用户名")
        create.add_argument("--role", required=True, choices=list(ROLE_PERMS), help="角色")
        create.add_argument("--org", required=True, help="所属党组织的组织代码")
        create.add_argument("--member", default=None, help="对应党员的公民身份号码(党员角色必填)")
        create.add_argument("--password", default=None, help="密码;不给出时在终端中输入")
        create.add_argument("--display-name", default="", help="姓名")

        token = sub.add_parser("token", help="为账号签发新的接口令牌,只输出令牌本身")
        token.add_argument("name", help="用户名")

        listing = sub.add_parser("list", help="列出账号")
        listing.add_argument("--org", default=None, help="只列出该党组织及其下级组织的账号")

        revoke = sub.add_parser("revoke-tokens", help="吊销账号的全部接口令牌")
        revoke.add_argument("name", help="用户名")

        reset_otp = sub.add_parser("reset-otp", help="重置账号的二次验证(手机丢失或更换),下次登录时重新设置")
        reset_otp.add_argument("name", help="用户名")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "create":
                self._create(options)
            elif action == "token":
                self._token(options)
            elif action == "list":
                self._list(options)
            elif action == "revoke-tokens":
                self._revoke(options)
            elif action == "reset-otp":
                n = services.account_otp_reset(actor=SYSTEM, account=self._account(options["name"]))
                self.stdout.write(_("已重置二次验证(删除%(n)d个验证设备)") % {"n": n})
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from exc

    # -- subcommands -------------------------------------------------------------------------------
    def _create(self, options) -> None:
        org = self._org(options["org"])
        member = self._member(options["member"]) if options["member"] else None
        password = options["password"]
        if password is None:
            password = self._prompt_password()
        account = services.account_create(
            actor=SYSTEM,
            username=options["username"],
            role=options["role"],
            org=org,
            member=member,
            password=password,
            display_name=options["display_name"],
        )
        self.stdout.write(
            _("已创建账号 %(u)s(%(r)s,%(o)s)")
            % {"u": account.username, "r": account.get_role_display(), "o": account.org.name}
        )

    def _token(self, options) -> None:
        key = services.token_issue(actor=SYSTEM, account=self._account(options["name"]))
        self.stdout.write(key)

    def _list(self, options) -> None:
        root = self._org(options["org"]).path if options["org"] else ""
        scope = Scope(role=Role.DEPT_ADMIN, root_path=root, perms=ROLE_PERMS[Role.DEPT_ADMIN])
        rows = selectors.accounts_in_scope(scope=scope)
        for account in rows:
            org = f"{account.org.code} {account.org.name}" if account.org_id else _("(不限)")
            state = _("有效") if account.is_active else _("已停用")
            role = account.get_role_display() or ("superuser" if account.is_superuser else "")
            line = "\t".join([account.username, account.display_name or "-", role, org, state])
            self.stdout.write(line)

    def _revoke(self, options) -> None:
        n = services.tokens_revoke_all(actor=SYSTEM, account=self._account(options["name"]))
        self.stdout.write(_("已吊销%(n)d个接口令牌") % {"n": n})

    # -- look-ups ----------------------------------------------------------------------------------
    def _org(self, code: str) -> Org:
        org = Org.objects.filter(code=code.strip()).first()
        if org is None:
            raise CommandError(_("没有组织代码为%(c)s的党组织") % {"c": code})
        return org

    def _member(self, id_number: str) -> Member:
        member = Member.objects.filter(
            id_number_hash=crypto.blind_index(idnumber.normalize(id_number))
        ).first()
        if member is None:
            raise CommandError(_("没有该公民身份号码的党员"))
        return member

    def _account(self, username: str) -> User:
        account = User.objects.filter(username=username).first()
        if account is None:
            raise CommandError(_("没有用户名为%(u)s的账号") % {"u": username})
        return account

    def _prompt_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(_("未给出密码,且没有可输入密码的终端:请用 --password 指定密码"))
        first = getpass.getpass(_("密码:"))
        second = getpass.getpass(_("再次输入密码:"))
        if first != second:
            raise CommandError(_("两次输入的密码不一致"))
        return first
