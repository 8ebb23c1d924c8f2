"""Writes to accounts and API tokens: scoped like everything else, audited, secrets never logged."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zugong.accounts.models import ApiToken, User
from zugong.core import audit
from zugong.core.exceptions import NotInScope
from zugong.core.scope import ASSIGNABLE_ROLES, ROLE_PERMS, Role, scope_for
from zugong.core.services import require
from zugong.members.models import Member
from zugong.orgs.models import Org

ACCOUNT_FIELDS = ["username", "role", "org", "member", "display_name", "is_active"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def assignable_roles(actor) -> list[str]:
    """Roles `actor` may hand out: never more than its own. The system and superusers may hand out all."""
    if actor is None or getattr(actor, "is_superuser", False):
        return list(ROLE_PERMS)
    return list(ASSIGNABLE_ROLES.get(scope_for(actor).role, []))


def _org_path(account: User) -> str:
    return account.org.path if account.org else ""


def _require_manage(actor, *paths: str) -> None:
    """`account.manage` on every path; accounts bound to no org are the system's alone."""
    if actor is None:
        return
    if any(not p for p in paths) and not scope_for(actor).root_path == "":
        raise NotInScope
    require(actor, "account.manage", *[p for p in paths if p])


def _check_role(actor, role: str) -> None:
    if role not in ROLE_PERMS:
        raise ValidationError({"role": _("未知的角色:%(r)s") % {"r": role}})
    if role not in assignable_roles(actor):
        raise ValidationError({"role": _("无权分配角色“%(r)s”") % {"r": User.RoleChoice(role).label}})


def _bind(role: str, org: Org | None, member: Member | None, account: User | None = None) -> Org | None:
    """Checks the org/member pair for a role; a self-service account takes its member's branch."""
    if org is None:
        raise ValidationError({"org": _("请选择账号所属党组织")})
    if member is not None:
        if not member.org_path.startswith(org.path):
            raise ValidationError({"member": _("党员“%(m)s”不在该党组织及其下级组织中") % {"m": member.name}})
        taken = User.objects.filter(member=member)
        if account is not None:
            taken = taken.exclude(pk=account.pk)
        if taken.exists():
            raise ValidationError({"member": _("党员“%(m)s”已有账号") % {"m": member.name}})
    if role == Role.MEMBER:
        if member is None:
            raise ValidationError({"member": _("党员角色的账号必须对应一名党员")})
        return member.org
    return org


def _password_message(error: ValidationError) -> str:
    """Django's validator messages, in Chinese whatever its own catalogue holds."""
    params = error.params or {}
    if error.code == "password_too_short":
        return _("密码太短,至少需要%(n)d个字符") % {"n": params.get("min_length", 0)}
    if error.code == "password_too_similar":
        return _("密码与%(f)s太相似") % {"f": params.get("verbose_name", _("账号信息"))}
    if error.code == "password_too_common":
        return _("密码太常见,容易被猜中")
    if error.code == "password_entirely_numeric":
        return _("密码不能全是数字")
    return error.messages[0]


def _check_password(password: str, user: User) -> None:
    if not password:
        raise ValidationError({"password": _("密码不能为空")})
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": [_password_message(e) for e in exc.error_list]}) from exc


@transaction.atomic
def account_create(
    *,
    actor,
    username: str,
    role: str,
    org: Org | None,
    member: Member | None = None,
    password: str,
    display_name: str = "",
) -> User:
    if org is not None:
        _require_manage(actor, org.path)
    if member is not None:
        _require_manage(actor, member.org_path)
    _check_role(actor, role)
    org = _bind(role, org, member)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("用户名不能为空")})
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise ValidationError({"username": _("用户名只能包含字母、数字和 @/./+/-/_ 字符")}) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名“%(u)s”已被使用") % {"u": username}})
    display_name = (display_name or (member.name if member else "")).strip()
    account = User(username=username, role=role, org=org, member=member, display_name=display_name)
    _check_password(password, account)
    account.set_password(password)
    account.save()
    audit.record(
        actor=actor,
        action="account.create",
        obj=account,
        org_path=_org_path(account),
        after=audit.snapshot(account, ACCOUNT_FIELDS),
    )
    return account


@transaction.atomic
def account_update(
    *,
    actor,
    account: User,
    role: str = UNSET,
    org: Org | None = UNSET,
    member: Member | None = UNSET,
    display_name: str = UNSET,
    is_active: bool = UNSET,
) -> User:
    account = User.objects.select_for_update(of=("self",)).select_related("org", "member").get(pk=account.pk)
    _require_manage(actor, _org_path(account))
    if account.role and account.role not in assignable_roles(actor):
        raise PermissionDenied  # nobody manages an account above its own rank
    is_self = actor is not None and actor.pk == account.pk
    if is_self and (
        (role is not UNSET and role != account.role)
        or (org is not UNSET and org != account.org)
        or is_active is False
    ):
        raise ValidationError(_("不能修改自己的角色、所属党组织,也不能停用自己的账号"))
    before = audit.snapshot(account, ACCOUNT_FIELDS)
    new_role = account.role if role is UNSET else role
    new_org = account.org if org is UNSET else org
    new_member = account.member if member is UNSET else member
    if new_role != Role.MEMBER and member is UNSET and role is not UNSET:
        new_member = None  # leaving the self-service role unbinds the member record
    if role is not UNSET:
        _check_role(actor, role)
    if new_org is not None:
        _require_manage(actor, new_org.path)
    if new_member is not None:
        _require_manage(actor, new_member.org_path)
    account.role = new_role
    account.org = _bind(new_role, new_org, new_member, account)
    account.member = new_member
    if display_name is not UNSET:
        account.display_name = (display_name or "").strip()
    if is_active is not UNSET:
        account.is_active = bool(is_active)
    account.save()
    b, a = audit.changes(before, audit.snapshot(account, ACCOUNT_FIELDS))
    if a:
        audit.record(
            actor=actor, action="account.update", obj=account, org_path=_org_path(account), before=b, after=a
        )
    return account


@transaction.atomic
def account_set_password(*, actor, account: User, password: str) -> User:
    """A new password for `account`; its holder may change its own, managers those in their scope."""
    account = User.objects.select_for_update(of=("self",)).select_related("org").get(pk=account.pk)
    if actor is None or actor.pk != account.pk:
        _require_manage(actor, _org_path(account))
    _check_password(password, account)
    account.set_password(password)
    account.save(update_fields=["password"])
    audit.record(actor=actor, action="account.set_password", obj=account, org_path=_org_path(account))
    return account


def _require_token_owner_or_manager(actor, account: User) -> None:
    if actor is not None and actor.pk == account.pk:
        return
    _require_manage(actor, _org_path(account))


@transaction.atomic
def token_issue(*, actor, account: User) -> str:
    """A new API token for `account`. The clear token is returned once; only its hash is kept."""
    account = User.objects.select_related("org").get(pk=account.pk)
    _require_token_owner_or_manager(actor, account)
    if not account.is_active:
        raise ValidationError(_("账号已停用,不能签发接口令牌"))
    key = ApiToken.generate()
    token = ApiToken.objects.create(user=account, key_hash=ApiToken.hash(key), prefix=key[:8])
    audit.record(
        actor=actor,
        action="account.token_issue",
        obj=account,
        org_path=_org_path(account),
        after={"token_id": token.pk, "prefix": token.prefix},
    )
    return key


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update(of=("self",)).select_related("user__org").get(pk=token.pk)
    _require_token_owner_or_manager(actor, token.user)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="account.token_revoke",
        obj=token.user,
        org_path=_org_path(token.user),
        after={"token_id": token.pk, "prefix": token.prefix},
    )
    return token


@transaction.atomic
def tokens_revoke_all(*, actor, account: User) -> int:
    """Revoke every live token of `account`; returns how many were revoked."""
    account = User.objects.select_related("org").get(pk=account.pk)
    _require_token_owner_or_manager(actor, account)
    live = list(ApiToken.objects.select_for_update().filter(user=account, revoked_at__isnull=True))
    if not live:
        return 0
    now = timezone.now()
    ApiToken.objects.filter(pk__in=[t.pk for t in live]).update(revoked_at=now)
    audit.record(
        actor=actor,
        action="account.token_revoke",
        obj=account,
        org_path=_org_path(account),
        after={"token_ids": [t.pk for t in live], "prefixes": [t.prefix for t in live]},
    )
    return len(live)


@transaction.atomic
def account_unlock(*, actor, account: User) -> int:
    """Clear the login failures that locked `account` (django-axes); returns how many were cleared."""
    from axes.utils import reset

    _require_manage(actor, _org_path(account))
    removed = reset(username=account.username)
    audit.record(
        actor=actor,
        action="account.unlock",
        obj=account,
        org_path=_org_path(account),
        after={"attempts_cleared": removed},
    )
    return removed


@transaction.atomic
def account_otp_reset(*, actor, account: User) -> int:
    """Clear an account's two-factor devices (a lost or replaced phone); it enrols again at its next
    sign-in. Audited; returns how many devices were removed."""
    from zugong.accounts import otp

    _require_manage(actor, _org_path(account))
    removed = otp.reset(actor=actor, account=account)
    audit.record(
        actor=actor,
        action="account.otp_reset",
        obj=account,
        org_path=_org_path(account),
        after={"devices": removed},
    )
    return removed
