from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse

from zugong.core.models import AuditEntry

from ..factories import make_applicant
from .helpers import ON_TIME, walk

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode()


def test_each_document_is_filled_from_the_file_and_audited(client, tree, accounts, introducers):
    a = make_applicant(tree.branch_a1, applied_on=dt.date(2024, 3, 1), name="孙晓梅")
    walk(a, ON_TIME[:15], introducers)
    client.force_login(accounts["secretary_a1"])
    expected = {
        "publicity": ["关于孙晓梅同志拟列为发展对象的公示", "2024年3月1日递交入党申请书", "甲村党支部"],
        "talk": ["入党谈话记录", "2024年3月20日", "王书记"],
        "review": ["政治审查结论", "结论:合格"],
        "request": ["关于接收孙晓梅同志为中共预备党员的请示", "甲镇党委", "赞成8票", "赵介绍、钱介绍"],
    }
    for kind, phrases in expected.items():
        response = client.get(reverse("recruitment:document", args=[a.pk, kind]))
        assert response.status_code == 200
        assert response["Content-Type"].endswith("wordprocessingml.document")
        text = _text(response.content)
        for phrase in phrases:
            assert phrase in text, (kind, phrase)
        assert "{{" not in text
    assert AuditEntry.objects.filter(action="recruitment.document").count() == 4


def test_batch_is_a_zip_of_the_filtered_list(client, tree, accounts):
    for name in ("甲", "乙", "丙"):
        make_applicant(tree.branch_a1, applied_on=dt.date(2026, 9, 1), name=f"申请人{name}")
    make_applicant(tree.branch_b1, applied_on=dt.date(2026, 9, 1), name="乙镇人")
    client.force_login(accounts["organizer_a"])
    response = client.get(reverse("recruitment:documents") + "?kind=talk&org=C0A")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        assert sorted(z.namelist()) == [f"入党谈话记录-申请人{n}.docx" for n in sorted("甲乙丙")]
    entry = AuditEntry.objects.get(action="recruitment.documents")
    assert entry.after["count"] == 3
