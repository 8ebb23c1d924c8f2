from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "zugong.orgs"
    label = "orgs"
    verbose_name = "党组织"

    def ready(self) -> None:
        from zugong.core import paths
        from zugong.orgs.models import Unit

        paths.follow_moves(Unit, field="managing_path")
