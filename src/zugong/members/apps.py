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

        from zugong.members.models import Transfer
        from zugong.members.transfers import follow_merge as transfers_follow_merge

        # 组织关系转接: both sides' path copies follow moves; a merged branch hands on open letters.
        paths.follow_moves(Transfer, field="from_path")
        paths.follow_moves(Transfer, field="to_path")
        paths.on_org_merge(transfers_follow_merge)
