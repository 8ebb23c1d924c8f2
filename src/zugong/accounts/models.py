from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from zugong.core.scope import Role


class User(AbstractUser):
    """An account: bound to one org (its scope is that org's subtree) with one role."""

    class RoleChoice(models.TextChoices):
        DEPT_ADMIN = Role.DEPT_ADMIN, _("组织部管理员")
        COMMITTEE_ORGANIZER = Role.COMMITTEE_ORGANIZER, _("党委组织员")
        BRANCH_SECRETARY = Role.BRANCH_SECRETARY, _("支部书记")
        CADRE_OFFICE = Role.CADRE_OFFICE, _("干部科")
        TALENT_OFFICE = Role.TALENT_OFFICE, _("人才办")
        LEADER = Role.LEADER, _("领导(只读)")
        MEMBER = Role.MEMBER, _("党员")

    role = models.CharField(_("角色"), max_length=32, choices=RoleChoice.choices, blank=True)
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所属党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    member = models.OneToOneField(
        "members.Member",
        verbose_name=_("对应党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.MEMBER) | models.Q(member__isnull=False),
                name="user_member_role_has_member",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for /api/. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "zg_" + secrets.token_urlsafe(32)
