from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "zugong.recruitment"
    label = "recruitment"
    verbose_name = "发展党员"

    def ready(self) -> None:
        from zugong.core import paths
        from zugong.recruitment.models import Applicant, Plan
        from zugong.recruitment.services import follow_merge

        paths.follow_moves(Applicant, Plan)
        paths.on_org_merge(follow_merge)
