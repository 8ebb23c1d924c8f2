"""Log in, open the tree, expand a node, open a member list, a member and the member form —
on a desktop and a phone width — and keep the screenshots."""

from __future__ import annotations

import pytest

from zugong.core.scope import Role

from ..factories import make_member, make_unit, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Zugong-browser-2026"


@pytest.fixture
def staff(tree):
    for i in range(12):
        make_member(tree.branch_a1, name=f"李{'明华建国秀英'[i % 6]}{i}")
    make_member(tree.branch_a2, name="王芳")
    make_unit(tree.town_a, kind="village", name="甲村村民委员会")
    return make_user(Role.DEPT_ADMIN, tree.county, username="browser_admin", password=PASSWORD)


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click(".zg-login-card button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(("device", "width"), [("desktop", 1366), ("phone", 390)])
def test_tree_members_and_form(live_server, browser, shot, staff, tree, device, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login(page, live_server.url, "browser_admin")
    assert "/orgs/" in page.url
    shot(page, f"tree-{device}")
    assert page.locator(".zg-tree").get_by_text("泽州县委", exact=True).first.is_visible()

    # Expand a township lazily and see its children arrive.
    page.locator(f"button.zg-tree-toggle[aria-controls='zg-kids-{tree.town_a.pk}']").click()
    page.get_by_text("甲村党支部").first.wait_for()
    shot(page, f"tree-expanded-{device}")

    page.goto(f"{live_server.url}/members/?org={tree.town_a.code}")
    assert page.locator("table tbody tr").count() == 13
    assert page.get_by_text("王芳").first.is_visible() or device == "phone"
    shot(page, f"members-{device}")

    page.get_by_text("王芳").first.click()
    page.wait_for_load_state("networkidle")
    assert "王芳" in page.content()
    shot(page, f"member-detail-{device}")

    page.goto(f"{live_server.url}/members/new/?org={tree.branch_a1.code}")
    assert page.locator("#id_name").is_visible()
    page.click("main button[type=submit]")  # empty form: the errors show, in Chinese
    page.wait_for_load_state("networkidle")
    assert "不能为空" in page.content() or "必填" in page.content() or "这个字段是必填项" in page.content()
    shot(page, f"member-form-{device}")
    assert not errors, errors
    context.close()
