"""Every table that copies an organization's path follows a subtree move: registered once in its
app (core.paths), so a new app cannot forget."""

from __future__ import annotations

from django.apps import apps

from zugong.core import paths

# Columns named *_path that are not copies of an org's tree path.
NOT_ORG_PATHS = {("core.Job", "upload_path"), ("core.Job", "result_path")}
# Followed by a registered function rather than a plain prefix swap.
BY_FUNCTION = {
    ("members.Member", "org_path"),
    ("members.Member", "county_path"),
    ("rules.RulePack", "org_path"),
}


def test_every_path_copy_follows_moves():
    copies = {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if model.__module__.startswith("zugong.")
        and field.name.endswith("_path")
        and model._meta.label != "orgs.Org"
    }
    copies -= NOT_ORG_PATHS
    unregistered = copies - paths.followed() - BY_FUNCTION
    assert not unregistered, (
        f"register these in the app's AppConfig.ready (core.paths.follow_moves): {unregistered}"
    )


def test_repath_swaps_only_the_prefix(tree):
    from zugong.core.models import AuditEntry

    AuditEntry.objects.all().delete()
    a = AuditEntry.objects.create(action="t", org_path=tree.branch_a1.path, hash="x", prev_hash="")
    b = AuditEntry.objects.create(action="t", org_path=tree.town_b.path, hash="y", prev_hash="")
    n = paths.repath(AuditEntry, tree.town_a.path, "ZZZZ")
    a.refresh_from_db()
    b.refresh_from_db()
    assert n == 1
    assert a.org_path == "ZZZZ" + tree.branch_a1.path[len(tree.town_a.path) :]
    assert b.org_path == tree.town_b.path
