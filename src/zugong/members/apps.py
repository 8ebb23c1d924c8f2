from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "zugong.members"
    label = "members"
    verbose_name = "党员"

    def ready(self) -> None:
        from zugong.core import paths
        from zugong.members.services import move_member_paths

        paths.on_subtree_move(move_member_paths)  # org_path and county_path together

        from zugong.members.mobility import follow_merge
        from zugong.members.models import LostContact, Mobility, StandingChange

        paths.follow_moves(Mobility, LostContact, StandingChange)
        paths.on_org_merge(follow_merge)
        from zugong.members.models import (
            CommunityEvaluation,
            CommunityReport,
            VolunteerActivity,
            VolunteerRecord,
        )

        paths.follow_moves(
            CommunityReport, VolunteerActivity, VolunteerRecord, CommunityEvaluation, field="community_path"
        )
        paths.follow_moves(CommunityReport, VolunteerRecord, CommunityEvaluation, field="member_org_path")
