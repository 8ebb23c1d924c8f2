"""A branch secretary records the month's 主题党日 with attendance (one member on leave with a reason,
a photo of the sign-in sheet) and sees the branch turn green for the month and the inbox item go —
on a desktop and a phone width."""

from __future__ import annotations

import datetime as dt

import pytest

from zugong.core.scope import Role
from zugong.orglife.models import Meeting

from ..factories import make_member, make_org, make_user
from ..orglife.conftest import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Zugong-browser-2026"


@pytest.fixture
def secretary(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The whole month counts as "due soon", so the branch is amber until the theme day is held,
    # whatever the day of the month the test runs on.
    settings.ZUGONG_ORGLIFE_LEAD_DAYS = {"month": 31, "quarter": 15, "year": 61}
    first = dt.date.today().replace(day=1)
    # A branch founded this month owes this month's theme day (and nothing of earlier periods).
    branch = make_org(tree.town_a, code="C0A9", name="新村党支部", established_on=first)
    for name in ("刘一", "陈二", "张三丰"):
        make_member(branch, name=name)
    return make_user(Role.BRANCH_SECRETARY, branch, username="browser_secretary", password=PASSWORD)


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click(".zg-login-card button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(("device", "width"), [("desktop", 1366), ("phone", 390)])
def test_secretary_records_the_theme_day_and_the_branch_turns_green(
    live_server, browser, shot, secretary, tmp_path, device, width
):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login(page, live_server.url, "browser_secretary")
    today = dt.date.today()
    month_end = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    item = f"li[data-kind='theme_day'][data-deadline='{month_end.isoformat()}']"

    page.goto(f"{live_server.url}/orglife/")
    assert page.get_by_text("黄:即将到期").first.is_visible()
    assert page.locator("td.zg-cell-due").count() == 1
    shot(page, f"orglife-before-{device}")

    page.goto(f"{live_server.url}/orglife/inbox/")
    assert page.locator(item).count() == 1
    if device == "phone":
        assert page.locator(".zg-menu-dot").is_visible()  # the menu button says there is something due
        page.locator("button[aria-controls='zg-nav']").click()
        page.locator("#zg-nav .zg-nav-badge").first.wait_for()
        page.reload()
    shot(page, f"orglife-inbox-{device}")
    page.locator(item).get_by_role("link", name="登记").click()
    page.wait_for_load_state("networkidle")

    # The form arrives with the kind and the date; everybody is present by default.
    assert page.locator("input[name=kinds][value=theme_day]").is_checked()
    assert page.locator("#id_held_on").input_value() == today.isoformat()
    page.fill("#id_topic", "学习党章,重温入党誓词")
    page.fill("#id_place", "村党群服务中心")
    roster = page.locator(".zg-roster > li")
    assert roster.count() == 3
    chen = roster.filter(has_text="陈二")
    chen.locator("label.zg-s-absent").click()
    page.get_by_role("button", name="全部出席").click()
    assert page.locator(".zg-roster input[value=present]:checked").count() == 3
    chen.locator("label.zg-s-leave").click()
    assert "请假 1" in page.locator("[data-roster-sum]").inner_text()
    chen.locator(".zg-reason input").fill("外出务工")
    photo = tmp_path / "签到表.png"
    photo.write_bytes(PNG)
    page.set_input_files("input[name=files]", str(photo))
    shot(page, f"orglife-form-{device}")
    page.locator("form[data-meeting-form] button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    assert "已登记" in page.content()
    assert page.get_by_text("外出务工").first.is_visible()
    meeting = Meeting.objects.get()
    assert (meeting.expected, meeting.present, meeting.on_leave) == (3, 2, 1)
    assert meeting.attachments.count() == 1
    assert page.locator(".zg-file img").count() == 1
    shot(page, f"orglife-detail-{device}")

    page.goto(f"{live_server.url}/orglife/")
    assert page.get_by_text("绿:达标").first.is_visible()
    assert page.locator("td.zg-cell-met").count() == 1 and page.locator("td.zg-cell-due").count() == 0
    shot(page, f"orglife-after-{device}")
    page.goto(f"{live_server.url}/orglife/inbox/")
    assert page.locator(item).count() == 0
    assert not errors, errors
    context.close()
