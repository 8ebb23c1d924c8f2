"""Paperwork from the file's data: 公示, 谈话记录, 政审结论, 请示 as .docx (docxtpl templates in
templates/docx/, built by docx/build.py in the GB/T 9704 layout), one at a time or a batch as a zip.
Every generation is an audit entry (who produced which document for whom)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zugong.core import audit, codes
from zugong.core.services import require
from zugong.orgs.models import Org
from zugong.recruitment.models import Applicant, StepRecord
from zugong.rules import engine

TEMPLATES = Path(__file__).resolve().parent / "templates" / "docx"
KINDS: dict[str, Any] = {
    "publicity": gettext_lazy("发展对象公示"),
    "talk": gettext_lazy("入党谈话记录"),
    "review": gettext_lazy("政治审查结论"),
    "request": gettext_lazy("接收预备党员的请示"),
}
MAX_BATCH = 200


def cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "    年  月  日"


def context(
    applicant: Applicant, records: Iterable[StepRecord], *, today: dt.date | None = None
) -> dict[str, Any]:
    latest: dict[str, StepRecord] = {}
    for r in sorted(records, key=lambda r: (r.done_on, r.pk or 0)):
        latest[r.step] = r
    first: dict[str, StepRecord] = {}
    for r in sorted(records, key=lambda r: (r.done_on, r.pk or 0), reverse=True):
        first[r.step] = r
    cand, talk, review = latest.get("candidate"), first.get("talk"), latest.get("political_review")
    vote, training, intro = latest.get("assembly"), latest.get("training"), latest.get("introducers")
    workdays = ""
    if cand and cand.publicity_from and cand.publicity_to:
        workdays = str(
            engine.workdays_between(cand.publicity_from - dt.timedelta(days=1), cand.publicity_to).count
        )
    parent = (
        Org.objects.filter(path=applicant.org_path[: -Org.steplen]).first()
        if applicant.org.depth > 1
        else None
    )
    train_text = ""
    if training:
        parts = []
        if training.training_days is not None:
            parts.append(f"{training.training_days.normalize()}天")
        if training.training_hours is not None:
            parts.append(f"{training.training_hours.normalize()}学时")
        train_text = "、".join(parts)
    return {
        "name": applicant.name,
        "sex": codes.label("sex", applicant.sex),
        "ethnicity": codes.label("ethnicity", applicant.ethnicity),
        "birth_cn": f"{applicant.birth_date.year}年{applicant.birth_date.month}月",
        "birth_ym": f"{applicant.birth_date:%Y.%m}",
        "native_place": applicant.native_place or "",
        "education": codes.label("education", applicant.education) if applicant.education else "",
        "work": " ".join(p for p in (applicant.work_unit, applicant.job_title) if p),
        "applied_cn": cn_date(applicant.applied_on),
        "activist_cn": cn_date(applicant.activist_on),
        "candidate_cn": cn_date(applicant.candidate_on),
        "assembly_cn": cn_date(vote.done_on if vote else None),
        "publicity_from_cn": cn_date(cand.publicity_from if cand else None),
        "publicity_to_cn": cn_date(cand.publicity_to if cand else None),
        "publicity_workdays": workdays or "  ",
        "contact_phone": applicant.org.phone,
        "talk_kind": _("收到入党申请书后谈话"),
        "talk_cn": cn_date(talk.done_on if talk else None),
        "talker": talk.done_by if talk else "",
        "talk_note": talk.note if talk else "",
        "review_result": (review.get_outcome_display() if review else _("(待审查)")),
        "introducers": "、".join(p.get("name", "") for p in (intro.people if intro else [])),
        "training": train_text,
        "serial": applicant.form_serial,
        "expected": vote.expected if vote and vote.expected is not None else "",
        "present": vote.present if vote and vote.present is not None else "",
        "yes": vote.yes if vote and vote.yes is not None else "",
        "no": vote.no if vote and vote.no is not None else "",
        "abstain": vote.abstain if vote and vote.abstain is not None else "",
        "org_name": applicant.org.name,
        "parent_name": parent.name if parent else "",
        "date_cn": cn_date(today or dt.date.today()),
    }


def render(kind: str, applicant: Applicant) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(TEMPLATES / f"{kind}.docx"))
    template.render(context(applicant, list(applicant.records.all())))
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def filename(kind: str, applicant: Applicant) -> str:
    return f"{KINDS[kind]}-{applicant.name}.docx"


@transaction.atomic
def generate(*, actor, kind: str, applicant: Applicant) -> bytes:
    require(actor, "recruitment.view", applicant.org_path)
    data = render(kind, applicant)
    audit.record(
        actor=actor,
        action="recruitment.document",
        obj=applicant,
        org_path=applicant.org_path,
        after={"kind": kind},
    )
    return data


@transaction.atomic
def generate_batch(*, actor, kind: str, applicants: list[Applicant], org_path: str = "") -> bytes:
    """One zip of the document for each applicant (at most MAX_BATCH), one audit entry."""
    out = io.BytesIO()
    names: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for a in applicants[:MAX_BATCH]:
            require(actor, "recruitment.view", a.org_path)
            name = filename(kind, a)
            if name in names:
                name = name.replace(".docx", f"-{a.pk}.docx")
            names.add(name)
            zf.writestr(name, render(kind, a))
    audit.record(
        actor=actor,
        action="recruitment.documents",
        object_type="recruitment.applicant",
        object_repr=str(KINDS[kind]),
        org_path=org_path,
        after={"kind": kind, "count": len(names), "applicants": [a.pk for a in applicants[:MAX_BATCH]]},
    )
    return out.getvalue()
