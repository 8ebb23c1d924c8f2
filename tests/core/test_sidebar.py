"""The menu (base.html's zg_sidebar tag): rendered once per process for each combination of language,
permissions, page and count, so it must never show one account's menu to another."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from zugong.core.templatetags import zugong as tags

pytestmark = pytest.mark.django_db


def _menu(html: str) -> str:
    start = html.index('<nav class="zg-sidebar')
    return html[start : html.index("</nav>", start)]


def _active(menu: str) -> list[str]:
    return re.findall(r'class="nav-link active" href="([^"]+)"', menu)


@pytest.mark.parametrize("debug", [False, True])
def test_each_account_sees_its_own_menu_with_the_page_marked(client, tree, accounts, debug):
    tags._cached_sidebar.cache_clear()
    with override_settings(DEBUG=debug):
        client.force_login(accounts["dept_admin"])
        admin_list = _menu(client.get(reverse("members:list")).content.decode())
        admin_tree = _menu(client.get(reverse("orgs:tree")).content.decode())
        client.force_login(accounts["member"])
        own = _menu(client.get(reverse("members:me")).content.decode())
    assert _active(admin_list) == [reverse("members:list")]
    assert _active(admin_tree) == [reverse("orgs:tree")]
    assert reverse("accounts:list") in admin_list and reverse("audit:list") in admin_list
    assert reverse("members:me") not in admin_list
    assert _active(own) == [reverse("members:me")]
    assert reverse("orgs:tree") not in own and reverse("accounts:list") not in own
    assert reverse("dues:me") in own


def test_the_menu_of_a_page_is_rendered_once_per_combination(client, tree, accounts):
    tags._cached_sidebar.cache_clear()
    client.force_login(accounts["dept_admin"])
    for _ in range(3):
        client.get(reverse("members:list"))
    client.get(reverse("orgs:tree"))
    info = tags._cached_sidebar.cache_info()
    assert (info.misses, info.hits) == (2, 2)


def test_no_menu_without_an_account(client):
    assert tags.zg_sidebar({"user": None}) == ""
