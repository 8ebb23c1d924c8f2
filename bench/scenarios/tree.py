"""Expanding a node of the org tree: GET orgs:children through the test Client, logged in (the
whole request: middleware, session, scope, selector, template).

raw: the children with their stored totals by one SELECT on the path range.
"""

from __future__ import annotations

from django.urls import reverse

from bench.context import Bench, tree_rows
from bench.core import Probe, Result, diff, measure

TARGET_MS = 50.0


def _probe(bench: Bench, level: str, org) -> Probe:
    client = bench.http_client()
    url = reverse("orgs:children", args=[org.code])
    path, depth = org.path, org.depth

    def ours():
        response = client.get(url)
        if response.status_code != 200:
            return ("status", response.status_code)
        return tree_rows(response.content.decode())

    def raw():
        return [
            tuple(row)
            for row in bench.raw.all(
                "SELECT code, member_total, org_total FROM orgs_org "
                "WHERE path > %s AND path < %s AND depth = %s AND is_active = %s ORDER BY path",
                (path, path + "~", depth + 1, True),
            )
        ]

    return Probe(f"{level} {org.code}", ours, raw, lambda a, b: diff("children", a, b))


def run(bench: Bench) -> list[Result]:
    results = []
    for level, orgs in bench.levels():
        orgs = [o for o in orgs if o.numchild] or orgs[:1]
        if level == "branch":
            continue  # a branch has no children to expand
        kids = [o.numchild for o in orgs]
        result = Result(
            "tree",
            f"tree: expand {level}",
            target=f"p95 ≤ {TARGET_MS:.0f} ms",
            limit=TARGET_MS,
            notes=[f"nodes: {len(orgs)}, {min(kids)}–{max(kids)} children"],
            extra={"orgs": [o.code for o in orgs], "children": kids},
        )
        results.append(measure(result, [_probe(bench, level, o) for o in orgs], bench.options.timing))
    return results
