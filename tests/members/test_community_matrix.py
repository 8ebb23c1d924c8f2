"""Permission matrix of every 双报到 and 志愿服务 page (members:community_*).

Both sides of a report: the community (幸福社区, C0AS under town A; its secretary `com_secretary`) and
the member's own branch (甲村, C0A1; `secretary_a1`). The branch secretary of 甲村 cannot open the
community's pages (404), the community's secretary cannot open 甲村's page (404); both may end the
report. A third party (organizer_b of town B, talent_office without community.view) gets 404;
leader_a reads (403 on writes); organizer_a edits; the member role gets 403 (its own page: 200).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from zugong.core.scope import Role
from zugong.members.models import CommunityEvaluation, CommunityReport, VolunteerActivity, VolunteerRecord

from ..factories import make_member, make_user
from .community_helpers import D, activity, hours, make_community, report

COVERED_URL_NAMES = {
    "members:community_index",
    "members:community_me",
    "members:community_org",
    "members:community_report_new",
    "members:community_activity_new",
    "members:community_employer",
    "members:community_report_end",
    "members:community_evaluate",
    "members:community_activity",
    "members:community_activity_edit",
    "members:community_hours",
    "members:community_confirm",
    "members:community_record_remove",
}
LOGIN = "/login/"

# community-side pages: the community's secretary and town A's editors; 甲村's secretary is a third party
COMMUNITY_READ = (
    ("organizer_b", 404),
    ("talent_office", 404),
    ("secretary_a1", 404),
    ("leader_a", 200),
    ("organizer_a", 200),
    ("com_secretary", 200),
    ("member", 403),
)
COMMUNITY_WRITE = (
    ("organizer_b", 404),
    ("talent_office", 404),
    ("secretary_a1", 404),
    ("leader_a", 403),
    ("organizer_a", "ok"),
    ("com_secretary", "ok"),
    ("member", 403),
)
COMMUNITY_FORM = tuple((who, 200 if s == "ok" else s) for who, s in COMMUNITY_WRITE)

ROWS: list[tuple] = [
    ("community_index", "get", None, "login"),
    ("community_index", "get", "member", "redirect:/members/community/me/"),
    ("community_index", "get", "secretary_a1", "redirect:/members/community/o/C0A1/"),
    ("community_index", "get", "com_secretary", "redirect:/members/community/c/C0AS/"),
    ("community_index", "get", "talent_office", 404),
    ("community_me", "get", None, "login"),
    ("community_me", "get", "member", 200),
    ("community_me", "get", "organizer_a", "redirect:/members/community/"),
    ("community_employer", "get", None, "login"),
    ("community_employer", "get", "organizer_b", 404),
    ("community_employer", "get", "talent_office", 404),
    ("community_employer", "get", "com_secretary", 404),
    ("community_employer", "get", "leader_a", 200),
    ("community_employer", "get", "organizer_a", 200),
    ("community_employer", "get", "secretary_a1", 200),
    ("community_employer", "get", "member", 403),
    # the report: both sides may end it, nobody else
    ("community_report_end", "get", None, "login"),
    ("community_report_end", "post", None, "login"),
    *[
        ("community_report_end", m, who, s if m == "post" or s != "ok" else 200)
        for m in ("get", "post")
        for who, s in (*COMMUNITY_WRITE[:2], *COMMUNITY_WRITE[3:], ("secretary_a1", "ok"))
    ],
]
for _name in ("community_org", "community_activity"):
    ROWS += [(_name, "get", None, "login"), *[(_name, "get", w, s) for w, s in COMMUNITY_READ]]
for _name in (
    "community_report_new",
    "community_activity_new",
    "community_evaluate",
    "community_activity_edit",
    "community_hours",
):
    ROWS += [
        (_name, "get", None, "login"),
        *[(_name, "get", w, s) for w, s in COMMUNITY_FORM],
        (_name, "post", None, "login"),
        *[(_name, "post", w, s) for w, s in COMMUNITY_WRITE],
    ]
for _name in ("community_confirm", "community_record_remove"):
    ROWS += [
        (_name, "get", "organizer_a", 405),
        (_name, "post", None, "login"),
        *[(_name, "post", w, s) for w, s in COMMUNITY_WRITE],
    ]


def test_every_url_is_covered():
    from .test_matrix import namespace_url_names

    mine = {n for n in namespace_url_names("members") if n.startswith("members:community_")}
    assert mine == COVERED_URL_NAMES
    assert {f"members:{row[0]}" for row in ROWS} == COVERED_URL_NAMES


class World:
    pass


@pytest.fixture
def world(tree, accounts):
    w = World()
    w.com = make_community(tree.town_a, code="C0AS", name="幸福社区党支部")
    accounts["com_secretary"] = make_user(Role.BRANCH_SECRETARY, w.com, username="com_secretary")
    w.worker = make_member(tree.branch_a1, name="王工", category="50")
    w.newcomer = make_member(tree.branch_a1, name="新来", category="41")
    w.report = report(w.worker, w.com)
    w.activity = activity(w.com)
    w.record = hours(w.activity, (w.worker, 2), confirm=False)[0]
    w.tree = tree
    return w


def _request(name: str, w: World) -> tuple[str, dict]:
    today = D.today().isoformat()
    if name in ("community_index", "community_me"):
        return reverse(f"members:{name}"), {}
    if name == "community_org":
        return reverse("members:community_org", args=["C0AS"]), {}
    if name == "community_employer":
        return reverse("members:community_employer", args=["C0A1"]), {}
    if name == "community_report_new":
        from zugong.core import crypto

        return reverse("members:community_report_new", args=["C0AS"]), {
            "name": "新来",
            "id_number": crypto.decrypt(w.newcomer.id_number_enc),
            "reported_on": today,
            "residence": "幸福小区5号楼",
        }
    if name == "community_activity_new":
        return reverse("members:community_activity_new", args=["C0AS"]), {
            "title": "助老送餐",
            "kind": "care",
            "started_on": today,
        }
    if name == "community_report_end":
        return reverse("members:community_report_end", args=[w.report.pk]), {
            "ended_on": today,
            "end_reason": "迁居",
        }
    if name == "community_evaluate":
        return reverse("members:community_evaluate", args=[w.report.pk]), {
            "grade": "qualified",
            "evaluated_on": today,
        }
    if name == "community_activity":
        return reverse("members:community_activity", args=[w.activity.pk]), {}
    if name == "community_activity_edit":
        return reverse("members:community_activity_edit", args=[w.activity.pk]), {
            "title": "清理楼道杂物(改)",
            "kind": "environment",
            "started_on": "2026-03-05",
        }
    if name == "community_hours":
        return reverse("members:community_hours", args=[w.activity.pk]), {
            f"h_{w.newcomer.pk}": "1.5",
            "served_on": "2026-03-05",
            "confirm": "1",
        }
    if name == "community_confirm":
        return reverse("members:community_confirm", args=[w.activity.pk]), {}
    if name == "community_record_remove":
        return reverse("members:community_record_remove", args=[w.record.pk]), {"reason": "录错"}
    raise AssertionError(name)


def _done(name: str, w: World) -> bool:
    if name == "community_report_new":
        return CommunityReport.objects.filter(member=w.newcomer).exists()
    if name == "community_activity_new":
        return VolunteerActivity.objects.filter(title="助老送餐").exists()
    if name == "community_report_end":
        return CommunityReport.objects.filter(pk=w.report.pk, status="ended").exists()
    if name == "community_evaluate":
        return CommunityEvaluation.objects.filter(report=w.report).exists()
    if name == "community_activity_edit":
        return VolunteerActivity.objects.filter(title="清理楼道杂物(改)").exists()
    if name == "community_hours":
        return VolunteerRecord.objects.filter(member=w.newcomer).exists()
    if name == "community_confirm":
        return VolunteerRecord.objects.filter(pk=w.record.pk, confirmed_on__isnull=False).exists()
    if name == "community_record_remove":
        return not VolunteerRecord.objects.filter(pk=w.record.pk).exists()
    raise AssertionError(name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor", "expected"), ROWS)
def test_matrix(client, world, accounts, name, method, actor, expected):
    if name == "community_hours":
        report(world.newcomer, world.com, on=D(2026, 3, 1))
    if actor is not None:
        client.force_login(accounts[actor])
    url, data = _request(name, world)
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    elif isinstance(expected, str) and expected.startswith("redirect:"):
        assert response.status_code == 302 and response["Location"] == expected.split(":", 1)[1]
    elif expected == "ok":
        assert response.status_code == 302, response.content.decode()[:3000]
        assert _done(name, world)
    else:
        assert response.status_code == expected, response.content.decode()[:2000]
        if method == "post":
            assert not _done(name, world)
