from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "zugong.orglife"
    label = "orglife"
    verbose_name = "组织生活"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from zugong.orglife.defaults import load_theme_items_after_migrate

        post_migrate.connect(load_theme_items_after_migrate, sender=self)

        from zugong.core import paths
        from zugong.orglife import models as m

        paths.follow_moves(m.Meeting, m.MeetingPart, m.MemberReview, m.VillageDecision, m.ThemeDayItem)
