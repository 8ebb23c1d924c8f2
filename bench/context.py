"""What every scenario needs: the connection, a logged-in account, and the orgs to look at."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import import_module
from urllib.parse import unquote

from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client

from bench.core import Settings
from bench.raw import Raw
from zugong.accounts.models import User
from zugong.core.scope import Role, scope_for
from zugong.orgs.models import BRANCH_KINDS, Org, OrgKind

BENCH_USERNAME = "zugong-bench"
COMMITTEES = (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE)
# Depth of the county committees in each scale's tree (the root is 1).
COUNTY_DEPTH = {"tiny": 1, "county": 1, "city": 2, "province": 3}
SAMPLES_PER_LEVEL = 5


@dataclass
class Options:
    scale: str
    timing: Settings = field(default_factory=Settings)
    load_seconds: float = 20.0
    load_connections: int = 10
    server_url: str | None = None  # an already running server (tests: live_server); else gunicorn
    db_url: str | None = None  # for the gunicorn processes
    data_dir: str | None = None
    settings_check: bool = False  # PostgreSQL: measure the production settings against stock ones
    list_page: int = 200
    list_filter: tuple[str, str] = ("sex", "1")
    move_repeat: int = 3
    import_rows: int | None = None  # rows of the generated roster (default by scale)


@dataclass
class Bench:
    options: Options
    connection: object
    raw: Raw
    user: User
    root: Org
    sessions: list[str] = field(default_factory=list)
    client: Client | None = None

    @property
    def scale(self) -> str:
        return self.options.scale

    @property
    def vendor(self) -> str:
        return self.raw.vendor

    @property
    def scope(self):
        return scope_for(self.user)

    # -- accounts and sessions -------------------------------------------------------------------
    def new_session(self) -> str:
        """A logged-in session of the bench account, made without the login signals (which would
        write access logs and last_login)."""
        engine = import_module(django_settings.SESSION_ENGINE)
        store = engine.SessionStore()
        store[SESSION_KEY] = str(self.user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = self.user.get_session_auth_hash()
        store.save()
        self.sessions.append(store.session_key)
        return store.session_key

    def cookie(self, session_key: str) -> str:
        return f"{django_settings.SESSION_COOKIE_NAME}={session_key}"

    def http_client(self) -> Client:
        if self.client is None:
            self.client = Client(raise_request_exception=True)
            self.client.cookies[django_settings.SESSION_COOKIE_NAME] = self.new_session()
        return self.client

    # -- orgs --------------------------------------------------------------------------------------
    def county_depth(self) -> int:
        return COUNTY_DEPTH.get(self.scale, 1)

    def levels(self) -> list[tuple[str, list[Org]]]:
        """The orgs each dashboard/tree level is measured on: the largest of the level and a few
        others spread over its size ranking (deterministic)."""
        county = self.county_depth()
        depths = {"root": 1}
        if county >= 3:
            depths["city"] = 2
        if county >= 2:
            depths["county"] = county
        depths["township"] = county + 1
        out = []
        for level, depth in depths.items():
            qs = Org.objects.filter(depth=depth, is_active=True)
            if level != "root":
                qs = qs.filter(kind__in=COMMITTEES)
            out.append((level, spread(list(qs.order_by("-member_total", "path")))))
        branches = Org.objects.filter(kind__in=BRANCH_KINDS, is_active=True).order_by("-member_total", "path")
        out.append(("branch", spread(list(branches[:2000]))))
        return [(level, orgs) for level, orgs in out if orgs]

    def list_county(self) -> Org:
        """The county whose member list is paged: the one nearest 50,000 members (the issue's
        county), or the largest there is."""
        counties = list(
            Org.objects.filter(depth=self.county_depth(), kind__in=COMMITTEES, is_active=True).order_by(
                "path"
            )
        )
        return min(counties, key=lambda o: (abs(o.member_total - 50_000), o.path))


def spread(ranked: list[Org], n: int = SAMPLES_PER_LEVEL) -> list[Org]:
    if len(ranked) <= n:
        return ranked
    step = (len(ranked) - 1) / (n - 1)
    return [ranked[round(i * step)] for i in range(n)]


def ensure_user(root: Org) -> User:
    """The bench account: 组织部管理员 of the whole tree, without a usable password. Removed again by
    `remove_user` at the end of a run."""
    user = User.objects.filter(username=BENCH_USERNAME).first()
    if user is None:
        user = User(username=BENCH_USERNAME, display_name="基准测试", is_active=True)
        user.set_unusable_password()
    user.role, user.org, user.member = Role.DEPT_ADMIN, root, None
    user.save()
    return user


def remove_user(bench: Bench) -> None:
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key__in=bench.sessions).delete()
    User.objects.filter(username=BENCH_USERNAME).delete()


# -- reading zugong's pages ------------------------------------------------------------------------
_TREE_ITEM = re.compile(
    r'<a class="zg-tree-name" href="/orgs/(?P<code>[^/"]+)/".*?'
    r'bi-person"></i> (?P<members>[\d,]+).*?bi-diagram-3"></i> (?P<orgs>[\d,]+)',
    re.S,
)
_MEMBER_LINK = re.compile(r'<td class="text-nowrap zg-c-name"><a href="/members/(\d+)/">')
_TOTAL = re.compile(r'zg-total">共 ([\d,]+) 人')


def tree_rows(html: str) -> list[tuple[str, int, int]]:
    return [
        (unquote(m["code"]), int(m["members"].replace(",", "")), int(m["orgs"].replace(",", "")))
        for m in _TREE_ITEM.finditer(html)
    ]


def member_page(html: str) -> tuple[list[int], int | None]:
    total = _TOTAL.search(html)
    return [int(x) for x in _MEMBER_LINK.findall(html)], int(total[1].replace(",", "")) if total else None
