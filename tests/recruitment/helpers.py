"""Walk an applicant's file through the steps with plausible defaults, for the tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from zugong.recruitment import services
from zugong.recruitment.models import Applicant

PASSING_VOTE = {"expected": 9, "present": 8, "yes": 8, "no": 0, "abstain": 0}


@dataclass
class People:
    """Two full members of the applicant's branch, as people entries."""

    a: dict
    b: dict

    @property
    def both(self) -> list[dict]:
        return [self.a, self.b]


def people_of(*members) -> list[dict]:
    return [{"member": m.pk, "name": m.name, "formal": m.status == "formal"} for m in members]


def defaults(step: str, people: list[dict]) -> dict:
    return {
        "activist": {"method": "members"},
        "contacts": {"people": people},
        "introducers": {"people": people},
        "political_review": {"outcome": "passed"},
        "training": {"training_days": 3, "training_hours": 24},
        "pre_review": {"outcome": "passed"},
        "application_form": {"serial": f"SN{id(people) % 100000:05d}{dt.datetime.now().microsecond}"},
        "assembly": dict(PASSING_VOTE),
        "approval": {"outcome": "approved"},
        "conversion_vote": {**PASSING_VOTE, "decision": "convert"},
        "conversion_approval": {"outcome": "approved"},
    }.get(step, {})


def record(
    applicant: Applicant, step: str, on: dt.date, people: list[dict] | None = None, actor=None, **fields
):
    values = defaults(step, people or [])
    values.update(fields)
    return services.step_record(
        actor=actor, applicant=applicant, step=step, done_on=on, done_by="王书记", **values
    )


def walk(applicant: Applicant, plan: list[tuple[str, dt.date]], people: list[dict], actor=None) -> Applicant:
    for step, on in plan:
        record(applicant, step, on, people, actor=actor)
    applicant.refresh_from_db()
    return applicant


# A file that keeps every rule, from an application on 2024-03-01 to archiving in 2026.
ON_TIME = [
    ("talk", dt.date(2024, 3, 20)),
    ("activist", dt.date(2024, 5, 10)),
    ("activist_filing", dt.date(2024, 5, 20)),
    ("contacts", dt.date(2024, 5, 20)),
    ("assessment", dt.date(2024, 11, 1)),
    ("assessment", dt.date(2025, 4, 30)),
    ("candidate", dt.date(2025, 5, 12)),
    ("candidate_filing", dt.date(2025, 5, 20)),
    ("introducers", dt.date(2025, 5, 20)),
    ("political_review", dt.date(2025, 6, 10)),
    ("training", dt.date(2025, 6, 20)),
    ("branch_review", dt.date(2025, 7, 1)),
    ("pre_review", dt.date(2025, 7, 8)),
    ("application_form", dt.date(2025, 7, 10)),
    ("assembly", dt.date(2025, 7, 20)),
    ("committee_talk", dt.date(2025, 8, 1)),
    ("approval", dt.date(2025, 8, 15)),
    ("approval_filing", dt.date(2025, 8, 20)),
    ("group_assignment", dt.date(2025, 8, 20)),
    ("oath", dt.date(2025, 9, 1)),
    ("probation_assessment", dt.date(2026, 1, 10)),
    ("conversion_application", dt.date(2026, 7, 1)),
    ("conversion_vote", dt.date(2026, 7, 21)),
    ("conversion_approval", dt.date(2026, 8, 10)),
    ("archive", dt.date(2026, 8, 20)),
]
