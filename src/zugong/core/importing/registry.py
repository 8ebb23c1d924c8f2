"""Every importer by name: the CLI (`zugong import NAME`, `zugong template NAME`), the web upload
page and the background task look importers up here. A module that adds an importer adds a line."""

from __future__ import annotations

from django.utils.module_loading import import_string

IMPORTERS: dict[str, str] = {
    "orgs": "zugong.orgs.importers.OrgImporter",
    "members": "zugong.members.importers.MemberImporter",
    "meetings": "zugong.orglife.importers.MeetingImporter",
    "dues": "zugong.dues.importers.DuesImporter",
    "applicants": "zugong.recruitment.importers.ApplicantImporter",
    "volunteer_hours": "zugong.members.community_importers.VolunteerHoursImporter",
}

# Importers with an explicit, audited update mode (`--update`, the web import's 更新 option).
UPDATABLE = {"members", "orgs", "meetings"}


def get(name: str):
    try:
        return import_string(IMPORTERS[name])
    except KeyError as exc:
        raise LookupError(name) from exc
