"""Every page has a permission-matrix row: the matrices of each namespace list what they cover,
and this test fails when a URL pattern exists that no matrix names."""

from __future__ import annotations

import importlib

from django.urls import URLPattern, URLResolver, get_resolver

MATRICES = [
    "tests.orgs.test_matrix",
    "tests.members.test_matrix",
    "tests.members.test_mobility_matrix",
    "tests.members.test_transfers_matrix",
    "tests.orglife.test_matrix",
    "tests.recruitment.test_matrix",
    "tests.accounts.test_matrix",
    "tests.accounts.test_otp",
    "tests.core.test_audit_views",
    "tests.core.test_import_views",
    "tests.core.test_export_views",
    "tests.rules.test_matrix",
    "tests.dues.test_matrix",
    "tests.members.test_community_matrix",
]
# Pages every visitor may reach, tested in tests/test_login.py and tests/core/test_home.py.
PUBLIC = {"login", "logout", "home", "no_access"}


def named_urls() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "api":
                    continue  # the API matrix checks its routes against ninja's registry
                ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_named_url_is_in_a_permission_matrix():
    covered: set[str] = set(PUBLIC)
    for module in MATRICES:
        covered |= set(importlib.import_module(module).COVERED_URL_NAMES)
    missing = named_urls() - covered
    assert not missing, f"URL patterns without a permission-matrix row: {sorted(missing)}"
