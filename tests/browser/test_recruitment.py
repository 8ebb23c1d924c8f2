"""One applicant from the application to a full member, through the pages a branch secretary uses:
open the file, follow "记录:下一步" step by step (with the half-yearly assessments), and end with a
member record whose 入党日期 is the 支部大会 date and 转正日期 the end of probation. Then the same
pages at phone width. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from zugong.core.scope import Role
from zugong.members.models import Member
from zugong.recruitment.models import Applicant

from ..factories import applicant_fields, make_applicant, make_member, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Zugong-browser-2026"
DATES = {
    "talk": "2024-03-20",
    "activist": "2024-05-10",
    "activist_filing": "2024-05-20",
    "contacts": "2024-05-20",
    "candidate": "2025-05-12",
    "candidate_filing": "2025-05-20",
    "introducers": "2025-05-20",
    "political_review": "2025-06-10",
    "training": "2025-06-20",
    "branch_review": "2025-07-01",
    "pre_review": "2025-07-08",
    "application_form": "2025-07-10",
    "assembly": "2025-07-20",
    "committee_talk": "2025-08-01",
    "approval": "2025-08-15",
    "approval_filing": "2025-08-20",
    "group_assignment": "2025-08-20",
    "oath": "2025-09-01",
    "probation_assessment": "2026-01-10",
    "conversion_application": "2026-07-01",
    "conversion_vote": "2026-07-21",
    "conversion_approval": "2026-08-10",
    "archive": "2026-08-20",
}


@pytest.fixture
def secretary(tree):
    make_member(tree.branch_a1, name="赵介绍")
    make_member(tree.branch_a1, name="钱介绍")
    return make_user(Role.BRANCH_SECRETARY, tree.branch_a1, username="rec_secretary", password=PASSWORD)


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click(".zg-login-card button[type=submit]")
    page.wait_for_load_state("networkidle")


def fill_step(page, step: str, on: str) -> None:
    page.fill("#id_done_on", on)
    page.fill("#id_done_by", "王书记")
    if step == "activist":
        page.select_option("#id_method", "both")
    if step in ("contacts", "introducers"):
        page.select_option("#id_person_1", label="赵介绍")
        page.select_option("#id_person_2", label="钱介绍")
    if step in ("political_review", "pre_review", "approval", "conversion_approval"):
        page.check("#id_outcome_0")
    if step == "training":
        page.fill("#id_training_days", "3")
        page.fill("#id_training_hours", "24")
    if step == "application_form":
        page.fill("#id_serial", "1405252025001")
    if step in ("assembly", "conversion_vote"):
        page.fill("#id_expected", "9")
        page.fill("#id_present", "8")
        page.fill("#id_yes", "8")
        page.fill("#id_no", "0")
        page.fill("#id_abstain", "0")


def test_one_applicant_from_application_to_member(live_server, browser, shot, tree, secretary):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login(page, live_server.url, "rec_secretary")
    page.get_by_role("link", name="发展党员").first.click()
    page.wait_for_load_state("networkidle")
    shot(page, "recruitment-list-empty-desktop")

    # 1. the application
    page.get_by_role("link", name="登记入党申请").click()
    fields = applicant_fields(name="孙晓梅", birth_date=dt.date(2001, 4, 9))
    page.fill("#id_name", fields["name"])
    page.fill("#id_id_number", fields["id_number"])
    page.select_option("#id_sex", "2")
    page.select_option("#id_ethnicity", "01")
    page.fill("#id_work_unit", "甲村村民委员会")
    page.fill("#id_phone", "13812345678")
    page.fill("#id_applied_on", "2024-03-01")
    page.fill("#id_done_by", "王书记")
    shot(page, "recruitment-create-desktop")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已建立“孙晓梅”的发展档案" in page.content()
    applicant = Applicant.objects.get(name="孙晓梅")

    # 2–25: follow the next step until there is none; assessments alongside.
    assessments = iter(["2024-11-01", "2025-04-30"])
    seen = []
    for _ in range(40):
        button = page.locator("a.btn-zg", has_text="记录")
        if button.count() == 0:
            break
        href = button.first.get_attribute("href")
        step = re.search(r"/steps/(\w+)/", href).group(1)
        recurring = {
            "candidate": ("assessment", assessments),
            "conversion_application": ("probation_assessment", iter([DATES["probation_assessment"]])),
        }
        if step in recurring and recurring[step][0] not in seen:
            other, days = recurring[step]
            for day in days:
                page.goto(f"{live_server.url}/recruitment/{applicant.pk}/steps/{other}/")
                fill_step(page, other, day)
                page.click("main button[type=submit]")
                page.wait_for_load_state("networkidle")
            seen.append(other)
            continue
        button.first.click()
        page.wait_for_load_state("networkidle")
        if step == "assembly":
            shot(page, "recruitment-step-vote-desktop")
        assert step in DATES, (step, seen)
        fill_step(page, step, DATES[step])
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "不能记录" not in page.content(), (step, page.content()[-3000:])
        assert "已记录" in page.content(), step
        seen.append(step)
        if step == "assembly":
            shot(page, "recruitment-detail-admission-desktop")
    assert seen[-1] == "archive", seen
    shot(page, "recruitment-detail-member-desktop")
    html = page.content()
    assert "已登记为党员" in html and "需要注意的问题" not in html

    member = Member.objects.get(pk=Applicant.objects.get(pk=applicant.pk).member_id)
    assert member.status == "formal"
    assert member.joined_on == dt.date(2025, 7, 20) and member.converted_on == dt.date(2026, 7, 20)
    page.goto(f"{live_server.url}/members/{member.pk}/")
    assert "正式党员" in page.content()
    assert not errors, errors
    context.close()


def test_recruitment_pages_on_a_phone(live_server, browser, shot, tree, secretary):
    people = [{"member": m.pk, "name": m.name, "formal": True} for m in Member.objects.all()]
    from tests.recruitment.helpers import ON_TIME, walk

    for i, cut in enumerate([2, 8, 14, 17, 21]):
        a = make_applicant(tree.branch_a1, applied_on=dt.date(2024, 3, 1), name=f"申请人{'甲乙丙丁戊'[i]}")
        walk(a, ON_TIME[:cut], people)
    late = make_applicant(tree.branch_a1, applied_on=dt.date(2026, 9, 1), name="周逾期")
    make_user(Role.DEPT_ADMIN, tree.county, username="rec_admin", password=PASSWORD)
    for device, width in (("phone", 390), ("desktop", 1366)):
        context = browser.new_context(viewport={"width": width, "height": 860}, locale="zh-CN")
        page = context.new_page()
        login(page, live_server.url, "rec_secretary")
        page.goto(f"{live_server.url}/recruitment/")
        assert page.get_by_text("周逾期").first.is_visible()
        shot(page, f"recruitment-list-{device}")
        page.goto(f"{live_server.url}/recruitment/{late.pk}/")
        assert "已超过时限" in page.content()
        shot(page, f"recruitment-detail-overdue-{device}")
        a = Applicant.objects.get(name="申请人丙")
        page.goto(f"{live_server.url}/recruitment/{a.pk}/")
        shot(page, f"recruitment-detail-{device}")
        page.goto(f"{live_server.url}/recruitment/{a.pk}/steps/assembly/")
        shot(page, f"recruitment-step-{device}")
        context.close()
        context = browser.new_context(viewport={"width": width, "height": 860}, locale="zh-CN")
        page = context.new_page()
        login(page, live_server.url, "rec_admin")
        page.goto(f"{live_server.url}/recruitment/pipeline/")
        assert "本月应办" in page.content()
        shot(page, f"recruitment-pipeline-{device}")
        page.goto(f"{live_server.url}/recruitment/plans/")
        shot(page, f"recruitment-plans-{device}")
        context.close()
