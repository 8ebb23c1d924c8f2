from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from hypothesis import settings as hypothesis_settings

from zugong.core.scope import Role
from zugong.orgs.models import Org, OrgKind

from .factories import make_member, make_org, make_unit, make_user

# Browser tests drive a live server from the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The machine is shared and small: judge properties, not wall-clock time per example.
hypothesis_settings.register_profile("zugong", deadline=None)
hypothesis_settings.load_profile("zugong")


class FastArgon2Hasher(Argon2PasswordHasher):
    """Still argon2 (the production algorithm), with the cheapest parameters: tests create many accounts."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["tests.conftest.FastArgon2Hasher"]
    # Two-factor sign-in is off unless a test asks for it (tests/accounts/test_otp.py): the other
    # tests sign in with force_login or a password only.
    settings.ZUGONG_OTP_ROLES = []
    settings.ZUGONG_OTP_SUPERUSERS = False


@pytest.fixture(autouse=True)
def _fresh_rules_cache():
    """The rules engine caches rules and calendar days per process; each test rolls its database
    back, so each test starts and ends with an empty cache."""
    from zugong.rules import engine

    engine.invalidate()
    yield
    engine.invalidate()


@dataclass
class Tree:
    """A small county: two townships, branches under each, and a general branch."""

    county: Org
    town_a: Org
    town_b: Org
    branch_a1: Org
    general_a: Org
    branch_a2: Org
    branch_b1: Org


@pytest.fixture
def tree(db) -> Tree:
    county = make_org(None, kind=OrgKind.COMMITTEE, code="C0", name="泽州县委")
    town_a = make_org(county, kind=OrgKind.COMMITTEE, code="C0A", name="甲镇党委")
    town_b = make_org(county, kind=OrgKind.COMMITTEE, code="C0B", name="乙镇党委")
    branch_a1 = make_org(town_a, code="C0A1", name="甲村党支部")
    general_a = make_org(town_a, kind=OrgKind.GENERAL_BRANCH, code="C0AG", name="甲镇中学党总支")
    branch_a2 = make_org(general_a, code="C0AG1", name="甲镇中学第一党支部")
    branch_b1 = make_org(town_b, code="C0B1", name="乙村党支部")
    return Tree(county, town_a, town_b, branch_a1, general_a, branch_a2, branch_b1)


@pytest.fixture
def accounts(tree):
    """One account per role, bound at a sensible depth, plus a member with a self-service account."""
    member = make_member(tree.branch_a1, name="张三")
    return {
        "superuser": make_user(Role.DEPT_ADMIN, None, username="root", superuser=True),
        "dept_admin": make_user(Role.DEPT_ADMIN, tree.county, username="admin"),
        "organizer_a": make_user(Role.COMMITTEE_ORGANIZER, tree.town_a, username="organizer_a"),
        "organizer_b": make_user(Role.COMMITTEE_ORGANIZER, tree.town_b, username="organizer_b"),
        "secretary_a1": make_user(Role.BRANCH_SECRETARY, tree.branch_a1, username="secretary_a1"),
        "leader_a": make_user(Role.LEADER, tree.town_a, username="leader_a"),
        "cadre_office": make_user(Role.CADRE_OFFICE, tree.county, username="cadre"),
        "talent_office": make_user(Role.TALENT_OFFICE, tree.county, username="talent"),
        "member": make_user(Role.MEMBER, tree.branch_a1, member=member, username="member_zs"),
        "member_record": member,
    }


def refreshed(org: Org) -> Org:
    return Org.objects.get(pk=org.pk)


__all__ = ["Tree", "make_member", "make_org", "make_unit", "make_user", "refreshed"]


def shared_seed(**kwargs):
    """A module-scoped fixture holding `zugong seed` data for the tests of one module: seeded once,
    committed outside the tests' transactions (each test still rolls back its own changes), and
    flushed when the module ends (post_migrate loads the code tables and rule packs again). For
    modules whose tests only read the seeded data or undo what they change; a module that needs an
    empty database for some tests keeps those in another module."""

    @pytest.fixture(scope="module")
    def fixture(django_db_setup, django_db_blocker):
        from django.core.management import call_command

        from zugong.demo import seed as seeding

        with django_db_blocker.unblock():
            summary = seeding.seed(**kwargs)
        try:
            yield summary
        finally:
            with django_db_blocker.unblock():
                call_command("flush", interactive=False, verbosity=0)

    return fixture
